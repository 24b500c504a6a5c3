"""wishpts: the party-secretary role (党组织书记), a household account's holder phone (a resident sees the
household's 爱心存折), and 爱心超市 redemptions paid from any points account (a household's as well as a member's).

Revision ID: 0014_wishpts
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_wishpts"
down_revision = "0013"
branch_labels = None
depends_on = None

OLD_ROLES = ("operator", "dispatcher", "handler", "grid_worker", "visitor", "leader", "admin", "auditor")
NEW_ROLES = OLD_ROLES + ("party_secretary",)


def _roles(values: tuple[str, ...]) -> str:
    return "role IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_role_grants_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_role_grants_role"), _roles(NEW_ROLES))
    with op.batch_alter_table("points_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holder_phone", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_points_accounts_holder_phone", ["jurisdiction_id", "holder_phone"], unique=False)
    with op.batch_alter_table("vol_redemptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_id", sa.Integer(), nullable=True))
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f("ix_vol_redemptions_account_id"), ["account_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_vol_redemptions_account_id_points_accounts"), "points_accounts", ["account_id"], ["id"]
        )
    # the account that paid each earlier redemption is its entry's source
    op.execute(
        "UPDATE vol_redemptions SET account_id = "
        "(SELECT from_account_id FROM points_entries WHERE points_entries.id = vol_redemptions.entry_id)"
    )


def downgrade() -> None:
    op.execute("DELETE FROM role_grants WHERE role = 'party_secretary'")
    op.execute("DELETE FROM vol_stock_moves WHERE redemption_id IN (SELECT id FROM vol_redemptions WHERE member_id IS NULL)")
    op.execute("DELETE FROM vol_redemptions WHERE member_id IS NULL")
    with op.batch_alter_table("vol_redemptions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_vol_redemptions_account_id_points_accounts"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_vol_redemptions_account_id"))
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("account_id")
    with op.batch_alter_table("points_accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_points_accounts_holder_phone")
        batch_op.drop_column("holder_phone")
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_role_grants_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_role_grants_role"), _roles(OLD_ROLES))
