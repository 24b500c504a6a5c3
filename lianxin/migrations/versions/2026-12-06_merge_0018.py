"""Join the heads built side by side on 2026-12-06 (the hotline's telephone side; monthly partitions and the
supervision list's index) into one.

Revision ID: 0018
Revises: 0017_phone, 0017_scale
Create Date: 2026-12-06
"""

revision = "0018"
down_revision = ("0017_phone", "0017_scale")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
