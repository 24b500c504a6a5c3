"""bigids: 64-bit ids for the append-only tables on PostgreSQL — ``appeal_events.id`` and ``care_readings.id``
with their sequences, and the columns that hold an event id (attachments, webhook deliveries, the stats
watermark). At Beijing's volume (≈ 66 k appeals a day, 8 events each) a 32-bit event id lasts about 11 years, for
a province about one (docs/deploy.md). On a partitioned table the change reaches every partition. SQLite's
INTEGER is 64-bit already: nothing changes there.

Revision ID: 0019_bigids
Revises: 0018
Create Date: 2026-12-06
"""

from alembic import op
from sqlalchemy import text

revision = "0019_bigids"
down_revision = "0018"
branch_labels = None
depends_on = None

# (table, column, has its own sequence)
COLUMNS = [
    ("appeal_events", "id", True),
    ("care_readings", "id", True),
    ("attachments", "event_id", False),
    ("webhook_deliveries", "event_id", False),
    ("stats_watermarks", "last_event_id", False),
    ("stats_watermarks", "seen_event_id", False),
]


def _retype(kind: str) -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for table, column, sequenced in COLUMNS:
        conn.execute(text(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {kind}"))
        if sequenced:
            seq = conn.execute(text(f"SELECT pg_get_serial_sequence('{table}', '{column}')")).scalar()
            if seq:
                conn.execute(text(f"ALTER SEQUENCE {seq} AS {kind}"))


def upgrade() -> None:
    _retype("bigint")


def downgrade() -> None:
    _retype("integer")
