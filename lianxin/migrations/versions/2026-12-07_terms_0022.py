"""terms: the repeat index's keywords are written by a job, not at intake — ``appeals.terms_pending`` marks the
appeals taken since it last ran, with a partial index of those few.

Adding a column with a constant default changes no row on PostgreSQL (11 and later) or SQLite: the appeals
already stored were indexed at their intake and read false.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE on both (a batch on SQLite would copy the table, which its foreign keys refuse)
    op.add_column("appeals", sa.Column("terms_pending", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(
        "ix_appeals_terms_pending",
        "appeals",
        ["jurisdiction_id", "id"],
        unique=False,
        postgresql_where=sa.text("terms_pending"),
        sqlite_where=sa.text("terms_pending = 1"),  # as the queries write it on SQLite (no boolean type)
    )


def downgrade() -> None:
    op.drop_index("ix_appeals_terms_pending", table_name="appeals")
    op.drop_column("appeals", "terms_pending")  # SQLite 3.35+ drops it in place too
