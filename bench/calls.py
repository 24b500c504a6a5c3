"""Server time of the telephone side: the desk panel polled every 2 s by every operator (a changed call: 200 with
the caller's appeals; unchanged: 204), the switch's event endpoint, and the appeal page's call box.

    python bench/calls.py [--calls 20000] [--appeals 2000] [--runs 50] [--db sqlite|postgresql]
                          [--pg-url postgresql://postgres@127.0.0.1/lianxin_bench]

Builds a throwaway database at the current migration head with the test city (``tests.factories.build_city``),
the calls module's defaults, ``--appeals`` appeals of 200 callers (the caller on the desk has ``appeals / 200``
of them) and ``--calls`` ended calls spread over 20 seats (inserted directly); then one call rings at the
operator's seat through the verb. Each request runs ``--runs`` times in-process (Starlette's TestClient: routing,
dependencies, queries, templates; no network) after one warm-up; median and 95th percentile in milliseconds.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.staff_pages import CSRF_RE, database  # noqa: E402
from lianxin.app import create_app  # noqa: E402
from lianxin.appeals.schemas import AppealCreate  # noqa: E402
from lianxin.appeals.service import submit_appeal  # noqa: E402
from lianxin.calls.defaults import ensure_defaults  # noqa: E402
from lianxin.calls.models import Call  # noqa: E402
from lianxin.calls.service import record_switch_event  # noqa: E402
from lianxin.calls.tables import set_seat  # noqa: E402
from lianxin.clock import utcnow  # noqa: E402
from lianxin.config import Settings  # noqa: E402
from lianxin.db import make_engine, make_sessionmaker, session_scope  # noqa: E402
from lianxin.migrations import upgrade  # noqa: E402
from tests.factories import PASSWORD, build_city  # noqa: E402

TOKEN = "bench-cti-token"
LIMITS = {"desk (changed)": 100, "desk (unchanged, 204)": 30, "switch event": 50, "appeal call box": 50}


def prepare(settings: Settings, calls: int, appeals: int) -> dict:
    upgrade(settings)
    factory = make_sessionmaker(make_engine(settings), settings)
    with session_scope(factory) as session:
        city = build_city(session, code="bench")
        ensure_defaults(session, city.jurisdiction)
        operator = city.users["operator"]
        set_seat(session, operator, "8001")
        callers = [f"139{n:08d}" for n in range(200)]
        first = None
        for n in range(appeals):
            appeal = submit_appeal(
                session,
                AppealCreate(
                    jurisdiction_id=city.jid,
                    channel="hotline",
                    appeal_type="help",
                    content=f"第{n}号诉求：楼道灯不亮，请尽快维修。",
                    appellant_phone=callers[n % 200],
                ),
                actor=operator,
            )
            first = first or appeal.order_no
        now = utcnow()
        rows = [
            dict(
                jurisdiction_id=city.jid,
                call_id=f"old-{n}",
                status="ended",
                caller=callers[n % 200],
                seat=f"{8001 + n % 20}",
                operator_id=operator.id if n % 20 == 0 else None,
                rang_at=now - timedelta(minutes=40 + n),
                answered_at=now - timedelta(minutes=40 + n),
                ended_at=now - timedelta(minutes=35 + n),
                updated_at=now - timedelta(minutes=35 + n),
            )
            for n in range(calls)
        ]
        for start in range(0, len(rows), 5000):
            session.execute(insert(Call), rows[start : start + 5000])
        record_switch_event(
            session, city.jid, call_id="live-1", event="ringing", caller=callers[0], seat="8001", dialled="12333"
        )
        return {"username": operator.username, "order_no": first, "jurisdiction": city.jurisdiction.code}


def timed(run, runs: int) -> tuple[float, float]:
    run()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def measure(settings: Settings, ctx: dict, runs: int) -> list[tuple[str, float, float]]:
    app = create_app(settings.model_copy(update={"cti_token": TOKEN}))
    results = []
    with TestClient(app) as client:
        token = CSRF_RE.search(client.get("/login").text).group(1)
        client.post("/login", data={"username": ctx["username"], "password": PASSWORD, "csrf_token": token})
        panel = client.get("/staff/calls/desk", headers={"HX-Request": "true"})
        assert panel.status_code == 200 and "live-1" in panel.text, panel.text[:300]
        seen = panel.text.split('id="call-seen" value="', 1)[1].split('"', 1)[0]

        def changed():
            assert client.get("/staff/calls/desk", headers={"HX-Request": "true"}).status_code == 200

        def unchanged():
            assert (
                client.get("/staff/calls/desk", params={"seen": seen}, headers={"HX-Request": "true"}).status_code
                == 204
            )

        counter = iter(range(10**6))

        def event():
            body = {"call_id": f"b-{next(counter)}", "event": "ringing", "caller": "13900000001", "seat": "8002"}
            answer = client.post("/api/v1/calls/events", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
            assert answer.status_code == 200, answer.text

        def box():
            assert client.get(f"/staff/calls/appeal/{ctx['order_no']}", headers={"HX-Request": "true"}).status_code in (
                200,
                204,
            )

        for name, run in (
            ("desk (changed)", changed),
            ("desk (unchanged, 204)", unchanged),
            ("switch event", event),
            ("appeal call box", box),
        ):
            median, p95 = timed(run, runs)
            results.append((name, median, p95))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--appeals", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1/lianxin_bench")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    with database(args.db, args.pg_url) as (url, tmp):
        settings = Settings(database_url=url, notify_sender="console", upload_dir=tmp / "uploads")
        started = time.perf_counter()
        ctx = prepare(settings, args.calls, args.appeals)
        print(f"{args.db}: {args.calls} calls, {args.appeals} appeals built in {time.perf_counter() - started:.1f} s")
        for name, median, p95 in measure(settings, ctx, args.runs):
            print(f"  {name:24} median {median:6.1f} ms  p95 {p95:6.1f} ms  (limit {LIMITS[name]} ms)")


if __name__ == "__main__":
    main()
