"""pledges: 办实事 commitment lists, items, targets, milestones, versions, joint meetings, 三评 ratings, events

Revision ID: 0010_pledges
Revises: 0008_defects, 0009_residents (also joins main's two heads)
Create Date: 2026-12-04 18:23:55.701314
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_pledges'
down_revision = ('0008_defects', '0009_residents')
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pledge_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('campaign', sa.String(length=100), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=True),
    sa.Column('party_org_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'approved', 'published', 'archived', name='pledge_list_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('pending_changes', sa.Boolean(), nullable=False),
    sa.Column('rating_weights', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pledge_lists_created_by_id_users')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_pledge_lists_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['units.id'], name=op.f('fk_pledge_lists_owner_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_lists'))
    )
    with op.batch_alter_table('pledge_lists', schema=None) as batch_op:
        batch_op.create_index('ix_pledge_lists_jurisdiction_year', ['jurisdiction_id', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_lists_owner_unit_id'), ['owner_unit_id'], unique=False)

    op.create_table('pledge_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=True),
    sa.Column('co_unit_ids', sa.JSON(), nullable=False),
    sa.Column('lead_official', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('start_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('budget_planned', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('budget_spent', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('fund_source', sa.String(length=200), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('planned', 'in_progress', 'delayed', 'suspended', 'completed', 'cancelled', name='pledge_item_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('ck_pledge_items_progress')),
    sa.CheckConstraint('weight >= 0', name=op.f('ck_pledge_items_weight')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_pledge_items_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['list_id'], ['pledge_lists.id'], name=op.f('fk_pledge_items_list_id_pledge_lists')),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['units.id'], name=op.f('fk_pledge_items_owner_unit_id_units')),
    sa.ForeignKeyConstraint(['parent_id'], ['pledge_items.id'], name=op.f('fk_pledge_items_parent_id_pledge_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_items')),
    sa.UniqueConstraint('list_id', 'external_id', name=op.f('uq_pledge_items_list_id'))
    )
    with op.batch_alter_table('pledge_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_items_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_items_list_id'), ['list_id'], unique=False)
        batch_op.create_index('ix_pledge_items_owner_status', ['owner_unit_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_items_parent_id'), ['parent_id'], unique=False)

    op.create_table('pledge_list_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_pledge_list_versions_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['list_id'], ['pledge_lists.id'], name=op.f('fk_pledge_list_versions_list_id_pledge_lists')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_pledge_list_versions_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_list_versions')),
    sa.UniqueConstraint('list_id', 'number', name=op.f('uq_pledge_list_versions_list_id'))
    )
    with op.batch_alter_table('pledge_list_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_list_versions_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_list_versions_list_id'), ['list_id'], unique=False)

    op.create_table('pledge_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('attendees', sa.JSON(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pledge_meetings_created_by_id_users')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_pledge_meetings_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['list_id'], ['pledge_lists.id'], name=op.f('fk_pledge_meetings_list_id_pledge_lists')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_pledge_meetings_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_meetings'))
    )
    with op.batch_alter_table('pledge_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_meetings_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_meetings_list_id'), ['list_id'], unique=False)

    op.create_table('pledge_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=32), nullable=True),
    sa.Column('to_status', sa.String(length=32), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_pledge_events_actor_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['pledge_items.id'], name=op.f('fk_pledge_events_item_id_pledge_items')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_pledge_events_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['list_id'], ['pledge_lists.id'], name=op.f('fk_pledge_events_list_id_pledge_lists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_events'))
    )
    with op.batch_alter_table('pledge_events', schema=None) as batch_op:
        batch_op.create_index('ix_pledge_events_item', ['item_id', 'id'], unique=False)
        batch_op.create_index('ix_pledge_events_list', ['list_id', 'id'], unique=False)

    op.create_table('pledge_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('dated', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pledge_milestones_created_by_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['pledge_items.id'], name=op.f('fk_pledge_milestones_item_id_pledge_items')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_pledge_milestones_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['meeting_id'], ['pledge_meetings.id'], name=op.f('fk_pledge_milestones_meeting_id_pledge_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_milestones'))
    )
    with op.batch_alter_table('pledge_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_milestones_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_milestones_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('pledge_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('self', 'public', 'review', name='pledge_rating_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('rater_key', sa.String(length=64), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('rater_user_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score >= 0 AND score <= 100', name=op.f('ck_pledge_ratings_score')),
    sa.ForeignKeyConstraint(['item_id'], ['pledge_items.id'], name=op.f('fk_pledge_ratings_item_id_pledge_items')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_pledge_ratings_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['rater_user_id'], ['users.id'], name=op.f('fk_pledge_ratings_rater_user_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_pledge_ratings_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_ratings')),
    sa.UniqueConstraint('item_id', 'kind', 'rater_key', name=op.f('uq_pledge_ratings_item_id'))
    )
    with op.batch_alter_table('pledge_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_ratings_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_ratings_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('pledge_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('baseline', sa.Float(), nullable=True),
    sa.Column('baseline_period', sa.String(length=50), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('actual', sa.Float(), nullable=True),
    sa.Column('measured_on', sa.Date(), nullable=True),
    sa.Column('method', sa.String(length=300), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['pledge_items.id'], name=op.f('fk_pledge_targets_item_id_pledge_items')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_pledge_targets_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_targets'))
    )
    with op.batch_alter_table('pledge_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_targets_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_targets_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('pledge_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('ticked', sa.Boolean(), nullable=False),
    sa.Column('completes', sa.Boolean(), nullable=False),
    sa.Column('follow_up', sa.Text(), nullable=False),
    sa.Column('follow_up_owner', sa.String(length=100), nullable=False),
    sa.Column('follow_up_due', sa.Date(), nullable=True),
    sa.Column('milestone_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['pledge_items.id'], name=op.f('fk_pledge_decisions_item_id_pledge_items')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_pledge_decisions_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['meeting_id'], ['pledge_meetings.id'], name=op.f('fk_pledge_decisions_meeting_id_pledge_meetings')),
    sa.ForeignKeyConstraint(['milestone_id'], ['pledge_milestones.id'], name=op.f('fk_pledge_decisions_milestone_id_pledge_milestones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_decisions'))
    )
    with op.batch_alter_table('pledge_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_decisions_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_decisions_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_decisions_meeting_id'), ['meeting_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('pledge_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_decisions_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_decisions_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_decisions_item_id'))

    op.drop_table('pledge_decisions')
    with op.batch_alter_table('pledge_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_targets_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_targets_item_id'))

    op.drop_table('pledge_targets')
    with op.batch_alter_table('pledge_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_ratings_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_ratings_item_id'))

    op.drop_table('pledge_ratings')
    with op.batch_alter_table('pledge_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_milestones_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_milestones_item_id'))

    op.drop_table('pledge_milestones')
    with op.batch_alter_table('pledge_events', schema=None) as batch_op:
        batch_op.drop_index('ix_pledge_events_list')
        batch_op.drop_index('ix_pledge_events_item')

    op.drop_table('pledge_events')
    with op.batch_alter_table('pledge_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_meetings_list_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_meetings_jurisdiction_id'))

    op.drop_table('pledge_meetings')
    with op.batch_alter_table('pledge_list_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_list_versions_list_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_list_versions_jurisdiction_id'))

    op.drop_table('pledge_list_versions')
    with op.batch_alter_table('pledge_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_items_parent_id'))
        batch_op.drop_index('ix_pledge_items_owner_status')
        batch_op.drop_index(batch_op.f('ix_pledge_items_list_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_items_jurisdiction_id'))

    op.drop_table('pledge_items')
    with op.batch_alter_table('pledge_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_lists_owner_unit_id'))
        batch_op.drop_index('ix_pledge_lists_jurisdiction_year')

    op.drop_table('pledge_lists')
