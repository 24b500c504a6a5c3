"""A resident's account (by phone, per jurisdiction) and the one-time login codes sent to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime


class ResidentAccount(Base):
    """Created when a phone number first proves itself with a code; the real name is optional."""

    __tablename__ = "resident_accounts"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "phone"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    real_name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginCode(Base):
    """One code sent to one phone; only its keyed hash is kept. A newer code replaces the older ones."""

    __tablename__ = "resident_login_codes"
    __table_args__ = (Index("ix_resident_login_codes_phone", "jurisdiction_id", "phone", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    phone: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
