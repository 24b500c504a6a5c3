"""Appointments: slots from opening hours on the working-day calendar, capacity, one hold per account,
cancelling frees the place, 取号 on the day, served and no-show; concurrent bookings never overbook."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lianxin.clock import local_zone, utcnow
from lianxin.db import make_sessionmaker
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.residents.models import ResidentAccount
from lianxin.services import appointments as ap
from lianxin.services import catalogue
from lianxin.services.models import Booking, Slot
from lianxin.services.status import BookingStatus


def test_slots_follow_the_working_day_calendar(db, city, cat, clock):
    assert len(ap.ensure_slots(db, cat.centre, date(2026, 3, 3))) == 6  # a Tuesday: 3 morning + 3 afternoon
    assert len(ap.ensure_slots(db, cat.centre, date(2026, 3, 3))) == 6  # idempotent
    assert ap.ensure_slots(db, cat.centre, date(2026, 3, 7)) == []  # Saturday
    assert ap.ensure_slots(db, cat.centre, date(2026, 4, 6)) == []  # 清明 holiday (Monday)
    holiday = ap.ensure_slots(db, cat.centre, date(2026, 4, 5))  # a holiday opening, as data
    assert [s.starts_at.astimezone(local_zone()).hour for s in holiday] == [9, 10, 11]
    days = ap.open_days(db, cat.centre, date(2026, 3, 2), 7)
    assert days == [date(2026, 3, d) for d in (2, 3, 4, 5, 6)]


def test_book_cancel_check_in_serve(db, city, cat, resident, clock):
    me, other, third = resident(), resident("13900000001"), resident("13900000002")
    slot = ap.ensure_slots(db, cat.centre, date(2026, 3, 3))[0]
    booking = ap.book(db, slot=slot, item=cat.subsidy, account=me)
    assert slot.booked == 1 and booking.status == BookingStatus.BOOKED
    with pytest.raises(Conflict, match="已预约"):
        ap.book(db, slot=slot, item=cat.subsidy, account=me)
    ap.book(db, slot=slot, item=cat.subsidy, account=other)
    with pytest.raises(Conflict, match="约满"):
        ap.book(db, slot=slot, item=cat.subsidy, account=third)
    ap.change(db, booking, "cancel", account=me)
    assert booking.status == BookingStatus.CANCELLED and booking.holder is None
    db.refresh(slot)
    assert slot.booked == 1
    again = ap.book(db, slot=slot, item=cat.subsidy, account=me)  # a cancelled place can be booked again
    assert again.id != booking.id
    with pytest.raises(NotFound):
        ap.change(db, again, "cancel", account=third)
    with pytest.raises(InvalidInput, match="当天"):
        ap.change(db, again, "check_in", account=me)
    clock.move_to("2026-03-03T08:50:00+08:00")
    ap.change(db, again, "check_in", account=me)
    assert again.ticket_no == "Y001" and again.status == BookingStatus.CHECKED_IN
    with pytest.raises(InvalidInput):
        ap.change(db, again, "serve", account=me)
    with pytest.raises(PermissionDenied):
        ap.change(db, again, "serve", actor=city.users["grid_worker"])
    ap.change(db, again, "serve", actor=city.users["operator"])
    assert again.status == BookingStatus.SERVED
    assert ap.day_queue(db, cat.centre, date(2026, 3, 3)) == sorted(
        db.scalars(select(Booking).where(Booking.slot_id == slot.id, Booking.status != "cancelled")), key=lambda b: b.id
    )
    assert again in ap.bookings_of(db, me)


def test_residents_are_reminded_the_day_before_once(db, city, cat, resident, clock, settings):
    from lianxin.notify import Notification

    me = resident()
    slot = ap.ensure_slots(db, cat.centre, date(2026, 3, 3))[2]
    booking = ap.book(db, slot=slot, item=cat.subsidy, account=me)
    ap.book(db, slot=ap.ensure_slots(db, cat.centre, date(2026, 3, 4))[0], item=cat.subsidy, account=me)
    assert ap.send_reminders(db, settings, utcnow()) == 1
    assert ap.send_reminders(db, settings, utcnow()) == 0  # once
    message = db.scalar(select(Notification.message).where(Notification.kind == "svc_reminder"))
    assert "明天 11:00" in message and "高龄津贴申领" in message
    ap.change(db, booking, "cancel", account=me)


def test_refusals_and_no_shows(db, city, cat, resident, clock, settings):
    me = resident()
    slot = ap.ensure_slots(db, cat.centre, date(2026, 3, 3))[0]
    with pytest.raises(InvalidInput, match="不在这个大厅"):
        cat.transfer.location_id = catalogue.create_location(db, jurisdiction_id=city.jid, code="B", name="分中心").id
        ap.book(db, slot=slot, item=cat.transfer, account=me)
    far = ap.ensure_slots(db, cat.centre, date(2026, 3, 30))[0]
    with pytest.raises(InvalidInput, match="14 天"):
        ap.book(db, slot=far, item=cat.subsidy, account=me)
    booking = ap.book(db, slot=slot, item=cat.subsidy, account=me)
    catalogue.set_item_status(db, cat.subsidy, "temporarily_closed", alert="系统升级", actor=None)
    with pytest.raises(InvalidInput, match="暂停"):
        ap.book(db, slot=ap.ensure_slots(db, cat.centre, date(2026, 3, 4))[0], item=cat.subsidy, account=me)
    with pytest.raises(InvalidInput, match="结束后"):
        ap.change(db, booking, "no_show", actor=city.users["operator"])
    clock.move_to("2026-03-03T09:10:00+08:00")
    with pytest.raises(InvalidInput, match="已开始"):
        ap.change(db, booking, "cancel", account=me)
    with pytest.raises(InvalidInput, match="已过"):
        ap.book(db, slot=slot, item=cat.water, account=resident("13900000005"))
    with pytest.raises(InvalidInput):
        ap.change(db, booking, "no_show", account=me)
    clock.move_to("2026-03-04T08:00:00+08:00")
    assert ap.mark_no_shows(db, settings, utcnow()) == 1
    assert booking.status == BookingStatus.NO_SHOW and ap.mark_no_shows(db, settings, utcnow()) == 0
    with pytest.raises(NotFound):
        ap.book(db, slot=slot, item=cat.subsidy, account=ResidentAccount(id=0, jurisdiction_id=-1, phone="1"))


def test_concurrent_bookings_never_overbook(engine, settings, db, city, cat, resident):
    """Eight residents race for a slot of two places in their own transactions: exactly two win."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: row locks across connections (SQLite serialises writers anyway)")
    from tests.factories import build_city
    from tests.services.conftest import build_catalogue

    factory = make_sessionmaker(engine, settings)
    with factory() as setup:
        town = build_city(setup)
        centre, item = build_catalogue(setup, town)
        day = date.today() + timedelta(1)
        while not ap.periods(setup, centre, day):
            day += timedelta(1)
        slot = ap.ensure_slots(setup, centre, day)[0]
        accounts = []
        for n in range(8):
            account = ResidentAccount(
                jurisdiction_id=town.jid, phone=f"1390000{n:04d}", verified_at=utcnow(), last_login_at=utcnow()
            )
            setup.add(account)
            accounts.append(account)
        setup.commit()
        slot_id, item_id, account_ids, jid = slot.id, item.id, [a.id for a in accounts], town.jid
    results: list[str] = []
    barrier = threading.Barrier(8)

    def attempt(account_id: int) -> None:
        with factory() as session:
            barrier.wait()
            try:
                ap.book(
                    session,
                    slot=session.get(Slot, slot_id),
                    item=session.get(type(item), item_id),
                    account=session.get(ResidentAccount, account_id),
                )
                session.commit()
                results.append("ok")
            except Conflict:
                session.rollback()
                results.append("full")

    threads = [threading.Thread(target=attempt, args=(a,)) for a in account_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    try:
        assert sorted(results) == ["full"] * 6 + ["ok"] * 2
        with factory() as check:
            assert check.get(Slot, slot_id).booked == 2
            assert len(check.scalars(select(Booking).where(Booking.slot_id == slot_id)).all()) == 2
    finally:
        with factory() as cleanup:
            cleanup.execute(Booking.__table__.delete().where(Booking.jurisdiction_id == jid))
            cleanup.commit()
