"""Rate limits and lockouts, shared by every server process through the database.

The store is the database, not Redis: the embedded SQLite default and a PostgreSQL deployment with
many app processes both get limits that hold across processes with no extra service to run, secure
and monitor. Each count is one atomic ``INSERT … ON CONFLICT DO UPDATE SET count = count + 1
RETURNING count`` on a unique (bucket, key, window) row, so two processes can never both see "under
the limit" for the same last slot. The throttled paths (logins, look-ups, public intake) are a few
writes per second at most, far below what either database does; Redis would only pay off at a
volume where a city's hotline would also need a load balancer's own limits.

The small API (``bucket`` names the rule, ``key`` what is counted: an address, a user name, an order
number, a phone number; keys are stored only as an HMAC, never in clear)::

    hit(session, "login:address", address, limit=30, window=timedelta(minutes=5))   # count; 429 past the limit
    peek(session, "track:order", order_no, limit=5, window=timedelta(hours=1))       # 429 if already at the limit
    refund(session, "track:order", order_no, window=timedelta(hours=1))              # give one back (a success)
    check_lock(session, "login:account", name)                                       # 429 while locked out
    fail(session, "login:account", name, after=5, base=timedelta(minutes=1), cap=timedelta(hours=1),
         memory=timedelta(hours=24))                                  # count a failure (before checking): back-off
    clear(session, "login:account", name)                             # the right secret: forget the failures
    unfail(session, "login:address", address, locked_until=...)       # the right secret: take back one failure
    prune(session)                                                                   # the job: expired rows

For resident one-time login codes: ``hit`` per phone number and per address when sending a code;
before checking a code, ``check_lock`` and ``fail`` per phone number and per address, then ``clear`` /
``unfail`` when the code was right.

Count first, forgive on success. The request's transaction is rolled back when it answers 4xx, and a
wrong password must still count, so ``hit`` and ``fail`` write on a connection of their own (a small pool
beside the app's) and commit at once; call them at the start of the handler, before its first query.
``refund``, ``clear`` and ``unfail`` undo a count in the request's own transaction, so they last only if
the request succeeds. On SQLite a request that has begun its transaction may hold the one write lock
(unsafe requests ``BEGIN IMMEDIATE``), so there ``hit`` and ``fail`` fall back to the request's
transaction once it has begun (such counts then last only if the request succeeds). When the session
is bound to a single connection (the test suite's rolled-back transaction), everything is written in
that connection's transaction, so every test starts with no counts at all.
``RateLimited`` is a ``LianxinError`` with ``http_status`` 429 and ``headers`` carrying ``Retry-After``;
the web, API and Open311 edges render it in their own shapes.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from ipaddress import ip_address, ip_network
from weakref import WeakKeyDictionary

from sqlalchemy import Integer, String, UniqueConstraint, bindparam, case, delete, literal, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from lianxin.clock import utcnow
from lianxin.config import Settings
from lianxin.db import Base, UTCDateTime, make_engine
from lianxin.errors import LianxinError

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class RateCounter(Base):
    """Requests counted in one fixed window (``window_start`` … ``expires_at``) for one bucket and key."""

    __tablename__ = "rate_counters"
    __table_args__ = (UniqueConstraint("bucket", "key_hash", "window_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(40))
    key_hash: Mapped[str] = mapped_column(String(64))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class RateLock(Base):
    """Consecutive failures (wrong passwords, wrong codes) for one bucket and key, and the lockout they earned."""

    __tablename__ = "rate_locks"
    __table_args__ = (UniqueConstraint("bucket", "key_hash"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(40))
    key_hash: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def _wait(seconds: int) -> tuple[str, str]:
    if seconds < 120:
        return f"{seconds} 秒", f"{seconds} seconds"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} 分钟", f"{minutes} minutes"


class RateLimited(LianxinError):
    """Too many requests (429); ``retry_after`` seconds until the client may try again."""

    code, http_status = "rate_limited", 429

    def __init__(self, retry_after: float, message_zh: str = "", message_en: str = "", *, locked: bool = False):
        self.retry_after = max(1, math.ceil(retry_after))
        self.locked = locked
        zh, en = _wait(self.retry_after)
        if not message_zh:
            message_zh, message_en = (
                (f"错误次数过多，已暂时锁定，请 {zh}后再试", f"too many failed attempts: locked, try again in {en}")
                if locked
                else (f"操作过于频繁，请 {zh}后再试", f"too many requests: try again in {en}")
            )
        super().__init__(message_zh, message_en)
        self.headers = {"Retry-After": str(self.retry_after)}


def _hash(session: Session, bucket: str, key: str) -> str:
    settings = session.info.get("settings")
    secret = (settings.secret_key if settings is not None else "").encode()
    return hmac.new(secret, f"{bucket}\x00{key}".encode(), hashlib.sha256).hexdigest()


_store_engines: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()
_store_engines_lock = threading.Lock()


def _store_engine(session: Session, engine: Engine) -> Engine:
    """The counters' own engine (own pool) beside ``engine``: a request that already holds a connection
    and records a failure never waits for a second one from the pool its peers hold (no pool deadlock)."""
    with _store_engines_lock:
        store = _store_engines.get(engine)
        if store is None:
            url = engine.url.render_as_string(hide_password=False)
            settings = session.info.get("settings")
            store = make_engine(
                settings.model_copy(update={"database_url": url})
                if settings is not None
                else Settings(database_url=url),
                serving=True,
            )
            _store_engines[engine] = store
        return store


@contextmanager
def _store(session: Session):
    """A connection whose writes persist even if the request rolls back (see the module docstring)."""
    bind = session.get_bind()
    if isinstance(bind, Connection):
        yield bind
        return
    if bind.dialect.name == "sqlite" and session.in_transaction():
        # The request may already hold SQLite's one write lock (BEGIN IMMEDIATE): a second connection would
        # wait for it until the busy timeout. Count in the request's transaction (kept only if it succeeds).
        yield session.connection()
        return
    with _store_engine(session, bind).begin() as conn:
        yield conn


def _in_request(session: Session) -> Connection:
    """The request's own connection: for writes that undo a count once the request has succeeded
    (``refund``, ``clear``, ``unfail``), committed with it, or rolled back with it if it fails after all."""
    bind = session.get_bind()
    return bind if isinstance(bind, Connection) else session.connection()


def _insert(conn: Connection):
    return postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert


@cache
def _count_one(dialect: str):
    """The counting upsert, built once per dialect (a public intake counts twice: address and key)."""
    table = RateCounter.__table__
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    values = {name: bindparam(f"{name}_", type_=table.c[name].type) for name in ("bucket", "key_hash", "window_start")}
    stmt = insert(table).values(**values, count=1, expires_at=bindparam("expires_at_", type_=table.c.expires_at.type))
    return stmt.on_conflict_do_update(
        index_elements=["bucket", "key_hash", "window_start"], set_={"count": table.c.count + 1}
    ).returning(table.c.count)


def _window(now: datetime, window: timedelta) -> tuple[datetime, datetime]:
    seconds = max(1, int(window.total_seconds()))
    start = EPOCH + timedelta(seconds=(int((now - EPOCH).total_seconds()) // seconds) * seconds)
    return start, start + timedelta(seconds=seconds)


def hit(session: Session, bucket: str, key: str, *, limit: int, window: timedelta, now: datetime | None = None) -> int:
    """Count one request for (bucket, key) in the current window; raise ``RateLimited`` past ``limit``."""
    now = now or utcnow()
    start, end = _window(now, window)
    digest = _hash(session, bucket, key)
    table = RateCounter.__table__
    with _store(session) as conn:
        row = {"bucket_": bucket, "key_hash_": digest, "window_start_": start, "expires_at_": end}
        count = conn.execute(_count_one(conn.dialect.name), row).scalar_one()
        if count == 1:  # a new window: drop this key's finished ones (the job prunes keys never seen again)
            conn.execute(
                delete(table).where(table.c.bucket == bucket, table.c.key_hash == digest, table.c.expires_at <= now)
            )
    if count > limit:
        raise RateLimited((end - now).total_seconds())
    return count


def refund(session: Session, bucket: str, key: str, *, window: timedelta, now: datetime | None = None) -> None:
    """Give back one request counted by ``hit`` in this window: for rules that count only failures,
    ``hit`` before trying (atomic, so concurrent guesses cannot all slip past) and ``refund`` on success."""
    now = now or utcnow()
    start, _ = _window(now, window)
    table = RateCounter.__table__
    _in_request(session).execute(
        update(table)
        .where(
            table.c.bucket == bucket,
            table.c.key_hash == _hash(session, bucket, key),
            table.c.window_start == start,
            table.c.count > 0,
        )
        .values(count=table.c.count - 1)
    )


def peek(session: Session, bucket: str, key: str, *, limit: int, window: timedelta, now: datetime | None = None) -> int:
    """Raise ``RateLimited`` if (bucket, key) already used ``limit`` in this window, without counting.

    For rules that count only failures: ``peek`` before trying, ``hit`` when the try failed."""
    now = now or utcnow()
    start, end = _window(now, window)
    table = RateCounter.__table__
    with _store(session) as conn:
        count = (
            conn.execute(
                select(table.c.count).where(
                    table.c.bucket == bucket,
                    table.c.key_hash == _hash(session, bucket, key),
                    table.c.window_start == start,
                )
            ).scalar()
            or 0
        )
    if count >= limit:
        raise RateLimited((end - now).total_seconds())
    return count


def check_lock(session: Session, bucket: str, key: str, *, now: datetime | None = None) -> None:
    """Raise ``RateLimited`` (locked) while (bucket, key) is locked out, even if this attempt would be right."""
    now = now or utcnow()
    table = RateLock.__table__
    with _store(session) as conn:
        until = conn.execute(
            select(table.c.locked_until).where(
                table.c.bucket == bucket, table.c.key_hash == _hash(session, bucket, key)
            )
        ).scalar()
    if until is not None:
        until = until.replace(tzinfo=UTC) if until.tzinfo is None else until
        if until > now:
            raise RateLimited((until - now).total_seconds(), locked=True)


def fail(
    session: Session,
    bucket: str,
    key: str,
    *,
    after: int,
    base: timedelta,
    cap: timedelta,
    memory: timedelta,
    now: datetime | None = None,
) -> tuple[int, datetime | None]:
    """Record one failure; from the ``after``-th on, lock for ``base`` × 2^(failures − after), at most ``cap``.

    Failures older than ``memory`` (since the last one) are forgotten. Returns the failure count and the
    lock it set (None: no lock). To count a failure that must survive the request's rollback, call it
    before checking the secret and ``unfail`` (or ``clear``) when the secret was right."""
    now = now or utcnow()
    digest = _hash(session, bucket, key)
    table = RateLock.__table__
    with _store(session) as conn:
        stmt = _insert(conn)(table).values(
            bucket=bucket, key_hash=digest, failures=1, locked_until=None, expires_at=now + memory
        )
        # A remembered failure adds one; a forgotten one (expired row) starts again at one.
        stmt = stmt.on_conflict_do_update(
            index_elements=["bucket", "key_hash"],
            set_={
                "failures": _case_expired(table, now, 1, table.c.failures + 1),
                "expires_at": now + memory,
            },
        ).returning(table.c.id, table.c.failures)
        row_id, failures = conn.execute(stmt).one()
        until = None
        if failures >= after:
            until = now + min(base * (2 ** min(failures - after, 30)), cap)
            conn.execute(
                update(table)
                .where(table.c.id == row_id)
                .values(locked_until=until, expires_at=max(now + memory, until))
            )
    return failures, until


def _case_expired(table, now: datetime, fresh, remembered):
    return case((table.c.expires_at <= literal(now, UTCDateTime), fresh), else_=remembered)


def clear(session: Session, bucket: str, key: str) -> None:
    """Forget (bucket, key)'s failures and lockout: the secret was right."""
    table = RateLock.__table__
    _in_request(session).execute(
        delete(table).where(table.c.bucket == bucket, table.c.key_hash == _hash(session, bucket, key))
    )


