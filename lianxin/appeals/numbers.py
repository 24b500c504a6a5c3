"""Order numbers: ``YYYYMMDD`` (the local date) + a 6-digit daily sequence, atomic across processes.

The day's counter is one row (``order_sequences``) that every intake of the day updates. Inside the
intake's own transaction that row stays locked until the intake commits, so on PostgreSQL concurrent
intakes would queue behind each other for their whole transaction. When the session is bound to an
engine (the app, jobs, commands) the number is therefore taken by one autocommitted statement (a
transaction of its own, one round trip: no BEGIN, no COMMIT), on a small pool of its own (so a request
holding a connection never waits for a second one from its own pool), with ``synchronous_commit = off``:
safe, because the intake's later commit flushes the WAL up to
and past the counter's record, and a counter lost in a crash was used by no committed appeal. A rolled-back
intake leaves a gap in the day's numbers; a number is never given twice. SQLite has one writer at a time
anyway, and a session bound to a connection (the tests' outer transaction) keeps the counter in its own
transaction, so both take the number in the intake's transaction.
"""

from __future__ import annotations

import functools
import re
import threading
from datetime import datetime

from sqlalchemy import Engine, bindparam, create_engine
from sqlalchemy.orm import Session

from lianxin.appeals.models import OrderSequence
from lianxin.clock import local_zone
from lianxin.db import ping_when_idle
from lianxin.errors import InvalidInput

_allocators: dict[str, Engine] = {}
_lock = threading.Lock()


def _allocator(bind: Engine) -> Engine:
    key = bind.url.render_as_string(hide_password=False)
    with _lock:
        if key not in _allocators:
            _allocators[key] = create_engine(
                bind.url,
                isolation_level="AUTOCOMMIT",
                pool_size=2,
                max_overflow=4,
                pool_timeout=10,
                connect_args={"options": "-c lock_timeout=5000 -c synchronous_commit=off"},
            )
            ping_when_idle(_allocators[key])
        return _allocators[key]


@functools.cache
def _upsert(dialect: str):
    """The day's counter, taken: built once per dialect, the day bound at each call."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = OrderSequence.__table__
    stmt = insert(table).values(day=bindparam("day"), last=1)
    return stmt.on_conflict_do_update(index_elements=["day"], set_={"last": table.c.last + 1}).returning(table.c.last)


ORDER_NO = re.compile(r"(19|20)\d{6}\d{6}")


def looks_like_order_no(text: str) -> bool:
    """A search for exactly an order number (``YYYYMMDD`` + 6 digits) is answered by the number's unique index
    alone: matching it inside every title and letter too is a scan of the whole table (1.2 s at 1 M appeals)."""
    return ORDER_NO.fullmatch(text) is not None


def next_order_no(session: Session, now: datetime) -> str:
    """The next number of ``now``'s local day (see the module docstring for the transaction it runs in)."""
    day = now.astimezone(local_zone()).strftime("%Y%m%d")
    bind = session.get_bind()
    if bind.dialect.name == "postgresql" and isinstance(bind, Engine):
        with _allocator(bind).connect() as side:
            seq = side.execute(_upsert("postgresql"), {"day": day}).scalar_one()
    else:
        seq = session.execute(_upsert(bind.dialect.name), {"day": day}).scalar_one()
    if seq > 999_999:
        raise InvalidInput("当日工单编号已用尽", "daily order sequence exhausted")
    return f"{day}{seq:06d}"


def keep_order_no(session: Session, order_no: str) -> str:
    """An imported order keeps its historical number; that day's sequence moves past it."""
    day, seq = order_no[:8], int(order_no[8:])
    sequence = session.get(OrderSequence, day)
    if sequence is None:
        session.add(OrderSequence(day=day, last=seq))
    elif sequence.last < seq:
        sequence.last = seq
    session.flush()
    return order_no
