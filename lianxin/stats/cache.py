"""The public statistics, kept in memory between two folds of the statistics.

The public page (/stats) and ``/api/v1/stats/public`` are read by anyone, often, mostly for the default window
(the last 12 months). What they show comes from the rollups, which the ``fold_stats`` job brings up to date every
minute, and from an aggregate of the appeals' positions (the map's points: seconds at 10 M appeals). Both are kept
per process under their arguments and the stats watermark, for at most ``ttl`` seconds: public figures are at most
one fold or ``ttl`` old, whichever is sooner, and a busy city (a new event every second) still hits the cache.
Staff dashboards never use it: they add the events not folded yet on every call. ``ttl`` 0 turns the cache off
(the test suite's default, where rolled-back transactions hand the same ids out again).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from sqlalchemy.orm import Session

from lianxin.stats.dashboard import Weights, public_summary
from lianxin.stats.fold import WATERMARK
from lianxin.stats.models import StatsWatermark

T = TypeVar("T")
SIZE = 64
_entries: OrderedDict[tuple, tuple[float, int, object]] = OrderedDict()
_lock = threading.Lock()


def folded_upto(session: Session) -> int:
    """The last event the rollups hold: it moves when the fold job has added something."""
    mark = session.get(StatsWatermark, WATERMARK)
    return mark.last_event_id if mark else 0


def remember(session: Session, key: tuple, ttl: float, compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned for ``key`` before the rollups moved and less than ``ttl`` seconds ago."""
    if ttl <= 0:
        return compute()
    key = (session.get_bind().engine.url.render_as_string(), *key)
    version, now = folded_upto(session), time.monotonic()
    with _lock:
        hit = _entries.get(key)
        if hit and hit[0] > now and hit[1] == version:
            _entries.move_to_end(key)
            return hit[2]
    value = compute()
    with _lock:
        _entries[key] = (now + ttl, version, value)
        _entries.move_to_end(key)
        while len(_entries) > SIZE:
            _entries.popitem(last=False)
    return value


def cached_public_summary(
    session: Session, jurisdiction_id: int, start: date, end: date, *, weights: Weights, ttl: float
) -> dict:
    """``public_summary`` of these arguments, kept as :func:`remember` says (callers must not change it)."""
    return remember(
        session,
        ("summary", jurisdiction_id, start, end, weights),
        ttl,
        lambda: public_summary(session, jurisdiction_id, start, end, weights=weights),
    )


def clear() -> None:
    with _lock:
        _entries.clear()
