"""办实事 follow-ups (followers, due-date reminders, milestone documents, the joint meeting's schedule and
secretaries, follow-up actions, an indicator's direction) and proactive care's follow-ups (personal data
encrypted at rest with keyed hashes for lookup, an alarm's work order).

The care step encrypts the ID numbers and phones already stored (and decrypts them on the way down) with the
keys of the settings Alembic runs with.

Revision ID: 0014_pledcare
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0014_pledcare"
down_revision = "0013"
branch_labels = None
depends_on = None


def _keyring():
    from lianxin.config import get_settings
    from lianxin.crypto import keyring

    return keyring(context.config.attributes.get("settings") or get_settings())


PEOPLE = sa.table(
    "care_people",
    sa.column("id", sa.Integer),
    sa.column("id_number", sa.String),
    sa.column("id_hash", sa.String),
    sa.column("phone", sa.String),
    sa.column("phone_hash", sa.String),
)
CONTACTS = sa.table("care_contacts", sa.column("id", sa.Integer), sa.column("phone", sa.String))


def _encrypt_rows(conn, up: bool) -> None:
    ring = _keyring()

    def convert(value):
        if value is None:
            return None
        return ring.encrypt(value) if up else ring.decrypt(value)

    for row in conn.execute(sa.select(PEOPLE.c.id, PEOPLE.c.id_number, PEOPLE.c.phone)).all():
        values = {"id_number": convert(row.id_number), "phone": convert(row.phone)}
        if up:
            values["id_hash"] = None if row.id_number is None else ring.hash(row.id_number, "care-id")
            values["phone_hash"] = None if row.phone is None else ring.hash(row.phone, "care-phone")
        conn.execute(PEOPLE.update().where(PEOPLE.c.id == row.id).values(**values))
    for row in conn.execute(sa.select(CONTACTS.c.id, CONTACTS.c.phone)).all():
        conn.execute(CONTACTS.update().where(CONTACTS.c.id == row.id).values(phone=convert(row.phone)))


def upgrade() -> None:
    # --- pledges
    with op.batch_alter_table("pledge_lists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_weekday", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("meeting_time", sa.String(length=5), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("meeting_place", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("meeting_participants", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("secretary_ids", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("pledge_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_due_on", sa.Date(), nullable=True))
    with op.batch_alter_table("pledge_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("direction", sa.String(length=8), nullable=False, server_default="up"))
        batch_op.create_check_constraint(op.f("ck_pledge_targets_direction"), "direction IN ('up', 'down')")
    with op.batch_alter_table("pledge_milestones", schema=None) as batch_op:
        batch_op.add_column(sa.Column("documents", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("pledge_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("follow_up_done_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("follow_up_result", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "pledge_followers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["resident_accounts.id"], name=op.f("fk_pledge_followers_account_id_resident_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["pledge_items.id"], name=op.f("fk_pledge_followers_item_id_pledge_items")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"], ["jurisdictions.id"], name=op.f("fk_pledge_followers_jurisdiction_id_jurisdictions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge_followers")),
        sa.UniqueConstraint("item_id", "account_id", name=op.f("uq_pledge_followers_item_id")),
    )
    with op.batch_alter_table("pledge_followers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledge_followers_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pledge_followers_item_id"), ["item_id"], unique=False)

    # --- care: an alarm's work order
    with op.batch_alter_table("care_alarms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("appeal_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_care_alarms_appeal_id_appeals"), "appeals", ["appeal_id"], ["id"])

    # --- care: personal data encrypted at rest
    with op.batch_alter_table("care_people", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_care_people_jurisdiction_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_care_people_phone"))
        batch_op.alter_column("id_number", existing_type=sa.String(length=18), type_=sa.String(length=255))
        batch_op.alter_column("phone", existing_type=sa.String(length=32), type_=sa.String(length=255))
        batch_op.add_column(sa.Column("id_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("phone_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("care_contacts", schema=None) as batch_op:
        batch_op.alter_column("phone", existing_type=sa.String(length=32), type_=sa.String(length=255))
    _encrypt_rows(op.get_bind(), up=True)
    with op.batch_alter_table("care_people", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_care_people_jurisdiction_id"), ["jurisdiction_id", "id_hash"])
        batch_op.create_index(batch_op.f("ix_care_people_phone_hash"), ["phone_hash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("care_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_people_phone_hash"))
        batch_op.drop_constraint(batch_op.f("uq_care_people_jurisdiction_id"), type_="unique")
    _encrypt_rows(op.get_bind(), up=False)
    with op.batch_alter_table("care_contacts", schema=None) as batch_op:
        batch_op.alter_column("phone", existing_type=sa.String(length=255), type_=sa.String(length=32))
    with op.batch_alter_table("care_people", schema=None) as batch_op:
        batch_op.drop_column("phone_hash")
        batch_op.drop_column("id_hash")
        batch_op.alter_column("phone", existing_type=sa.String(length=255), type_=sa.String(length=32))
        batch_op.alter_column("id_number", existing_type=sa.String(length=255), type_=sa.String(length=18))
        batch_op.create_index(batch_op.f("ix_care_people_phone"), ["phone"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_care_people_jurisdiction_id"), ["jurisdiction_id", "id_number"]
        )
    with op.batch_alter_table("care_alarms", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_care_alarms_appeal_id_appeals"), type_="foreignkey")
        batch_op.drop_column("appeal_id")

    with op.batch_alter_table("pledge_followers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledge_followers_item_id"))
        batch_op.drop_index(batch_op.f("ix_pledge_followers_account_id"))
    op.drop_table("pledge_followers")
    with op.batch_alter_table("pledge_decisions", schema=None) as batch_op:
        batch_op.drop_column("follow_up_result")
        batch_op.drop_column("follow_up_done_on")
    with op.batch_alter_table("pledge_milestones", schema=None) as batch_op:
        batch_op.drop_column("documents")
    with op.batch_alter_table("pledge_targets", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_pledge_targets_direction"), type_="check")
        batch_op.drop_column("direction")
    with op.batch_alter_table("pledge_items", schema=None) as batch_op:
        batch_op.drop_column("reminded_due_on")
    with op.batch_alter_table("pledge_lists", schema=None) as batch_op:
        batch_op.drop_column("secretary_ids")
        batch_op.drop_column("meeting_participants")
        batch_op.drop_column("meeting_place")
        batch_op.drop_column("meeting_time")
        batch_op.drop_column("meeting_weekday")
