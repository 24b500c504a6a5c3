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
    finally:
        engine.dispose()
