"""微心愿: party organisations, members, 双报到, 先锋岗, wishes, claims (one active per wish), events, quotas

Revision ID: 0010_wishes
Revises: 0008_defects, 0009_residents
Create Date: 2026-12-04 18:13:37.450641
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_wishes'
down_revision = ('0008_defects', '0009_residents')  # also joins main's two heads
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('wish_quota_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.Enum('org', 'member', name='wish_quota_scope', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_wish_quota_rules_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wish_quota_rules')),
    sa.UniqueConstraint('jurisdiction_id', 'scope', 'year', name=op.f('uq_wish_quota_rules_jurisdiction_id'))
    )
    with op.batch_alter_table('wish_quota_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wish_quota_rules_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('wish_party_orgs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('committee', 'general_branch', 'branch', name='party_org_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('secretary_user_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_wish_party_orgs_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['parent_id'], ['wish_party_orgs.id'], name=op.f('fk_wish_party_orgs_parent_id_wish_party_orgs')),
    sa.ForeignKeyConstraint(['secretary_user_id'], ['users.id'], name=op.f('fk_wish_party_orgs_secretary_user_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_wish_party_orgs_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wish_party_orgs'))
    )
    with op.batch_alter_table('wish_party_orgs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wish_party_orgs_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wish_party_orgs_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wish_party_orgs_unit_id'), ['unit_id'], unique=False)

    op.create_table('wish_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('party_member', 'volunteer', name='member_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('resident_account_id', sa.Integer(), nullable=True),
    sa.Column('skills', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_wish_members_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['org_id'], ['wish_party_orgs.id'], name=op.f('fk_wish_members_org_id_wish_party_orgs')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_wish_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wish_members')),
    sa.UniqueConstraint('jurisdiction_id', 'phone', name=op.f('uq_wish_members_jurisdiction_id')),
    sa.UniqueConstraint('user_id', name=op.f('uq_wish_members_user_id'))
    )
    with op.batch_alter_table('wish_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wish_members_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wish_members_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wish_members_resident_account_id'), ['resident_account_id'], unique=False)

    op.create_table('wish_dual_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'declined', name='dual_report_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(member_id IS NULL) <> (org_id IS NULL)', name=op.f('ck_wish_dual_reports_one_reporter')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_wish_dual_reports_community_id_units')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_wish_dual_reports_decided_by_id_users')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_wish_dual_reports_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['member_id'], ['wish_members.id'], name=op.f('fk_wish_dual_reports_member_id_wish_members')),
    sa.ForeignKeyConstraint(['org_id'], ['wish_party_orgs.id'], name=op.f('fk_wish_dual_reports_org_id_wish_party_orgs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wish_dual_reports')),
    sa.UniqueConstraint('community_id', 'member_id', 'org_id', name=op.f('uq_wish_dual_reports_community_id'))
    )
    with op.batch_alter_table('wish_dual_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wish_dual_reports_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wish_dual_reports_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wish_dual_reports_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wish_dual_reports_org_id'), ['org_id'], unique=False)

    op.create_table('wish_pioneer_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('service', sa.String(length=200), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_wish_pioneer_posts_community_id_units')),
    sa.ForeignKeyConstraint(['grid_id'], ['units.id'], name=op.f('fk_wish_pioneer_posts_grid_id_units')),
    sa.ForeignKeyConstraint(['holder_id'], ['wish_members.id'], name=op.f('fk_wish_pioneer_posts_holder_id_wish_members')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_wish_pioneer_posts_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wish_pioneer_posts'))
    )
    with op.batch_alter_table('wish_pioneer_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wish_pioneer_posts_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wish_pioneer_posts_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wish_pioneer_posts_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('wishes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('collected', 'registered', 'published', 'claimed', 'in_progress', 'delivered', 'confirmed', 'closed', 'rejected', 'on_file', 'cancelled', name='wish_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('resident', 'grid_visit', 'box', 'return_visit', 'appeal', name='wish_source', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('source_appeal_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.Enum('company', 'goods', 'study', 'health', 'repair', 'employment', 'family', 'other', name='wish_category', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('resident_name', sa.String(length=64), nullable=True),
    sa.Column('resident_phone', sa.String(length=32), nullable=False),
    sa.Column('resident_address', sa.String(length=200), nullable=True),
    sa.Column('resident_account_id', sa.Integer(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('public_text', sa.Text(), nullable=True),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('tracking_token', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('triage_class', sa.Enum('individual', 'common', 'legacy', 'infeasible', name='wish_triage', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('promised_on', sa.Date(), nullable=True),
    sa.Column('claimed_member_id', sa.Integer(), nullable=True),
    sa.Column('claimed_org_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivery_note', sa.Text(), nullable=True),
    sa.Column('delivery_photos', sa.JSON(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_proxy', sa.Boolean(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claimed_member_id'], ['wish_members.id'], name=op.f('fk_wishes_claimed_member_id_wish_members')),
    sa.ForeignKeyConstraint(['claimed_org_id'], ['wish_party_orgs.id'], name=op.f('fk_wishes_claimed_org_id_wish_party_orgs')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_wishes_community_id_units')),
    sa.ForeignKeyConstraint(['grid_id'], ['units.id'], name=op.f('fk_wishes_grid_id_units')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_wishes_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['source_appeal_id'], ['appeals.id'], name=op.f('fk_wishes_source_appeal_id_appeals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wishes')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_wishes_idempotency_key')),
    sa.UniqueConstraint('tracking_token', name=op.f('uq_wishes_tracking_token'))
    )
    with op.batch_alter_table('wishes', schema=None) as batch_op:
        batch_op.create_index('ix_wishes_board', ['jurisdiction_id', 'status', 'community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wishes_claimed_member_id'), ['claimed_member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wishes_claimed_org_id'), ['claimed_org_id'], unique=False)
        batch_op.create_index('ix_wishes_community_status', ['community_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_wishes_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wishes_resident_account_id'), ['resident_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wishes_resident_phone'), ['resident_phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_wishes_source_appeal_id'), ['source_appeal_id'], unique=False)

    op.create_table('wish_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('wish_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('promised_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('active', 'cancelled', 'realised', name='wish_claim_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('realised_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_wish_claims_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['member_id'], ['wish_members.id'], name=op.f('fk_wish_claims_member_id_wish_members')),
    sa.ForeignKeyConstraint(['org_id'], ['wish_party_orgs.id'], name=op.f('fk_wish_claims_org_id_wish_party_orgs')),
    sa.ForeignKeyConstraint(['wish_id'], ['wishes.id'], name=op.f('fk_wish_claims_wish_id_wishes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wish_claims'))
    )
    with op.batch_alter_table('wish_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wish_claims_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index('ix_wish_claims_member_realised', ['member_id', 'status', 'realised_at'], unique=False)
        batch_op.create_index('ix_wish_claims_org_realised', ['org_id', 'status', 'realised_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_wish_claims_wish_id'), ['wish_id'], unique=False)
        batch_op.create_index('uq_wish_claims_active', ['wish_id'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('wish_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('wish_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=32), nullable=True),
    sa.Column('to_status', sa.String(length=32), nullable=True),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_member_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_member_id'], ['wish_members.id'], name=op.f('fk_wish_events_actor_member_id_wish_members')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_wish_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_wish_events_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['wish_id'], ['wishes.id'], name=op.f('fk_wish_events_wish_id_wishes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wish_events'))
    )
    with op.batch_alter_table('wish_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wish_events_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wish_events_wish_id'), ['wish_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('wish_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wish_events_wish_id'))
        batch_op.drop_index(batch_op.f('ix_wish_events_jurisdiction_id'))

    op.drop_table('wish_events')
    with op.batch_alter_table('wish_claims', schema=None) as batch_op:
        batch_op.drop_index('uq_wish_claims_active', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index(batch_op.f('ix_wish_claims_wish_id'))
        batch_op.drop_index('ix_wish_claims_org_realised')
        batch_op.drop_index('ix_wish_claims_member_realised')
        batch_op.drop_index(batch_op.f('ix_wish_claims_jurisdiction_id'))

    op.drop_table('wish_claims')
    with op.batch_alter_table('wishes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wishes_source_appeal_id'))
        batch_op.drop_index(batch_op.f('ix_wishes_resident_phone'))
        batch_op.drop_index(batch_op.f('ix_wishes_resident_account_id'))
        batch_op.drop_index(batch_op.f('ix_wishes_jurisdiction_id'))
        batch_op.drop_index('ix_wishes_community_status')
        batch_op.drop_index(batch_op.f('ix_wishes_claimed_org_id'))
        batch_op.drop_index(batch_op.f('ix_wishes_claimed_member_id'))
        batch_op.drop_index('ix_wishes_board')

    op.drop_table('wishes')
    with op.batch_alter_table('wish_pioneer_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wish_pioneer_posts_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_wish_pioneer_posts_holder_id'))
        batch_op.drop_index(batch_op.f('ix_wish_pioneer_posts_community_id'))

    op.drop_table('wish_pioneer_posts')
    with op.batch_alter_table('wish_dual_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wish_dual_reports_org_id'))
        batch_op.drop_index(batch_op.f('ix_wish_dual_reports_member_id'))
        batch_op.drop_index(batch_op.f('ix_wish_dual_reports_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_wish_dual_reports_community_id'))

    op.drop_table('wish_dual_reports')
    with op.batch_alter_table('wish_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wish_members_resident_account_id'))
        batch_op.drop_index(batch_op.f('ix_wish_members_org_id'))
        batch_op.drop_index(batch_op.f('ix_wish_members_jurisdiction_id'))

    op.drop_table('wish_members')
    with op.batch_alter_table('wish_party_orgs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wish_party_orgs_unit_id'))
        batch_op.drop_index(batch_op.f('ix_wish_party_orgs_parent_id'))
        batch_op.drop_index(batch_op.f('ix_wish_party_orgs_jurisdiction_id'))

    op.drop_table('wish_party_orgs')
    with op.batch_alter_table('wish_quota_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wish_quota_rules_jurisdiction_id'))

    op.drop_table('wish_quota_rules')
