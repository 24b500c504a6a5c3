"""Fixtures: a migrated database (SQLite file, or PostgreSQL from LIANXIN_TEST_DATABASE_URL), a
session per test rolled back afterwards, a small city with a user for every role, and a clock."""

from __future__ import annotations

import os
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import text
from sqlalchemy.orm import Session

from lianxin.config import Settings
from lianxin.db import make_engine
from lianxin.migrations import upgrade
from tests.factories import City, build_city


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    url = os.environ.get("LIANXIN_TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    return Settings(database_url=url, notify_sender="console", upload_dir=tmp_path_factory.mktemp("uploads"))


def reset_database(settings: Settings) -> None:
    """Start from an empty database (PostgreSQL test databases may hold an earlier run's tables)."""
    engine = make_engine(settings)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def engine(settings):
    reset_database(settings)
    upgrade(settings)
    engine = make_engine(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine, settings) -> Session:
    """A session inside an outer transaction that is rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False,
                      info={"settings": settings})
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def city(db) -> City:
    return build_city(db)


@pytest.fixture
def clock():
    """Travel to a fixed moment; ``clock.move_to(...)`` / ``clock.shift(...)`` move on."""
    with time_machine.travel(datetime.fromisoformat("2026-03-02T09:30:00+08:00"), tick=False) as traveller:
        yield traveller
