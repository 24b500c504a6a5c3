"""A small county: the hub, three village stops on one route (two weekday trips), two service points
(one without a bus stop), a van, and helpers to receive parcels on a fixed service date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from lianxin.logistics import service as svc
from lianxin.logistics.gtfs import import_feed
from lianxin.logistics.models import BusStop, BusTrip, Parcel, ServicePoint, Van
from lianxin.orgs.models import Role
from lianxin.orgs.service import create_user
from tests.factories import PASSWORD

DAY = date(2026, 3, 2)  # a Monday
FEED = {
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon,is_hub\n"
    "HUB,县客货邮中心,29.290,121.430,1\nV1,南庄村,29.330,121.480,0\nV2,溪口村,29.360,121.520,0\n"
    "V3,茶岭村,29.400,121.560,0\n",
    "routes.txt": "route_id,route_short_name\nR1,客货邮1路\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "WK,1,1,1,1,1,0,0,20260101,20261231\n",
    "calendar_dates.txt": "service_id,date,exception_type\nWK,20260307,1\n",
    "trips.txt": "route_id,service_id,trip_id,trip_headsign,parcel_slots,cargo_kg,cargo_volume_l,cost_per_parcel\n"
    "R1,WK,T1,茶岭村,3,100,400,1.5\nR1,WK,T2,茶岭村,10,100,400,1.5\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    "T1,07:00:00,07:00:00,HUB,1\nT1,07:20:00,07:20:00,V1,2\nT1,07:40:00,07:40:00,V2,3\nT1,08:00:00,08:00:00,V3,4\n"
    "T2,13:00:00,13:00:00,HUB,1\nT2,13:20:00,13:20:00,V1,2\nT2,13:40:00,13:40:00,V2,3\nT2,14:00:00,14:00:00,V3,4\n",
}


@dataclass
class County:
    jid: int
    hub: BusStop
    p1: ServicePoint  # 南庄村, on the bus route
    p2: ServicePoint  # 溪口村
    far: ServicePoint  # 山头村: no bus stop, vans only
    van: Van
    t1: BusTrip
    t2: BusTrip
    desk: object
    operator: object


@pytest.fixture
def county(db, city) -> County:
    jid = city.jid
    import_feed(db, jid, dict(FEED))
    stops = {s.code: s for s in db.query(BusStop).filter_by(jurisdiction_id=jid)}
    trips = {t.code: t for t in db.query(BusTrip).filter_by(jurisdiction_id=jid)}
    desk = city.users["dispatcher"]
    community = city.units["community"]
    p1 = svc.create_point(
        db,
        jurisdiction_id=jid,
        code="P1",
        name="南庄村集士驿站",
        kind="jishi",
        lat=29.331,
        lng=121.481,
        unit=community,
        stop=stops["V1"],
        operator_name="王站长",
        operator_phone="13600000001",
        actor=desk,
    )
    p2 = svc.create_point(
        db, jurisdiction_id=jid, code="P2", name="溪口村邮站", lat=29.361, lng=121.521, stop=stops["V2"], actor=desk
    )
    far = svc.create_point(db, jurisdiction_id=jid, code="P9", name="山头村邮站", lat=29.420, lng=121.600, actor=desk)
    van = svc.create_van(db, jurisdiction_id=jid, code="VAN1", name="邮政1号车", capacity_parcels=5, actor=desk)
    operator = create_user(
        db,
        jurisdiction_id=jid,
        username=f"{city.jurisdiction.code}-pointop",
        display_name="驿站员",
        password=PASSWORD,
        grants=[(Role.GRID_WORKER, city.units["grid"])],
    )
    return County(jid, stops["HUB"], p1, p2, far, van, trips["T1"], trips["T2"], desk, operator)


_n = [0]


def receive(
    db, county: County, point=None, *, ready="06:00", due_hours=36, size="s", kg=1.0, phone="13712345678"
) -> Parcel:
    _n[0] += 1
    ready_at = datetime.fromisoformat(f"{DAY.isoformat()}T{ready}:00+08:00")
    return svc.receive_parcel(
        db,
        jurisdiction_id=county.jid,
        tracking_no=f"YT{_n[0]:010d}",
        point=point or county.p1,
        recipient_phone=phone,
        recipient_name="张三",
        ready_at=ready_at,
        due_by=ready_at + timedelta(hours=due_hours),
        size=size,
        kg=kg,
        courier="圆通",
        actor=county.desk,
    )
