"""Join the performance work of 2026-12-06 (supervision's partial index, configuration stamps) to the
modules' merge.

Revision ID: 0016
Revises: 0015, 0014_intelperf
Create Date: 2026-12-06
"""

revision = "0016"
down_revision = ("0015", "0014_intelperf")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
