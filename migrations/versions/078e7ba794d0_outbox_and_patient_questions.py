"""Outbox and patient questions

Revision ID: 078e7ba794d0
Revises: a8d10aa75db6
Create Date: 2026-11-27 22:56:47.865400

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "078e7ba794d0"
down_revision = "a8d10aa75db6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("reply_to", sa.String(length=320), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_message_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_topic"), ["topic"], unique=False)

    op.create_table(
        "patient_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"], name=op.f("fk_patient_question_office_id_office")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_question")),
    )
    with op.batch_alter_table("patient_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patient_question_office_id"), ["office_id"], unique=False)


def downgrade():
    with op.batch_alter_table("patient_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_question_office_id"))

    op.drop_table("patient_question")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_topic"))
        batch_op.drop_index("ix_outbox_message_due")

    op.drop_table("outbox_message")
