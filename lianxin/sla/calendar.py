"""Working-time calendar: Chinese public holidays, 调休 make-up working days and admin overrides.

A day is a working day when an admin override says so; otherwise the ``chinese_calendar``
package decides (it knows the State Council holiday notices, including weekend days that
are worked to make up for a holiday). For years the package does not cover yet it falls
back to Monday–Friday, so deadlines in those years ignore holidays until the package is
upgraded or admins enter overrides.

Working time is ``[day_start, day_end)`` local time on working days, with no lunch split.
Every public method takes timezone-aware datetimes in any zone and returns aware UTC.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar

from lianxin.clock import local_zone

_ONE_DAY = timedelta(days=1)


def ensure_aware(value: datetime, name: str = "datetime") -> datetime:
    """Return ``value`` unchanged if it is timezone-aware; raise ``ValueError`` if it is naive."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be timezone-aware (got naive {value.isoformat()}); "
            "attach a tzinfo, e.g. datetime(..., tzinfo=timezone.utc)"
        )
    return value


@functools.cache
def _official_workday(d: date) -> bool:
    """Whether ``d`` is an official working day; Monday–Friday for years the library lacks."""
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:
        return d.weekday() < 5


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days and hours used to compute and measure appeal deadlines.

    ``overrides`` maps a date to whether it is a working day; an override wins over the
    official calendar in both directions (a holiday made a working day, or a working day
    closed). It is copied into a read-only mapping on construction.
    """

    overrides: Mapping[date, bool] = field(default_factory=dict)
    day_start: time = time(9, 0)
    day_end: time = time(18, 0)
    tz: ZoneInfo = field(default_factory=local_zone)  # LIANXIN_TIMEZONE

    def __post_init__(self) -> None:
        if not self.day_start < self.day_end:
            raise ValueError(f"day_start {self.day_start} must be before day_end {self.day_end}")
        for key in self.overrides:
            if isinstance(key, datetime) or not isinstance(key, date):
                raise TypeError(f"override keys must be dates, got {key!r}")
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))

    # -- days ---------------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day: the override if any, else the official calendar."""
        if isinstance(d, datetime):
            raise TypeError("is_workday takes a date; use value.astimezone(tz).date() for datetimes")
        override = self.overrides.get(d)
        if override is not None:
            return bool(override)
        return _official_workday(d)

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """Deadline at ``day_end`` on the ``n``-th working day after ``start``'s local date.

        The start day itself never counts, whatever the time. With ``n == 0`` the deadline
        is the end of the start day if that is a working day and ``start`` is before
        ``day_end``, otherwise the end of the next working day.
        """
        local = self._local(start, "start")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        d = local.date()
        if n == 0:
            if self.is_workday(d) and local.time() < self.day_end:
                return self._at(d, self.day_end)
            n = 1
        while n:
            d += _ONE_DAY
            if self.is_workday(d):
                n -= 1
        return self._at(d, self.day_end)

    def working_days_between(self, a: datetime, b: datetime) -> int:
        """Working days after ``a``'s local date up to and including ``b``'s; negative if b < a."""
        start = self._local(a, "a")
        end = self._local(b, "b")
        if end < start:
            return -self.working_days_between(b, a)
        d, last, count = start.date() + _ONE_DAY, end.date(), 0
        while d <= last:
            count += self.is_workday(d)
            d += _ONE_DAY
        return count

    # -- hours --------------------------------------------------------------------------

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment ``hours`` of working time after ``start`` (fractions allowed).

        A start outside working time begins counting at the next working period's start, so
        ``hours == 0`` yields the first working moment at or after ``start``. A result that
        lands exactly on ``day_end`` stays on that day.
        """
        local = self._local(start, "start")
        if hours < 0:
            raise ValueError(f"hours must be >= 0, got {hours}")
        remaining = timedelta(hours=hours)
        d = local.date()
        cursor = local
        while True:
            if self.is_workday(d):
                opens, closes = self._local_at(d, self.day_start), self._local_at(d, self.day_end)
                begin = max(cursor, opens)
                if begin < closes:
                    if remaining <= closes - begin:
                        return (begin + remaining).astimezone(UTC)
                    remaining -= closes - begin
            d += _ONE_DAY
            cursor = self._local_at(d, time(0, 0))

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        """Working hours in ``[a, b)``; negative if ``b`` is before ``a``."""
        start = self._local(a, "a")
        end = self._local(b, "b")
        if end < start:
            return -self.working_hours_between(b, a)
        total = timedelta()
        d, last = start.date(), end.date()
        while d <= last:
            if self.is_workday(d):
                begin = max(start, self._local_at(d, self.day_start))
                finish = min(end, self._local_at(d, self.day_end))
                if finish > begin:
                    total += finish - begin
            d += _ONE_DAY
        return total.total_seconds() / 3600

    # -- helpers ------------------------------------------------------------------------

    def _local(self, value: datetime, name: str) -> datetime:
        return ensure_aware(value, name).astimezone(self.tz)

    def _local_at(self, d: date, t: time) -> datetime:
        return datetime.combine(d, t, tzinfo=self.tz)

    def _at(self, d: date, t: time) -> datetime:
        return self._local_at(d, t).astimezone(UTC)


def __getattr__(name: str):
    """``SHANGHAI``, the older name of the local zone: code written before ``clock.local_zone()`` keeps working
    and now follows ``LIANXIN_TIMEZONE``. New code calls ``lianxin.clock.local_zone()``."""
    if name == "SHANGHAI":
        return local_zone()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
