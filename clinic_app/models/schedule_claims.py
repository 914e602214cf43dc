"""When each periodic job of the workers runs next: claimed in the database, so with several
workers running a job runs once per period."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class ScheduledJob(db.Model):
    """A periodic job (the daily purge…): the first worker to move ``next_run_at`` on runs it."""

    __tablename__ = "scheduled_job"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
