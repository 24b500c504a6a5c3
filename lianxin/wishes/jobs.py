"""The wish jobs, as plain functions with the ``lianxin.jobs.Job`` signature ``(session, settings, now) -> int``.

Registration (until the module registry lands): add ``Job(name, fn)`` for each pair in ``JOBS`` to
``lianxin.jobs.JOBS``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lianxin.config import Settings
from lianxin.wishes.service import remind_claims, review_filed_wishes


def review_filed(session: Session, settings: Settings, now: datetime) -> int:
    """待办档案 wishes whose review date has come go back to the community's review queue."""
    return review_filed_wishes(session, now=now)


def claim_reminders(session: Session, settings: Settings, now: datetime) -> int:
    """Reminders to claimants the day before the promised date and the day after it."""
    return remind_claims(session, now=now)


JOBS = [("wishes_review_filed", review_filed), ("wishes_claim_reminders", claim_reminders)]
