"""Join the heads of the modules built side by side on 2026-12-05 (proactive care, points and volunteer
service, rural logistics, government services, and the micro-wish and commitment-list follow-ups) into one.

Revision ID: 0013
Revises: 0012_care, 0012_volunteers, 0012_logistics, 0012_services, 0012_wishes2, 0012_pledges2
Create Date: 2026-12-05
"""

revision = "0013"
down_revision = ("0012_care", "0012_volunteers", "0012_logistics", "0012_services", "0012_wishes2", "0012_pledges2")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
