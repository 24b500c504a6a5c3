"""The public statistics, kept in memory between two folds of the statistics.

The public page (/stats) and ``/api/v1/stats/public`` are read by anyone, often, mostly for the default window
(the last 12 months). What they show comes from the rollups, which the ``fold_stats`` job brings up to date every
minute. It is kept per process (``lianxin.memo``) under its arguments with the stats watermark as the version,
for at most ``ttl`` seconds, and a busy city (a new event every second) still reads them from memory. When the fold
moves the watermark or ``ttl`` ends, the next reader still gets the figures it replaces while they are computed
again in the background (no reader waits ~100 ms for that): public figures are at most one refresh behind and
never more than twice ``ttl`` old. Staff dashboards never use it: they add the events
not folded yet on every call. ``ttl`` 0 turns it off (the test suite's default, where rolled-back transactions
hand the same ids out again).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from sqlalchemy.orm import Session

from lianxin import memo
from lianxin.stats.dashboard import Weights, public_summary
from lianxin.stats.fold import WATERMARK
from lianxin.stats.models import StatsWatermark

T = TypeVar("T")


def folded_upto(session: Session) -> int:
    """The last event the rollups hold: it moves when the fold job has added something."""
    mark = session.get(StatsWatermark, WATERMARK)
    return mark.last_event_id if mark else 0


def remember(session: Session, key: tuple, ttl: float, compute: Callable[[Session], T]) -> T:
    """``compute(session)``, or what it returned for ``key`` before the rollups moved and less than ``ttl``
    seconds ago (a value just gone stale is served while it is computed again: ``lianxin.memo``)."""
    if ttl <= 0:
        return compute(session)
    return memo.remember(session, key, ttl, compute, version=folded_upto(session))


def cached_public_summary(
    session: Session, jurisdiction_id: int, start: date, end: date, *, weights: Weights, ttl: float
) -> dict:
    """``public_summary`` of these arguments, kept as :func:`remember` says (callers must not change it)."""
    return remember(
        session,
        ("summary", jurisdiction_id, start, end, weights),
        ttl,
        lambda s: public_summary(s, jurisdiction_id, start, end, weights=weights),
    )
