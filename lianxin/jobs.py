"""Background jobs (``lianxin jobs run``): idempotent, and safe to run from several processes at once.

Each job claims its rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite job sessions take the
write lock at BEGIN) and records what it did in state that makes a second run a no-op: the
appeal's ``overdue_at``, the notification's unique ``dedupe_key``, the visit's (appeal, round)
key, the deferral's next ``defer_review_at``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, sessionmaker

from lianxin import ratelimit
from lianxin.appeals.access import overdue
from lianxin.appeals.models import Appeal
from lianxin.appeals.requests import review_deferral
from lianxin.appeals.service import local_text, mark_overdue
from lianxin.appeals.status import HANDLING, AppealStatus
from lianxin.appeals.supervision import urge_appeal
from lianxin.clock import at, utcnow
from lianxin.config import Settings
from lianxin.db import session_scope
from lianxin.logs import JOB_LOG, log
from lianxin.modules import Job, Module, enabled_modules
from lianxin.notify import Sender, deliver_pending, queue_notification
from lianxin.partitions import ensure_partitions
from lianxin.sla.service import get_calendar
from lianxin.visits.models import ReturnVisit
from lianxin.visits.service import ensure_visit_task

BATCH = 500


def _claim(stmt):
    return stmt.order_by(Appeal.id).limit(BATCH).with_for_update(skip_locked=True, of=Appeal)


def flag_overdue(session: Session, settings: Settings, now: datetime) -> int:
    rows = session.scalars(_claim(select(Appeal).where(overdue(now), Appeal.overdue_at.is_(None))))
    return sum(mark_overdue(session, appeal, now=now) for appeal in rows)


def send_urges(session: Session, settings: Settings, now: datetime) -> int:
    """Reminders before the deadline (notification only) and 催办 after it (notification + event)."""
    sent = 0
    horizon = now + timedelta(hours=max(settings.urge_before_hours, default=0))
    rows = session.scalars(
        _claim(select(Appeal).where(Appeal.status.in_(HANDLING), Appeal.due_at.is_not(None), Appeal.due_at <= horizon))
    )
    for appeal in rows:
        due = appeal.due_at
        if due >= now:  # due_at itself is still on time (as for flag_overdue and replies)
            for hours in settings.urge_before_hours:
                if due - timedelta(hours=hours) <= now:
                    sent += _urge(
                        session,
                        appeal,
                        f"before:{hours}",
                        "urge_before",
                        f"距办理时限（{local_text(due)}）不足 {hours} 小时，请抓紧办理。",
                        event=False,
                    )
            continue
        late_days = get_calendar(session, appeal.jurisdiction_id).working_days_between(due, now)
        for days in settings.urge_after_working_days:
            if late_days >= days:
                sent += _urge(
                    session,
                    appeal,
                    f"after:{days}",
                    "urge_after",
                    f"已超过办理时限（{local_text(due)}）{late_days} 个工作日，请立即办理并答复。",
                    event=True,
                )
    return sent


def _urge(session: Session, appeal: Appeal, threshold: str, kind: str, message: str, *, event: bool) -> int:
    key = f"urge:{appeal.id}:{appeal.due_at.astimezone(UTC).isoformat()}:{threshold}"  # a new deadline re-arms the reminders
    new = queue_notification(
        session,
        jurisdiction_id=appeal.jurisdiction_id,
        appeal_id=appeal.id,
        kind=kind,
        audience="unit",
        recipient=appeal.lead_unit_id,
        dedupe_key=key,
        message=f"工单 {appeal.order_no}「{appeal.title}」：{message}",
    )
    if new is None:
        return 0
    if event:  # 催办 after the deadline: the verb records it and raises the level (its notice is the one above)
        urge_appeal(
            session, appeal, actor=None, note=message, payload={"threshold": threshold, "automatic": True}, notify=False
        )
    return 1


def create_visit_tasks(session: Session, settings: Settings, now: datetime) -> int:
    missing = ~exists().where(and_(ReturnVisit.appeal_id == Appeal.id, ReturnVisit.round == Appeal.reopen_count))
    rows = session.scalars(_claim(select(Appeal).where(Appeal.status == AppealStatus.REPLIED, missing)))
    return sum(
        ensure_visit_task(session, appeal, now=now, within_working_days=settings.visit_within_working_days) is not None
        for appeal in rows
    )


def review_deferred(session: Session, settings: Settings, now: datetime) -> int:
    rows = session.scalars(
        _claim(select(Appeal).where(Appeal.status == AppealStatus.DEFERRED, Appeal.defer_review_at <= now))
    ).all()
    for appeal in rows:
        passed = appeal.defer_target_date.isoformat()
        review_deferral(session, appeal, actor=None, note=f"定期复核（计划解决日期 {passed}）")
    return len(rows)


# The core's jobs; each module declares its own (``Module.jobs``), all run in ascending ``order``.
CORE_JOBS = (
    Job("flag_overdue", flag_overdue, order=10),
    Job("send_urges", send_urges, order=20),
    Job("create_visit_tasks", create_visit_tasks, order=30),
    Job("review_deferred", review_deferred, order=40),
    Job("prune_rate_limits", lambda session, settings, now: ratelimit.prune(session, now), order=900),
    Job("ensure_partitions", ensure_partitions, order=910),  # next months' partitions (PostgreSQL)
)


def jobs_for(modules: Sequence[Module]) -> list[Job]:
    """The core's jobs and the modules', in run order (``order``, then core first, then ``MODULES`` order)."""
    return sorted([*CORE_JOBS, *(job for module in modules for job in module.jobs)], key=lambda job: job.order)


def run_jobs(
    factory: sessionmaker,
    settings: Settings,
    sender: Sender,
    *,
    now: datetime | None = None,
    only: set[str] | None = None,
    modules: Sequence[Module] | None = None,
) -> dict[str, int]:
    """Run every job of the core and the enabled modules (``modules``: by default from ``settings``) once,
    each in its own transaction, then deliver the outbox."""
    now = now or utcnow()
    done: dict[str, int] = {}
    for job in jobs_for(enabled_modules(settings) if modules is None else modules):
        if only and job.name not in only:
            continue
        started = time.perf_counter()
        with at(now), session_scope(factory) as session:  # every job's verbs are dated `now`
            done[job.name] = job(session, settings, now)
        log(
            JOB_LOG,
            f"job {job.name} {done[job.name]}",
            job=job.name,
            rows=done[job.name],
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
    if not only or "deliver" in only:
        with at(now), session_scope(factory) as session:
            done["deliver"] = deliver_pending(session, sender)[0]
    return done
