"""Volunteer service: service points, activities, sign-ups with their events, service records (the
办法's fields and a certificate number) and the 爱心超市 (goods, stock moves, redemptions). People are the
micro-wish module's members (``wish_members``); points live in ``lianxin.points``."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

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
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime, enum_column_type
from lianxin.orgs.models import Unit, User
from lianxin.points.models import PointsAccount
from lianxin.volunteers.status import EnrollmentStatus
from lianxin.wishes.models import Member


class ActivityStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"
    CLOSED = "closed"


ACTIVITY_STATUS_LABELS = {
    ActivityStatus.OPEN: ("报名中", "Open"),
    ActivityStatus.CANCELLED: ("已取消", "Cancelled"),
    ActivityStatus.CLOSED: ("已结束", "Closed"),
}


class VolunteerRole(StrEnum):
    VOLUNTEER = "volunteer"
    TEAM_LEADER = "team_leader"  # 站点负责人 (×1.4 by default)
    MANAGER = "manager"  # 管理团队 (×1.2)


ROLE_LABELS = {
    VolunteerRole.VOLUNTEER: ("志愿者", "Volunteer"),
    VolunteerRole.TEAM_LEADER: ("队长", "Team leader"),
    VolunteerRole.MANAGER: ("管理人员", "Manager"),
}


class DonorKind(StrEnum):
    PAIRING_UNIT = "pairing_unit"  # 帮扶单位
    ENTERPRISE = "enterprise"  # 爱心企业
    PERSON = "person"  # 个人


DONOR_LABELS = {
    DonorKind.PAIRING_UNIT: ("帮扶单位", "Pairing unit"),
    DonorKind.ENTERPRISE: ("爱心企业", "Enterprise"),
    DonorKind.PERSON: ("个人", "Person"),
}


class MoveKind(StrEnum):
    DONATION = "donation"  # in
    REDEMPTION = "redemption"  # out
    WRITE_OFF = "write_off"  # out: damaged or expired, found at a stock-take


MOVE_LABELS = {
    MoveKind.DONATION: ("捐赠入库", "Donation in"),
    MoveKind.REDEMPTION: ("兑换出库", "Redemption out"),
    MoveKind.WRITE_OFF: ("报损出库", "Written off"),
}


class VolunteerProfile(Base):
    """What eligibility needs beyond the member: birth date and training (e.g. "first_aid")."""

    __tablename__ = "vol_profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("wish_members.id"), unique=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    training: Mapped[list] = mapped_column(JSON, default=list)  # codes of completed trainings
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ServicePoint(Base):
    """A volunteer service point (志愿服务站点): a place in a community, opening times on working days
    (the working-day calendar decides which days) and the service items it offers."""

    __tablename__ = "vol_service_points"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200), default="")
    opens_at: Mapped[time] = mapped_column(Time, default=time(9, 0))
    closes_at: Mapped[time] = mapped_column(Time, default=time(17, 0))
    open_on_rest_days: Mapped[bool] = mapped_column(Boolean, default=False)
    items: Mapped[list] = mapped_column(JSON, default=list)  # service items offered (理发, 量血压, …)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Unit] = relationship(lazy="joined")


class Activity(Base):
    """A need (CiviVolunteer) / 志愿服务活动: place, time, slots, eligibility."""

    __tablename__ = "vol_activities"
    __table_args__ = (
        CheckConstraint("slots > 0", name="slots_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_vol_activities_board", "jurisdiction_id", "status", "starts_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    point_id: Mapped[int | None] = mapped_column(ForeignKey("vol_service_points.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    slots: Mapped[int] = mapped_column(Integer)
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    training: Mapped[str | None] = mapped_column(String(32))  # a training code required, if any
    status: Mapped[ActivityStatus] = mapped_column(
        enum_column_type(ActivityStatus, "vol_activity_status"), default=ActivityStatus.OPEN
    )
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Unit] = relationship(lazy="joined")
    point: Mapped[ServicePoint | None] = relationship("lianxin.volunteers.models.ServicePoint", lazy="joined")
    organiser: Mapped[User | None] = relationship(lazy="joined")


class Enrollment(Base):
    """A sign-up: by the member or by an organiser for them (``proxy_by_id``); at most one live per person."""

    __tablename__ = "vol_enrollments"
    __table_args__ = (
        Index(
            "uq_vol_enrollments_live",
            "activity_id",
            "member_id",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("vol_activities.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("wish_members.id"), index=True)
    status: Mapped[EnrollmentStatus] = mapped_column(enum_column_type(EnrollmentStatus, "vol_enrollment_status"))
    role: Mapped[VolunteerRole] = mapped_column(
        enum_column_type(VolunteerRole, "vol_role"), default=VolunteerRole.VOLUNTEER
    )
    proxy_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes: Mapped[int | None] = mapped_column(Integer)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    activity: Mapped[Activity] = relationship(lazy="joined")
    member: Mapped[Member] = relationship(lazy="joined")


class EnrollmentEvent(Base):
    """Append-only history of a sign-up: who did what, from which status to which."""

    __tablename__ = "vol_enrollment_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("vol_enrollments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ServiceRecord(Base):
    """志愿服务记录 (志愿服务记录与证明出具办法): the person, the time in hours, the content, training,
    evaluation and who recorded it (谁记录谁证明); made only when the organiser confirms."""

    __tablename__ = "vol_service_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("vol_enrollments.id"), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("wish_members.id"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("vol_activities.id"), index=True)
    served_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    training: Mapped[str] = mapped_column(String(200), default="")
    evaluation: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorder_unit: Mapped[str] = mapped_column(String(100))  # the organisation that certifies it
    certificate_no: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(lazy="joined")
    activity: Mapped[Activity] = relationship(lazy="joined")

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


class Good(Base):
    """An item of a community's 爱心超市, priced in points; ``stock`` always equals the register's sum."""

    __tablename__ = "vol_goods"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price_points > 0", name="price_positive"),
        UniqueConstraint("community_id", "name"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(8), default="件")
    price_points: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Unit] = relationship(lazy="joined")


class Redemption(Base):
    """One exchange at the 爱心超市: the points entry and the stock moves were written together."""

    __tablename__ = "vol_redemptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # whose points paid: a member's own account or a household's (爱心存折); member_id only for a member's
    member_id: Mapped[int | None] = mapped_column(ForeignKey("wish_members.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("points_accounts.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[int] = mapped_column(ForeignKey("points_entries.id"), unique=True)
    receipt_no: Mapped[str] = mapped_column(String(32), unique=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member | None] = relationship(lazy="joined")
    account: Mapped[PointsAccount | None] = relationship(lazy="joined")
    community: Mapped[Unit] = relationship(lazy="joined")
    moves: Mapped[list[StockMove]] = relationship(back_populates="redemption", order_by="StockMove.id")

    @property
    def payer_name(self) -> str:
        """The member who paid, or the household (爱心存折)."""
        return self.member.name if self.member is not None else (self.account.name if self.account else "")


class StockMove(Base):
    """The 爱心超市 register (台账): donations in (with the donor), redemptions and write-offs out."""

    __tablename__ = "vol_stock_moves"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    good_id: Mapped[int] = mapped_column(ForeignKey("vol_goods.id"), index=True)
    kind: Mapped[MoveKind] = mapped_column(enum_column_type(MoveKind, "vol_move_kind"))
    quantity: Mapped[int] = mapped_column(Integer)
    donor_kind: Mapped[DonorKind | None] = mapped_column(enum_column_type(DonorKind, "vol_donor_kind"))
    donor_name: Mapped[str | None] = mapped_column(String(100))
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("vol_redemptions.id"), index=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    good: Mapped[Good] = relationship(lazy="joined")
    redemption: Mapped[Redemption | None] = relationship(back_populates="moves")

    @property
    def signed(self) -> int:
        return self.quantity if self.kind == MoveKind.DONATION else -self.quantity
