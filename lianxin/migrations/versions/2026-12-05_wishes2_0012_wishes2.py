"""Indexes for the wish lists at scale (bench/wishes.py, 100,000 wishes): the wall and the API newest first,
realised wishes by confirmation time, live claims by promised date, a resident's wishes by phone, and the
realised claims by time for quotas, rankings and the months.

Revision ID: 0012_wishes2
Revises: 0011
Create Date: 2026-12-05
"""

from alembic import op

revision = "0012_wishes2"
down_revision = "0011"
branch_labels = None
depends_on = None

WISHES = [
    ("ix_wishes_status_id", ["jurisdiction_id", "status", "id"]),
    ("ix_wishes_community_status_id", ["community_id", "status", "id"]),
    ("ix_wishes_confirmed", ["jurisdiction_id", "confirmed_at"]),
    ("ix_wishes_community_confirmed", ["community_id", "confirmed_at"]),
    ("ix_wishes_promised", ["jurisdiction_id", "status", "promised_on"]),
    ("ix_wishes_jurisdiction_phone", ["jurisdiction_id", "resident_phone"]),
]
CLAIMS = [("ix_wish_claims_realised", ["jurisdiction_id", "status", "realised_at", "member_id", "org_id"])]


def upgrade() -> None:
    for name, columns in WISHES:
        op.create_index(name, "wishes", columns, unique=False)
    for name, columns in CLAIMS:
        op.create_index(name, "wish_claims", columns, unique=False)


def downgrade() -> None:
    for name, _ in CLAIMS:
        op.drop_index(name, table_name="wish_claims")
    for name, _ in WISHES:
        op.drop_index(name, table_name="wishes")
