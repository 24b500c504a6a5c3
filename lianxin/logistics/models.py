"""客货邮 tables: the GTFS-shaped bus side (stops, routes, trips with their cargo capacity, stop times,
service calendars and their exception dates), the spare capacity per trip and service date, vans, village
service points, parcels with their legs and events, and plan runs (input snapshot, objective, result)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime, enum_column_type
from lianxin.geo.models import Place
from lianxin.logistics.status import ParcelStatus
from lianxin.orgs.models import Unit, User


class PointKind(StrEnum):
    JISHI = "jishi"  # 集士驿站
    POST = "post"  # 村邮站 / 农村物流服务点


POINT_KIND_LABELS = {PointKind.JISHI: ("集士驿站", "Jishi station"), PointKind.POST: ("村邮站", "Village post point")}


class ParcelSize(StrEnum):
    S = "s"
    M = "m"
    L = "l"


SIZE_LABELS = {ParcelSize.S: ("小件", "Small"), ParcelSize.M: ("中件", "Medium"), ParcelSize.L: ("大件", "Large")}
SIZE_VOLUME_L = {ParcelSize.S: 5.0, ParcelSize.M: 20.0, ParcelSize.L: 60.0}


class LegMode(StrEnum):
    BUS = "bus"
    VAN = "van"


class PlanKind(StrEnum):
    DAILY = "daily"  # the day's plan, adopted: parcels become planned
    ON_DEMAND = "on_demand"  # re-run by the desk during the day, adopted
    WHAT_IF = "what_if"  # compared only, never adopted


PLAN_KIND_LABELS = {
    PlanKind.DAILY: ("每日计划", "Daily plan"),
    PlanKind.ON_DEMAND: ("临时重排", "On-demand plan"),
    PlanKind.WHAT_IF: ("模拟方案", "What-if"),
}


class BusStop(Base):
    __tablename__ = "lg_stops"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))  # GTFS stop_id
    name: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    is_hub: Mapped[bool] = mapped_column(Boolean, default=False)  # the county parcel hub (客货邮中心)


class BusRoute(Base):
    __tablename__ = "lg_routes"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))  # GTFS route_id
    name: Mapped[str] = mapped_column(String(100))  # route_short_name / long name


class ServiceCalendar(Base):
    """GTFS calendar.txt; ``china_holidays``: a statutory holiday runs as a Sunday, a make-up workday (调休)
    as a Monday (chinesecalendar), before calendar_dates exceptions, which always win."""

    __tablename__ = "lg_calendars"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))  # GTFS service_id
    weekdays: Mapped[str] = mapped_column(String(7))  # "1111100": Monday..Sunday
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    china_holidays: Mapped[bool] = mapped_column(Boolean, default=True)
    added: Mapped[list] = mapped_column(JSON, default=list)  # ISO dates (calendar_dates exception_type 1)
    removed: Mapped[list] = mapped_column(JSON, default=list)  # ISO dates (exception_type 2)


class BusTrip(Base):
    """A GTFS trip with its cargo compartment: parcel slots, volume and weight (extra trips.txt columns)."""

    __tablename__ = "lg_trips"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))  # GTFS trip_id
    route_id: Mapped[int] = mapped_column(ForeignKey("lg_routes.id"), index=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("lg_calendars.id"))
    headsign: Mapped[str] = mapped_column(String(100), default="")
    block: Mapped[str] = mapped_column(String(64), default="")  # GTFS block_id: the same bus
    parcel_slots: Mapped[int] = mapped_column(Integer, default=40)
    volume_l: Mapped[float] = mapped_column(Float, default=800.0)
    kg: Mapped[float] = mapped_column(Float, default=300.0)
    cost_per_parcel: Mapped[float] = mapped_column(Float, default=1.5)  # yuan paid to the bus company

    route: Mapped[BusRoute] = relationship(lazy="joined")
    calendar: Mapped[ServiceCalendar] = relationship(lazy="joined")
    stop_times: Mapped[list[StopTime]] = relationship(
        order_by="StopTime.seq", lazy="selectin", cascade="all, delete-orphan"
    )


class StopTime(Base):
    __tablename__ = "lg_stop_times"
    __table_args__ = (UniqueConstraint("trip_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("lg_trips.id"), index=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("lg_stops.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    arrival_min: Mapped[int] = mapped_column(Integer)  # minutes after midnight (GTFS allows > 24 h)
    departure_min: Mapped[int] = mapped_column(Integer)

    stop: Mapped[BusStop] = relationship(lazy="joined")


class TripCapacity(Base):
    """The spare capacity of one trip on one service date: the trip's compartment less ``reserved``
    (slots the operator holds back that day: mail bags, a smaller bus, a breakdown)."""

    __tablename__ = "lg_trip_capacity"
    __table_args__ = (UniqueConstraint("trip_id", "service_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("lg_trips.id"))
    service_date: Mapped[date] = mapped_column(Date)
    parcel_slots: Mapped[int] = mapped_column(Integer)
    volume_l: Mapped[float] = mapped_column(Float)
    kg: Mapped[float] = mapped_column(Float)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(200), default="")


class Van(Base):
    """A fallback van from the hub: capacity, cost (fixed per day used + per km), working hours, speed."""

    __tablename__ = "lg_vans"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    capacity_parcels: Mapped[int] = mapped_column(Integer, default=150)
    capacity_kg: Mapped[float] = mapped_column(Float, default=800.0)
    fixed_cost: Mapped[float] = mapped_column(Float, default=120.0)
    cost_per_km: Mapped[float] = mapped_column(Float, default=2.0)
    speed_kmh: Mapped[float] = mapped_column(Float, default=35.0)
    shift_start_min: Mapped[int] = mapped_column(Integer, default=8 * 60)
    shift_end_min: Mapped[int] = mapped_column(Integer, default=18 * 60)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ServicePoint(Base):
    """A village service point (集士驿站 / 村邮站): where it is, its hours and operator, the bus stop serving
    it, and the village (community unit) whose staff run it."""

    __tablename__ = "lg_points"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[PointKind] = mapped_column(enum_column_type(PointKind, "lg_point_kind"), default=PointKind.POST)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("lg_stops.id"))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    hours: Mapped[str] = mapped_column(String(100), default="08:00-18:00")
    operator_name: Mapped[str] = mapped_column(String(64), default="")
    operator_phone: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    before_hours: Mapped[float | None] = mapped_column(Float)  # hub-to-village time before 客货邮 (survey)

    unit: Mapped[Unit | None] = relationship(lazy="joined")
    stop: Mapped[BusStop | None] = relationship(lazy="joined")
    place: Mapped[Place | None] = relationship(lazy="joined")


class PlanRun(Base):
    """One solve: its parameters and input snapshot, the objective and bound, the result and what stayed
    unassigned, how long it took."""

    __tablename__ = "lg_plan_runs"
    __table_args__ = (Index("ix_lg_plan_runs_date", "jurisdiction_id", "service_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    service_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[PlanKind] = mapped_column(enum_column_type(PlanKind, "lg_plan_kind"))
    adopted: Mapped[bool] = mapped_column(Boolean, default=False)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    unassigned: Mapped[list] = mapped_column(JSON, default=list)
    objective: Mapped[float] = mapped_column(Float, default=0.0)
    bus_bound: Mapped[float | None] = mapped_column(Float)  # the assignment stage's optimum (its own prices)
    lower_bound: Mapped[float | None] = mapped_column(Float)  # no plan's penalised cost can be lower
    parcels: Mapped[int] = mapped_column(Integer, default=0)
    by_bus: Mapped[int] = mapped_column(Integer, default=0)
    by_van: Mapped[int] = mapped_column(Integer, default=0)
    solve_ms: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Parcel(Base):
    __tablename__ = "lg_parcels"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "tracking_no"),
        Index("ix_lg_parcels_status", "jurisdiction_id", "status"),
        Index("ix_lg_parcels_arrived", "jurisdiction_id", "arrived_at"),  # the measures
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    tracking_no: Mapped[str] = mapped_column(String(40))
    courier: Mapped[str] = mapped_column(String(40), default="")
    point_id: Mapped[int] = mapped_column(ForeignKey("lg_points.id"), index=True)
    size: Mapped[ParcelSize] = mapped_column(enum_column_type(ParcelSize, "lg_parcel_size"), default=ParcelSize.S)
    kg: Mapped[float] = mapped_column(Float, default=1.0)
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_by: Mapped[datetime] = mapped_column(UTCDateTime)
    recipient_name: Mapped[str] = mapped_column(String(64), default="")
    recipient_phone: Mapped[str] = mapped_column(String(32))
    status: Mapped[ParcelStatus] = mapped_column(
        enum_column_type(ParcelStatus, "lg_parcel_status"), default=ParcelStatus.RECEIVED
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    plan_run_id: Mapped[int | None] = mapped_column(ForeignKey("lg_plan_runs.id"), index=True)
    planned_mode: Mapped[LegMode | None] = mapped_column(enum_column_type(LegMode, "lg_leg_mode"))
    trip_id: Mapped[int | None] = mapped_column(ForeignKey("lg_trips.id"), index=True)
    van_id: Mapped[int | None] = mapped_column(ForeignKey("lg_vans.id"))
    service_date: Mapped[date | None] = mapped_column(Date)
    eta: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")  # why the plan chose this (or could not)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    point: Mapped[ServicePoint] = relationship("lianxin.logistics.models.ServicePoint", lazy="joined")
    trip: Mapped[BusTrip | None] = relationship(lazy="joined")
    van: Mapped[Van | None] = relationship(lazy="joined")
    events: Mapped[list[ParcelEvent]] = relationship(order_by="ParcelEvent.id", lazy="selectin")

    @property
    def volume_l(self) -> float:
        return SIZE_VOLUME_L[ParcelSize(self.size)]


class ParcelEvent(Base):
    __tablename__ = "lg_parcel_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("lg_parcels.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    before: Mapped[str | None] = mapped_column(String(32))
    after: Mapped[str | None] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")
