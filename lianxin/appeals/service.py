"""The only door through which an appeal changes: one function per verb.

Each verb checks who may act, asks the state machine for the next status, sets fields and
deadlines, appends an event, queues notifications and flushes. None of them commits: the
request, command or job that called it owns the transaction. Verbs that decide a handler's
request (退单/派单异议, 延期) live in ``appeals/requests.py``; return visits in ``visits/service.py``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import flag_modified, set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from lianxin.appeals.access import require_can_see  # noqa: F401  (the rule lives in access; callers import it here too)
from lianxin.appeals.choices import NotAcceptedReason, RequestState, UnitRole
from lianxin.appeals.deadlines import deadlines_for
from lianxin.appeals.models import Appeal, AppealEvent, AppealUnit, Appellant, Attachment, Category
from lianxin.appeals.numbers import keep_order_no, next_order_no  # noqa: F401  (next_order_no: imported from here too)
from lianxin.appeals.refs import category_row, unit_row
from lianxin.appeals.schemas import AppealCreate
from lianxin.appeals.status import (
    EVENT_KINDS,
    MAIN_REPLIED,
    PUBLIC_EVENT_KINDS,
    SUBMITTED,
    Action,
    AppealStatus,
    EventKind,
    next_status,
)
from lianxin.clock import local_text, local_zone, utcnow  # noqa: F401  (local_text: re-exported for older imports)
from lianxin.db import insert_or_ignore
from lianxin.errors import Conflict, InvalidInput, NotFound, StaleVersion
from lianxin.modules import pipe_hooks, run_hooks
from lianxin.notify import queue_notification
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.orgs.service import require_role

HANDLING_UNIT_KINDS = frozenset(
    {UnitKind.DISTRICT, UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.DEPARTMENT, UnitKind.ENTERPRISE}
)
CENTRE = (Role.DISPATCHER,)
HANDLER = (Role.HANDLER,)


# --- the machinery every verb shares ------------------------------------------------------------


def check_version(appeal: Appeal, expected_version: int | None) -> None:
    """Optimistic concurrency for the edges: the client's version must still be current."""
    if expected_version is not None and expected_version != appeal.version:
        raise StaleVersion()


def lock_appeals(session: Session, *appeals: Appeal) -> None:
    """Hold ``appeals`` until the transaction ends and reload them: for a verb that decides by the state of
    a second appeal (并单 needs the main appeal to still take merges when the follower moves).

    PostgreSQL: ``SELECT … FOR UPDATE`` in id order, so A→B and B→A at the same moment queue instead of
    deadlocking. SQLite has no row locks: a write that changes nothing takes the database's write lock
    first, so no other writer can commit between the re-read and this transaction's commit. The reload
    replaces every attribute with the committed row, so the caller's checks (and the version its UPDATE
    compares) are about what is true now, not what the request read earlier.
    """
    ids = sorted({appeal.id for appeal in appeals})
    table = Appeal.__table__
    sqlite = session.get_bind().dialect.name == "sqlite"
    flush(session)
    try:
        if sqlite:
            session.execute(update(table).where(table.c.id.in_(ids)).values(version=table.c.version))
        for appeal in appeals:
            session.expire(appeal)  # collections (units, requests) too, not only the columns
        session.scalars(
            select(Appeal)
            .where(Appeal.id.in_(ids))
            .order_by(Appeal.id)
            .with_for_update(of=Appeal)
            .execution_options(populate_existing=True)
        ).all()
    except OperationalError as exc:
        # SQLite refuses the write lock at once when this transaction already read a snapshot that
        # another writer has since changed: the same lost race as a stale version.
        if sqlite and "locked" in str(exc.orig):
            raise StaleVersion() from None
        raise


def touch(session: Session, appeal: Appeal, now: datetime) -> None:
    """Bump ``appeal``'s version without changing its status: another verb changed what it depends on
    (a follower merged in), so a concurrent action on it that read the old state must get a 409."""
    appeal.updated_at = now
    flag_modified(appeal, "updated_at")
    flush(session)


def record_event(
    session: Session, appeal: Appeal, kind: EventKind | str, *, actor: User | None, **fields
) -> AppealEvent:
    """Add an event to ``appeal``'s history; ``fields`` are ``_event_row``'s (from_status, to_status, unit_id,
    note, payload, actor_label, now)."""
    event = AppealEvent(**_event_row(appeal, kind, actor, **fields))
    session.add(event)
    return event


