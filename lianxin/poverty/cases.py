"""监测 and 帮扶 to 清零: monitoring cases — risk factors and score, the responsible cadre, assistance measures each
with an owner unit and a target date, visits (confidential ones shown only to the cadre and leaders), the
clearance proposal checked against the criteria (data) and reviewed by the county, periodic re-verification and
reopening when the risk returns. Verbs flush and never commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from lianxin.clock import local_date, utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.notify import queue_notification
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import has_role, user_unit_ids
from lianxin.poverty.models import CaseVisit, Declaration, Measure, MonitoringCase
from lianxin.poverty.service import (
    DECIDE_ROLES,
    STAFF_ROLES,
    covers,
    event,
    figures,
    is_admin,
    log_view,
    mask_income,
    require,
    scope_ids,
)
from lianxin.poverty.status import (
    CASE_OPEN,
    CaseAction,
    CaseStatus,
    ExitReason,
    MeasureStatus,
    MeasureType,
    ObjectType,
    clean_factors,
    clearance_gaps,
    next_case_status,
    next_measure_status,
    risk_level,
    risk_score,
)

CASE_ROLES = STAFF_ROLES


def _owner_units(session: Session, user: User) -> set[int]:
    return user_unit_ids(session, user, (Role.HANDLER,))


def can_see(session: Session, user: User | None, case: MonitoringCase) -> bool:
    """Staff of the household's grid or village, and handlers of a unit that owns one of its measures."""
    if user is None or user.jurisdiction_id != case.jurisdiction_id:
        return False
    if covers(session, user, CASE_ROLES, case):
        return True
    owners = {m.owner_unit_id for m in case.measures}
    return bool(owners & _owner_units(session, user))


def get_case(session: Session, user: User | None, case_id: int) -> MonitoringCase:
    case = session.get(MonitoringCase, case_id)
    if case is None or (user is not None and case.jurisdiction_id != user.jurisdiction_id):
        raise NotFound("监测户不存在", "case not found")
    if user is not None and not can_see(session, user, case):
        raise PermissionDenied("该监测户不在您负责的范围内", "this case is outside your area")
    return case


def cases(session: Session, user: User, *, status: str = "", level: str = "") -> Select:
    stmt = select(MonitoringCase).where(MonitoringCase.jurisdiction_id == user.jurisdiction_id)
    if not is_admin(user):
        units = user_unit_ids(session, user, CASE_ROLES)
        owned = _owner_units(session, user)
        if not units:
            scope_ids(session, user)  # raises the plain refusal
        stmt = stmt.where(
            or_(
                MonitoringCase.grid_id.in_(units),
                MonitoringCase.community_id.in_(units),
                MonitoringCase.id.in_(select(Measure.case_id).where(Measure.owner_unit_id.in_(owned))),
            )
        )
    if status == "open":
        stmt = stmt.where(MonitoringCase.status.in_(CASE_OPEN))
    elif status:
        stmt = stmt.where(MonitoringCase.status == CaseStatus.parse(status))
    if level:
        from lianxin.poverty.status import RiskLevel

        stmt = stmt.where(MonitoringCase.risk_level == RiskLevel.parse(level))
    return stmt.order_by(MonitoringCase.risk_score.desc(), MonitoringCase.id)


def case_view(case: MonitoringCase, *, clear: bool = False) -> dict:
    return {
        "income_per_capita": case.income_per_capita if clear else mask_income(case.income_per_capita),
        "clear": clear,
    }


def reveal_case(session: Session, user: User, case: MonitoringCase, interface: str) -> dict:
    """Income in the clear for staff of the area (not for measure owners); the view is logged."""
    require(
        session, user, CASE_ROLES, case, "只有本地工作人员可以查看明文", "only the area's staff see this in the clear"
    )
    log_view(session, user, "case", case, interface)
    return case_view(case, clear=True)


def visible_visits(session: Session, user: User | None, case: MonitoringCase) -> list[CaseVisit]:
    """Confidential visit notes are for the responsible cadre, leaders and the one who wrote them."""
    if (
        user is None
        or is_admin(user)
        or case.cadre_id == user.id
        or has_role(session, user, DECIDE_ROLES, unit_id=case.grid_id or case.community_id)
    ):
        return list(case.visits)
    return [v for v in case.visits if not v.confidential or v.by_id == user.id]


