"""pledges2: 办实事 status vocabulary, item links (appeals, hotspots, topics, wishes), project library (项目库), decisions that create items, ratings turned into appeals

Revision ID: 0012_pledges2
Revises: 0011
Create Date: 2026-12-05 11:33:09.896160
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_pledges2'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pledge_statuses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('base', sa.Enum('planned', 'in_progress', 'delayed', 'suspended', 'completed', 'cancelled', name='pledge_status_base', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=50), nullable=False),
    sa.Column('name_en', sa.String(length=50), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('default_progress', sa.Integer(), nullable=True),
    sa.Column('colour', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('default_progress IS NULL OR (default_progress >= 0 AND default_progress <= 100)', name=op.f('ck_pledge_statuses_pct')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_pledge_statuses_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_statuses')),
    sa.UniqueConstraint('jurisdiction_id', 'key', name=op.f('uq_pledge_statuses_jurisdiction_id'))
    )
    op.create_table('pledge_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('origin', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pledge_links_created_by_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['pledge_items.id'], name=op.f('fk_pledge_links_item_id_pledge_items')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_pledge_links_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_links')),
    sa.UniqueConstraint('item_id', 'kind', 'target_id', name=op.f('uq_pledge_links_item_id'))
    )
    with op.batch_alter_table('pledge_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_links_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_pledge_links_target', ['kind', 'target_id'], unique=False)

    op.create_table('pledge_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('project_type', sa.String(length=50), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('funds', sa.JSON(), nullable=False),
    sa.Column('funds_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_note', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pledge_projects_created_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_pledge_projects_decided_by_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['pledge_items.id'], name=op.f('fk_pledge_projects_item_id_pledge_items')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_pledge_projects_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_pledge_projects_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_projects'))
    )
    with op.batch_alter_table('pledge_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_projects_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index('ix_pledge_projects_unit_year', ['unit_id', 'year'], unique=False)

    with op.batch_alter_table('pledge_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_item_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_pledge_decisions_created_item_id_pledge_items'), 'pledge_items', ['created_item_id'], ['id'])

    with op.batch_alter_table('pledge_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_key', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_pledge_items_list_status_due', ['list_id', 'status', 'due_on'], unique=False)

    with op.batch_alter_table('pledge_list_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest', sa.String(length=64), nullable=True))

    with op.batch_alter_table('pledge_milestones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photos', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('pledge_targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=False, server_default='{}'))

    with op.batch_alter_table('pledge_ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appeal_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_pledge_ratings_appeal_id_appeals'), 'appeals', ['appeal_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('pledge_ratings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_pledge_ratings_appeal_id_appeals'), type_='foreignkey')
        batch_op.drop_column('appeal_id')

    with op.batch_alter_table('pledge_targets', schema=None) as batch_op:
        batch_op.drop_column('params')

    with op.batch_alter_table('pledge_milestones', schema=None) as batch_op:
        batch_op.drop_column('photos')

    with op.batch_alter_table('pledge_list_versions', schema=None) as batch_op:
        batch_op.drop_column('digest')

    with op.batch_alter_table('pledge_items', schema=None) as batch_op:
        batch_op.drop_index('ix_pledge_items_list_status_due')
        batch_op.drop_column('status_key')

    with op.batch_alter_table('pledge_decisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_pledge_decisions_created_item_id_pledge_items'), type_='foreignkey')
        batch_op.drop_column('created_item_id')

    with op.batch_alter_table('pledge_projects', schema=None) as batch_op:
        batch_op.drop_index('ix_pledge_projects_unit_year')
        batch_op.drop_index(batch_op.f('ix_pledge_projects_jurisdiction_id'))

    op.drop_table('pledge_projects')
    with op.batch_alter_table('pledge_links', schema=None) as batch_op:
        batch_op.drop_index('ix_pledge_links_target')
        batch_op.drop_index(batch_op.f('ix_pledge_links_item_id'))

    op.drop_table('pledge_links')
    op.drop_table('pledge_statuses')
