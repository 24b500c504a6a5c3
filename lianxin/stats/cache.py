"""The public statistics, kept in memory while the figures they come from stay the same.

The public page (/stats) and ``/api/v1/stats/public`` are read by anyone, often, mostly for the default window
(the last 12 months). ``public_summary`` reads the rollups and the events not folded yet; its result changes only
when an event is written or folded. A summary is kept under its arguments and the **data version** — the stats
watermark and the newest event id, one index probe each — for at most ``ttl`` seconds (a renamed unit shows
after that), in a small LRU per process. ``ttl`` 0 turns the cache off (the test suite's default, where
rolled-back transactions hand the same ids out again).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from lianxin.appeals.models import AppealEvent
from lianxin.stats.dashboard import Weights, public_summary
from lianxin.stats.fold import WATERMARK
from lianxin.stats.models import StatsWatermark

SIZE = 64
NEWEST_ON_POSTGRESQL = text("SELECT pg_sequence_last_value(pg_get_serial_sequence('appeal_events', 'id')::regclass)")
_entries: OrderedDict[tuple, tuple[float, dict]] = OrderedDict()
_lock = threading.Lock()


def data_version(session: Session) -> tuple[int, int]:
    """(events folded, newest event id handed out): any write or fold changes it, of any jurisdiction. On
    PostgreSQL the event id sequence's last value (``max(id)`` of a partitioned table plans every partition);
    on SQLite ``max(id)``, the end of the rowid tree."""
    mark = session.get(StatsWatermark, WATERMARK)
    if session.get_bind().dialect.name == "postgresql":
        newest = session.scalar(NEWEST_ON_POSTGRESQL)
    else:
        newest = session.scalar(select(func.max(AppealEvent.id)))
    return (mark.last_event_id if mark else 0, newest or 0)


def cached_public_summary(
    session: Session, jurisdiction_id: int, start: date, end: date, *, weights: Weights, ttl: float
) -> dict:
    """``public_summary`` of these arguments, from memory when the data version is the same and the entry is
    younger than ``ttl`` seconds."""
    if ttl <= 0:
        return public_summary(session, jurisdiction_id, start, end, weights=weights)
    key = (session.get_bind().engine.url.render_as_string(), jurisdiction_id, start, end, weights)
    version = data_version(session)
    now = time.monotonic()
    with _lock:
        hit = _entries.get(key)
        if hit and hit[0] > now and hit[1][0] == version:
            _entries.move_to_end(key)
            return hit[1][1]
    summary = public_summary(session, jurisdiction_id, start, end, weights=weights)
    with _lock:
        _entries[key] = (now + ttl, (version, summary))
        _entries.move_to_end(key)
        while len(_entries) > SIZE:
            _entries.popitem(last=False)
    return summary


def clear() -> None:
    with _lock:
        _entries.clear()