def _transition(session: Session, case: MonitoringCase, action: CaseAction, actor, note=None, **payload):
    old = case.status
    case.status = next_case_status(case.status, action)
    case.version += 1
    event(session, "case", case, action, actor=actor, from_status=old, to_status=case.status, note=note, **payload)
    return old


def _score(session: Session, case: MonitoringCase, factors: Iterable[dict]) -> None:
    fig = figures(session, case.jurisdiction_id)
    case.risk_factors = clean_factors(factors)
    case.risk_score = risk_score(case.risk_factors, fig["risk_weights"])
    case.risk_level = risk_level(case.risk_score, fig["levels"])


def open_case(
    session: Session,
    decl: Declaration,
    *,
    actor: User | None,
    object_type: ObjectType,
    factors: Iterable[dict] | None = None,
) -> MonitoringCase:
    """Called by ``service.decide``: the household's case, new, or its cleared case reopened."""
    factors = list(factors) if factors else [{"type": t, "severity": 2} for t in decl.risk_types]
    case = session.scalar(
        select(MonitoringCase).where(
            MonitoringCase.jurisdiction_id == decl.jurisdiction_id, MonitoringCase.household_id == decl.household_id
        )
    )
    if case is not None and case.status in CASE_OPEN:
        raise Conflict("该户已在监测中", "this household is already being monitored")
    if case is not None:
        case.exit_reason, case.closed_at = None, None
        _score(session, case, factors)
        case.object_type, case.income_per_capita = object_type, decl.income_per_capita
        _transition(session, case, CaseAction.REOPEN, actor, declaration_id=decl.id)
        case.reopened += 1
        case.cleared_at = case.next_review_on = None
        case.assisting_since, case.monitoring_since = utcnow(), None
        session.flush()
        return case
    case = MonitoringCase(
        jurisdiction_id=decl.jurisdiction_id,
        household_id=decl.household_id,
        declaration_id=decl.id,
        community_id=decl.community_id,
        grid_id=decl.grid_id,
        object_type=object_type,
        status=CaseStatus.IDENTIFIED,
        income_per_capita=decl.income_per_capita,
        identified_at=utcnow(),
        cadre_id=decl.checked_by_id,
    )
    _score(session, case, factors)
    session.add(case)
    session.flush()
    event(
        session,
        "case",
        case,
        CaseAction.IDENTIFY,
        actor=actor,
        to_status=case.status,
        declaration_id=decl.id,
        object_type=object_type.value,
        risk_score=case.risk_score,
    )
    session.flush()
    return case


def assess(
    session: Session,
    case: MonitoringCase,
    *,
    actor: User | None,
    factors: Iterable[dict],
    income_per_capita: int | None = None,
    note: str = "",
) -> MonitoringCase:
    """Re-score the risk (factors × the weights in the figures) and record the current income per head."""
    require(session, actor, CASE_ROLES, case, "该监测户不在您负责的范围内", "this case is outside your area")
    if case.status not in CASE_OPEN:
        raise Conflict("监测已结束，请先重新纳入", "the case is closed; reopen it first")
    if income_per_capita is not None and not 0 <= income_per_capita <= 10_000_000:
        raise InvalidInput("人均收入应为 0 或正数", "income must be zero or positive", field="income_per_capita")
    before = case.risk_score
    _score(session, case, factors)
    if income_per_capita is not None:
        case.income_per_capita = income_per_capita
    case.version += 1
    event(
        session,
        "case",
        case,
        CaseAction.ASSESS,
        actor=actor,
        note=note.strip() or None,
        before=before,
        after=case.risk_score,
        level=case.risk_level.value,
    )
    session.flush()
    return case


def set_cadre(session: Session, case: MonitoringCase, *, actor: User | None, cadre: User) -> MonitoringCase:
    require(
        session,
        actor,
        (Role.HANDLER, Role.LEADER),
        case,
        "只有村（社区）以上负责人可以指定责任干部",
        "only village staff and above set the cadre",
    )
    if not covers(session, cadre, CASE_ROLES, case):
        raise InvalidInput("责任干部须负责该户所在网格或村", "the cadre must cover this household", field="cadre_id")
    case.cadre_id = cadre.id
    case.version += 1
    event(session, "case", case, CaseAction.CADRE, actor=actor, cadre_id=cadre.id)
    session.flush()
    return case


