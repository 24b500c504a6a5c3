"""Personal-data audit log (personal_data_views) and the auditor role (审计员).

Revision ID: 0008_privacy
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0008_privacy"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD_ROLES = ("operator", "dispatcher", "handler", "grid_worker", "visitor", "leader", "admin")
NEW_ROLES = OLD_ROLES + ("auditor",)


def _roles(values: tuple[str, ...]) -> str:
    return "role IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table(
        "personal_data_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("interface", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["appeal_id"], ["appeals.id"], name=op.f("fk_personal_data_views_appeal_id_appeals")),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdictions.id"],
                                name=op.f("fk_personal_data_views_jurisdiction_id_jurisdictions")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_personal_data_views_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_views")),
    )
    with op.batch_alter_table("personal_data_views", schema=None) as batch_op:
        batch_op.create_index("ix_personal_data_views_jurisdiction_at", ["jurisdiction_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_personal_data_views_appeal_id"), ["appeal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_personal_data_views_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_role_grants_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_role_grants_role"), _roles(NEW_ROLES))


def downgrade() -> None:
    op.execute("DELETE FROM role_grants WHERE role = 'auditor'")
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_role_grants_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_role_grants_role"), _roles(OLD_ROLES))
    with op.batch_alter_table("personal_data_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_personal_data_views_user_id"))
        batch_op.drop_index(batch_op.f("ix_personal_data_views_appeal_id"))
        batch_op.drop_index("ix_personal_data_views_jurisdiction_at")
    op.drop_table("personal_data_views")
