"""dispatch geo knowledge

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22 11:25:50.374838
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dispatch_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('area_unit_id', sa.Integer(), nullable=True),
    sa.Column('lead_kind', sa.Enum('fixed', 'local', name='lead_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('lead_unit_id', sa.Integer(), nullable=True),
    sa.Column('co_unit_ids', sa.JSON(), nullable=False),
    sa.Column('inform_unit_ids', sa.JSON(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_unit_id'], ['units.id'], name=op.f('fk_dispatch_rules_area_unit_id_units')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_dispatch_rules_category_id_categories')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_dispatch_rules_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['lead_unit_id'], ['units.id'], name=op.f('fk_dispatch_rules_lead_unit_id_units')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_dispatch_rules_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_rules'))
    )
    with op.batch_alter_table('dispatch_rules', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_rules_jurisdiction_active', ['jurisdiction_id', 'active'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_rules_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('kb_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=300), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('use_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_kb_entries_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['units.id'], name=op.f('fk_kb_entries_owner_unit_id_units')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_kb_entries_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_entries'))
    )
    with op.batch_alter_table('kb_entries', schema=None) as batch_op:
        batch_op.create_index('ix_kb_entries_jurisdiction_updated', ['jurisdiction_id', 'updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_entries_owner_unit_id'), ['owner_unit_id'], unique=False)

    op.create_table('places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('street', 'community', 'road', 'compound', 'village', 'landmark', name='place_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_places_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_places_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_places')),
    sa.UniqueConstraint('jurisdiction_id', 'name', 'unit_id', name=op.f('uq_places_jurisdiction_id'))
    )
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_places_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('unit_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('geometry', sa.JSON(), nullable=False),
    sa.Column('min_lat', sa.Float(), nullable=False),
    sa.Column('max_lat', sa.Float(), nullable=False),
    sa.Column('min_lng', sa.Float(), nullable=False),
    sa.Column('max_lng', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_unit_areas_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_areas_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_areas')),
    sa.UniqueConstraint('unit_id', name=op.f('uq_unit_areas_unit_id'))
    )
    with op.batch_alter_table('unit_areas', schema=None) as batch_op:
        batch_op.create_index('ix_unit_areas_bbox', ['jurisdiction_id', 'min_lat', 'max_lat'], unique=False)

    op.create_table('appeal_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=32), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_appeal_terms_appeal_id_appeals')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_appeal_terms_community_id_units')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_appeal_terms_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_terms'))
    )
    with op.batch_alter_table('appeal_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_terms_appeal_id'), ['appeal_id'], unique=False)
        batch_op.create_index('ix_appeal_terms_place', ['community_id', 'term', 'received_at', 'appeal_id'], unique=False)
        batch_op.create_index('ix_appeal_terms_term', ['jurisdiction_id', 'term', 'received_at', 'appeal_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('appeal_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_appeal_terms_term')
        batch_op.drop_index('ix_appeal_terms_place')
        batch_op.drop_index(batch_op.f('ix_appeal_terms_appeal_id'))

    op.drop_table('appeal_terms')
    with op.batch_alter_table('unit_areas', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_areas_bbox')

    op.drop_table('unit_areas')
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_places_jurisdiction_id'))

    op.drop_table('places')
    with op.batch_alter_table('kb_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_entries_owner_unit_id'))
        batch_op.drop_index('ix_kb_entries_jurisdiction_updated')

    op.drop_table('kb_entries')
    with op.batch_alter_table('dispatch_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_rules_jurisdiction_id'))
        batch_op.drop_index('ix_dispatch_rules_jurisdiction_active')

    op.drop_table('dispatch_rules')
