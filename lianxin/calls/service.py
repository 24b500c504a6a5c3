"""The verbs of the telephone side, one per change: what the switch reports, linking an intake to its call,
handing a call or intake to an expert seat, transferring to a utility's hotline, and the admin's hotlines,
skills and seats. Each checks, sets fields, appends a ``call_events`` row where a call is concerned,
flushes, and never commits. Appeals are never written here (the intake is the appeal core's verb)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal
from lianxin.calls.choices import CallEventKind, CallStatus, ExpertReason, ExpertState, HotlineKind, SwitchEvent
from lianxin.calls.models import (
    Call,
    CallEvent,
    CallHotline,
    CallSeat,
    CallSkill,
    CategorySkill,
    ExpertItem,
    OperatorSkill,
)
from lianxin.calls.status import FINISHED, LIVE, next_status
from lianxin.choices import InvalidChoice
from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, LianxinError, NotFound, PermissionDenied
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import has_role, require_role

CALL_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
NUMBER_RE = re.compile(r"^\+?[0-9-]{3,32}$")
DESK_ROLES = (Role.OPERATOR, Role.DISPATCHER)
# who may hear a recording (the appeal page shows them the link): not handlers of the units
LISTENERS = (Role.OPERATOR, Role.DISPATCHER, Role.VISITOR, Role.AUDITOR, Role.LEADER, Role.ADMIN)
RECENT = timedelta(minutes=30)  # an ended call stays on the desk this long, until an intake is linked


def normal_number(value: str | None) -> str:
    """Digits of a phone number, without spaces and the +86 / 0086 prefix."""
    value = (value or "").strip().replace(" ", "")
    return re.sub(r"^(\+86|0086)(?=1\d{10}$)", "", value)


def number_or_none(value: str | None, field: str, zh: str, en: str, *, required: bool) -> str | None:
    value = normal_number(value)
    if not value:
        if required:
            raise InvalidInput(f"请提供{zh}", f"{en} is required", field=field)
        return None
    if not NUMBER_RE.match(value):
        raise InvalidInput(f"{zh}格式不正确：{value[:40]}", f"{en} is not a phone number: {value[:40]}", field=field)
    return value


def get_call(session: Session, jurisdiction_id: int, call_id: str, *, lock: bool = False) -> Call | None:
    stmt = select(Call).where(Call.jurisdiction_id == jurisdiction_id, Call.call_id == call_id)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def require_call(session: Session, jurisdiction_id: int, call_id: str) -> Call:
    call = get_call(session, jurisdiction_id, call_id) if CALL_ID_RE.match(call_id or "") else None
    if call is None:
        raise NotFound("来电不存在", "no such call", field="call_id")
    return call


def events_of(session: Session, call: Call) -> list[CallEvent]:
    return list(
        session.scalars(
            select(CallEvent)
            .where(CallEvent.jurisdiction_id == call.jurisdiction_id, CallEvent.call_id == call.call_id)
            .order_by(CallEvent.seq)
        )
    )


def _append(
    session: Session,
    call: Call,
    kind: CallEventKind,
    *,
    at: datetime,
    actor: User | None = None,
    appeal_id: int | None = None,
    **payload,
) -> CallEvent:
    seq = session.scalar(
        select(func.coalesce(func.max(CallEvent.seq), 0)).where(
            CallEvent.jurisdiction_id == call.jurisdiction_id, CallEvent.call_id == call.call_id
        )
    )
    event = CallEvent(
        jurisdiction_id=call.jurisdiction_id,
        call_id=call.call_id,
        seq=seq + 1,
        kind=kind,
        at=at,
        actor_id=actor.id if actor else None,
        appeal_id=appeal_id,
        payload={k: v for k, v in payload.items() if v is not None},
    )
    session.add(event)
    call.updated_at = utcnow()
    session.flush()
    return event


def operator_of_seat(session: Session, jurisdiction_id: int, seat: str) -> int | None:
    return session.scalar(
        select(CallSeat.user_id).where(CallSeat.jurisdiction_id == jurisdiction_id, CallSeat.seat == seat)
    )


def hotline(session: Session, jurisdiction_id: int, number: str | None) -> CallHotline | None:
    if not number:
        return None
    return session.scalar(
        select(CallHotline).where(
            CallHotline.jurisdiction_id == jurisdiction_id, CallHotline.number == number, CallHotline.active.is_(True)
        )
    )


# ---- what the switch reports ---------------------------------------------------------------------------------


def record_switch_event(
    session: Session,
    jurisdiction_id: int,
    *,
    call_id: str,
    event: str,
    caller: str | None = None,
    dialled: str | None = None,
    seat: str | None = None,
    recording_ref: str | None = None,
    at: datetime | None = None,
) -> tuple[Call, bool]:
    """Apply one event the switch posted: ``(call, applied)``; a repeat of an event already recorded for the
    call changes nothing and returns ``applied=False`` (the adapter may retry)."""
    try:
        kind = SwitchEvent.parse(event)
    except InvalidChoice:
        raise InvalidInput(
            f"未知的来电事件 {str(event)[:20]}（应为 ringing、answered 或 ended）",
            f"unknown call event {str(event)[:20]!r}: ringing, answered or ended",
            field="event",
        ) from None
    if not CALL_ID_RE.match(call_id or ""):
        raise InvalidInput(
            "通话编号应为 1–64 位字母、数字或 ._:-", "call_id: 1–64 letters, digits or ._:-", field="call_id"
        )
    seat = (seat or "").strip() or None
    if seat and len(seat) > 16:
        raise InvalidInput("座席号不能超过 16 位", "seat: at most 16 characters", field="seat")
    recording_ref = (recording_ref or "").strip() or None
    if recording_ref and len(recording_ref) > 500:
        raise InvalidInput("录音编号不能超过 500 字", "recording_ref: at most 500 characters", field="recording_ref")
    at = at or utcnow()
    if at.tzinfo is None:
        raise InvalidInput("时间须带时区", "at: give a time zone", field="at")
    call = get_call(session, jurisdiction_id, call_id, lock=True)
    if call is not None and session.scalar(
        select(func.count()).where(
            CallEvent.jurisdiction_id == jurisdiction_id,
            CallEvent.call_id == call_id,
            CallEvent.kind == CallEventKind(kind.value),
        )
    ):
        return call, False
    target = next_status(call.status if call else None, kind)
    if target is None:
        if call is None:
            raise Conflict(
                f"通话 {call_id} 尚未振铃，不能{kind.zh}", f"call {call_id} never rang: it cannot be {kind.value}"
            )
        raise Conflict(
            f"通话 {call_id} 状态为“{call.status.zh}”，不能{kind.zh}",
            f"call {call_id} is {call.status.value}: it cannot be {kind.value}",
        )
    if call is None:
        return _new_call(session, jurisdiction_id, call_id, caller, dialled, seat, recording_ref, at)
    return _advance(session, call, kind, target, seat, recording_ref, at), True


def _new_call(session: Session, jurisdiction_id: int, call_id: str, caller, dialled, seat, recording_ref, at):
    """The first event of a call. Two adapters racing with the same ringing: the loser's insert fails, and it
    answers as a repeat."""
    caller = number_or_none(caller, "caller", "来电号码", "caller", required=True)
    dialled = number_or_none(dialled, "dialled", "被叫号码", "dialled", required=False)
    line = hotline(session, jurisdiction_id, dialled)
    call = Call(
        jurisdiction_id=jurisdiction_id,
        call_id=call_id,
        status=CallStatus.RINGING,
        caller=caller,
        dialled=dialled,
        hotline_number=line.number if line and line.kind == HotlineKind.MERGED else None,
        rang_at=at,
        updated_at=utcnow(),
    )
    savepoint = session.begin_nested()
    try:
        session.add(call)
        session.flush()
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        return get_call(session, jurisdiction_id, call_id), False
    return _advance(session, call, SwitchEvent.RINGING, CallStatus.RINGING, seat, recording_ref, at), True


def _advance(session: Session, call: Call, kind: SwitchEvent, target: CallStatus, seat, recording_ref, at) -> Call:
    call.status = target
    if seat:
        call.seat, call.operator_id = seat, operator_of_seat(session, call.jurisdiction_id, seat)
    if recording_ref:
        call.recording_ref = recording_ref
    if target == CallStatus.ANSWERED:
        call.answered_at = at
    elif target in FINISHED:
        call.ended_at = at
    session.flush()
    _append(session, call, CallEventKind(kind.value), at=at, seat=seat, recording_ref=recording_ref)
    return call


# ---- the operator's desk ---------------------------------------------------------------------------------


def current_call(session: Session, user: User, now: datetime | None = None) -> Call | None:
    """The call on the operator's desk: a live one at their seat, else one that ended in the last 30 minutes
    and has no intake yet."""
    base = select(Call).where(Call.jurisdiction_id == user.jurisdiction_id, Call.operator_id == user.id)
    live = session.scalar(base.where(Call.status.in_(LIVE)).order_by(Call.rang_at.desc()).limit(1))
    if live is not None:
        return live
    since = (now or utcnow()) - RECENT
    return session.scalar(
        base.where(Call.status == CallStatus.ENDED, Call.appeal_id.is_(None), Call.ended_at >= since)
        .order_by(Call.ended_at.desc())
        .limit(1)
    )


def require_at_seat(session: Session, call: Call, actor: User | None) -> None:
    """An operator acts on the calls at their own seat; a dispatcher (the shift's lead) on any."""
    if actor is None or call.operator_id in (None, actor.id) or has_role(session, actor, (Role.DISPATCHER,)):
        return
    raise PermissionDenied("这不是您座席上的来电", "this call is not at your seat", field="call_id")


def link_intake(session: Session, call: Call, appeal: Appeal, *, actor: User | None) -> bool:
    """The intake recorded during (or right after) the call belongs to it; the first one is the call's appeal.
    Returns False when they were linked already."""
    require_role(session, actor, DESK_ROLES)
    if call.jurisdiction_id != appeal.jurisdiction_id:
        raise NotFound("来电不存在", "no such call", field="call_id")
    require_at_seat(session, call, actor)
    if session.scalar(
        select(func.count()).where(
            CallEvent.jurisdiction_id == call.jurisdiction_id,
            CallEvent.call_id == call.call_id,
            CallEvent.kind == CallEventKind.LINKED,
            CallEvent.appeal_id == appeal.id,
        )
    ):
        return False
    if call.appeal_id is None:
        call.appeal_id = appeal.id
    _append(
        session, call, CallEventKind.LINKED, at=utcnow(), actor=actor, appeal_id=appeal.id, order_no=appeal.order_no
    )
    return True


def link_desk_intake(session: Session, appeal: Appeal, *, actor: User | None, values: dict) -> None:
    """Hook ``after_desk_intake``: link the call the intake form carried, and send the intake to the expert queue
    when the operator marked it for an expert or its category is configured so. A refusal names no field: the
    intake form shows it at the top (its call and expert fields live in the desk panel)."""
    try:
        _link_desk_intake(session, appeal, actor=actor, values=values)
    except LianxinError as exc:
        exc.field = None
        raise


def _link_desk_intake(session: Session, appeal: Appeal, *, actor: User | None, values: dict) -> None:
    call = None
    call_id = (values.get("call_id") or "").strip()
    if call_id:
        call = require_call(session, appeal.jurisdiction_id, call_id)
        link_intake(session, call, appeal, actor=actor)
    skill, reason = (values.get("expert_skill") or "").strip(), ExpertReason.MARKED
    if not skill and appeal.category_id is not None:
        skill, reason = category_skill(session, appeal.jurisdiction_id, appeal.category_id) or "", ExpertReason.CATEGORY
    if skill:
        queue_for_expert(session, appeal.jurisdiction_id, skill, reason, actor=actor, call=call, appeal=appeal)


def recording_calls(session: Session, appeal: Appeal) -> list[Call]:
    """The calls an appeal was recorded from (normally one)."""
    ids = select(CallEvent.call_id).where(
        CallEvent.jurisdiction_id == appeal.jurisdiction_id,
        CallEvent.kind == CallEventKind.LINKED,
        CallEvent.appeal_id == appeal.id,
    )
    return list(
        session.scalars(
            select(Call)
            .where(Call.jurisdiction_id == appeal.jurisdiction_id, Call.call_id.in_(ids))
            .order_by(Call.rang_at)
        )
    )


def may_hear(session: Session, user: User) -> bool:
    return has_role(session, user, LISTENERS)


# ---- expert seats ---------------------------------------------------------------------------------


def require_skill(session: Session, jurisdiction_id: int, code: str) -> CallSkill:
    skill = session.get(CallSkill, (jurisdiction_id, code)) if code else None
    if skill is None:
        raise InvalidInput(f"未知的专家领域 {code[:32]}", f"unknown expert domain {code[:32]!r}", field="expert_skill")
    return skill


def skills(session: Session, jurisdiction_id: int) -> list[CallSkill]:
    return list(
        session.scalars(select(CallSkill).where(CallSkill.jurisdiction_id == jurisdiction_id).order_by(CallSkill.code))
    )


def skills_of(session: Session, user: User) -> list[str]:
    return list(
        session.scalars(
            select(OperatorSkill.skill)
            .where(OperatorSkill.jurisdiction_id == user.jurisdiction_id, OperatorSkill.user_id == user.id)
            .order_by(OperatorSkill.skill)
        )
    )


def category_skill(session: Session, jurisdiction_id: int, category_id: int) -> str | None:
    row = session.get(CategorySkill, (jurisdiction_id, category_id))
    return row.skill if row else None


def queue_for_expert(
    session: Session,
    jurisdiction_id: int,
    skill: str,
    reason: ExpertReason,
    *,
    actor: User | None,
    call: Call | None = None,
    appeal: Appeal | None = None,
) -> ExpertItem:
    require_skill(session, jurisdiction_id, skill)
    now = utcnow()
    item = ExpertItem(
        jurisdiction_id=jurisdiction_id,
        skill=skill,
        reason=reason,
        state=ExpertState.WAITING,
        call_id=call.call_id if call else None,
        appeal_id=appeal.id if appeal else (call.appeal_id if call else None),
        queued_at=now,
        queued_by_id=actor.id if actor else None,
    )
    session.add(item)
    if call is not None:
        call.expert_skill = skill
        _append(
            session,
            call,
            CallEventKind.EXPERT,
            at=now,
            actor=actor,
            appeal_id=item.appeal_id,
            skill=skill,
            reason=reason.value,
        )
    session.flush()
    return item


def hand_to_expert(session: Session, call: Call, skill: str, *, actor: User) -> ExpertItem:
    """One click at the desk: the live call (and its intake, if any) goes to the expert queue of ``skill``."""
    require_role(session, actor, DESK_ROLES)
    if call.jurisdiction_id != actor.jurisdiction_id:
        raise NotFound("来电不存在", "no such call")
    require_at_seat(session, call, actor)
    if call.status == CallStatus.MISSED:
        raise Conflict("未接来电不能转专家座席", "a missed call cannot be handed to an expert")
    waiting = session.scalar(
        select(ExpertItem).where(
            ExpertItem.jurisdiction_id == call.jurisdiction_id,
            ExpertItem.call_id == call.call_id,
            ExpertItem.skill == skill,
            ExpertItem.state == ExpertState.WAITING,
        )
    )
    if waiting is not None:
        return waiting
    return queue_for_expert(session, call.jurisdiction_id, skill, ExpertReason.HANDOVER, actor=actor, call=call)


def expert_queue(session: Session, user: User, *, state: ExpertState = ExpertState.WAITING) -> list[ExpertItem]:
    """The items waiting in the domains this operator is an expert of."""
    mine = skills_of(session, user)
    if not mine:
        return []
    return list(
        session.scalars(
            select(ExpertItem)
            .where(
                ExpertItem.jurisdiction_id == user.jurisdiction_id,
                ExpertItem.skill.in_(mine),
                ExpertItem.state == state,
            )
            .order_by(ExpertItem.queued_at)
            .limit(200)
        )
    )


def take_expert_item(session: Session, jurisdiction_id: int, item_id: str, *, actor: User) -> ExpertItem:
    item = session.get(ExpertItem, (jurisdiction_id, item_id), with_for_update=True)
    if item is None or actor.jurisdiction_id != jurisdiction_id:
        raise NotFound("专家队列中没有这一项", "no such item in the expert queue")
    if item.skill not in skills_of(session, actor):
        raise PermissionDenied("您不是该领域的专家座席", "you are not an expert seat of this domain")
    if item.state != ExpertState.WAITING:
        raise Conflict("已被其他专家接走", "another expert has taken it")
    item.state, item.taken_by_id, item.taken_at = ExpertState.TAKEN, actor.id, utcnow()
    session.flush()
    return item


# ---- utility hotlines ---------------------------------------------------------------------------------


def utility_lines(session: Session, jurisdiction_id: int) -> list[CallHotline]:
    return list(
        session.scalars(
            select(CallHotline)
            .where(
                CallHotline.jurisdiction_id == jurisdiction_id,
                CallHotline.kind == HotlineKind.UTILITY,
                CallHotline.active.is_(True),
            )
            .order_by(CallHotline.number)
        )
    )


def transfer_to_utility(session: Session, call: Call, number: str, *, actor: User) -> CallEvent:
    """One click at the desk: the call goes to a utility's own hotline (water, gas, metro), recorded on the call."""
    require_role(session, actor, DESK_ROLES)
    require_at_seat(session, call, actor)
    line = hotline(session, call.jurisdiction_id, (number or "").strip())
    if line is None or line.kind != HotlineKind.UTILITY:
        raise InvalidInput("请选择公共服务企业热线", "choose a utility hotline", field="number")
    if call.status != CallStatus.ANSWERED:
        raise Conflict(
            f"通话状态为“{call.status.zh}”，只有通话中的来电可以转接",
            f"the call is {call.status.value}: only a call in progress can be transferred",
        )
    call.transferred_to = line.number
    return _append(
        session, call, CallEventKind.TRANSFER, at=utcnow(), actor=actor, number=line.number, name=line.name_zh
    )
