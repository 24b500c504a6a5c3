"""unitappeal: appeal_units indexed by unit with the appeal's id in the index, so that the appeals a scope's units
worked on other than as their lead now are read from the index alone (``appeals.access``), replacing the index
of (unit, active).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_appeal_units_unit_appeal", "appeal_units", ["unit_id", "role", "active", "appeal_id"], unique=False
    )
    op.drop_index("ix_appeal_units_unit_active", table_name="appeal_units")


def downgrade() -> None:
    op.create_index("ix_appeal_units_unit_active", "appeal_units", ["unit_id", "active"], unique=False)
    op.drop_index("ix_appeal_units_unit_appeal", table_name="appeal_units")
