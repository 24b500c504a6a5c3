"""预约: slots cut from a location's opening hours on the working-day calendar (holidays closed, 调休 days
open, special days as data), booking and cancelling by residents, 取号 at the centre, served and no-show.

No double booking: a booking takes its place with one conditional ``UPDATE … SET booked = booked + 1
WHERE booked < capacity`` (the row lock serialises concurrent bookings on PostgreSQL, the database lock on
SQLite), and one account holds a slot at most once (a unique key)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lianxin.clock import local_zone, utcnow
from lianxin.db import insert_or_ignore
from lianxin.errors import Conflict, InvalidInput, NotFound
from lianxin.notify import queue_notification
from lianxin.orgs.models import User
from lianxin.orgs.service import require_role
from lianxin.residents.models import ResidentAccount
from lianxin.services.models import Booking, ServiceItem, ServiceLocation, Slot, Ticket
from lianxin.services.service import STAFF_ROLES, today
from lianxin.services.status import (
    BOOKING_HOLDS,
    BookingAction,
    BookingStatus,
    ItemStatus,
    TicketStatus,
    day_slots,
    next_booking_status,
    opening_periods,
)
from lianxin.services.windows import expire_tickets, ticket_for_booking, windows_of
from lianxin.sla.service import get_calendar

BOOK_AHEAD_DAYS = 14


def periods(session: Session, location: ServiceLocation, day: date) -> list[tuple[str, str]]:
    calendar = get_calendar(session, location.jurisdiction_id)
    return opening_periods(day, calendar.is_workday(day), location.hours, location.special_days)


def ensure_slots(session: Session, location: ServiceLocation, day: date) -> list[Slot]:
    """The day's slots, created on first look (idempotent, safe when two requests create them at once): one
    lane per active window (its own capacity) when the centre has windows, else one for the whole centre."""
    lanes = [(w.id, w.slot_capacity) for w in windows_of(session, location)] or [(0, location.slot_capacity)]
    for spec in day_slots(periods(session, location, day), location.slot_minutes):
        for lane, capacity in lanes:
            insert_or_ignore(
                session,
                Slot.__table__,
                dict(
                    jurisdiction_id=location.jurisdiction_id,
                    location_id=location.id,
                    window_id=lane or None,
                    lane=lane,
                    day=day,
                    starts_at=datetime.combine(day, spec.starts, tzinfo=local_zone()).astimezone(UTC),
                    ends_at=datetime.combine(day, spec.ends, tzinfo=local_zone()).astimezone(UTC),
                    capacity=capacity,
                    booked=0,
                ),
                ["location_id", "lane", "starts_at"],
            )
    wanted = [lane for lane, _ in lanes]
    return list(
        session.scalars(
            select(Slot)
            .where(Slot.location_id == location.id, Slot.day == day, Slot.lane.in_(wanted))
            .order_by(Slot.starts_at, Slot.lane)
        )
    )


def times_for(slots: list[Slot], item: ServiceItem | None) -> list[tuple[Slot, int]]:
    """What a resident chooses from: one row per start time with the places left at the windows that handle
    ``item``; the slot offered is the one with the most room (the window is assigned, not chosen)."""
    best: dict[datetime, tuple[Slot, int]] = {}
    for slot in slots:
        if item is not None and slot.window is not None and not slot.window.handles(item.id):
            continue
        left = slot.capacity - slot.booked
        seen = best.get(slot.starts_at)
        if seen is None:
            best[slot.starts_at] = (slot, left)
        else:
            room = max((seen[0], seen[0].capacity - seen[0].booked), (slot, left), key=lambda p: p[1])[0]
            best[slot.starts_at] = (room, seen[1] + left)
    return [best[k] for k in sorted(best)]


def open_days(session: Session, location: ServiceLocation, start: date, days: int = BOOK_AHEAD_DAYS) -> list[date]:
    return [start + timedelta(n) for n in range(days) if periods(session, location, start + timedelta(n))]


def book(
    session: Session, *, slot: Slot, item: ServiceItem, account: ResidentAccount, now: datetime | None = None
) -> Booking:
    now = now or utcnow()
    if slot.jurisdiction_id != account.jurisdiction_id or item.jurisdiction_id != account.jurisdiction_id:
        raise NotFound("时段不存在", "no such slot")
    if item.status != ItemStatus.ACTIVE:
        raise InvalidInput(f"「{item.name}」暂停办理", f"{item.code} is closed now", field="item")
    if item.location_id not in (None, slot.location_id):
        raise InvalidInput("该事项不在这个大厅办理", "the item is not handled at this centre", field="item")
    if slot.window is not None and not slot.window.handles(item.id):
        raise InvalidInput("这个窗口不办理该事项", "this window does not handle the item", field="slot")
    if slot.starts_at <= now:
        raise InvalidInput("时段已过", "the slot has passed", field="slot")
    if slot.day > today(now) + timedelta(BOOK_AHEAD_DAYS):
        raise InvalidInput(
            f"最多预约 {BOOK_AHEAD_DAYS} 天内", f"book at most {BOOK_AHEAD_DAYS} days ahead", field="slot"
        )
    try:
        with session.begin_nested():
            taken = session.execute(
                update(Slot).where(Slot.id == slot.id, Slot.booked < Slot.capacity).values(booked=Slot.booked + 1)
            ).rowcount
            if not taken:
                raise Conflict("该时段已约满，请选择其他时段", "the slot is full; choose another", field="slot")
            booking = Booking(
                jurisdiction_id=slot.jurisdiction_id,
                slot_id=slot.id,
                item_id=item.id,
                account_id=account.id,
                holder=f"{slot.id}:{account.id}",
                created_at=now,
            )
            session.add(booking)
            session.flush()
    except IntegrityError:
        raise Conflict("您已预约了这个时段", "you already hold this slot", field="slot") from None
    session.refresh(slot)
    return booking


def _release(session: Session, booking: Booking) -> None:
    session.execute(update(Slot).where(Slot.id == booking.slot_id, Slot.booked > 0).values(booked=Slot.booked - 1))
    booking.holder = None


def change(
    session: Session,
    booking: Booking,
    action: BookingAction | str,
    *,
    account: ResidentAccount | None = None,
    actor: User | None = None,
    now: datetime | None = None,
) -> Booking:
    """Cancel (the resident, before the slot starts), check in (取号: at the centre on the day), serve or mark
    a no-show (the centre's staff). The system (no account, no actor) marks no-shows after the day."""
    now = now or utcnow()
    action = BookingAction(action)
    if account is not None:
        if booking.account_id != account.id:
            raise NotFound("预约不存在", "no such booking")
        if action not in (BookingAction.CANCEL, BookingAction.CHECK_IN):
            raise InvalidInput("无效操作", "not allowed", field="action")
    else:
        require_role(session, actor, STAFF_ROLES)
    new = next_booking_status(booking.status, action)
    slot = booking.slot
    if action == BookingAction.CANCEL and slot.starts_at <= now:
        raise InvalidInput("时段已开始，不能取消", "the slot has started", field="action")
    if action == BookingAction.CHECK_IN:
        if slot.day != today(now) or now > slot.ends_at:
            raise InvalidInput(
                "请在预约当天、时段结束前取号", "check in on the day, before the slot ends", field="action"
            )
        holder = account or session.get(ResidentAccount, booking.account_id)
        booking.ticket_no = ticket_for_booking(session, booking, holder, now).number  # 取号: joins the queue
    if action == BookingAction.NO_SHOW and now < slot.ends_at:
        raise InvalidInput("时段结束后才能标记爽约", "mark a no-show after the slot ends", field="action")
    booking.status, booking.changed_at = new, now
    if new not in BOOKING_HOLDS:
        _release(session, booking)
    if action == BookingAction.SERVE:  # served from the day's list: its queue ticket is done too
        ticket = session.scalar(select(Ticket).where(Ticket.booking_id == booking.id))
        if ticket is not None and ticket.status != TicketStatus.SERVED:
            ticket.status, ticket.finished_at = TicketStatus.SERVED, now
            ticket.served_by_id = actor.id if actor else None
    session.flush()
    return booking


def serve_booking(session: Session, booking: Booking, now: datetime) -> None:
    """The booking behind a ticket served at a window (the window's verb calls this)."""
    if booking.status == BookingStatus.CHECKED_IN:
        booking.status = next_booking_status(booking.status, BookingAction.SERVE)
        booking.changed_at = now
        session.flush()


def bookings_of(session: Session, account: ResidentAccount) -> list[Booking]:
    return list(
        session.scalars(select(Booking).where(Booking.account_id == account.id).order_by(Booking.id.desc()).limit(100))
    )


def day_queue(session: Session, location: ServiceLocation, day: date) -> list[Booking]:
    return list(
        session.scalars(
            select(Booking)
            .join(Slot, Slot.id == Booking.slot_id)
            .where(Slot.location_id == location.id, Slot.day == day, Booking.status != BookingStatus.CANCELLED)
            .order_by(Slot.starts_at, Booking.id)
        )
    )


def mark_no_shows(session, settings, now: datetime) -> int:
    """Job: bookings never checked in whose slot ended become no-shows (and free nothing: the slot is past);
    queue numbers of earlier days never served are closed."""
    rows = session.scalars(
        select(Booking)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(Booking.status == BookingStatus.BOOKED, Slot.ends_at < now)
        .with_for_update(skip_locked=True, of=Booking)
        .limit(1000)
    ).all()
    for booking in rows:
        change(session, booking, BookingAction.NO_SHOW, now=now)
    return len(rows) + expire_tickets(session, now)


def send_reminders(session, settings, now: datetime) -> int:
    """Job: an SMS the day before to every booking still held for tomorrow (once per booking)."""
    tomorrow = today(now) + timedelta(days=1)
    rows = session.scalars(
        select(Booking)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(Booking.status == BookingStatus.BOOKED, Slot.day == tomorrow)
        .order_by(Booking.id)
    ).all()
    sent = 0
    for booking in rows:
        account = session.get(ResidentAccount, booking.account_id)
        slot = booking.slot
        queued = queue_notification(
            session,
            jurisdiction_id=booking.jurisdiction_id,
            kind="svc_reminder",
            audience="resident",
            recipient=account.phone,
            message=(
                f"【政务服务】提醒：您预约了明天 {slot.starts_at.astimezone(local_zone()):%H:%M} 在{slot.location.name}"
                f"办理「{booking.item.name}」，请带齐材料，到厅后取号。不能前来请提前取消。"
            ),
            dedupe_key=f"svc-remind:{booking.id}",
        )
        sent += queued is not None
    return sent
