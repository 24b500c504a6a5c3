"""Migrations build the schema the models describe, and go down and up again cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from lianxin.config import Settings
from lianxin.migrations import check, downgrade, upgrade
from lianxin.models import Base


def _tables(settings: Settings) -> set[str]:
    engine = create_engine(settings.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_leaves_the_schema_the_models_describe(scratch_settings):
    upgrade(scratch_settings)
    assert _tables(scratch_settings) == set(Base.metadata.tables)
    check(scratch_settings)  # raises if models and migrations disagree
    downgrade(scratch_settings, "base")
    assert _tables(scratch_settings) == set()
    upgrade(scratch_settings)
    assert _tables(scratch_settings) == set(Base.metadata.tables)
    check(scratch_settings)


def test_status_column_refuses_a_value_outside_the_state_machine(db, city):
    from tests.factories import new_appeal

    appeal = new_appeal(db, city)
    with pytest.raises(IntegrityError):
        with db.begin_nested():
            db.execute(text("UPDATE appeals SET status = 'lost' WHERE id = :id"), {"id": appeal.id})


def test_the_migrations_have_one_head(settings):
    from alembic.script import ScriptDirectory

    from lianxin.migrations import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config(settings)).get_heads()) == 1
