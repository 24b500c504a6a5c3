"""The verbs on the real database: GTFS import and service days, points and vans, receiving and importing
parcels, the adopted and what-if plans, the hand-over chain, public tracking and the measures."""

from datetime import date, datetime, timedelta

import pytest

from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.logistics import measures, plans
from lianxin.logistics import service as svc
from lianxin.logistics.gtfs import import_feed, read_feed, runs_on
from lianxin.logistics.models import ParcelEvent, PlanKind, TripCapacity
from lianxin.logistics.status import ParcelStatus as S
from tests.factories import new_appeal
from tests.logistics.conftest import DAY, FEED, receive

EARLY = datetime.fromisoformat(f"{DAY.isoformat()}T05:00:00+08:00")


def plan(db, county, **kw):
    return plans.run_plan(db, county.jid, DAY, actor=county.desk, now=EARLY, **kw)


def test_the_feed_imports_and_the_calendar_knows_chinese_holidays(db, county):
    assert [st.stop.code for st in county.t1.stop_times] == ["HUB", "V1", "V2", "V3"]
    assert county.t1.stop_times[1].arrival_min == 7 * 60 + 20 and county.t1.parcel_slots == 3
    cal = county.t1.calendar
    assert runs_on(cal, DAY) and not runs_on(cal, date(2026, 3, 8))  # a Sunday
    assert runs_on(cal, date(2026, 3, 7))  # a Saturday added by calendar_dates
    assert not runs_on(cal, date(2026, 10, 1))  # 国庆节, a Thursday: runs as a Sunday
    assert runs_on(cal, date(2026, 9, 20))  # a Sunday that is a make-up workday (调休) for 国庆
    assert not runs_on(cal, date(2027, 1, 4))  # after the calendar's end date
    counts = import_feed(db, county.jid, dict(FEED))  # a second import updates in place
    assert counts["trips"] == 2 and len(svc.trips_on(db, county.jid, DAY)) == 2


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("stops.txt", "stop_id,stop_name\nX,无坐标\n", "stop_lat"),
        ("trips.txt", "route_id,service_id,trip_id\nNOPE,WK,T9\n", "unknown route_id"),
        ("trips.txt", "route_id,service_id,trip_id,parcel_slots\nR1,WK,T9,many\n", "numbers"),
        ("calendar.txt", "service_id,monday,start_date,end_date\nWK,1,2026-01-01,20261231\n", "dates look like"),
        (
            "stop_times.txt",
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,7h,7h,HUB,1\n",
            "times look like",
        ),
        (
            "stop_times.txt",
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,07:00,07:00,ZZ,1\n",
            "unknown stop",
        ),
        ("calendar_dates.txt", "service_id,date,exception_type\nXX,20260307,1\n", "unknown service_id"),
    ],
)
def test_bad_feeds_are_refused_with_the_file_named(db, city, name, text, message):
    with pytest.raises(InvalidInput) as caught:
        import_feed(db, city.jid, dict(FEED) | {name: text})
    assert message in caught.value.message_en


def test_feed_from_a_folder_and_a_zip(tmp_path):
    for name, text in FEED.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert len(read_feed(tmp_path)["stop_times.txt"]) == 8
    import zipfile

    with zipfile.ZipFile(tmp_path / "feed.zip", "w") as archive:
        for name, text in FEED.items():
            archive.writestr(name, text)
    assert len(read_feed(tmp_path / "feed.zip")["trips.txt"]) == 2
    with pytest.raises(InvalidInput):
        read_feed(tmp_path / "missing")
    with pytest.raises(InvalidInput, match="calendar.txt"):
        read_feed({"stops.txt": "", "routes.txt": "", "trips.txt": "", "stop_times.txt": ""})


def test_points_vans_and_capacity_belong_to_the_desk(db, city, county):
    with pytest.raises(PermissionDenied):
        svc.create_point(db, jurisdiction_id=city.jid, code="P5", name="x村", lat=29, lng=121, actor=county.operator)
    with pytest.raises(Conflict):
        svc.create_point(db, jurisdiction_id=city.jid, code="P1", name="重复", lat=29, lng=121)
    with pytest.raises(InvalidInput):
        svc.create_point(db, jurisdiction_id=city.jid, code="", name="", lat=29, lng=121)
    with pytest.raises(InvalidInput):
        svc.create_point(db, jurisdiction_id=city.jid, code="P6", name="y村", lat=99, lng=121)
    with pytest.raises(InvalidInput):
        svc.create_van(db, jurisdiction_id=city.jid, code="V0", name="空车", capacity_parcels=0)
    row = svc.set_capacity(db, county.t1, DAY, reserved=2, note="邮袋", actor=county.desk)
    assert row.reserved == 2 and svc.capacity(db, county.t1, DAY).id == row.id
    with pytest.raises(InvalidInput):
        svc.set_capacity(db, county.t1, DAY, reserved=9, actor=county.desk)
    assert [p.code for p in svc.points_for(db, county.operator)] == ["P1"]
    assert len(svc.points_for(db, county.desk)) == 3


