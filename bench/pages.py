"""Server time of each web page with the demo city, and the resident page's first-load weight.

    python bench/pages.py [--n 60] [--appeals 1200] [--pg-url postgresql://postgres@127.0.0.1/lianxin_bench]

Builds the demo city (``lianxin.demo.build_demo``) in a scratch database -- a temporary SQLite file,
or with ``--pg-url`` a throwaway PostgreSQL database ``<name>_<pid>`` dropped at the end -- then sends
each page ``--n`` times (after 5 untimed warm-ups) through the ASGI app in-process. The time is
server time: from the moment the app is called until it sends the last byte of the body (no
network, no client parsing), including the session cookie, CSRF check, the database work, the
template and the transaction commit. Prints p50 / p95 / max in ms and the response size.

Then it weighs the resident form (``/appeal``) as a browser loads it the first time: the HTML plus
every stylesheet and script it references (vendored htmx, Leaflet, site CSS/JS); images named in
those stylesheets are listed separately (a browser fetches them only when an element uses them), and
the page uses no web fonts. Sizes are as served (uncompressed) and gzip-compressed, as a compressing
reverse proxy would send them.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from lianxin.app import create_app  # noqa: E402
from lianxin.appeals.models import Appeal  # noqa: E402
from lianxin.appeals.status import AppealStatus  # noqa: E402
from lianxin.config import Settings  # noqa: E402
from lianxin.db import make_engine, make_sessionmaker, session_scope  # noqa: E402
from lianxin.demo import build_demo  # noqa: E402
from lianxin.migrations import upgrade  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
ASSET_RE = re.compile(r'<(?:script[^>]+src|link[^>]+rel="stylesheet"[^>]+href)="([^"]+)"')
CSS_URL_RE = re.compile(r"url\(['\"]?([^'\")]+)['\"]?\)")


class ServerTimer:
    """ASGI wrapper: seconds from the call to the last body message of each response."""

    def __init__(self, app):
        self.app, self.last = app, 0.0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message):
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                self.last = time.perf_counter() - started
            await send(message)

        await self.app(scope, receive, timed_send)


def build(settings: Settings, appeals: int) -> float:
    started = time.perf_counter()
    upgrade(settings)
    with session_scope(make_sessionmaker(make_engine(settings), settings)) as session:
        build_demo(session, settings, appeals=appeals)
    return time.perf_counter() - started


def sample_appeals(settings: Settings) -> tuple[Appeal, Appeal]:
    """An appeal to track by number + phone, and the closed appeal with the longest history for the link page."""
    with make_sessionmaker(make_engine(settings), settings)() as session:
        tracked = session.scalars(select(Appeal).where(Appeal.appellant_phone.is_not(None)).order_by(Appeal.id)).first()
        closed = session.scalars(
            select(Appeal).where(Appeal.status == AppealStatus.CLOSED).order_by(Appeal.reopen_count.desc(), Appeal.id)
        ).first()
        return tracked, closed or tracked


def measure(client: TestClient, timer: ServerTimer, n: int, request) -> tuple[list[float], int, int]:
    for _ in range(5):
        request()
    times, size, status = [], 0, 0
    for _ in range(n):
        response = request()
        times.append(timer.last * 1000)
        size, status = len(response.content), response.status_code
    return times, size, status


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def page_table(settings: Settings, n: int) -> TestClient:
    app = create_app(settings)
    timer = ServerTimer(app)
    client = TestClient(timer)
    tracked, closed = sample_appeals(settings)
    token = CSRF_RE.search(client.get("/track").text).group(1)
    pages = {
        "GET  /           (start page)": lambda: client.get("/"),
        "GET  /appeal     (resident form + map)": lambda: client.get("/appeal"),
        "GET  /track      (tracking form)": lambda: client.get("/track"),
        "POST /track      (number + phone)": lambda: client.post(
            "/track", data={"order_no": tracked.order_no, "phone": tracked.appellant_phone, "csrf_token": token}
        ),
        "GET  /t/{token}  (private link, closed)": lambda: client.get(f"/t/{closed.tracking_token}"),
        "GET  /stats      (public statistics)": lambda: client.get("/stats"),
        "GET  /login      (staff login)": lambda: client.get("/login"),
    }
    print(f"\nserver time per page, {n} requests each (ms)")
    print(f"{'page':42} {'p50':>7} {'p95':>7} {'max':>7} {'bytes':>8}  status")
    for name, request in pages.items():
        times, size, status = measure(client, timer, n, request)
        print(
            f"{name:42} {statistics.median(times):7.1f} {percentile(times, 95):7.1f} {max(times):7.1f} {size:8d}  {status}"
        )
    return client


def first_load(client: TestClient, path: str = "/appeal") -> None:
    html = client.get(path).content
    rows = [(path, html)]
    images = []
    for url in ASSET_RE.findall(html.decode()):
        body = client.get(url).content
        rows.append((url.split("?")[0], body))
        if url.split("?")[0].endswith(".css"):
            base = url.split("?")[0].rsplit("/", 1)[0]
            images += [
                f"{base}/{ref}" for ref in CSS_URL_RE.findall(body.decode()) if not ref.startswith(("data:", "#"))
            ]
    print(f"\nfirst load of {path}: what the browser fetches (bytes)")
    print(f"{'resource':46} {'served':>9} {'gzip':>9}")
    for name, body in rows:
        print(f"{name:46} {len(body):9d} {len(gzip.compress(body)):9d}")
    total, total_gz = sum(len(b) for _, b in rows), sum(len(gzip.compress(b)) for _, b in rows)
    print(f"{'total':46} {total:9d} {total_gz:9d}   ({total / 1024:.0f} KB served, {total_gz / 1024:.0f} KB gzip)")
    sizes = {url: len(client.get(url).content) for url in sorted(set(images))}
    if sizes:
        print(
            "images named in the stylesheets (fetched only when used): "
            + ", ".join(f"{url.rsplit('/', 1)[1]} {size}" for url, size in sizes.items())
        )
    print("echarts on this page:", "YES" if b"echarts" in html else "no")


def scratch_postgres(url: str):
    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{base.database}_{os.getpid()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return admin, name, base.set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--appeals", type=int, default=1200)
    parser.add_argument(
        "--pg-url", default=None, help="benchmark on PostgreSQL (a throwaway database next to this one)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        admin = name = None
        if args.pg_url:
            admin, name, url = scratch_postgres(args.pg_url)
        else:
            url = f"sqlite:///{tmp}/pages.db"
        settings = Settings(database_url=url, upload_dir=Path(tmp) / "uploads", notify_sender="console")
        try:
            seconds = build(settings, args.appeals)
            print(f"demo city with {args.appeals} appeals on {url.split(':')[0]} built in {seconds:.1f} s")
            client = page_table(settings, args.n)
            first_load(client)
            client.close()
        finally:
            if admin is not None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
