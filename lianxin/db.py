"""Engine, sessions and the declarative base shared by every domain package."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from lianxin.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The ids of the append-only tables (events, sensor readings) and of the columns that point at them: 64-bit on
# PostgreSQL (a 32-bit id lasts about a year of a province's events); SQLite's INTEGER PRIMARY KEY is 64-bit
# already and must stay INTEGER to remain the rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every database (SQLite stores them naive; we re-attach UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is UTC:  # PostgreSQL's, in a session whose TimeZone is UTC (``make_engine``)
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(busy_ms: int):
    def on_connect(dbapi_conn, _record) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return on_connect


def make_engine(settings: Settings, *, immediate: bool = False, serving: bool = False) -> Engine:
    """The engine for ``settings.database_url``.

    ``immediate=True`` (jobs, and the web's unsafe requests) makes SQLite transactions take the write
    lock at BEGIN, so writers queue up on the busy timeout instead of failing on a stale snapshot when
    another writer committed between their first read and their first write.

    Every wait is bounded: a lock is awaited ``db_lock_timeout`` seconds on both databases. ``serving=True``
    (the web app) also bounds each statement (``db_statement_timeout``), a transaction left idle
    (``db_idle_timeout``, so a stuck request can never hold locks for ever) and the wait for a pooled
    connection (``db_pool_timeout``), and starts ``db_parallel_workers`` parallel workers a statement at most;
    commands and jobs may run long statements and keep no such limit.
    """
    url = settings.database_url
    lock_ms = int(settings.db_lock_timeout * 1000)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": settings.db_lock_timeout})
        event.listen(engine, "connect", _sqlite_pragmas(lock_ms))
        if immediate:
            event.listen(engine, "connect", lambda dbapi_conn, _r: setattr(dbapi_conn, "isolation_level", None))
            event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # psycopg prepares a statement after five executions on a connection, and PostgreSQL then tries a generic
    # plan: for the scoped lists (a leader's units as one array parameter) that plan read the whole table —
    # 10 s at 10 M appeals instead of 50 ms (bench/README.md). Every execution is planned for its values.
    # The session's TimeZone is UTC, so psycopg hands back datetimes in ``datetime.UTC`` itself, which
    # ``UTCDateTime`` keeps as they are (in the server's zone each was converted again: ~13,000 for Open311's
    # list of 1,000 requests with their notes).
    options = f"-c lock_timeout={lock_ms} -c plan_cache_mode=force_custom_plan -c TimeZone=UTC"
    kwargs: dict = {}
    if serving:
        options += (
            f" -c statement_timeout={int(settings.db_statement_timeout * 1000)}"
            f" -c idle_in_transaction_session_timeout={int(settings.db_idle_timeout * 1000)}"
            f" -c max_parallel_workers_per_gather={settings.db_parallel_workers}"
        )
        kwargs = {"pool_size": 10, "max_overflow": 10, "pool_timeout": settings.db_pool_timeout}
        return ping_when_idle(create_engine(url, connect_args={"options": options}, **kwargs))
    return create_engine(url, pool_pre_ping=True, connect_args={"options": options}, **kwargs)


PING_AFTER_IDLE = 10.0  # seconds a pooled PostgreSQL connection may rest before it is tested on checkout


def ping_when_idle(engine: Engine, after: float | None = None) -> Engine:
    """Test a pooled connection on checkout only when it rested more than ``after`` seconds (default
    ``PING_AFTER_IDLE``); a dead one is replaced before the caller sees it. ``pool_pre_ping`` tests every
    checkout: one more round trip for every request and every order number, while a connection used a
    moment ago is alive but for a server restart in between (that request fails once, and SQLAlchemy
    then replaces the whole pool)."""

    def rested(dbapi_conn, record, _proxy) -> None:
        last = record.info.get("checked_in_at")
        if last is not None and time.monotonic() - last > (PING_AFTER_IDLE if after is None else after):
            try:
                engine.dialect.do_ping(dbapi_conn)
            except engine.dialect.loaded_dbapi.Error as exc:
                raise DisconnectionError(str(exc)) from exc  # the pool discards it and connects afresh

    def checked_in(_dbapi_conn, record) -> None:
        record.info["checked_in_at"] = time.monotonic()

    event.listen(engine, "checkout", rested)
    event.listen(engine, "checkin", checked_in)
    return engine


def is_busy(exc: BaseException) -> bool:
    """A database error that means "waited too long for a lock or a connection": try again later (503)."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, OperationalError):
        return False
    code = getattr(exc.orig, "sqlstate", None)
    # 55P03 lock_not_available, 57014 query_canceled (statement_timeout), 40P01 deadlock_detected
    return code in ("55P03", "57014", "40P01") or "database is locked" in str(exc.orig)


def make_sessionmaker(engine: Engine, settings: Settings | None = None) -> sessionmaker[Session]:
    """Sessions carry the settings in ``session.info`` so service code can read policy knobs; their data keys
    become the active ones for encrypted columns (``lianxin.crypto``)."""
    from lianxin import crypto

    settings = settings or Settings()
    crypto.configure(settings)
    return sessionmaker(bind=engine, expire_on_commit=False, info={"settings": settings})


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction for a CLI command or job: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def enum_column_type(enum_cls, name: str):
    """A VARCHAR with a CHECK constraint holding the enum's lowercase *values* (same on SQLite and PostgreSQL)."""
    from sqlalchemy import Enum

    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def insert_or_ignore(session: Session, table, values: dict, conflict_columns: list[str]) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id; the new id, or None if the row already existed.

    Safe across processes: the unique constraint decides, not a prior SELECT.
    """
    stmt = _insert_or_ignore(session.get_bind().dialect.name, table, tuple(conflict_columns))
    return session.execute(stmt, values).scalar()


@functools.cache
def _insert_or_ignore(dialect: str, table, conflict_columns: tuple[str, ...]):
    """The statement of ``insert_or_ignore``, built once: the values go in as parameters, so a call only binds
    (building ``.values(**values)`` anew cost more than executing the compiled statement)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict_columns)).returning(table.c.id)
