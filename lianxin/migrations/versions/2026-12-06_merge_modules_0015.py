"""Join the heads of the work built side by side on 2026-12-06 (防返贫 monitoring, household points and the
wishes follow-ups, commitment lists and care follow-ups, service windows and logistics bounds) into one.

Revision ID: 0015
Revises: 0014_poverty, 0014_wishpts, 0014_pledcare, 0014_svclog
Create Date: 2026-12-06
"""

revision = "0015"
down_revision = ("0014_poverty", "0014_wishpts", "0014_pledcare", "0014_svclog")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
