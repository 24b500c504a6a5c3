"""The wish jobs (``lianxin.jobs.Job`` signature ``(session, settings, now) -> int``): 待办档案 wishes due for
review go back to the community, claimants are reminded around their promised date (working-day calendar)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lianxin.clock import local_zone, utcnow
from lianxin.config import Settings
from lianxin.sla.service import get_calendar
from lianxin.wishes.models import Wish
from lianxin.wishes.service import S, _tell_claimant, reopen_wish


def review_filed(session: Session, settings: Settings, now: datetime) -> int:
    """待办档案 wishes whose review date has come go back to the community's review queue."""
    return review_filed_wishes(session, now=now)


def claim_reminders(session: Session, settings: Settings, now: datetime) -> int:
    """Reminders to claimants the day before the promised date and the day after it."""
    return remind_claims(session, now=now)


def review_filed_wishes(session: Session, *, now: datetime | None = None) -> int:
    """Job: wishes on file whose review date has come go back to registered for the community to review."""
    day = (now or utcnow()).astimezone(local_zone()).date()
    wishes = session.scalars(
        select(Wish)
        .where(Wish.status == S.ON_FILE, Wish.review_on <= day)
        .order_by(Wish.id)
        .limit(500)
        .with_for_update(skip_locked=True, of=Wish)
    ).all()
    for wish in wishes:
        reopen_wish(session, wish, actor=None, note="到期复核 / due for review")
    return len(wishes)


def remind_claims(session: Session, *, now: datetime | None = None) -> int:
    """Job: remind the claimant on the last working day before the promised date and on the first working day
    after it passed (the jurisdiction's working-day calendar: a Monday promise is reminded on Friday), once each.
    Nothing is sent on a day off."""
    day = (now or utcnow()).astimezone(local_zone()).date()
    sent = 0
    live = [S.CLAIMED, S.IN_PROGRESS]
    wishes: list[Wish] = []
    for jid in session.scalars(select(Wish.jurisdiction_id).where(Wish.status.in_(live)).distinct()).all():
        calendar = get_calendar(session, jid)
        if not calendar.is_workday(day):
            continue
        following, previous = day + timedelta(days=1), day - timedelta(days=1)
        for _ in range(30):  # the longest holiday is shorter than this
            if calendar.is_workday(following):
                break
            following += timedelta(days=1)
        for _ in range(30):
            if calendar.is_workday(previous):
                break
            previous -= timedelta(days=1)
        wishes += session.scalars(
            select(Wish)
            .where(
                Wish.jurisdiction_id == jid,
                Wish.status.in_(live),
                or_(
                    (Wish.promised_on > day) & (Wish.promised_on <= following),
                    (Wish.promised_on >= previous) & (Wish.promised_on < day),
                ),
            )
            .order_by(Wish.id)
            .limit(2000)
        ).all()
    for wish in wishes:
        before = wish.promised_on > day
        kind = "wish_due_soon" if before else "wish_overdue"
        text = (
            f"您认领的心愿（编号 {wish.id}）承诺于 {wish.promised_on:%Y-%m-%d} 完成，请按时落实。"
            if before
            else f"您认领的心愿（编号 {wish.id}）已超过承诺日期 {wish.promised_on:%Y-%m-%d}，请尽快落实并反馈。"
        )
        _tell_claimant(session, wish, kind, text, dedupe_key=f"wish:{wish.id}:{kind}:{wish.promised_on}")
        sent += 1
    return sent
