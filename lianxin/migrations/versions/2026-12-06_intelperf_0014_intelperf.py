"""intelperf: configuration stamps (process-wide caching of rules, calendar and categories, reloaded in every
process after an admin edit) and a partial index for the open supervised appeals (the leader's supervision list)

Revision ID: 0014_intelperf
Revises: 0013
Create Date: 2026-12-06 02:55:46.514052
"""
import secrets
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

import lianxin.db


revision = '0014_intelperf'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamps = op.create_table('config_stamps',
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('changed_at', lianxin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_config_stamps_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('jurisdiction_id', name=op.f('pk_config_stamps'))
    )
    now = datetime.now(timezone.utc)
    ids = op.get_bind().execute(sa.text("SELECT id FROM jurisdictions")).scalars().all()
    if ids:  # every existing jurisdiction caches from the start
        op.bulk_insert(stamps, [dict(jurisdiction_id=i, token=secrets.token_hex(16), changed_at=now) for i in ids])
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index('ix_appeals_supervised_open', ['jurisdiction_id', 'lead_unit_id'], unique=False, postgresql_where=sa.text("supervision_level > 0 AND status IN ('deferred', 'dispatched', 'in_progress', 'received', 'replied')"), sqlite_where=sa.text("supervision_level > 0 AND status IN ('deferred', 'dispatched', 'in_progress', 'received', 'replied')"))



def downgrade() -> None:
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index('ix_appeals_supervised_open', postgresql_where=sa.text("supervision_level > 0 AND status IN ('deferred', 'dispatched', 'in_progress', 'received', 'replied')"), sqlite_where=sa.text("supervision_level > 0 AND status IN ('deferred', 'dispatched', 'in_progress', 'received', 'replied')"))

    op.drop_table('config_stamps')
