"""The demo county's 客货邮 network: a GTFS feed with 8 bus-mail routes from the county hub to 30 villages
(weekday and weekend timetables, Chinese holidays), a service point per village (集士驿站 or 村邮站), three
vans, a month of parcels already delivered, and today's parcels planned by the solver."""

from __future__ import annotations

import math
import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.clock import local_zone, utcnow
from lianxin.logistics import plans
from lianxin.logistics import service as svc
from lianxin.logistics.gtfs import import_feed
from lianxin.logistics.models import BusStop, BusTrip, LegMode, Parcel, ParcelSize, PlanKind, PointKind
from lianxin.logistics.status import ParcelStatus
from lianxin.orgs.models import Unit, UnitKind

HUB = (29.2886, 121.4290)  # 宁海县城
VILLAGES = [
    "南庄村", "前童村", "许家山村", "葛家村", "龙宫村", "胡陈村", "西店村", "力洋村", "茶院村", "长街村",
    "一市村", "桑洲村", "岔路村", "黄坛村", "深甽村", "大佳何村", "强蛟村", "越溪村", "梅林村", "桥头胡村",
    "双林村", "白峤村", "下浦村", "西岙村", "马岙村", "王家村", "溪头村", "竹林村", "东岙村", "上金村",
]  # fmt: skip
ROUTE_SIZES = (4, 4, 4, 4, 4, 4, 3, 3)  # 8 routes, 30 villages
WEEKDAY_DEPARTURES = ("06:30", "09:30", "13:00", "16:30")
WEEKEND_DEPARTURES = ("07:30", "14:00")
COURIERS = ("中通", "圆通", "韵达", "申通", "极兔", "邮政", "顺丰")


def demo_feed(rng: random.Random) -> dict[str, str]:
    """The county's GTFS feed as file texts (with the cargo columns)."""
    stops = ["stop_id,stop_name,stop_lat,stop_lon,is_hub", f"HUB,宁海县客货邮中心,{HUB[0]},{HUB[1]},1"]
    routes = ["route_id,route_short_name"]
    trips = ["route_id,service_id,trip_id,trip_headsign,block_id,parcel_slots,cargo_kg,cargo_volume_l,cost_per_parcel"]
    times = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    calendar = [
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date",
        "WK,1,1,1,1,1,0,0,20260101,20271231",
        "WE,0,0,0,0,0,1,1,20260101,20271231",
    ]
    v = 0
    for r, size in enumerate(ROUTE_SIZES, 1):
        routes.append(f"R{r},客货邮{r}路")
        angle = 2 * math.pi * (r - 1) / len(ROUTE_SIZES) + rng.uniform(-0.2, 0.2)
        ids = []
        for k in range(size):
            dist = 0.05 + 0.045 * k + rng.uniform(0, 0.02)  # degrees, about 5–25 km out
            lat, lng = HUB[0] + dist * math.cos(angle), HUB[1] + dist * math.sin(angle) * 1.15
            stops.append(f"S{v + 1:02d},{VILLAGES[v]},{lat:.5f},{lng:.5f},0")
            ids.append(f"S{v + 1:02d}")
            v += 1
        slots = 40 if r <= 4 else 30
        for service, departures in (("WK", WEEKDAY_DEPARTURES), ("WE", WEEKEND_DEPARTURES)):
            for d, dep in enumerate(departures, 1):
                trip_id = f"R{r}-{service}{d}"
                trips.append(f"R{r},{service},{trip_id},{VILLAGES[v - 1]},B{r},{slots},{slots * 8},{slots * 20},1.5")
                h, m = map(int, dep.split(":"))
                minute = h * 60 + m
                times.append(f"{trip_id},{dep}:00,{dep}:00,HUB,1")
                for seq, stop in enumerate(ids, 2):
                    minute += rng.randint(14, 24)
                    times.append(
                        f"{trip_id},{minute // 60:02d}:{minute % 60:02d}:00,{minute // 60:02d}:{minute % 60:02d}:00,{stop},{seq}"
                    )
    return {
        "stops.txt": "\n".join(stops) + "\n",
        "routes.txt": "\n".join(routes) + "\n",
        "trips.txt": "\n".join(trips) + "\n",
        "stop_times.txt": "\n".join(times) + "\n",
        "calendar.txt": "\n".join(calendar) + "\n",
    }


