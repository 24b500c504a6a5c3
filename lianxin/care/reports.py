"""What the care pages and leaders read: the ladder rung an alarm reached, the leaders' figures (counts, median
response and visit times, the false-alarm rate, threshold suggestions) and a household's one timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.care.alarms import alarms
from lianxin.care.models import Alarm, AlarmEvent, Household, HouseholdEvent
from lianxin.care.status import DEFAULT_LADDER, OPEN_STATUSES, RUNG_LABELS, AlarmAction, Outcome, Rung
from lianxin.clock import utcnow
from lianxin.orgs.models import User


def rung_label(alarm: Alarm) -> tuple[str, str]:
    if alarm.step < 0:
        return ("未通知", "Not yet told")
    ladder = list(alarm.rule.ladder) or list(DEFAULT_LADDER)
    return RUNG_LABELS[Rung(ladder[min(alarm.step, len(ladder) - 1)]["to"])]


def median(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def stats(session: Session, user: User, *, since: datetime | None = None) -> dict:
    """Leaders' figures: counts by status and rule, median minutes to acknowledge and to the visit record,
    the false-alarm rate, and threshold suggestions (≥ 3 closed alarms of a household and rule, half false)."""
    stmt = alarms(session, user, open_only=False)
    if since is not None:
        stmt = stmt.where(Alarm.raised_at >= since)
    rows = session.scalars(stmt).all()
    by_status: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    ack, visit, per_pair = [], [], {}
    now = utcnow()
    overdue = 0
    for a in rows:
        by_status[a.status.value] = by_status.get(a.status.value, 0) + 1
        by_kind[a.kind.value] = by_kind.get(a.kind.value, 0) + 1
        if a.acknowledged_at:
            ack.append((a.acknowledged_at - a.raised_at).total_seconds() / 60)
        if a.closed_at and a.outcome:
            visit.append((a.closed_at - a.raised_at).total_seconds() / 60)
            pair = per_pair.setdefault((a.household_id, a.kind.value), [0, 0, a.household])
            pair[0] += 1
            pair[1] += a.outcome == Outcome.FALSE_ALARM
        if a.status in OPEN_STATUSES and a.visit_due_at < now:
            overdue += 1
    welfare_closed = [a for a in rows if a.outcome and a.outcome != Outcome.REPAIRED]
    false = sum(1 for a in welfare_closed if a.outcome == Outcome.FALSE_ALARM)
    suggestions = [
        {"household_id": hid, "address": h.address, "kind": kind, "closed": n, "false": f, "rate": round(f / n, 2)}
        for (hid, kind), (n, f, h) in per_pair.items()
        if n >= 3 and f / n >= 0.5
    ]
    return {
        "total": len(rows),
        "open": sum(by_status.get(s.value, 0) for s in OPEN_STATUSES),
        "overdue": overdue,
        "by_status": by_status,
        "by_kind": by_kind,
        "median_ack_min": median(ack),
        "median_close_min": median(visit),
        "false_alarm_rate": round(false / len(welfare_closed), 3) if welfare_closed else None,
        "suggestions": suggestions,
    }


def timeline(session: Session, household: Household) -> list[dict]:
    """Everything about a household on one line, newest first: register changes, alarms and visits, and the
    appeals and micro-wishes filed from its people's phones."""
    from lianxin.appeals.models import Appeal, Appellant

    items: list[dict] = []
    for e in session.scalars(select(HouseholdEvent).where(HouseholdEvent.household_id == household.id)):
        items.append(
            {
                "at": e.at,
                "kind": "register",
                "what": e.kind,
                "by": e.actor.display_name if e.actor else "系统",
                "ref": None,
            }
        )
    alarm_ids = list(session.scalars(select(Alarm.id).where(Alarm.household_id == household.id)))
    if alarm_ids:
        for e in session.scalars(select(AlarmEvent).where(AlarmEvent.alarm_id.in_(alarm_ids))):
            kind = "visit" if e.action in (AlarmAction.START_VISIT, AlarmAction.RECORD_VISIT) else "alarm"
            items.append(
                {
                    "at": e.at,
                    "kind": kind,
                    "what": e.action,
                    "by": e.actor.display_name if e.actor else "系统",
                    "ref": e.alarm_id,
                    "note": e.note,
                    "payload": e.payload,
                }
            )
    phones = [p.phone for p in household.people if p.phone]
    if phones:
        appeals = session.scalars(
            select(Appeal)
            .join(Appellant, Appeal.appellant_id == Appellant.id)
            .where(Appellant.jurisdiction_id == household.jurisdiction_id, Appellant.phone.in_(phones))
        )
        for a in appeals:
            items.append(
                {
                    "at": a.received_at,
                    "kind": "appeal",
                    "what": a.status.value,
                    "by": "",
                    "ref": a.order_no,
                    "note": a.title if hasattr(a, "title") else "",
                }
            )
        try:
            from lianxin.wishes.models import Wish
        except ImportError:  # pragma: no cover - wishes is part of the tree
            Wish = None
        if Wish is not None:
            for w in session.scalars(
                select(Wish).where(Wish.jurisdiction_id == household.jurisdiction_id, Wish.resident_phone.in_(phones))
            ):
                items.append(
                    {
                        "at": w.created_at,
                        "kind": "wish",
                        "what": w.status.value,
                        "by": "",
                        "ref": w.id,
                        "note": w.public_text,
                    }
                )
    items.sort(key=lambda i: i["at"], reverse=True)
    return items
