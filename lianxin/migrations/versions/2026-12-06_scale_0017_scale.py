"""scale: monthly partitions of the append-only tables on PostgreSQL (appeal_events by ``at``, care_readings by
``ts``; lianxin/partitions.py). Existing rows are copied into their month's partition; the foreign keys to
appeal_events.id (attachments, webhook deliveries) are dropped there, since PostgreSQL would need the whole key
(id, at). Nothing changes on SQLite.

Revision ID: 0017_scale
Revises: 0016
Create Date: 2026-12-06
"""

from alembic import op

from lianxin.clock import utcnow
from lianxin.partitions import partition_tables, unpartition_tables

revision = "0017_scale"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        partition_tables(conn, utcnow())


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        unpartition_tables(conn, utcnow())
