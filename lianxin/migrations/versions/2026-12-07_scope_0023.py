"""scope: an index of the appeals' grids. A leader's or grid worker's scope is "their units lead it or worked on it,
or it lies in their communities or grids" (``appeals.access.visible_appeals``); with the grid indexed as the lead
unit and the community are, PostgreSQL can OR the ways in one bitmap when the scope is a small share of the appeals.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_appeals_grid_id", "appeals", ["grid_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_appeals_grid_id", table_name="appeals")
