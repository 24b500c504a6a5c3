"""Join the heads of the branches built side by side on 2026-12-04 (rate limits, resident accounts, assessment
settings changes, micro-wishes, commitment lists, privacy audit log) into one.

Revision ID: 0011
Revises: 0010_wishes, 0010_pledges, 0008_privacy
Create Date: 2026-12-04
"""

revision = '0011'
down_revision = ('0010_wishes', '0010_pledges', '0008_privacy')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
