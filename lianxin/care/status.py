"""The pure part of proactive care: the alarm state machine, the escalation ladder, and the rule arithmetic
(usage over a window, silence). No framework or database imports; tested without a database.

Alarm lifecycle (ThingsBoard's active/acknowledged/cleared, plus the visit our core requires)::

    raised ──acknowledge──▶ acknowledged ──start_visit──▶ visiting ──record_visit──▶ resolved | false_alarm
      │  └───────────start_visit────────────────────────────▲
      ├──record_visit (straight away: a repair, or a visit not logged as started) ──▶ resolved | false_alarm
      └──clear (the condition went away before anyone acknowledged it) ──▶ cleared

A welfare alarm is closed only by a visit record (safe / needed help / emergency / false alarm); a device-fault
alarm (no data) is closed by a repair record or clears itself when the device reports again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from lianxin.errors import Conflict, InvalidInput


class AlarmStatus(StrEnum):
    RAISED = "raised"  # 待响应
    ACKNOWLEDGED = "acknowledged"  # 已响应
    VISITING = "visiting"  # 上门中
    RESOLVED = "resolved"  # 已处置
    FALSE_ALARM = "false_alarm"  # 误报
    CLEARED = "cleared"  # 自动解除


OPEN_STATUSES = frozenset({AlarmStatus.RAISED, AlarmStatus.ACKNOWLEDGED, AlarmStatus.VISITING})

STATUS_LABELS = {
    AlarmStatus.RAISED: ("待响应", "Raised"),
    AlarmStatus.ACKNOWLEDGED: ("已响应", "Acknowledged"),
    AlarmStatus.VISITING: ("上门中", "Visiting"),
    AlarmStatus.RESOLVED: ("已处置", "Resolved"),
    AlarmStatus.FALSE_ALARM: ("误报", "False alarm"),
    AlarmStatus.CLEARED: ("自动解除", "Cleared"),
}


class AlarmAction(StrEnum):
    RAISE = "raise"
    ACKNOWLEDGE = "acknowledge"
    START_VISIT = "start_visit"
    RECORD_VISIT = "record_visit"
    CLEAR = "clear"
    ESCALATE = "escalate"
    NOTE = "note"


ACTION_LABELS = {
    AlarmAction.RAISE: ("触发告警", "Raised"),
    AlarmAction.ACKNOWLEDGE: ("响应", "Acknowledged"),
    AlarmAction.START_VISIT: ("出发上门", "Visit started"),
    AlarmAction.RECORD_VISIT: ("上门记录", "Visit recorded"),
    AlarmAction.CLEAR: ("自动解除", "Cleared"),
    AlarmAction.ESCALATE: ("升级", "Escalated"),
    AlarmAction.NOTE: ("备注", "Note"),
}


class RuleKind(StrEnum):
    LOW_USAGE = "low_usage"  # 用量过低（如 24 小时用水 < 0.01 m³）
    HIGH_USAGE = "high_usage"  # 用量过高（漏水、浴室跌倒）
    NO_DATA = "no_data"  # 设备无数据（故障 → 维修，不是上门探视）
    BUTTON = "button"  # 紧急按钮（立即）


RULE_LABELS = {
    RuleKind.LOW_USAGE: ("用量过低", "Low use"),
    RuleKind.HIGH_USAGE: ("用量过高", "High use"),
    RuleKind.NO_DATA: ("设备无数据", "No data"),
    RuleKind.BUTTON: ("紧急呼叫", "Emergency button"),
}


class AlarmCategory(StrEnum):
    WELFARE = "welfare"  # 关爱上门
    MAINTENANCE = "maintenance"  # 设备维修


CATEGORY_LABELS = {
    AlarmCategory.WELFARE: ("关爱上门", "Welfare visit"),
    AlarmCategory.MAINTENANCE: ("设备维修", "Maintenance"),
}


def category_of(kind: RuleKind | str) -> AlarmCategory:
    return AlarmCategory.MAINTENANCE if RuleKind(kind) == RuleKind.NO_DATA else AlarmCategory.WELFARE


class Outcome(StrEnum):
    SAFE = "safe"  # 平安
    NEEDED_HELP = "needed_help"  # 需要帮助
    EMERGENCY = "emergency"  # 紧急情况（已送医/报警）
    FALSE_ALARM = "false_alarm"  # 误报
    REPAIRED = "repaired"  # 设备已修复（维修类）


OUTCOME_LABELS = {
    Outcome.SAFE: ("平安", "Safe"),
    Outcome.NEEDED_HELP: ("需要帮助", "Needed help"),
    Outcome.EMERGENCY: ("紧急情况", "Emergency"),
    Outcome.FALSE_ALARM: ("误报", "False alarm"),
    Outcome.REPAIRED: ("设备已修复", "Device repaired"),
}

# Outcomes that count as a real alarm (the household is flagged for monitoring after repeated ones).
REAL_OUTCOMES = frozenset({Outcome.NEEDED_HELP, Outcome.EMERGENCY})

S, A = AlarmStatus, AlarmAction
TRANSITIONS: dict[tuple[AlarmStatus, AlarmAction], AlarmStatus | None] = {
    (S.RAISED, A.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.RAISED, A.START_VISIT): S.VISITING,
    (S.RAISED, A.CLEAR): S.CLEARED,
    (S.RAISED, A.RECORD_VISIT): None,  # the record straight away (a repair, or a visit nobody logged first)
    (S.ACKNOWLEDGED, A.START_VISIT): S.VISITING,
    (S.ACKNOWLEDGED, A.RECORD_VISIT): None,  # decided by the outcome
    (S.VISITING, A.RECORD_VISIT): None,
    (S.RAISED, A.ESCALATE): S.RAISED,
    (S.ACKNOWLEDGED, A.ESCALATE): S.ACKNOWLEDGED,
    (S.VISITING, A.ESCALATE): S.VISITING,
    (S.RAISED, A.NOTE): S.RAISED,
    (S.ACKNOWLEDGED, A.NOTE): S.ACKNOWLEDGED,
    (S.VISITING, A.NOTE): S.VISITING,
}


def next_status(
    status: AlarmStatus | str,
    action: AlarmAction | str,
    *,
    outcome: Outcome | str | None = None,
    category: AlarmCategory | str = AlarmCategory.WELFARE,
) -> AlarmStatus:
    """The status after ``action``; raises Conflict for an illegal pair and InvalidInput for a bad outcome."""
    status, action = AlarmStatus(status), AlarmAction(action)
    if (status, action) not in TRANSITIONS:
        zh, en = STATUS_LABELS[status]
        raise Conflict(
            f"告警当前为「{zh}」，不能执行「{ACTION_LABELS[action][0]}」",
            f"an alarm that is {en.lower()} cannot be {ACTION_LABELS[action][1].lower()}",
        )
    target = TRANSITIONS[(status, action)]
    if target is not None:
        return target
    if outcome is None or outcome not in set(Outcome):
        raise InvalidInput("请选择上门结果", "choose the visit outcome", field="outcome")
    outcome = Outcome(outcome)
    maintenance = AlarmCategory(category) == AlarmCategory.MAINTENANCE
    if maintenance != (outcome == Outcome.REPAIRED):
        raise InvalidInput(
            "设备故障告警的结果只能是「设备已修复」，关爱告警不能选它",
            "a device-fault alarm closes as repaired; a welfare alarm cannot",
            field="outcome",
        )
    return AlarmStatus.FALSE_ALARM if outcome == Outcome.FALSE_ALARM else AlarmStatus.RESOLVED


# --- the escalation ladder (data: stored on each rule) ---------------------------------------------------------


class Rung(StrEnum):
    CONTACT = "contact"  # 紧急联系人（家属优先）
    GRID = "grid"  # 网格员
    COMMUNITY = "community"  # 社区（居委会）
    STREET = "street"  # 街道
    WORK_ORDER = "work_order"  # 12345 工单（感知设备渠道，求助，紧急/特急）


RUNG_LABELS = {
    Rung.CONTACT: ("紧急联系人", "Emergency contact"),
    Rung.GRID: ("网格员", "Grid worker"),
    Rung.COMMUNITY: ("社区", "Community"),
    Rung.STREET: ("街道", "Street"),
    Rung.WORK_ORDER: ("转12345工单", "Work order"),
}

# Shanghai 静安 / Málaga: call the family first, then the grid worker, the community, the street; each step
# waits ``after_min`` minutes from the previous one for an acknowledgement or a visit record. The
# ``work_order`` rung turns the alarm into a 12345 work order in the core (channel sensor, type 求助, 紧急;
# 特急 for the emergency button), once.
DEFAULT_LADDER: tuple[dict, ...] = (
    {"to": "contact", "after_min": 0},
    {"to": "grid", "after_min": 0},
    {"to": "community", "after_min": 30},
    {"to": "work_order", "after_min": 0},
    {"to": "street", "after_min": 60},
)
BUTTON_LADDER: tuple[dict, ...] = (
    {"to": "contact", "after_min": 0},
    {"to": "grid", "after_min": 0},
    {"to": "work_order", "after_min": 0},
    {"to": "community", "after_min": 10},
    {"to": "street", "after_min": 20},
)


def work_order_urgency(kind: RuleKind | str) -> str:
    """The work order's urgency: 特急 (critical) for the emergency button, 紧急 (urgent) otherwise."""
    return "critical" if RuleKind(kind) == RuleKind.BUTTON else "urgent"


