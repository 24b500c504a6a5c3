"""Pooled PostgreSQL connections are tested on checkout only after resting (``lianxin.db.ping_when_idle``): a
connection that died while it rested is replaced before a request sees it; a busy one costs no round trip."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lianxin import db as db_module
from lianxin.db import make_engine


def _pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def test_a_connection_that_died_while_resting_is_replaced_before_use(settings, monkeypatch):
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite connections cannot die on a server")
    serving = make_engine(settings, serving=True)
    admin = make_engine(settings)
    try:
        first = _pid(serving)
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        monkeypatch.setattr(db_module, "PING_AFTER_IDLE", 0.0)  # every checkout has rested "long enough"
        assert _pid(serving) != first  # the dead one was pinged, dropped, and a new one connected
    finally:
        serving.dispose()
        admin.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged_one_that_rested_is(settings, monkeypatch):
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    serving = make_engine(settings, serving=True)
    pings: list[object] = []
    ping = serving.dialect.do_ping
    monkeypatch.setattr(serving.dialect, "do_ping", lambda conn: pings.append(conn) or ping(conn))
    try:
        first = _pid(serving)
        assert _pid(serving) == first and pings == []  # back in the pool a moment ago: used as it is
        monkeypatch.setattr(db_module, "PING_AFTER_IDLE", 0.0)
        assert _pid(serving) == first and len(pings) == 1  # rested "long enough": pinged, alive, kept
    finally:
        serving.dispose()