def unfail(session: Session, bucket: str, key: str, *, locked_until: datetime | None) -> None:
    """Take back one failure recorded by ``fail`` (counted before the secret was checked, so that it
    survives the request's rollback): the secret was right. ``locked_until`` is what ``fail`` returned;
    only that lock is lifted (the attempt passed ``check_lock``, so no earlier lock was in force)."""
    table = RateLock.__table__
    values: dict = {"failures": case((table.c.failures > 0, table.c.failures - 1), else_=0)}
    if locked_until is not None:
        values["locked_until"] = case(
            (table.c.locked_until == literal(locked_until, UTCDateTime), None), else_=table.c.locked_until
        )
    _in_request(session).execute(
        update(table).where(table.c.bucket == bucket, table.c.key_hash == _hash(session, bucket, key)).values(**values)
    )


def prune(session: Session, now: datetime | None = None) -> int:
    """Delete finished windows and forgotten failures (the ``prune_rate_limits`` job); the number of rows."""
    now = now or utcnow()
    removed = session.execute(delete(RateCounter).where(RateCounter.expires_at <= now)).rowcount
    removed += session.execute(delete(RateLock).where(RateLock.expires_at <= now)).rowcount
    return removed


def client_address(request, trusted_proxies: list[str] | None = None) -> str:
    """The client's address: the peer, or — when the peer is a trusted proxy — the nearest address in
    ``X-Forwarded-For`` that is not a trusted proxy. ``trusted_proxies`` defaults to the app's settings."""
    peer = request.client.host if request.client else "unknown"
    if trusted_proxies is None:
        trusted_proxies = request.app.state.settings.rate_trusted_proxies
    if not trusted_proxies:
        return peer
    networks = [ip_network(item, strict=False) for item in trusted_proxies]

    def trusted(value: str) -> bool:
        try:
            address = ip_address(value)
        except ValueError:
            return False
        return any(address in network for network in networks)

    if not trusted(peer):
        return peer
    hops = [
        hop.strip() for line in request.headers.getlist("x-forwarded-for") for hop in line.split(",") if hop.strip()
    ]
    for hop in reversed(hops):
        if not trusted(hop):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer  # a forged, malformed entry: count the proxy's own address
    return peer
