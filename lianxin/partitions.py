"""Monthly partitions of the append-only tables on PostgreSQL (declarative range partitioning).

``appeal_events`` (by ``at``) and ``care_readings`` (by ``ts``) grow by millions of rows a month and are
only ever appended to: on PostgreSQL each is a partitioned table whose partitions live in the schema
``lianxin_parts`` (``appeal_events_p2026_12`` holds December 2026, UTC month boundaries), plus a
``…_default`` partition that catches any row outside the months created (a device clock in 1970, a
history imported from years back). The migration 0017_scale converts existing tables (rows copied);
the ``ensure_partitions`` job creates the current month and the next ``AHEAD`` months, so the default
partition stays empty in normal operation. Where pg_partman manages a table (it is listed in
``partman.part_config``), the job leaves that table to pg_partman's maintenance instead.

PostgreSQL requires the partition key in every primary key and unique constraint, so the primary keys
are ``(id, at)`` and ``(id, ts)`` there; ids still come from one sequence and stay unique. Foreign keys
*to* ``appeal_events.id`` (``DROPPED_FOREIGN_KEYS``) cannot exist on PostgreSQL and are dropped; the
models keep them (SQLite enforces them, the ORM joins on them) and the migration check skips them.
SQLite has no partitioning: there every table stays as the models describe it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

SCHEMA = "lianxin_parts"
AHEAD = 3  # months created beyond the current one


@dataclass(frozen=True)
class Partitioned:
    table: str
    key: str  # the timestamp column partitioned on


PARTITIONED = (Partitioned("appeal_events", "at"), Partitioned("care_readings", "ts"))
# (table, column) → the partitioned table it referenced: these foreign keys do not exist on PostgreSQL.
DROPPED_FOREIGN_KEYS = {
    ("attachments", "event_id"): "appeal_events",
    ("webhook_deliveries", "event_id"): "appeal_events",
}


def month_of(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC)
    return date(moment.year, moment.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months(first: date, last: date) -> list[date]:
    out, month = [], month_of(first)
    while month <= last:
        out.append(month)
        month = next_month(month)
    return out


def months_ahead(month: date, n: int) -> date:
    for _ in range(n):
        month = next_month(month)
    return month


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y_%m}"


def _bound(month: date) -> str:
    return f"'{month.isoformat()} 00:00:00+00'"


def is_partitioned(conn: Connection, table: str) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    kind = conn.execute(text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table}).scalar()
    return kind == "p"


def partitions(conn: Connection, table: str) -> set[str]:
    """The names of ``table``'s partitions (the default one included)."""
    return set(
        conn.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = to_regclass(:t)"
            ),
            {"t": table},
        ).scalars()
    )


