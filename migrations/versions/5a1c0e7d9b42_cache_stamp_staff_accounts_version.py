"""cache stamp: a version of the back-office accounts (each process keeps the signed-in users)

Revision ID: 5a1c0e7d9b42
Revises: cf78cc58892d
Create Date: 2026-12-05 00:15:00.000000

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5a1c0e7d9b42"
down_revision = "cf78cc58892d"
branch_labels = None
depends_on = None

stamp = sa.table("cache_stamp", sa.column("name", sa.String), sa.column("version", sa.BigInteger))


def upgrade():
    # A random first version (as clinic_app.models.cache_stamp.first_version).
    op.bulk_insert(stamp, [{"name": "staff", "version": secrets.randbits(48)}])


def downgrade():
    op.execute(stamp.delete().where(stamp.c.name == "staff"))