def test_receiving_checks_every_field(db, county):
    p = receive(db, county)
    assert p.status == S.RECEIVED and p.events[0].kind == "receive" and p.volume_l == 5.0
    base = dict(
        jurisdiction_id=county.jid,
        point=county.p1,
        recipient_phone="13712345678",
        ready_at=EARLY,
        due_by=EARLY + timedelta(days=1),
    )
    for bad, field in [
        ({"tracking_no": "x"}, "tracking_no"),
        ({"tracking_no": "AB1234567", "recipient_phone": "123"}, "recipient_phone"),
        ({"tracking_no": "AB1234567", "size": "xl"}, "size"),
        ({"tracking_no": "AB1234567", "kg": 0}, "kg"),
        ({"tracking_no": "AB1234567", "due_by": EARLY}, "due_by"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            svc.receive_parcel(db, **(base | bad))
        assert caught.value.field == field
    with pytest.raises(Conflict):
        svc.receive_parcel(db, **(base | {"tracking_no": p.tracking_no}))
    with pytest.raises(PermissionDenied):
        svc.receive_parcel(db, **(base | {"tracking_no": "AB1234567"}), actor=county.operator)


def test_csv_import_is_all_or_nothing(db, county):
    header = "tracking_no,point,recipient_phone,ready_at,due_by,size,kg\n"
    good = "SF00000001,P1,13700000001,2026-03-02 06:00,2026-03-03 18:00,m,2.5\nSF00000002,P2,13700000002,2026-03-02T06:00+08:00,2026-03-04 18:00,,\n"
    assert svc.import_parcels_csv(db, county.jid, header + good, actor=county.desk) == 2
    assert svc.parcel_by_no(db, county.jid, "sf00000001").kg == 2.5
    for bad, text in [
        ("SF00000003,P7,13700000001,2026-03-02 06:00,2026-03-03 18:00,s,1\n", "line 2: no service point P7"),
        ("SF00000003,P1,13700000001,tomorrow,2026-03-03 18:00,s,1\n", "line 2: ready_at looks like"),
        ("SF00000003,P1,13700000001,2026-03-02 06:00,2026-03-03 18:00,s,heavy\n", "kg must be a number"),
        ("SF00000001,P1,13700000001,2026-03-02 06:00,2026-03-03 18:00,s,1\n", "registered already"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            svc.import_parcels_csv(db, county.jid, header + bad, actor=county.desk)
        assert text in caught.value.message_en
    with pytest.raises(InvalidInput, match="columns"):
        svc.import_parcels_csv(db, county.jid, "tracking_no\nX\n", actor=county.desk)


def test_the_daily_plan_is_adopted_and_explained(db, county):
    parcels = [receive(db, county) for _ in range(5)] + [receive(db, county, county.far)]
    run = plan(db, county)
    assert run.adopted and run.kind == PlanKind.DAILY and run.parcels == 6
    assert (run.by_bus, run.by_van, run.unassigned) == (5, 1, [])
    assert run.objective > 0 and run.solve_ms >= 0 and run.snapshot["parcels"] and run.result["vans"]
    assert run.result["penalised"] == run.objective  # nothing unassigned
    assert 0 < run.lower_bound <= run.objective and 0 <= plans.plan_gap(run) < 1
    on_t1 = [p for p in parcels if p.trip_id == county.t1.id]
    assert len(on_t1) == 3 and all(p.status == S.PLANNED and p.eta and "最早" in p.reason for p in on_t1)
    assert parcels[-1].van_id == county.van.id and "van" in parcels[-1].reason
    assert [p.id for p in plans.loading_list(db, county.jid, DAY, trip=county.t1)] == sorted(p.id for p in on_t1)
    assert plans.loading_list(db, county.jid, DAY, van=county.van) == [parcels[-1]]
    # Re-running replaces the adoption; a reserved trip pushes parcels later.
    svc.set_capacity(db, county.t1, DAY, reserved=3, actor=county.desk)
    again = plan(db, county, kind=PlanKind.ON_DEMAND)
    assert not run.adopted and again.adopted and plans.adopted_plan(db, county.jid, DAY).id == again.id
    assert all(p.trip_id == county.t2.id for p in parcels[:5])


def test_unplannable_parcels_go_back_to_received_with_the_reason(db, county):
    p = receive(db, county, county.far)
    plan(db, county)
    assert p.status == S.PLANNED
    county.van.active = False
    db.flush()
    plan(db, county)
    assert p.status == S.RECEIVED and p.trip_id is None and "no bus stop and no van" in p.reason
    assert plans.exceptions(db, county.jid, DAY)["unplanned"] == [p]


def test_what_if_compares_without_touching_parcels(db, county):
    parcels = [receive(db, county) for _ in range(14)]
    base = plan(db, county)
    bigger = plan(
        db, county, kind=PlanKind.WHAT_IF, changes={"capacity_factor": 2, "extra_vans": 1, "shift_minutes": -30}
    )
    assert not bigger.adopted and bigger.by_bus > base.by_bus
    assert plans.adopted_plan(db, county.jid, DAY).id == base.id
    assert {p.plan_run_id for p in parcels if p.plan_run_id} == {base.id}
    figures = plans.compare(base, bigger)
    assert figures["other"]["bus_share"] > figures["base"]["bus_share"] and figures["base"]["per_parcel"]
    assert all(f["lower_bound"] <= f["penalised"] and f["gap"] is not None for f in figures.values())
    assert plans.plan_run(db, county.jid, bigger.id) is bigger
    with pytest.raises(NotFound):
        plans.plan_run(db, county.jid + 999, bigger.id)


def test_planning_today_skips_trips_that_have_left_and_a_cancelled_trip(db, county, clock):
    clock.move_to(datetime.fromisoformat(f"{DAY.isoformat()}T09:30:00+08:00"))
    p = receive(db, county)
    svc.set_capacity(db, county.t2, DAY, reserved=0, cancelled=True, actor=county.desk)
    run = plans.run_plan(db, county.jid, DAY, actor=county.desk)
    assert run.snapshot["trips"] == [] and p.van_id == county.van.id


def test_no_hub_no_plan(db, city):
    with pytest.raises(InvalidInput, match="hub"):
        plans.run_plan(db, city.jid, DAY, actor=None)


def test_the_hand_over_chain(db, county):
    p, q, left = receive(db, county), receive(db, county), receive(db, county)
    plan(db, county)
    with pytest.raises(PermissionDenied):
        svc.load_parcel(db, p, actor=county.operator)
    svc.load_parcel(db, p, actor=county.desk)
    svc.load_parcel(db, q, actor=county.desk)
    with pytest.raises(Conflict):
        svc.load_parcel(db, p, actor=county.desk)
    assert svc.depart(db, jurisdiction_id=county.jid, day=DAY, trip=county.t1, actor=county.desk) == 2
    assert p.status == S.IN_TRANSIT and left.status == S.RECEIVED and left.trip_id is None
    assert svc.depart(db, jurisdiction_id=county.jid, day=DAY, van=county.van, actor=county.desk) == 0
    svc.arrive(db, p, actor=county.operator)
    svc.arrive(db, q, actor=county.desk)
    assert p.status == S.AT_POINT and p.arrived_at
    with pytest.raises(InvalidInput):
        svc.collect(db, p, phone_tail="0000", actor=county.operator)
    svc.collect(db, p, phone_tail="5678", actor=county.operator)
    assert p.status == S.COLLECTED and p.closed_at
    with pytest.raises(InvalidInput):
        svc.return_parcel(db, q, reason="", actor=county.operator)
    svc.return_parcel(db, q, reason="收件人拒收", actor=county.operator)
    assert (
        q.status == S.RETURNED
        and db.query(ParcelEvent).filter_by(parcel_id=q.id, kind="return").one().note == "收件人拒收"
    )
    svc.return_parcel(db, left, reason="地址错误，退回快递公司", actor=county.desk)
    assert left.status == S.RETURNED


def test_point_staff_only_at_their_point(db, county):
    p = receive(db, county, county.p2)
    plan(db, county)
    svc.load_parcel(db, p, actor=county.desk)
    svc.depart(db, jurisdiction_id=county.jid, day=DAY, trip=county.t1, actor=county.desk)
    with pytest.raises(PermissionDenied):
        svc.arrive(db, p, actor=county.operator)  # 溪口村 is not the operator's village


def test_public_tracking_needs_the_phone_tail_and_masks(db, county):
    p = receive(db, county)
    view = svc.public_view(db, county.jid, p.tracking_no.lower(), "5678")
    assert view["parcel"] is p and view["recipient"] == "张*" and view["events"]
    for number, tail in [(p.tracking_no, "0000"), ("NOPE000000", "5678")]:
        with pytest.raises(NotFound):
            svc.public_view(db, county.jid, number, tail)


def test_measures_dwell_share_cost_and_parcel_appeals(db, city, county, clock):
    clock.move_to(datetime.fromisoformat(f"{DAY.isoformat()}T05:00:00+08:00"))
    p = receive(db, county)
    plans.run_plan(db, county.jid, DAY, actor=county.desk)
    svc.load_parcel(db, p, actor=county.desk)
    svc.depart(db, jurisdiction_id=county.jid, day=DAY, trip=county.t1, actor=county.desk)
    clock.move_to(datetime.fromisoformat(f"{DAY.isoformat()}T07:30:00+08:00"))
    svc.arrive(db, p, actor=county.operator)
    appeal = new_appeal(db, city, title="快递取件难", content="村里的快递总是要等半个月才能拿到，希望解决。")
    p.point.before_hours = 360.0  # the village's survey: half a month before 客货邮
    m = measures.measures(db, county.jid, DAY, DAY + timedelta(days=1))
    assert m["arrived"] == 1 and m["median_dwell_hours"] == 2.5 and m["bus_share"] == 1.0
    assert m["cost_per_parcel"] == 1.5 and m["unassigned"] == 0
    assert dict((pt.code, n) for pt, n in m["appeals_by_point"]) == {"P1": 1}
    assert m["appeals"][p.point_id] == [(appeal.order_no, "快递取件难")] and m["before_hours"] == 360.0
    village = next(row for row in m["villages"] if row["point"].id == p.point_id)
    assert (village["before_hours"], village["median_hours"], village["arrived"], village["appeals"]) == (
        360.0,
        2.5,
        1,
        1,
    )
    assert all(row["median_hours"] is None for row in m["villages"] if row["point"].id != p.point_id)
    assert (
        measures.measures(db, county.jid, DAY + timedelta(days=5), DAY + timedelta(days=6))["median_dwell_hours"]
        is None
    )


def test_capacity_rows_are_per_date(db, county):
    svc.capacity(db, county.t1, DAY)
    svc.capacity(db, county.t1, DAY + timedelta(days=1))
    assert db.query(TripCapacity).filter_by(trip_id=county.t1.id).count() == 2


def test_what_if_a_van_only_village_gets_a_bus_stop(db, county):
    parcels = [receive(db, county, county.far) for _ in range(3)]
    base = plan(db, county)
    assert base.by_van == 3
    moved = plan(db, county, kind=PlanKind.WHAT_IF, changes={"point_stops": {"P9": "V3"}})
    assert moved.by_bus == 3 and moved.objective < base.objective
    assert all(p.van_id == county.van.id for p in parcels)  # the adopted plan is untouched
    with pytest.raises(InvalidInput, match="no bus stop"):
        plan(db, county, kind=PlanKind.WHAT_IF, changes={"point_stops": {"P9": "ZZ"}})


def test_a_point_joins_the_gazetteer_of_its_village(db, city, county):
    from lianxin.geo.models import Place
    from lianxin.geo.service import match_places

    point = county.p1
    svc.register_place(db, point, actor=county.desk)
    place = db.get(Place, point.place_id)
    assert (place.name, place.kind, place.unit_id, place.lat) == (point.name, "landmark", point.unit_id, point.lat)
    assert point.place.id == place.id
    assert svc.register_place(db, point, actor=county.desk).place_id == place.id  # kept
    assert any(m.name == point.name for m in match_places(db, county.jid, f"{point.name}门口快递丢了"))
    with pytest.raises(InvalidInput, match="所属村"):
        svc.register_place(db, county.far, actor=county.desk)
    with pytest.raises(PermissionDenied):
        svc.register_place(db, county.far, actor=county.operator)
    again = svc.create_point(
        db,
        jurisdiction_id=county.jid,
        code="P7",
        name="同名驿站",
        lat=29.4,
        lng=121.5,
        place_id=place.id,
        before_hours=240,
    )
    assert again.place_id == place.id and again.before_hours == 240
    for field, kwargs in (("place_id", {"place_id": 999999}), ("before_hours", {"before_hours": 0})):
        with pytest.raises(InvalidInput) as caught:
            svc.create_point(db, jurisdiction_id=county.jid, code="P8", name="坏驿站", lat=29.4, lng=121.5, **kwargs)
        assert caught.value.field == field
