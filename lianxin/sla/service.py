"""The jurisdiction's calendar and time-limit policy rows from the database, for the pure modules. Applying
them to an appeal is ``lianxin.appeals.deadlines`` (``sla`` never imports ``appeals``)."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.config import Settings
from lianxin.errors import InvalidInput
from lianxin.sla.calendar import WorkingCalendar
from lianxin.sla.models import CalendarOverride, TimeLimitPolicy
from lianxin.sla.policy import Limit, PolicyRule

_CACHE = "sla_cache"


def _settings(session: Session) -> Settings:
    return session.info.get("settings") or Settings()


def invalidate(session: Session) -> None:
    """Forget cached calendars and rules after an admin edit in this session."""
    session.info.pop(_CACHE, None)


def get_calendar(session: Session, jurisdiction_id: int) -> WorkingCalendar:
    cache = session.info.setdefault(_CACHE, {})
    key = ("calendar", jurisdiction_id)
    if key not in cache:
        rows = session.execute(
            select(CalendarOverride.day, CalendarOverride.is_workday).where(
                CalendarOverride.jurisdiction_id == jurisdiction_id
            )
        )
        settings = _settings(session)
        cache[key] = WorkingCalendar(
            overrides=dict(rows.all()),
            day_start=time.fromisoformat(settings.work_day_start),
            day_end=time.fromisoformat(settings.work_day_end),
        )
    return cache[key]


def get_rules(session: Session, jurisdiction_id: int) -> list[PolicyRule]:
    cache = session.info.setdefault(_CACHE, {})
    key = ("rules", jurisdiction_id)
    if key not in cache:
        rows = session.scalars(
            select(TimeLimitPolicy).where(
                TimeLimitPolicy.jurisdiction_id == jurisdiction_id, TimeLimitPolicy.active.is_(True)
            )
        )
        cache[key] = [
            PolicyRule(
                id=r.id,
                name=r.name,
                appeal_type=r.appeal_type,
                category_id=r.category_id,
                urgency=r.urgency,
                sign=r.sign_limit,
                contact=r.contact_limit,
                handle=r.handle_limit,
            )
            for r in rows
        ]
    return cache[key]


def set_policy(
    session: Session,
    *,
    jurisdiction_id: int,
    name: str,
    sign: str,
    contact: str,
    handle: str,
    appeal_type: str | None = None,
    category_id: int | None = None,
    urgency: str | None = None,
    policy: TimeLimitPolicy | None = None,
) -> TimeLimitPolicy:
    """Create or update one policy row, validating the limits ("2h", "5wd", …) first."""
    for field, text in (("sign_limit", sign), ("contact_limit", contact), ("handle_limit", handle)):
        try:
            Limit.parse(text)
        except ValueError as exc:
            raise InvalidInput(str(exc), field=field) from None
    policy = policy or TimeLimitPolicy(jurisdiction_id=jurisdiction_id)
    policy.name, policy.appeal_type, policy.category_id, policy.urgency = name, appeal_type, category_id, urgency
    policy.sign_limit, policy.contact_limit, policy.handle_limit = sign, contact, handle
    session.add(policy)
    session.flush()
    invalidate(session)
    return policy


def set_calendar_day(
    session: Session, *, jurisdiction_id: int, day, is_workday: bool, name: str = ""
) -> CalendarOverride:
    """An admin's override: ``day`` is (not) a working day, whatever the national calendar says."""
    row = session.scalar(
        select(CalendarOverride).where(CalendarOverride.jurisdiction_id == jurisdiction_id, CalendarOverride.day == day)
    )
    if row is None:
        row = CalendarOverride(jurisdiction_id=jurisdiction_id, day=day)
        session.add(row)
    row.is_workday, row.name = is_workday, name
    session.flush()
    invalidate(session)
    return row
