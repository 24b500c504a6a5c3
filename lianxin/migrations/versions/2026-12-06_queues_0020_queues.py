"""queues: partial indexes for the work queues at scale — the appeals whose handling clock runs, in deadline
order (the overdue list and its count), and the appeals waiting for dispatch, in waiting order.

Revision ID: 0020_queues
Revises: 0019_bigids
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from lianxin.appeals.models import HANDLING_SQL, TO_DISPATCH_SQL

revision = "0020_queues"
down_revision = "0019_bigids"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_appeals_handling_due", ["jurisdiction_id", "due_at", "id"], HANDLING_SQL),
    ("ix_appeals_to_dispatch", ["jurisdiction_id", "received_at", "id"], TO_DISPATCH_SQL),
]


def upgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        for name, columns, where in INDEXES:
            batch_op.create_index(
                name, columns, unique=False, postgresql_where=sa.text(where), sqlite_where=sa.text(where)
            )


def downgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        for name, _, _ in INDEXES:
            batch_op.drop_index(name)
