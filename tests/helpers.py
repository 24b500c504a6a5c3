"""Test helpers shared by every package's tests: CSRF and login for the in-process client, scratch databases,
the Chromium settings and screenshots for browser tests. Fixtures live in tests/conftest.py."""

from __future__ import annotations

import atexit
import re
import shutil
import socket
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lianxin.config import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(client: TestClient, path: str = "/track") -> str:
    """The session's CSRF token, read from a page's form like a browser would."""
    page = client.get(path)
    match = CSRF_RE.search(page.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def login(client: TestClient, username: str, password: str) -> None:
    token = csrf_from(client, "/login")
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def scratch_database(settings: Settings, tmp_path_factory, name: str) -> Iterator[Settings]:
    """A database of its own (never the rolled-back test schema): a SQLite file, or a scratch PostgreSQL database."""
    uploads = tmp_path_factory.mktemp(f"{name}_uploads")
    own = {"upload_dir": uploads, "notify_sender": "console"}  # the rest as the suite's (no public-figure memo)
    if settings.database_url.startswith("sqlite"):
        yield settings.model_copy(
            update=own | {"database_url": f"sqlite:///{tmp_path_factory.mktemp(name) / f'{name}.db'}"}
        )
        return
    url = make_url(settings.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    db_name = f"lianxin_{name}_{uuid.uuid4().hex[:8]}"
    with _admin(settings) as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    try:
        yield settings.model_copy(
            update=own | {"database_url": url.set(database=db_name).render_as_string(hide_password=False)}
        )
    finally:
        _drop(settings, db_name)


_templates: dict[str, str] = {}  # "sqlite" / a PostgreSQL server's URL → a database migrated to head, made once


def _template(settings: Settings) -> str:
    """A database at the head revision, migrated once per test process: a SQLite file, or a PostgreSQL database
    (dropped when the process ends)."""
    from lianxin.migrations import upgrade

    if settings.database_url.startswith("sqlite"):
        if "sqlite" not in _templates:
            folder = Path(tempfile.mkdtemp(prefix="lianxin_template_"))
            atexit.register(shutil.rmtree, folder, True)
            upgrade(Settings(database_url=f"sqlite:///{folder / 'head.db'}"))
            _templates["sqlite"] = str(folder / "head.db")
        return _templates["sqlite"]
    server = make_url(settings.database_url).set(database="postgres").render_as_string(hide_password=False)
    if server not in _templates:
        name = f"lianxin_tpl_{uuid.uuid4().hex[:8]}"
        with _admin(settings) as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        atexit.register(_drop, settings, name)
        upgrade(Settings(database_url=make_url(settings.database_url).set(database=name).render_as_string(False)))
        _templates[server] = name
    return _templates[server]


@contextmanager
def _admin(settings: Settings):
    url = make_url(settings.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            yield conn
    finally:
        admin.dispose()


def _drop(settings: Settings, name: str) -> None:
    with _admin(settings) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def migrated(settings: Settings) -> None:
    """Bring an empty scratch database (``scratch_database``, ``scratch_settings``) to the head revision by copying
    a template migrated once per process: running the ~35 migrations takes 2–4 s a database on the CI machine.
    Tests of the migrations themselves call ``lianxin.migrations.upgrade``."""
    template = _template(settings)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(url.database)) as target:
            source.backup(target)
        return
    with _admin(settings) as conn:  # the scratch database is new and unused: made again as a copy of the template
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}" TEMPLATE "{template}"'))


def small_demo(settings: Settings, modules: Sequence[str], *, appeals: int, days: int) -> None:
    """The demo city with only ``modules``' demo builders and hooks (the units, staff and appeals always), in
    ``settings``' database, migrated first: what a test of a few modules' commands or pages needs, in a fraction of
    the whole city's time (20–50 s on the CI machine; ``lianxin demo`` itself is tested in tests/test_modules.py)."""
    from lianxin.db import make_engine, make_sessionmaker, session_scope
    from lianxin.demo import build_demo
    from lianxin.modules import select_modules

    migrated(settings)
    engine = make_engine(settings)
    try:
        with session_scope(make_sessionmaker(engine, settings)) as session:
            build_demo(session, settings, appeals=appeals, days=days, modules=select_modules(modules))
    finally:
        engine.dispose()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
