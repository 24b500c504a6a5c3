"""svclog: service windows and per-window slots, queue tickets (walk-ins, rating links), ratings by window and
ticket, home visits (上门办), the hall's gazetteer place; logistics plan lower bounds and villages' "before" times.

Revision ID: 0014_svclog
Revises: 0013
Create Date: 2026-12-06 02:04:28.395563
"""

import sqlalchemy as sa
from alembic import op

import lianxin.db

revision = "0014_svclog"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "svc_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("item_ids", sa.JSON(), nullable=False),
        sa.Column("slot_capacity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", lianxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"], ["jurisdictions.id"], name=op.f("fk_svc_windows_jurisdiction_id_jurisdictions")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["svc_locations.id"], name=op.f("fk_svc_windows_location_id_svc_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_svc_windows")),
        sa.UniqueConstraint("location_id", "code", name=op.f("uq_svc_windows_location_id")),
    )
    with op.batch_alter_table("svc_windows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_svc_windows_jurisdiction_id"), ["jurisdiction_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_svc_windows_location_id"), ["location_id"], unique=False)

    op.create_table(
        "svc_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "waiting",
                "called",
                "served",
                "left",
                name="svc_ticket_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("issued_at", lianxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("called_at", lianxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", lianxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("served_by_id", sa.Integer(), nullable=True),
        sa.Column("rate_token", sa.String(length=48), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["svc_bookings.id"], name=op.f("fk_svc_tickets_booking_id_svc_bookings")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["svc_items.id"], name=op.f("fk_svc_tickets_item_id_svc_items")),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"], ["jurisdictions.id"], name=op.f("fk_svc_tickets_jurisdiction_id_jurisdictions")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["svc_locations.id"], name=op.f("fk_svc_tickets_location_id_svc_locations")
        ),
        sa.ForeignKeyConstraint(["served_by_id"], ["users.id"], name=op.f("fk_svc_tickets_served_by_id_users")),
        sa.ForeignKeyConstraint(["window_id"], ["svc_windows.id"], name=op.f("fk_svc_tickets_window_id_svc_windows")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_svc_tickets")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_svc_tickets_booking_id")),
        sa.UniqueConstraint("location_id", "day", "number", name=op.f("uq_svc_tickets_location_id")),
        sa.UniqueConstraint("rate_token", name=op.f("uq_svc_tickets_rate_token")),
    )
    with op.batch_alter_table("svc_tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_svc_tickets_jurisdiction_id"), ["jurisdiction_id"], unique=False)
        batch_op.create_index("ix_svc_tickets_queue", ["location_id", "day", "status"], unique=False)

    with op.batch_alter_table("lg_plan_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lower_bound", sa.Float(), nullable=True))

    with op.batch_alter_table("lg_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("before_hours", sa.Float(), nullable=True))

    with op.batch_alter_table("svc_applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visit_address", sa.String(length=300), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("visit_at", lianxin.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("svc_evaluations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("window_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_svc_evaluations_window_id"), ["window_id"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_svc_evaluations_ticket_id"), ["ticket_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_svc_evaluations_ticket_id_svc_tickets"), "svc_tickets", ["ticket_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_svc_evaluations_window_id_svc_windows"), "svc_windows", ["window_id"], ["id"]
        )

    with op.batch_alter_table("svc_locations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_svc_locations_place_id_places"), "places", ["place_id"], ["id"])

    with op.batch_alter_table("svc_slots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("window_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("lane", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_constraint(batch_op.f("uq_svc_slots_location_id"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_svc_slots_location_id"), ["location_id", "lane", "starts_at"])
        batch_op.create_foreign_key(
            batch_op.f("fk_svc_slots_window_id_svc_windows"), "svc_windows", ["window_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("svc_slots", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_svc_slots_window_id_svc_windows"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_svc_slots_location_id"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_svc_slots_location_id"), ["location_id", "starts_at"])
        batch_op.drop_column("lane")
        batch_op.drop_column("window_id")

    with op.batch_alter_table("svc_locations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_svc_locations_place_id_places"), type_="foreignkey")
        batch_op.drop_column("place_id")

    with op.batch_alter_table("svc_evaluations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_svc_evaluations_window_id_svc_windows"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_svc_evaluations_ticket_id_svc_tickets"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_svc_evaluations_ticket_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_svc_evaluations_window_id"))
        batch_op.drop_column("window_id")
        batch_op.drop_column("ticket_id")

    with op.batch_alter_table("svc_applications", schema=None) as batch_op:
        batch_op.drop_column("visit_at")
        batch_op.drop_column("visit_address")

    with op.batch_alter_table("lg_points", schema=None) as batch_op:
        batch_op.drop_column("before_hours")

    with op.batch_alter_table("lg_plan_runs", schema=None) as batch_op:
        batch_op.drop_column("lower_bound")

    with op.batch_alter_table("svc_tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_svc_tickets_queue")
        batch_op.drop_index(batch_op.f("ix_svc_tickets_jurisdiction_id"))

    op.drop_table("svc_tickets")
    with op.batch_alter_table("svc_windows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_svc_windows_location_id"))
        batch_op.drop_index(batch_op.f("ix_svc_windows_jurisdiction_id"))

    op.drop_table("svc_windows")
