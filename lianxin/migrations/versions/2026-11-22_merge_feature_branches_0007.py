"""Join the feature branches (routing, dispatch/geo/knowledge, assessment/stats, hotspots/topics,
API/Open311/webhooks), each of which started from the initial schema, into one head.

Revision ID: 0007
Revises: 0002, 0003, 0004, 0005, 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "0007"
down_revision = ("0002", "0003", "0004", "0005", "0006")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