def _event_row(
    appeal: Appeal,
    kind: EventKind | str,
    actor: User | None,
    *,
    from_status=None,
    to_status=None,
    unit_id: int | None = None,
    note: str | None = None,
    payload: dict | None = None,
    actor_label: str | None = None,
    now: datetime | None = None,
) -> dict:
    """An event's row, for the ORM (`record_event`) and for the intake's Core INSERT alike."""
    kind = EventKind(kind)  # an unknown kind is a bug: ValueError
    return dict(
        jurisdiction_id=appeal.jurisdiction_id,
        appeal_id=appeal.id,
        kind=kind.value,
        at=now or utcnow(),
        actor_id=actor.id if actor else None,
        actor_label=actor_label or (actor.display_name if actor else "系统"),
        unit_id=unit_id,
        from_status=None if from_status is None else str(from_status),
        to_status=None if to_status is None else str(to_status),
        public=kind in PUBLIC_EVENT_KINDS,
        note=note,
        payload=payload or {},
    )


# The submitted event as one Core INSERT: nothing in the intake reads it back (the ORM's unit of work for one row
# cost as much as the statement). Built once; a call binds the row.
_INSERT_EVENT = insert(AppealEvent.__table__)


def transition(
    session: Session,
    appeal: Appeal,
    action: Action,
    *,
    actor: User | None,
    unit_id: int | None = None,
    note: str | None = None,
    payload: dict | None = None,
    actor_label: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> AppealEvent:
    """Move ``appeal`` by ``action`` (or raise IllegalTransition) and append its event.

    Every transition touches ``updated_at`` so the UPDATE carries the version check, even when the
    status stays the same: two concurrent actions on one appeal cannot both succeed.
    """
    check_version(appeal, expected_version)
    before = AppealStatus(appeal.status)
    after = next_status(before, action)
    now = now or utcnow()
    appeal.status = after
    appeal.updated_at = now
    flag_modified(appeal, "updated_at")  # an UPDATE even when the clock has not moved (clock.at, frozen time)
    flush(session)  # the version check runs here, so a concurrent change raises StaleVersion, not a later autoflush
    return record_event(
        session,
        appeal,
        EVENT_KINDS[action],
        actor=actor,
        from_status=before,
        to_status=after,
        unit_id=unit_id,
        note=note,
        payload=payload,
        actor_label=actor_label,
        now=now,
    )


def flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise StaleVersion() from None


def notify_appellant(session: Session, appeal: Appeal, kind: str, message: str) -> None:
    if appeal.appellant_phone and not appeal.anonymous:
        queue_notification(
            session,
            jurisdiction_id=appeal.jurisdiction_id,
            appeal_id=appeal.id,
            kind=kind,
            audience="appellant",
            recipient=appeal.appellant_phone,
            message=f"【{_hotline(session)}】您的诉求（工单号 {appeal.order_no}）{message}",
        )


def notify_unit(session: Session, appeal: Appeal, unit_id: int, kind: str, message: str) -> None:
    queue_notification(
        session,
        jurisdiction_id=appeal.jurisdiction_id,
        appeal_id=appeal.id,
        kind=kind,
        audience="unit",
        recipient=unit_id,
        message=f"工单 {appeal.order_no}「{appeal.title}」：{message}",
    )


def _hotline(session: Session) -> str:
    settings = session.info.get("settings")
    return getattr(settings, "hotline_number", "12345")


def require_text(value: str | None, field: str, label_zh: str, label_en: str, minimum: int = 2) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise InvalidInput(f"请填写{label_zh}（至少 {minimum} 个字）", f"{label_en} is required", field=field)
    return value


def active_units(appeal: Appeal, *roles: UnitRole) -> list[AppealUnit]:
    return [u for u in appeal.units if u.active and (not roles or u.role in roles)]


def require_lead_handler(session: Session, appeal: Appeal, actor: User | None) -> int:
    if appeal.lead_unit_id is None:
        raise InvalidInput("工单尚未派单", "the appeal has no lead unit")
    require_role(session, actor, HANDLER, unit_id=appeal.lead_unit_id)
    return appeal.lead_unit_id


def withdraw_pending_requests(appeal: Appeal, *, now: datetime, note: str) -> None:
    for request in appeal.requests:
        if request.state == RequestState.PENDING:
            request.state, request.decided_at, request.decision_note = RequestState.WITHDRAWN, now, note


def handling_unit(session: Session, appeal: Appeal, unit: Unit | int, *, field: str) -> Unit:
    unit = session.get(Unit, unit) if isinstance(unit, int) else unit
    if unit is None or unit.jurisdiction_id != appeal.jurisdiction_id or not unit.active:
        raise InvalidInput("承办单位不存在或已停用", "unknown or inactive unit", field=field)
    if unit.kind not in HANDLING_UNIT_KINDS:
        raise InvalidInput(f"「{unit.name}」不能作为承办单位", f"{unit.kind} units cannot handle appeals", field=field)
    return unit


# --- intake -------------------------------------------------------------------------------------


def _validate_refs(session: Session, data: AppealCreate) -> dict[str, int | None]:
    """The category, community and grid ids the data names, checked (from the per-process copy of
    ``lianxin.appeals.refs``: an intake asks the database for none of them)."""
    jid = data.jurisdiction_id
    if data.category_id is not None:
        category = category_row(session, jid, data.category_id)
        if category is None or not category.active:
            raise InvalidInput("问题分类不存在或已停用", "unknown or inactive category", field="category_id")
    community_id = data.community_id
    if data.grid_id is not None:
        grid = unit_row(session, jid, data.grid_id)
        if grid is None or grid.kind != UnitKind.GRID:
            raise InvalidInput("网格不存在", "unknown grid", field="grid_id")
        community_id = community_id or grid.parent_id
    if community_id is not None:
        community = unit_row(session, jid, community_id)
        if community is None or community.kind != UnitKind.COMMUNITY:
            raise InvalidInput("社区/村不存在", "unknown community", field="community_id")
    return {"category_id": data.category_id, "community_id": community_id, "grid_id": data.grid_id}


def _appellant_id(session: Session, jurisdiction_id: int, phone: str, name: str | None, now: datetime) -> int:
    values = dict(jurisdiction_id=jurisdiction_id, phone=phone, name=name, created_at=now)
    new_id = insert_or_ignore(session, Appellant.__table__, values, ["jurisdiction_id", "phone"])
    if new_id is not None:
        return new_id
    appellant = session.scalar(
        select(Appellant).where(Appellant.jurisdiction_id == jurisdiction_id, Appellant.phone == phone)
    )
    if name and appellant.name != name:
        appellant.name = name
    return appellant.id


# A new appeal as one Core INSERT of every column, then the object that row is (persistent, nothing to load): the
# ORM's unit of work for this one wide row cost 1.3 M of an intake's 11.7 M instructions
# (bench/intake_instructions.py).
_INSERT_APPEAL = insert(Appeal.__table__).returning(Appeal.__table__.c.id)
_APPEAL_DEFAULTS = {  # the columns' scalar defaults (the times, the only callable ones, are always given)
    attr.key: column.default.arg if column.default is not None and column.default.is_scalar else None
    for attr in Appeal.__mapper__.column_attrs
    for column in attr.columns[:1]
    if not column.primary_key
}


def _insert_appeal(session: Session, **values) -> Appeal:
    row = _APPEAL_DEFAULTS | values
    row["id"] = session.connection().execute(_INSERT_APPEAL, row).scalar_one()
    appeal = Appeal(**row)
    make_transient_to_detached(appeal)  # as if just loaded: its values are the row's, nothing pending
    session.add(appeal)
    set_committed_value(appeal, "units", [])  # a new appeal has no units: the response need not ask
    return appeal


def submit_appeal(
    session: Session,
    data: AppealCreate,
    *,
    actor: User | None,
    idempotency_key: str | None = None,
    attachments: Sequence[dict] = (),
    now: datetime | None = None,
    order_no: str | None = None,
) -> Appeal:
    """Record a new appeal (受理). A retried submission with the same idempotency key returns the first.
    ``order_no``: a historical number to keep (the ledger import), instead of the next one of the day."""
    if idempotency_key:
        existing = session.scalar(select(Appeal).where(Appeal.idempotency_key == idempotency_key))
        if existing is not None:
            return existing
    if actor is not None:
        require_role(session, actor, (Role.OPERATOR, Role.DISPATCHER, Role.GRID_WORKER, Role.HANDLER))
    now = now or utcnow()
    data = pipe_hooks("before_intake", session, data)  # e.g. geo: a point or an address, but no community: find it
    fields = data.model_dump() | _validate_refs(session, data)
    # Only a retry (idempotency key) or a kept number can collide on a unique key and be answered: only
    # then is the insert worth a savepoint (two round trips) to recover from.
    savepoint = session.begin_nested() if idempotency_key or order_no else None
    try:
        appeal = _insert_appeal(
            session,
            **fields,
            order_no=keep_order_no(session, order_no) if order_no else next_order_no(session, now),
            status=AppealStatus.RECEIVED,
            received_at=now,
            updated_at=now,
            received_by_id=actor.id if actor else None,
            tracking_token=secrets.token_urlsafe(24),
            idempotency_key=idempotency_key,
            terms_pending=True,  # its keywords go into the repeat index by a job (lianxin.dispatch.repeats)
            appellant_id=None
            if data.anonymous
            else _appellant_id(session, data.jurisdiction_id, data.appellant_phone, data.appellant_name, now),
        )
        if savepoint is not None:
            savepoint.commit()
    except IntegrityError:
        if savepoint is None:
            raise
        savepoint.rollback()
        if idempotency_key:
            existing = session.scalar(select(Appeal).where(Appeal.idempotency_key == idempotency_key))
            if existing is not None:
                return existing
        raise
    for item in attachments:
        session.add(Attachment(jurisdiction_id=appeal.jurisdiction_id, appeal_id=appeal.id, purpose="intake", **item))
    label = None if actor else "诉求人"
    payload = {"channel": str(appeal.channel)}
    event = _event_row(
        appeal, SUBMITTED, actor, to_status=AppealStatus.RECEIVED, payload=payload, actor_label=label, now=now
    )
    session.connection().execute(_INSERT_EVENT, event)
    notify_appellant(session, appeal, "submitted", "已受理，我们会尽快办理。可凭工单号和手机号查询进度。")
    flush(session)
    return appeal


def mark_terms_indexed(session: Session, appeal_ids: Sequence[int]) -> None:
    """The repeat index (``lianxin.dispatch.repeats.index_pending``) holds these appeals' keywords now: no longer
    pending. Not a step of the appeal's handling: no event, no new version."""
    session.execute(_TERMS_INDEXED, {"ids": list(appeal_ids)})


_TERMS_INDEXED = update(Appeal).where(Appeal.id.in_(bindparam("ids", expanding=True))).values(terms_pending=False)


def answer_directly(
    session: Session,
    appeal: Appeal,
    *,
    actor: User | None,
    answer: str,
    kb_entry_id: int | None = None,
    expected_version: int | None = None,
) -> Appeal:
    """The operator answers at once (typically a 咨询): received → replied."""
    require_role(session, actor, (Role.OPERATOR, Role.DISPATCHER))
    answer = require_text(answer, "answer", "答复内容", "answer", minimum=5)
    now = utcnow()
    transition(
        session,
        appeal,
        Action.DIRECT_ANSWER,
        actor=actor,
        note=answer,
        payload={"kb_entry_id": kb_entry_id},
        expected_version=expected_version,
        now=now,
    )
    appeal.reply_text, appeal.replied_at = answer, now
    notify_appellant(session, appeal, "replied", f"已答复：{answer}")
    tell_followers(session, appeal, answer, now)
    flush(session)
    return appeal


def not_accept(
    session: Session,
    appeal: Appeal,
    *,
    actor: User | None,
    reason: NotAcceptedReason | str,
    note: str,
    expected_version: int | None = None,
) -> Appeal:
    """不予受理 with a reason code (Beijing Art. 11): emergency transfer, legal channel, repeat, …"""
    require_role(session, actor, (Role.OPERATOR, Role.DISPATCHER))
    try:
        reason = NotAcceptedReason.parse(str(reason))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="reason") from None
    note = require_text(note, "note", "说明", "explanation")
    transition(
        session,
        appeal,
        Action.NOT_ACCEPT,
        actor=actor,
        note=note,
        payload={"reason": reason.value},
        expected_version=expected_version,
    )
    appeal.not_accepted_reason = reason.value
    appeal.closed_at = appeal.updated_at
    notify_appellant(session, appeal, "not_accepted", f"不予受理（{reason.label_zh}）：{note}")
    flush(session)
    return appeal


