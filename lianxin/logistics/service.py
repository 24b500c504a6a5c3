"""The only door through which 客货邮 rows change: service points, vans, spare capacity, parcels and plans.

Each verb checks the actor's permission and the transition (``status.py``), sets fields, appends a
``ParcelEvent`` and flushes; it never commits (the edge does). The county logistics desk is the dispatcher
role (or an admin); a service point is run by the grid workers and handlers of its village.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.appeals.privacy import mask_name, mask_phone
from lianxin.clock import local_zone, utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.geo.models import Place, PlaceKind
from lianxin.geo.service import add_place
from lianxin.logistics.gtfs import runs_on
from lianxin.logistics.models import (
    BusStop,
    BusTrip,
    Parcel,
    ParcelEvent,
    ParcelSize,
    PointKind,
    ServicePoint,
    TripCapacity,
    Van,
)
from lianxin.logistics.status import IllegalTransition, ParcelAction, ParcelStatus, next_status
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import has_role

DESK_ROLES = (Role.DISPATCHER,)
POINT_ROLES = (Role.GRID_WORKER, Role.HANDLER)
PHONE_RE = re.compile(r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$")
TRACKING_RE = re.compile(r"^[A-Za-z0-9-]{6,40}$")
A, S = ParcelAction, ParcelStatus


def today() -> date:
    return utcnow().astimezone(local_zone()).date()


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=local_zone())


def minute_of(day: date, moment: datetime) -> int:
    """Minutes from the service date's local midnight to ``moment`` (negative before, > 1440 after)."""
    return int((moment - local_midnight(day)).total_seconds() // 60)


def local_time(moment: datetime) -> str:
    return moment.astimezone(local_zone()).strftime("%m-%d %H:%M")


def at_minute(day: date, minute: int) -> datetime:
    return local_midnight(day) + timedelta(minutes=minute)


# --- permissions -----------------------------------------------------------------------------------


def is_desk(session: Session, actor: User | None) -> bool:
    return has_role(session, actor, DESK_ROLES)


def require_desk(session: Session, actor: User | None) -> None:
    """The county logistics desk (dispatchers, admins); None is the system (jobs, CLI)."""
    if actor is not None and not is_desk(session, actor):
        raise PermissionDenied("只有县物流调度中心可以办理此事项", "only the county logistics desk may do this")


def can_run_point(session: Session, actor: User | None, point: ServicePoint) -> bool:
    if actor is None or is_desk(session, actor):
        return True
    if point.unit_id is None:
        return False
    if has_role(session, actor, POINT_ROLES, unit_id=point.unit_id):
        return True
    return actor.active and any(g.role == Role.GRID_WORKER and g.unit.parent_id == point.unit_id for g in actor.grants)


def require_point(session: Session, actor: User | None, point: ServicePoint) -> None:
    if not can_run_point(session, actor, point):
        raise PermissionDenied(
            "只有本服务点所在村的工作人员可以办理", "only the staff of the point's village may do this"
        )


def points_for(session: Session, actor: User) -> list[ServicePoint]:
    stmt = select(ServicePoint).where(
        ServicePoint.jurisdiction_id == actor.jurisdiction_id, ServicePoint.active.is_(True)
    )
    return [p for p in session.scalars(stmt.order_by(ServicePoint.code)) if can_run_point(session, actor, p)]


# --- network data --------------------------------------------------------------------------------


def hub(session: Session, jurisdiction_id: int) -> BusStop:
    stop = session.scalars(
        select(BusStop).where(BusStop.jurisdiction_id == jurisdiction_id, BusStop.is_hub.is_(True)).order_by(BusStop.id)
    ).first()
    if stop is None:
        raise InvalidInput("尚未导入公交数据或未标注县物流中心站点", "no GTFS feed with a hub stop (is_hub=1) yet")
    return stop


def create_point(
    session: Session,
    *,
    jurisdiction_id: int,
    code: str,
    name: str,
    lat: float,
    lng: float,
    kind: PointKind | str = PointKind.POST,
    unit: Unit | None = None,
    stop: BusStop | None = None,
    place_id: int | None = None,
    hours: str = "08:00-18:00",
    operator_name: str = "",
    operator_phone: str = "",
    before_hours: float | None = None,
    actor: User | None = None,
) -> ServicePoint:
    """A village service point; ``place_id`` is its record in the gazetteer (geo's places, which the appeal
    core locates appeals with), ``before_hours`` the village's surveyed hub-to-village time before 客货邮."""
    require_desk(session, actor)
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise InvalidInput("请填写服务点编号和名称", "a service point needs a code and a name", field="code")
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidInput("经纬度超出范围", "latitude/longitude out of range", field="lat")
    if session.scalar(
        select(ServicePoint.id).where(ServicePoint.jurisdiction_id == jurisdiction_id, ServicePoint.code == code)
    ):
        raise Conflict(f"服务点编号 {code} 已存在", f"a service point {code} exists already")
    if place_id is not None:
        place = session.get(Place, place_id)
        if place is None or place.jurisdiction_id != jurisdiction_id:
            raise InvalidInput("地名库中没有这个地点", "no such place in the gazetteer", field="place_id")
    if before_hours is not None and not 0 < before_hours <= 24 * 90:
        raise InvalidInput("之前的时长应在 0–2160 小时之间", "the before time is 0–2160 hours", field="before_hours")
    point = ServicePoint(
        jurisdiction_id=jurisdiction_id,
        code=code,
        name=name,
        kind=PointKind(kind),
        unit_id=unit.id if unit else None,
        stop_id=stop.id if stop else None,
        place_id=place_id,
        lat=lat,
        lng=lng,
        hours=hours,
        operator_name=operator_name,
        operator_phone=operator_phone,
        before_hours=before_hours,
    )
    session.add(point)
    session.flush()
    return point


def register_place(session: Session, point: ServicePoint, *, actor: User | None) -> ServicePoint:
    """Record the point in the gazetteer (a landmark at its coordinates in its village) and link it, so an
    appeal that names the 驿站 is located in the village like any other place; an existing link is kept."""
    require_desk(session, actor)
    if point.place_id is not None:
        return point
    if point.unit_id is None:
        raise InvalidInput("服务点还没有所属村", "the point has no village yet", field="unit")
    place = session.scalar(
        select(Place).where(
            Place.jurisdiction_id == point.jurisdiction_id, Place.name == point.name, Place.unit_id == point.unit_id
        )
    )
    if place is None:
        place = add_place(
            session,
            jurisdiction_id=point.jurisdiction_id,
            name=point.name,
            kind=PlaceKind.LANDMARK,
            unit_id=point.unit_id,
            lat=point.lat,
            lng=point.lng,
            actor=None,
        )
    point.place_id = place.id
    session.flush()
    return point


def create_van(
    session: Session, *, jurisdiction_id: int, code: str, name: str, actor: User | None = None, **fields
) -> Van:
    require_desk(session, actor)
    van = Van(jurisdiction_id=jurisdiction_id, code=code, name=name, **fields)
    if van.capacity_parcels is not None and van.capacity_parcels < 1:
        raise InvalidInput("货车容量至少 1 件", "a van carries at least one parcel", field="capacity_parcels")
    session.add(van)
    session.flush()
    return van


def trips_on(session: Session, jurisdiction_id: int, day: date) -> list[BusTrip]:
    trips = session.scalars(
        select(BusTrip).where(BusTrip.jurisdiction_id == jurisdiction_id).order_by(BusTrip.code)
    ).all()
    return [t for t in trips if runs_on(t.calendar, day)]


def capacity(session: Session, trip: BusTrip, day: date) -> TripCapacity:
    """The trip's capacity row for ``day``, created from the trip's compartment the first time it is asked for."""
    row = session.scalars(
        select(TripCapacity).where(TripCapacity.trip_id == trip.id, TripCapacity.service_date == day)
    ).first()
    if row is None:
        row = TripCapacity(
            jurisdiction_id=trip.jurisdiction_id,
            trip_id=trip.id,
            service_date=day,
            parcel_slots=trip.parcel_slots,
            volume_l=trip.volume_l,
            kg=trip.kg,
            reserved=0,
        )
        session.add(row)
        session.flush()
    return row


def set_capacity(
    session: Session,
    trip: BusTrip,
    day: date,
    *,
    reserved: int,
    cancelled: bool = False,
    note: str = "",
    actor: User | None,
) -> TripCapacity:
    """Record the spare capacity of a trip on a date: slots held back, or the trip cancelled."""
    require_desk(session, actor)
    row = capacity(session, trip, day)
    if not 0 <= reserved <= row.parcel_slots:
        raise InvalidInput(
            f"预留格位应在 0–{row.parcel_slots} 之间", f"reserved slots must be 0–{row.parcel_slots}", field="reserved"
        )
    row.reserved, row.cancelled, row.note = reserved, cancelled, note.strip()[:200]
    session.flush()
    return row


# --- parcels ---------------------------------------------------------------------------------------


def _event(
    session: Session, parcel: Parcel, kind: str, before: S | None, *, actor: User | None, note: str = ""
) -> None:
    session.add(
        ParcelEvent(
            parcel_id=parcel.id,
            kind=kind,
            before=before,
            after=parcel.status,
            actor_id=actor.id if actor else None,
            note=note,
        )
    )


def _move(session: Session, parcel: Parcel, action: A, *, actor: User | None, note: str = "") -> None:
    before = S(parcel.status)
    try:
        parcel.status = next_status(before, action)
    except IllegalTransition as exc:
        raise Conflict(exc.message_zh, exc.message_en) from None
    parcel.version += 1
    _event(session, parcel, action.value, before, actor=actor, note=note)


def point_by_code(session: Session, jurisdiction_id: int, code: str) -> ServicePoint:
    point = session.scalars(
        select(ServicePoint).where(ServicePoint.jurisdiction_id == jurisdiction_id, ServicePoint.code == code.strip())
    ).first()
    if point is None:
        raise InvalidInput(f"服务点 {code} 不存在", f"no service point {code}", field="point")
    return point


def receive_parcel(
    session: Session,
    *,
    jurisdiction_id: int,
    tracking_no: str,
    point: ServicePoint,
    recipient_phone: str,
    ready_at: datetime,
    due_by: datetime,
    size: ParcelSize | str = ParcelSize.S,
    kg: float = 1.0,
    recipient_name: str = "",
    courier: str = "",
    actor: User | None = None,
) -> Parcel:
    """收件: a courier's parcel arrives at the county hub for a village service point."""
    require_desk(session, actor)
    tracking_no = tracking_no.strip().upper()
    if not TRACKING_RE.match(tracking_no):
        raise InvalidInput(
            "运单号应为 6–40 位字母或数字", "tracking numbers are 6–40 letters or digits", field="tracking_no"
        )
    phone = recipient_phone.replace(" ", "").strip()
    if not PHONE_RE.match(phone):
        raise InvalidInput("请填写正确的收件人电话", "enter a valid recipient phone number", field="recipient_phone")
    try:
        size = ParcelSize(size)
    except ValueError:
        raise InvalidInput("件型应为 s / m / l", "size is s, m or l", field="size") from None
    if not 0 < kg <= 100:
        raise InvalidInput("重量应在 0–100 公斤之间", "weight must be 0–100 kg", field="kg")
    if due_by <= ready_at:
        raise InvalidInput("送达时限应晚于到达中心的时间", "the due time must be after the ready time", field="due_by")
    if point.jurisdiction_id != jurisdiction_id or not point.active:
        raise InvalidInput("服务点不可用", "the service point is not available", field="point")
    if session.scalar(
        select(Parcel.id).where(Parcel.jurisdiction_id == jurisdiction_id, Parcel.tracking_no == tracking_no)
    ):
        raise Conflict(f"运单号 {tracking_no} 已登记", f"the parcel {tracking_no} is registered already")
    parcel = Parcel(
        jurisdiction_id=jurisdiction_id,
        tracking_no=tracking_no,
        courier=courier.strip()[:40],
        point_id=point.id,
        size=size,
        kg=kg,
        ready_at=ready_at,
        due_by=due_by,
        recipient_name=recipient_name.strip()[:64],
        recipient_phone=phone,
        status=S.RECEIVED,
        received_at=utcnow(),
    )
    session.add(parcel)
    session.flush()
    _event(session, parcel, "receive", None, actor=actor)
    session.flush()
    return parcel


CSV_FIELDS = ("tracking_no", "point", "recipient_phone", "ready_at", "due_by")


def _when(value: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{field} 时间格式应为 2026-12-05 09:00", f"{field} looks like 2026-12-05 09:00", field=field
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=local_zone())


def import_parcels_csv(session: Session, jurisdiction_id: int, text: str, *, actor: User | None) -> int:
    """Import a courier's manifest (CSV with a header: tracking_no, point, recipient_phone, ready_at, due_by,
    and optional size, kg, recipient_name, courier). All or nothing: the first bad line stops the import."""
    require_desk(session, actor)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [f for f in CSV_FIELDS if f not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            f"CSV 缺少列：{', '.join(missing)}", f"the CSV lacks the columns {', '.join(missing)}", field="file"
        )
    points: dict[str, ServicePoint] = {}
    count = 0
    for line, row in enumerate(reader, start=2):
        try:
            code = (row.get("point") or "").strip()
            if code not in points:
                points[code] = point_by_code(session, jurisdiction_id, code)
            try:
                kg = float(row.get("kg") or 1)
            except ValueError:
                raise InvalidInput("重量应为数字", "kg must be a number", field="kg") from None
            receive_parcel(
                session,
                jurisdiction_id=jurisdiction_id,
                tracking_no=row.get("tracking_no") or "",
                point=points[code],
                recipient_phone=row.get("recipient_phone") or "",
                recipient_name=row.get("recipient_name") or "",
                ready_at=_when(row.get("ready_at") or "", "ready_at"),
                due_by=_when(row.get("due_by") or "", "due_by"),
                size=(row.get("size") or "s").strip().lower(),
                kg=kg,
                courier=row.get("courier") or "",
                actor=actor,
            )
        except (InvalidInput, Conflict) as exc:
            raise InvalidInput(
                f"第 {line} 行：{exc.message_zh}", f"line {line}: {exc.message_en}", field="file"
            ) from None
        count += 1
    return count


def parcel_by_no(session: Session, jurisdiction_id: int, tracking_no: str) -> Parcel:
    parcel = session.scalars(
        select(Parcel).where(
            Parcel.jurisdiction_id == jurisdiction_id, Parcel.tracking_no == tracking_no.strip().upper()
        )
    ).first()
    if parcel is None:
        raise NotFound("运单不存在", "no such parcel")
    return parcel


def load_parcel(session: Session, parcel: Parcel, *, actor: User | None) -> Parcel:
    """装车: scanned onto its planned bus or van at the hub."""
    require_desk(session, actor)
    _move(session, parcel, A.LOAD, actor=actor)
    session.flush()
    return parcel


def depart(
    session: Session,
    *,
    jurisdiction_id: int,
    day: date,
    trip: BusTrip | None = None,
    van: Van | None = None,
    actor: User | None,
) -> int:
    """发车: every loaded parcel of the trip (or van) on ``day`` is in transit; the planned parcels left
    behind (not loaded) go back to received for the next plan. Returns the parcels in transit."""
    require_desk(session, actor)
    stmt = select(Parcel).where(Parcel.jurisdiction_id == jurisdiction_id, Parcel.service_date == day)
    stmt = (
        stmt.where(Parcel.trip_id == trip.id)
        if trip is not None
        else stmt.where(Parcel.van_id == (van.id if van else -1))
    )
    moved = 0
    for parcel in session.scalars(stmt.order_by(Parcel.id)):
        if parcel.status == S.LOADED:
            _move(session, parcel, A.DEPART, actor=actor)
            moved += 1
        elif parcel.status == S.PLANNED:
            _move(session, parcel, A.UNPLAN, actor=actor, note="未装车，车辆已发出 / not loaded when it left")
            _clear_plan(parcel)
    session.flush()
    return moved


def arrive(session: Session, parcel: Parcel, *, actor: User | None) -> Parcel:
    """到站: the point operator takes the parcel off the bus or van; the recipient is told (pickup by phone tail)."""
    require_point(session, actor, parcel.point)
    _move(session, parcel, A.ARRIVE, actor=actor)
    parcel.arrived_at = utcnow()
    session.flush()
    return parcel


def collect(session: Session, parcel: Parcel, *, phone_tail: str, actor: User | None) -> Parcel:
    """取件: handed over to the recipient, who gives the last four digits of the phone number."""
    require_point(session, actor, parcel.point)
    if phone_tail.strip() != parcel.recipient_phone[-4:]:
        raise InvalidInput("手机尾号不符", "the last four digits of the phone do not match", field="phone_tail")
    _move(session, parcel, A.COLLECT, actor=actor)
    parcel.closed_at = utcnow()
    session.flush()
    return parcel


def return_parcel(session: Session, parcel: Parcel, *, reason: str, actor: User | None) -> Parcel:
    """退回: refused, not collected in time, or undeliverable; a reason is required."""
    if parcel.status == S.AT_POINT:
        require_point(session, actor, parcel.point)
    else:
        require_desk(session, actor)
    reason = reason.strip()
    if len(reason) < 2:
        raise InvalidInput("请填写退回原因", "give the reason for the return", field="reason")
    _move(session, parcel, A.RETURN, actor=actor, note=reason[:500])
    parcel.closed_at = utcnow()
    session.flush()
    return parcel


def _clear_plan(parcel: Parcel) -> None:
    parcel.plan_run_id = parcel.trip_id = parcel.van_id = parcel.planned_mode = parcel.eta = None
    parcel.service_date = None


def public_view(session: Session, jurisdiction_id: int, tracking_no: str, phone_tail: str) -> dict:
    """What a resident sees when tracking by number and the phone's last four digits: masked, no operator notes."""
    try:
        parcel = parcel_by_no(session, jurisdiction_id, tracking_no)
    except NotFound:
        parcel = None
    if parcel is None or phone_tail.strip() != parcel.recipient_phone[-4:]:
        raise NotFound("没有找到这个包裹，请核对运单号和手机尾号", "no parcel with that number and phone; check both")
    return {
        "parcel": parcel,
        "recipient": mask_name(parcel.recipient_name) or mask_phone(parcel.recipient_phone),
        "events": [e for e in parcel.events],
    }
