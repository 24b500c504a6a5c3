"""微心愿: party organisations (a tree of their own), members and volunteers, 双报到 reports, 先锋岗,
wishes with their claims and events, and yearly quotas as data."""

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.appeals.models import Appeal
from lianxin.choices import Choice
from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime, enum_column_type
from lianxin.orgs.models import Unit, User
from lianxin.wishes.status import WishStatus


class OrgKind(Choice):
    COMMITTEE = "committee", "党委", "Party committee"  # 党委
    GENERAL_BRANCH = "general_branch", "党总支", "General branch"  # 党总支
    BRANCH = "branch", "党支部", "Party branch"  # 党支部


ORG_KIND_LABELS = OrgKind.labels()  # {value: (zh, en)}, the older spelling of OrgKind.X.zh / .en


class MemberKind(Choice):
    PARTY_MEMBER = "party_member", "党员", "Party member"  # 党员
    VOLUNTEER = "volunteer", "志愿者", "Volunteer"  # 志愿者


MEMBER_KIND_LABELS = MemberKind.labels()  # {value: (zh, en)}, the older spelling of MemberKind.X.zh / .en


class ReportStatus(Choice):
    PENDING = "pending", "待确认", "Awaiting confirmation", "orange"  # 待社区确认
    CONFIRMED = "confirmed", "已报到", "Confirmed", "green"  # 已报到
    DECLINED = "declined", "已退回", "Declined", "grey"  # 社区退回


REPORT_STATUS_LABELS = ReportStatus.labels()  # {value: (zh, en)}, the older spelling of ReportStatus.X.zh / .en


class WishCategory(Choice):
    COMPANY = "company", "陪伴关爱", "Company and care"  # 陪伴关爱
    GOODS = "goods", "物资帮扶", "Goods"  # 物资帮扶
    STUDY = "study", "助学", "Study"  # 助学
    HEALTH = "health", "就医健康", "Health"  # 就医健康
    REPAIR = "repair", "维修便民", "Repairs"  # 维修便民
    EMPLOYMENT = "employment", "就业", "Employment"  # 就业
    FAMILY = "family", "家庭沟通", "Family"  # 家庭沟通
    OTHER = "other", "其他", "Other"  # 其他


CATEGORY_LABELS = WishCategory.labels()  # {value: (zh, en)}, the older spelling of WishCategory.X.zh / .en


class WishSource(Choice):
    RESIDENT = "resident", "居民提交", "Resident"  # 居民自己提交（网页、我的心愿）
    GRID_VISIT = "grid_visit", "网格走访", "Grid visit"  # 网格员走访
    BOX = "box", "说事箱/说事点", "Suggestion box"  # 说事箱 / 说事点
    RETURN_VISIT = "return_visit", "回访", "Return visit"  # 回访
    APPEAL = "appeal", "诉求转办", "From an appeal"  # 由诉求转来


SOURCE_LABELS = WishSource.labels()  # {value: (zh, en)}, the older spelling of WishSource.X.zh / .en


class TriageClass(Choice):
    INDIVIDUAL = "individual", "个人认领类", "Individual"  # 个人认领
    COMMON = "common", "共性类", "Common"  # 组织/部门解决
    LEGACY = "legacy", "疑难类", "Legacy / hard"  # 疑难，领导牵头
    INFEASIBLE = "infeasible", "暂不具备条件", "Not feasible now"  # 暂不具备条件（待办档案）


TRIAGE_LABELS = TriageClass.labels()  # {value: (zh, en)}, the older spelling of TriageClass.X.zh / .en


class ClaimStatus(Choice):
    ACTIVE = "active", "认领中", "Active"
    CANCELLED = "cancelled", "已取消", "Cancelled"
    REALISED = "realised", "已实现", "Realised"


class QuotaScope(Choice):
    ORG = "org", "组织", "Organisation"
    MEMBER = "member", "个人", "Member"


class PartyOrg(Base):
    """党委 / 党总支 / 党支部, each linked to the unit or enterprise it belongs to."""

    __tablename__ = "wish_party_orgs"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("wish_party_orgs.id"), index=True)
    kind: Mapped[OrgKind] = mapped_column(enum_column_type(OrgKind, "party_org_kind"))
    name: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    secretary_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[PartyOrg | None] = relationship(remote_side=[id])
    unit: Mapped[Unit | None] = relationship(lazy="joined")


