"""The one place the platform asks for the current time.

Tests move it with time-machine. Loading history (the demo city, imports of past orders) runs
the real service verbs at past moments inside :func:`at`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

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
