"""The assessment formulas (pure). Defaults follow china-12345.md §1.5:

* population = valid return visits (the resident was reached and the dissatisfaction, if any, was not
  judged unreasonable; appeals with an approved exclusion do not count);
* 响应率 = visits where the handling unit's first contact was within the contact limit / valid;
* 解决率 = visits answered "solved" / valid;
* 满意率 = (满意 + basic_weight × 基本满意) / valid, basic_weight 0.9;
* 综合成绩 = 0.1 × 响应率 + 0.5 × 解决率 + 0.4 × 满意率 (weights per jurisdiction);
* 按时签收率 = signed on time / signed; 按期办结率 = replied by the deadline / replied;
* 退单率 = return requests / dispatches; 重办率 = reopens / replies.
A rate whose denominator is zero is None (shown as "—"), never 0 or 100 %.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Weights:
    response: float = 0.1
    resolution: float = 0.5
    satisfaction: float = 0.4
    basic: float = 0.9


def ratio(numerator: float, denominator: float) -> float | None:
    return None if not denominator else numerator / denominator


RATE_LABELS = {
    "response_rate": ("响应率", "Response rate"),
    "resolution_rate": ("解决率", "Resolution rate"),
    "satisfaction_rate": ("满意率", "Satisfaction rate"),
    "composite": ("综合成绩", "Composite"),
    "sign_on_time_rate": ("按时签收率", "Signed on time"),
    "close_on_time_rate": ("按期办结率", "Closed on time"),
    "return_rate": ("退单率", "Return rate"),
    "reopen_rate": ("重办率", "Reopen rate"),
}


def compute_rates(counts: Mapping[str, int], weights: Weights = Weights()) -> dict[str, float | None]:
    get = counts.get
    valid = get("visits_valid", 0)
    response = ratio(get("visits_responded", 0), valid)
    resolution = ratio(get("visits_solved", 0), valid)
    satisfaction = ratio(get("visits_satisfied", 0) + weights.basic * get("visits_basic", 0), valid)
    composite = (
        None
        if valid == 0
        else (weights.response * response + weights.resolution * resolution + weights.satisfaction * satisfaction)
    )
    return {
        "response_rate": response,
        "resolution_rate": resolution,
        "satisfaction_rate": satisfaction,
        "composite": composite,
        "sign_on_time_rate": ratio(get("signed_on_time", 0), get("signed", 0)),
        "close_on_time_rate": ratio(get("replied_on_time", 0), get("replied", 0)),
        "return_rate": ratio(get("returns", 0), get("dispatched", 0)),
        "reopen_rate": ratio(get("reopens", 0), get("replied", 0)),
    }


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"
