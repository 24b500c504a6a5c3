"""hotspots and topics

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-22 11:46:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hotspot_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('appeal_count', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_hotspot_snapshots_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_hotspot_snapshots_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotspot_snapshots'))
    )
    with op.batch_alter_table('hotspot_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_hotspot_snapshots_scope', ['jurisdiction_id', 'unit_id', 'computed_at'], unique=False)

    op.create_table('hotspots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('heat', sa.Float(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('appeal_ids', sa.JSON(), nullable=False),
    sa.Column('stats', sa.JSON(), nullable=False),
    sa.Column('trend', sa.JSON(), nullable=False),
    sa.Column('points', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_hotspots_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['hotspot_snapshots.id'], name=op.f('fk_hotspots_snapshot_id_hotspot_snapshots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotspots'))
    )
    with op.batch_alter_table('hotspots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotspots_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotspots_snapshot_id'), ['snapshot_id'], unique=False)

    op.create_table('topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('status', sa.Enum('active', 'completed', 'cancelled', name='topic_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('source_hotspot_id', sa.Integer(), nullable=True),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('places', sa.JSON(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_topics_category_id_categories')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_topics_created_by_id_users')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_topics_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['units.id'], name=op.f('fk_topics_owner_unit_id_units')),
    sa.ForeignKeyConstraint(['source_hotspot_id'], ['hotspots.id'], name=op.f('fk_topics_source_hotspot_id_hotspots'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topics'))
    )
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.create_index('ix_topics_jurisdiction_month', ['jurisdiction_id', 'month'], unique=False)
        batch_op.create_index(batch_op.f('ix_topics_owner_unit_id'), ['owner_unit_id'], unique=False)

    op.create_table('topic_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('issued_at', sa.Date(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_topic_policies_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_topic_policies_topic_id_topics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_policies'))
    )
    with op.batch_alter_table('topic_policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_policies_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_topic_policies_topic_id'), ['topic_id'], unique=False)

    op.create_table('topic_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_topic_tasks_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['units.id'], name=op.f('fk_topic_tasks_owner_unit_id_units')),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_topic_tasks_topic_id_topics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_tasks'))
    )
    with op.batch_alter_table('topic_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_tasks_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_topic_tasks_owner_unit_id'), ['owner_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_topic_tasks_topic_id'), ['topic_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('topic_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_topic_tasks_topic_id'))
        batch_op.drop_index(batch_op.f('ix_topic_tasks_owner_unit_id'))
        batch_op.drop_index(batch_op.f('ix_topic_tasks_jurisdiction_id'))

    op.drop_table('topic_tasks')
    with op.batch_alter_table('topic_policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_topic_policies_topic_id'))
        batch_op.drop_index(batch_op.f('ix_topic_policies_jurisdiction_id'))

    op.drop_table('topic_policies')
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_topics_owner_unit_id'))
        batch_op.drop_index('ix_topics_jurisdiction_month')

    op.drop_table('topics')
    with op.batch_alter_table('hotspots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotspots_snapshot_id'))
        batch_op.drop_index(batch_op.f('ix_hotspots_jurisdiction_id'))

    op.drop_table('hotspots')
    with op.batch_alter_table('hotspot_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_hotspot_snapshots_scope')

    op.drop_table('hotspot_snapshots')
