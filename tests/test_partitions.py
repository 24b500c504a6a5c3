"""Monthly partitions of the append-only tables on PostgreSQL (lianxin/partitions.py, migration 0017_scale):
rows land in their month's partition, the job creates the coming months once, the migration converts a database
that already holds rows (and back). On SQLite the tables stay plain and the job does nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import MetaData, Table, insert, select, text

from lianxin.appeals.models import AppealEvent, Attachment
from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.migrations import downgrade, upgrade
from lianxin.partitions import PARTITIONED, SCHEMA, ensure_partitions, is_partitioned, partitions
from tests.factories import build_city, new_appeal

INVALID_INDEXES = "SELECT count(*) FROM pg_index WHERE NOT indisvalid"


def where(session, event_id: int) -> str:
    """The partition holding one event."""
    return session.execute(
        text("SELECT tableoid::regclass::text FROM appeal_events WHERE id = :id"), {"id": event_id}
    ).scalar()


def _appeals_of_revision_0016(session, jurisdiction_id: int, count: int):
    """``count`` appeals with their submitted events, written into the tables as revision 0016 has them (the
    models of today have columns that came later); the first event."""
    tables = MetaData()
    appeals, events = (Table(name, tables, autoload_with=session.connection()) for name in ("appeals", "appeal_events"))
    now = datetime.now(UTC)
    first = None
    for i in range(count):
        appeal_id = session.execute(
            insert(appeals)
            .values(
                jurisdiction_id=jurisdiction_id,
                order_no=f"20261201{i:06d}",
                version=1,
                status="received",
                channel="hotline",
                appeal_type="help",
                urgency="normal",
                title="路灯不亮",
                content="和平里小区3号楼门口的路灯已经坏了一周。",
                anonymous=False,
                confidential=False,
                tracking_token=f"parts-{i}",
                designated=False,
                received_at=now,
                extension_count=0,
                supervision_level=0,
                reopen_count=0,
                updated_at=now,
            )
            .returning(appeals.c.id)
        ).scalar_one()
        values = dict(jurisdiction_id=jurisdiction_id, appeal_id=appeal_id, kind="submitted", at=now, public=True)
        event = session.execute(
            insert(events).values(**values, actor_label="系统", payload={}).returning(events.c.id, events.c.appeal_id)
        ).one()
        first = first or event
    return first


def postgresql_only(db) -> None:
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no partitioning (test_the_job_does_nothing_on_sqlite covers it)")


def test_the_job_does_nothing_on_sqlite(db, settings):
    if db.get_bind().dialect.name != "sqlite":
        assert all(is_partitioned(db.connection(), spec.table) for spec in PARTITIONED)
        return
    assert ensure_partitions(db, settings, datetime(2031, 5, 10, tzinfo=UTC)) == 0


def test_an_appeals_events_land_in_the_partition_of_their_month(db, city, clock, settings):
    postgresql_only(db)
    ensure_partitions(db, settings, datetime(2026, 3, 2, 1, 30, tzinfo=UTC))
    appeal = new_appeal(db, city)  # the clock reads 2026-03-02 09:30 Beijing
    events = db.scalars(select(AppealEvent.id).where(AppealEvent.appeal_id == appeal.id)).all()
    assert events and {where(db, e) for e in events} == {f"{SCHEMA}.appeal_events_p2026_03"}


def test_the_job_creates_the_coming_months_once_and_empties_the_default_partition(db, city, settings):
    postgresql_only(db)
    appeal = new_appeal(db, city)
    late = AppealEvent(
        jurisdiction_id=city.jid,
        appeal_id=appeal.id,
        kind="note",
        at=datetime(2031, 6, 15, 8, 0, tzinfo=UTC),
        actor_label="system",
        payload={},
    )
    db.add(late)
    db.flush()
    assert where(db, late.id) == f"{SCHEMA}.appeal_events_default"  # no partition for June 2031 yet

    now = datetime(2031, 5, 10, 12, 0, tzinfo=UTC)
    created = ensure_partitions(db, settings, now)
    assert created == 2 * 4  # May and the three months after it, for each of the two tables
    names = partitions(db.connection(), "appeal_events")
    assert {f"appeal_events_p2031_{m:02}" for m in (5, 6, 7, 8)} <= names
    assert {f"care_readings_p2031_{m:02}" for m in (5, 6, 7, 8)} <= partitions(db.connection(), "care_readings")
    assert where(db, late.id) == f"{SCHEMA}.appeal_events_p2031_06"  # moved out of the default partition
    assert db.get(AppealEvent, late.id).kind == "note"
    assert ensure_partitions(db, settings, now) == 0  # a second run (or another process) finds them made


def test_the_migration_partitions_a_database_that_holds_rows_and_goes_back(scratch_settings):
    upgrade(scratch_settings, "0016")
    engine = make_engine(scratch_settings)
    factory = make_sessionmaker(engine, scratch_settings)
    with session_scope(factory) as s:
        city = build_city(s, code="parts")
        first = _appeals_of_revision_0016(s, city.jid, 3)
        s.add(
            Attachment(
                jurisdiction_id=city.jid,
                appeal_id=first.appeal_id,
                event_id=first.id,
                filename="photo.jpg",
                content_type="image/jpeg",
                size=3,
                storage_key="k/photo.jpg",
            )
        )
    rows = "SELECT id, appeal_id, kind, at FROM appeal_events ORDER BY id"
    with engine.connect() as conn:
        before = conn.execute(text(rows)).all()
    assert len(before) >= 3

    upgrade(scratch_settings)
    postgresql = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        assert conn.execute(text(rows)).all() == before  # every event copied, ids and times kept
        assert is_partitioned(conn, "appeal_events") == postgresql
        assert is_partitioned(conn, "care_readings") == postgresql
        if postgresql:
            month = before[0].at.astimezone(UTC)
            holder = conn.execute(text("SELECT tableoid::regclass::text FROM appeal_events LIMIT 1")).scalar()
            assert holder == f"{SCHEMA}.appeal_events_p{month:%Y_%m}"
            assert conn.execute(text(f"SELECT count(*) FROM {SCHEMA}.appeal_events_default")).scalar() == 0
            assert conn.execute(text(INVALID_INDEXES)).scalar() == 0  # every partition has the parent's indexes
    with session_scope(factory) as s:  # the sequence continues: new events get new ids
        appeal = new_appeal(s, build_city(s, code="parts2"))
        newest = s.scalars(select(AppealEvent.id).where(AppealEvent.appeal_id == appeal.id)).all()
        assert min(newest) > before[-1].id
        assert s.scalars(select(Attachment.event_id)).all() == [first.id]

    downgrade(scratch_settings, "0016")
    with engine.connect() as conn:
        assert conn.execute(text(rows)).all()[: len(before)] == before
        assert not is_partitioned(conn, "appeal_events")
        if postgresql:
            fk = "SELECT 1 FROM pg_constraint WHERE conname = 'fk_attachments_event_id_appeal_events'"
            assert conn.execute(text(fk)).scalar() == 1  # the foreign key is back
            assert conn.execute(text(INVALID_INDEXES)).scalar() == 0
    engine.dispose()


BIG_COLUMNS = [
    ("appeal_events", "id"),
    ("care_readings", "id"),
    ("attachments", "event_id"),
    ("webhook_deliveries", "event_id"),
    ("stats_watermarks", "last_event_id"),
    ("stats_watermarks", "seen_event_id"),
]


def test_event_ids_are_64_bit_and_go_past_two_to_the_31(db, city):
    """Migration 0019_bigids: a 32-bit event id would run out in about a year of a province's events."""
    postgresql_only(db)
    kinds = {
        (table, column): db.execute(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = :t AND column_name = :c"
            ),
            {"t": table, "c": column},
        ).scalar()
        for table, column in BIG_COLUMNS
    }
    assert set(kinds.values()) == {"bigint"}, kinds
    seq = db.execute(text("SELECT pg_get_serial_sequence('appeal_events', 'id')")).scalar()
    assert (
        db.execute(
            text("SELECT data_type FROM pg_sequences WHERE schemaname || '.' || sequencename = :s"), {"s": seq}
        ).scalar()
        == "bigint"
    )
    before = db.execute(text(f"SELECT last_value FROM {seq}")).scalar()
    db.execute(text(f"SELECT setval('{seq}', {2**31 + 5})"))  # sequences are not transactional: restored below
    try:
        appeal = new_appeal(db, city)
        ids = db.scalars(select(AppealEvent.id).where(AppealEvent.appeal_id == appeal.id)).all()
        assert ids and min(ids) > 2**31
    finally:
        db.execute(text(f"SELECT setval('{seq}', {before})"))
