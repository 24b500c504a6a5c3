"""Resident accounts (by phone) and their one-time login codes (lianxin/residents/).

Revision ID: 0009_residents
Revises: 0008_ratelimit
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_residents'
down_revision = '0008_ratelimit'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('resident_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('real_name', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'],
                            name=op.f('fk_resident_accounts_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_accounts')),
    sa.UniqueConstraint('jurisdiction_id', 'phone', name=op.f('uq_resident_accounts_jurisdiction_id'))
    )
    with op.batch_alter_table('resident_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_accounts_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('resident_login_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'],
                            name=op.f('fk_resident_login_codes_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_login_codes'))
    )
    with op.batch_alter_table('resident_login_codes', schema=None) as batch_op:
        batch_op.create_index('ix_resident_login_codes_phone', ['jurisdiction_id', 'phone', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('resident_login_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_login_codes_phone')
    op.drop_table('resident_login_codes')
    with op.batch_alter_table('resident_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_accounts_jurisdiction_id'))
    op.drop_table('resident_accounts')
