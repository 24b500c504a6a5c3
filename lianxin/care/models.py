"""Proactive care: households and people (with vulnerable-group tags and emergency contacts), their audited
events and the log of unmasked views; devices, append-only readings, rules as data, alarms and their events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.appeals.models import Appeal  # an alarm's work order
from lianxin.care.status import AlarmCategory, AlarmStatus, Outcome, RuleKind
from lianxin.clock import utcnow
from lianxin.crypto import Encrypted, lookup_hash
from lianxin.db import Base, BigId, UTCDateTime, enum_column_type
from lianxin.orgs.models import Unit, User


class Tag(StrEnum):
    LONE_ELDERLY = "lone_elderly"  # 独居老人
    EMPTY_NEST = "empty_nest"  # 空巢老人
    DISABLED = "disabled"  # 残疾人
    DIBAO = "dibao"  # 低保
    LEFT_BEHIND_CHILD = "left_behind_child"  # 留守儿童
    SERIOUS_ILLNESS = "serious_illness"  # 重病
    VETERAN = "veteran"  # 退役军人/优抚对象


TAG_LABELS = {
    Tag.LONE_ELDERLY: ("独居老人", "Lives alone (elderly)"),
    Tag.EMPTY_NEST: ("空巢老人", "Empty-nest elderly"),
    Tag.DISABLED: ("残疾人", "Disabled"),
    Tag.DIBAO: ("低保", "Minimum-living allowance"),
    Tag.LEFT_BEHIND_CHILD: ("留守儿童", "Left-behind child"),
    Tag.SERIOUS_ILLNESS: ("重病", "Serious illness"),
    Tag.VETERAN: ("优抚对象", "Veteran"),
}
TAG_BY_ZH = {zh: tag for tag, (zh, _) in TAG_LABELS.items()}


class DeviceKind(StrEnum):
    WATER = "water"  # 水表 (m³, cumulative)
    ELECTRICITY = "electricity"  # 电表 (kWh, cumulative)
    DOOR = "door"  # 门磁 (openings, cumulative)
    BUTTON = "button"  # 紧急按钮 (1 = pressed)


DEVICE_LABELS = {
    DeviceKind.WATER: ("智能水表", "Water meter"),
    DeviceKind.ELECTRICITY: ("智能电表", "Electricity meter"),
    DeviceKind.DOOR: ("门磁", "Door contact"),
    DeviceKind.BUTTON: ("紧急按钮", "Emergency button"),
}


class Household(Base):
    __tablename__ = "care_households"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    building: Mapped[str] = mapped_column(String(32), default="")
    unit_no: Mapped[str] = mapped_column(String(32), default="")
    room: Mapped[str] = mapped_column(String(32), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    quiet_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    quiet_reason: Mapped[str | None] = mapped_column(String(100))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)  # repeated real alarms → monitoring
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Unit] = relationship(foreign_keys=[community_id], lazy="joined")
    grid: Mapped[Unit | None] = relationship(foreign_keys=[grid_id], lazy="joined")
    people: Mapped[list[Person]] = relationship(back_populates="household", order_by="Person.id")
    contacts: Mapped[list[Contact]] = relationship(order_by="Contact.priority, Contact.id")
    devices: Mapped[list[Device]] = relationship(back_populates="household", order_by="Device.id")


class Person(Base):
    """ID number and phone are encrypted at rest (``lianxin.crypto``); ``id_hash`` and ``phone_hash`` are their
    keyed hashes, kept by the attribute events below, so a duplicate ID number is found without decrypting."""

    __tablename__ = "care_people"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "id_hash"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("care_households.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str | None] = mapped_column(Encrypted())
    id_hash: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(Encrypted())
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    relation: Mapped[str] = mapped_column(String(16), default="户主")  # 户主 / 配偶 / 子女 / …
    birth_year: Mapped[int | None] = mapped_column(Integer)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Household] = relationship(back_populates="people")


ID_PURPOSE, PHONE_PURPOSE = "care-id", "care-phone"


@event.listens_for(Person.id_number, "set")
def _hash_id_number(target: Person, value, _old, _initiator):
    target.id_hash = lookup_hash(value, ID_PURPOSE)


@event.listens_for(Person.phone, "set")
def _hash_phone(target: Person, value, _old, _initiator):
    target.phone_hash = lookup_hash(value, PHONE_PURPOSE)


class Contact(Base):
    """An emergency contact of a household; ``priority`` 1 is called first (family first)."""

    __tablename__ = "care_contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("care_households.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(Encrypted())  # encrypted at rest
    relation: Mapped[str] = mapped_column(String(16), default="子女")
    priority: Mapped[int] = mapped_column(Integer, default=1)


class HouseholdEvent(Base):
    """Append-only audit of every change to a household, its people, contacts, devices and quiet periods."""

    __tablename__ = "care_household_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("care_households.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")


class CareDataView(Base):
    """One row per view of a household's ID numbers and phones in the clear (who, when, which interface)."""

    __tablename__ = "care_data_views"
    __table_args__ = (Index("ix_care_data_views_jurisdiction_at", "jurisdiction_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("care_households.id"), index=True)
    interface: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Device(Base):
    __tablename__ = "care_devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("care_households.id"), index=True)
    kind: Mapped[DeviceKind] = mapped_column(enum_column_type(DeviceKind, "care_device_kind"))
    external_id: Mapped[str] = mapped_column(String(64), unique=True)  # the MQTT topic's last level
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_reading_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_value: Mapped[float | None] = mapped_column(Float)

    household: Mapped[Household] = relationship(back_populates="devices")


class Reading(Base):
    """Append-only; idempotent on (device, ts): a duplicate or a late message changes nothing."""

    __tablename__ = "care_readings"
    __table_args__ = (UniqueConstraint("device_id", "ts"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("care_devices.id"))
    ts: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(8), default="mqtt")  # mqtt | http
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertRule(Base):
    """A rule as data: the jurisdiction's default (``household_id`` empty) or a household's override."""

    __tablename__ = "care_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("care_households.id"), index=True)
    kind: Mapped[RuleKind] = mapped_column(enum_column_type(RuleKind, "care_rule_kind"))
    device_kind: Mapped[DeviceKind] = mapped_column(enum_column_type(DeviceKind, "care_rule_device_kind"))
    name: Mapped[str] = mapped_column(String(64))
    window_h: Mapped[float] = mapped_column(Float, default=24)
    threshold: Mapped[float] = mapped_column(Float, default=0)
    active_hours: Mapped[str | None] = mapped_column(String(8))  # "22-6": evaluated only then (Beijing time)
    visit_hours: Mapped[float] = mapped_column(Float, default=2)  # visit deadline on the clock
    ladder: Mapped[list] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Alarm(Base):
    """At most one open alarm per (household, rule): ``open_key`` is set while it is open and unique."""

    __tablename__ = "care_alarms"
    __table_args__ = (Index("ix_care_alarms_jurisdiction_status", "jurisdiction_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("care_households.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("care_devices.id"))
    rule_id: Mapped[int] = mapped_column(ForeignKey("care_rules.id"), index=True)
    kind: Mapped[RuleKind] = mapped_column(enum_column_type(RuleKind, "care_alarm_kind"))
    category: Mapped[AlarmCategory] = mapped_column(enum_column_type(AlarmCategory, "care_alarm_category"))
    status: Mapped[AlarmStatus] = mapped_column(enum_column_type(AlarmStatus, "care_alarm_status"))
    open_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    detail: Mapped[str] = mapped_column(String(200), default="")
    value: Mapped[float | None] = mapped_column(Float)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visit_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visit_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    step: Mapped[int] = mapped_column(Integer, default=0)  # index of the ladder rung last told
    next_escalation_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    outcome: Mapped[Outcome | None] = mapped_column(enum_column_type(Outcome, "care_alarm_outcome"))
    visit_note: Mapped[str | None] = mapped_column(Text)
    photo_key: Mapped[str | None] = mapped_column(String(200))
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))  # the work order (rung work_order)
    version: Mapped[int] = mapped_column(Integer, default=1)

    household: Mapped[Household] = relationship(lazy="joined")
    rule: Mapped[AlertRule] = relationship(lazy="joined")
    device: Mapped[Device | None] = relationship()
    appeal: Mapped[Appeal | None] = relationship()  # the work order, when the ladder made one
    events: Mapped[list[AlarmEvent]] = relationship(order_by="AlarmEvent.id", back_populates="alarm")


class AlarmEvent(Base):
    __tablename__ = "care_alarm_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    alarm_id: Mapped[int] = mapped_column(ForeignKey("care_alarms.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    alarm: Mapped[Alarm] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(lazy="joined")
