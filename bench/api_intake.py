"""Appeals created per second over HTTP, through the JSON API and Open311, on SQLite and PostgreSQL.

    python bench/api_intake.py [--db sqlite|postgresql|both] [--n 400] [--clients 8] [--workers 1]
                               [--pg-url postgresql://postgres@127.0.0.1/lianxin_bench]

For each database it migrates a fresh database (the throwaway databases of ``bench/lifecycle.py``),
builds the test city, issues two API keys (an operator key for ``POST /api/v1/appeals`` and an intake
key for ``POST /open311/v2/requests.json``), starts a real server process
(``uvicorn lianxin.app:create_app --factory``) on a free port, and drives it with ``--clients``
concurrent HTTP clients (one keep-alive connection each) for ``--n`` timed requests per interface after
a warm-up. It prints appeals/s, p50/p99/max latency, and the raw one-row INSERT+COMMIT rate of the same
database from ``bench/lifecycle.py`` for scale, then checks that every request created exactly one appeal.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import lifecycle  # noqa: E402  (its databases, raw-INSERT measurement and percentile; it puts the repo on sys.path)
from sqlalchemy import text  # noqa: E402

from lianxin.api.keys import create_api_key  # noqa: E402
from lianxin.config import Settings  # noqa: E402
from lianxin.db import make_engine, make_sessionmaker, session_scope  # noqa: E402
from lianxin.defaults import category_by_path  # noqa: E402
from lianxin.migrations import upgrade  # noqa: E402
from tests.factories import build_city  # noqa: E402

out = lifecycle.out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, workers: int, tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = os.environ | {
        "LIANXIN_DATABASE_URL": url,
        "LIANXIN_NOTIFY_SENDER": "file",
        "LIANXIN_NOTIFY_FILE": str(tmp / "outbox.jsonl"),
        "LIANXIN_UPLOAD_DIR": str(tmp / "uploads"),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "lianxin.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=lifecycle.ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def drive(base: str, requests: list[tuple[str, dict]], clients: int) -> tuple[float, list[float], int]:
    """Send every (path, kwargs) POST from ``clients`` threads; returns (seconds, latencies, failures)."""
    chunks = [requests[i::clients] for i in range(clients)]

    def run(chunk):
        latencies, failures = [], 0
        with httpx.Client(base_url=base, timeout=60) as client:
            for path, kwargs in chunk:
                started = time.perf_counter()
                response = client.post(path, **kwargs)
                latencies.append(time.perf_counter() - started)
                failures += response.status_code not in (200, 201)
        return latencies, failures

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(run, chunks))
    seconds = time.perf_counter() - started
    return seconds, [v for lat, _ in results for v in lat], sum(f for _, f in results)


def json_requests(key: str, community_id: int, category_id: int, start: int, count: int) -> list[tuple[str, dict]]:
    headers = {"Authorization": f"Bearer {key}"}
    return [
        (
            "/api/v1/appeals",
            {
                "headers": headers,
                "json": {
                    "appeal_type": "help",
                    "content": lifecycle.CONTENT.format(i=i),
                    "address": lifecycle.ADDRESS,
                    "appellant_name": "张三",
                    "appellant_phone": f"138{i % 100_000_000:08d}",
                    "category_id": category_id,
                    "community_id": community_id,
                },
            },
        )
        for i in range(start, start + count)
    ]


def open311_requests(key: str, jurisdiction: str, service_code: str, start: int, count: int) -> list[tuple[str, dict]]:
    return [
        (
            "/open311/v2/requests.json",
            {
                "data": {
                    "api_key": key,
                    "jurisdiction_id": jurisdiction,
                    "service_code": service_code,
                    "lat": "39.9042",
                    "long": "116.4074",
                    "address_string": lifecycle.ADDRESS,
                    "description": lifecycle.CONTENT.format(i=i),
                    "phone": f"139{i % 100_000_000:08d}",
                    "first_name": "四",
                    "last_name": "李",
                }
            },
        )
        for i in range(start, start + count)
    ]


def run_database(kind: str, url: str, settings_line: str, n: int, clients: int, workers: int) -> None:
    out(f"\n== {settings_line} ==")
    settings = Settings(database_url=url, notify_sender="console")
    upgrade(settings)
    engine = make_engine(settings)
    with session_scope(make_sessionmaker(engine, settings)) as s:
        city = build_city(s, code="bench")
        category = category_by_path(s, city.jid, lifecycle.CATEGORY)
        _, operator_key = create_api_key(
            s,
            jurisdiction_id=city.jid,
            name="bench operator",
            channel="api",
            grants=[("operator", city.units["centre"])],
        )
        _, intake_key = create_api_key(s, jurisdiction_id=city.jid, name="bench Open311 client", channel="mobile")
        ids = dict(
            community_id=city.units["community"].id,
            category_id=category.id,
            code=category.code,
            jurisdiction=city.jurisdiction.code,
        )
    warmup = max(20, n // 10)
    raw, _ = lifecycle.bench_raw(engine, n, warmup * 5)
    rows = [("raw INSERT+COMMIT (bench/lifecycle.py)", raw.count, raw.seconds, raw.per_s, None, None, None, 0)]
    with tempfile.TemporaryDirectory(prefix="lianxin-api-bench-") as tmp:
        server, base = start_server(url, workers, Path(tmp))
        try:
            for label, make in (
                (
                    "JSON API  POST /api/v1/appeals",
                    lambda a, b: json_requests(operator_key, ids["community_id"], ids["category_id"], a, b),
                ),
                (
                    "Open311   POST /open311/v2/requests.json",
                    lambda a, b: open311_requests(intake_key, ids["jurisdiction"], ids["code"], a, b),
                ),
            ):
                offset = len(rows) * 1_000_000
                drive(base, make(offset, warmup), clients)
                seconds, latencies, failures = drive(base, make(offset + warmup, n), clients)
                ms = [v * 1000 for v in latencies]
                rows.append(
                    (label, n, seconds, n / seconds, lifecycle.pct(ms, 0.5), lifecycle.pct(ms, 0.99), max(ms), failures)
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    with engine.connect() as conn:
        created = conn.execute(text("SELECT count(*) FROM appeals")).scalar()
    engine.dispose()
    out(
        f"  {clients} concurrent clients, {workers} server worker(s), {n} timed + {warmup} warm-up requests per interface"
    )
    out(
        f"  {'measurement':<44}{'count':>7}{'seconds':>9}{'per s':>9}{'vs raw':>8}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'errors':>8}"
    )
    for label, count, seconds, per_s, p50, p99, top, failures in rows:
        lat = "".join(f"{v:>9.1f}" if v is not None else f"{'':>9}" for v in (p50, p99, top))
        out(f"  {label:<44}{count:>7}{seconds:>9.2f}{per_s:>9.1f}{per_s / raw.per_s:>7.1%}{lat}{failures:>8}")
    expected = 2 * (n + warmup)
    if created != expected or any(r[-1] for r in rows):
        raise SystemExit(f"expected {expected} appeals and no errors, found {created} appeals")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--n", type=int, default=400, help="timed requests per interface and database")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--pg-url", default=os.environ.get("LIANXIN_BENCH_PG_URL", "postgresql://postgres@127.0.0.1/lianxin_bench")
    )
    args = parser.parse_args(argv)
    out(f"api_intake: {lifecycle.git_revision()}, Python {sys.version.split()[0]}, {lifecycle.loadavg()}")
    if args.db in ("sqlite", "both"):
        with lifecycle.sqlite_database() as (url, line):
            run_database("sqlite", url, line, args.n, args.clients, args.workers)
    if args.db in ("postgresql", "both"):
        try:
            with lifecycle.postgresql_database(args.pg_url) as (url, line):
                run_database("postgresql", url, line, args.n, args.clients, args.workers)
        except ConnectionError as exc:
            out(f"\nPostgreSQL skipped: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
