"""Handlers' requests and the centre's decisions: return (退单), objection (派单异议), extension (延期),
and deferral (挂账 → 复核 → 销账). Verbs in the same shape as ``appeals/service.py``."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from lianxin.appeals.choices import RequestKind, RequestState
from lianxin.appeals.models import Appeal, AppealRequest
from lianxin.appeals.service import (
    CENTRE,
    active_units,
    check_version,
    finish_reply,
    flush,
    handling_unit,
    local_text,
    notify_appellant,
    notify_unit,
    redispatch_appeal,
    require_lead_handler,
    require_text,
    transition,
    withdraw_pending_requests,
)
from lianxin.appeals.status import Action, next_status
from lianxin.clock import local_zone, utcnow
from lianxin.errors import Conflict, InvalidInput
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import require_role


def _pending(appeal: Appeal, *kinds: RequestKind) -> AppealRequest | None:
    return next((r for r in appeal.requests if r.state == RequestState.PENDING and r.kind in kinds), None)


def _open_request(
    session: Session, appeal: Appeal, kind: RequestKind, *, actor: User | None, unit_id: int, reason: str, **extra
) -> AppealRequest:
    request = AppealRequest(
        jurisdiction_id=appeal.jurisdiction_id,
        kind=kind,
        unit_id=unit_id,
        reason=reason,
        requested_by_id=actor.id if actor else None,
        requested_at=utcnow(),
        **extra,
    )
    appeal.requests.append(request)
    return request


def _decide(
    session: Session,
    request: AppealRequest,
    *,
    actor: User | None,
    approve: bool,
    note: str | None,
    expected_version: int | None,
) -> Appeal:
    require_role(session, actor, CENTRE)
    appeal = request.appeal
    check_version(appeal, expected_version)
    if request.state != RequestState.PENDING:
        raise Conflict(f"该申请已处理（{RequestState(request.state).label_zh}）", "the request was already decided")
    if not approve:  # validate before changing anything: a refusal without a reason leaves the request pending
        note = require_text(note, "note", "驳回理由", "reason for rejection")
    request.state = RequestState.APPROVED if approve else RequestState.REJECTED
    request.decided_by_id, request.decided_at, request.decision_note = (actor.id if actor else None), utcnow(), note
    return appeal


# --- 退单 / 派单异议 -----------------------------------------------------------------------------


def request_return(
    session: Session,
    appeal: Appeal,
    *,
    actor: User | None,
    reason: str,
    kind: RequestKind | str = RequestKind.RETURN,
    suggested_unit: Unit | int | None = None,
    expected_version: int | None = None,
) -> AppealRequest:
    """The lead unit says the appeal is not its duty (退单) or disputes the dispatch (派单异议)."""
    kind = RequestKind(kind)
    if kind == RequestKind.EXTENSION:
        raise InvalidInput("请使用延期申请", "use request_extension", field="kind")
    unit_id = require_lead_handler(session, appeal, actor)
    reason = require_text(reason, "reason", "退单理由", "reason", minimum=5)
    if appeal.designated:
        raise Conflict(
            "该工单由热线中心指定承办，不能再次退单或提出异议",
            "the centre designated this unit after a dispute; it cannot return the appeal again",
        )
    if _pending(appeal, RequestKind.RETURN, RequestKind.OBJECTION):
        raise Conflict("已有待审核的退单申请", "a return request is already pending")
    suggested = handling_unit(session, appeal, suggested_unit, field="suggested_unit") if suggested_unit else None
    transition(
        session,
        appeal,
        Action.REQUEST_RETURN,
        actor=actor,
        unit_id=unit_id,
        note=reason,
        payload={"kind": kind.value, "suggested_unit": suggested.name if suggested else None},
        expected_version=expected_version,
    )
    request = _open_request(
        session,
        appeal,
        kind,
        actor=actor,
        unit_id=unit_id,
        reason=reason,
        suggested_unit_id=suggested.id if suggested else None,
    )
    flush(session)
    return request


def decide_return(
    session: Session,
    request: AppealRequest,
    *,
    actor: User | None,
    approve: bool,
    note: str | None = None,
    new_lead_unit: Unit | int | None = None,
    co_units=(),
    expected_version: int | None = None,
) -> Appeal:
    """The dispatcher rules. Rejected: the unit keeps it and becomes designated (no second return).
    Approved with a new unit: redispatched there, designated. Approved alone: back to the dispatch queue."""
    if request.kind not in (RequestKind.RETURN, RequestKind.OBJECTION):
        raise InvalidInput("不是退单申请", "not a return request", field="request")
    appeal = _decide(session, request, actor=actor, approve=approve, note=note, expected_version=expected_version)
    unit_id = request.unit_id
    if not approve:
        note = require_text(note, "note", "驳回理由", "reason for rejection")
        transition(
            session,
            appeal,
            Action.REJECT_RETURN,
            actor=actor,
            unit_id=unit_id,
            note=note,
            payload={"request_id": request.id},
        )
        appeal.designated = True
        notify_unit(session, appeal, unit_id, "return_rejected", f"退单申请被驳回，请继续办理：{note}")
    elif new_lead_unit is not None:
        redispatch_appeal(
            session,
            appeal,
            new_lead_unit,
            actor=actor,
            co_units=co_units,
            designated=True,
            note=note or f"同意{RequestKind(request.kind).label_zh}，改派",
        )
        notify_unit(session, appeal, unit_id, "return_approved", "退单申请已同意，工单已改派。")
    else:
        now = utcnow()
        transition(
            session,
            appeal,
            Action.APPROVE_RETURN,
            actor=actor,
            unit_id=unit_id,
            note=note,
            payload={"request_id": request.id},
            now=now,
        )
        for row in active_units(appeal):
            row.active = False
        appeal.lead_unit_id = appeal.lead_unit = None
        appeal.dispatched_at = appeal.signed_at = None
        appeal.sign_due_at = appeal.contact_due_at = appeal.due_at = appeal.overdue_at = None
        withdraw_pending_requests(appeal, now=now, note="工单已退回")
        notify_unit(session, appeal, unit_id, "return_approved", "退单申请已同意。")
    flush(session)
    return appeal


# --- 延期 ----------------------------------------------------------------------------------------


def request_extension(
    session: Session,
    appeal: Appeal,
    *,
    actor: User | None,
    reason: str,
    new_due_at: datetime,
    expected_version: int | None = None,
) -> AppealRequest:
    """延期申请: only before the handling deadline, to a later date."""
    unit_id = require_lead_handler(session, appeal, actor)
    reason = require_text(reason, "reason", "延期理由", "reason", minimum=5)
    now = utcnow()
    if appeal.due_at is not None and now >= appeal.due_at:
        raise Conflict("已超过办理时限，不能申请延期", "the deadline has passed; extensions must be asked before it")
    if new_due_at.tzinfo is None or (appeal.due_at and new_due_at <= appeal.due_at) or new_due_at <= now:
        raise InvalidInput(
            "延期后的时限须晚于原办理时限", "the new deadline must be later than the current one", field="new_due_at"
        )
    if _pending(appeal, RequestKind.EXTENSION):
        raise Conflict("已有待审核的延期申请", "an extension request is already pending")
    transition(
        session,
        appeal,
        Action.REQUEST_EXTENSION,
        actor=actor,
        unit_id=unit_id,
        note=reason,
        payload={"new_due_at": new_due_at.isoformat()},
        expected_version=expected_version,
        now=now,
    )
    request = _open_request(
        session, appeal, RequestKind.EXTENSION, actor=actor, unit_id=unit_id, reason=reason, requested_due_at=new_due_at
    )
    flush(session)
    return request


def decide_extension(
    session: Session,
    request: AppealRequest,
    *,
    actor: User | None,
    approve: bool,
    note: str | None = None,
    new_due_at: datetime | None = None,
    expected_version: int | None = None,
) -> Appeal:
    """The centre approves (the resident is told the new date) or refuses an extension."""
    if request.kind != RequestKind.EXTENSION:
        raise InvalidInput("不是延期申请", "not an extension request", field="request")
    appeal = request.appeal
    if approve:
        due = new_due_at or request.requested_due_at
        if due is None or due.tzinfo is None or (appeal.due_at and due <= appeal.due_at):
            raise InvalidInput("批准的时限须晚于原办理时限", "the approved deadline must be later", field="new_due_at")
    appeal = _decide(session, request, actor=actor, approve=approve, note=note, expected_version=expected_version)
    if approve:
        old = appeal.due_at
        transition(
            session,
            appeal,
            Action.APPROVE_EXTENSION,
            actor=actor,
            unit_id=request.unit_id,
            note=note,
            payload={"from": old.isoformat() if old else None, "to": due.isoformat(), "request_id": request.id},
        )
        appeal.due_at, appeal.extension_count = due, appeal.extension_count + 1
        if appeal.overdue_at is not None and due > utcnow():
            appeal.overdue_at = None
        notify_appellant(
            session,
            appeal,
            "extension_approved",
            f"因{request.reason}，办理时限延长至 {local_text(due)}，感谢您的理解。",
        )
        notify_unit(
            session, appeal, request.unit_id, "extension_approved", f"延期已批准，新的办理时限为 {local_text(due)}。"
        )
    else:
        note = require_text(note, "note", "驳回理由", "reason for refusal")
        transition(
            session,
            appeal,
            Action.REJECT_EXTENSION,
            actor=actor,
            unit_id=request.unit_id,
            note=note,
            payload={"request_id": request.id},
        )
        notify_unit(session, appeal, request.unit_id, "extension_rejected", f"延期申请未获批准：{note}")
    flush(session)
    return appeal


# --- 挂账 ----------------------------------------------------------------------------------------


def _review_every(session: Session) -> timedelta:
    settings = session.info.get("settings")
    return timedelta(days=getattr(settings, "defer_review_every_days", 30))


def _next_review(session: Session, now: datetime, target: date) -> datetime:
    target_end = datetime.combine(target, datetime.max.time(), local_zone()).replace(microsecond=0)
    return min(now + _review_every(session), target_end)


def _check_target(target_date: date, now: datetime) -> None:
    if not isinstance(target_date, date) or target_date <= now.astimezone(local_zone()).date():
        raise InvalidInput("计划解决日期须晚于今天", "the target date must be in the future", field="target_date")


def defer_appeal(
    session: Session,
    appeal: Appeal,
    *,
    actor: User | None,
    plan: str,
    target_date: date,
    reason: str,
    expected_version: int | None = None,
) -> Appeal:
    """挂账: objectively unsolvable for now — a plan and a target date, told to the resident, reviewed periodically."""
    unit_id = require_lead_handler(session, appeal, actor)
    plan = require_text(plan, "plan", "解决计划", "plan", minimum=5)
    reason = require_text(reason, "reason", "挂账原因", "reason", minimum=4)
    now = utcnow()
    _check_target(target_date, now)
    transition(
        session,
        appeal,
        Action.DEFER,
        actor=actor,
        unit_id=unit_id,
        note=reason,
        payload={"plan": plan, "target_date": target_date.isoformat()},
        expected_version=expected_version,
        now=now,
    )
    appeal.defer_plan, appeal.defer_target_date = plan, target_date
    appeal.defer_review_at = _next_review(session, now, target_date)
    withdraw_pending_requests(appeal, now=now, note="工单已挂账")
    notify_appellant(
        session,
        appeal,
        "deferred",
        f"暂时无法解决（{reason}）。解决计划：{plan}；预计 {target_date.isoformat()} 前解决。",
    )
    flush(session)
    return appeal


def review_deferral(
    session: Session,
    appeal: Appeal,
    *,
    actor: User | None,
    note: str,
    new_target_date: date | None = None,
    expected_version: int | None = None,
) -> Appeal:
    """挂账复核: record progress (the job does this when a review falls due) and schedule the next review."""
    if actor is not None:
        require_role(session, actor, (Role.DISPATCHER, Role.HANDLER, Role.LEADER), unit_id=appeal.lead_unit_id)
    note = require_text(note, "note", "复核情况", "review note")
    now = utcnow()
    if new_target_date is not None:
        _check_target(new_target_date, now)
    next_status(appeal.status, Action.REVIEW_DEFERRAL)  # only a deferred appeal has a target date to report
    transition(
        session,
        appeal,
        Action.REVIEW_DEFERRAL,
        actor=actor,
        unit_id=appeal.lead_unit_id,
        note=note,
        payload={"target_date": (new_target_date or appeal.defer_target_date).isoformat()},
        expected_version=expected_version,
        now=now,
    )
    if new_target_date is not None:
        appeal.defer_target_date = new_target_date
    target_passed = appeal.defer_target_date < now.astimezone(local_zone()).date()
    appeal.defer_review_at = (
        now + _review_every(session) if target_passed else _next_review(session, now, appeal.defer_target_date)
    )
    if appeal.lead_unit_id and actor is None:
        notify_unit(
            session,
            appeal,
            appeal.lead_unit_id,
            "deferral_review",
            f"挂账工单到期复核：计划 {appeal.defer_target_date.isoformat()} 前解决，请更新进展或销账。",
        )
    flush(session)
    return appeal


def clear_deferral(
    session: Session, appeal: Appeal, *, actor: User | None, reply: str, expected_version: int | None = None
) -> Appeal:
    """销账: the deferred problem is solved; the lead unit replies and the return visit follows."""
    unit_id = require_lead_handler(session, appeal, actor)
    reply = require_text(reply, "reply", "答复内容", "reply", minimum=5)
    now = utcnow()
    transition(
        session,
        appeal,
        Action.CLEAR_DEFERRAL,
        actor=actor,
        unit_id=unit_id,
        note=reply,
        expected_version=expected_version,
        now=now,
    )
    appeal.defer_review_at = None
    finish_reply(session, appeal, reply, now)
    flush(session)
    return appeal
