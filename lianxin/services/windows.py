"""窗口与叫号: a centre's windows (the items each handles, residents per appointment slot), queue tickets for
walk-ins (``A001``) and for bookings checked in (``Y001``), calling the next ticket to a window, serving or
skipping it, and the 一次一评 rating of that window visit through the link on the ticket slip and in the SMS
(``/services/rate/{token}``), with no account needed.

Two windows calling at once never get the same ticket: the next ticket is claimed with ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL (SQLite serialises writers). A day's numbers are unique per centre (a unique key; a
clash is retried)."""

from __future__ import annotations

import io
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import segno
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound
from lianxin.notify import queue_notification
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import require_role
from lianxin.residents.models import ResidentAccount
from lianxin.residents.service import normalize_phone
from lianxin.services.models import Booking, Evaluation, ServiceItem, ServiceLocation, ServiceWindow, Ticket
from lianxin.services.service import STAFF_ROLES, today
from lianxin.services.status import (
    BAD_LEVELS,
    OFFLINE_INDICATORS,
    ItemStatus,
    TicketAction,
    TicketStatus,
    next_ticket_status,
    ticket_number,
)

RATE_DAYS = 7  # a visit can be rated for a week after it was served
WALK_IN, APPOINTMENT = "walk_in", "appointment"
PREFIX = {WALK_IN: "A", APPOINTMENT: "Y"}


# --- windows ----------------------------------------------------------------------------------------


def windows_of(session: Session, location: ServiceLocation, *, active_only: bool = True) -> list[ServiceWindow]:
    stmt = select(ServiceWindow).where(ServiceWindow.location_id == location.id)
    if active_only:
        stmt = stmt.where(ServiceWindow.active.is_(True))
    return list(session.scalars(stmt.order_by(ServiceWindow.code)))


def window_by_id(session: Session, jurisdiction_id: int, window_id: int) -> ServiceWindow:
    window = session.get(ServiceWindow, window_id)
    if window is None or window.jurisdiction_id != jurisdiction_id:
        raise NotFound("窗口不存在", "no such window")
    return window


def save_window(
    session: Session,
    *,
    location: ServiceLocation,
    code: str,
    name: str,
    items: Sequence[ServiceItem] = (),
    slot_capacity: int = 1,
    active: bool = True,
    actor: User | None,
) -> ServiceWindow:
    """Create or update (by code) a window of ``location``: admins only. Slots already cut keep their capacity;
    new days use the new one."""
    require_role(session, actor, (Role.ADMIN,))
    code, name = code.strip().upper(), name.strip()
    if not code or len(code) > 16 or not code.replace("-", "").isalnum():
        raise InvalidInput("窗口编号为 1–16 位字母或数字", "a window code is 1–16 letters or digits", field="code")
    if not 2 <= len(name) <= 100:
        raise InvalidInput("请填写窗口名称", "enter the window's name", field="name")
    if not 1 <= slot_capacity <= 20:
        raise InvalidInput("每个时段可约 1–20 人", "a slot takes 1–20 residents", field="slot_capacity")
    for item in items:
        if item.jurisdiction_id != location.jurisdiction_id or item.location_id not in (None, location.id):
            raise InvalidInput(f"「{item.name}」不在这个大厅办理", f"{item.code} is not handled here", field="items")
    window = session.scalar(
        select(ServiceWindow).where(ServiceWindow.location_id == location.id, ServiceWindow.code == code)
    )
    if window is None:
        window = ServiceWindow(jurisdiction_id=location.jurisdiction_id, location_id=location.id, code=code)
        session.add(window)
    window.name, window.item_ids = name, sorted({i.id for i in items})
    window.slot_capacity, window.active = slot_capacity, active
    session.flush()
    return window


# --- tickets ----------------------------------------------------------------------------------------


def _issue(session: Session, ticket: Ticket, kind: str) -> Ticket:
    """Give ``ticket`` the day's next number of its kind; a number taken at the same moment is retried."""
    for _ in range(5):
        issued = session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.location_id == ticket.location_id, Ticket.day == ticket.day, Ticket.kind == kind)
        )
        ticket.number = ticket_number(PREFIX[kind], issued or 0)
        try:
            with session.begin_nested():
                session.add(ticket)
                session.flush()
            return ticket
        except IntegrityError:
            continue
    raise Conflict("取号繁忙，请重试", "the queue is busy; try again")  # pragma: no cover - five clashes in a row


