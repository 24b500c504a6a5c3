"""API keys (hashed, revocable, scoped through the roles of the key's own service user) and the
idempotency records that make a retried POST return its first result."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.appeals.choices import Channel
from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime, enum_column_type
from lianxin.orgs.models import User


class ApiKey(Base):
    """A machine client. Its roles and units are the grants of ``user`` (a service user made for the key),
    so every service verb checks a key exactly as it checks a person."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)  # public part, shown in lists and logs
    key_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the whole key (keys are 190 random bits)
    channel: Mapped[Channel] = mapped_column(enum_column_type(Channel, "api_key_channel"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class IdempotencyRecord(Base):
    """The first successful response to a POST carrying an ``Idempotency-Key``, per client.

    The row is inserted in the same transaction as the action, so the unique constraint makes a
    concurrent duplicate wait for the first and then replay its response."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("client", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    client: Mapped[str] = mapped_column(String(32))  # "key:<id>" or "user:<id>"
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(300))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[dict | list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
