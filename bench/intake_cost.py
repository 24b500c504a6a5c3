"""What one JSON-API intake costs the server, in process: statements, round trips, CPU and wall time.

    python bench/intake_cost.py [--n 300] [--pg-url postgresql://postgres@127.0.0.1/lianxin_bench] [--list]

On a throwaway PostgreSQL database (``bench/lifecycle.py``'s, with the city and the operator key of
``bench/http_intake.py``) it sends ``POST /api/v1/appeals`` to the app through httpx's ASGI transport,
with every worker-thread call run inline in the one thread, so that the process's CPU time is the
requests' (the client's small share included). It prints, for one request after a warm-up, the SQL
statements (``--list`` lists them) and the driver's round trips (each wait of psycopg for the server:
statements, BEGIN, COMMIT, pings), then the mean CPU and wall time of ``--n`` requests. It needs no
server process and no free port, so two revisions can be compared one after the other on a busy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import anyio.to_thread  # noqa: E402
import api_intake  # noqa: E402
import http_intake  # noqa: E402
import httpx  # noqa: E402
import lifecycle  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

STATEMENTS: list[str] = []
ROUND_TRIPS = [0]


async def _inline(func, *args, **_):
    return func(*args)


def instrument() -> None:
    anyio.to_thread.run_sync = _inline  # starlette and fastapi call it through the module
    wait = psycopg.Connection.wait

    def counted(self, gen, *args, **kwargs):
        ROUND_TRIPS[0] += 1
        return wait(self, gen, *args, **kwargs)

    psycopg.Connection.wait = counted
    event.listen(Engine, "before_cursor_execute", lambda _c, _cur, sql, *_: STATEMENTS.append(" ".join(sql.split())))


async def measure(app, ids: dict, n: int, show: bool, profile: int = 0) -> None:
    requests = api_intake.json_requests(ids["operator_key"], ids["community_id"], ids["category_id"], 0, n + 21)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        for path, kwargs in requests[:20]:
            assert (await client.post(path, **kwargs)).status_code == 201
        STATEMENTS.clear()
        ROUND_TRIPS[0] = 0
        assert (await client.post(requests[20][0], **requests[20][1])).status_code == 201
        lifecycle.out(f"  one request: {len(STATEMENTS)} SQL statements, {ROUND_TRIPS[0]} round trips")
        for statement in STATEMENTS if show else ():
            lifecycle.out(f"    {statement[:140]}")
        profiler = cProfile.Profile() if profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        each = []
        for path, kwargs in requests[21:]:
            started = time.process_time()
            assert (await client.post(path, **kwargs)).status_code == 201
            each.append(time.process_time() - started)
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    median = statistics.median(each) * 1000
    lifecycle.out(
        f"  {n} requests: {cpu / n * 1000:.2f} ms CPU (median {median:.2f}), {wall / n * 1000:.2f} ms wall each"
    )
    if profiler:
        lifecycle.out(f"  profiled (cProfile slows every call; the shares are what to read), top {profile}:")
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(pstats.SortKey.CUMULATIVE).print_stats(profile)
        lifecycle.out(text.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--list", action="store_true", help="list the statements of one request")
    parser.add_argument("--profile", type=int, default=0, metavar="K", help="profile the requests, print the top K")
    parser.add_argument(
        "--pg-url", default=os.environ.get("LIANXIN_BENCH_PG_URL", "postgresql://postgres@127.0.0.1/lianxin_bench")
    )
    args = parser.parse_args(argv)
    lifecycle.out(f"intake_cost: {lifecycle.git_revision()}, {lifecycle.loadavg()}")
    with lifecycle.postgresql_database(args.pg_url) as (url, line):
        lifecycle.out(f"== {line} ==")
        ids = http_intake.setup(url)
        os.environ |= {
            "LIANXIN_DATABASE_URL": url,
            "LIANXIN_PUBLIC_JURISDICTION": ids["jurisdiction"],
            "LIANXIN_LOG_LEVEL": "WARNING",
            "LIANXIN_NOTIFY_SENDER": "console",
        }
        from lianxin.app import create_app

        instrument()
        app = create_app()
        asyncio.run(measure(app, ids, args.n, args.list, args.profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
