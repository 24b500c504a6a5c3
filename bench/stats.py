"""Dashboard queries over millions of appeals on PostgreSQL: p50/p95 per query with varied filters.

    nice .venv/bin/python bench/stats.py --n 1000000 [--pg-url postgresql://postgres@127.0.0.1:5432/lianxin_bench_stats]
                                         [--repeat 40] [--delta 100] [--reuse] [--check]

Loads a synthetic city (16 districts × 20 streets × 5 communities, 60 departments, 8 enterprises)
and ``--n`` appeals over two years with their events and the units working on them (the lead, and a
co-handling department for one in ten, as dispatching writes them), generated server-side (INSERT … SELECT over
generate_series, in chunks of 500 000, secondary indexes dropped during the load and rebuilt after;
titles, letters and addresses from word lists, so that a search by words finds some and not others),
adds each chunk's events to the daily rollups with one GROUP BY per table (the counts the fold would
produce; ``--check`` proves it by rebuilding with the real fold and comparing), builds the monthly
rows, then times each dashboard query through the real Python functions, one session per call like a
web request. A second round runs with ``--delta`` of today's appeals not folded yet (the state between
two job runs), and the fold of that delta is timed too. ``--reuse`` keeps a loaded database.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from appeal_texts import ASKS, ESTATES, PLACES, SPANS, TOPICS  # noqa: E402  (bench/, beside this script)
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from lianxin import paging  # noqa: E402
from lianxin.api.listing import AppealFilter, list_appeals  # noqa: E402
from lianxin.appeals.status import PUBLIC_EVENT_KINDS  # noqa: E402
from lianxin.assessment.service import monthly_ranking  # noqa: E402
from lianxin.assessment.supervision import leader_supervision_list, supervision_page  # noqa: E402
from lianxin.clock import utcnow  # noqa: E402
from lianxin.config import Settings  # noqa: E402
from lianxin.db import make_engine, make_sessionmaker, session_scope  # noqa: E402
from lianxin.defaults import ensure_defaults  # noqa: E402
from lianxin.migrations import upgrade  # noqa: E402
from lianxin.orgs.models import Role, RoleGrant, Unit, UnitKind, User  # noqa: E402
from lianxin.partitions import ensure, is_partitioned  # noqa: E402
from lianxin.stats import dashboard  # noqa: E402
from lianxin.stats.fold import fold_now, rebuild  # noqa: E402
from lianxin.stats.models import COUNTERS, StatsBreakdown, StatsRollup, StatsWatermark  # noqa: E402

END = date(2026, 11, 21)
DAYS = 730
CHUNK = 500_000
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/lianxin_bench_stats"


def create_database(url: str, fresh: bool) -> bool:
    """Create the bench database; returns True if it already existed and is kept."""
    target = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
        if exists and fresh:
            conn.execute(text(f'DROP DATABASE "{target.database}" WITH (FORCE)'))
        if not exists or fresh:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    return bool(exists) and not fresh


def build_city(factory) -> int:
    with session_scope(factory) as s:
        jid = ensure_defaults(s, code="bench", name="基准市").id
        s.execute(
            text(
                "INSERT INTO units (jurisdiction_id, parent_id, kind, code, name, active, created_at) "
                "VALUES (:j, NULL, 'city', 'C', '基准市', true, now())"
            ),
            {"j": jid},
        )
        city = s.scalar(select(Unit.id).where(Unit.code == "C"))
        for d in range(16):
            district = _unit(s, jid, city, "district", f"D{d:02}", f"第{d + 1}区")
            for t in range(20):
                street = _unit(s, jid, district, "street", f"D{d:02}S{t:02}", f"第{d + 1}区第{t + 1}街道")
                for c in range(5):
                    _unit(s, jid, street, "community", f"D{d:02}S{t:02}C{c}", f"第{d + 1}区第{t + 1}街道第{c + 1}社区")
        for k in range(60):
            _unit(s, jid, city, "department", f"DEP{k:02}", f"第{k + 1}委办局")
        for k in range(8):
            _unit(s, jid, city, "enterprise", f"ENT{k}", f"第{k + 1}公共服务企业")
    return jid


def _unit(s, jid: int, parent: int, kind: str, code: str, name: str) -> int:
    return s.execute(
        text(
            "INSERT INTO units (jurisdiction_id, parent_id, kind, code, name, active, created_at) "
            "VALUES (:j, :p, :k, :c, :n, true, now()) RETURNING id"
        ),
        {"j": jid, "p": parent, "k": kind, "c": code, "n": name},
    ).scalar()


# Outcome buckets from a hash of the appeal id: h in 0..999
APPEALS_SQL = """
INSERT INTO appeals (id, jurisdiction_id, order_no, version, status, channel, appeal_type, urgency, title, content,
  address, category_id, community_id, appellant_phone, appellant_name, anonymous, confidential, tracking_token, lead_unit_id,
  designated, received_at, dispatched_at, signed_at, first_contact_at, replied_at, closed_at, sign_due_at,
  contact_due_at, due_at, extension_count, supervision_level, reopen_count, contacted, solved, satisfaction, updated_at)
