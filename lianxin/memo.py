"""A small in-process memory for figures that many requests read and few writes change (the public statistics,
the maps' points): the value of a key is kept for at most ``ttl`` seconds and only while its ``version`` is the
same. Per process, bounded (least recently used out), thread-safe. ``ttl`` 0 turns it off."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")
SIZE = 64
_entries: OrderedDict[tuple, tuple[float, Hashable, object]] = OrderedDict()
_lock = threading.Lock()


def remember(session: Session, key: tuple, ttl: float, compute: Callable[[], T], version: Hashable = None) -> T:
    """``compute()``, or what it returned for ``key`` (in this session's database) less than ``ttl`` seconds ago
    at the same ``version``."""
    if ttl <= 0:
        return compute()
    key = (session.get_bind().engine.url.render_as_string(), *key)
    now = time.monotonic()
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


def clear() -> None:
    with _lock:
        _entries.clear()
