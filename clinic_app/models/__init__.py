"""Every model, imported here so that Alembic and ``db.create_all`` see every table."""

from .office import Office, OpeningHours
from .outbox import OutboxMessage, OutboxStatus
from .question import PatientQuestion, QuestionStatus

__all__ = [
    "Office",
    "OpeningHours",
    "OutboxMessage",
    "OutboxStatus",
    "PatientQuestion",
    "QuestionStatus",
]