SELECT i::int, :jid, 'B' || lpad(i::text, 13, '0'), 1, st, (ARRAY['hotline','hotline','hotline','web','mobile','mini_program'])[1 + h % 6],
  'help', 'normal', (CAST(:titles AS text[]))[1 + t], (CAST(:places AS text[]))[1 + (i * 7919 % 10007) % :nplace] || (CAST(:problems AS text[]))[1 + t]
    || CASE WHEN i % 2003 = 7 THEN '，楼顶鸽子很多' ELSE '' END
    || CASE WHEN i % 4999 = 11 THEN '，化粪池外溢到路面' ELSE '' END
    || '，' || (CAST(:spans AS text[]))[1 + (i * 104729 % 10009) % :nspan] || '，' || (CAST(:asks AS text[]))[1 + (i * 1299709 % 10037) % :nask] || '。',
  '第' || (1 + i % 16) || '区' || (CAST(:estates AS text[]))[1 + (i * 15485863 % 10039) % :nestate] || (1 + i % 30) || '号楼',
  (:cats)[1 + (i * 31) % :ncat], (:comms)[1 + (i * 17) % :ncomm], '138' || lpad((i % 100000000)::text, 8, '0'), '张三',
  false, false, 't' || i, CASE WHEN st <> 'received' THEN (:leads)[1 + (i * 7) % :nlead] END, false,
  r, r + interval '10 minutes', CASE WHEN st IN ('in_progress','replied','closed') THEN r + CASE WHEN h % 20 = 0 THEN interval '30 hours' ELSE interval '2 hours' END END,
  CASE WHEN st IN ('in_progress','replied','closed') THEN r + CASE WHEN h % 14 = 0 THEN interval '50 hours' ELSE interval '5 hours' END END,
  CASE WHEN st IN ('replied','closed') THEN r + CASE WHEN h % 12 = 0 THEN interval '9 days' ELSE interval '3 days' END END,
  CASE WHEN st = 'closed' THEN r + interval '4 days' END,
  r + interval '24 hours', r + interval '48 hours', r + interval '7 days', 0,
  CASE WHEN st IN ('dispatched','in_progress') AND h % 3 = 0 THEN 1 + h % 3 ELSE 0 END, 0,
  CASE WHEN st = 'closed' THEN true END, CASE WHEN st = 'closed' THEN h % 10 <> 0 END,
  CASE WHEN st = 'closed' THEN CASE WHEN h % 25 = 1 THEN 'dissatisfied' WHEN h % 8 = 2 THEN 'basically_satisfied' ELSE 'satisfied' END END,
  r
FROM (SELECT i, h, r, ((i * 2246822519 % 1000003) % :ntopic)::int AS t,
        CASE WHEN h < 850 THEN 'closed' WHEN h < 900 THEN 'replied' WHEN h < 960 THEN 'in_progress'
             WHEN h < 985 THEN 'dispatched' ELSE 'received' END AS st
      FROM (SELECT i, ((i::bigint * 2654435761) % 1000)::int AS h,
                   CAST(:start AS timestamptz) + (i - :first) * (interval '1 second' * :step) AS r
            FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS i) g) s
