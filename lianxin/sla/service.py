"""The jurisdiction's calendar and time-limit policy rows from the database, for the pure modules. Applying
them to an appeal is ``lianxin.appeals.deadlines`` (``sla`` never imports ``appeals``)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from datetime import time
from typing import TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from lianxin.clock import utcnow
from lianxin.config import Settings
from lianxin.errors import InvalidInput
from lianxin.sla.calendar import WorkingCalendar
from lianxin.sla.models import CalendarOverride, ConfigStamp, TimeLimitPolicy
from lianxin.sla.policy import Limit, PolicyRule

_CACHE = "sla_cache"
_TOKENS = "sla_config_tokens"
_PROCESS_LIMIT = 256
_process: dict[tuple, object] = {}  # (kind, jurisdiction id, token) → value, shared by every session of the process
_process_lock = threading.Lock()
T = TypeVar("T")


def _settings(session: Session) -> Settings:
    return session.info.get("settings") or Settings()


def invalidate(session: Session) -> None:
    """Forget this session's cached calendars, rules and tokens (after an admin edit: see ``config_changed``)."""
    session.info.pop(_CACHE, None)
    session.info.pop(_TOKENS, None)


def config_changed(session: Session, jurisdiction_id: int) -> None:
    """An admin edited rules, the calendar, categories or units: a new token, so every process reloads them."""
    stamp = session.get(ConfigStamp, jurisdiction_id)
    if stamp is None:
        stamp = ConfigStamp(jurisdiction_id=jurisdiction_id)
        session.add(stamp)
    stamp.token, stamp.changed_at = secrets.token_hex(16), utcnow()
    session.flush()
    invalidate(session)


# Built once, run on the session's connection: every intake asks it (lianxin.appeals.refs).
_TOKEN = select(ConfigStamp.__table__.c.token).where(ConfigStamp.__table__.c.jurisdiction_id == bindparam("jid"))


def _token(session: Session, jurisdiction_id: int) -> str | None:
    tokens = session.info.setdefault(_TOKENS, {})
    if jurisdiction_id not in tokens:  # once per session: a request sees one version of the configuration
        tokens[jurisdiction_id] = session.connection().execute(_TOKEN, {"jid": jurisdiction_id}).scalar()
    return tokens[jurisdiction_id]


def cached(session: Session, jurisdiction_id: int, kind: str, load: Callable[[], T]) -> T:
    """``load()`` once per session, and once per process for each configuration token of the jurisdiction."""
    cache = session.info.setdefault(_CACHE, {})
    key = (kind, jurisdiction_id)
    if key in cache:
        return cache[key]
    token = _token(session, jurisdiction_id)
    shared = (kind, jurisdiction_id, token)
    if token is not None and shared in _process:
        cache[key] = _process[shared]
        return cache[key]
    cache[key] = value = load()
    if token is not None:
        with _process_lock:
            while len(_process) >= _PROCESS_LIMIT:
                _process.pop(next(iter(_process)))
            _process[shared] = value
    return value


def shared(session: Session, jurisdiction_id: int, kind: str, load: Callable[[], T]) -> T | None:
    """Like ``cached``, but only where the configuration has a token (so the value is kept per process); None
    where it has none (a jurisdiction never configured), for the caller to ask the database directly."""
    if _token(session, jurisdiction_id) is None:
        return None
    return cached(session, jurisdiction_id, kind, load)


def get_calendar(session: Session, jurisdiction_id: int) -> WorkingCalendar:
    def load() -> WorkingCalendar:
        rows = session.execute(
            select(CalendarOverride.day, CalendarOverride.is_workday).where(
                CalendarOverride.jurisdiction_id == jurisdiction_id
            )
        )
        settings = _settings(session)
        return WorkingCalendar(
            overrides=dict(rows.all()),
            day_start=time.fromisoformat(settings.work_day_start),
            day_end=time.fromisoformat(settings.work_day_end),
        )

    settings = _settings(session)
    return cached(session, jurisdiction_id, f"calendar {settings.work_day_start}-{settings.work_day_end}", load)


def get_rules(session: Session, jurisdiction_id: int) -> list[PolicyRule]:
    def load() -> list[PolicyRule]:
        rows = session.scalars(
            select(TimeLimitPolicy).where(
                TimeLimitPolicy.jurisdiction_id == jurisdiction_id, TimeLimitPolicy.active.is_(True)
            )
        )
        return [
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

    return cached(session, jurisdiction_id, "rules", load)


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
    config_changed(session, jurisdiction_id)
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
    config_changed(session, jurisdiction_id)
    return row
