"""The points ledger: accounts, entries (each moves a positive amount between two accounts) and the
versioned earning rules."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime, enum_column_type


class AccountKind(StrEnum):
    PERSON = "person"  # a member or volunteer (个人)
    HOUSEHOLD = "household"  # a household (户), e.g. a village's 爱心存折
    POOL = "pool"  # a community's points pool: the source of earned points (negative = points issued)
    MARKET = "market"  # a 爱心超市: where redeemed points go


ACCOUNT_KIND_LABELS = {
    AccountKind.PERSON: ("个人", "Person"),
    AccountKind.HOUSEHOLD: ("家庭", "Household"),
    AccountKind.POOL: ("积分池", "Pool"),
    AccountKind.MARKET: ("爱心超市", "Charity shop"),
}


class EntryReason(StrEnum):
    HOURS = "hours"  # confirmed volunteer hours
    WISH = "wish"  # a realised micro-wish
    VISIT = "visit"  # a completed visit
    APPEAL = "appeal"  # an appeal solved by a 双报到 member
    ASSESSMENT = "assessment"  # a quarterly assessment
    PENALTY = "penalty"  # absence or violation
    REDEMPTION = "redemption"  # goods from the 爱心超市
    REVERSAL = "reversal"  # undoes an earlier entry
    ADJUSTMENT = "adjustment"  # a manual grant by staff


REASON_LABELS = {
    EntryReason.HOURS: ("志愿服务时长", "Volunteer hours"),
    EntryReason.WISH: ("实现微心愿", "Realised wish"),
    EntryReason.VISIT: ("完成走访", "Completed visit"),
    EntryReason.APPEAL: ("双报到解决诉求", "Appeal solved (双报到)"),
    EntryReason.ASSESSMENT: ("季度评议", "Assessment"),
    EntryReason.PENALTY: ("扣分", "Penalty"),
    EntryReason.REDEMPTION: ("爱心超市兑换", "Redemption"),
    EntryReason.REVERSAL: ("冲正", "Reversal"),
    EntryReason.ADJUSTMENT: ("调整", "Adjustment"),
}


class PointsAccount(Base):
    """An account: a person's (member), a household's, a community's pool or a 爱心超市. ``balance`` is a
    cache of the entries (checked by ``service.check_ledger``); the CHECK keeps it within ``min_balance``."""

    __tablename__ = "points_accounts"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "key"),
        CheckConstraint("min_balance IS NULL OR balance >= min_balance", name="within_min"),
        Index("ix_points_accounts_holder_phone", "jurisdiction_id", "holder_phone"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))  # "member:12", "pool:34", "market:34", "household:…"
    kind: Mapped[AccountKind] = mapped_column(enum_column_type(AccountKind, "points_account_kind"))
    name: Mapped[str] = mapped_column(String(100))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("wish_members.id"), unique=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # a household's 户主 (or whoever holds its 爱心存折): a resident signed in with this phone sees the account
    holder_phone: Mapped[str | None] = mapped_column(String(32))
    balance: Mapped[int] = mapped_column(Integer, default=0)
    min_balance: Mapped[int | None] = mapped_column(Integer)  # persons: 0 (no overdraft); pools: none
    max_balance: Mapped[int | None] = mapped_column(Integer)  # above it the account is flagged
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointsRule(Base):
    """How many points one unit of something earns (per hour, per wish, …), with role multipliers;
    a change is a new version, so every entry can name the version that made it."""

    __tablename__ = "points_rules"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "code", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    code: Mapped[EntryReason] = mapped_column(enum_column_type(EntryReason, "points_rule_code"))
    version: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)  # per unit (negative for penalties)
    multipliers: Mapped[dict] = mapped_column(JSON, default=dict)  # role → factor, e.g. {"team_leader": 1.4}
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointsEntry(Base):
    """One movement of ``amount`` (> 0) points from one account to another: the ledger sums to zero by
    construction. Never edited: a correction is a reversal entry (``reverses_id``, at most one)."""

    __tablename__ = "points_entries"
    __table_args__ = (
        CheckConstraint("amount > 0", name="positive"),
        CheckConstraint("from_account_id <> to_account_id", name="two_accounts"),
        Index(
            "uq_points_entries_ref",
            "jurisdiction_id",
            "reason",
            "ref_type",
            "ref_id",
            unique=True,
            sqlite_where=text("ref_id IS NOT NULL AND reverses_id IS NULL"),
            postgresql_where=text("ref_id IS NOT NULL AND reverses_id IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    from_account_id: Mapped[int] = mapped_column(ForeignKey("points_accounts.id"), index=True)
    to_account_id: Mapped[int] = mapped_column(ForeignKey("points_accounts.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[EntryReason] = mapped_column(enum_column_type(EntryReason, "points_entry_reason"))
    ref_type: Mapped[str | None] = mapped_column(String(32))  # "enrollment", "wish_claim", "redemption", …
    ref_id: Mapped[int | None] = mapped_column(Integer)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("points_rules.id"))
    rule_version: Mapped[int | None] = mapped_column(Integer)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("points_entries.id"), unique=True)
    memo: Mapped[str] = mapped_column(String(200), default="")
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    from_account: Mapped[PointsAccount] = relationship(foreign_keys=[from_account_id], lazy="joined")
    to_account: Mapped[PointsAccount] = relationship(foreign_keys=[to_account_id], lazy="joined")
