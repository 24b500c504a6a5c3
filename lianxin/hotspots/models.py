"""Cached hotspot results: one snapshot per computation, one row per hotspot in it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime


class HotspotSnapshot(Base):
    """The hotspots of one scope (jurisdiction, optionally a unit's subtree) over [since, until)."""

    __tablename__ = "hotspot_snapshots"
    __table_args__ = (Index("ix_hotspot_snapshots_scope", "jurisdiction_id", "unit_id", "computed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    appeal_count: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)

    hotspots: Mapped[list[Hotspot]] = relationship(
        back_populates="snapshot", order_by="Hotspot.rank", cascade="all, delete-orphan"
    )


class Hotspot(Base):
    __tablename__ = "hotspots"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("hotspot_snapshots.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    heat: Mapped[float] = mapped_column(Float)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    terms: Mapped[list] = mapped_column(JSON, default=list)
    appeal_ids: Mapped[list] = mapped_column(JSON, default=list)
    # volume, growth, likes, dislikes, repeats, dissatisfied: the inputs of the heat formula
    stats: Mapped[dict] = mapped_column(JSON, default=dict)
    # [[period start (ISO date), appeals], …] per day, or per week for long windows
    trend: Mapped[list] = mapped_column(JSON, default=list)
    # [{"appeal_id", "lat", "lng"}, …] for member appeals with coordinates
    points: Mapped[list] = mapped_column(JSON, default=list)

    snapshot: Mapped[HotspotSnapshot] = relationship(back_populates="hotspots")
