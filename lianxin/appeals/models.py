"""Appeals (工单), their unit assignments, pending requests, attachments and the append-only event log."""

from __future__ import annotations

from datetime import date, datetime

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
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.appeals.choices import AppealType, Channel, RequestKind, RequestState, Satisfaction, UnitRole, Urgency
from lianxin.appeals.status import AppealStatus
from lianxin.clock import utcnow
from lianxin.db import Base, BigId, UTCDateTime, enum_column_type
from lianxin.orgs.models import Unit, User


class Category(Base):
    """Three-level problem classification (问题分类)."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Category | None] = relationship(remote_side=[id])


class Appellant(Base):
    """A resident or enterprise, identified by phone (residents are not accounts)."""

    __tablename__ = "appellants"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "phone"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderSequence(Base):
    """Daily counter behind order numbers (YYYYMMDD + 6 digits)."""

    __tablename__ = "order_sequences"
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


# The columns searched by words (and the caller's phone, by its last digits), each with a trigram index on PostgreSQL.
TRIGRAM_COLUMNS = ("title", "content", "address", "appellant_phone")
SUPERVISED_OPEN = "supervision_level > 0 AND status IN ('deferred', 'dispatched', 'in_progress', 'received', 'replied')"
# ``access.overdue``'s statuses (``status.HANDLING``) and the dispatch queue's, as literals the partial indexes match.
HANDLING_SQL = "status IN ('dispatched', 'in_progress')"
TO_DISPATCH_SQL = "status = 'received'"


class Appeal(Base):
    __tablename__ = "appeals"
    __table_args__ = (
        Index("ix_appeals_status_due_at", "status", "due_at"),
        Index("ix_appeals_lead_unit_status", "lead_unit_id", "status"),
        # A unit's appeals newest first (the leader's drill-down /staff/units/{id}): without it a unit that leads
        # few appeals is searched for along the whole received_at index.
        Index("ix_appeals_lead_unit_received", "lead_unit_id", "received_at"),
        Index("ix_appeals_received_at", "received_at"),
        # The leader's supervision list: few appeals are supervised, so a partial index finds them directly.
        Index(
            "ix_appeals_supervised",
            "jurisdiction_id",
            "supervision_level",
            postgresql_where=text("supervision_level > 0"),
            sqlite_where=text("supervision_level > 0"),
        ),
        # The same list at scale: supervision stays on closed appeals, so the open ones are a small part
        # of all supervised ones. ``SUPERVISED_OPEN`` is the predicate, written as literals so it matches.
        Index(
            "ix_appeals_supervised_open",
            "jurisdiction_id",
            "lead_unit_id",
            postgresql_where=text(SUPERVISED_OPEN),
            sqlite_where=text(SUPERVISED_OPEN),
        ),
        # …and in its order (level, deadline, id: lianxin.assessment.supervision.supervision_page), so a page
        # of it is an index range that stops after the page's rows instead of a sort of every supervised appeal.
        Index(
            "ix_appeals_supervised_due",
            "jurisdiction_id",
            "supervision_level",
            "due_at",
            "id",
            postgresql_where=text(SUPERVISED_OPEN),
            sqlite_where=text(SUPERVISED_OPEN),
        ),
        # The overdue list in deadline order (the longest overdue first) and its count: an index range of the
        # appeals whose clock runs, whatever the size of the history.
        Index(
            "ix_appeals_handling_due",
            "jurisdiction_id",
            "due_at",
            "id",
            postgresql_where=text(HANDLING_SQL),
            sqlite_where=text(HANDLING_SQL),
        ),
        # The dispatch queue in waiting order.
        Index(
            "ix_appeals_to_dispatch",
            "jurisdiction_id",
            "received_at",
            "id",
            postgresql_where=text(TO_DISPATCH_SQL),
            sqlite_where=text(TO_DISPATCH_SQL),
        ),
        # The appeals whose keywords wait for the repeat index (dispatch's job ``index_terms``): a few at a time.
        Index(
            "ix_appeals_terms_pending",
            "jurisdiction_id",
            "id",
            postgresql_where=text("terms_pending"),
            sqlite_where=text("terms_pending = 1"),  # as SQLAlchemy writes the test on SQLite, so the planner uses it
        ),
        # Search by words and by a phone's last digits (lianxin.appeals.search): on PostgreSQL a trigram index
        # (pg_trgm, GIN) per searched column turns ``ILIKE '%…%'`` of 3+ characters into index lookups.
        # PostgreSQL only (SQLite scans); migration 0019_search skips them where pg_trgm cannot be installed.
        *(
            Index(
                f"ix_appeals_{column}_trgm",
                column,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            ).ddl_if(dialect="postgresql")
            for column in TRIGRAM_COLUMNS
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    order_no: Mapped[str] = mapped_column(String(20), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[AppealStatus] = mapped_column(
        enum_column_type(AppealStatus, "appeal_status"), default=AppealStatus.RECEIVED
    )
    channel: Mapped[Channel] = mapped_column(enum_column_type(Channel, "channel"))
    appeal_type: Mapped[AppealType] = mapped_column(enum_column_type(AppealType, "appeal_type"))
    urgency: Mapped[Urgency] = mapped_column(enum_column_type(Urgency, "urgency"), default=Urgency.NORMAL)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    # Location
    address: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)  # a grid worker's scope
    # Appellant (snapshot at intake; phone may be empty only for anonymous appeals)
    appellant_id: Mapped[int | None] = mapped_column(ForeignKey("appellants.id"), index=True)
    appellant_name: Mapped[str | None] = mapped_column(String(64))
    appellant_phone: Mapped[str | None] = mapped_column(String(32))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    # Taken but not yet in the keyword index of the repeat lookup (lianxin.dispatch.repeats): set at intake,
    # cleared by the job that indexes it; the lookup reads the few pending appeals' texts itself meanwhile.
    terms_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Handling
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    designated: Mapped[bool] = mapped_column(Boolean, default=False)  # centre-designated: no further return
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Deadlines (set on dispatch from the time-limit policy; extended on approval)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("time_limit_policies.id"))
    sign_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set by the overdue sweep
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    # Supervision: 0 none, 1 催办 urged, 2 督办 supervised, 3 挂牌督办 listed
    supervision_level: Mapped[int] = mapped_column(Integer, default=0)
    # Outcomes
    reply_text: Mapped[str | None] = mapped_column(Text)
    not_accepted_reason: Mapped[str | None] = mapped_column(String(32))
    terminate_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"), index=True)
    defer_plan: Mapped[str | None] = mapped_column(Text)
    defer_target_date: Mapped[date | None] = mapped_column(Date)
    defer_review_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    contacted: Mapped[bool | None] = mapped_column(Boolean)
    solved: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(enum_column_type(Satisfaction, "satisfaction"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    category: Mapped[Category | None] = relationship(lazy="joined")
    lead_unit: Mapped[Unit | None] = relationship(foreign_keys=[lead_unit_id], lazy="joined")
    community: Mapped[Unit | None] = relationship(foreign_keys=[community_id])
    grid: Mapped[Unit | None] = relationship(foreign_keys=[grid_id])
    units: Mapped[list[AppealUnit]] = relationship(
        back_populates="appeal", cascade="all, delete-orphan", order_by="AppealUnit.id"
    )
    events: Mapped[list[AppealEvent]] = relationship(back_populates="appeal", order_by="AppealEvent.id", viewonly=True)
    requests: Mapped[list[AppealRequest]] = relationship(back_populates="appeal", order_by="AppealRequest.id")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="appeal", order_by="Attachment.id")

    def __repr__(self) -> str:
        return f"<Appeal {self.order_no} {self.status}>"


class AppealUnit(Base):
    """A unit working on an appeal: the lead (主办), a co-unit (协办) or a department whistled in (吹哨报到)."""

    __tablename__ = "appeal_units"
    # a unit's appeals by role from the index alone: what a scope's units worked on other than as the lead now
    # (appeals.access), and a unit's active rows of some roles (web/staff/common.py)
    __table_args__ = (Index("ix_appeal_units_unit_appeal", "unit_id", "role", "active", "appeal_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[UnitRole] = mapped_column(enum_column_type(UnitRole, "unit_role"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    report_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report_text: Mapped[str | None] = mapped_column(Text)

    appeal: Mapped[Appeal] = relationship(back_populates="units")
    unit: Mapped[Unit] = relationship(lazy="joined")


class AppealRequest(Base):
    """A handler's request that the centre must decide: return (退单), objection (派单异议), extension (延期)."""

    __tablename__ = "appeal_requests"
    __table_args__ = (Index("ix_appeal_requests_state_kind", "state", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    kind: Mapped[RequestKind] = mapped_column(enum_column_type(RequestKind, "request_kind"))
    state: Mapped[RequestState] = mapped_column(
        enum_column_type(RequestState, "request_state"), default=RequestState.PENDING
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    suggested_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    requested_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)

    appeal: Mapped[Appeal] = relationship(back_populates="requests")
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id], lazy="joined")


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("appeal_events.id"))
    purpose: Mapped[str] = mapped_column(String(16), default="intake")  # intake | proof
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    appeal: Mapped[Appeal] = relationship(back_populates="attachments")
    event: Mapped[AppealEvent | None] = relationship()


class AppealEvent(Base):
    """Append-only history: who did what, when, from which status to which."""

    __tablename__ = "appeal_events"
    __table_args__ = (Index("ix_appeal_events_kind_at", "kind", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(64))  # "system", "诉求人", or the user's name
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    public: Mapped[bool] = mapped_column(Boolean, default=False)  # shown on the resident's timeline
    note: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)

    appeal: Mapped[Appeal] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    unit: Mapped[Unit | None] = relationship()


class PersonalDataView(Base):
    """Audit log: one row per view of an appeal's personal data in the clear (who, when, which appeal,
    through which interface). Append-only; read by the auditor role (审计员)."""

    __tablename__ = "personal_data_views"
    __table_args__ = (Index("ix_personal_data_views_jurisdiction_at", "jurisdiction_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    interface: Mapped[str] = mapped_column(String(16))  # web, api, export
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    appeal: Mapped[Appeal] = relationship()