def add_measure(
    session: Session,
    case: MonitoringCase,
    *,
    actor: User | None,
    kind: str,
    owner_unit_id: int,
    target_on: date,
    detail: str = "",
) -> Measure:
    """An assistance measure with the unit that owns it and a target date; the case is now being assisted."""
    require(session, actor, CASE_ROLES, case, "该监测户不在您负责的范围内", "this case is outside your area")
    kind = MeasureType.parse(kind)
    owner = session.get(Unit, owner_unit_id)
    if owner is None or owner.jurisdiction_id != case.jurisdiction_id:
        raise InvalidInput("请选择责任单位", "choose the unit that owns the measure", field="owner_unit_id")
    if target_on < local_date():
        raise InvalidInput("完成时限不能早于今天", "the target date cannot be in the past", field="target_on")
    _transition(session, case, CaseAction.ADD_MEASURE, actor, kind=kind.value, owner_unit_id=owner.id)
    case.assisting_since = case.assisting_since or utcnow()
    case.monitoring_since = None
    measure = Measure(
        jurisdiction_id=case.jurisdiction_id,
        case_id=case.id,
        kind=kind,
        owner_unit_id=owner.id,
        target_on=target_on,
        status=MeasureStatus.PENDING,
        detail=(detail or "").strip()[:1000],
        created_at=utcnow(),
    )
    session.add(measure)
    session.flush()
    queue_notification(
        session,
        jurisdiction_id=case.jurisdiction_id,
        kind="poverty_measure",
        audience="unit",
        recipient=owner.id,
        message=f"【防返贫】请落实{kind.zh}措施（监测户 JC{case.id:06d}），完成时限 {target_on.isoformat()}。",
    )
    session.refresh(case)
    return measure


def update_measure(session: Session, measure: Measure, *, actor: User | None, status: str, detail: str = "") -> Measure:
    """The owner unit (or the area's staff) moves a measure on; the last one done moves the case to monitoring."""
    case = measure.case
    if actor is not None and not (
        covers(session, actor, CASE_ROLES, case) or measure.owner_unit_id in _owner_units(session, actor)
    ):
        raise PermissionDenied(
            "只有责任单位或本地工作人员可以更新措施", "only the owner unit or the area's staff update it"
        )
    new = next_measure_status(measure.status, status)
    old, measure.status = measure.status, new
    if detail.strip():
        measure.detail = detail.strip()[:1000]
    if new == MeasureStatus.DONE:
        measure.done_at = utcnow()
    event(
        session,
        "case",
        case,
        CaseAction.MEASURE,
        actor=actor,
        from_status=case.status,
        to_status=case.status,
        measure_id=measure.id,
        kind=measure.kind.value,
        measure_from=old.value,
        measure_to=new.value,
    )
    session.flush()
    open_left = [m for m in case.measures if m.status != MeasureStatus.DONE]
    if not open_left and case.status == CaseStatus.ASSISTING:
        _transition(session, case, CaseAction.SETTLE, actor)
        case.monitoring_since = utcnow()
        session.flush()
    return measure


def add_visit(
    session: Session,
    case: MonitoringCase,
    *,
    actor: User,
    findings: str,
    visited_on: date | None = None,
    confidential: bool = False,
) -> CaseVisit:
    require(session, actor, CASE_ROLES, case, "该监测户不在您负责的范围内", "this case is outside your area")
    findings = (findings or "").strip()
    if len(findings) < 4:
        raise InvalidInput("请填写走访情况", "describe the visit", field="findings")
    visited_on = visited_on or local_date()
    if visited_on > local_date():
        raise InvalidInput("走访日期不能晚于今天", "the visit date cannot be in the future", field="visited_on")
    visit = CaseVisit(
        jurisdiction_id=case.jurisdiction_id,
        case_id=case.id,
        visited_on=visited_on,
        by_id=actor.id,
        findings=findings[:4000],
        confidential=confidential,
        created_at=utcnow(),
    )
    session.add(visit)
    session.flush()
    event(session, "case", case, CaseAction.VISIT, actor=actor, visit_id=visit.id, confidential=confidential)
    session.flush()
    session.refresh(case)
    return visit


def clearance_facts(case: MonitoringCase) -> dict:
    stable = (utcnow() - case.monitoring_since).days if case.monitoring_since else 0
    return {
        "income_per_capita": case.income_per_capita,
        "risk_score": case.risk_score,
        "open_measures": sum(m.status != MeasureStatus.DONE for m in case.measures),
        "stable_days": stable,
    }


