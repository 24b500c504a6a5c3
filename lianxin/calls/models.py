"""The telephone side's tables. Every key includes ``jurisdiction_id`` (Citus-ready): hotlines by number,
skills by code, seats by seat number, calls by the switch's call id, call events by (call, seq), expert
queue items by a random id."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianxin.appeals.choices import Channel
from lianxin.calls.choices import CallEventKind, CallStatus, ExpertReason, ExpertState, HotlineKind
from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime, enum_column_type


def new_id() -> str:
    return uuid.uuid4().hex


class CallHotline(Base):
    """A number calls arrive on or are transferred to: an old department hotline merged into 12345 (一号通),
    bringing its channel and default category, or a utility's own hotline (water, gas, metro)."""

    __tablename__ = "call_hotlines"
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[HotlineKind] = mapped_column(enum_column_type(HotlineKind, "call_hotline_kind"))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    channel: Mapped[Channel] = mapped_column(enum_column_type(Channel, "call_hotline_channel"), default=Channel.HOTLINE)
    default_category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CallSkill(Base):
    """A domain expert seats answer (人社, 医保, 公积金, …): the vocabulary, as data."""

    __tablename__ = "call_skills"
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))


class OperatorSkill(Base):
    """An operator who is an expert seat (专家座席) of a domain."""

    __tablename__ = "call_operator_skills"
    __table_args__ = (
        ForeignKeyConstraint(["jurisdiction_id", "skill"], ["call_skills.jurisdiction_id", "call_skills.code"]),
    )
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(32), primary_key=True)


class CategorySkill(Base):
    """Intakes of this category go to the expert queue of this domain."""

    __tablename__ = "call_category_skills"
    __table_args__ = (
        ForeignKeyConstraint(["jurisdiction_id", "skill"], ["call_skills.jurisdiction_id", "call_skills.code"]),
    )
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(32))


class CallSeat(Base):
    """A seat (座席) of the switch and the operator who sits at it."""

    __tablename__ = "call_seats"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "user_id"),)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    seat: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Call(Base):
    """One call as the switch reported it; ``call_id`` is the switch's own id."""

    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_operator_status", "jurisdiction_id", "operator_id", "status"),
        Index("ix_calls_caller", "jurisdiction_id", "caller"),
    )
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[CallStatus] = mapped_column(enum_column_type(CallStatus, "call_status"))
    caller: Mapped[str] = mapped_column(String(32))
    dialled: Mapped[str | None] = mapped_column(String(32))
    hotline_number: Mapped[str | None] = mapped_column(String(32))  # dialled, when it is a merged hotline
    seat: Mapped[str | None] = mapped_column(String(16))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recording_ref: Mapped[str | None] = mapped_column(String(500))
    rang_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"), index=True)  # the first intake
    expert_skill: Mapped[str | None] = mapped_column(String(32))
    transferred_to: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallEvent(Base):
    """The call's history: each event the switch posted, each intake linked, hand-over and transfer."""

    __tablename__ = "call_events"
    __table_args__ = (
        ForeignKeyConstraint(["jurisdiction_id", "call_id"], ["calls.jurisdiction_id", "calls.call_id"]),
        Index("ix_call_events_appeal", "jurisdiction_id", "appeal_id"),
    )
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[CallEventKind] = mapped_column(enum_column_type(CallEventKind, "call_event_kind"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)


class ExpertItem(Base):
    """An intake or a live call waiting in (or taken from) the expert queue of a domain."""

    __tablename__ = "call_expert_queue"
    __table_args__ = (
        ForeignKeyConstraint(["jurisdiction_id", "skill"], ["call_skills.jurisdiction_id", "call_skills.code"]),
        Index("ix_call_expert_queue_skill_state", "jurisdiction_id", "skill", "state"),
    )
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    skill: Mapped[str] = mapped_column(String(32))
    reason: Mapped[ExpertReason] = mapped_column(enum_column_type(ExpertReason, "call_expert_reason"))
    state: Mapped[ExpertState] = mapped_column(
        enum_column_type(ExpertState, "call_expert_state"), default=ExpertState.WAITING
    )
    call_id: Mapped[str | None] = mapped_column(String(64))
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    queued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
