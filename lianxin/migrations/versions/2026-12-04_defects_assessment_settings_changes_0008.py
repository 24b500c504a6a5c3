"""defects: the change log of the assessment settings (weights and supervision thresholds edited by admins)

Revision ID: 0008_defects
Revises: 0007
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

import lianxin.db


revision = '0008_defects'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assessment_settings_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', lianxin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_assessment_settings_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_assessment_settings_changes_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_settings_changes'))
    )
    with op.batch_alter_table('assessment_settings_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_settings_changes_jurisdiction_id'), ['jurisdiction_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('assessment_settings_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_settings_changes_jurisdiction_id'))
    op.drop_table('assessment_settings_changes')
