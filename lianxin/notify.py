"""Outgoing notifications: an outbox table written inside the caller's transaction, and pluggable senders.

Service functions call :func:`queue_notification`; the ``deliver`` job hands pending rows to the
configured sender (console or file by default; an SMS gateway is an adapter with the same shape).
"""

from __future__ import annotations

import importlib
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import ForeignKey, Index, Integer, String, Text, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lianxin.clock import utcnow
from lianxin.config import Settings
from lianxin.db import Base, UTCDateTime, insert_or_ignore


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_state_id", "state", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # e.g. "dispatched", "urge_before", "extension_approved"
    audience: Mapped[str] = mapped_column(String(16))  # appellant | unit | user
    recipient: Mapped[str] = mapped_column(String(64))  # phone number, unit id or user id
    message: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


MAX_ATTEMPTS = 5
_INSERT = insert(Notification.__table__).returning(Notification.id)  # built once; a call binds its values


def queue_notification(
    session: Session,
    *,
    jurisdiction_id: int,
    kind: str,
    audience: str,
    recipient: str | int,
    message: str,
    appeal_id: int | None = None,
    dedupe_key: str | None = None,
) -> int | None:
    """Write one outbox row; returns its id, or None when ``dedupe_key`` was already queued."""
    values = dict(
        jurisdiction_id=jurisdiction_id,
        appeal_id=appeal_id,
        kind=kind,
        audience=audience,
        recipient=str(recipient),
        message=message,
        dedupe_key=dedupe_key,
        state="pending",
        attempts=0,
        created_at=utcnow(),
    )
    if dedupe_key is None:  # one Core INSERT: the outbox row is read back by the sender job, not here
        return session.execute(_INSERT, values).scalar_one()
    return insert_or_ignore(session, Notification.__table__, values, ["dedupe_key"])


class Sender(Protocol):
    def send(self, notification: Notification) -> None:
        """Deliver one message or raise."""


class ConsoleSender:
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, notification: Notification) -> None:
        print(f"[{notification.audience}:{notification.recipient}] {notification.message}", file=self.stream)


class FileSender:
    """Appends one JSON line per message: a dependable default for a deployment without a gateway."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def send(self, notification: Notification) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = {
            "id": notification.id,
            "kind": notification.kind,
            "audience": notification.audience,
            "recipient": notification.recipient,
            "message": notification.message,
            "appeal_id": notification.appeal_id,
            "at": utcnow().isoformat(),
        }
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def make_sender(settings: Settings) -> Sender:
    name = settings.notify_sender
    if name == "console":
        return ConsoleSender()
    if name == "file":
        return FileSender(settings.notify_file)
    module_name, _, attr = name.partition(":")
    if not attr:
        raise ValueError(f"LIANXIN_NOTIFY_SENDER 无效 / invalid sender {name!r}: use console, file or module:Class")
    return getattr(importlib.import_module(module_name), attr)(settings)


def deliver_pending(
    session: Session, sender: Sender, *, limit: int = 200, ids: list[int] | None = None
) -> tuple[int, int]:
    """Send pending notifications (claimed with SKIP LOCKED on PostgreSQL); returns (sent, failed).
    ``ids`` sends just those (a login code goes out at once, not at the job's next run)."""
    stmt = (
        select(Notification)
        .where(Notification.state == "pending", *([Notification.id.in_(ids)] if ids is not None else []))
        .order_by(Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    sent = failed = 0
    for row in session.scalars(stmt):
        row.attempts += 1
        try:
            sender.send(row)
        except Exception as exc:  # a sender failure is recorded and retried, never lost
            row.last_error = f"{type(exc).__name__}: {exc}"
            if row.attempts >= MAX_ATTEMPTS:
                row.state = "failed"
            failed += 1
        else:
            row.state, row.sent_at, row.last_error = "sent", utcnow(), None
            sent += 1
    session.flush()
    return sent, failed
