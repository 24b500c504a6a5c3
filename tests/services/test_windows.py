"""Windows and the hall queue: per-window slots, walk-in numbers, calling the next number (bookings first, a
window only calls what it handles), serving (the booking too, the rating SMS), skipping and re-queueing, the
一次一评 rating by link with no account, its 差评 work order, and ratings ranked by window."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lianxin.appeals.models import Appeal
from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.notify import Notification
from lianxin.services import appointments as ap
from lianxin.services import catalogue, ratings
from lianxin.services import windows as win
from lianxin.services.models import Booking, Evaluation, Slot
from lianxin.services.status import BookingStatus, EvalStatus, TicketStatus, wait_ahead


@pytest.fixture
def hall(db, city, cat):
    admin = city.users["admin"]
    general = win.save_window(db, location=cat.centre, code="a01", name="综合受理窗口", slot_capacity=2, actor=admin)
    elderly = win.save_window(
        db, location=cat.centre, code="A02", name="老年服务窗口", items=[cat.subsidy], slot_capacity=1, actor=admin
    )
    return general, elderly


def test_only_admins_set_windows_and_bad_input_changes_nothing(db, city, cat, hall):
    general, elderly = hall
    assert general.code == "A01" and general.handles(cat.transfer.id) and not elderly.handles(cat.transfer.id)
    with pytest.raises(PermissionDenied):
        win.save_window(db, location=cat.centre, code="A09", name="窗口", actor=city.users["operator"])
    for kwargs, field in (
        ({"code": "", "name": "窗口"}, "code"),
        ({"code": "A 1", "name": "窗口"}, "code"),
        ({"code": "A09", "name": "窗"}, "name"),
        ({"code": "A09", "name": "窗口", "slot_capacity": 0}, "slot_capacity"),
    ):
        with pytest.raises(InvalidInput) as caught:
            win.save_window(db, location=cat.centre, actor=city.users["admin"], **kwargs)
        assert caught.value.field == field
    other = catalogue.create_location(db, jurisdiction_id=city.jid, code="FZ", name="分中心")
    elsewhere = catalogue.save_item(
        db,
        jurisdiction_id=city.jid,
        code="FZ-1",
        name="分中心事项",
        department=city.units["street"],
        legal_limit_days=5,
        promised_limit_days=5,
        location=other,
    )
    with pytest.raises(InvalidInput, match="不在这个大厅"):
        win.save_window(db, location=cat.centre, code="A09", name="窗口", items=[elsewhere], actor=city.users["admin"])
    changed = win.save_window(
        db,
        location=cat.centre,
        code="A02",
        name="老年服务窗口",
        slot_capacity=3,
        active=False,
        actor=city.users["admin"],
    )
    assert changed.id == elderly.id and changed.slot_capacity == 3 and not changed.active
    assert [w.code for w in win.windows_of(db, cat.centre)] == ["A01"]
    assert len(win.windows_of(db, cat.centre, active_only=False)) == 2


def test_a_centre_with_windows_books_per_window(db, city, cat, hall, resident, clock):
    general, elderly = hall
    slots = ap.ensure_slots(db, cat.centre, date(2026, 3, 3))
    assert len(slots) == 12 and {s.window_id for s in slots} == {general.id, elderly.id}
    assert {(s.window_id, s.capacity) for s in slots} == {(general.id, 2), (elderly.id, 1)}
    times = ap.times_for(slots, cat.subsidy)
    assert len(times) == 6 and times[0][1] == 3  # both windows handle the subsidy: 2 + 1 places
    assert [left for _, left in ap.times_for(slots, cat.transfer)][:1] == [2]  # only the general window
    first = times[0][0]
    assert first.window_id == general.id  # the window with the most room
    me = resident()
    booking = ap.book(db, slot=first, item=cat.subsidy, account=me)
    assert booking.slot.window_id == general.id
    elderly_slot = next(s for s in slots if s.window_id == elderly.id)
    with pytest.raises(InvalidInput, match="不办理"):
        ap.book(db, slot=elderly_slot, item=cat.transfer, account=resident("13900000011"))
    db.refresh(first)
    assert ap.times_for(slots, cat.subsidy)[0][1] == 2


def test_walk_ins_bookings_and_calling_the_next_number(db, city, cat, hall, resident, clock):
    general, elderly = hall
    operator = city.users["operator"]
    with pytest.raises(PermissionDenied):
        win.take_ticket(db, location=cat.centre, item=cat.subsidy, actor=city.users["grid_worker"])
    a1 = win.take_ticket(db, location=cat.centre, item=cat.transfer, phone="139 1111 2222", actor=operator)
    a2 = win.take_ticket(db, location=cat.centre, item=cat.subsidy, actor=operator)
    assert (a1.number, a2.number, a1.phone, a2.phone) == ("A001", "A002", "13911112222", "")
    with pytest.raises(InvalidInput, match="手机"):
        win.take_ticket(db, location=cat.centre, item=cat.subsidy, phone="12345", actor=operator)
    # a booking checked in today joins the queue ahead of the walk-ins
    me = resident()
    slot = next(s for s in ap.ensure_slots(db, cat.centre, date(2026, 3, 2)) if s.window_id == elderly.id)
    clock.move_to("2026-03-02T08:00:00+08:00")
    booking = ap.book(db, slot=slot, item=cat.subsidy, account=me)
    clock.move_to("2026-03-02T09:10:00+08:00")
    ap.change(db, booking, "check_in", account=me)
    assert booking.ticket_no == "Y001"
    queue = win.queue(db, cat.centre, date(2026, 3, 2))
    assert [t.number for t in queue] == ["Y001", "A001", "A002"]
    assert wait_ahead([(t.id, t.status) for t in queue], a2.id) == 2
    # the general window cannot take the elderly window's booking; it calls the first walk-in
    called = win.call_next(db, general, actor=operator)
    assert called.number == "A001" and called.status == TicketStatus.CALLED and called.window_id == general.id
    y = win.call_next(db, elderly, actor=city.users["street_handler"])
    assert y.number == "Y001"
    assert win.call_next(db, general, actor=operator).number == "A002"
    with pytest.raises(NotFound, match="没有等候"):
        win.call_next(db, elderly, actor=operator)
    # serving the booking's ticket serves the booking and sends the rating link
    win.act_on_ticket(db, y, "serve", actor=city.users["street_handler"])
    assert booking.status == BookingStatus.SERVED and y.finished_at is not None
    sms = db.scalars(select(Notification).where(Notification.kind == "svc_rate_link")).all()
    assert [n.recipient for n in sms] == [me.phone] and f"/services/rate/{y.rate_token}" in sms[0].message
    with pytest.raises(Conflict):
        win.act_on_ticket(db, y, "skip", actor=operator)
    # a missed number goes back to the queue and is called again
    win.act_on_ticket(db, called, "skip", actor=operator)
    assert called.status == TicketStatus.LEFT
    win.act_on_ticket(db, called, "recall", actor=operator)
    assert called.status == TicketStatus.WAITING and called.window_id is None
    with pytest.raises(InvalidInput, match="不办理"):
        win.act_on_ticket(db, called, "call", window=elderly, actor=operator)
    win.act_on_ticket(db, called, "call", window=general, actor=operator)
    win.act_on_ticket(db, called, "serve", actor=operator)
    assert len(db.scalars(select(Notification).where(Notification.kind == "svc_rate_link")).all()) == 2
    board = win.board(db, cat.centre)
    assert [(w.code, t.number if t else None) for w, t in board["windows"]] == [("A01", "A002"), ("A02", None)]
    assert board["waiting"] == []


def test_closed_windows_and_items_refuse(db, city, cat, hall, clock):
    general, elderly = hall
    operator = city.users["operator"]
    win.save_window(db, location=cat.centre, code="A01", name="综合受理窗口", active=False, actor=city.users["admin"])
    with pytest.raises(InvalidInput, match="没有窗口"):
        win.take_ticket(db, location=cat.centre, item=cat.transfer, actor=operator)
    with pytest.raises(InvalidInput, match="停用"):
        win.call_next(db, general, actor=operator)
    catalogue.set_item_status(db, cat.subsidy, "temporarily_closed", alert="系统升级", actor=city.users["admin"])
    with pytest.raises(InvalidInput, match="暂停"):
        win.take_ticket(db, location=cat.centre, item=cat.subsidy, actor=operator)
    with pytest.raises(NotFound):
        win.window_by_id(db, city.jid + 999, elderly.id)
    with pytest.raises(NotFound):
        win.ticket_by_token(db, "short")


def test_rating_a_visit_by_its_link(db, city, cat, hall, clock):
    general, _ = hall
    operator = city.users["operator"]
    ticket = win.take_ticket(db, location=cat.centre, item=cat.transfer, actor=operator)
    assert win.ticket_by_token(db, ticket.rate_token).id == ticket.id
    with pytest.raises(InvalidInput, match="办理完成后"):
        win.rate_ticket(db, ticket, level=5)
    win.act_on_ticket(db, ticket, "call", window=general, actor=operator)
    win.act_on_ticket(db, ticket, "serve", actor=operator)
    with pytest.raises(InvalidInput, match="原因"):
        win.rate_ticket(db, ticket, level=1, text="差")
    with pytest.raises(InvalidInput, match="手机"):
        win.rate_ticket(db, ticket, level=1, text="窗口人员态度很差", phone="123")
    rating = win.rate_ticket(db, ticket, level=1, text="窗口人员态度很差", scores={"attitude": "1"})
    assert rating.window_id == general.id and rating.channel == "window" and rating.account_id is None
    assert rating.status == EvalStatus.VERIFYING and rating.scores == {"attitude": 1}
    appeal = db.get(Appeal, rating.appeal_id)
    assert appeal.anonymous and "好差评" in appeal.title  # no number given: rectified, no return call
    assert win.rating_of(db, ticket).id == rating.id
    with pytest.raises(Conflict, match="已经评价"):
        win.rate_ticket(db, ticket, level=5)
    later = win.take_ticket(db, location=cat.centre, item=cat.transfer, actor=operator)
    win.act_on_ticket(db, later, "call", window=general, actor=operator)
    win.act_on_ticket(db, later, "serve", actor=operator)
    clock.shift(timedelta(days=8))
    with pytest.raises(InvalidInput, match="7 天"):
        win.rate_ticket(db, later, level=5)
    stats = ratings.statistics(db, city.jid)
    assert stats["by_window"] == [{"name": "市民服务中心 综合受理窗口", "count": 1, "satisfaction": 0.0, "bad": 1}]


def test_a_bad_rating_by_link_with_a_number_gets_a_return_call(db, city, cat, hall, clock):
    general, _ = hall
    operator = city.users["operator"]
    ticket = win.take_ticket(db, location=cat.centre, item=cat.transfer, actor=operator)
    win.act_on_ticket(db, ticket, "call", window=general, actor=operator)
    win.act_on_ticket(db, ticket, "serve", actor=operator)
    rating = win.rate_ticket(db, ticket, level=2, text="等了两个小时", phone="13955556666")
    appeal = db.get(Appeal, rating.appeal_id)
    assert not appeal.anonymous and appeal.appellant_phone == "13955556666"


def test_a_booking_rated_from_my_bookings_counts_for_its_ticket(db, city, cat, hall, resident, clock):
    _, elderly = hall
    me = resident()
    slot = next(s for s in ap.ensure_slots(db, cat.centre, date(2026, 3, 2)) if s.window_id == elderly.id)
    clock.move_to("2026-03-02T08:00:00+08:00")
    booking = ap.book(db, slot=slot, item=cat.subsidy, account=me)
    clock.move_to("2026-03-02T09:05:00+08:00")
    ap.change(db, booking, "check_in", account=me)
    ap.change(db, booking, "serve", actor=city.users["operator"])  # served from the day's list
    ticket = win.queue(db, cat.centre, date(2026, 3, 2))[0]
    assert ticket.status == TicketStatus.SERVED
    rating = ratings.rate_visit(db, booking, account=me, level=4)
    assert rating.ticket_id == ticket.id and rating.window_id == elderly.id
    assert win.rating_of(db, ticket).id == rating.id
    with pytest.raises(Conflict):
        win.rate_ticket(db, ticket, level=5)
    assert db.scalar(select(Evaluation).where(Evaluation.booking_id == booking.id)).level == 4
    assert db.get(Booking, booking.id).status == BookingStatus.SERVED
    assert db.scalars(select(Slot).where(Slot.window_id == elderly.id)).first() is not None


def test_concurrent_numbers_and_calls_never_clash(engine, settings):
    """Four desks issue numbers at once and get four different numbers; then four windows call at once with
    three waiting and each number goes to exactly one window."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: row locks across connections (SQLite serialises writers anyway)")
    import threading

    from lianxin.db import make_sessionmaker
    from lianxin.errors import LianxinError
    from lianxin.orgs.models import User
    from lianxin.services.models import ServiceItem, ServiceLocation, ServiceWindow, Ticket
    from tests.factories import build_city
    from tests.services.conftest import build_catalogue

    factory = make_sessionmaker(engine, settings)
    with factory() as setup:
        town = build_city(setup)
        centre, item = build_catalogue(setup, town)
        windows = [
            win.save_window(setup, location=centre, code=f"R{n}", name=f"抢号窗口{n}", actor=None) for n in range(4)
        ]
        setup.commit()
        ids = dict(centre=centre.id, item=item.id, windows=[w.id for w in windows], operator=town.users["operator"].id)
        jid = town.jid

    def race(job) -> list:
        out: list = []
        barrier = threading.Barrier(4)

        def one(n: int) -> None:
            with factory() as session:
                barrier.wait()
                try:
                    out.append(job(session, n))
                    session.commit()
                except LianxinError as exc:
                    session.rollback()
                    out.append(type(exc).__name__)

        threads = [threading.Thread(target=one, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        return out

    def issue(session, n):
        return win.take_ticket(
            session,
            location=session.get(ServiceLocation, ids["centre"]),
            item=session.get(ServiceItem, ids["item"]),
            actor=session.get(User, ids["operator"]),
        ).number

    def call(session, n):
        return win.call_next(
            session, session.get(ServiceWindow, ids["windows"][n]), actor=session.get(User, ids["operator"])
        ).number

    try:
        numbers = race(issue)
        assert sorted(numbers) == ["A001", "A002", "A003", "A004"]
        with factory() as session:  # one is served already: three wait
            first = session.scalar(select(Ticket).where(Ticket.jurisdiction_id == jid, Ticket.number == "A001"))
            first.status = TicketStatus.LEFT
            session.commit()
        called = race(call)
        assert sorted(called) == ["A002", "A003", "A004", "NotFound"]
    finally:
        with factory() as cleanup:
            cleanup.execute(Ticket.__table__.delete().where(Ticket.jurisdiction_id == jid))
            cleanup.commit()


def test_the_no_show_job_closes_yesterdays_numbers(db, city, cat, hall, clock):
    general, _ = hall
    operator = city.users["operator"]
    waiting = win.take_ticket(db, location=cat.centre, item=cat.transfer, actor=operator)
    called = win.take_ticket(db, location=cat.centre, item=cat.transfer, actor=operator)
    served = win.take_ticket(db, location=cat.centre, item=cat.transfer, actor=operator)
    win.act_on_ticket(db, called, "call", window=general, actor=operator)
    win.act_on_ticket(db, served, "call", window=general, actor=operator)
    win.act_on_ticket(db, served, "serve", actor=operator)
    assert ap.mark_no_shows(db, None, utcnow()) == 0  # today's numbers stay open
    clock.shift(timedelta(days=1))
    assert ap.mark_no_shows(db, None, utcnow()) == 2
    assert (waiting.status, called.status, served.status) == (TicketStatus.LEFT, TicketStatus.LEFT, TicketStatus.SERVED)
    assert ap.mark_no_shows(db, None, utcnow()) == 0