# --- dispatch -----------------------------------------------------------------------------------


def _assign(session: Session, appeal: Appeal, lead: Unit, co_units: Iterable[Unit | int], now: datetime) -> list[Unit]:
    co = []
    for unit in co_units:
        unit = handling_unit(session, appeal, unit, field="co_units")
        if unit.id != lead.id and unit.id not in {c.id for c in co}:
            co.append(unit)
    for row in active_units(appeal, UnitRole.LEAD, UnitRole.CO):
        row.active = False
    appeal.units.append(
        AppealUnit(jurisdiction_id=appeal.jurisdiction_id, unit=lead, role=UnitRole.LEAD, active=True, assigned_at=now)
    )
    for unit in co:
        appeal.units.append(
            AppealUnit(
                jurisdiction_id=appeal.jurisdiction_id, unit=unit, role=UnitRole.CO, active=True, assigned_at=now
            )
        )
    appeal.lead_unit_id, appeal.lead_unit = lead.id, lead
    return co


def _start_clock(session: Session, appeal: Appeal, now: datetime) -> dict:
    rule, due = deadlines_for(session, appeal, now)
    appeal.policy_id = rule.id
    appeal.sign_due_at, appeal.contact_due_at, appeal.due_at = due.sign_due_at, due.contact_due_at, due.due_at
    appeal.overdue_at = None
    for row in active_units(appeal, UnitRole.CO):
        row.report_due_at = due.due_at
    return {"policy_id": rule.id, "sign_due_at": due.sign_due_at.isoformat(), "due_at": due.due_at.isoformat()}


