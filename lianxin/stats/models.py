"""Rollups behind the dashboards: counters per (period, unit) and per (period, unit, dimension value),
kept current by folding new appeal events past a watermark (``lianxin.stats.fold``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianxin.db import Base, BigId

DAY, MONTH = "day", "month"  # grains: a row per local (LIANXIN_TIMEZONE) day, and one per calendar month
NO_UNIT = 0  # counts that belong to no handling unit (intake, direct answers)

COUNTERS = (
    "received",  # 受理 (submitted; on the NO_UNIT row)
    "dispatched",  # 派单/改派 to the unit (what a unit "received")
    "signed",
    "signed_on_time",  # 签收, 按时签收
    "replied",
    "replied_on_time",  # 答复 (办结答复), 按期答复
    "closed",  # 办结
    "overdue",  # 超期 (once per handling round)
    "returns",  # 退单/派单异议 requests
    "reopens",  # 重办
    "visits_valid",
    "visits_responded",
    "visits_solved",  # valid return visits and their answers
    "visits_satisfied",
    "visits_basic",
    "visits_unsatisfied",
)


class StatsRollup(Base):
    """Counters per jurisdiction × grain × period × lead unit; ``assessed`` is false for appeals whose
    exclusion from assessment was approved (they still count in volumes, never in rates)."""

    __tablename__ = "stats_rollups"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "grain", "period", "unit_id", "assessed"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    grain: Mapped[str] = mapped_column(String(8))
    period: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(Integer)  # NO_UNIT or a units.id (no FK: 0 is a real key here)
    assessed: Mapped[bool] = mapped_column(Boolean)
    received: Mapped[int] = mapped_column(Integer, default=0)
    dispatched: Mapped[int] = mapped_column(Integer, default=0)
    signed: Mapped[int] = mapped_column(Integer, default=0)
    signed_on_time: Mapped[int] = mapped_column(Integer, default=0)
    replied: Mapped[int] = mapped_column(Integer, default=0)
    replied_on_time: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    returns: Mapped[int] = mapped_column(Integer, default=0)
    reopens: Mapped[int] = mapped_column(Integer, default=0)
    visits_valid: Mapped[int] = mapped_column(Integer, default=0)
    visits_responded: Mapped[int] = mapped_column(Integer, default=0)
    visits_solved: Mapped[int] = mapped_column(Integer, default=0)
    visits_satisfied: Mapped[int] = mapped_column(Integer, default=0)
    visits_basic: Mapped[int] = mapped_column(Integer, default=0)
    visits_unsatisfied: Mapped[int] = mapped_column(Integer, default=0)


class StatsBreakdown(Base):
    """Appeal counts per period × unit × dimension (category, channel, community) value. Intake rows
    (unit NO_UNIT) count every submitted appeal; unit rows count dispatches to that unit."""

    __tablename__ = "stats_breakdowns"
    # Key order serves both readers: intake rows (unit 0) and a unit subtree's rows, each over a period.
    __table_args__ = (UniqueConstraint("jurisdiction_id", "dimension", "unit_id", "grain", "period", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    grain: Mapped[str] = mapped_column(String(8))
    period: Mapped[date] = mapped_column(Date)
    dimension: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer, default=0)


class StatsWatermark(Base):
    """How far the fold has read ``appeal_events`` (ids are global, so one row serves every jurisdiction).

    ``seen_event_id`` is the highest id seen by the previous run; a run folds only up to it, so an event
    whose transaction was still open at the previous run (ids are allotted before commit) is not skipped."""

    __tablename__ = "stats_watermarks"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigId, default=0)
    seen_event_id: Mapped[int] = mapped_column(BigId, default=0)
