"""Concurrent intake over HTTP next to the limit of the same stack, on PostgreSQL and SQLite.

    python bench/http_intake.py [--db sqlite|postgresql|both] [--n 200] [--clients 1,8,32]
                                [--workers 1,2] [--pg-url postgresql://postgres@127.0.0.1/lianxin_bench]

For each database (the throwaway databases of ``bench/lifecycle.py``, migrated with the real
migrations, with the test city of ``tests.factories``) and each server worker count it starts two real
server processes side by side:

- **Lianxin** (``uvicorn lianxin.app:create_app --factory``), driven through the three intake doors:
  the JSON API (``POST /api/v1/appeals``, an operator's API key), Open311 (``POST
  /open311/v2/requests.json``, an intake key) and the resident form (``POST /appeal``, a browser-like
  client that first loads the form for its CSRF cookie and token);
- **the limit** (``bench/minimal_intake_app.py``): the same server, framework, engine, driver and
  database doing one INSERT of an appeal-shaped row and one COMMIT per request, nothing else.

With 1, 8 and 32 concurrent clients (one keep-alive connection each; ``--n`` timed requests per
door after a warm-up) it prints requests/s and p50/p95/p99 latency for each door and for the limit,
measured one after the other in the same run so that machine noise mostly cancels, and each door's
throughput as a share of the limit's, and the server's CPU time per request (user + system time of
the server's processes over the timed requests, from ``/proc``: the cost of one request whatever else
the shared machine runs). The issue's target is checked on the last lines: the JSON API
at 8 clients on PostgreSQL ≥ 30 % of the limit with p95 < 100 ms, and 2 workers faster than 1.
Rate limits are lifted for the run (environment variables of the server processes only). At the
end it checks that every request created exactly one row.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import api_intake  # noqa: E402  (free_port, the JSON and Open311 request bodies)
import lifecycle  # noqa: E402  (databases, percentiles, output; it puts the repository on sys.path)
from minimal_intake_app import LIMIT  # noqa: E402
from sqlalchemy import text  # noqa: E402

from lianxin.api.keys import create_api_key  # noqa: E402
from lianxin.config import Settings  # noqa: E402
from lianxin.db import make_engine, make_sessionmaker, session_scope  # noqa: E402
from lianxin.defaults import category_by_path  # noqa: E402
from lianxin.migrations import upgrade  # noqa: E402
from tests.factories import build_city  # noqa: E402

out = lifecycle.out
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
TARGET_SHARE, TARGET_P95_MS = 0.30, 100.0


def start(target: list[str], env: dict, workers: int) -> tuple[subprocess.Popen, str]:
    port = api_intake.free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", *target, "--host", "127.0.0.1", "--port", str(port)]
        + ["--workers", str(workers), "--log-level", "warning", "--no-access-log"],
        env=os.environ | env,
        cwd=lifecycle.ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"the server {target[0]} did not start")


def form_requests(community_id: int, start_at: int, count: int) -> list[tuple[str, dict]]:
    return [
        (
            "/appeal",
            {
                "data": {
                    "appeal_type": "help",
                    "content": lifecycle.CONTENT.format(i=i),
                    "address": lifecycle.ADDRESS,
                    "community_id": str(community_id),
                    "appellant_name": "王五",
                    "appellant_phone": f"137{i % 100_000_000:08d}",
                }
            },
        )
        for i in range(start_at, start_at + count)
    ]


def limit_requests(start_at: int, count: int) -> list[tuple[str, dict]]:
    return [
        (
            "/limit",
            {
                "json": {
                    "content": lifecycle.CONTENT.format(i=i),
                    "address": lifecycle.ADDRESS,
                    "appellant_phone": f"136{i % 100_000_000:08d}",
                }
            },
        )
        for i in range(start_at, start_at + count)
    ]


def drive(base: str, requests: list[tuple[str, dict]], clients: int, form: bool) -> tuple[float, list[float], int]:
    """POST every request from ``clients`` threads; (seconds, latencies in ms, failures)."""
    chunks = [requests[i::clients] for i in range(clients)]

    def run(chunk):
        latencies, failures = [], 0
        with httpx.Client(base_url=base, timeout=60) as client:
            token = CSRF_RE.search(client.get("/appeal").text)[1] if form else None
            for path, kwargs in chunk:
                if token:
                    kwargs = {"data": kwargs["data"] | {"csrf_token": token}}
                started = time.perf_counter()
                response = client.post(path, **kwargs)
                latencies.append((time.perf_counter() - started) * 1000)
                failures += response.status_code not in ((303,) if form else (200, 201))
        return latencies, failures

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(run, [c for c in chunks if c]))
    return time.perf_counter() - started, [v for lat, _ in results for v in lat], sum(f for _, f in results)


def setup(url: str) -> dict:
    settings = Settings(database_url=url, notify_sender="console")
    upgrade(settings)
    engine = make_engine(settings)
    LIMIT.create(engine)
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
        _, intake_key = create_api_key(s, jurisdiction_id=city.jid, name="bench Open311", channel="mobile")
        ids = dict(
            operator_key=operator_key,
            intake_key=intake_key,
            community_id=city.units["community"].id,
            category_id=category.id,
            code=category.code,
            jurisdiction=city.jurisdiction.code,
        )
    engine.dispose()
    return ids


def server_env(url: str, ids: dict, tmp: str) -> dict:
    """The server's settings for a bench: its database, rate limits out of the way, uploads and SMS under ``tmp``."""
    return {
        "LIANXIN_DATABASE_URL": url,
        "LIANXIN_PUBLIC_JURISDICTION": ids["jurisdiction"],
        "LIANXIN_LOG_LEVEL": "WARNING",
        "LIANXIN_RATE_INTAKE_PER_ADDRESS": "100000000/1h",
        "LIANXIN_RATE_OPEN311_PER_ADDRESS": "100000000/1h",
        "LIANXIN_RATE_OPEN311_PER_KEY": "100000000/1h",
        "LIANXIN_UPLOAD_DIR": str(Path(tmp) / "uploads"),
        "LIANXIN_NOTIFY_SENDER": "file",
        "LIANXIN_NOTIFY_FILE": str(Path(tmp) / "outbox.jsonl"),
    }


