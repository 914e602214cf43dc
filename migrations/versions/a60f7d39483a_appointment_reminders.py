"""Appointment reminders

Revision ID: a60f7d39483a
Revises: a920de79429a
Create Date: 2026-11-27 23:22:15.123778

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a60f7d39483a"
down_revision = "a920de79429a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reminder_token_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_appointment_reminder_token_hash"), ["reminder_token_hash"])


def downgrade():
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_appointment_reminder_token_hash"), type_="unique")
        batch_op.drop_column("reminder_token_hash")
        batch_op.drop_column("reminder_sent_at")
