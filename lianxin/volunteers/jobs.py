"""``volunteer_reminders``: the day before an activity, each volunteer signed up gets a reminder (the outbox),
once (``reminded_at`` and a dedupe key); rows are claimed with FOR UPDATE SKIP LOCKED."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lianxin.clock import utcnow
from lianxin.notify import queue_notification
from lianxin.volunteers.models import Activity, ActivityStatus, Enrollment
from lianxin.volunteers.service import local
from lianxin.volunteers.status import EnrollmentStatus

AHEAD = timedelta(hours=24)


def send_reminders(session, settings=None, now=None, *, limit: int = 500) -> int:
    now = now or utcnow()
    rows = session.scalars(
        select(Enrollment)
        .join(Activity, Activity.id == Enrollment.activity_id)
        .where(
            Enrollment.status == EnrollmentStatus.ENROLLED,
            Enrollment.reminded_at.is_(None),
            Activity.status == ActivityStatus.OPEN,
            Activity.starts_at > now,
            Activity.starts_at <= now + AHEAD,
        )
        .order_by(Enrollment.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Enrollment)
    ).all()
    for row in rows:
        activity = row.activity
        queue_notification(
            session,
            jurisdiction_id=row.jurisdiction_id,
            kind="vol_reminder",
            audience="member",
            recipient=row.member.phone,
            message=f"提醒：志愿活动“{activity.title}”将于 {local(activity.starts_at):%m月%d日 %H:%M} 在{activity.place}开始。",
            dedupe_key=f"vol_reminder:{row.id}",
        )
        row.reminded_at = now
    session.flush()
    return len(rows)