def create_month(conn: Connection, spec: Partitioned, month: date) -> bool:
    """Create the partition of ``month`` unless it exists; rows of that month already in the default partition
    move into it. True if it was created."""
    name = partition_name(spec.table, month)
    if name in partitions(conn, spec.table):
        return False
    lo, hi = _bound(month), _bound(next_month(month))
    part, default = f"{SCHEMA}.{name}", f"{SCHEMA}.{spec.table}_default"
    conn.execute(text(f"CREATE TABLE {part} (LIKE {spec.table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    if f"{spec.table}_default" in partitions(conn, spec.table):
        conn.execute(
            text(
                f"WITH moved AS (DELETE FROM {default} WHERE {spec.key} >= {lo} AND {spec.key} < {hi} RETURNING *) "
                f"INSERT INTO {part} SELECT * FROM moved"
            )
        )
    # ATTACH takes a lighter lock on the parent than CREATE … PARTITION OF: inserts go on meanwhile
    conn.execute(text(f"ALTER TABLE {spec.table} ATTACH PARTITION {part} FOR VALUES FROM ({lo}) TO ({hi})"))
    return True


def _partman_managed(conn: Connection) -> tuple[str | None, set[str]]:
    """pg_partman's schema and the tables it manages (none when it is not installed in this database)."""
    schema = conn.execute(
        text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_partman'"
        )
    ).scalar()
    if schema is None:
        return None, set()
    rows = conn.execute(text(f'SELECT parent_table FROM "{schema}".part_config')).scalars()
    return schema, {row.split(".")[-1] for row in rows}


def ensure(conn: Connection, now: datetime, *, since: date | None = None, ahead: int = AHEAD) -> int:
    """Create the monthly partitions from ``since`` (default: ``now``'s month) to ``ahead`` months past ``now``'s
    for every partitioned table not managed by pg_partman; the number created. Idempotent; a no-op on SQLite and
    on tables that are not partitioned."""
    if conn.dialect.name != "postgresql":
        return 0
    current = month_of(now)
    wanted = months(min(since or current, current), months_ahead(current, ahead))
    managed = _partman_managed(conn)[1]
    created = 0
    for spec in PARTITIONED:
        if spec.table in managed or not is_partitioned(conn, spec.table):
            continue
        created += sum(create_month(conn, spec, month) for month in wanted)
    return created


def ensure_partitions(session: Session, settings, now: datetime) -> int:
    """The job: next months' partitions (one process at a time; another one running now means it is done)."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return 0
    if not conn.execute(text("SELECT pg_try_advisory_xact_lock(hashtext('lianxin.ensure_partitions'))")).scalar():
        return 0
    schema, managed = _partman_managed(conn)
    for table in sorted(managed & {spec.table for spec in PARTITIONED}):
        conn.execute(text(f'SELECT "{schema}".run_maintenance(:t)'), {"t": f"public.{table}"})
    return ensure(conn, now)


# --- the migration: convert a plain table to a partitioned one and back ----------------------------


def _rebuild(conn: Connection, spec: Partitioned, *, partitioned: bool, now: datetime) -> None:
    """Recreate ``spec.table`` partitioned (or plain again) with the same columns, constraints and indexes, its rows
    copied and its id sequence kept."""
    t = spec.table
    q = lambda sql, **kw: conn.execute(text(sql), kw)  # noqa: E731
    seq = q("SELECT pg_get_serial_sequence(:t, 'id')", t=t).scalar()
    constraints = q(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(:t) AND contype IN ('p', 'u', 'f') ORDER BY contype, conname",
        t=t,
    ).all()
    indexes = q(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = :t "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(:t)) ORDER BY indexname",
        t=t,
    ).all()
    first = q(f"SELECT min({spec.key}) FROM {t}").scalar()
    for name, _ in indexes:
        q(f'DROP INDEX "{name}"')
    for name, kind, _ in constraints:
        if kind in "pu":  # their index names must be free for the new table
            q(f'ALTER TABLE {t} DROP CONSTRAINT "{name}"')
    old = f"{t}_old"
    q(f"ALTER TABLE {t} RENAME TO {old}")
    if seq:
        q(f"ALTER SEQUENCE {seq} OWNED BY NONE")
    partition_by = f" PARTITION BY RANGE ({spec.key})" if partitioned else ""
    q(f"CREATE TABLE {t} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS){partition_by}")
    for name, kind, definition in constraints:
        if kind == "p":
            definition = f"PRIMARY KEY (id, {spec.key})" if partitioned else "PRIMARY KEY (id)"
        q(f'ALTER TABLE {t} ADD CONSTRAINT "{name}" {definition}')
    for _, ddl in indexes:
        q(ddl.replace(" ON ONLY ", " ON ", 1))  # "CREATE INDEX … ON public.<t> …": the new table has the name
    if partitioned:
        q(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        q(f"CREATE TABLE {SCHEMA}.{t}_default PARTITION OF {t} DEFAULT")
        current = month_of(now)
        for month in months(min(month_of(first), current) if first else current, months_ahead(current, AHEAD)):
            create_month(conn, spec, month)
    q(f"INSERT INTO {t} SELECT * FROM {old}")
    q(f"DROP TABLE {old}")
    if seq:
        q(f"ALTER SEQUENCE {seq} OWNED BY {t}.id")


def partition_tables(conn: Connection, now: datetime) -> None:
    """Upgrade (PostgreSQL): every table of ``PARTITIONED`` partitioned by month, its rows copied."""
    for (table, column), target in DROPPED_FOREIGN_KEYS.items():
        conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "fk_{table}_{column}_{target}"'))
    for spec in PARTITIONED:
        if not is_partitioned(conn, spec.table):
            _rebuild(conn, spec, partitioned=True, now=now)


def unpartition_tables(conn: Connection, now: datetime) -> None:
    """Downgrade (PostgreSQL): plain tables again, rows copied, the dropped foreign keys restored."""
    for spec in PARTITIONED:
        if is_partitioned(conn, spec.table):
            _rebuild(conn, spec, partitioned=False, now=now)
    for (table, column), target in DROPPED_FOREIGN_KEYS.items():
        conn.execute(
            text(
                f'ALTER TABLE {table} ADD CONSTRAINT "fk_{table}_{column}_{target}" '
                f"FOREIGN KEY ({column}) REFERENCES {target} (id)"
            )
        )
    conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA}"))