def _announce_dispatch(session: Session, appeal: Appeal, lead: Unit, co: list[Unit]) -> None:
    limit = f"请于 {local_text(appeal.sign_due_at)} 前签收，{local_text(appeal.due_at)} 前办结答复。"
    notify_unit(session, appeal, lead.id, "dispatched", f"已派至贵单位主办。{limit}")
    for unit in co:
        notify_unit(
            session,
            appeal,
            unit.id,
            "dispatched_co",
            f"请协助 {lead.name} 办理，并于 {local_text(appeal.due_at)} 前向主办单位反馈。",
        )
    if lead.kind == UnitKind.STREET and lead.parent_id is not None:  # Art. 12: the district supervises
        notify_unit(session, appeal, lead.parent_id, "dispatched_supervise", f"已派至 {lead.name}，请督促办理。")


def dispatch_appeal(
    session: Session,
    appeal: Appeal,
    lead_unit: Unit | int,
    *,
    actor: User | None,
    co_units: Iterable[Unit | int] = (),
    note: str | None = None,
    designated: bool = False,
    expected_version: int | None = None,
) -> Appeal:
    """派单: send to a lead unit (+ co-units); the handling clock starts now."""
    require_role(session, actor, CENTRE)
    lead = handling_unit(session, appeal, lead_unit, field="lead_unit")
    co_units = [
        handling_unit(session, appeal, unit, field="co_units") for unit in co_units
    ]  # validate before any change
    now = utcnow()
    event = transition(
        session,
        appeal,
        Action.DISPATCH,
        actor=actor,
        unit_id=lead.id,
        note=note,
        expected_version=expected_version,
        now=now,
    )
    with session.no_autoflush:  # the event is inserted once, with its payload (the event log is append-only)
        co = _assign(session, appeal, lead, co_units, now)
        appeal.dispatched_at, appeal.designated = now, designated
        event.payload = {"lead_unit": lead.name, "co_units": [u.name for u in co], **_start_clock(session, appeal, now)}
    _announce_dispatch(session, appeal, lead, co)
    flush(session)
    return appeal


