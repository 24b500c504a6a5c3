"""GTFS import (stops, routes, trips with cargo columns, stop_times, calendar, calendar_dates) and the
service-day rule with Chinese holidays. A feed is a folder or a .zip of the standard text files; trips.txt
may carry the extra columns ``parcel_slots``, ``cargo_kg``, ``cargo_volume_l`` and ``cost_per_parcel``, and
stops.txt ``is_hub`` (1 for the county parcel hub)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.errors import InvalidInput
from lianxin.logistics.models import BusRoute, BusStop, BusTrip, ServiceCalendar, StopTime

REQUIRED = ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def runs_on(calendar: ServiceCalendar, day: date) -> bool:
    """GTFS semantics: calendar_dates exceptions win; otherwise the date range and the weekday flag, where
    (``china_holidays``) a statutory holiday counts as a Sunday and a make-up workday (调休) as a Monday."""
    iso = day.isoformat()
    if iso in (calendar.removed or []):
        return False
    if iso in (calendar.added or []):
        return True
    if not calendar.start_date <= day <= calendar.end_date:
        return False
    weekday = day.weekday()
    if calendar.china_holidays:
        import chinese_calendar

        try:
            holiday = chinese_calendar.is_holiday(day)
        except NotImplementedError:  # a year the package does not know yet: plain weekdays
            holiday = weekday >= 5
        if holiday and weekday < 5:
            weekday = 6
        elif not holiday and weekday >= 5:
            weekday = 0
    return calendar.weekdays[weekday] == "1"


def _minutes(value: str, where: str) -> int:
    try:
        h, m, *_ = (int(x) for x in value.strip().split(":"))
    except ValueError:
        raise InvalidInput(f"{where}：时间格式应为 HH:MM:SS", f"{where}: times look like 07:30:00") from None
    return h * 60 + m


def _date(value: str, where: str) -> date:
    try:
        return datetime.strptime(value.strip(), "%Y%m%d").date()
    except ValueError:
        raise InvalidInput(f"{where}：日期格式应为 YYYYMMDD", f"{where}: dates look like 20261201") from None


def read_feed(source: Path | str | dict[str, str]) -> dict[str, list[dict]]:
    """The feed's tables as lists of rows: from a folder, a .zip, or ``{"stops.txt": text, ...}``."""
    texts: dict[str, str] = {}
    if isinstance(source, dict):
        texts = dict(source)
    else:
        path = Path(source)
        if path.is_dir():
            texts = {f.name: f.read_text(encoding="utf-8-sig") for f in path.glob("*.txt")}
        elif path.suffix == ".zip" and path.exists():
            with zipfile.ZipFile(path) as archive:
                texts = {
                    Path(n).name: archive.read(n).decode("utf-8-sig") for n in archive.namelist() if n.endswith(".txt")
                }
        else:
            raise InvalidInput(f"找不到 GTFS 数据：{path}", f"no GTFS feed at {path}")
    missing = [name for name in REQUIRED if name not in texts]
    if missing:
        raise InvalidInput(f"GTFS 缺少文件：{', '.join(missing)}", f"the GTFS feed lacks {', '.join(missing)}")
    return {name: list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")))) for name, text in texts.items()}


def import_feed(session: Session, jurisdiction_id: int, source) -> dict[str, int]:
    """Insert or update the feed's stops, routes, calendars and trips (their stop times are replaced)."""
    feed = read_feed(source)
    j = jurisdiction_id

    def existing(model) -> dict:
        return {row.code: row for row in session.scalars(select(model).where(model.jurisdiction_id == j))}

    stops, routes, calendars, trips = (
        existing(BusStop),
        existing(BusRoute),
        existing(ServiceCalendar),
        existing(BusTrip),
    )
    for row in feed["stops.txt"]:
        where = f"stops.txt {row.get('stop_id', '')}"
        try:
            lat, lng = float(row["stop_lat"]), float(row["stop_lon"])
        except (KeyError, ValueError):
            raise InvalidInput(f"{where}：缺少经纬度", f"{where}: stop_lat/stop_lon missing") from None
        stop = stops.get(row["stop_id"]) or BusStop(jurisdiction_id=j, code=row["stop_id"])
        stop.name, stop.lat, stop.lng = row.get("stop_name") or row["stop_id"], lat, lng
        stop.is_hub = row.get("is_hub", "0").strip() == "1"
        stops[stop.code] = stop
        session.add(stop)
    for row in feed["routes.txt"]:
        route = routes.get(row["route_id"]) or BusRoute(jurisdiction_id=j, code=row["route_id"])
        route.name = row.get("route_short_name") or row.get("route_long_name") or row["route_id"]
        routes[route.code] = route
        session.add(route)
    for row in feed["calendar.txt"]:
        where = f"calendar.txt {row.get('service_id', '')}"
        cal = calendars.get(row["service_id"]) or ServiceCalendar(jurisdiction_id=j, code=row["service_id"])
        cal.weekdays = "".join("1" if row.get(day, "0").strip() == "1" else "0" for day in DAYS)
        cal.start_date, cal.end_date = _date(row.get("start_date", ""), where), _date(row.get("end_date", ""), where)
        cal.china_holidays = row.get("china_holidays", "1").strip() != "0"
        cal.added, cal.removed = [], []
        calendars[cal.code] = cal
        session.add(cal)
    for row in feed.get("calendar_dates.txt", []):
        cal = calendars.get(row["service_id"])
        if cal is None:
            raise InvalidInput(
                f"calendar_dates.txt：未知 service_id {row['service_id']}",
                f"calendar_dates.txt: unknown service_id {row['service_id']}",
            )
        day = _date(row["date"], "calendar_dates.txt").isoformat()
        key = "added" if row.get("exception_type", "").strip() == "1" else "removed"
        setattr(cal, key, [*getattr(cal, key), day])
    session.flush()
    by_trip: dict[str, list[dict]] = {}
    for row in feed["stop_times.txt"]:
        by_trip.setdefault(row["trip_id"], []).append(row)
    count_times = 0
    for row in feed["trips.txt"]:
        where = f"trips.txt {row.get('trip_id', '')}"
        route, cal = routes.get(row.get("route_id", "")), calendars.get(row.get("service_id", ""))
        if route is None or cal is None:
            raise InvalidInput(f"{where}：线路或服务日历不存在", f"{where}: unknown route_id or service_id")
        trip = trips.get(row["trip_id"]) or BusTrip(jurisdiction_id=j, code=row["trip_id"])
        trip.route_id, trip.calendar_id = route.id, cal.id
        trip.headsign, trip.block = row.get("trip_headsign", ""), row.get("block_id", "")
        try:
            trip.parcel_slots = int(row.get("parcel_slots") or 40)
            trip.kg = float(row.get("cargo_kg") or 300)
            trip.volume_l = float(row.get("cargo_volume_l") or 800)
            trip.cost_per_parcel = float(row.get("cost_per_parcel") or 1.5)
        except ValueError:
            raise InvalidInput(f"{where}：载货能力应为数字", f"{where}: cargo capacity must be numbers") from None
        trip.stop_times = []
        session.add(trip)
        session.flush()
        for st in sorted(by_trip.get(trip.code, []), key=lambda r: int(r["stop_sequence"])):
            stop = stops.get(st["stop_id"])
            if stop is None:
                raise InvalidInput(
                    f"stop_times.txt：未知站点 {st['stop_id']}", f"stop_times.txt: unknown stop {st['stop_id']}"
                )
            arrive = _minutes(st.get("arrival_time") or st["departure_time"], "stop_times.txt")
            trip.stop_times.append(
                StopTime(
                    stop_id=stop.id,
                    seq=int(st["stop_sequence"]),
                    arrival_min=arrive,
                    departure_min=_minutes(st.get("departure_time") or st["arrival_time"], "stop_times.txt"),
                )
            )
            count_times += 1
        trips[trip.code] = trip
    session.flush()
    return {
        "stops": len(feed["stops.txt"]),
        "routes": len(feed["routes.txt"]),
        "trips": len(feed["trips.txt"]),
        "stop_times": count_times,
        "calendars": len(feed["calendar.txt"]),
    }
