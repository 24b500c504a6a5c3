"""PostgreSQL plans every execution for its values (``plan_cache_mode``): a prepared statement's generic plan
made the scoped supervision list read the whole table after five executions on one connection."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lianxin.db import make_engine


@pytest.mark.parametrize("serving", [True, False])
def test_every_postgresql_connection_plans_for_its_values(settings, serving):
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no plan cache mode")
    engine = make_engine(settings, serving=serving)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
            lock_ms = conn.execute(text("SELECT setting FROM pg_settings WHERE name = 'lock_timeout'")).scalar()
            assert int(lock_ms) == int(settings.db_lock_timeout * 1000)  # the other startup options still arrive
            # a request's statement runs on one core (db_parallel_workers); commands and jobs keep the server's
            workers, source = conn.execute(
                text("SELECT setting, source FROM pg_settings WHERE name = 'max_parallel_workers_per_gather'")
            ).one()
            assert (workers, source) == ("0", "client") if serving else source != "client"
    finally:
        engine.dispose()


def test_times_come_back_in_utc_itself_on_every_database(db, city):
    """PostgreSQL sessions run in UTC, so psycopg's datetimes carry ``datetime.UTC`` and ``UTCDateTime`` keeps them
    as they are; SQLite's naive ones get it attached. Either way the same moment comes back."""
    from datetime import UTC, datetime

    from tests.factories import new_appeal

    appeal = new_appeal(db, city)
    moment = datetime(2026, 3, 2, 1, 30, 15, 250_000, tzinfo=UTC)
    appeal.received_at = moment
    db.flush()
    db.expire(appeal)
    assert appeal.received_at == moment and appeal.received_at.tzinfo is UTC
    if db.get_bind().dialect.name == "postgresql":
        assert db.execute(text("SHOW TimeZone")).scalar() == "UTC"
        shanghai = db.execute(text("SELECT :t AT TIME ZONE 'Asia/Shanghai'"), {"t": moment}).scalar()
        assert shanghai == datetime(2026, 3, 2, 9, 30, 15, 250_000)  # a moment sent in is the same moment there