"""

# The units working on each dispatched appeal, as dispatching writes them: the lead (主办), and a department as
# co-handler (协办) of one in ten. A leader's and a handler's scope is the appeals their units worked on.
UNITS_SQL = """
INSERT INTO appeal_units (jurisdiction_id, appeal_id, unit_id, role, active, assigned_at)
SELECT a.jurisdiction_id, a.id, u.unit_id, u.role, true, a.dispatched_at
FROM appeals a CROSS JOIN LATERAL (
  VALUES (a.lead_unit_id, 'lead'),
         (CASE WHEN a.id % 10 = 3 THEN (CAST(:deps AS int[]))[1 + (a.id * 13) % :ndep] END, 'co')
) AS u(unit_id, role)
WHERE a.id BETWEEN :lo AND :hi AND a.lead_unit_id IS NOT NULL AND u.unit_id IS NOT NULL
  AND (u.role = 'lead' OR u.unit_id <> a.lead_unit_id)
ORDER BY a.id
"""

EVENT_SQL = {  # kind → (condition on appeals a, at, unit, payload)
    "submitted": ("true", "a.received_at", "NULL", "json_build_object('channel', a.channel)"),
    "dispatched": ("a.status <> 'received'", "a.dispatched_at", "a.lead_unit_id", "'{}'::json"),
    "signed": (
        "a.signed_at IS NOT NULL",
        "a.signed_at",
        "a.lead_unit_id",
        "json_build_object('late', a.signed_at > a.sign_due_at)",
    ),
    "contacted": (
        "a.first_contact_at IS NOT NULL",
        "a.first_contact_at",
        "a.lead_unit_id",
        "json_build_object('first', true, 'late', a.first_contact_at > a.contact_due_at)",
    ),
    "overdue": (
        "a.replied_at > a.due_at OR (a.status IN ('dispatched','in_progress') AND a.due_at < now())",
        "a.due_at + interval '1 hour'",
        "a.lead_unit_id",
        "'{}'::json",
    ),
    "replied": (
        "a.replied_at IS NOT NULL",
        "a.replied_at",
        "a.lead_unit_id",
        "json_build_object('on_time', a.replied_at <= a.due_at)",
    ),
    "visited": (
        "a.status = 'closed'",
        "a.closed_at",
        "NULL",
        "json_build_object('contacted', true, 'solved', a.solved, 'satisfaction', a.satisfaction, 'unreasonable', false)",
    ),
    "closed": ("a.status = 'closed'", "a.closed_at", "NULL", "'{}'::json"),
}


# The resident's timeline (and Open311's notes) show the public kinds, as the service marks them, and the reply's text.
EVENT_NOTES = {"replied": "'经现场核实，已安排维修，问题已解决。如有疑问请再次来电。'"}


def drop_secondary(factory, tables: list[str]) -> tuple[list, list]:
    """Drop the secondary indexes, unique and foreign-key constraints of ``tables`` before a bulk load
    (rebuilding them once afterwards is much faster than maintaining them row by row)."""
    with session_scope(factory) as s:
        constraints = s.execute(
            text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid::regclass::text = ANY(:t) AND contype IN ('f', 'u')"
            ),
            {"t": tables},
        ).all()
        indexes = s.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:t) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
            ),
            {"t": tables},
        ).all()
        for table, name, _ in constraints:
            s.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        for name, _ in indexes:
            s.execute(text(f'DROP INDEX "{name}"'))
    return constraints, indexes


def restore_secondary(factory, constraints: list, indexes: list) -> None:
    """Recreate them; foreign keys come back NOT VALID (the generated rows reference real ids by construction)."""
    with session_scope(factory) as s:
        s.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
        for _, ddl in indexes:  # a partitioned table's index reads "ON ONLY": build it on every partition too
            s.execute(text(ddl.replace(" ON ONLY ", " ON ", 1)))
        for table, name, definition in constraints:  # (PostgreSQL refuses NOT VALID on a partitioned table)
            plain = not is_partitioned(s.connection(), table)
            suffix = " NOT VALID" if definition.startswith("FOREIGN KEY") and plain else ""
            s.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}{suffix}'))


def load(factory, jid: int, first: int, n: int, *, days: int = DAYS, rollups: bool = False) -> None:
    """Appeals ``first``..``first + n - 1`` spread evenly over the ``days`` days up to END, with their events."""
    with session_scope(factory) as s:
        cats = list(s.scalars(text("SELECT id FROM categories WHERE jurisdiction_id = :j AND level = 3"), {"j": jid}))
        comms = list(s.scalars(select(Unit.id).where(Unit.jurisdiction_id == jid, Unit.kind == UnitKind.COMMUNITY)))
        leads = list(
            s.scalars(
                select(Unit.id).where(
                    Unit.jurisdiction_id == jid,
                    Unit.kind.in_([UnitKind.STREET, UnitKind.DEPARTMENT, UnitKind.ENTERPRISE]),
                )
            )
        )
        leads += comms[::10]  # a few communities lead too
        deps = list(
            s.scalars(
                select(Unit.id).where(Unit.jurisdiction_id == jid, Unit.kind == UnitKind.DEPARTMENT).order_by(Unit.id)
            )
        )
    start = END - timedelta(days=days - 1)
    step = days * 86400 / max(n, 1)
    for lo in range(first, first + n, CHUNK):
        hi = min(lo + CHUNK - 1, first + n - 1)
        t0 = time.perf_counter()
        with session_scope(factory) as s:
            s.execute(text("SET LOCAL synchronous_commit = off"))
            before = s.scalar(text("SELECT coalesce(max(id), 0) FROM appeal_events"))
            s.execute(
                text(APPEALS_SQL),
                {
                    "jid": jid,
                    "cats": cats,
                    "ncat": len(cats),
                    "comms": comms,
                    "ncomm": len(comms),
                    "leads": leads,
                    "nlead": len(leads),
                    "lo": lo,
                    "hi": hi,
                    "first": first,
                    "titles": [t for t, _ in TOPICS],
                    "problems": [p for _, p in TOPICS],
                    "ntopic": len(TOPICS),
                    "places": PLACES,
                    "nplace": len(PLACES),
                    "spans": SPANS,
                    "nspan": len(SPANS),
                    "asks": ASKS,
                    "nask": len(ASKS),
                    "estates": ESTATES,
                    "nestate": len(ESTATES),
                    "start": f"{start.isoformat()} 00:00+08",
                    "step": step,
                },
            )
            s.execute(text(UNITS_SQL), {"lo": lo, "hi": hi, "deps": deps, "ndep": len(deps)})
            for kind, (cond, at, unit, payload) in EVENT_SQL.items():
                s.execute(
                    text(
                        "INSERT INTO appeal_events (jurisdiction_id, appeal_id, kind, at, actor_label, unit_id, public, note, "
                        f"payload) SELECT a.jurisdiction_id, a.id, '{kind}', {at}, '系统', {unit}, "
                        f"{kind in PUBLIC_EVENT_KINDS}, {EVENT_NOTES.get(kind, 'NULL')}, {payload} FROM appeals a "
                        f"WHERE a.id BETWEEN :lo AND :hi AND ({cond}) ORDER BY a.id"
                    ),
                    {"lo": lo, "hi": hi},
                )
            if rollups:
                elo, ehi = s.execute(
                    text("SELECT min(id), max(id) FROM appeal_events WHERE id > :after"), {"after": before}
                ).one()
                rollup_events(s, elo, ehi)
        print(f"  loaded appeals {lo:,}–{hi:,} with events in {time.perf_counter() - t0:.1f} s", flush=True)
    with session_scope(factory) as s:
        s.execute(text("SELECT setval(pg_get_serial_sequence('appeals', 'id'), (SELECT max(id) FROM appeals))"))


LOCAL_DAY = "(e.at AT TIME ZONE 'Asia/Shanghai')::date"
UNIT = "CASE WHEN e.kind IN ('submitted', 'answered') THEN 0 WHEN e.kind IN ('dispatched','redispatched','return_requested') THEN coalesce(e.unit_id, 0) ELSE coalesce(a.lead_unit_id, 0) END"
COUNTER_SQL = {
    "received": "count(*) FILTER (WHERE e.kind = 'submitted')",
    "dispatched": "count(*) FILTER (WHERE e.kind IN ('dispatched','redispatched'))",
    "signed": "count(*) FILTER (WHERE e.kind = 'signed')",
    "signed_on_time": "count(*) FILTER (WHERE e.kind = 'signed' AND NOT (e.payload->>'late')::boolean)",
    "replied": "count(*) FILTER (WHERE e.kind IN ('replied','answered'))",
    "replied_on_time": "count(*) FILTER (WHERE e.kind = 'answered' OR (e.kind = 'replied' AND (e.payload->>'on_time')::boolean))",
    "closed": "count(*) FILTER (WHERE e.kind = 'closed')",
    "overdue": "count(*) FILTER (WHERE e.kind = 'overdue')",
    "returns": "count(*) FILTER (WHERE e.kind = 'return_requested')",
    "reopens": "count(*) FILTER (WHERE e.kind = 'reopened')",
    "visits_valid": "count(*) FILTER (WHERE e.kind = 'visited' AND (e.payload->>'contacted')::boolean AND NOT (e.payload->>'unreasonable')::boolean)",
    "visits_responded": "count(*) FILTER (WHERE e.kind = 'visited' AND (e.payload->>'contacted')::boolean AND NOT (e.payload->>'unreasonable')::boolean AND a.first_contact_at <= a.contact_due_at)",
    "visits_solved": "count(*) FILTER (WHERE e.kind = 'visited' AND (e.payload->>'contacted')::boolean AND NOT (e.payload->>'unreasonable')::boolean AND (e.payload->>'solved')::boolean)",
    "visits_satisfied": "count(*) FILTER (WHERE e.kind = 'visited' AND (e.payload->>'contacted')::boolean AND NOT (e.payload->>'unreasonable')::boolean AND e.payload->>'satisfaction' = 'satisfied')",
    "visits_basic": "count(*) FILTER (WHERE e.kind = 'visited' AND (e.payload->>'contacted')::boolean AND NOT (e.payload->>'unreasonable')::boolean AND e.payload->>'satisfaction' = 'basically_satisfied')",
    "visits_unsatisfied": "count(*) FILTER (WHERE e.kind = 'visited' AND (e.payload->>'contacted')::boolean AND NOT (e.payload->>'unreasonable')::boolean AND e.payload->>'satisfaction' = 'dissatisfied')",
}


def rollup_events(session, elo: int, ehi: int) -> None:
    """Add the daily rollups of events ``elo``..``ehi`` (a just-loaded chunk, still in cache) to the
    stored ones (the bench data has no redispatch, return or exclusion, so the lead unit on the appeal
    is the lead at every event's moment)."""
    cols = ", ".join(COUNTERS)
    add = ", ".join(f"{c} = stats_rollups.{c} + excluded.{c}" for c in COUNTERS)
    session.execute(
        text(
            f"INSERT INTO stats_rollups (jurisdiction_id, grain, period, unit_id, assessed, {cols}) "
            f"SELECT e.jurisdiction_id, 'day', {LOCAL_DAY}, {UNIT}, true, {', '.join(COUNTER_SQL[c] for c in COUNTERS)} "
            f"FROM appeal_events e JOIN appeals a ON a.id = e.appeal_id WHERE e.id BETWEEN :lo AND :hi GROUP BY 1, 3, 4 "
            f"ON CONFLICT (jurisdiction_id, grain, period, unit_id, assessed) DO UPDATE SET {add}"
        ),
        {"lo": elo, "hi": ehi},
    )
    for dimension, column in (("category", "a.category_id"), ("channel", "a.channel"), ("community", "a.community_id")):
        session.execute(
            text(
                f"INSERT INTO stats_breakdowns (jurisdiction_id, grain, period, dimension, unit_id, key, count) "
                f"SELECT e.jurisdiction_id, 'day', {LOCAL_DAY}, '{dimension}', "
                f"CASE WHEN e.kind = 'submitted' THEN 0 ELSE e.unit_id END, {column}::text, count(*) "
                f"FROM appeal_events e JOIN appeals a ON a.id = e.appeal_id WHERE e.id BETWEEN :lo AND :hi "
                f"AND {column} IS NOT NULL AND (e.kind = 'submitted' OR (e.kind IN ('dispatched','redispatched') AND '{dimension}' <> 'community')) "
                f"GROUP BY 1, 3, 5, 6 ON CONFLICT (jurisdiction_id, dimension, unit_id, grain, period, key) "
                f"DO UPDATE SET count = stats_breakdowns.count + excluded.count"
            ),
            {"lo": elo, "hi": ehi},
        )


def finish_rollups(factory) -> None:
    """Monthly rows from the daily ones, the watermark at the last event, statistics for the planner."""
    cols = ", ".join(COUNTERS)
    sums = ", ".join(f"sum({c})" for c in COUNTERS)
    with session_scope(factory) as s:
        s.execute(text("DELETE FROM stats_rollups WHERE grain = 'month'"))
        s.execute(text("DELETE FROM stats_breakdowns WHERE grain = 'month'"))
        s.execute(
            text(
                f"INSERT INTO stats_rollups (jurisdiction_id, grain, period, unit_id, assessed, {cols}) "
                f"SELECT jurisdiction_id, 'month', date_trunc('month', period)::date, unit_id, assessed, {sums} "
                f"FROM stats_rollups WHERE grain = 'day' GROUP BY 1, 3, 4, 5"
            )
        )
        s.execute(
            text(
                "INSERT INTO stats_breakdowns (jurisdiction_id, grain, period, dimension, unit_id, key, count) "
                "SELECT jurisdiction_id, 'month', date_trunc('month', period)::date, dimension, unit_id, key, sum(count) "
                "FROM stats_breakdowns WHERE grain = 'day' GROUP BY 1, 3, 4, 5, 6"
            )
        )
        top = s.scalar(text("SELECT coalesce(max(id), 0) FROM appeal_events"))
        s.execute(text("DELETE FROM stats_watermarks"))
        s.add(StatsWatermark(name="appeal_events", last_event_id=top, seen_event_id=top))
    with session_scope(factory) as s:  # rows of one period together, as the fold writes them day after day
        s.execute(text("CLUSTER stats_rollups USING uq_stats_rollups_jurisdiction_id"))
        s.execute(text("CLUSTER stats_breakdowns USING uq_stats_breakdowns_jurisdiction_id"))
        s.execute(text("ANALYZE"))


def snapshot(factory) -> tuple:
    with factory() as s:
        r = StatsRollup
        rollups = s.execute(
            select(r.jurisdiction_id, r.grain, r.period, r.unit_id, r.assessed, *[getattr(r, c) for c in COUNTERS])
        ).all()
        b = StatsBreakdown
        parts = s.execute(select(b.jurisdiction_id, b.grain, b.period, b.dimension, b.unit_id, b.key, b.count)).all()
    return sorted(tuple(x) for x in rollups if any(x[5:])), sorted(tuple(x) for x in parts)


def check(factory) -> bool:
    """The bulk build and the real fold give the same rollups."""
    bulk = snapshot(factory)
    with session_scope(factory) as s:
        rebuild(s)
    return snapshot(factory) == bulk


def months_back(k: int) -> date:
    first = END.replace(day=1)
    for _ in range(k):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def month_end(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def workload(jid: int, districts: list[int], streets: list[int]) -> dict:
    """Each query with filters drawn at random: period, unit (none, a district, a street)."""

    def unit(rng, *, street=True):
        pick = rng.random()
        return None if pick < 0.4 else (rng.choice(districts) if pick < 0.8 or not street else rng.choice(streets))

    def month(rng):
        first = months_back(rng.randrange(0, 23))
        return first, month_end(first)

    def window(rng, days):
        end = END - timedelta(days=rng.randrange(0, 300))
        return end - timedelta(days=days - 1), end

    return {
        "trend, 30 days by day": lambda s, rng: dashboard.trend(s, jid, *window(rng, 30), unit_id=unit(rng)),
        "trend, 12 months by month": lambda s, rng: dashboard.trend(
            s, jid, months_back(11), END, bucket="month", unit_id=unit(rng)
        ),
        "trend, 13 weeks by week": lambda s, rng: dashboard.trend(
            s, jid, *window(rng, 91), bucket="week", unit_id=unit(rng)
        ),
        "三率 by unit, one month": lambda s, rng: dashboard.rates_by_unit(
            s, jid, *month(rng), unit_id=unit(rng, street=False)
        ),
        "三率 by unit, 90-day window": lambda s, rng: dashboard.rates_by_unit(
            s, jid, *window(rng, 90), unit_id=unit(rng, street=False)
        ),
        "category mix, one month": lambda s, rng: dashboard.category_mix(s, jid, *month(rng), unit_id=unit(rng)),
        "category mix, 90-day window": lambda s, rng: dashboard.category_mix(
            s, jid, *window(rng, 90), unit_id=unit(rng)
        ),
        "overdue heat map, 12 weeks": lambda s, rng: dashboard.overdue_heatmap(
            s, jid, *window(rng, 84), unit_id=unit(rng, street=False)
        ),
        "monthly ranking, streets": lambda s, rng: monthly_ranking(s, jid, month(rng)[0], "street"),
        "public summary, 12 months": lambda s, rng: dashboard.public_summary(s, jid, months_back(11), END),
        "leader supervision list": lambda s, rng: leader_supervision_list(s, _leader(s, jid, unit(rng, street=False))),
        "supervision list, 50 a page": lambda s, rng: supervision_page(s, _leader(s, jid, unit(rng, street=False))),
        "appeals API list, page 1": lambda s, rng: list_appeals(s, _leader(s, jid, unit(rng)), AppealFilter()),
        "appeals API list, last numbered page": lambda s, rng: list_appeals(
            s,
            _leader(s, jid, unit(rng)),
            AppealFilter(),
            page=paging.CAP // 20,  # OFFSET 980: past it, the cursor
        ),
        "appeals API list, by cursor": lambda s, rng: list_appeals(
            s, _leader(s, jid, unit(rng)), AppealFilter(), cursor=_cursor(s, rng)
        ),
    }


def _cursor(session, rng) -> str:
    """The cursor of a random appeal (newest first): the next page starts anywhere in the history."""
    top = session.scalar(text("SELECT max(id) FROM appeals"))
    row = session.execute(text("SELECT received_at, id FROM appeals WHERE id = :i"), {"i": rng.randrange(1, top)}).one()
    return paging.encode([row.received_at, row.id])


def _leader(session, jid: int, unit_id: int | None) -> User:
    """A leader of the unit (or an admin of the jurisdiction when unit_id is None), not stored."""
    unit_id = unit_id or session.scalar(select(Unit.id).where(Unit.jurisdiction_id == jid, Unit.code == "C"))
    user = User(id=0, jurisdiction_id=jid, username="bench", display_name="bench", password_hash="", active=True)
    user.grants = [RoleGrant(role=Role.LEADER if unit_id else Role.ADMIN, unit_id=unit_id)]
    return user


def time_queries(factory, jid: int, repeat: int, seed: int) -> list[tuple[str, float, float, float]]:
    with factory() as s:
        districts = list(s.scalars(select(Unit.id).where(Unit.jurisdiction_id == jid, Unit.kind == UnitKind.DISTRICT)))
        streets = list(s.scalars(select(Unit.id).where(Unit.jurisdiction_id == jid, Unit.kind == UnitKind.STREET)))
    rows = []
    for name, query in workload(jid, districts, streets).items():
        rng = random.Random(seed)
        for _ in range(3):  # warm-up, not timed
            with factory() as s:
                query(s, rng)
        times, cpu = [], []
        for _ in range(repeat):
            with factory() as s:
                t0, c0 = time.perf_counter(), time.process_time()
                query(s, rng)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
        times.sort()
        rows.append(
            (
                name,
                statistics.median(times),
                times[max(0, round(0.95 * len(times)) - 1)],
                times[-1],
                statistics.median(cpu),
            )
        )
    return rows


def print_table(title: str, rows) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\n{title}; load average {load} on {os.cpu_count()} CPUs\n"
        f"{'query':<30} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'py CPU p50':>10}"
    )
    for name, p50, p95, top, cpu in rows:
        print(f"{name:<30} {p50:8.1f} {p95:8.1f} {top:8.1f} {cpu:10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="appeals to load")
    parser.add_argument("--pg-url", default=DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=40, help="timed calls per query")
    parser.add_argument("--delta", type=int, default=100, help="appeals whose events stay unfolded in round two")
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    parser.add_argument("--check", action="store_true", help="compare the bulk rollups with the real fold")
    args = parser.parse_args()
    kept = create_database(args.pg_url, fresh=not args.reuse)
    settings = Settings(database_url=args.pg_url)
    factory = make_sessionmaker(make_engine(settings), settings)
    if not kept:
        upgrade(settings)
        with session_scope(factory) as s:  # the history's months, as the job would have made them month by month
            made = ensure(s.connection(), utcnow(), since=END - timedelta(days=DAYS))
        print(f"monthly partitions created for the history: {made}")
        t0 = time.perf_counter()
        jid = build_city(factory)
        dropped = drop_secondary(factory, ["appeals", "appeal_events", "appeal_units"])
        load(factory, jid, 1, args.n, rollups=True)
        loaded = time.perf_counter() - t0
        t0 = time.perf_counter()
        restore_secondary(factory, *dropped)
        finish_rollups(factory)
        print(
            f"loaded {args.n:,} appeals with their daily rollups in {loaded:.0f} s; "
            f"indexes, monthly rollups and ANALYZE in {time.perf_counter() - t0:.0f} s"
        )
    with factory() as s:
        jid = s.scalar(text("SELECT id FROM jurisdictions WHERE code = 'bench'"))
        appeals = s.scalar(select(func.count()).select_from(text("appeals")))
        events = s.scalar(text("SELECT max(id) FROM appeal_events"))
        rollups = s.scalar(select(func.count()).select_from(StatsRollup))
        parts = s.scalar(select(func.count()).select_from(StatsBreakdown))
        size = s.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
    print(
        f"database: {appeals:,} appeals, {events:,} events, {rollups:,} rollup rows, {parts:,} breakdown rows, {size}"
    )
    if args.check:
        print(f"bulk rollups == real fold: {check(factory)}")
    print_table(
        f"dashboard queries, rollups current ({args.repeat} calls each, varied filters)",
        time_queries(factory, jid, args.repeat, seed=1),
    )
    with factory() as s:
        first = s.scalar(text("SELECT max(id) FROM appeals")) + 1
    load(factory, jid, first, args.delta, days=1)  # today's appeals, not folded yet
    with factory() as s:
        pending = s.scalar(
            select(func.count())
            .select_from(text("appeal_events"))
            .where(text("id > (SELECT last_event_id FROM stats_watermarks)"))
        )
    print_table(
        f"the same with {pending:,} unfolded events in the live delta", time_queries(factory, jid, args.repeat, seed=2)
    )
    t0 = time.perf_counter()
    with session_scope(factory) as s:
        folded = fold_now(s)
    spent = time.perf_counter() - t0
    print(f"\nfold of the delta: {folded:,} events in {spent:.2f} s ({folded / spent:,.0f} events/s)")


if __name__ == "__main__":
    main()
