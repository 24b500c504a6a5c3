"""Web fixtures: an in-process client on the rolled-back test session, and for browser tests a real
uvicorn server on a free port against its own migrated database plus a headless Debian Chromium."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lianxin.app import create_app
from lianxin.config import Settings
from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.migrations import upgrade
from lianxin.web.deps import get_session
from tests.factories import City, build_city

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


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


def csrf_from(client: TestClient, path: str = "/track") -> str:
    """The session's CSRF token, read from a page's form like a browser would."""
    page = client.get(path)
    match = CSRF_RE.search(page.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def login(client: TestClient, username: str, password: str) -> None:
    token = csrf_from(client, "/login")
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


# --- live server + browser ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def scratch_database(settings: Settings, tmp_path_factory, name: str) -> Iterator[Settings]:
    """A database of its own (never the rolled-back test schema): a SQLite file, or a scratch PostgreSQL database."""
    uploads = tmp_path_factory.mktemp(f"{name}_uploads")
    if settings.database_url.startswith("sqlite"):
        yield Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp(name) / f'{name}.db'}", upload_dir=uploads,
                       notify_sender="console")
        return
    url = make_url(settings.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    db_name = f"lianxin_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    try:
        yield Settings(database_url=url.set(database=db_name).render_as_string(hide_password=False), upload_dir=uploads,
                       notify_sender="console")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def live_settings(settings, tmp_path_factory) -> Iterator[Settings]:
    with scratch_database(settings, tmp_path_factory, "web") as own:
        yield own


class LiveServer:
    def __init__(self, settings: Settings, city: City, url: str):
        self.settings, self.city, self.url = settings, city, url
        self.sessionmaker = make_sessionmaker(make_engine(settings), settings)


@pytest.fixture(scope="session")
def live_server(live_settings) -> Iterator[LiveServer]:
    upgrade(live_settings)
    factory = make_sessionmaker(make_engine(live_settings), live_settings)
    with session_scope(factory) as session:
        city = build_city(session, code="live")
    port = _free_port()
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


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
