"""The one place the platform asks for the current time and for the local time zone.

Times are stored as aware UTC. Whatever is computed or shown as a local date or time (order numbers,
day rollups, deadlines on the working-day calendar, dates typed into forms and imports, every page and
export) uses :func:`local_zone`, the zone named by the ``LIANXIN_TIMEZONE`` setting (Asia/Shanghai by
default); :func:`local_date` and :func:`local_text` are the two common uses.

Tests move the clock with time-machine. Loading history (the demo city, imports of past orders) runs
the real service verbs at past moments inside :func:`at`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

_override: ContextVar[datetime | None] = ContextVar("lianxin_now", default=None)


def utcnow() -> datetime:
    return _override.get() or datetime.now(UTC)


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    """Within the block, ``utcnow()`` returns ``moment`` (aware) for this thread or task only."""
    if moment.tzinfo is None:
        raise ValueError("clock.at needs an aware datetime")
    token = _override.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _override.reset(token)


@lru_cache
def zone(name: str) -> ZoneInfo:
    """The zone called ``name`` (cached); ``ZoneInfoNotFoundError`` for a name the tz database lacks."""
    return ZoneInfo(name)


def local_zone() -> ZoneInfo:
    """The deployment's local time zone: ``LIANXIN_TIMEZONE`` (default Asia/Shanghai)."""
    from lianxin.config import get_settings  # late: this module stays importable without pydantic settings

    return zone(get_settings().timezone)


def local_now() -> datetime:
    return utcnow().astimezone(local_zone())


def local_date(moment: datetime | None = None) -> date:
    """The local calendar date of ``moment`` (default: now)."""
    return (moment or utcnow()).astimezone(local_zone()).date()


def local_text(moment: datetime | None) -> str:
    """``2026-03-02 09:30`` in local time, ``—`` for none (the pages' ``| local`` filter)."""
    return moment.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M") if moment else "—"


def local_start(day: date) -> datetime:
    """Local midnight at the start of ``day`` (aware)."""
    return datetime(day.year, day.month, day.day, tzinfo=local_zone())
