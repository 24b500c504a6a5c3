"""Appeal throughput on SQLite and PostgreSQL, next to the database's raw one-row-per-transaction limit.

    python bench/lifecycle.py [--db sqlite|postgresql|both] [--n 500]
                              [--pg-url postgresql://postgres@127.0.0.1/lianxin_bench]
                              [--extra-units 0] [--profile] [--trace-sql]

For each database it prints:

1. raw INSERT: one row of appeal-like width per transaction (BEGIN; INSERT; COMMIT) on a held
   connection through the app's engine and driver -- the physical limit of one transaction per row;
   and the same with a pool checkout per row (what every request pays: checkout, pre-ping on PostgreSQL).
2. single intake: ``submit_appeal`` + commit, one session and transaction per appeal, as the intake
   request does (load the operator, validate ``AppealCreate``, submit, commit).
3. full lifecycle: per appeal six requests, each its own session and transaction:
   submit -> dispatch -> sign -> contact -> reply -> return visit (satisfied, closes). Appeals/s,
   transactions/s, and p50/p99 latency and SQL statements per step.

SQLite runs on a temporary file (WAL, the app's pragmas via ``lianxin.db.make_engine``). PostgreSQL runs
on a throwaway database ``<name from --pg-url>_<pid>``, created through an autocommit connection to
the ``postgres`` database and dropped at the end; it is skipped with a message if the server is not
reachable. See bench/README.md for the figures measured on the reference machine.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # reuse tests.factories.build_city
    sys.path.insert(0, str(ROOT))

from sqlalchemy import (  # noqa: E402
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    make_url,
    text,
)
from sqlalchemy.exc import DBAPIError  # noqa: E402

from lianxin.appeals.schemas import AppealCreate  # noqa: E402
from lianxin.appeals.service import (  # noqa: E402
    dispatch_appeal,
    get_appeal,
    record_contact,
    reply_to_appeal,
    sign_appeal,
    submit_appeal,
)
from lianxin.config import Settings  # noqa: E402
from lianxin.db import make_engine, make_sessionmaker, session_scope  # noqa: E402
from lianxin.defaults import category_by_path  # noqa: E402
from lianxin.migrations import upgrade  # noqa: E402
from lianxin.orgs.models import Unit, UnitKind, User  # noqa: E402
from lianxin.visits.service import record_return_visit  # noqa: E402
from tests.factories import build_city  # noqa: E402

STEPS = ("submit", "dispatch", "sign", "contact", "reply", "visit")
CATEGORY = "城乡建设/市政设施/路灯故障"
CONTENT = (
    "和平里小区3号楼门口的路灯已经坏了一周，晚上很黑，老人和孩子出行很不方便，希望有关部门尽快派人维修。第{i}号诉求。"
)
ADDRESS = "东城区和平街道和平里小区3号楼东侧路口"


def out(line: str = "") -> None:
    print(line, flush=True)


# --- measurement helpers --------------------------------------------------------------------------


class SqlCounter:
    """Counts statements sent through the engine, attributed to the current step."""

    def __init__(self, engine):
        self.step: str | None = None
        self.counts: Counter[str] = Counter()
        self.trace: dict[str, list[str]] | None = None
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, _conn, _cursor, statement, _params, _context, _many):
        if self.step is None:
            return
        self.counts[self.step] += 1
        if self.trace is not None:
            self.trace.setdefault(self.step, []).append(" ".join(statement.split())[:110])


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


@dataclass
class Result:
    label: str
    count: int
    seconds: float
    tx_per_item: int = 1

    @property
    def per_s(self) -> float:
        return self.count / self.seconds

    @property
    def tx_per_s(self) -> float:
        return self.count * self.tx_per_item / self.seconds


@dataclass
class DbReport:
    name: str
    settings_line: str
    results: dict[str, Result] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    sql_per_step: dict[str, float] = field(default_factory=dict)


# --- databases ------------------------------------------------------------------------------------


@contextmanager
def sqlite_database():
    with tempfile.TemporaryDirectory(prefix="lianxin-bench-") as tmp:
        path = Path(tmp) / "bench.db"
        yield f"sqlite:///{path}", f"SQLite {sqlite3.sqlite_version}, file {path} (WAL, synchronous=NORMAL)"


@contextmanager
def postgresql_database(pg_url: str):
    url = make_url(pg_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = f"{url.database or 'lianxin_bench'}_{os.getpid()}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            version = conn.execute(text("SHOW server_version")).scalar()
            sync = conn.execute(text("SHOW synchronous_commit")).scalar()
            fsync = conn.execute(text("SHOW fsync")).scalar()
    except DBAPIError as exc:  # unreachable server, or no right to create databases
        admin.dispose()
        raise ConnectionError(str(exc).splitlines()[0]) from None
    app_url = (
        url.set(database=name)
        .render_as_string(hide_password=False)
        .replace("postgresql+psycopg://", "postgresql://", 1)
    )
    try:
        yield app_url, f"PostgreSQL {version}, database {name} (fsync={fsync}, synchronous_commit={sync})"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- the three measurements -----------------------------------------------------------------------

RAW = Table(
    "bench_raw_insert",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("jurisdiction_id", Integer, nullable=False),
    Column("order_no", String(20), nullable=False, unique=True),
    Column("status", String(32), nullable=False),
    Column("title", String(200), nullable=False),
    Column("content", Text, nullable=False),
    Column("address", String(300)),
    Column("appellant_phone", String(32)),
    Column("received_at", DateTime(timezone=True), nullable=False),
)


def raw_row(i: int) -> dict:
    return dict(
        jurisdiction_id=1,
        order_no=f"R{i:012d}",
        status="received",
        title=CONTENT[:30],
        content=CONTENT.format(i=i),
        address=ADDRESS,
        appellant_phone=f"138{i % 100_000_000:08d}",
        received_at=datetime.now(UTC),
    )


def bench_raw(engine, n: int, warmup: int) -> tuple[Result, Result]:
    RAW.create(engine, checkfirst=True)
    stmt = RAW.insert()
    seq = iter(range(10**9))
    with engine.connect() as conn:  # held connection: BEGIN; INSERT; COMMIT per row
        for _ in range(warmup):
            with conn.begin():
                conn.execute(stmt, raw_row(next(seq)))
        t0 = time.perf_counter()
        for _ in range(n):
            with conn.begin():
                conn.execute(stmt, raw_row(next(seq)))
        held = Result("raw INSERT+COMMIT, held connection", n, time.perf_counter() - t0)
    t0 = time.perf_counter()
    for _ in range(n):  # what a request pays around its transaction: pool checkout (+ pre-ping on PostgreSQL)
        with engine.begin() as conn:
            conn.execute(stmt, raw_row(next(seq)))
    pooled = Result("raw INSERT+COMMIT, pool checkout per row", n, time.perf_counter() - t0)
    return held, pooled


@dataclass
class Ctx:
    factory: object
    jid: int
    category_id: int
    community_id: int
    street_id: int
    users: dict[str, int]
    counter: SqlCounter
    serial: int = 0


def appeal_input(ctx: Ctx) -> dict:
    ctx.serial += 1
    i = ctx.serial
    # Half the appellants call again (same phone): both branches of the appellant upsert run.
    phone = f"139{(i // 2):08d}"
    return dict(
        jurisdiction_id=ctx.jid,
        channel="hotline",
        appeal_type="help",
        title="路灯不亮",
        content=CONTENT.format(i=i),
        appellant_name="张三",
        appellant_phone=phone,
        address=ADDRESS,
        category_id=ctx.category_id,
        community_id=ctx.community_id,
    )


def run_step(ctx: Ctx, step: str, order_no: str | None, latencies: dict[str, list[float]] | None) -> str:
    """One request: a fresh session, the actor and the appeal loaded, one verb, one commit."""
    ctx.counter.step = step
    t0 = time.perf_counter()
    with ctx.factory() as s:
        if step == "submit":
            actor = s.get(User, ctx.users["operator"])
            appeal = submit_appeal(s, AppealCreate(**appeal_input(ctx)), actor=actor)
        else:
            appeal = get_appeal(s, order_no)
            if step == "dispatch":
                dispatch_appeal(s, appeal, ctx.street_id, actor=s.get(User, ctx.users["dispatcher"]))
            elif step == "sign":
                sign_appeal(s, appeal, actor=s.get(User, ctx.users["street_handler"]))
            elif step == "contact":
                record_contact(
                    s,
                    appeal,
                    actor=s.get(User, ctx.users["street_handler"]),
                    note="已电话联系诉求人，约定明天上午到现场查看。",
                )
            elif step == "reply":
                reply_to_appeal(
                    s,
                    appeal,
                    actor=s.get(User, ctx.users["street_handler"]),
                    text="已更换路灯灯泡和镇流器，现已恢复照明。",
                )
            elif step == "visit":
                record_return_visit(
                    s,
                    appeal,
                    actor=s.get(User, ctx.users["visitor"]),
                    contacted=True,
                    solved=True,
                    satisfaction="satisfied",
                    comment="路灯已修好",
                )
        order_no = appeal.order_no
        s.commit()
    if latencies is not None:
        latencies[step].append(time.perf_counter() - t0)
    ctx.counter.step = None
    return order_no


def bench_intake(ctx: Ctx, n: int, warmup: int) -> Result:
    for _ in range(warmup):
        run_step(ctx, "submit", None, None)
    t0 = time.perf_counter()
    for _ in range(n):
        run_step(ctx, "submit", None, None)
    return Result("single intake (submit_appeal + commit)", n, time.perf_counter() - t0)


def lifecycle(ctx: Ctx, latencies=None) -> None:
    order_no = run_step(ctx, "submit", None, latencies)
    for step in STEPS[1:]:
        run_step(ctx, step, order_no, latencies)


def bench_lifecycle(ctx: Ctx, n: int, warmup: int, report: DbReport, profile: bool, trace_sql: bool) -> None:
    for _ in range(warmup):
        lifecycle(ctx)
    if trace_sql:  # one appeal, statement by statement (not timed)
        ctx.counter.trace = {}
        lifecycle(ctx)
        trace, ctx.counter.trace = ctx.counter.trace, None
        for step in STEPS:
            out(f"  -- {step}: {len(trace[step])} statements")
            for stmt in trace[step]:
                out(f"     {stmt}")
    ctx.counter.counts.clear()
    profiler = cProfile.Profile() if profile else None
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    for _ in range(n):
        lifecycle(ctx, report.latencies)
    if profiler:
        profiler.disable()
    report.results["lifecycle"] = Result("full lifecycle (6 requests/appeal)", n, time.perf_counter() - t0, len(STEPS))
    report.sql_per_step = {step: ctx.counter.counts[step] / n for step in STEPS}
    if profiler:
        for key in ("tottime", "cumulative"):
            buf = io.StringIO()
            pstats.Stats(profiler, stream=buf).sort_stats(key).print_stats(12)
            body = buf.getvalue()
            body = body[body.find("   ncalls") :] if "   ncalls" in body else body
            out(
                f"  cProfile of the timed lifecycle loop, top by {key} (the figures below include the profiler's overhead):"
            )
            for line in body.rstrip().splitlines():
                out("    " + line.replace(str(ROOT) + "/", "").replace(sys.prefix + "/", ""))


# --- one database ---------------------------------------------------------------------------------


def pad_units(session, jid: int, community_id: int, count: int) -> None:
    """``count`` extra grid units under the community, as a real city has (bulk insert, not timed)."""
    now = datetime.now(UTC)
    rows = [
        dict(
            jurisdiction_id=jid,
            parent_id=community_id,
            kind=UnitKind.GRID.value,
            code=f"pad-{i}",
            name=f"第{i}网格",
            active=True,
            created_at=now,
        )
        for i in range(count)
    ]
    for start in range(0, count, 5000):
        session.execute(Unit.__table__.insert(), rows[start : start + 5000])


def loadavg() -> str:
    try:
        return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "load average n/a"


def run_database(
    kind: str, url: str, settings_line: str, n: int, profile: bool, trace_sql: bool, extra_units: int = 0
) -> DbReport:
    report = DbReport(kind, settings_line)
    settings = Settings(database_url=url, notify_sender="console")
    out(f"\n== {settings_line} ==")
    t0 = time.perf_counter()
    upgrade(settings)
    engine = make_engine(settings)
    factory = make_sessionmaker(engine, settings)
    counter = SqlCounter(engine)
    with session_scope(factory) as s:
        city = build_city(s, code="bench")
        ids = dict(
            jid=city.jid,
            category_id=category_by_path(s, city.jid, CATEGORY).id,
            community_id=city.units["community"].id,
            street_id=city.units["street"].id,
            users={key: user.id for key, user in city.users.items()},
        )
        if extra_units:
            pad_units(s, city.jid, ids["community_id"], extra_units)
        units = s.query(Unit).filter(Unit.jurisdiction_id == city.jid).count()
    out(f"  setup (migrate + city of {units} units): {time.perf_counter() - t0:.1f} s; {loadavg()}")
    warmup = max(10, min(50, n // 10))
    try:
        held, pooled = bench_raw(engine, n, warmup * 5)
        report.results["raw"], report.results["raw_pool"] = held, pooled
        ctx = Ctx(factory=factory, counter=counter, **ids)
        report.results["intake"] = bench_intake(ctx, n, warmup)
        bench_lifecycle(ctx, n, warmup, report, profile, trace_sql)
        with factory() as s:  # sanity: every timed appeal really closed
            closed = s.execute(text("SELECT count(*) FROM appeals WHERE status = 'closed'")).scalar()
        expected = n + warmup + (1 if trace_sql else 0)
        if closed != expected:
            raise SystemExit(f"expected {expected} closed appeals, found {closed}")
    finally:
        engine.dispose()
    out(f"  done; {loadavg()}")
    print_report(report, n)
    return report


def print_report(report: DbReport, n: int) -> None:
    r = report.results
    raw = r["raw"].per_s
    out(f"  {'measurement':<44}{'count':>7}{'seconds':>9}{'items/s':>10}{'tx/s':>10}{'tx/s vs raw':>13}")
    for key in ("raw", "raw_pool", "intake", "lifecycle"):
        res = r[key]
        out(
            f"  {res.label:<44}{res.count:>7}{res.seconds:>9.2f}{res.per_s:>10.1f}{res.tx_per_s:>10.1f}"
            f"{res.tx_per_s / raw:>12.3f}x"
        )
    lc = r["lifecycle"]
    out(
        f"  => {r['intake'].per_s:.1f} intakes/s ({r['intake'].per_s / raw:.1%} of raw INSERT), "
        f"{lc.per_s:.1f} closed appeals/s ({lc.per_s / raw:.1%} of raw), {lc.tx_per_s:.1f} lifecycle tx/s "
        f"({lc.tx_per_s / raw:.1%} of raw)"
    )
    out(f"  per-step latency over {n} appeals (ms; one request = session + verb + commit):")
    out(f"  {'step':<10}{'p50':>8}{'p99':>8}{'mean':>8}{'max':>8}{'SQL/req':>9}")
    for step in STEPS:
        values = [v * 1000 for v in report.latencies[step]]
        out(
            f"  {step:<10}{pct(values, 0.5):>8.2f}{pct(values, 0.99):>8.2f}{statistics.fmean(values):>8.2f}"
            f"{max(values):>8.2f}{report.sql_per_step[step]:>9.1f}"
        )
    all_values = [v * 1000 for step in STEPS for v in report.latencies[step]]
    out(
        f"  {'all steps':<10}{pct(all_values, 0.5):>8.2f}{pct(all_values, 0.99):>8.2f}{statistics.fmean(all_values):>8.2f}"
        f"{max(all_values):>8.2f}{sum(report.sql_per_step.values()) / len(STEPS):>9.1f}"
    )


def git_revision() -> str:
    import subprocess

    try:
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "lianxin"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "git n/a"
    return f"lianxin @ {rev or 'n/a'}{' (modified)' if dirty else ''}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--n", type=int, default=500, help="rows / intakes / lifecycles timed per database")
    parser.add_argument(
        "--pg-url", default=os.environ.get("LIANXIN_BENCH_PG_URL", "postgresql://postgres@127.0.0.1/lianxin_bench")
    )
    parser.add_argument(
        "--extra-units",
        type=int,
        default=0,
        help="pad the city with this many extra grid units (a real city has thousands)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the timed lifecycle loop and print the top functions"
    )
    parser.add_argument("--trace-sql", action="store_true", help="print every statement of one (untimed) lifecycle")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be positive")
    out(
        f"lianxin bench/lifecycle.py  n={args.n}  python {sys.version.split()[0]}  cpus={os.cpu_count()}  "
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}  {git_revision()}"
    )
    started = time.perf_counter()
    reports = []
    if args.db in ("sqlite", "both"):
        with sqlite_database() as (url, line):
            reports.append(run_database("SQLite", url, line, args.n, args.profile, args.trace_sql, args.extra_units))
    if args.db in ("postgresql", "both"):
        try:
            with postgresql_database(args.pg_url) as (url, line):
                reports.append(
                    run_database("PostgreSQL", url, line, args.n, args.profile, args.trace_sql, args.extra_units)
                )
        except ConnectionError as exc:
            where = make_url(args.pg_url).render_as_string()
            out(f"\n== PostgreSQL skipped: cannot connect to or create a database on {where} ({exc}) ==")
    if len(reports) > 1:
        out("\n== summary (per second; one transaction per request) ==")
        out(f"  {'database':<12}{'raw INSERT':>12}{'intakes':>10}{'lifecycles':>12}{'lifecycle tx':>14}")
        for rep in reports:
            r = rep.results
            out(
                f"  {rep.name:<12}{r['raw'].per_s:>12.1f}{r['intake'].per_s:>10.1f}{r['lifecycle'].per_s:>12.1f}"
                f"{r['lifecycle'].tx_per_s:>14.1f}"
            )
    out(f"\ntotal {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