def redispatch_appeal(
    session: Session,
    appeal: Appeal,
    lead_unit: Unit | int,
    *,
    actor: User | None,
    co_units: Iterable[Unit | int] = (),
    note: str,
    designated: bool = False,
    expected_version: int | None = None,
) -> Appeal:
    """改派: a dispatched or in-progress appeal goes to another lead unit and its clock restarts."""
    require_role(session, actor, CENTRE)
    lead = handling_unit(session, appeal, lead_unit, field="lead_unit")
    co_units = [
        handling_unit(session, appeal, unit, field="co_units") for unit in co_units
    ]  # validate before any change
    note = require_text(note, "note", "改派原因", "reason for redispatch")
    now = utcnow()
    previous = appeal.lead_unit.name if appeal.lead_unit else None
    event = transition(
        session,
        appeal,
        Action.REDISPATCH,
        actor=actor,
        unit_id=lead.id,
        note=note,
        expected_version=expected_version,
        now=now,
    )
    with session.no_autoflush:  # the event is inserted once, with its payload
        co = _assign(session, appeal, lead, co_units, now)
        appeal.dispatched_at, appeal.signed_at, appeal.designated = now, None, designated
        withdraw_pending_requests(appeal, now=now, note="工单已改派")
        event.payload = {
            "from_unit": previous,
            "lead_unit": lead.name,
            "co_units": [u.name for u in co],
            "designated": designated,
            **_start_clock(session, appeal, now),
        }
    _announce_dispatch(session, appeal, lead, co)
    flush(session)
    return appeal


