"""Fixtures, once for the whole suite: a migrated database (SQLite file, or PostgreSQL from
LIANXIN_TEST_DATABASE_URL), a session per test rolled back afterwards, a small city with a user for every
role, a clock, the app and an in-process client on the test's session, API keys, and for browser tests a
real uvicorn server on a free port against its own migrated database plus a headless Debian Chromium."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from lianxin.api.keys import create_api_key
from lianxin.app import create_app
from lianxin.config import Settings
from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.migrations import upgrade
from lianxin.web.deps import get_session
from tests.factories import City, build_city
from tests.helpers import CHROMIUM, CHROMIUM_ARGS, free_port, migrated, scratch_database


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Argon2 at production cost takes ~0.1 s a hash; the fixtures create a dozen users a test, most with the
    same password: each password is hashed once, at the lowest cost (verifying still checks the real hash)."""
    from argon2 import PasswordHasher

    from lianxin.orgs import service

    class OneHashPerPassword(PasswordHasher):
        known: dict[str, str] = {}

        def hash(self, password, *, salt=None):
            if salt is not None:
                return super().hash(password, salt=salt)
            return self.known.setdefault(password, super().hash(password))

    original, service._hasher = service._hasher, OneHashPerPassword(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    service._hasher = original


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    url = os.environ.get("LIANXIN_TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    return Settings(
        database_url=url,
        notify_sender="console",
        upload_dir=tmp_path_factory.mktemp("uploads"),
        public_stats_cache_seconds=0,  # rolled-back tests hand the same ids out again: tests/stats/test_cache.py
    )


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
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False, info={"settings": settings}
    )
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
def scratch_settings(settings, tmp_path_factory):
    """A database of its own, so going down to base never touches the shared test schema."""
    with scratch_database(settings, tmp_path_factory, "mig") as scratch:
        yield scratch


# --- the app and its clients ----------------------------------------------------------------------


@pytest.fixture
def app(db, settings, city):
    """The app on the test's session, serving the test city on its public pages."""
    app = create_app(settings.model_copy(update={"public_jurisdiction": city.jurisdiction.code}))
    app.dependency_overrides[get_session] = lambda: db
    return app


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def make_key(db, city):
    """``make_key("operator", "centre")`` → headers for a new key holding that role in that unit of the city."""

    def make(role: str | None = None, unit: str = "centre", channel: str = "api", header: str = "bearer") -> dict:
        grants = [(role, city.units[unit])] if role else []
        _, secret = create_api_key(
            db, jurisdiction_id=city.jid, name=f"{role or 'intake'} client", channel=channel, grants=grants
        )
        return {"Authorization": f"Bearer {secret}"} if header == "bearer" else {"X-API-Key": secret}

    return make


# --- live server + browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_settings(settings, tmp_path_factory) -> Iterator[Settings]:
    with scratch_database(settings, tmp_path_factory, "web") as own:
        # The browser tests sign in from 127.0.0.1 again and again, shuffled: more than the 30 logins an address
        # may make in 5 minutes when they bunch up (tests/test_ratelimit*.py test the limit itself).
        yield own.model_copy(update={"rate_login_per_address": "100000/5m"})


class LiveServer:
    def __init__(self, settings: Settings, city: City, url: str):
        self.settings, self.city, self.url = settings, city, url
        self.sessionmaker = make_sessionmaker(make_engine(settings), settings)


@pytest.fixture(scope="session")
def live_server(live_settings) -> Iterator[LiveServer]:
    migrated(live_settings)
    factory = make_sessionmaker(make_engine(live_settings), live_settings)
    with session_scope(factory) as session:
        city = build_city(session, code="live")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(live_settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield LiveServer(live_settings, city, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser); skipped only if it cannot start."""
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (.ci/run installs it: apt-get install chromium)")
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as exc:
            print(f"Chromium failed to start: {exc}")
            pytest.skip(f"Chromium failed to start: {exc}")
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (own cookies and storage) per test, phone-sized by default."""
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()
