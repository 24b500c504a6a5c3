"""scale: monthly partitions of the append-only tables on PostgreSQL (appeal_events by ``at``, care_readings by
``ts``; lianxin/partitions.py). Existing rows are copied into their month's partition; the foreign keys to
appeal_events.id (attachments, webhook deliveries) are dropped there, since PostgreSQL would need the whole key
(id, at). Nothing of that changes on SQLite. On both databases: a partial index of the open supervised appeals in
the leader's list order (keyset pages of the supervision list).

Revision ID: 0017_scale
Revises: 0016
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from lianxin.appeals.models import SUPERVISED_OPEN

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
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_appeals_supervised_due",
            ["jurisdiction_id", "supervision_level", "due_at", "id"],
            unique=False,
            postgresql_where=sa.text(SUPERVISED_OPEN),
            sqlite_where=sa.text(SUPERVISED_OPEN),
        )


def downgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index("ix_appeals_supervised_due")
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        unpartition_tables(conn, utcnow())
