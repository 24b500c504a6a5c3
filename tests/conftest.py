"""Fixtures: a migrated database (SQLite file, or PostgreSQL from LIANXIN_TEST_DATABASE_URL), a
session per test rolled back afterwards, a small city with a user for every role, and a clock."""

from __future__ import annotations

import os
import uuid
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from lianxin.config import Settings
from lianxin.db import make_engine
from lianxin.migrations import upgrade
from tests.factories import City, build_city


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Argon2 at production cost takes ~0.1 s a hash; the fixtures create dozens of users."""
    from argon2 import PasswordHasher

    from lianxin.orgs import service

    original, service._hasher = service._hasher, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    service._hasher = original


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


@pytest.fixture
def scratch_settings(settings, tmp_path):
    """A database of its own, so going down to base never touches the shared test schema."""
    if settings.database_url.startswith("sqlite"):
        yield Settings(database_url=f"sqlite:///{tmp_path / 'migrations.db'}")
        return
    url = make_url(settings.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"lianxin_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield Settings(database_url=url.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
