"""volunteers and points: service points, activities, sign-ups and their events, service records, the
爱心超市 (goods, redemptions, stock moves), volunteer profiles; the points ledger (accounts, versioned rules, entries)

Revision ID: 0012_volunteers
Revises: 0011
Create Date: 2026-12-05 11:32:31.839429
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_volunteers'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('points_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.Enum('hours', 'wish', 'visit', 'appeal', 'assessment', 'penalty', 'redemption', 'reversal', 'adjustment', name='points_rule_code', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('multipliers', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_points_rules_created_by_id_users')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_points_rules_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_rules')),
    sa.UniqueConstraint('jurisdiction_id', 'code', 'version', name=op.f('uq_points_rules_jurisdiction_id'))
    )
    with op.batch_alter_table('points_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_rules_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('vol_goods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('unit', sa.String(length=8), nullable=False),
    sa.Column('price_points', sa.Integer(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('price_points > 0', name=op.f('ck_vol_goods_price_positive')),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_vol_goods_stock_not_negative')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_vol_goods_community_id_units')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_vol_goods_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vol_goods')),
    sa.UniqueConstraint('community_id', 'name', name=op.f('uq_vol_goods_community_id'))
    )
    with op.batch_alter_table('vol_goods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vol_goods_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vol_goods_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('vol_service_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('opens_at', sa.Time(), nullable=False),
    sa.Column('closes_at', sa.Time(), nullable=False),
    sa.Column('open_on_rest_days', sa.Boolean(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_vol_service_points_community_id_units')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_vol_service_points_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vol_service_points'))
    )
    with op.batch_alter_table('vol_service_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vol_service_points_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vol_service_points_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('vol_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('slots', sa.Integer(), nullable=False),
    sa.Column('min_age', sa.Integer(), nullable=True),
    sa.Column('max_age', sa.Integer(), nullable=True),
    sa.Column('training', sa.String(length=32), nullable=True),
    sa.Column('status', sa.Enum('open', 'cancelled', 'closed', name='vol_activity_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_vol_activities_ends_after_start')),
    sa.CheckConstraint('slots > 0', name=op.f('ck_vol_activities_slots_positive')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_vol_activities_community_id_units')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_vol_activities_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['organiser_id'], ['users.id'], name=op.f('fk_vol_activities_organiser_id_users')),
    sa.ForeignKeyConstraint(['point_id'], ['vol_service_points.id'], name=op.f('fk_vol_activities_point_id_vol_service_points')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vol_activities'))
    )
    with op.batch_alter_table('vol_activities', schema=None) as batch_op:
        batch_op.create_index('ix_vol_activities_board', ['jurisdiction_id', 'status', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_vol_activities_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vol_activities_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vol_activities_point_id'), ['point_id'], unique=False)

    op.create_table('points_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.Enum('person', 'household', 'pool', 'market', name='points_account_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('balance', sa.Integer(), nullable=False),
    sa.Column('min_balance', sa.Integer(), nullable=True),
    sa.Column('max_balance', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('min_balance IS NULL OR balance >= min_balance', name=op.f('ck_points_accounts_within_min')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_points_accounts_community_id_units')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_points_accounts_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['member_id'], ['wish_members.id'], name=op.f('fk_points_accounts_member_id_wish_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_accounts')),
    sa.UniqueConstraint('jurisdiction_id', 'key', name=op.f('uq_points_accounts_jurisdiction_id')),
    sa.UniqueConstraint('member_id', name=op.f('uq_points_accounts_member_id'))
    )
    with op.batch_alter_table('points_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_accounts_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_points_accounts_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('vol_enrollments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('waitlisted', 'enrolled', 'checked_in', 'checked_out', 'confirmed', 'cancelled', 'absent', name='vol_enrollment_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('role', sa.Enum('volunteer', 'team_leader', 'manager', name='vol_role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('proxy_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('minutes IS NULL OR minutes >= 0', name=op.f('ck_vol_enrollments_minutes_not_negative')),
    sa.ForeignKeyConstraint(['activity_id'], ['vol_activities.id'], name=op.f('fk_vol_enrollments_activity_id_vol_activities')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_vol_enrollments_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['member_id'], ['wish_members.id'], name=op.f('fk_vol_enrollments_member_id_wish_members')),
    sa.ForeignKeyConstraint(['proxy_by_id'], ['users.id'], name=op.f('fk_vol_enrollments_proxy_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vol_enrollments'))
    )
    with op.batch_alter_table('vol_enrollments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vol_enrollments_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vol_enrollments_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vol_enrollments_member_id'), ['member_id'], unique=False)
        batch_op.create_index('uq_vol_enrollments_live', ['activity_id', 'member_id'], unique=True, sqlite_where=sa.text("status <> 'cancelled'"), postgresql_where=sa.text("status <> 'cancelled'"))

    op.create_table('vol_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('training', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_vol_profiles_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['member_id'], ['wish_members.id'], name=op.f('fk_vol_profiles_member_id_wish_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vol_profiles')),
    sa.UniqueConstraint('member_id', name=op.f('uq_vol_profiles_member_id'))
    )
    with op.batch_alter_table('vol_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vol_profiles_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('points_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('from_account_id', sa.Integer(), nullable=False),
    sa.Column('to_account_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('hours', 'wish', 'visit', 'appeal', 'assessment', 'penalty', 'redemption', 'reversal', 'adjustment', name='points_entry_reason', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('ref_type', sa.String(length=32), nullable=True),
    sa.Column('ref_id', sa.Integer(), nullable=True),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('rule_version', sa.Integer(), nullable=True),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_points_entries_positive')),
    sa.CheckConstraint('from_account_id <> to_account_id', name=op.f('ck_points_entries_two_accounts')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_points_entries_actor_user_id_users')),
    sa.ForeignKeyConstraint(['from_account_id'], ['points_accounts.id'], name=op.f('fk_points_entries_from_account_id_points_accounts')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_points_entries_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['reverses_id'], ['points_entries.id'], name=op.f('fk_points_entries_reverses_id_points_entries')),
    sa.ForeignKeyConstraint(['rule_id'], ['points_rules.id'], name=op.f('fk_points_entries_rule_id_points_rules')),
    sa.ForeignKeyConstraint(['to_account_id'], ['points_accounts.id'], name=op.f('fk_points_entries_to_account_id_points_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_entries')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_points_entries_reverses_id'))
    )
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_entries_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_points_entries_from_account_id'), ['from_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_points_entries_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_points_entries_to_account_id'), ['to_account_id'], unique=False)
        batch_op.create_index('uq_points_entries_ref', ['jurisdiction_id', 'reason', 'ref_type', 'ref_id'], unique=True, sqlite_where=sa.text('ref_id IS NOT NULL AND reverses_id IS NULL'), postgresql_where=sa.text('ref_id IS NOT NULL AND reverses_id IS NULL'))

    op.create_table('vol_enrollment_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=32), nullable=True),
    sa.Column('to_status', sa.String(length=32), nullable=True),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_vol_enrollment_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['vol_enrollments.id'], name=op.f('fk_vol_enrollment_events_enrollment_id_vol_enrollments')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_vol_enrollment_events_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vol_enrollment_events'))
    )
    with op.batch_alter_table('vol_enrollment_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vol_enrollment_events_enrollment_id'), ['enrollment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vol_enrollment_events_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('vol_service_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('served_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('training', sa.String(length=200), nullable=False),
    sa.Column('evaluation', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorder_unit', sa.String(length=100), nullable=False),
    sa.Column('certificate_no', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['vol_activities.id'], name=op.f('fk_vol_service_records_activity_id_vol_activities')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['vol_enrollments.id'], name=op.f('fk_vol_service_records_enrollment_id_vol_enrollments')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_vol_service_records_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['member_id'], ['wish_members.id'], name=op.f('fk_vol_service_records_member_id_wish_members')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_vol_service_records_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vol_service_records')),
    sa.UniqueConstraint('certificate_no', name=op.f('uq_vol_service_records_certificate_no')),
    sa.UniqueConstraint('enrollment_id', name=op.f('uq_vol_service_records_enrollment_id'))
    )
    with op.batch_alter_table('vol_service_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vol_service_records_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vol_service_records_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vol_service_records_member_id'), ['member_id'], unique=False)

    op.create_table('vol_redemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('receipt_no', sa.String(length=32), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_vol_redemptions_community_id_units')),
    sa.ForeignKeyConstraint(['entry_id'], ['points_entries.id'], name=op.f('fk_vol_redemptions_entry_id_points_entries')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_vol_redemptions_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['member_id'], ['wish_members.id'], name=op.f('fk_vol_redemptions_member_id_wish_members')),
    sa.ForeignKeyConstraint(['operator_id'], ['users.id'], name=op.f('fk_vol_redemptions_operator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vol_redemptions')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_vol_redemptions_entry_id')),
    sa.UniqueConstraint('receipt_no', name=op.f('uq_vol_redemptions_receipt_no'))
    )
    with op.batch_alter_table('vol_redemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vol_redemptions_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vol_redemptions_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vol_redemptions_member_id'), ['member_id'], unique=False)

    op.create_table('vol_stock_moves',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('good_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('donation', 'redemption', 'write_off', name='vol_move_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('donor_kind', sa.Enum('pairing_unit', 'enterprise', 'person', name='vol_donor_kind', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('donor_name', sa.String(length=100), nullable=True),
    sa.Column('redemption_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_vol_stock_moves_quantity_positive')),
    sa.ForeignKeyConstraint(['good_id'], ['vol_goods.id'], name=op.f('fk_vol_stock_moves_good_id_vol_goods')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_vol_stock_moves_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['operator_id'], ['users.id'], name=op.f('fk_vol_stock_moves_operator_id_users')),
    sa.ForeignKeyConstraint(['redemption_id'], ['vol_redemptions.id'], name=op.f('fk_vol_stock_moves_redemption_id_vol_redemptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vol_stock_moves'))
    )
    with op.batch_alter_table('vol_stock_moves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vol_stock_moves_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_vol_stock_moves_good_id'), ['good_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vol_stock_moves_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vol_stock_moves_redemption_id'), ['redemption_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('vol_stock_moves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vol_stock_moves_redemption_id'))
        batch_op.drop_index(batch_op.f('ix_vol_stock_moves_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_vol_stock_moves_good_id'))
        batch_op.drop_index(batch_op.f('ix_vol_stock_moves_created_at'))

    op.drop_table('vol_stock_moves')
    with op.batch_alter_table('vol_redemptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vol_redemptions_member_id'))
        batch_op.drop_index(batch_op.f('ix_vol_redemptions_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_vol_redemptions_community_id'))

    op.drop_table('vol_redemptions')
    with op.batch_alter_table('vol_service_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vol_service_records_member_id'))
        batch_op.drop_index(batch_op.f('ix_vol_service_records_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_vol_service_records_activity_id'))

    op.drop_table('vol_service_records')
    with op.batch_alter_table('vol_enrollment_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vol_enrollment_events_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_vol_enrollment_events_enrollment_id'))

    op.drop_table('vol_enrollment_events')
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_points_entries_ref', sqlite_where=sa.text('ref_id IS NOT NULL AND reverses_id IS NULL'), postgresql_where=sa.text('ref_id IS NOT NULL AND reverses_id IS NULL'))
        batch_op.drop_index(batch_op.f('ix_points_entries_to_account_id'))
        batch_op.drop_index(batch_op.f('ix_points_entries_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_points_entries_from_account_id'))
        batch_op.drop_index(batch_op.f('ix_points_entries_created_at'))

    op.drop_table('points_entries')
    with op.batch_alter_table('vol_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vol_profiles_jurisdiction_id'))

    op.drop_table('vol_profiles')
    with op.batch_alter_table('vol_enrollments', schema=None) as batch_op:
        batch_op.drop_index('uq_vol_enrollments_live', sqlite_where=sa.text("status <> 'cancelled'"), postgresql_where=sa.text("status <> 'cancelled'"))
        batch_op.drop_index(batch_op.f('ix_vol_enrollments_member_id'))
        batch_op.drop_index(batch_op.f('ix_vol_enrollments_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_vol_enrollments_activity_id'))

    op.drop_table('vol_enrollments')
    with op.batch_alter_table('points_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_accounts_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_points_accounts_community_id'))

    op.drop_table('points_accounts')
    with op.batch_alter_table('vol_activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vol_activities_point_id'))
        batch_op.drop_index(batch_op.f('ix_vol_activities_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_vol_activities_community_id'))
        batch_op.drop_index('ix_vol_activities_board')

    op.drop_table('vol_activities')
    with op.batch_alter_table('vol_service_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vol_service_points_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_vol_service_points_community_id'))

    op.drop_table('vol_service_points')
    with op.batch_alter_table('vol_goods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vol_goods_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_vol_goods_community_id'))

    op.drop_table('vol_goods')
    with op.batch_alter_table('points_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_rules_jurisdiction_id'))

    op.drop_table('points_rules')