def sign_appeal(session: Session, appeal: Appeal, *, actor: User | None, expected_version: int | None = None) -> Appeal:
    """签收 by the lead unit: dispatched → in_progress."""
    unit_id = require_lead_handler(session, appeal, actor)
    now = utcnow()
    late = bool(appeal.sign_due_at and now > appeal.sign_due_at)
    transition(
        session,
        appeal,
        Action.SIGN,
        actor=actor,
        unit_id=unit_id,
        payload={"late": late},
        expected_version=expected_version,
        now=now,
    )
    appeal.signed_at = now
    flush(session)
    return appeal


def record_contact(
    session: Session, appeal: Appeal, *, actor: User | None, note: str, expected_version: int | None = None
) -> Appeal:
    """联系诉求人: the first contact sets the response time (响应)."""
    unit_id = require_lead_handler(session, appeal, actor)
    note = require_text(note, "note", "联系情况", "contact note")
    now = utcnow()
    first = appeal.first_contact_at is None
    late = bool(first and appeal.contact_due_at and now > appeal.contact_due_at)
    transition(
        session,
        appeal,
        Action.CONTACT,
        actor=actor,
        unit_id=unit_id,
        note=note,
        payload={"first": first, "late": late},
        expected_version=expected_version,
        now=now,
    )
    if first:
        appeal.first_contact_at = now
    flush(session)
    return appeal


# --- handling -----------------------------------------------------------------------------------


def save_attachments(session: Session, appeal: Appeal, event: AppealEvent, items: Sequence[dict], purpose: str) -> None:
    for item in items:
        session.add(
            Attachment(
                jurisdiction_id=appeal.jurisdiction_id, appeal_id=appeal.id, event=event, purpose=purpose, **item
            )
        )


def finish_reply(session: Session, appeal: Appeal, text: str, now: datetime) -> None:
    appeal.reply_text, appeal.replied_at = text, now
    notify_appellant(
        session, appeal, "replied", f"已办理答复：{text.rstrip('。.')}。如对办理结果有意见，可在回访时告诉我们。"
    )
    tell_followers(session, appeal, text, now)


def tell_followers(session: Session, appeal: Appeal, text: str, now: datetime) -> None:
    """并单: the appeals merged into ``appeal`` follow it, and their appellants get its reply."""
    followers = session.scalars(select(Appeal).where(Appeal.merged_into_id == appeal.id)).all()
    for merged in followers:
        record_event(session, merged, MAIN_REPLIED, actor=None, note=text, payload={"main": appeal.order_no}, now=now)
        notify_appellant(session, merged, "replied", f"已随主工单 {appeal.order_no} 办理答复：{text}")


def reply_to_appeal(
    session: Session,
    appeal: Appeal,
    *,
    actor: User | None,
    text: str,
    attachments: Sequence[dict] = (),
    expected_version: int | None = None,
) -> Appeal:
    """答复 with text and proof photos: in_progress → replied. The appellant must have been contacted first."""
    unit_id = require_lead_handler(session, appeal, actor)
    text = require_text(text, "text", "答复内容", "reply", minimum=5)
    if appeal.first_contact_at is None and appeal.appellant_phone:
        raise InvalidInput("答复前须先联系诉求人", "contact the appellant before replying", field="text")
    now = utcnow()
    event = transition(
        session,
        appeal,
        Action.REPLY,
        actor=actor,
        unit_id=unit_id,
        note=text,
        payload={"photos": len(attachments), "on_time": bool(appeal.due_at is None or now <= appeal.due_at)},
        expected_version=expected_version,
        now=now,
    )
    save_attachments(session, appeal, event, attachments, "proof")
    withdraw_pending_requests(appeal, now=now, note="工单已答复")
    finish_reply(session, appeal, text, now)
    flush(session)
    return appeal


def note_visit_result(appeal: Appeal, *, solved: bool | None, satisfaction) -> None:
    """A return visit reached the resident (``visits.service.record_return_visit``): keep what they said on the
    appeal; the visit verb then closes or reopens it."""
    appeal.contacted, appeal.solved, appeal.satisfaction = True, solved, satisfaction