MAINTENANCE_LADDER: tuple[dict, ...] = ({"to": "community", "after_min": 0},)


def check_ladder(ladder: Sequence[dict]) -> list[dict]:
    """A ladder is a non-empty list of ``{"to": rung, "after_min": minutes ≥ 0}``."""
    out = []
    if not ladder:
        raise InvalidInput("升级链不能为空", "the escalation ladder needs at least one step", field="ladder")
    for step in ladder:
        try:
            rung, minutes = Rung(step["to"]), int(step["after_min"])
        except (KeyError, ValueError, TypeError):
            raise InvalidInput("升级链格式不对", "each step is {to, after_min}", field="ladder") from None
        if minutes < 0:
            raise InvalidInput("等待分钟数不能为负", "after_min cannot be negative", field="ladder")
        out.append({"to": rung.value, "after_min": minutes})
    return out


def next_escalation(ladder: Sequence[dict], step: int, since: datetime) -> datetime | None:
    """When the step after ``step`` (0-based index of the rung already told) is due, or None at the top."""
    if step + 1 >= len(ladder):
        return None
    return since + timedelta(minutes=int(ladder[step + 1]["after_min"]))


# --- rule arithmetic -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What a rule says about one device now: ``fire`` (raise or keep the alarm), ``clear`` (the condition
    is gone), or neither (not enough data to say)."""

    fire: bool
    clear: bool
    value: float | None = None
    detail: str = ""


UNKNOWN = Verdict(False, False)


def usage_in_window(readings: Sequence[tuple[datetime, float]], start: datetime, end: datetime) -> float | None:
    """Consumption of a cumulative meter between ``start`` and ``end``: the last reading at or before ``end``
    minus the last reading at or before ``start``. None when there is no reading at or before ``start``
    (the window is not covered: a new meter, or one that came back after a gap) — never a false low."""
    before = [v for t, v in readings if t <= start]
    within = [v for t, v in readings if t <= end]
    if not before or not within:
        return None
    ordered = sorted((t, v) for t, v in readings)
    first = [v for t, v in ordered if t <= start][-1]
    last = [v for t, v in ordered if t <= end][-1]
    return max(0.0, last - first)


def in_hours(moment_local_hour: int, active_hours: str | None) -> bool:
    """``active_hours`` like ``"22-6"`` (night, wrapping midnight) or ``"8-20"``; empty means always."""
    if not active_hours:
        return True
    start, _, end = active_hours.partition("-")
    start, end = int(start), int(end)
    if start <= end:
        return start <= moment_local_hour < end
    return moment_local_hour >= start or moment_local_hour < end


def judge_usage(
    kind: RuleKind | str,
    readings: Sequence[tuple[datetime, float]],
    now: datetime,
    *,
    window_h: float,
    threshold: float,
) -> Verdict:
    """Low or high use over the window ending now."""
    used = usage_in_window(readings, now - timedelta(hours=window_h), now)
    if used is None:
        return UNKNOWN
    low = RuleKind(kind) == RuleKind.LOW_USAGE
    fire = used < threshold if low else used > threshold
    sign = "<" if low else ">"
    return Verdict(
        fire, not fire, used, f"{window_h:g} h: {used:.3f} {sign if fire else '≥' if low else '≤'} {threshold:g}"
    )


def judge_silence(
    last_reading_at: datetime | None, registered_at: datetime, now: datetime, *, window_h: float
) -> Verdict:
    """No data for ``window_h`` hours (counted from registration when the device never reported)."""
    since = last_reading_at or registered_at
    silent_h = (now - since).total_seconds() / 3600
    fire = silent_h >= window_h
    return Verdict(fire, not fire, round(silent_h, 2), f"{silent_h:.1f} h / {window_h:g} h")
