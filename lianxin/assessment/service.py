"""Assessment settings and monthly rankings (三率考核、四类排名) with month-on-month change and red/black lists."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.assessment.models import AssessmentSettings, AssessmentSettingsChange
from lianxin.db import insert_or_ignore
from lianxin.errors import InvalidInput
from lianxin.orgs.models import Role, UnitKind, User
from lianxin.orgs.service import require_role
from lianxin.stats.rates import Weights, compute_rates
from lianxin.stats.rollups import rollup_sums, unit_tree

RANKED_KINDS = {
    UnitKind.DISTRICT: ("区县", "Districts"),
    UnitKind.STREET: ("街道/乡镇", "Streets and townships"),
    UnitKind.DEPARTMENT: ("职能部门", "Departments"),
    UnitKind.ENTERPRISE: ("公共服务企业", "Enterprises"),
}
EDITABLE = (
    "weight_response",
    "weight_resolution",
    "weight_satisfaction",
    "basic_satisfied_weight",
    "red_list_size",
    "black_list_size",
    "black_list_below",
    "min_valid_visits",
    "supervise_overdue_working_days",
    "supervise_reopen_count",
    "list_repeat_count",
)


def get_settings_row(session: Session, jurisdiction_id: int) -> AssessmentSettings:
    """The jurisdiction's settings, created with the defaults on first use."""
    defaults = {c.name: c.default.arg for c in AssessmentSettings.__table__.columns if c.default is not None}
    insert_or_ignore(
        session, AssessmentSettings.__table__, {**defaults, "jurisdiction_id": jurisdiction_id}, ["jurisdiction_id"]
    )
    return session.scalar(select(AssessmentSettings).where(AssessmentSettings.jurisdiction_id == jurisdiction_id))


def weights_of(row: AssessmentSettings) -> Weights:
    return Weights(row.weight_response, row.weight_resolution, row.weight_satisfaction, row.basic_satisfied_weight)


def rate_weights(session: Session, jurisdiction_id: int) -> Weights:
    """The ``rate_weights`` hook: the statistics (``/stats``, the public API, the dashboard) use the weights
    admins set on the assessment settings page."""
    return weights_of(get_settings_row(session, jurisdiction_id))


# The settings as an admin sees them: (name, zh, en, kind) — "float" or "int", in EDITABLE's order.
SETTING_LABELS: dict[str, tuple[str, str]] = {
    "weight_response": ("响应率权重", "Weight of the response rate"),
    "weight_resolution": ("解决率权重", "Weight of the resolution rate"),
    "weight_satisfaction": ("满意率权重", "Weight of the satisfaction rate"),
    "basic_satisfied_weight": ("基本满意折算系数", "基本满意 counts as"),
    "red_list_size": ("红榜数量", "Red list size"),
    "black_list_size": ("黑榜数量", "Black list size"),
    "black_list_below": ("综合成绩低于此值列入黑榜", "Black-listed below this composite"),
    "min_valid_visits": ("参与排名的最少有效回访数", "Fewest valid visits to be ranked"),
    "supervise_overdue_working_days": (
        "超期几个工作日自动督办（0 为不启用）",
        "Supervise after this many working days overdue (0: off)",
    ),
    "supervise_reopen_count": ("重办几次自动督办（0 为不启用）", "Supervise after this many reopens (0: off)"),
    "list_repeat_count": (
        "并入几件重复诉求挂牌督办（0 为不启用）",
        "Listed supervision after this many merged repeats (0: off)",
    ),
}
FLOAT_SETTINGS = frozenset(
    {"weight_response", "weight_resolution", "weight_satisfaction", "basic_satisfied_weight", "black_list_below"}
)


def _coerce(name: str, value) -> float | int:
    """A setting's value as its type; text from a form is parsed, anything else is refused with the field."""
    zh = SETTING_LABELS[name][0]
    try:
        if name in FLOAT_SETTINGS:
            number = float(str(value).strip()) if isinstance(value, str) else float(value)
            if not math.isfinite(number):
                raise ValueError
            return number
        if isinstance(value, float) and not value.is_integer() or isinstance(value, bool):
            raise ValueError
        return int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        kind = ("数字", "a number") if name in FLOAT_SETTINGS else ("整数", "a whole number")
        raise InvalidInput(f"「{zh}」须为{kind[0]}", f"{name} must be {kind[1]}", field=name) from None


def update_settings(
    session: Session, jurisdiction_id: int, *, actor: User | None, note: str | None = None, **values
) -> AssessmentSettings:
    """Change formulas, weights, list sizes or supervision rules (admin). Weights must sum to 1.
    Every change that changes something is logged (who, when, each value before and after)."""
    require_role(session, actor, (Role.ADMIN,))
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"未知的设置项：{'、'.join(sorted(unknown))}", f"unknown settings: {sorted(unknown)}")
    values = {name: _coerce(name, value) for name, value in values.items()}
    row = get_settings_row(session, jurisdiction_id)
    merged = {name: values.get(name, getattr(row, name)) for name in EDITABLE}
    weights = [merged["weight_response"], merged["weight_resolution"], merged["weight_satisfaction"]]
    if any(w < 0 for w in weights) or abs(sum(weights) - 1) > 1e-6:
        raise InvalidInput(
            "响应率、解决率、满意率的权重须为非负数且合计为 1",
            "the three weights must be ≥ 0 and sum to 1",
            field="weight_response",
        )
    if not 0 <= merged["basic_satisfied_weight"] <= 1:
        raise InvalidInput(
            "基本满意折算系数须在 0 到 1 之间",
            "basic_satisfied_weight must be within 0..1",
            field="basic_satisfied_weight",
        )
    for name in EDITABLE[4:]:
        if merged[name] < 0:
            raise InvalidInput(f"{name} 不能为负数", f"{name} must not be negative", field=name)
    if not 0 <= merged["black_list_below"] <= 1:
        raise InvalidInput(
            "黑榜分数线须在 0 到 1 之间", "black_list_below must be within 0..1", field="black_list_below"
        )
    changes = {name: [getattr(row, name), value] for name, value in merged.items() if getattr(row, name) != value}
    for name, value in merged.items():
        setattr(row, name, value)
    if changes:
        session.add(
            AssessmentSettingsChange(
                jurisdiction_id=jurisdiction_id,
                changed_by_id=actor.id if actor else None,
                changes=changes,
                note=(note or "").strip() or None,
            )
        )
    session.flush()
    return row


