"""queues: indexes for the work queues at scale — partial ones of the appeals whose handling clock runs, in
deadline order (the overdue list and its count), and of the appeals waiting for dispatch, in waiting order; and a
unit's appeals newest first (the leader's drill-down into a unit).

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
        batch_op.create_index("ix_appeals_lead_unit_received", ["lead_unit_id", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index("ix_appeals_lead_unit_received")
        for name, _, _ in INDEXES:
            batch_op.drop_index(name)
