"""Read-only queries over appeals and their events."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal, AppealEvent
from lianxin.appeals.status import EVENT_LABELS_ZH, AppealStatus, EventKind


@dataclass(frozen=True)
class TimelineStep:
    at: datetime
    kind: str
    label: str
    unit: str | None
    note: str | None
    superseded: bool = False  # a reply the resident did not accept: a reopen (重办) came after it


def timeline(session: Session, appeal: Appeal, *, public_only: bool) -> list[TimelineStep]:
    """The appeal's history from its events; residents see only public steps, never internal notes."""
    stmt = select(AppealEvent).where(AppealEvent.appeal_id == appeal.id).order_by(AppealEvent.at, AppealEvent.id)
    if public_only:
        stmt = stmt.where(AppealEvent.public.is_(True))
    steps = []
    for event in session.scalars(stmt):
        shown_note = event.note if (not public_only or event.kind in RESIDENT_NOTES) else None
        steps.append(
            TimelineStep(
                event.at,
                event.kind,
                EVENT_LABELS_ZH.get(event.kind, event.kind),
                event.unit.name if event.unit else None,
                shown_note,
            )
        )
    last_reopen = max((i for i, step in enumerate(steps) if step.kind == EventKind.REOPENED), default=-1)
    return [
        replace(step, superseded=True)
        if i < last_reopen and step.kind in (EventKind.REPLIED, EventKind.ANSWERED)
        else step
        for i, step in enumerate(steps)
    ]


# Public steps whose note is written for the resident (replies, plans, reasons given to them).
RESIDENT_NOTES = frozenset({"answered", "not_accepted", "replied", "deferral_cleared", "main_replied", "terminated"})


def find_for_resident(session: Session, order_no: str, phone: str) -> Appeal | None:
    """An appeal by its number and the appellant's phone (compared in constant time)."""
    appeal = session.scalar(select(Appeal).where(Appeal.order_no == order_no.strip()))
    if appeal is None or not appeal.appellant_phone:
        return None
    return appeal if hmac.compare_digest(appeal.appellant_phone, phone.replace(" ", "")) else None


def find_by_token(session: Session, token: str) -> Appeal | None:
    return session.scalar(select(Appeal).where(Appeal.tracking_token == token))


def count_by_status(session: Session, jurisdiction_id: int | None = None) -> dict[AppealStatus, int]:
    stmt = select(Appeal.status, func.count()).group_by(Appeal.status)
    if jurisdiction_id is not None:
        stmt = stmt.where(Appeal.jurisdiction_id == jurisdiction_id)
    counts = dict(session.execute(stmt).all())
    return {status: counts.get(status, 0) for status in AppealStatus}
