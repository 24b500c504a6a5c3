"""Join the heads built side by side on 2026-12-06 (64-bit event ids and the queues' indexes; the trigram search
indexes) into one.

Revision ID: 0021
Revises: 0020_queues, 0019_search
Create Date: 2026-12-06
"""

revision = "0021"
down_revision = ("0020_queues", "0019_search")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
