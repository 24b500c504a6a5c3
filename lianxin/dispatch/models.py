"""The dispatch catalogue (派单目录) and the repeat-lookup index (重复件)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.appeals.models import Category
from lianxin.choices import Choice
from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime, enum_column_type
from lianxin.orgs.models import Unit


class LeadKind(Choice):
    FIXED = "fixed", "指定单位", "A named unit"  # a department, enterprise, district or street
    LOCAL = "local", "属地（所在街道乡镇）", "Local (the street containing the location)"


class DispatchRule(Base):
    """Category × area → lead unit (or 属地), co-units and units to inform; the most specific rule wins.

    ``category_id`` NULL means every category and a rule covers the whole subtree below its
    category; ``area_unit_id`` NULL means the whole jurisdiction, otherwise a district or street.
    """

    __tablename__ = "dispatch_rules"
    __table_args__ = (Index("ix_dispatch_rules_jurisdiction_active", "jurisdiction_id", "active"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    area_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    lead_kind: Mapped[LeadKind] = mapped_column(enum_column_type(LeadKind, "lead_kind"))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    co_unit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    inform_unit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category | None] = relationship(lazy="joined")
    area_unit: Mapped[Unit | None] = relationship(foreign_keys=[area_unit_id], lazy="joined")
    lead_unit: Mapped[Unit | None] = relationship(foreign_keys=[lead_unit_id], lazy="joined")


class AppealTerm(Base):
    """An inverted index of each appeal's top keywords, written at intake: repeat lookup reads a few
    index ranges (term × time window, optionally × community) instead of scanning appeals."""

    __tablename__ = "appeal_terms"
    __table_args__ = (
        Index("ix_appeal_terms_term", "jurisdiction_id", "term", "received_at", "appeal_id"),  # covering
        Index("ix_appeal_terms_place", "community_id", "term", "received_at", "appeal_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    term: Mapped[str] = mapped_column(String(32))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
