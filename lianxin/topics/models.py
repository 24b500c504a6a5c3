"""每月一题: a topic of the month taken from a hotspot, its tasks and the policies issued for it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.choices import Choice
from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime, enum_column_type
from lianxin.orgs.models import Unit


class TopicStatus(Choice):
    ACTIVE = "active", "推进中", "In progress", "orange"
    COMPLETED = "completed", "已完成", "Completed", "green"
    CANCELLED = "cancelled", "已撤销", "Cancelled", "grey"


TOPIC_STATUS_LABELS = TopicStatus.labels()  # {status: (zh, en)}


class Topic(Base):
    __tablename__ = "topics"
    __table_args__ = (Index("ix_topics_jurisdiction_month", "jurisdiction_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    title: Mapped[str] = mapped_column(String(200))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    status: Mapped[TopicStatus] = mapped_column(
        enum_column_type(TopicStatus, "topic_status"), default=TopicStatus.ACTIVE
    )
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Where it came from, and what makes an appeal "about this topic" for the measured effect.
    source_hotspot_id: Mapped[int | None] = mapped_column(ForeignKey("hotspots.id", ondelete="SET NULL"))
    terms: Mapped[list] = mapped_column(JSON, default=list)
    places: Mapped[list] = mapped_column(JSON, default=list)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner_unit: Mapped[Unit] = relationship(lazy="joined")
    tasks: Mapped[list[TopicTask]] = relationship(back_populates="topic", order_by="TopicTask.id")
    policies: Mapped[list[TopicPolicy]] = relationship(back_populates="topic", order_by="TopicPolicy.id")


class TopicTask(Base):
    __tablename__ = "topic_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    deadline: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    topic: Mapped[Topic] = relationship(back_populates="tasks")
    owner_unit: Mapped[Unit] = relationship(lazy="joined")


class TopicPolicy(Base):
    """A policy or measure issued for the topic (文件、制度、措施)."""

    __tablename__ = "topic_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[date] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(String(500))
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    topic: Mapped[Topic] = relationship(back_populates="policies")
