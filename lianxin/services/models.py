"""政务服务: the catalogue (items, locations, 一件事 bundles), applications and their parts, proxy
authorisations (亲友代办), appointment slots and bookings, and 好差评 ratings; events are the history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.appeals.models import Appeal
from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime, enum_column_type
from lianxin.orgs.models import Unit
from lianxin.services.status import (
    AppStatus,
    BookingStatus,
    EvalStatus,
    ItemKind,
    ItemStatus,
    Relationship,
    TicketStatus,
)


class ServiceLocation(Base):
    """A service centre or hall: usual opening hours on working days, special days (holiday opening or
    closure) as data, slot length and capacity per slot (windows open at once)."""

    __tablename__ = "svc_locations"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    hours: Mapped[dict] = mapped_column(JSON, default=dict)  # {"workday": [["09:00", "12:00"], ...]}
    special_days: Mapped[dict] = mapped_column(JSON, default=dict)  # {"2026-10-03": [["09:00", "12:00"]]}
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    slot_capacity: Mapped[int] = mapped_column(Integer, default=4)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))  # the gazetteer's record of the hall


class ServiceWindow(Base):
    """A window (窗口) of a centre: the items it handles (empty: every item of the centre) and how many residents
    it takes per appointment slot. A centre with active windows books per window; walk-ins are called to one."""

    __tablename__ = "svc_windows"
    __table_args__ = (UniqueConstraint("location_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("svc_locations.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))  # "A03"
    name: Mapped[str] = mapped_column(String(100))  # 综合受理 3 号窗口
    item_ids: Mapped[list] = mapped_column(JSON, default=list)
    slot_capacity: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    location: Mapped[ServiceLocation] = relationship(lazy="joined")

    def handles(self, item_id: int) -> bool:
        return not self.item_ids or item_id in self.item_ids


class ServiceItem(Base):
    """A catalogue item (事项): HSDS service fields plus the Chinese time limits in working days."""

    __tablename__ = "svc_items"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "code"),
        CheckConstraint("promised_limit_days >= 0 AND legal_limit_days >= promised_limit_days", name="limits"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[ItemKind] = mapped_column(enum_column_type(ItemKind, "svc_item_kind"), default=ItemKind.PUBLIC_SERVICE)
    channels: Mapped[list] = mapped_column(JSON, default=list)
    legal_limit_days: Mapped[int] = mapped_column(Integer)
    promised_limit_days: Mapped[int] = mapped_column(Integer)
    documents: Mapped[list] = mapped_column(JSON, default=list)  # 申请材料
    form_fields: Mapped[list] = mapped_column(JSON, default=list)  # [{"name", "zh", "en"}]
    fees: Mapped[str] = mapped_column(String(300), default="不收费")
    eligibility: Mapped[str] = mapped_column(Text, default="")
    process: Mapped[str] = mapped_column(Text, default="")
    basis: Mapped[str] = mapped_column(Text, default="")  # 设定依据
    alert: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[ItemStatus] = mapped_column(
        enum_column_type(ItemStatus, "svc_item_status"), default=ItemStatus.ACTIVE
    )
    assured_on: Mapped[date | None] = mapped_column(Date)  # 信息核验日期
    location_id: Mapped[int | None] = mapped_column(ForeignKey("svc_locations.id"))
    rectify_days: Mapped[int] = mapped_column(Integer, default=15)  # 差评整改期限（工作日）
    search_text: Mapped[str] = mapped_column(Text, default="")  # jieba tokens of name, documents, eligibility
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Unit] = relationship(lazy="joined")
    location: Mapped[ServiceLocation | None] = relationship(lazy="joined")


class ServiceBundle(Base):
    """一件事: several items, one form (``form_fields``), one set of documents; a lead department."""

    __tablename__ = "svc_bundles"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    form_fields: Mapped[list] = mapped_column(JSON, default=list)
    documents: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    lead_department: Mapped[Unit] = relationship(lazy="joined")
    parts: Mapped[list[BundlePart]] = relationship(order_by="BundlePart.position")


class BundlePart(Base):
    """One item of a bundle and the form fields its department receives."""

    __tablename__ = "svc_bundle_parts"
    __table_args__ = (UniqueConstraint("bundle_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("svc_bundles.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("svc_items.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    fields: Mapped[list] = mapped_column(JSON, default=list)  # names of the bundle's form fields

    item: Mapped[ServiceItem] = relationship(lazy="joined")


class ProxyAuthorization(Base):
    """亲友代办: the principal authorises a relative (a resident account) for some items, for a period, with
    evidence; the principal's consent is recorded and the principal is told."""

    __tablename__ = "svc_proxies"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    principal_name: Mapped[str] = mapped_column(String(64))
    principal_phone: Mapped[str] = mapped_column(String(32))
    agent_account_id: Mapped[int] = mapped_column(ForeignKey("resident_accounts.id"), index=True)
    agent_name: Mapped[str] = mapped_column(String(64))
    relationship_kind: Mapped[Relationship] = mapped_column(enum_column_type(Relationship, "svc_relationship"))
    scope: Mapped[list] = mapped_column(JSON, default=list)  # item ids
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(String(300))  # 授权委托书 / 户口簿 … (what was shown)
    consent: Mapped[str] = mapped_column(String(300))  # how the principal consented
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Application(Base):
    """An application (办件). A 一件事 application has ``bundle_id`` and parts (``parent_id``), one per item,
    each handled by its department; a single-item application has ``item_id`` and no parent."""

    __tablename__ = "svc_applications"
    __table_args__ = (
        UniqueConstraint("number"),
        Index("ix_svc_applications_dept_status", "department_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("svc_items.id"), index=True)
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("svc_bundles.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("svc_applications.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    channel: Mapped[str] = mapped_column(String(16), default="online")  # online | window
    applicant_account_id: Mapped[int | None] = mapped_column(ForeignKey("resident_accounts.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(String(64))
    applicant_phone: Mapped[str] = mapped_column(String(32))
    proxy_id: Mapped[int | None] = mapped_column(ForeignKey("svc_proxies.id"))
    agent_account_id: Mapped[int | None] = mapped_column(ForeignKey("resident_accounts.id"), index=True)
    status: Mapped[AppStatus] = mapped_column(enum_column_type(AppStatus, "svc_app_status"), default=AppStatus.DRAFT)
    form: Mapped[dict] = mapped_column(JSON, default=dict)
    documents: Mapped[list] = mapped_column(JSON, default=list)  # names of the documents handed in
    attachments: Mapped[list] = mapped_column(JSON, default=list)  # uploaded scans: filename, type, size, key
    missing: Mapped[str] = mapped_column(Text, default="")  # 一次性告知: what is missing
    decision: Mapped[str] = mapped_column(Text, default="")
    limit_days: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visit_address: Mapped[str] = mapped_column(String(300), default="")  # 上门办: where staff go
    visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 上门办: the agreed time
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[ServiceItem | None] = relationship(lazy="joined")
    bundle: Mapped[ServiceBundle | None] = relationship()
    department: Mapped[Unit] = relationship(lazy="joined")
    proxy: Mapped[ProxyAuthorization | None] = relationship()
    parts: Mapped[list[Application]] = relationship(order_by="Application.id")
    events: Mapped[list[ApplicationEvent]] = relationship(order_by="ApplicationEvent.id")

    __mapper_args__ = {"version_id_col": version}


class ApplicationEvent(Base):
    __tablename__ = "svc_application_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("svc_applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Slot(Base):
    """An appointment slot at a location, or at one of its windows (``lane`` is the window's id, 0 for the whole
    centre); ``booked`` counts the bookings holding it (never above capacity)."""

    __tablename__ = "svc_slots"
    __table_args__ = (
        UniqueConstraint("location_id", "lane", "starts_at"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="capacity"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("svc_locations.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("svc_windows.id"))
    lane: Mapped[int] = mapped_column(Integer, default=0)
    day: Mapped[date] = mapped_column(Date, index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)

    location: Mapped[ServiceLocation] = relationship(lazy="joined")
    window: Mapped[ServiceWindow | None] = relationship(lazy="joined")


class Booking(Base):
    """A resident's booking; ``holder`` ("slot:account") is set while it holds the slot, so one account
    cannot hold the same slot twice (a unique key the database enforces)."""

    __tablename__ = "svc_bookings"
    __table_args__ = (UniqueConstraint("holder"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("svc_slots.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("svc_items.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("resident_accounts.id"), index=True)
    holder: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[BookingStatus] = mapped_column(
        enum_column_type(BookingStatus, "svc_booking_status"), default=BookingStatus.BOOKED
    )
    ticket_no: Mapped[str | None] = mapped_column(String(16))  # 取号
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    slot: Mapped[Slot] = relationship(lazy="joined")
    item: Mapped[ServiceItem] = relationship(lazy="joined")


class Ticket(Base):
    """A queue number (取号) at a centre on a day: a walk-in (``A012``) or a booking checked in (``Y003``). The
    centre calls it to a window, serves it (or it left); when served, an SMS carries a link with ``rate_token``
    for the 一次一评 rating of that window visit, no account needed."""

    __tablename__ = "svc_tickets"
    __table_args__ = (
        UniqueConstraint("location_id", "day", "number"),
        UniqueConstraint("booking_id"),
        UniqueConstraint("rate_token"),
        Index("ix_svc_tickets_queue", "location_id", "day", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("svc_locations.id"))
    day: Mapped[date] = mapped_column(Date)
    number: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="walk_in")  # walk_in | appointment
    item_id: Mapped[int | None] = mapped_column(ForeignKey("svc_items.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("svc_bookings.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("svc_windows.id"))
    phone: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[TicketStatus] = mapped_column(
        enum_column_type(TicketStatus, "svc_ticket_status"), default=TicketStatus.WAITING
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    served_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rate_token: Mapped[str | None] = mapped_column(String(48))

    location: Mapped[ServiceLocation] = relationship(lazy="joined")
    item: Mapped[ServiceItem | None] = relationship(lazy="joined")
    window: Mapped[ServiceWindow | None] = relationship(lazy="joined")


class Evaluation(Base):
    """好差评: one per application (一事一评) or per window visit (一次一评); a 差评 opens a work order
    (``appeal_id``) in the appeal core with a rectification deadline."""

    __tablename__ = "svc_evaluations"
    __table_args__ = (
        UniqueConstraint("application_id"),
        UniqueConstraint("booking_id"),
        UniqueConstraint("ticket_id"),
        CheckConstraint("level >= 1 AND level <= 5", name="level"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("svc_applications.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("svc_bookings.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("svc_tickets.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("svc_windows.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("svc_items.id"), index=True)  # None: a bundle
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("svc_bundles.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("resident_accounts.id"))
    channel: Mapped[str] = mapped_column(String(16))  # online | window
    level: Mapped[int] = mapped_column(Integer)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[EvalStatus] = mapped_column(
        enum_column_type(EvalStatus, "svc_eval_status"), default=EvalStatus.RECEIVED
    )
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))
    rectify_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[ServiceItem | None] = relationship(lazy="joined")
    bundle: Mapped[ServiceBundle | None] = relationship(lazy="joined")
    department: Mapped[Unit] = relationship(lazy="joined")
    window: Mapped[ServiceWindow | None] = relationship(lazy="joined")
    appeal: Mapped[Appeal | None] = relationship()
