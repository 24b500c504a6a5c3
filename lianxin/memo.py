"""A small in-process memory for figures that many requests read and few writes change (the public statistics,
the maps' points): the value of a key is kept for at most ``ttl`` seconds and only while its ``version`` is the
same. Per process, bounded (least recently used out), thread-safe. ``ttl`` 0 turns it off.

When a value has gone stale (its time ended or its version moved) and is less than ``ttl`` past its end, the
request that finds it is answered with it at once, and the value is computed again in the background, on a
connection of its own (one refresh per key at a time): no reader waits for the recomputation, and what anyone
reads is never more than twice ``ttl`` old. A session bound to one connection (a test's transaction) has no
engine to lend: its stale values are computed again in the request, as are values past that grace."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

T = TypeVar("T")
SIZE = 64
_entries: OrderedDict[tuple, tuple[float, Hashable, object]] = OrderedDict()
_refreshing: set[tuple] = set()
_lock = threading.Lock()
log = logging.getLogger(__name__)


def remember(session: Session, key: tuple, ttl: float, compute: Callable[[Session], T], version: Hashable = None) -> T:
    """``compute(session)``, or what it returned for ``key`` (in this session's database) less than ``ttl``
    seconds ago at the same ``version``; a value gone stale less than ``ttl`` ago is returned while it is
    computed again in the background."""
    if ttl <= 0:
        return compute(session)
    key = (session.get_bind().engine.url.render_as_string(), *key)
    now = time.monotonic()
    with _lock:
        hit = _entries.get(key)
        if hit:
            _entries.move_to_end(key)
            if hit[0] > now and hit[1] == version:
                return hit[2]
            if hit[0] + ttl > now and _refresh_in_background(session, key, ttl, compute, version):
                return hit[2]
    value = compute(session)
    _store(key, now + ttl, version, value)
    return value


def _store(key: tuple, until: float, version: Hashable, value: object) -> None:
    with _lock:
        _entries[key] = (until, version, value)
        _entries.move_to_end(key)
        while len(_entries) > SIZE:
            _entries.popitem(last=False)


def _refresh_in_background(session: Session, key: tuple, ttl: float, compute: Callable, version: Hashable) -> bool:
    """Start computing ``key`` again on a connection of the session's engine (unless it is already under way);
    False when the session is bound to a single connection. Called holding ``_lock``."""
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        return False
    if key not in _refreshing:
        _refreshing.add(key)
        info = {"settings": session.info["settings"]} if "settings" in session.info else {}
        threading.Thread(
            target=_refresh, args=(bind, info, key, ttl, compute, version), name="memo-refresh", daemon=True
        ).start()
    return True


def _refresh(engine: Engine, info: dict, key: tuple, ttl: float, compute: Callable, version: Hashable) -> None:
    try:
        with Session(bind=engine, info=info) as session:
            value = compute(session)
        _store(key, time.monotonic() + ttl, version, value)
    except Exception:  # the stale value stays until its grace ends; the next reader tries again
        log.exception("recomputing %s failed", key[1:])
    finally:
        with _lock:
            _refreshing.discard(key)


def refreshing() -> bool:
    """Whether a background refresh is under way (tests wait for it)."""
    with _lock:
        return bool(_refreshing)


def clear() -> None:
    with _lock:
        _entries.clear()
