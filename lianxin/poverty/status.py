"""The pure part of 防返贫 monitoring: value lists, the three state machines, the working-day clock colours,
the risk score, the clearance criteria and the candidate rules. No framework or database imports; the figures
(deadlines, weights, bands, thresholds) are data — :data:`DEFAULTS`, overridden per jurisdiction by the
``poverty_settings`` row — and every function here takes them as arguments.

Declaration (发现 → 核实 → 评议公示 → 认定)::

    submitted ──assign──▶ checking ──check──▶ reviewing ──decide──▶ identified | rejected
        │                   │  └─reassign─┘       │ └─publicize─┘
        └───────────────────┴──withdraw───────────┴──▶ withdrawn

Monitoring case (监测 → 帮扶 → 清零)::

    identified ──add_measure──▶ assisting ──(last measure done)──▶ monitoring ──propose_clear──▶ clear_review
         ▲                          ▲                                  ▲                  │        │
         │                          └──────────reopen─── risk_cleared ◀┴──approve_clear───┘        │
         │                                                             └──reject_clear─────────────┘
    every open status ──exit──▶ exited

Payment (救助资金): requested ──approve──▶ approved ──pay──▶ paid, or requested ──reject──▶ rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from lianxin.choices import Choice
from lianxin.errors import Conflict, InvalidInput
from lianxin.sla.calendar import WorkingCalendar


class Channel(Choice):
    SELF = "self", "本人申报", "Self-declared"
    PROXY = "proxy", "亲友代报", "Declared by a relative"
    GRID = "grid", "网格员走访", "Grid worker's visit"
    APPEAL = "appeal", "诉求转入", "From an appeal"
    WISH = "wish", "心愿转入", "From a wish"
    ALARM = "alarm", "告警转入", "From a care alarm"
    DATA = "data", "数据比对", "Data match"
    HOTLINE = "hotline", "12317热线", "12317 hotline"


RESIDENT_CHANNELS = frozenset({Channel.SELF, Channel.PROXY})


class RiskType(Choice):
    ILLNESS = "illness", "因病", "Illness", "red"
    DISABILITY = "disability", "因残", "Disability", "purple"
    ACCIDENT = "accident", "因意外事故", "Accident", "orange"
    DISASTER = "disaster", "因灾", "Disaster", "brown"
    UNEMPLOYMENT = "unemployment", "因失业/务工受阻", "Job loss", "blue"
    EDUCATION = "education", "因学", "Education costs", "cyan"
    HOUSING = "housing", "住房安全", "Unsafe housing", "grey"
    INCOME_DROP = "income_drop", "收入骤减", "Income drop", "green"


class DeclarationStatus(Choice):
    SUBMITTED = "submitted", "已申报", "Submitted", "blue"
    CHECKING = "checking", "村级核实中", "Village check", "cyan"
    REVIEWING = "reviewing", "评议公示中", "Review and publicity", "orange"
    IDENTIFIED = "identified", "已纳入监测", "Identified", "green"
    REJECTED = "rejected", "未纳入", "Not identified", "red"
    WITHDRAWN = "withdrawn", "已撤回", "Withdrawn", "grey"


DECLARATION_OPEN = frozenset({DeclarationStatus.SUBMITTED, DeclarationStatus.CHECKING, DeclarationStatus.REVIEWING})


class DeclarationAction(Choice):
    SUBMIT = "submit", "申报", "Declared"
    ASSIGN = "assign", "分派核实", "Assigned for the check"
    REASSIGN = "reassign", "改派核实", "Reassigned"
    CHECK = "check", "村级核实", "Village check recorded"
    PUBLICIZE = "publicize", "评议公示", "Review and publicity"
    DECIDE = "decide", "县级认定", "County decision"
    WITHDRAW = "withdraw", "撤回", "Withdrawn"
    REMIND = "remind", "临期提醒", "Due-soon reminder"
    ESCALATE = "escalate", "超期督办", "Overdue escalation"
    VIEW = "view", "查看明文", "Unmasked view"


DECLARATION_TRANSITIONS: dict[tuple[DeclarationStatus, DeclarationAction], DeclarationStatus] = {
    (DeclarationStatus.SUBMITTED, DeclarationAction.ASSIGN): DeclarationStatus.CHECKING,
    (DeclarationStatus.CHECKING, DeclarationAction.REASSIGN): DeclarationStatus.CHECKING,
    (DeclarationStatus.CHECKING, DeclarationAction.CHECK): DeclarationStatus.REVIEWING,
    (DeclarationStatus.REVIEWING, DeclarationAction.PUBLICIZE): DeclarationStatus.REVIEWING,
    (DeclarationStatus.SUBMITTED, DeclarationAction.WITHDRAW): DeclarationStatus.WITHDRAWN,
    (DeclarationStatus.CHECKING, DeclarationAction.WITHDRAW): DeclarationStatus.WITHDRAWN,
    (DeclarationStatus.REVIEWING, DeclarationAction.WITHDRAW): DeclarationStatus.WITHDRAWN,
}
# decide has two outcomes; the verb names the one it wants
DECISIONS = {
    DeclarationStatus.IDENTIFIED: DeclarationStatus.REVIEWING,
    DeclarationStatus.REJECTED: DeclarationStatus.REVIEWING,
}


class CheckResult(Choice):
    RECOMMEND = "recommend", "建议纳入", "Recommend identification"
    NOT_RECOMMEND = "not_recommend", "建议不纳入", "Recommend rejection"


class ObjectType(Choice):
    UNSTABLE = "unstable", "脱贫不稳定户", "Unstable post-poverty household", "orange"
    MARGINAL = "marginal", "边缘易致贫户", "Marginal household at risk", "purple"
    SUDDEN = "sudden", "突发严重困难户", "Sudden severe hardship", "red"


class CaseStatus(Choice):
    IDENTIFIED = "identified", "已认定", "Identified", "blue"
    ASSISTING = "assisting", "帮扶中", "Assisting", "orange"
    MONITORING = "monitoring", "跟踪监测", "Monitoring", "cyan"
    CLEAR_REVIEW = "clear_review", "消除风险待审", "Clearance under review", "purple"
    RISK_CLEARED = "risk_cleared", "风险已消除", "Risk cleared", "green"
    EXITED = "exited", "已退出", "Exited", "grey"


CASE_OPEN = frozenset({CaseStatus.IDENTIFIED, CaseStatus.ASSISTING, CaseStatus.MONITORING, CaseStatus.CLEAR_REVIEW})


class CaseAction(Choice):
    IDENTIFY = "identify", "纳入监测", "Identified"
    ADD_MEASURE = "add_measure", "落实帮扶措施", "Measure added"
    MEASURE = "measure", "措施进展", "Measure updated"
    SETTLE = "settle", "措施全部完成", "All measures done"
    VISIT = "visit", "走访", "Visit"
    ASSESS = "assess", "风险评估", "Risk assessed"
    CADRE = "cadre", "明确责任干部", "Responsible cadre set"
    PROPOSE_CLEAR = "propose_clear", "申请风险消除", "Clearance proposed"
    APPROVE_CLEAR = "approve_clear", "风险消除审核通过", "Clearance approved"
    REJECT_CLEAR = "reject_clear", "风险消除退回", "Clearance sent back"
    REOPEN = "reopen", "返贫风险重新纳入", "Reopened"
    REVERIFY = "reverify", "定期复核", "Periodic re-verification"
    EXIT = "exit", "退出监测", "Exited"
    PAYMENT = "payment", "救助资金", "Relief payment"


CASE_TRANSITIONS: dict[tuple[CaseStatus, CaseAction], CaseStatus] = {
    (CaseStatus.IDENTIFIED, CaseAction.ADD_MEASURE): CaseStatus.ASSISTING,
    (CaseStatus.ASSISTING, CaseAction.ADD_MEASURE): CaseStatus.ASSISTING,
    (CaseStatus.MONITORING, CaseAction.ADD_MEASURE): CaseStatus.ASSISTING,
    (CaseStatus.ASSISTING, CaseAction.SETTLE): CaseStatus.MONITORING,
    (CaseStatus.MONITORING, CaseAction.PROPOSE_CLEAR): CaseStatus.CLEAR_REVIEW,
    (CaseStatus.CLEAR_REVIEW, CaseAction.APPROVE_CLEAR): CaseStatus.RISK_CLEARED,
    (CaseStatus.CLEAR_REVIEW, CaseAction.REJECT_CLEAR): CaseStatus.MONITORING,
    (CaseStatus.RISK_CLEARED, CaseAction.REOPEN): CaseStatus.ASSISTING,
    (CaseStatus.EXITED, CaseAction.REOPEN): CaseStatus.ASSISTING,
    (CaseStatus.RISK_CLEARED, CaseAction.REVERIFY): CaseStatus.RISK_CLEARED,
    **{(s, CaseAction.EXIT): CaseStatus.EXITED for s in CASE_OPEN | {CaseStatus.RISK_CLEARED}},
}


class MeasureType(Choice):
    MEDICAL = "medical", "医疗救助", "Medical aid"
    EMPLOYMENT = "employment", "就业帮扶", "Employment"
    INDUSTRY = "industry", "产业帮扶", "Industry"
    TEMPORARY_RELIEF = "temporary_relief", "临时救助", "Temporary relief"
    EDUCATION = "education", "教育资助", "Education aid"
    HOUSING = "housing", "住房保障", "Housing"
    DIBAO = "dibao", "低保兜底", "Minimum-living allowance"


class MeasureStatus(Choice):
    PENDING = "pending", "未开始", "Pending", "grey"
    IN_PROGRESS = "in_progress", "落实中", "In progress", "orange"
    DONE = "done", "已落实", "Done", "green"


MEASURE_TRANSITIONS = {
    MeasureStatus.PENDING: {MeasureStatus.IN_PROGRESS, MeasureStatus.DONE},
    MeasureStatus.IN_PROGRESS: {MeasureStatus.DONE},
    MeasureStatus.DONE: set(),
}


class PaymentStatus(Choice):
    REQUESTED = "requested", "待审批", "Awaiting approval", "blue"
    APPROVED = "approved", "已审批待发放", "Approved, to pay", "orange"
    PAID = "paid", "已发放", "Paid", "green"
    REJECTED = "rejected", "未批准", "Rejected", "red"


class PaymentAction(Choice):
    REQUEST = "request", "申请", "Requested"
    APPROVE = "approve", "审批通过", "Approved"
    REJECT = "reject", "不予批准", "Rejected"
    PAY = "pay", "发放", "Paid"


PAYMENT_TRANSITIONS = {
    (PaymentStatus.REQUESTED, PaymentAction.APPROVE): PaymentStatus.APPROVED,
    (PaymentStatus.REQUESTED, PaymentAction.REJECT): PaymentStatus.REJECTED,
    (PaymentStatus.APPROVED, PaymentAction.PAY): PaymentStatus.PAID,
}


class RiskLevel(Choice):
    LOW = "low", "低风险", "Low", "green"
    MEDIUM = "medium", "中风险", "Medium", "cyan"
    HIGH = "high", "高风险", "High", "orange"
    CRITICAL = "critical", "极高风险", "Critical", "red"


class ExitReason(Choice):
    MOVED = "moved", "迁出", "Moved away"
    DECEASED = "deceased", "户消亡", "Household ended"
    DUPLICATE = "duplicate", "重复认定", "Duplicate"
    MISIDENTIFIED = "misidentified", "认定有误", "Identified in error"


class Clock(Choice):
    GREEN = "green", "正常", "On time", "green"
    AMBER = "amber", "临期", "Due soon", "orange"
    RED = "red", "超期", "Overdue", "red"
    NONE = "none", "已办结", "Stopped", "grey"


# --- figures as data -------------------------------------------------------------------------------------

DEFAULTS: dict = {
    # china-12345 §5: village check within 2 working days, 评议公示 and decision within 20
    "check_days": 2,
    "decide_days": 20,
    "publicity_days": 5,  # calendar days a 公示 stays up before the county may decide
    "reverify_days": 180,  # a cleared household is re-verified this often
    # risk score: sum of weight × severity (1 mild … 3 severe), capped at 100
    "risk_weights": {
        "illness": 14,
        "disability": 12,
        "accident": 12,
        "disaster": 12,
        "unemployment": 10,
        "education": 8,
        "housing": 10,
        "income_drop": 10,
    },
    "levels": {"medium": 30, "high": 55, "critical": 80},  # lower bounds; below medium is low
    # 风险消除: every criterion must hold
    "clearance": {"min_income_per_capita": 7000, "max_risk_score": 30, "measures_done": True, "min_stable_days": 30},
    # 发现: a household becomes a candidate when one rule holds within the window
    "candidates": {
        "window_days": 90,
        "hardship_appeals": 2,
        "real_alarms": 2,
        "income_below": 7000,
        "keywords": ["医疗", "看病", "住院", "失业", "下岗", "受灾", "学费", "困难", "救助"],
    },
}


def merged(values: Mapping | None) -> dict:
    """The defaults with a jurisdiction's overrides (one level of nested dicts merged)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULTS.items()}
    for key, value in (values or {}).items():
        if key not in DEFAULTS:
            raise InvalidInput(f"未知参数 {key}", f"unknown setting {key}", field="settings")
        if isinstance(DEFAULTS[key], dict):
            if not isinstance(value, dict):
                raise InvalidInput(f"参数 {key} 应为对象", f"setting {key} must be an object", field="settings")
            out[key].update(value)
        else:
            if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 366:
                raise InvalidInput(
                    f"参数 {key} 应为 1–366 的整数", f"{key} must be a whole number 1–366", field="settings"
                )
            out[key] = value
    return out


