"""The wish jobs (``lianxin.jobs.Job`` signature ``(session, settings, now) -> int``): 待办档案 wishes due for
review go back to the community, claimants are reminded around their promised date (working-day calendar),
and from July on, members and organisations behind their yearly quota are reminded on the first working day
of each month (once a month each)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lianxin.clock import local_zone, utcnow
from lianxin.config import Settings
from lianxin.notify import queue_notification
from lianxin.sla.service import get_calendar
from lianxin.wishes.models import Member, PartyOrg, QuotaScope, Wish
from lianxin.wishes.queries import quota_progress
from lianxin.wishes.service import S, _tell_claimant, reopen_wish


def review_filed(session: Session, settings: Settings, now: datetime) -> int:
    """待办档案 wishes whose review date has come go back to the community's review queue."""
    return review_filed_wishes(session, now=now)


def claim_reminders(session: Session, settings: Settings, now: datetime) -> int:
    """Reminders to claimants the day before the promised date and the day after it."""
    return remind_claims(session, now=now)


QUOTA_REMINDERS_FROM = 7  # the month from which members and organisations behind their quota are reminded


def quota_reminders(session: Session, settings: Settings | None, now: datetime | None) -> int:
    """年度任务提醒: on the first working day of each month from July, every active member who has realised fewer
    wishes than the year's target (and the secretary of every organisation behind its target) is told where
    they stand; a dedupe key per person and month keeps a second run silent."""
    day = (now or utcnow()).astimezone(local_zone()).date()
    if day.month < QUOTA_REMINDERS_FROM:
        return 0
    sent = 0
    for jid in session.scalars(select(Member.jurisdiction_id).where(Member.active.is_(True)).distinct()).all():
        calendar = get_calendar(session, jid)
        first = day.replace(day=1)
        for _ in range(31):
            if calendar.is_workday(first):
                break
            first += timedelta(days=1)
        if first != day:
            continue
        month = f"{day:%Y-%m}"
        phones = dict(session.execute(select(Member.id, Member.phone).where(Member.jurisdiction_id == jid)).all())
        for p in quota_progress(session, jid, QuotaScope.MEMBER, day.year):
            if p.met:
                continue
            sent += (
                queue_notification(
                    session,
                    jurisdiction_id=jid,
                    kind="wish_quota",
                    audience="member",
                    recipient=phones[p.id],
                    message=f"{p.name}您好：今年您已实现微心愿 {p.realised} 件，年度任务 {p.target} 件"
                    f"{'，另有 ' + str(p.claimed) + ' 件正在落实' if p.claimed else '，欢迎到心愿墙认领'}。",
                    dedupe_key=f"wish_quota:{month}:member:{p.id}",
                )
                is not None
            )
        secretaries = dict(
            session.execute(
                select(PartyOrg.id, PartyOrg.secretary_user_id).where(
                    PartyOrg.jurisdiction_id == jid, PartyOrg.secretary_user_id.is_not(None)
                )
            ).all()
        )
        for p in quota_progress(session, jid, QuotaScope.ORG, day.year, ids=list(secretaries)):
            if p.met:
                continue
            sent += (
                queue_notification(
                    session,
                    jurisdiction_id=jid,
                    kind="wish_quota",
                    audience="user",
                    recipient=secretaries[p.id],
                    message=f"{p.name}今年已办成实事 {p.realised} 件，年度任务 {p.target} 件，请关注党组织看板。",
                    dedupe_key=f"wish_quota:{month}:org:{p.id}",
                )
                is not None
            )
    return sent


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
