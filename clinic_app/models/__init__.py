"""Every model, imported here so that Alembic and ``db.create_all`` see every table."""

from .office import Office, OpeningHours

__all__ = ["Office", "OpeningHours"]