# --- transitions -----------------------------------------------------------------------------------------


def next_declaration_status(status: str, action: str) -> DeclarationStatus:
    new = DECLARATION_TRANSITIONS.get((DeclarationStatus(status), DeclarationAction(action)))
    if new is None:
        raise Conflict(
            f"申报当前为「{DeclarationStatus(status).zh}」，不能{DeclarationAction(action).zh}",
            f"a declaration that is {DeclarationStatus(status).en.lower()} cannot be {action}ed",
        )
    return new


def decision_allowed(status: str, outcome: str) -> DeclarationStatus:
    outcome = DeclarationStatus(outcome)
    if DECISIONS.get(outcome) is None:
        raise InvalidInput("认定结果只能是纳入或不纳入", "the decision is identified or rejected", field="outcome")
    if DeclarationStatus(status) != DECISIONS[outcome]:
        raise Conflict(
            f"申报当前为「{DeclarationStatus(status).zh}」，须完成村级核实后才能认定",
            "the county decides only after the village check",
        )
    return outcome


def next_case_status(status: str, action: str) -> CaseStatus:
    new = CASE_TRANSITIONS.get((CaseStatus(status), CaseAction(action)))
    if new is None:
        raise Conflict(
            f"监测户当前为「{CaseStatus(status).zh}」，不能{CaseAction(action).zh}",
            f"a case that is {CaseStatus(status).en.lower()} cannot take '{action}'",
        )
    return new


