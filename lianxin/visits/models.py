"""Return visits (回访): one task per appeal per handling round."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.appeals.choices import Satisfaction
from lianxin.appeals.models import Appeal
from lianxin.choices import Choice
from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime, enum_column_type


class VisitState(Choice):
    PENDING = "pending", "待回访", "Pending", "orange"
    DONE = "done", "已回访", "Done", "green"
    CANCELLED = "cancelled", "已取消", "Cancelled", "grey"


class ReturnVisit(Base):
    __tablename__ = "return_visits"
    __table_args__ = (UniqueConstraint("appeal_id", "round"), Index("ix_return_visits_state_due", "state", "due_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"))
    round: Mapped[int] = mapped_column(Integer)  # the appeal's reopen_count when it was replied
    state: Mapped[VisitState] = mapped_column(enum_column_type(VisitState, "visit_state"), default=VisitState.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[str | None] = mapped_column(String(16))  # phone | sms | online
    contacted: Mapped[bool | None] = mapped_column(Boolean)
    solved: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(enum_column_type(Satisfaction, "visit_satisfaction"))
    unreasonable: Mapped[bool] = mapped_column(Boolean, default=False)  # dissatisfaction judged unreasonable
    comment: Mapped[str | None] = mapped_column(Text)

    appeal: Mapped[Appeal] = relationship()
