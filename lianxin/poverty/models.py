"""防返贫 monitoring: the jurisdiction's figures, declarations (发现 and 核实, on the clock), monitoring cases with
measures and visits (帮扶), relief funds and payments, one event table for the history, and the log of unmasked
views. Households and people are the proactive-care register's (``care_households``, ``care_people``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.care.models import Household
from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime, enum_column_type
from lianxin.orgs.models import Unit, User
from lianxin.poverty.status import (
    CaseStatus,
    Channel,
    CheckResult,
    DeclarationStatus,
    ExitReason,
    MeasureStatus,
    MeasureType,
    ObjectType,
    PaymentStatus,
    RiskLevel,
)


class PovertySettings(Base):
    """The jurisdiction's overrides of ``status.DEFAULTS`` (deadlines, weights, bands, criteria, rules)."""

    __tablename__ = "poverty_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), unique=True)
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Declaration(Base):
    """A declaration of hardship (申报) or a candidate from data, checked by the village and decided by the county.

    ``live_key`` (``hh:<household>`` or ``id:<ID number>``) is set while it is open and unique: one live
    declaration per household. ``assignee_id`` is the one live assignment (taken with a conditional update)."""

    __tablename__ = "poverty_declarations"
    __table_args__ = (Index("ix_poverty_declarations_jurisdiction_status", "jurisdiction_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_column_type(Channel, "poverty_channel"))
    status: Mapped[DeclarationStatus] = mapped_column(enum_column_type(DeclarationStatus, "poverty_decl_status"))
    live_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("care_households.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    head_name: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(200), default="")
    household_size: Mapped[int | None] = mapped_column(Integer)
    risk_types: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list] = mapped_column(JSON, default=list)  # stored uploads: filename, content_type, storage_key
    source_ref: Mapped[str | None] = mapped_column(String(40))  # appeal:<id> | wish:<id> | alarm:<id>
    candidate_reasons: Mapped[list] = mapped_column(JSON, default=list)
    # who declared: a resident account (self or proxy), a staff user (grid, hotline, from a record) or the system
    declarant_account_id: Mapped[int | None] = mapped_column(ForeignKey("resident_accounts.id"), index=True)
    declarant_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    declarant_name: Mapped[str | None] = mapped_column(String(64))
    declarant_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    declarant_relation: Mapped[str | None] = mapped_column(String(16))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    check_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decide_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_result: Mapped[CheckResult | None] = mapped_column(enum_column_type(CheckResult, "poverty_check_result"))
    check_note: Mapped[str | None] = mapped_column(Text)
    income_per_capita: Mapped[int | None] = mapped_column(Integer)  # yuan, the 12 months before the declaration
    publicized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    publicity_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    object_type: Mapped[ObjectType | None] = mapped_column(enum_column_type(ObjectType, "poverty_decl_object"))
    reject_reason: Mapped[str | None] = mapped_column(Text)  # shown to the resident
    case_id: Mapped[int | None] = mapped_column(ForeignKey("poverty_cases.id"))
    warned: Mapped[list] = mapped_column(JSON, default=list)  # clock warnings already sent: check_amber, …
    version: Mapped[int] = mapped_column(Integer, default=1)

    household: Mapped[Household | None] = relationship(lazy="joined")
    community: Mapped[Unit] = relationship(foreign_keys=[community_id], lazy="joined")
    grid: Mapped[Unit | None] = relationship(foreign_keys=[grid_id], lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")


class MonitoringCase(Base):
    """A monitored household (one case per household; a returning risk reopens it)."""

    __tablename__ = "poverty_cases"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "household_id"),
        Index("ix_poverty_cases_jurisdiction_status", "jurisdiction_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("care_households.id"))
    declaration_id: Mapped[int | None] = mapped_column(Integer)  # the declaration that opened it (no FK: a cycle)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    object_type: Mapped[ObjectType] = mapped_column(enum_column_type(ObjectType, "poverty_case_object"))
    status: Mapped[CaseStatus] = mapped_column(enum_column_type(CaseStatus, "poverty_case_status"))
    risk_factors: Mapped[list] = mapped_column(JSON, default=list)
    risk_score: Mapped[int] = mapped_column(Integer, default=0)
    risk_level: Mapped[RiskLevel] = mapped_column(enum_column_type(RiskLevel, "poverty_risk_level"))
    income_per_capita: Mapped[int | None] = mapped_column(Integer)
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    identified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assisting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    monitoring_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clear_proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_review_on: Mapped[date | None] = mapped_column(Date, index=True)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    exit_reason: Mapped[ExitReason | None] = mapped_column(enum_column_type(ExitReason, "poverty_exit_reason"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    household: Mapped[Household] = relationship(lazy="joined")
    community: Mapped[Unit] = relationship(foreign_keys=[community_id], lazy="joined")
    cadre: Mapped[User | None] = relationship(foreign_keys=[cadre_id], lazy="joined")
    measures: Mapped[list[Measure]] = relationship(back_populates="case", order_by="Measure.id")
    visits: Mapped[list[CaseVisit]] = relationship(order_by="CaseVisit.id.desc()")
    payments: Mapped[list[Payment]] = relationship(back_populates="case", order_by="Payment.id")


class Measure(Base):
    __tablename__ = "poverty_measures"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("poverty_cases.id"), index=True)
    kind: Mapped[MeasureType] = mapped_column(enum_column_type(MeasureType, "poverty_measure_type"))
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    target_on: Mapped[date] = mapped_column(Date)
    status: Mapped[MeasureStatus] = mapped_column(enum_column_type(MeasureStatus, "poverty_measure_status"))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[MonitoringCase] = relationship(back_populates="measures")
    owner_unit: Mapped[Unit] = relationship(lazy="joined")


class CaseVisit(Base):
    """A visit to a monitored household; a confidential one is shown only to the cadre and leaders."""

    __tablename__ = "poverty_visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("poverty_cases.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    findings: Mapped[str] = mapped_column(Text)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped[User | None] = relationship(lazy="joined")


class Fund(Base):
    """A relief fund (防止返贫致贫救助专项基金): a budget in yuan; its ledger is the payments against it."""

    __tablename__ = "poverty_funds"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    budget: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")


class Payment(Base):
    """A relief payment from a fund to a monitored household: approved (by someone else) before it is paid."""

    __tablename__ = "poverty_payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("poverty_cases.id"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("poverty_funds.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)  # yuan
    purpose: Mapped[str] = mapped_column(String(200))
    status: Mapped[PaymentStatus] = mapped_column(enum_column_type(PaymentStatus, "poverty_payment_status"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(Text)

    case: Mapped[MonitoringCase] = relationship(back_populates="payments")
    fund: Mapped[Fund] = relationship(lazy="joined")


class PovertyEvent(Base):
    """Append-only history of declarations, cases and payments: who did what, from which status to which."""

    __tablename__ = "poverty_events"
    __table_args__ = (Index("ix_poverty_events_subject", "subject", "subject_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    subject: Mapped[str] = mapped_column(String(16))  # declaration | case | payment
    subject_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resident_account_id: Mapped[int | None] = mapped_column(ForeignKey("resident_accounts.id"))
    note: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")


class PovertyDataView(Base):
    """One row per view of ID numbers, phones or incomes in the clear: who, which record, which interface."""

    __tablename__ = "poverty_data_views"
    __table_args__ = (Index("ix_poverty_data_views_jurisdiction_at", "jurisdiction_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject: Mapped[str] = mapped_column(String(16))  # declaration | case
    subject_id: Mapped[int] = mapped_column(Integer)
    interface: Mapped[str] = mapped_column(String(16))  # web | api | cli
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