def close_appeal(
    session: Session,
    appeal: Appeal,
    *,
    actor: User | None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Appeal:
    """办结: a replied appeal is closed (after a satisfactory visit, or by the centre)."""
    require_role(session, actor, (Role.DISPATCHER, Role.VISITOR))
    now = utcnow()
    transition(session, appeal, Action.CLOSE, actor=actor, note=note, expected_version=expected_version, now=now)
    appeal.closed_at = now
    flush(session)
    return appeal


def reopen_appeal(
    session: Session, appeal: Appeal, *, actor: User | None, reason: str, expected_version: int | None = None
) -> Appeal:
    """重办: a replied appeal goes back to its lead unit with a fresh handling limit.

    An appeal no unit ever led (answered directly by the operator) has no unit to go back to: it
    returns to the dispatch queue (received), and the event says why."""
    require_role(session, actor, (Role.DISPATCHER, Role.VISITOR))
    reason = require_text(reason, "reason", "重办原因", "reason for reopening")
    now = utcnow()
    if appeal.lead_unit_id is None:
        transition(
            session,
            appeal,
            Action.REQUEUE,
            actor=actor,
            expected_version=expected_version,
            now=now,
            note=f"{reason}（该诉求曾直接答复，无承办单位，退回派单队列）",
            payload={"round": appeal.reopen_count + 1, "reason": "no_lead_unit", "requeued": True},
        )
        appeal.reopen_count += 1
        appeal.replied_at = None
        appeal.sign_due_at = appeal.contact_due_at = appeal.due_at = appeal.overdue_at = None
        notify_appellant(session, appeal, "reopened", "将重新派单办理。")
        flush(session)
        return appeal
    event = transition(
        session,
        appeal,
        Action.REOPEN,
        actor=actor,
        unit_id=appeal.lead_unit_id,
        note=reason,
        expected_version=expected_version,
        now=now,
    )
    appeal.reopen_count += 1
    appeal.replied_at = None
    with session.no_autoflush:  # the event is inserted once, with its payload
        event.payload = {"round": appeal.reopen_count, **_start_clock(session, appeal, now)}
    notify_appellant(session, appeal, "reopened", f"将重新办理，新的办理时限为 {local_text(appeal.due_at)}。")
    if appeal.lead_unit_id:
        notify_unit(
            session,
            appeal,
            appeal.lead_unit_id,
            "reopened",
            f"诉求人不满意，需重新办理（第 {appeal.reopen_count} 次），请于 {local_text(appeal.due_at)} 前答复。原因：{reason}",
        )
    flush(session)
    return appeal


def merge_appeal(
    session: Session,
    appeal: Appeal,
    into: Appeal,
    *,
    actor: User | None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Appeal:
    """并单: ``appeal`` follows ``into`` from now on; its appellant will get the main appeal's reply."""
    require_role(session, actor, CENTRE)
    if into.id == appeal.id or into.jurisdiction_id != appeal.jurisdiction_id:
        raise InvalidInput(
            "不能与自身或其他辖区的工单合并", "cannot merge into itself or another jurisdiction", field="into"
        )
    # Both rows are held from here to the commit and re-read: a concurrent merge the other way round, or a
    # concurrent 终止 of the main appeal, either finished first (and is seen below) or waits for this one.
    lock_appeals(session, appeal, into)
    check_version(appeal, expected_version)
    if AppealStatus(into.status) in {AppealStatus.MERGED, AppealStatus.NOT_ACCEPTED, AppealStatus.TERMINATED}:
        raise Conflict(
            f"主工单 {into.order_no} 状态为「{AppealStatus(into.status).label_zh}」，不能并入",
            f"the main appeal {into.order_no} is {AppealStatus(into.status).label_en.lower()} and cannot take merges",
            field="into",
        )
    now = utcnow()
    transition(
        session,
        appeal,
        Action.MERGE,
        actor=actor,
        note=note,
        payload={"into": into.order_no},
        expected_version=expected_version,
        now=now,
    )
    touch(session, into, now)  # the main appeal now has a follower: whoever acts on it from the old state gets a 409
    appeal.merged_into_id, appeal.closed_at = into.id, now
    for row in active_units(appeal):
        row.active = False
    withdraw_pending_requests(appeal, now=now, note="工单已并单")
    record_event(
        session,
        into,
        EventKind.NOTED,
        actor=actor,
        note=f"并入工单 {appeal.order_no}",
        payload={"merged": appeal.order_no},
        now=now,
    )
    notify_appellant(
        session, appeal, "merged", f"与工单 {into.order_no} 反映的是同一问题，已合并办理，结果将一并告知。"
    )
    if into.reply_text and AppealStatus(into.status) in {AppealStatus.REPLIED, AppealStatus.CLOSED}:
        # The main appeal was already answered: the merged appellant gets that answer now.
        record_event(
            session, appeal, MAIN_REPLIED, actor=None, note=into.reply_text, payload={"main": into.order_no}, now=now
        )
        notify_appellant(session, appeal, "replied", f"已随主工单 {into.order_no} 办理答复：{into.reply_text}")
    flush(session)
    return appeal


def terminate_appeal(
    session: Session, appeal: Appeal, *, actor: User | None, reason: str, expected_version: int | None = None
) -> Appeal:
    """终止办理, approved by the centre (e.g. the appellant refuses to cooperate)."""
    require_role(session, actor, CENTRE)
    reason = require_text(reason, "reason", "终止原因", "reason for termination", minimum=4)
    now = utcnow()
    transition(session, appeal, Action.TERMINATE, actor=actor, note=reason, expected_version=expected_version, now=now)
    appeal.terminate_reason, appeal.closed_at = reason, now
    for row in active_units(appeal):
        row.active = False
    withdraw_pending_requests(appeal, now=now, note="工单已终止")
    notify_appellant(session, appeal, "terminated", f"经热线中心审核终止办理：{reason}")
    flush(session)
    return appeal


def add_note(session: Session, appeal: Appeal, *, actor: User, note: str) -> Appeal:
    """An internal note (never shown to the resident); any staff member who can see the appeal."""
    require_can_see(session, appeal, actor)
    note = require_text(note, "note", "备注", "note")
    transition(session, appeal, Action.NOTE, actor=actor, note=note)
    flush(session)
    return appeal


def add_module_note(
    session: Session, appeal: Appeal, *, actor: User | None, note: str, label: str, payload: dict | None = None
) -> AppealEvent:
    """An internal note written by a module about its own work order (the care visit record on the alarm's
    appeal, …): the module has checked its own access rule, so the actor need not be able to open the appeal.
    ``label`` names the source in the history (``关爱探视`` …)."""
    note = require_text(note, "note", "备注", "note")
    actor_label = f"{label}·{actor.display_name}" if actor else label
    event = transition(session, appeal, Action.NOTE, actor=actor, note=note, payload=payload, actor_label=actor_label)
    flush(session)
    return event


def recategorize_appeal(
    session: Session,
    appeal: Appeal,
    category_id: int,
    *,
    actor: User | None,
    predicted_category_id: int | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Appeal:
    """改分类: the centre confirms or corrects the problem category (the ``after_recategorize`` hooks learn from it)."""
    require_role(session, actor, CENTRE)
    category = session.get(Category, category_id)
    if category is None or category.jurisdiction_id != appeal.jurisdiction_id or not category.active:
        raise InvalidInput("问题分类不存在或已停用", "unknown or inactive category", field="category_id")
    previous = appeal.category
    transition(
        session,
        appeal,
        Action.RECATEGORIZE,
        actor=actor,
        note=note,
        expected_version=expected_version,
        payload={"from": previous.name if previous else None, "to": category.name},
    )
    appeal.category_id, appeal.category = category.id, category
    run_hooks(  # e.g. routing: the centre's choice becomes a training label
        "after_recategorize",
        session,
        appeal,
        actor=actor,
        previous_category_id=previous.id if previous else None,
        predicted_category_id=predicted_category_id,
    )
    flush(session)
    return appeal


def mark_overdue(session: Session, appeal: Appeal, *, now: datetime) -> bool:
    """The overdue sweep's verb: once per handling round, past ``due_at``."""
    if appeal.overdue_at is not None or appeal.due_at is None or appeal.due_at >= now:
        return False
    transition(
        session,
        appeal,
        Action.MARK_OVERDUE,
        actor=None,
        unit_id=appeal.lead_unit_id,
        payload={"due_at": appeal.due_at.isoformat()},
        now=now,
    )
    appeal.overdue_at = now
    flush(session)
    return True


def get_appeal(session: Session, order_no: str) -> Appeal:
    appeal = session.scalar(select(Appeal).where(Appeal.order_no == order_no))
    if appeal is None:
        raise NotFound(f"工单 {order_no} 不存在", f"appeal {order_no} not found")
    return appeal


def __getattr__(name: str):
    """``SHANGHAI``, the older name of the local zone: code written before ``clock.local_zone()`` keeps working
    and now follows ``LIANXIN_TIMEZONE``. New code calls ``lianxin.clock.local_zone()``."""
    if name == "SHANGHAI":
        return local_zone()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