class Member(Base):
    """A party member or volunteer: a person, with a staff login or a resident account (or both)."""

    __tablename__ = "wish_members"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "phone"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    kind: Mapped[MemberKind] = mapped_column(enum_column_type(MemberKind, "member_kind"))
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("wish_party_orgs.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    # The resident account (lianxin.residents), linked when the member's phone signs in (people.link_resident).
    resident_account_id: Mapped[int | None] = mapped_column(Integer, index=True)
    skills: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    org: Mapped[PartyOrg | None] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship()


class DualReport(Base):
    """双报到: a member or an organisation reports to a residential community, which confirms it."""

    __tablename__ = "wish_dual_reports"
    __table_args__ = (
        CheckConstraint("(member_id IS NULL) <> (org_id IS NULL)", name="one_reporter"),
        UniqueConstraint("community_id", "member_id", "org_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("wish_members.id"), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("wish_party_orgs.id"), index=True)
    status: Mapped[ReportStatus] = mapped_column(
        enum_column_type(ReportStatus, "dual_report_status"), default=ReportStatus.PENDING
    )
    note: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    community: Mapped[Unit] = relationship(lazy="joined")
    member: Mapped[Member | None] = relationship(lazy="joined")
    org: Mapped[PartyOrg | None] = relationship(lazy="joined")


class PioneerPost(Base):
    """先锋岗 / 责任区: a post, its holder, its grid or service and its period, shown on the community page."""

    __tablename__ = "wish_pioneer_posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(String(100))
    service: Mapped[str] = mapped_column(String(200), default="")
    holder_id: Mapped[int] = mapped_column(ForeignKey("wish_members.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    holder: Mapped[Member] = relationship(lazy="joined")
    grid: Mapped[Unit | None] = relationship(foreign_keys=[grid_id], lazy="joined")


class Wish(Base):
    __tablename__ = "wishes"
    __table_args__ = (
        Index("ix_wishes_board", "jurisdiction_id", "status", "community_id"),
        Index("ix_wishes_community_status", "community_id", "status"),
        # the lists (bench/wishes.py at 100,000 wishes): the wall and the API newest first, the realised
        # wishes by confirmation time, live claims by promised date (overdue), a resident's own wishes
        Index("ix_wishes_status_id", "jurisdiction_id", "status", "id"),
        Index("ix_wishes_community_status_id", "community_id", "status", "id"),
        Index("ix_wishes_confirmed", "jurisdiction_id", "confirmed_at"),
        Index("ix_wishes_community_confirmed", "community_id", "confirmed_at"),
        Index("ix_wishes_promised", "jurisdiction_id", "status", "promised_on"),
        Index("ix_wishes_jurisdiction_phone", "jurisdiction_id", "resident_phone"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    status: Mapped[WishStatus] = mapped_column(
        enum_column_type(WishStatus, "wish_status"), default=WishStatus.COLLECTED
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[WishSource] = mapped_column(enum_column_type(WishSource, "wish_source"))
    source_appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"), index=True)
    category: Mapped[WishCategory] = mapped_column(enum_column_type(WishCategory, "wish_category"))
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # The resident: private, shown to community staff and (after claiming) to the claimant only.
    resident_name: Mapped[str | None] = mapped_column(String(64))
    resident_phone: Mapped[str] = mapped_column(String(32), index=True)
    resident_address: Mapped[str | None] = mapped_column(String(200))
    resident_account_id: Mapped[int | None] = mapped_column(Integer, index=True)  # made signed in (我的心愿)
    content: Mapped[str] = mapped_column(Text)  # the resident's own words (private)
    public_text: Mapped[str | None] = mapped_column(Text)  # written or approved by staff, no personal data
    photos: Mapped[list] = mapped_column(JSON, default=list)
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    triage_class: Mapped[TriageClass | None] = mapped_column(enum_column_type(TriageClass, "wish_triage"))
    reason: Mapped[str | None] = mapped_column(Text)  # rejection reason or on-file explanation
    review_on: Mapped[date | None] = mapped_column(Date)
    promised_on: Mapped[date | None] = mapped_column(Date)
    claimed_member_id: Mapped[int | None] = mapped_column(ForeignKey("wish_members.id"), index=True)
    claimed_org_id: Mapped[int | None] = mapped_column(ForeignKey("wish_party_orgs.id"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_note: Mapped[str | None] = mapped_column(Text)
    delivery_photos: Mapped[list] = mapped_column(JSON, default=list)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_proxy: Mapped[bool] = mapped_column(Boolean, default=False)
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    community: Mapped[Unit] = relationship(foreign_keys=[community_id], lazy="joined")
    source_appeal: Mapped[Appeal | None] = relationship(foreign_keys=[source_appeal_id])
    claimed_member: Mapped[Member | None] = relationship(lazy="joined")
    claimed_org: Mapped[PartyOrg | None] = relationship(lazy="joined")
    events: Mapped[list[WishEvent]] = relationship(back_populates="wish", order_by="WishEvent.id")

    __mapper_args__ = {"version_id_col": version}


class WishClaim(Base):
    """A claim of a wish by a member or an organisation; at most one active claim per wish (enforced)."""

    __tablename__ = "wish_claims"
    __table_args__ = (
        Index(
            "uq_wish_claims_active",
            "wish_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_wish_claims_member_realised", "member_id", "status", "realised_at"),
        Index("ix_wish_claims_org_realised", "org_id", "status", "realised_at"),
        # quotas, rankings and the months: a range of realisation times, covering who realised them
        Index("ix_wish_claims_realised", "jurisdiction_id", "status", "realised_at", "member_id", "org_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wishes.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("wish_members.id"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("wish_party_orgs.id"))
    promised_on: Mapped[date] = mapped_column(Date)
    status: Mapped[ClaimStatus] = mapped_column(
        enum_column_type(ClaimStatus, "wish_claim_status"), default=ClaimStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    realised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WishEvent(Base):
    """Append-only history: who did what, from which status to which (also every view of contact details)."""

    __tablename__ = "wish_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wishes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_member_id: Mapped[int | None] = mapped_column(ForeignKey("wish_members.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    wish: Mapped[Wish] = relationship(back_populates="events")


class QuotaRule(Base):
    """How many realised wishes each organisation / member should achieve in a year (Loudi: org ≥ 3, member ≥ 1)."""

    __tablename__ = "wish_quota_rules"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "scope", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    scope: Mapped[QuotaScope] = mapped_column(enum_column_type(QuotaScope, "wish_quota_scope"))
    year: Mapped[int] = mapped_column(Integer)
    target: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