def build_demo(
    session: Session, jurisdiction_id: int, rng: random.Random, *, per_day: int = 220, days: int = 30
) -> str:
    import_feed(session, jurisdiction_id, demo_feed(rng))
    stops = session.scalars(
        select(BusStop)
        .where(BusStop.jurisdiction_id == jurisdiction_id, BusStop.is_hub.is_(False))
        .order_by(BusStop.code)
    ).all()
    villages = session.scalars(
        select(Unit)
        .where(Unit.jurisdiction_id == jurisdiction_id, Unit.kind == UnitKind.COMMUNITY, Unit.name.endswith("村"))
        .order_by(Unit.id)
    ).all()
    points = []
    for i, stop in enumerate(stops):
        unit = villages[i] if i < len(villages) else None  # the demo city's villages run the first points
        points.append(
            svc.create_point(
                session,
                jurisdiction_id=jurisdiction_id,
                code=f"P{i + 1:02d}",
                name=f"{unit.name if unit else stop.name}{'集士驿站' if i % 3 == 0 else '村邮站'}",
                kind=PointKind.JISHI if i % 3 == 0 else PointKind.POST,
                lat=stop.lat + 0.001,
                lng=stop.lng + 0.001,
                unit=unit,
                stop=stop,
                hours="07:30-19:00",
                operator_name=f"{'王李张刘陈杨赵黄'[i % 8]}站长",
                operator_phone=f"1390574{i:04d}",
                before_hours=float(rng.randint(7, 20) * 24),  # the county's survey: 7–20 days before 客货邮
            )
        )
        if unit is not None:
            svc.register_place(session, points[-1], actor=None)  # the 驿站 in the gazetteer of its village
    for k in range(3):
        svc.create_van(
            session, jurisdiction_id=jurisdiction_id, code=f"VAN{k + 1}", name=f"邮政{k + 1}号车", capacity_parcels=120
        )
    trips = session.scalars(select(BusTrip).where(BusTrip.jurisdiction_id == jurisdiction_id)).all()
    trips_by_stop: dict[int, list[BusTrip]] = {}
    for t in trips:
        if t.calendar.code == "WK":
            for st in t.stop_times[1:]:
                trips_by_stop.setdefault(st.stop_id, []).append(t)
    today = svc.today()
    now = utcnow()
    rows = []
    n = 0
    weights = [3 if p.kind == PointKind.JISHI else 1 for p in points]
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        for _ in range(per_day if back else per_day // 2):
            n += 1
            point = rng.choices(points, weights)[0]
            received = svc.at_minute(day, rng.randint(5 * 60, 11 * 60))
            size = rng.choices(list(ParcelSize), (70, 25, 5))[0]
            row = {
                "jurisdiction_id": jurisdiction_id,
                "tracking_no": f"{rng.choice(('ZT', 'YT', 'YD', 'ST', 'JT', 'EMS', 'SF'))}{day:%y%m%d}{n:06d}",
                "courier": rng.choice(COURIERS),
                "point_id": point.id,
                "size": size,
                "kg": round(rng.uniform(0.2, 3 if size == ParcelSize.S else 12), 1),
                "ready_at": received,
                "due_by": received + timedelta(hours=rng.choice((24, 36, 48))),
                "recipient_name": rng.choice("张王李赵刘陈杨黄周吴")
                + rng.choice(("建国", "秀英", "志强", "桂兰", "海燕", "小明")),
                "recipient_phone": f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
                "status": ParcelStatus.RECEIVED,
                "planned_mode": None,
                "trip_id": None,
                "service_date": None,
                "arrived_at": None,
                "closed_at": None,
                "reason": "",
                "version": 1,
                "received_at": received,
                "created_at": received,
            }
            if back:
                by_bus = rng.random() < 0.85 and point.stop_id in trips_by_stop
                arrived = received + timedelta(minutes=rng.randint(90, 420) if by_bus else rng.randint(240, 900))
                returned = rng.random() < 0.02
                row |= {
                    "status": ParcelStatus.RETURNED if returned else ParcelStatus.COLLECTED,
                    "planned_mode": LegMode.BUS if by_bus else LegMode.VAN,
                    "trip_id": rng.choice(trips_by_stop[point.stop_id]).id if by_bus else None,
                    "service_date": day,
                    "arrived_at": arrived,
                    "closed_at": min(now, arrived + timedelta(hours=rng.randint(1, 60))),
                    "reason": "",
                }
            rows.append(row)
    session.execute(Parcel.__table__.insert(), rows)  # Core executemany: a month of parcels in well under a second
    local_hour = now.astimezone(local_zone()).hour
    plan_day = today if local_hour < 12 else today + timedelta(days=1)  # after noon the desk plans tomorrow
    run = plans.run_plan(
        session,
        jurisdiction_id,
        plan_day,
        actor=None,
        kind=PlanKind.DAILY,
        params={"van_time_limit_s": 0.3},
        note="演示 / demo",
    )
    return (
        f"客货邮 logistics: 8 条公交邮路 routes, {len(stops)} 个村 villages, {len(trips)} 个班次 trips, {len(rows)} 件包裹 parcels; "
        f"{plan_day} 排班 plan #{run.id}: {run.by_bus} 公交 bus, {run.by_van} 货车 van, {len(run.unassigned)} 未排 unassigned"
    )


def demo_hook(session: Session, city) -> str:
    """``lianxin demo``: the county network (its village communities run the first service points)."""
    return build_demo(session, city.jid, random.Random(2026))