def clearance_check(session: Session, case: MonitoringCase) -> list[tuple[str, str]]:
    """The criteria that do not hold yet (empty: the risk may be proposed as cleared)."""
    return clearance_gaps(clearance_facts(case), figures(session, case.jurisdiction_id)["clearance"])


def propose_clear(session: Session, case: MonitoringCase, *, actor: User | None, note: str = "") -> MonitoringCase:
    """风险消除 proposed by the area's staff once every criterion holds; the county reviews it."""
    require(session, actor, CASE_ROLES, case, "该监测户不在您负责的范围内", "this case is outside your area")
    next_case_status(case.status, CaseAction.PROPOSE_CLEAR)
    gaps = clearance_check(session, case)
    if gaps:
        raise Conflict(
            "尚不满足风险消除条件：" + "；".join(z for z, _ in gaps), "not yet: " + "; ".join(e for _, e in gaps)
        )
    _transition(session, case, CaseAction.PROPOSE_CLEAR, actor, note=note.strip() or None)
    case.clear_proposed_by_id = actor.id if actor else None
    session.flush()
    return case


def review_clear(
    session: Session, case: MonitoringCase, *, actor: User | None, approve: bool, note: str = ""
) -> MonitoringCase:
    """The county approves (风险消除; re-verification scheduled) or sends it back, never the proposer."""
    require(
        session,
        actor,
        DECIDE_ROLES,
        case,
        "只有县（区）级负责人可以审核风险消除",
        "only county leaders review clearance",
    )
    if actor is not None and actor.id == case.clear_proposed_by_id:
        raise PermissionDenied("申请人不能审核自己的申请", "the proposer cannot review their own proposal")
    note = (note or "").strip()
    if not approve and len(note) < 4:
        raise InvalidInput("请填写退回理由", "give the reason", field="note")
    if approve:
        _transition(session, case, CaseAction.APPROVE_CLEAR, actor, note=note or None)
        case.cleared_at = utcnow()
        days = figures(session, case.jurisdiction_id)["reverify_days"]
        case.next_review_on = local_date() + timedelta(days=days)
    else:
        _transition(session, case, CaseAction.REJECT_CLEAR, actor, note=note)
    session.flush()
    return case


def reverify(
    session: Session,
    case: MonitoringCase,
    *,
    actor: User | None,
    findings: str,
    risk_returned: bool = False,
    factors: Iterable[dict] | None = None,
) -> MonitoringCase:
    """The periodic re-verification of a cleared household: still clear (next date set) or the risk returned
    (the case reopens and is assisted again)."""
    require(session, actor, CASE_ROLES, case, "该监测户不在您负责的范围内", "this case is outside your area")
    findings = (findings or "").strip()
    if len(findings) < 4:
        raise InvalidInput("请填写复核情况", "describe the re-verification", field="findings")
    if risk_returned:
        return reopen(session, case, actor=actor, reason=findings, factors=factors)
    _transition(session, case, CaseAction.REVERIFY, actor, note=findings)
    case.next_review_on = local_date() + timedelta(days=figures(session, case.jurisdiction_id)["reverify_days"])
    session.flush()
    return case


def reopen(
    session: Session, case: MonitoringCase, *, actor: User | None, reason: str, factors: Iterable[dict] | None = None
) -> MonitoringCase:
    require(session, actor, CASE_ROLES, case, "该监测户不在您负责的范围内", "this case is outside your area")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise InvalidInput("请填写返贫风险情况", "describe the returning risk", field="reason")
    _transition(session, case, CaseAction.REOPEN, actor, note=reason)
    case.exit_reason, case.closed_at = None, None
    if factors:
        _score(session, case, factors)
    case.reopened += 1
    case.cleared_at = case.next_review_on = None
    case.assisting_since, case.monitoring_since = utcnow(), None
    session.flush()
    return case


def exit_case(
    session: Session, case: MonitoringCase, *, actor: User | None, reason: str, note: str = ""
) -> MonitoringCase:
    require(
        session, actor, DECIDE_ROLES, case, "只有县（区）级负责人可以退出监测", "only county leaders end monitoring"
    )
    reason = ExitReason.parse(reason)
    _transition(session, case, CaseAction.EXIT, actor, note=(note or "").strip() or None, reason=reason.value)
    case.exit_reason, case.closed_at, case.next_review_on = reason, utcnow(), None
    session.flush()
    return case