def next_measure_status(status: str, new: str) -> MeasureStatus:
    new_status = MeasureStatus.parse(new)
    if new_status not in MEASURE_TRANSITIONS[MeasureStatus(status)]:
        raise Conflict(
            f"措施已是「{MeasureStatus(status).zh}」，不能改为「{new_status.zh}」",
            f"a measure that is {MeasureStatus(status).en.lower()} cannot become {new_status.en.lower()}",
        )
    return new_status


def next_payment_status(status: str, action: str) -> PaymentStatus:
    new = PAYMENT_TRANSITIONS.get((PaymentStatus(status), PaymentAction(action)))
    if new is None:
        raise Conflict(
            f"救助资金当前为「{PaymentStatus(status).zh}」，不能{PaymentAction(action).zh}",
            f"a payment that is {PaymentStatus(status).en.lower()} cannot be {action}d",
        )
    return new


# --- the clock -------------------------------------------------------------------------------------------


def clock_colour(now: datetime, due_at: datetime | None, limit_days: int, calendar: WorkingCalendar) -> Clock:
    """Red once ``due_at`` has passed; amber on the last working day or within the last fifth of the limit
    (4 of 20 working days); green otherwise; none without a running clock."""
    if due_at is None:
        return Clock.NONE
    if now > due_at:
        return Clock.RED
    remaining = calendar.working_days_between(now, due_at)
    return Clock.AMBER if remaining <= limit_days // 5 else Clock.GREEN