def take_ticket(
    session: Session,
    *,
    location: ServiceLocation,
    item: ServiceItem,
    phone: str = "",
    actor: User | None,
    now: datetime | None = None,
) -> Ticket:
    """现场取号 for a walk-in at the front desk (导办台): the item they came for and, if they like, a mobile
    number for the call and the rating link."""
    require_role(session, actor, STAFF_ROLES)
    now = now or utcnow()
    if item.jurisdiction_id != location.jurisdiction_id or item.location_id not in (None, location.id):
        raise InvalidInput("该事项不在这个大厅办理", "the item is not handled at this centre", field="item")
    if item.status != ItemStatus.ACTIVE:
        raise InvalidInput(f"「{item.name}」暂停办理", f"{item.code} is closed now", field="item")
    if windows_of(session, location) and not any(w.handles(item.id) for w in windows_of(session, location)):
        raise InvalidInput("没有窗口办理这个事项", "no window handles this item", field="item")
    ticket = Ticket(
        jurisdiction_id=location.jurisdiction_id,
        location_id=location.id,
        day=today(now),
        kind=WALK_IN,
        item_id=item.id,
        phone=normalize_phone(phone) if phone.strip() else "",
        issued_at=now,
        rate_token=secrets.token_urlsafe(18),
    )
    return _issue(session, ticket, WALK_IN)


def ticket_for_booking(session: Session, booking: Booking, account: ResidentAccount, now: datetime) -> Ticket:
    """取号 of a booking checked in on the day: an appointment ticket (called before walk-ins)."""
    slot = booking.slot
    ticket = Ticket(
        jurisdiction_id=booking.jurisdiction_id,
        location_id=slot.location_id,
        day=slot.day,
        kind=APPOINTMENT,
        item_id=booking.item_id,
        booking_id=booking.id,
        window_id=slot.window_id,
        phone=account.phone,
        issued_at=now,
        rate_token=secrets.token_urlsafe(18),
    )
    return _issue(session, ticket, APPOINTMENT)


def _order():
    """Bookings first (their slot's window, then issue order), then walk-ins in issue order."""
    return (case((Ticket.kind == APPOINTMENT, 0), else_=1), Ticket.issued_at, Ticket.id)


def queue(session: Session, location: ServiceLocation, day) -> list[Ticket]:
    return list(
        session.scalars(
            select(Ticket).where(Ticket.location_id == location.id, Ticket.day == day).order_by(*_order()).limit(2000)
        )
    )


def call_next(session: Session, window: ServiceWindow, *, actor: User | None, now: datetime | None = None) -> Ticket:
    """叫号: the next waiting ticket this window may serve (its items; a booking made for another window
    waits for that one) becomes called to this window."""
    require_role(session, actor, STAFF_ROLES)
    now = now or utcnow()
    if not window.active:
        raise InvalidInput("窗口已停用", "the window is closed", field="window")
    stmt = (
        select(Ticket)
        .where(
            Ticket.location_id == window.location_id,
            Ticket.day == today(now),
            Ticket.status == TicketStatus.WAITING,
            (Ticket.window_id.is_(None)) | (Ticket.window_id == window.id),
        )
        .order_by(*_order())
    )
    if window.item_ids:
        stmt = stmt.where(Ticket.item_id.in_(window.item_ids))
    ticket = session.scalars(stmt.with_for_update(skip_locked=True, of=Ticket).limit(1)).first()
    if ticket is None:
        raise NotFound("没有等候的号", "nobody is waiting for this window")
    return act_on_ticket(session, ticket, TicketAction.CALL, window=window, actor=actor, now=now)


def act_on_ticket(
    session: Session,
    ticket: Ticket,
    action: TicketAction | str,
    *,
    window: ServiceWindow | None = None,
    actor: User | None,
    now: datetime | None = None,
) -> Ticket:
    """Call a ticket to a window, serve it (a booking's visit is served too; an SMS brings the rating link),
    mark it missed (过号) or put a missed ticket back in the queue."""
    require_role(session, actor, STAFF_ROLES)
    now = now or utcnow()
    action = TicketAction(action)
    new = next_ticket_status(ticket.status, action)
    if action == TicketAction.CALL:
        if window is None or window.location_id != ticket.location_id:
            raise InvalidInput("请选择本大厅的窗口", "choose a window of this centre", field="window")
        if window.item_ids and ticket.item_id not in window.item_ids:
            raise InvalidInput("这个窗口不办理该事项", "this window does not handle the item", field="window")
        ticket.window, ticket.called_at = window, now
    if action == TicketAction.SERVE:
        ticket.finished_at, ticket.served_by_id = now, actor.id if actor else None
        if ticket.booking_id is not None:
            from lianxin.services.appointments import serve_booking

            serve_booking(session, session.get(Booking, ticket.booking_id), now)
        if ticket.phone:
            queue_notification(
                session,
                jurisdiction_id=ticket.jurisdiction_id,
                kind="svc_rate_link",
                audience="resident",
                recipient=ticket.phone,
                message=(
                    f"【政务服务】您在{ticket.location.name}{ticket.window.name if ticket.window else ''}"
                    f"的办理已完成，请为本次服务评价（一次一评）：/services/rate/{ticket.rate_token}"
                ),
                dedupe_key=f"svc-rate:{ticket.id}",
            )
    if action == TicketAction.SKIP:
        ticket.finished_at = now
    if action == TicketAction.RECALL:
        ticket.finished_at = None
        if ticket.booking_id is None:
            ticket.window = None
    ticket.status = new
    session.flush()
    return ticket