def run_database(
    url: str, line: str, n: int, client_counts: list[int], worker_counts: list[int], only: set[str] | None = None
) -> list[tuple]:
    out(f"\n== {line} ==")
    ids = setup(url)
    doors = {
        "limit": (False, lambda a, b: limit_requests(a, b)),
        "JSON API": (
            False,
            lambda a, b: api_intake.json_requests(ids["operator_key"], ids["community_id"], ids["category_id"], a, b),
        ),
        "Open311": (
            False,
            lambda a, b: api_intake.open311_requests(ids["intake_key"], ids["jurisdiction"], ids["code"], a, b),
        ),
        "resident form": (True, lambda a, b: form_requests(ids["community_id"], a, b)),
    }
    doors = {door: spec for door, spec in doors.items() if only is None or door == "limit" or door in only}
    rows, sent = [], {"limit": 0, "lianxin": 0}
    offset = 0
    for workers in worker_counts:
        with tempfile.TemporaryDirectory(prefix="lianxin-http-bench-") as tmp:
            env = server_env(url, ids, tmp)
            lianxin, lianxin_base = start(["lianxin.app:create_app", "--factory"], env, workers)
            minimal, minimal_base = start(["minimal_intake_app:app", "--app-dir", str(BENCH)], env, workers)
            try:
                for clients in client_counts:
                    warmup = max(clients * 2, n // 10, 10)
                    for door, (form, make) in doors.items():
                        base = minimal_base if door == "limit" else lianxin_base
                        drive(base, make(offset, warmup), clients, form)
                        server = minimal if door == "limit" else lianxin
                        cpu_before = server_cpu_seconds(server.pid)
                        seconds, ms, failures = drive(base, make(offset + warmup, n), clients, form)
                        cpu_ms = (server_cpu_seconds(server.pid) - cpu_before) / n * 1000
                        offset += warmup + n + 1
                        sent["limit" if door == "limit" else "lianxin"] += warmup + n
                        rows.append(
                            (
                                workers,
                                clients,
                                door,
                                n / seconds,
                                *(lifecycle.pct(ms, q) for q in (0.5, 0.95, 0.99)),
                                cpu_ms,
                                failures,
                            )
                        )
            finally:
                for server in (lianxin, minimal):
                    server.terminate()
                    server.wait(timeout=30)
    print_rows(rows)
    engine = make_engine(Settings(database_url=url))
    with engine.connect() as conn:
        appeals = conn.execute(text("SELECT count(*) FROM appeals")).scalar()
        limit_rows = conn.execute(text("SELECT count(*) FROM bench_limit")).scalar()
    engine.dispose()
    if appeals != sent["lianxin"] or limit_rows != sent["limit"] or any(r[-1] for r in rows):
        raise SystemExit(f"expected {sent} rows and no errors; found {appeals} appeals, {limit_rows} limit rows")
    out(f"  checked: {appeals} appeals and {limit_rows} limit rows, one per request, no errors")
    return rows


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server process and its worker processes so far (Linux ``/proc``; 0
    elsewhere): what the requests cost the server whatever else the machine runs."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def print_rows(rows: list[tuple]) -> None:
    out(
        f"  {'workers':>7}{'clients':>8}  {'door':<15}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'of limit':>10}{'CPU ms':>8}{'errors':>8}"
    )
    limits = {(w, c): per_s for w, c, door, per_s, *_ in rows if door == "limit"}
    for workers, clients, door, per_s, p50, p95, p99, cpu_ms, failures in rows:
        share = "" if door == "limit" else f"{per_s / limits[(workers, clients)]:.1%}"
        out(
            f"  {workers:>7}{clients:>8}  {door:<15}{per_s:>8.1f}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{share:>10}"
            f"{cpu_ms:>8.1f}{failures:>8}"
        )


def verdict(rows: list[tuple]) -> None:
    at8 = {(w, door): (per_s, p95) for w, c, door, per_s, p50, p95, *_ in rows if c == 8}
    if (1, "JSON API") in at8 and (1, "limit") in at8:
        (api, p95), (limit, _) = at8[(1, "JSON API")], at8[(1, "limit")]
        ok = api / limit >= TARGET_SHARE and p95 < TARGET_P95_MS
        out(
            f"  target (JSON API, 8 clients, 1 worker): {api / limit:.1%} of the limit (≥ {TARGET_SHARE:.0%}), "
            f"p95 {p95:.1f} ms (< {TARGET_P95_MS:.0f}) -> {'met' if ok else 'NOT met'}"
        )
    if (2, "JSON API") in at8 and (1, "JSON API") in at8:
        one, two = at8[(1, "JSON API")][0], at8[(2, "JSON API")][0]
        limit_one, limit_two = at8.get((1, "limit"), (0,))[0], at8.get((2, "limit"), (0,))[0]
        out(
            f"  workers (JSON API, 8 clients): 1 -> {one:.1f}/s, 2 -> {two:.1f}/s (x{two / one:.2f}); "
            f"limit 1 -> {limit_one:.1f}/s, 2 -> {limit_two:.1f}/s (x{limit_two / max(limit_one, 1e-9):.2f})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--n", type=int, default=200, help="timed requests per door, client count and worker count")
    parser.add_argument("--clients", default="1,8,32", help="concurrent client counts, comma-separated")
    parser.add_argument("--workers", default="1,2", help="server worker counts on PostgreSQL (SQLite: 1)")
    parser.add_argument("--doors", default="", help="only these doors, e.g. 'JSON API' (default: all three)")
    parser.add_argument(
        "--pg-url", default=os.environ.get("LIANXIN_BENCH_PG_URL", "postgresql://postgres@127.0.0.1/lianxin_bench")
    )
    args = parser.parse_args(argv)
    clients = [int(c) for c in args.clients.split(",")]
    workers = [int(w) for w in args.workers.split(",")]
    only = {d.strip() for d in args.doors.split(",") if d.strip()} or None
    out(
        f"http_intake: {lifecycle.git_revision()}, Python {sys.version.split()[0]}, {lifecycle.loadavg()}, {os.cpu_count()} CPUs"
    )
    if args.db in ("postgresql", "both"):
        try:
            with lifecycle.postgresql_database(args.pg_url) as (url, line):
                verdict(run_database(url, line, args.n, clients, workers, only))
        except ConnectionError as exc:
            out(f"\nPostgreSQL skipped: {exc}")
    if args.db in ("sqlite", "both"):
        with lifecycle.sqlite_database() as (url, line):
            verdict(run_database(url, line, args.n, clients, [1], only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