def settings_changes(session: Session, jurisdiction_id: int, *, limit: int = 50) -> list[AssessmentSettingsChange]:
    """The change log, newest first."""
    return list(
        session.scalars(
            select(AssessmentSettingsChange)
            .where(AssessmentSettingsChange.jurisdiction_id == jurisdiction_id)
            .order_by(AssessmentSettingsChange.id.desc())
            .limit(limit)
        )
    )


def parse_month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return date(year, month, 1)
    except ValueError:
        raise InvalidInput(
            f"月份格式应为 YYYY-MM：「{text}」", f"month must be YYYY-MM, got {text!r}", field="month"
        ) from None


def month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


@dataclass
class RankRow:
    unit_id: int
    unit: str
    counts: Counter
    rates: dict
    rank: int | None = None
    previous_composite: float | None = None
    previous_rank: int | None = None
    listed: str | None = None  # "red" / "black"

    @property
    def change(self) -> float | None:
        composite = self.rates["composite"]
        return None if composite is None or self.previous_composite is None else composite - self.previous_composite

    def as_dict(self) -> dict:
        return {
            "unit_id": self.unit_id,
            "unit": self.unit,
            "rank": self.rank,
            "valid_visits": self.counts["visits_valid"],
            **self.rates,
            "previous_composite": self.previous_composite,
            "previous_rank": self.previous_rank,
            "change": self.change,
            "listed": self.listed,
            "counts": {k: v for k, v in self.counts.items() if v},
        }


def _ranked(
    session: Session, jurisdiction_id: int, month: date, kind: UnitKind, row: AssessmentSettings
) -> list[RankRow]:
    tree = unit_tree(session, jurisdiction_id)
    start, end = month_bounds(month)
    sums = rollup_sums(session, jurisdiction_id, start, end, assessed_only=True, by_unit=True)
    members = [u for u in tree.units.values() if u.kind == kind and u.active]
    owner = {}
    for unit in members:  # a unit's figures include its subtree (a street's include its communities)
        for uid in tree.subtree(unit.id):
            owner.setdefault(uid, unit.id)
    totals = {unit.id: Counter() for unit in members}
    for (uid, _), counts in sums.items():
        if uid in owner:
            totals[owner[uid]].update(counts)
    weights = weights_of(row)
    rows = [RankRow(u.id, u.name, totals[u.id], compute_rates(totals[u.id], weights)) for u in members]
    eligible = [r for r in rows if r.counts["visits_valid"] >= max(row.min_valid_visits, 1)]
    eligible.sort(key=lambda r: (-r.rates["composite"], -r.counts["visits_valid"], r.unit))
    for position, r in enumerate(eligible, start=1):
        r.rank = position
    rest = sorted((r for r in rows if r.rank is None), key=lambda r: r.unit)
    return eligible + rest


def monthly_ranking(session: Session, jurisdiction_id: int, month: date, kind: UnitKind | str) -> dict:
    """Rank the units of one kind by composite score for ``month``, with last month's score and rank,
    the red list (top N) and the black list (bottom N, and any composite below the threshold)."""
    try:
        kind = UnitKind(kind)
    except ValueError:
        kind = None
    if kind not in RANKED_KINDS:
        options = "、".join(f"{k.value}({label[0]})" for k, label in RANKED_KINDS.items())
        raise InvalidInput(
            f"排名单位类型可选：{options}", "kind must be district, street, department or enterprise", field="kind"
        )
    row = get_settings_row(session, jurisdiction_id)
    rows = _ranked(session, jurisdiction_id, month, kind, row)
    before = {r.unit_id: r for r in _ranked(session, jurisdiction_id, previous_month(month), kind, row)}
    for r in rows:
        if r.unit_id in before:
            r.previous_composite, r.previous_rank = before[r.unit_id].rates["composite"], before[r.unit_id].rank
    ranked = [r for r in rows if r.rank is not None]
    red = ranked[: row.red_list_size]
    rest = ranked[len(red) :]  # the bottom N are taken from below the red list, so no unit is on both by rank
    black = set(map(id, rest[max(len(rest) - row.black_list_size, 0) :] if row.black_list_size else []))
    black |= {id(r) for r in ranked if r.rates["composite"] < row.black_list_below}
    for r in ranked:
        if id(r) in black:
            r.listed = "black"
        elif r in red:
            r.listed = "red"
    start, end = month_bounds(month)
    return {
        "month": month.strftime("%Y-%m"),
        "kind": kind.value,
        "kind_label": RANKED_KINDS[kind][0],
        "start": start.isoformat(),
        "end": end.isoformat(),
        "weights": {
            "response": row.weight_response,
            "resolution": row.weight_resolution,
            "satisfaction": row.weight_satisfaction,
            "basic": row.basic_satisfied_weight,
        },
        "rows": [r.as_dict() for r in rows],
        "red_list": [r.unit for r in ranked if r.listed == "red"],
        "black_list": [r.unit for r in ranked if r.listed == "black"],
    }