def expire_tickets(session: Session, now: datetime) -> int:
    """Numbers of earlier days still waiting or called when the hall closed are closed (过号离开)."""
    rows = session.scalars(
        select(Ticket)
        .where(Ticket.day < today(now), Ticket.status.in_([TicketStatus.WAITING, TicketStatus.CALLED]))
        .with_for_update(skip_locked=True, of=Ticket)
        .limit(1000)
    ).all()
    for ticket in rows:
        ticket.status = next_ticket_status(ticket.status, TicketAction.EXPIRE)
        ticket.finished_at = now
    session.flush()
    return len(rows)


def ticket_by_id(session: Session, jurisdiction_id: int, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.jurisdiction_id != jurisdiction_id:
        raise NotFound("号码不存在", "no such ticket")
    return ticket


def ticket_by_token(session: Session, token: str) -> Ticket:
    ticket = session.scalar(select(Ticket).where(Ticket.rate_token == token)) if 8 <= len(token) <= 48 else None
    if ticket is None:
        raise NotFound("评价链接无效", "this rating link is not valid")
    return ticket


def rate_ticket(
    session: Session,
    ticket: Ticket,
    *,
    level: object,
    scores: Mapping[str, object] | None = None,
    text: str = "",
    phone: str = "",
    now: datetime | None = None,
) -> Evaluation:
    """一次一评 from the ticket's link: the visit must be served and at most ``RATE_DAYS`` old; once per visit
        (a booking rated from 我的预约 counts). A 差评 opens its rectification work order like any other; a walk-in
    who gave no number at the desk may leave one for the return visit (else the work order is anonymous)."""
    from lianxin.services.ratings import _level, _open_work_order, _save, _scores

    now = now or utcnow()
    if ticket.status != TicketStatus.SERVED or ticket.finished_at is None:
        raise InvalidInput("办理完成后才能评价", "rate once you were served", field="level")
    if now - ticket.finished_at > timedelta(days=RATE_DAYS):
        raise InvalidInput(f"评价链接已超过 {RATE_DAYS} 天", f"the link expired after {RATE_DAYS} days", field="level")
    value = _level(level)
    if value in BAD_LEVELS and len(text.strip()) < 4:
        raise InvalidInput("差评请写明不满意的原因", "say what went wrong", field="text")
    contact = ticket.phone or (normalize_phone(phone) if phone.strip() else "")
    if ticket.item is None:  # pragma: no cover - every ticket is issued for an item
        raise InvalidInput("号码没有事项", "the ticket has no item")
    booking = session.get(Booking, ticket.booking_id) if ticket.booking_id else None
    evaluation = Evaluation(
        jurisdiction_id=ticket.jurisdiction_id,
        ticket_id=ticket.id,
        booking_id=ticket.booking_id,
        window_id=ticket.window_id,
        item_id=ticket.item_id,
        department_id=ticket.item.department_id,
        account_id=booking.account_id if booking else None,
        channel="window",
        level=value,
        scores=_scores(scores or {}, OFFLINE_INDICATORS),
        text=text.strip()[:1000],
        created_at=now,
    )
    _save(session, evaluation)
    if value in BAD_LEVELS:
        _open_work_order(session, evaluation, "办事群众", contact, now)
    return evaluation


def rating_of(session: Session, ticket: Ticket) -> Evaluation | None:
    stmt = select(Evaluation).where(Evaluation.ticket_id == ticket.id)
    if ticket.booking_id:
        stmt = select(Evaluation).where(
            (Evaluation.ticket_id == ticket.id) | (Evaluation.booking_id == ticket.booking_id)
        )
    return session.scalars(stmt).first()


def board(session: Session, location: ServiceLocation, now: datetime | None = None) -> dict:
    """The hall's display: the number each window is calling, and how many wait."""
    rows = queue(session, location, today(now))
    calling = {t.window_id: t for t in rows if t.status == TicketStatus.CALLED}
    return {
        "windows": [(w, calling.get(w.id)) for w in windows_of(session, location)],
        "waiting": [t for t in rows if t.status == TicketStatus.WAITING],
    }


def qr_svg(url: str) -> str:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()
