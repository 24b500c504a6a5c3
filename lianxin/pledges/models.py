"""办实事 commitment lists (公开承诺清单/台账): lists, nested items with measurable targets and
milestones, published versions, joint meetings (联席会议) with per-item decisions, 三评 ratings, and
the append-only event history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime, enum_column_type
from lianxin.orgs.models import Unit
from lianxin.pledges.status import DEFAULT_WEIGHTS, ItemStatus, ListStatus, RatingKind


class PledgeList(Base):
    """One unit's (or party organisation's) list for a year and campaign."""

    __tablename__ = "pledge_lists"
    __table_args__ = (Index("ix_pledge_lists_jurisdiction_year", "jurisdiction_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    campaign: Mapped[str] = mapped_column(String(100), default="我为群众办实事")
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    party_org_id: Mapped[int | None] = mapped_column(Integer)  # a party organisation (no table yet)
    status: Mapped[ListStatus] = mapped_column(
        enum_column_type(ListStatus, "pledge_list_status"), default=ListStatus.DRAFT
    )
    version: Mapped[int] = mapped_column(Integer, default=0)  # the published version's number (0: never)
    pending_changes: Mapped[bool] = mapped_column(Boolean, default=False)  # changed since the last version
    rating_weights: Mapped[dict] = mapped_column(JSON, default=lambda: dict(DEFAULT_WEIGHTS))  # 三评 weights
    description: Mapped[str] = mapped_column(Text, default="")
    # the joint meeting's schedule (e.g. every Tuesday 09:00): weekday 0 = Monday … 6 = Sunday
    meeting_weekday: Mapped[int | None] = mapped_column(Integer)
    meeting_time: Mapped[str] = mapped_column(String(5), default="")
    meeting_place: Mapped[str] = mapped_column(String(100), default="")
    meeting_participants: Mapped[list] = mapped_column(JSON, default=list)
    secretary_ids: Mapped[list] = mapped_column(JSON, default=list)  # users who keep the minutes (会议秘书)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner_unit: Mapped[Unit | None] = relationship(lazy="joined")
    items: Mapped[list[PledgeItem]] = relationship(
        back_populates="pledge_list", order_by="PledgeItem.position, PledgeItem.id"
    )
    versions: Mapped[list[PledgeListVersion]] = relationship(order_by="PledgeListVersion.number.desc()")


class PledgeListVersion(Base):
    """A published version: the commitments as the public saw them and what changed from the previous one."""

    __tablename__ = "pledge_list_versions"
    __table_args__ = (UniqueConstraint("list_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("pledge_lists.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict] = mapped_column(JSON)  # {"list": {...}, "items": {item_id: {field: value}}}
    digest: Mapped[str | None] = mapped_column(String(64))  # sha256 of the snapshot: the read cache's key
    changes: Mapped[dict] = mapped_column(JSON, default=dict)  # status.diff_versions of the previous snapshot
    note: Mapped[str] = mapped_column(Text, default="")
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PledgeItem(Base):
    """A commitment (实事项目); items nest (county → street → village → item) through ``parent_id``."""

    __tablename__ = "pledge_items"
    __table_args__ = (
        UniqueConstraint("list_id", "external_id"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),
        CheckConstraint("weight >= 0", name="weight"),
        Index("ix_pledge_items_owner_status", "owner_unit_id", "status"),
        Index("ix_pledge_items_list_status_due", "list_id", "status", "due_on"),  # a ledger's live figures
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("pledge_lists.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("pledge_items.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    co_unit_ids: Mapped[list] = mapped_column(JSON, default=list)
    lead_official: Mapped[str] = mapped_column(String(100), default="")  # 领办领导
    category: Mapped[str] = mapped_column(String(100), default="")
    area: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    start_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    budget_planned: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # 万元
    budget_spent: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    fund_source: Mapped[str] = mapped_column(String(200), default="")
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[ItemStatus] = mapped_column(
        enum_column_type(ItemStatus, "pledge_item_status"), default=ItemStatus.PLANNED
    )
    # the status vocabulary's entry (``PledgeStatus.key``) the item shows; its lifecycle state is ``status``
    status_key: Mapped[str | None] = mapped_column(String(32))
    completed_on: Mapped[date | None] = mapped_column(Date)
    reminded_due_on: Mapped[date | None] = mapped_column(Date)  # the due date the last reminder was sent for
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    pledge_list: Mapped[PledgeList] = relationship(back_populates="items")
    owner_unit: Mapped[Unit | None] = relationship(lazy="joined")
    targets: Mapped[list[PledgeTarget]] = relationship(back_populates="item", order_by="PledgeTarget.id")
    milestones: Mapped[list[PledgeMilestone]] = relationship(
        order_by="PledgeMilestone.dated.desc(), PledgeMilestone.id.desc()"
    )


class PledgeTarget(Base):
    """A measurable indicator: baseline (value and period) → target, the latest actual, the method."""

    __tablename__ = "pledge_targets"
    __table_args__ = (CheckConstraint("direction IN ('up', 'down')", name="direction"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("pledge_items.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(32), default="")  # 计量单位: 个, 公里, %, 次 …
    baseline: Mapped[float | None] = mapped_column(Float)
    baseline_period: Mapped[str] = mapped_column(String(50), default="")
    target: Mapped[float] = mapped_column(Float)
    actual: Mapped[float | None] = mapped_column(Float)
    measured_on: Mapped[date | None] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(300), default="")
    direction: Mapped[str] = mapped_column(String(8), default="up")  # up: higher is better; down: lower is
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual | appeals_derived
    # appeals_derived: {"category_id", "place", "baseline_from", "baseline_to"}: the appeals counted
    params: Mapped[dict] = mapped_column(JSON, default=dict)

    item: Mapped[PledgeItem] = relationship(back_populates="targets")


class PledgeMilestone(Base):
    __tablename__ = "pledge_milestones"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("pledge_items.id"), index=True)
    dated: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[int | None] = mapped_column(Integer)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("pledge_meetings.id"))
    photos: Mapped[list] = mapped_column(JSON, default=list)  # storage keys under upload_dir/pledges/
    documents: Mapped[list] = mapped_column(JSON, default=list)  # [{"key", "name", "type"}] (PDF, Office files)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PledgeMeeting(Base):
    """A joint meeting (联席会议 / 工作例会): who came, the minutes, the decisions per item."""

    __tablename__ = "pledge_meetings"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    list_id: Mapped[int | None] = mapped_column(ForeignKey("pledge_lists.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    attendees: Mapped[list] = mapped_column(JSON, default=list)
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decisions: Mapped[list[PledgeDecision]] = relationship(back_populates="meeting", order_by="PledgeDecision.id")


class PledgeDecision(Base):
    """A decision on one item; ``ticked`` writes the item's milestone, a follow-up has an owner and a date."""

    __tablename__ = "pledge_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("pledge_meetings.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("pledge_items.id"), index=True)
    decision: Mapped[str] = mapped_column(Text)
    ticked: Mapped[bool] = mapped_column(Boolean, default=False)
    completes: Mapped[bool] = mapped_column(Boolean, default=False)
    follow_up: Mapped[str] = mapped_column(Text, default="")
    follow_up_owner: Mapped[str] = mapped_column(String(100), default="")
    follow_up_due: Mapped[date | None] = mapped_column(Date)
    follow_up_done_on: Mapped[date | None] = mapped_column(Date)  # the follow-up action reported done
    follow_up_result: Mapped[str] = mapped_column(Text, default="")
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("pledge_milestones.id"))
    created_item_id: Mapped[int | None] = mapped_column(ForeignKey("pledge_items.id"))  # a decision's new item

    meeting: Mapped[PledgeMeeting] = relationship(back_populates="decisions")
    item: Mapped[PledgeItem] = relationship(foreign_keys=[item_id])


