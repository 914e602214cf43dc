"""Version numbers of data that processes keep computed results of (see ``clinic_app.stamps``)."""

import secrets

from sqlalchemy import BigInteger, String, event, insert
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

STAMP_NAMES = ("appointments", "calendar", "reference", "staff")


class CacheStamp(db.Model):
    """One row per kind of data; its version goes up in every transaction that changes it."""

    __tablename__ = "cache_stamp"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


@event.listens_for(CacheStamp.__table__, "after_create")
def _first_rows(table, connection, **_):
    """A database made by ``create_all`` (tests) gets the rows the migration inserts."""
    connection.execute(insert(table), [{"name": name, "version": first_version()} for name in STAMP_NAMES])


def first_version() -> int:
    """Versions start at a random number: a process that outlives its database (tests, a restore)
    never takes a new database's data for what it kept of the old one."""
    return secrets.randbits(48)
