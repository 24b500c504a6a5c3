"""The care jobs, run by ``lianxin jobs run`` each in its own transaction: evaluate every device's rules (so a
meter that goes silent is noticed, not only one that reports), then tell the ladder rungs whose timers ran out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lianxin.care import evaluate


def evaluate_rules(session: Session, settings, now: datetime) -> int:
    return evaluate.evaluate_all(session, now)


def escalate_alarms(session: Session, settings, now: datetime) -> int:
    return evaluate.escalate_all(session, now)
