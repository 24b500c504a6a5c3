"""Assessment settings (formulas, weights, list sizes, supervision rules) and exclusions from assessment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.appeals.models import Appeal
from lianxin.assessment.choices import ExclusionReason, ExclusionState
from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime, enum_column_type


class AssessmentSettings(Base):
    """One row per jurisdiction; defaults from china-12345.md §1.5 (Beijing-style 10/50/40, 基本满意 = 0.9)."""

    __tablename__ = "assessment_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), unique=True)
    weight_response: Mapped[float] = mapped_column(Float, default=0.1)
    weight_resolution: Mapped[float] = mapped_column(Float, default=0.5)
    weight_satisfaction: Mapped[float] = mapped_column(Float, default=0.4)
    basic_satisfied_weight: Mapped[float] = mapped_column(Float, default=0.9)
    red_list_size: Mapped[int] = mapped_column(Integer, default=3)
    black_list_size: Mapped[int] = mapped_column(Integer, default=3)
    black_list_below: Mapped[float] = mapped_column(Float, default=0.8)  # composite under this is blacklisted too
    min_valid_visits: Mapped[int] = mapped_column(Integer, default=1)  # fewer: listed, not ranked
    # Supervision rules (0 disables a rule)
    supervise_overdue_working_days: Mapped[int] = mapped_column(Integer, default=3)  # → 督办
    supervise_reopen_count: Mapped[int] = mapped_column(Integer, default=2)  # → 督办
    list_repeat_count: Mapped[int] = mapped_column(Integer, default=3)  # appeals merged into it → 挂牌督办


class AssessmentSettingsChange(Base):
    """The change log of the assessment settings (append-only): who changed which values from what to what."""

    __tablename__ = "assessment_settings_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)  # {setting: [before, after]}
    note: Mapped[str | None] = mapped_column(Text)


class AssessmentExclusion(Base):
    """A lead unit's request that an appeal not count in its assessment, and the centre's decision."""

    __tablename__ = "assessment_exclusions"
    __table_args__ = (Index("ix_assessment_exclusions_state", "jurisdiction_id", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    reason: Mapped[ExclusionReason] = mapped_column(enum_column_type(ExclusionReason, "exclusion_reason"))
    explanation: Mapped[str] = mapped_column(Text)
    state: Mapped[ExclusionState] = mapped_column(
        enum_column_type(ExclusionState, "exclusion_state"), default=ExclusionState.PENDING
    )
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)

    appeal: Mapped[Appeal] = relationship()