def working_days_left(now: datetime, due_at: datetime, calendar: WorkingCalendar) -> int:
    """Working days from today to the due day (0 on the due day; negative once overdue)."""
    if now > due_at:
        return -max(1, calendar.working_days_between(due_at, now))
    return calendar.working_days_between(now, due_at)


# --- risk, clearance, candidates --------------------------------------------------------------------------


def clean_factors(factors: Iterable[Mapping]) -> list[dict]:
    """``[{"type": "illness", "severity": 1–3}, …]``, each risk type at most once."""
    out: dict[str, int] = {}
    for factor in factors:
        kind = RiskType.parse(str(factor.get("type", "")))
        try:
            severity = int(factor.get("severity", 1))
        except (TypeError, ValueError):
            severity = 0
        if not 1 <= severity <= 3:
            raise InvalidInput("风险程度为 1–3", "a factor's severity is 1 to 3", field="severity")
        out[kind.value] = severity
    return [{"type": k, "severity": v} for k, v in out.items()]


def risk_score(factors: Iterable[Mapping], weights: Mapping[str, int]) -> int:
    return min(100, sum(int(weights.get(f["type"], 0)) * int(f["severity"]) for f in factors))


def risk_level(score: int, bands: Mapping[str, int]) -> RiskLevel:
    for level in (RiskLevel.CRITICAL, RiskLevel.HIGH, RiskLevel.MEDIUM):
        if score >= int(bands[level.value]):
            return level
    return RiskLevel.LOW


