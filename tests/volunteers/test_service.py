"""Activities and attendance: sign-up (self, proxy, waiting list, eligibility), cancellation with promotion,
QR check-in/out (signed, expiring), minutes, confirmation → service record + points, absences, service points."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from lianxin.config import Settings
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.notify import Notification
from lianxin.points import service as points
from lianxin.sla.service import set_calendar_day
from lianxin.volunteers import qr
from lianxin.volunteers import service as svc
from lianxin.volunteers.models import EnrollmentEvent
from lianxin.volunteers.status import EnrollmentStatus as E
from tests.volunteers.conftest import START


def kinds(db, phone):
    return [
        n.kind
        for n in db.scalars(select(Notification).where(Notification.recipient == phone).order_by(Notification.id))
    ]


def test_sign_up_waiting_list_cancel_and_promotion(db, city, vol):
    a = svc.sign_up(db, vol.activity, vol.alice, actor=vol.alice_user)
    b = svc.sign_up(db, vol.activity, vol.bob, actor=vol.bob_user)
    assert (a.status, b.status) == (E.ENROLLED, E.WAITLISTED)
    with pytest.raises(Conflict):
        svc.sign_up(db, vol.activity, vol.alice, actor=vol.alice_user)
    with pytest.raises(PermissionDenied):
        svc.sign_up(db, vol.activity, vol.alice, actor=vol.bob_user)
    svc.cancel(db, a, actor=vol.alice_user, note="临时有事")
    assert (a.status, b.status) == (E.CANCELLED, E.ENROLLED)
    assert kinds(db, vol.bob.phone) == ["vol_waitlisted", "vol_promoted"]
    with pytest.raises(PermissionDenied):
        svc.cancel(db, b, actor=vol.alice_user)
    again = svc.sign_up(db, vol.activity, vol.alice, actor=vol.alice_user)  # a cancelled sign-up does not block
    assert again.status == E.WAITLISTED
    events = db.scalars(select(EnrollmentEvent.kind).where(EnrollmentEvent.enrollment_id == a.id)).all()
    assert events == ["sign_up", "cancel"]
    assert svc.taken(db, vol.activity) == 1 and len(svc.enrollments(db, vol.activity)) == 3


def test_proxy_sign_up_and_eligibility(db, city, vol):
    vol.activity.slots, vol.activity.min_age, vol.activity.training = 5, 18, "first_aid"
    with pytest.raises(PermissionDenied):
        svc.sign_up(db, vol.activity, vol.bob, actor=city.users["water_handler"], proxy=True)
    with pytest.raises(InvalidInput, match="出生日期"):
        svc.sign_up(db, vol.activity, vol.bob, actor=vol.organiser, proxy=True)
    svc.set_profile(db, vol.bob, birth_date=date(2010, 5, 1))
    with pytest.raises(InvalidInput, match="年满 18"):
        svc.sign_up(db, vol.activity, vol.bob, actor=vol.organiser, proxy=True)
    svc.set_profile(db, vol.bob, birth_date=date(1960, 5, 1))
    with pytest.raises(InvalidInput, match="first_aid"):
        svc.sign_up(db, vol.activity, vol.bob, actor=vol.organiser, proxy=True)
    vol.activity.max_age = 60
    svc.set_profile(db, vol.bob, training=["first_aid", " "])
    with pytest.raises(InvalidInput, match="不超过 60"):
        svc.sign_up(db, vol.activity, vol.bob, actor=vol.organiser, proxy=True)
    vol.activity.max_age = 70
    row = svc.sign_up(db, vol.activity, vol.bob, actor=vol.organiser, proxy=True, role="team_leader")
    assert row.proxy_by_id == vol.organiser.id and row.status == E.ENROLLED
    with pytest.raises(InvalidInput):
        svc.sign_up(db, vol.activity, vol.alice, actor=vol.organiser, proxy=True, role="boss")
    assert svc.age_on(date(2000, 3, 4), date(2026, 3, 3)) == 25


def test_qr_check_in_out_confirm_points_and_record(db, city, vol, clock):
    settings = Settings()
    row = svc.sign_up(db, vol.activity, vol.alice, actor=vol.alice_user, role="team_leader")
    code = qr.make_code(settings, vol.activity.id, "in")
    assert qr.read_code(settings, code) == (vol.activity.id, "in")
    with pytest.raises(Conflict):  # a day early
        svc.scan(db, vol.activity, vol.alice, "in", actor=vol.alice_user)
    clock.move_to(START - timedelta(minutes=5))
    svc.scan(db, vol.activity, vol.alice, "in", actor=vol.alice_user)
    with pytest.raises(Conflict):
        svc.scan(db, vol.bob and vol.activity, vol.bob, "in", actor=vol.bob_user)  # not signed up
    with pytest.raises(Conflict):
        svc.confirm_attendance(db, row, actor=vol.organiser)  # not checked out yet
    clock.move_to(START + timedelta(hours=2, minutes=35))
    svc.scan(db, vol.activity, vol.alice, "out", actor=vol.alice_user)
    assert (row.status, row.minutes) == (E.CHECKED_OUT, 160)
    assert points.member_account(db, vol.alice).balance == 0  # nothing counts before confirmation
    with pytest.raises(PermissionDenied):
        svc.confirm_attendance(db, row, actor=vol.alice_user)
    record = svc.confirm_attendance(db, row, actor=vol.organiser, evaluation="优秀", training="安全培训")
    assert row.status == E.CONFIRMED
    assert (record.minutes, record.hours, record.evaluation, record.recorder_unit) == (160, 2.7, "优秀", "和平社区")
    assert record.served_on == date(2026, 3, 3) and record.certificate_no.startswith("ZY20260303")
    assert points.member_account(db, vol.alice).balance == 37  # 10/h × 160/60 h × 1.4
    assert svc.record_by_number(db, record.certificate_no.lower()) == record
    assert svc.records_of(db, vol.alice) == [record] and svc.total_minutes(db, vol.alice) == 160
    assert "vol_confirmed" in kinds(db, vol.alice.phone)
    assert points.check_ledger(db, city.jid).balanced
    with pytest.raises(NotFound):
        svc.record_by_number(db, "ZY-NOPE")
    with pytest.raises(Conflict):
        svc.confirm_attendance(db, row, actor=vol.organiser)
    clock.move_to(START + timedelta(hours=12))
    with pytest.raises(Conflict):
        svc.scan(db, vol.activity, vol.alice, "in", actor=vol.alice_user)  # too late


def test_codes_are_signed_and_expire(clock):
    settings = Settings()
    code = qr.make_code(settings, 7, "out")
    with pytest.raises(InvalidInput, match="无效"):
        qr.read_code(settings, code[:-2] + "xx")
    with pytest.raises(InvalidInput, match="无效"):
        qr.read_code(Settings(secret_key="another-secret-key-for-tests-1234"), code)
    clock.shift(qr.CODE_TTL + 5)
    with pytest.raises(InvalidInput, match="过期"):
        qr.read_code(settings, code)
    with pytest.raises(ValueError):
        qr.make_code(settings, 7, "sideways")
    assert qr.qr_svg("http://x/volunteer/checkin/abc").startswith("<svg")


def test_organiser_records_times_and_absence_penalty(db, city, vol, clock):
    vol.activity.slots = 2
    a = svc.sign_up(db, vol.activity, vol.alice, actor=vol.alice_user)
    b = svc.sign_up(db, vol.activity, vol.bob, actor=vol.bob_user)
    points.grant(db, member=vol.bob, amount=3, memo="上季度评议", actor=None)
    with pytest.raises(Conflict):
        svc.mark_absent(db, b, actor=vol.organiser)  # not started
    clock.move_to(START + timedelta(hours=4))
    with pytest.raises(InvalidInput):
        svc.record_attendance(db, a, actor=vol.organiser, checked_in_at=START, checked_out_at=START)
    with pytest.raises(InvalidInput):
        svc.record_attendance(
            db, a, actor=vol.organiser, checked_in_at=START, checked_out_at=START + timedelta(hours=17)
        )
    with pytest.raises(PermissionDenied):
        svc.record_attendance(
            db, a, actor=vol.alice_user, checked_in_at=START, checked_out_at=START + timedelta(hours=1)
        )
    svc.record_attendance(db, a, actor=vol.organiser, checked_in_at=START, checked_out_at=START + timedelta(hours=3))
    assert (a.status, a.minutes) == (E.CHECKED_OUT, 180)
    svc.mark_absent(db, b, actor=vol.organiser, note="未到场")
    assert b.status == E.ABSENT and points.member_account(db, vol.bob).balance == 0  # penalty 5, capped at 3
    svc.confirm_attendance(db, a, actor=vol.organiser)
    assert points.member_account(db, vol.alice).balance == 30
    svc.close_activity(db, vol.activity, actor=vol.organiser)
    with pytest.raises(Conflict):
        svc.sign_up(db, vol.activity, vol.alice, actor=vol.alice_user)
    with pytest.raises(Conflict):
        svc.close_activity(db, vol.activity, actor=vol.organiser)
    assert points.check_ledger(db, city.jid).balanced


def test_cancel_activity_tells_everyone(db, city, vol):
    a = svc.sign_up(db, vol.activity, vol.alice, actor=vol.alice_user)
    b = svc.sign_up(db, vol.activity, vol.bob, actor=vol.bob_user)
    with pytest.raises(InvalidInput):
        svc.cancel_activity(db, vol.activity, actor=vol.organiser, reason="")
    svc.cancel_activity(db, vol.activity, actor=vol.organiser, reason="暴雨预警")
    assert (a.status, b.status) == (E.CANCELLED, E.CANCELLED)
    assert kinds(db, vol.alice.phone)[-1] == "vol_activity_cancelled"
    with pytest.raises(Conflict):
        svc.cancel_activity(db, vol.activity, actor=vol.organiser, reason="再取消")
    assert svc.upcoming(db, city.jid) == []


def test_activity_validation_and_lookups(db, city, vol):
    base = dict(
        jurisdiction_id=city.jid,
        community_id=city.units["community"].id,
        title="义诊",
        place="社区卫生站",
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        slots=3,
        actor=vol.organiser,
    )
    for change, field in (
        (dict(ends_at=START), "ends_at"),
        (dict(ends_at=START + timedelta(hours=20)), "ends_at"),
        (dict(slots=0), "slots"),
        (dict(min_age=130), "min_age"),
        (dict(min_age=60, max_age=18), "min_age"),
        (dict(starts_at=datetime(2026, 3, 3, 9)), "starts_at"),
        (dict(community_id=city.units["street"].id), "community_id"),
    ):
        with pytest.raises(InvalidInput) as exc:
            svc.create_activity(db, **(base | change))
        assert exc.value.field == field
    with pytest.raises(PermissionDenied):
        svc.create_activity(db, **(base | dict(actor=city.users["water_handler"])))
    assert svc.upcoming(db, city.jid, community_id=city.units["community"].id) == [vol.activity]
    assert svc.get_activity(db, vol.activity.id, jurisdiction_id=city.jid) == vol.activity
    with pytest.raises(NotFound):
        svc.get_activity(db, vol.activity.id, jurisdiction_id=city.jid + 999)
    with pytest.raises(NotFound):
        svc.get_enrollment(db, 10**9, jurisdiction_id=city.jid)


def test_service_points_open_on_the_working_day_calendar(db, city, vol):
    community = city.units["community"].id
    point = svc.create_point(
        db,
        jurisdiction_id=city.jid,
        community_id=community,
        name="和平社区新时代文明实践站",
        address="和平里 5 号",
        opens_at=time(8, 30),
        closes_at=time(17, 30),
        items=["理发", "量血压", " "],
        actor=vol.organiser,
    )
    assert point.items == ["理发", "量血压"]
    tuesday = datetime.fromisoformat("2026-03-03T10:00:00+08:00")
    assert svc.is_open(db, point, tuesday) and not svc.is_open(db, point, tuesday.replace(hour=18))
    assert not svc.is_open(db, point, datetime.fromisoformat("2026-03-07T10:00:00+08:00"))  # Saturday
    assert not svc.is_open(db, point, datetime.fromisoformat("2026-10-02T10:00:00+08:00"))  # National Day
    set_calendar_day(db, jurisdiction_id=city.jid, day=date(2026, 3, 7), is_workday=True)
    assert svc.is_open(db, point, datetime.fromisoformat("2026-03-07T10:00:00+08:00"))  # made a working day
    days = svc.opening_days(db, point, date(2026, 3, 2), 7)
    assert [open_ for _, open_ in days] == [True, True, True, True, True, True, False]
    with pytest.raises(InvalidInput):
        svc.create_point(
            db,
            jurisdiction_id=city.jid,
            community_id=community,
            name="夜站",
            opens_at=time(18),
            closes_at=time(9),
            actor=None,
        )
    activity = svc.create_activity(
        db,
        jurisdiction_id=city.jid,
        community_id=community,
        title="站点值守",
        place=point.name,
        point=point,
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        slots=2,
        actor=vol.organiser,
    )
    assert activity.point == point