class PledgeRating(Base):
    """三评, 一事一评: one self-assessment and one review per item, one public rating per account per item."""

    __tablename__ = "pledge_ratings"
    __table_args__ = (
        UniqueConstraint("item_id", "kind", "rater_key"),
        CheckConstraint("score >= 0 AND score <= 100", name="score"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("pledge_items.id"), index=True)
    kind: Mapped[RatingKind] = mapped_column(enum_column_type(RatingKind, "pledge_rating_kind"))
    # self/review: the kind itself; public: a keyed hash of the resident's phone (the account)
    rater_key: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)  # 0–100 (public stars × 20)
    comment: Mapped[str] = mapped_column(Text, default="")
    rater_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))  # the comment turned into an appeal
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PledgeEvent(Base):
    """Append-only history of lists and items: who did what, from which status to which, with a payload."""

    __tablename__ = "pledge_events"
    __table_args__ = (Index("ix_pledge_events_list", "list_id", "id"), Index("ix_pledge_events_item", "item_id", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    list_id: Mapped[int] = mapped_column(ForeignKey("pledge_lists.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("pledge_items.id"))
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PledgeStatus(Base):
    """The editable status vocabulary (Decidim's ``Status``, Gobierto's per-plan vocabulary): a key, names,
    a description, a default progress the item takes when given the status, and the lifecycle state
    (``base``, an ``ItemStatus``) it stands for, so the state machine stays fixed while the words and
    the finer steps (e.g. 招标中, 施工中 under 推进中) are the jurisdiction's own."""

    __tablename__ = "pledge_statuses"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "key"),
        CheckConstraint("default_progress IS NULL OR (default_progress >= 0 AND default_progress <= 100)", name="pct"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    key: Mapped[str] = mapped_column(String(32))
    base: Mapped[ItemStatus] = mapped_column(enum_column_type(ItemStatus, "pledge_status_base"))
    name_zh: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(50), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    default_progress: Mapped[int | None] = mapped_column(Integer)
    colour: Mapped[str] = mapped_column(String(16), default="grey")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PledgeLink(Base):
    """An item's link to where it came from or what it answers: an appeal, a hotspot, a 每月一题 topic or
    a micro-wish (``kind``, ``target_id``); ``origin`` marks the one the item was created from."""

    __tablename__ = "pledge_links"
    __table_args__ = (
        UniqueConstraint("item_id", "kind", "target_id"),
        Index("ix_pledge_links_target", "kind", "target_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("pledge_items.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # appeal | hotspot | topic | wish
    target_id: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200), default="")  # the other side's title when linked
    origin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PledgeProject(Base):
    """项目库: a village's (or community's) candidate project with its type, funds by source and approval,
    until it is promoted into a year's commitment list (``item_id``)."""

    __tablename__ = "pledge_projects"
    __table_args__ = (Index("ix_pledge_projects_unit_year", "unit_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    title: Mapped[str] = mapped_column(String(200))
    project_type: Mapped[str] = mapped_column(String(50))  # 村级经营性项目, 基础设施, 公益事业 …
    description: Mapped[str] = mapped_column(Text, default="")
    year: Mapped[int] = mapped_column(Integer)
    funds: Mapped[dict] = mapped_column(JSON, default=dict)  # {source: 万元}
    funds_total: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0)
    status: Mapped[str] = mapped_column(String(16), default="candidate")  # candidate|approved|rejected|promoted
    decided_note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("pledge_items.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")


class PledgeFollower(Base):
    """A resident (by account) who follows an item and is told when it moves."""

    __tablename__ = "pledge_followers"
    __table_args__ = (UniqueConstraint("item_id", "account_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("pledge_items.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("resident_accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