def clearance_gaps(facts: Mapping, criteria: Mapping) -> list[tuple[str, str]]:
    """The criteria that do not hold yet, each as (zh, en); an empty list: the risk may be cleared.

    ``facts``: income_per_capita (yuan a year, or None), risk_score, open_measures, stable_days (days since the
    case last entered monitoring)."""
    gaps: list[tuple[str, str]] = []
    floor = criteria.get("min_income_per_capita")
    income = facts.get("income_per_capita")
    if floor is not None and (income is None or income < floor):
        gaps.append((f"人均年收入未达 {floor} 元", f"income per head below {floor} yuan a year"))
    ceiling = criteria.get("max_risk_score")
    if ceiling is not None and facts.get("risk_score", 0) > ceiling:
        gaps.append((f"风险分高于 {ceiling}", f"risk score above {ceiling}"))
    if criteria.get("measures_done") and facts.get("open_measures", 0) > 0:
        gaps.append(("仍有帮扶措施未落实", "assistance measures still open"))
    stable = criteria.get("min_stable_days")
    if stable and facts.get("stable_days", 0) < stable:
        gaps.append((f"跟踪监测不足 {stable} 天", f"monitored for less than {stable} days"))
    return gaps


def candidate_reasons(facts: Mapping, rules: Mapping) -> list[tuple[str, str]]:
    """Why a household should be checked (empty: it should not). ``facts``: hardship_appeals, real_alarms,
    income_per_capita (or None), flagged (the care module's repeated-alarm flag)."""
    reasons: list[tuple[str, str]] = []
    days = rules.get("window_days", 90)
    if facts.get("hardship_appeals", 0) >= rules.get("hardship_appeals", 10**9):
        reasons.append(
            (f"{days} 天内困难类诉求 {facts['hardship_appeals']} 件", f"{facts['hardship_appeals']} hardship appeals")
        )
    if facts.get("real_alarms", 0) >= rules.get("real_alarms", 10**9) or facts.get("flagged"):
        reasons.append((f"{days} 天内关爱告警 {facts.get('real_alarms', 0)} 次", "repeated care alarms"))
    floor = rules.get("income_below")
    income = facts.get("income_per_capita")
    if floor is not None and income is not None and income < floor:
        reasons.append((f"人均年收入 {income} 元低于 {floor} 元", f"income per head {income} below {floor}"))
    return reasons
