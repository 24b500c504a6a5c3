"""Time-limit policies and calendar overrides: rows an admin edits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime


class TimeLimitPolicy(Base):
    """appeal type × category × urgency → sign, contact and handling limits ("2h", "24h", "5wd", ...)."""

    __tablename__ = "time_limit_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    appeal_type: Mapped[str | None] = mapped_column(String(32))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    urgency: Mapped[str | None] = mapped_column(String(16))
    sign_limit: Mapped[str] = mapped_column(String(16))
    contact_limit: Mapped[str] = mapped_column(String(16))
    handle_limit: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CalendarOverride(Base):
    """An admin's correction to the holiday calendar: this date is (not) a working day."""

    __tablename__ = "calendar_overrides"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(64), default="")


class ConfigStamp(Base):
    """A jurisdiction's configuration version: a new random token whenever an admin edits time-limit rules,
    the calendar or categories. Every process caches the rules, calendar and category tree under the
    token it reads, so an edit in one process reaches the others at their next request. No row: no caching."""

    __tablename__ = "config_stamps"
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
