"""Booking: providers, visit types, hours, closures, appointments, drafts

Revision ID: a920de79429a
Revises: 078e7ba794d0
Create Date: 2026-11-27 23:09:52.907656

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a920de79429a"
down_revision = "078e7ba794d0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "provider",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("credentials", sa.String(length=60), nullable=False),
        sa.Column("specialty", sa.String(length=120), nullable=False),
        sa.Column("offers_telehealth", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider")),
        sa.UniqueConstraint("slug", name=op.f("uq_provider_slug")),
    )
    op.create_table(
        "visit_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("buffer_minutes", sa.Integer(), nullable=False),
        sa.Column("is_telehealth", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "buffer_minutes >= 0 AND buffer_minutes % 15 = 0", name=op.f("ck_visit_type_buffer_on_grid")
        ),
        sa.CheckConstraint(
            "duration_minutes > 0 AND duration_minutes % 15 = 0", name=op.f("ck_visit_type_duration_on_grid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_type")),
        sa.UniqueConstraint("slug", name=op.f("uq_visit_type_slug")),
    )
    op.create_table(
        "appointment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=8), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("visit_type_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("first_name", sa.String(length=80), nullable=False),
        sa.Column("last_name", sa.String(length=80), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("is_new_patient", sa.Boolean(), nullable=False),
        sa.Column("insurance", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("consent_to_contact", sa.Boolean(), nullable=False),
        sa.Column("screening", sa.JSON(), nullable=False),
        sa.Column("screening_outcome", sa.String(length=12), nullable=False),
        sa.Column("manage_token_hash", sa.String(length=64), nullable=False),
        sa.Column("booking_key", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancellation_reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"], name=op.f("fk_appointment_office_id_office")),
        sa.ForeignKeyConstraint(["provider_id"], ["provider.id"], name=op.f("fk_appointment_provider_id_provider")),
        sa.ForeignKeyConstraint(
            ["visit_type_id"], ["visit_type.id"], name=op.f("fk_appointment_visit_type_id_visit_type")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment")),
        sa.UniqueConstraint("booking_key", name=op.f("uq_appointment_booking_key")),
        sa.UniqueConstraint("manage_token_hash", name=op.f("uq_appointment_manage_token_hash")),
        sa.UniqueConstraint("reference", name=op.f("uq_appointment_reference")),
    )
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.create_index("ix_appointment_office_starts", ["office_id", "starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointment_provider_id"), ["provider_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointment_status"), ["status"], unique=False)

    op.create_table(
        "closure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "office_id IS NOT NULL OR provider_id IS NOT NULL", name=op.f("ck_closure_office_or_provider")
        ),
        sa.CheckConstraint("starts_on <= ends_on", name=op.f("ck_closure_starts_before_ends")),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_closure_office_id_office"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["provider.id"], name=op.f("fk_closure_provider_id_provider"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure")),
    )
    with op.batch_alter_table("closure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_closure_office_id"), ["office_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_closure_provider_id"), ["provider_id"], unique=False)

    op.create_table(
        "provider_office",
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_provider_office_office_id_office"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["provider.id"], name=op.f("fk_provider_office_provider_id_provider"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("provider_id", "office_id", name=op.f("pk_provider_office")),
    )
    op.create_table(
        "working_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts", sa.Time(), nullable=False),
        sa.Column("ends", sa.Time(), nullable=False),
        sa.CheckConstraint("starts < ends", name=op.f("ck_working_hours_starts_before_ends")),
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name=op.f("ck_working_hours_weekday_range")),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_working_hours_office_id_office"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["provider.id"], name=op.f("fk_working_hours_provider_id_provider"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_working_hours")),
        sa.UniqueConstraint(
            "provider_id",
            "office_id",
            "weekday",
            "starts",
            name=op.f("uq_working_hours_provider_id_office_id_weekday_starts"),
        ),
    )
    with op.batch_alter_table("working_hours", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_working_hours_office_id"), ["office_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_working_hours_provider_id"), ["provider_id"], unique=False)

    op.create_table(
        "booking_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("booking_key", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
            name=op.f("fk_booking_draft_appointment_id_appointment"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_draft")),
        sa.UniqueConstraint("booking_key", name=op.f("uq_booking_draft_booking_key")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_booking_draft_token_hash")),
    )
    with op.batch_alter_table("booking_draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_booking_draft_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "provider_time_block",
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
            name=op.f("fk_provider_time_block_appointment_id_appointment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["provider.id"], name=op.f("fk_provider_time_block_provider_id_provider")
        ),
        sa.PrimaryKeyConstraint("provider_id", "starts_at", name=op.f("pk_provider_time_block")),
    )
    with op.batch_alter_table("provider_time_block", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provider_time_block_appointment_id"), ["appointment_id"], unique=False)

    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.add_column(sa.Column("offers_telehealth", sa.Boolean(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.drop_column("offers_telehealth")

    with op.batch_alter_table("provider_time_block", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_time_block_appointment_id"))

    op.drop_table("provider_time_block")
    with op.batch_alter_table("booking_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_draft_expires_at"))

    op.drop_table("booking_draft")
    with op.batch_alter_table("working_hours", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_working_hours_provider_id"))
        batch_op.drop_index(batch_op.f("ix_working_hours_office_id"))

    op.drop_table("working_hours")
    op.drop_table("provider_office")
    with op.batch_alter_table("closure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_closure_provider_id"))
        batch_op.drop_index(batch_op.f("ix_closure_office_id"))

    op.drop_table("closure")
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_status"))
        batch_op.drop_index(batch_op.f("ix_appointment_provider_id"))
        batch_op.drop_index("ix_appointment_office_starts")

    op.drop_table("appointment")
    op.drop_table("visit_type")
    op.drop_table("provider")
