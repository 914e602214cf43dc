"""cache stamps: the versions of appointments, the calendar and the set-up that processes cache by

Revision ID: 45e7b23e8523
Revises: 27da0894d3b2
Create Date: 2026-12-04 21:00:01.090295

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "45e7b23e8523"
down_revision = "27da0894d3b2"
branch_labels = None
depends_on = None


def upgrade():
    stamp = op.create_table(
        "cache_stamp",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_stamp")),
    )
    # Random first versions (as clinic_app.models.cache_stamp.first_version), so that a process
    # that outlives its database never takes the new one's data for what it kept of the old one.
    op.bulk_insert(
        stamp, [{"name": name, "version": secrets.randbits(48)} for name in ("appointments", "calendar", "reference")]
    )


def downgrade():
    op.drop_table("cache_stamp")
