"""The daily plan job: ``(session, settings, now) -> int`` (plans made)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.clock import local_zone
from lianxin.config import Settings
from lianxin.logistics import plans
from lianxin.logistics.models import BusStop, PlanKind

PLAN_FROM_HOUR = 5  # the day's plan is made from 05:00 local time, before the first departures


def daily_plan(session: Session, settings: Settings, now: datetime) -> int:
    """Each jurisdiction with a bus network gets one adopted plan a day; a second run the same day does
    nothing (the hub stop row is the claim, so two job processes never both plan)."""
    local = now.astimezone(local_zone())
    if local.hour < PLAN_FROM_HOUR:
        return 0
    made = 0
    hubs = session.scalars(
        select(BusStop).where(BusStop.is_hub.is_(True)).order_by(BusStop.id).with_for_update(skip_locked=True)
    ).all()
    for stop in hubs:
        if plans.adopted_plan(session, stop.jurisdiction_id, local.date()) is None:
            plans.run_plan(
                session,
                stop.jurisdiction_id,
                local.date(),
                actor=None,
                kind=PlanKind.DAILY,
                now=now,
                note="每日自动排班 / daily job",
            )
            made += 1
    return made
