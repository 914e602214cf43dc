"""Questions patients send through "Ask us a question"."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from .office import Office
from .types import UTCDateTime


class QuestionStatus:
    """Where a question is in the front desk's inbox."""

    NEW = "new"
    READ = "read"
    ANSWERED = "answered"


class PatientQuestion(db.Model):
    """A question or appointment request sent to one office from the website, or a request to be
    called back (``kind`` "callback": a name, a phone number and the best time to call)."""

    QUESTION, CALLBACK = "question", "callback"
    BEST_TIMES = {
        "morning": "In the morning (8 AM–12 PM)",
        "afternoon": "In the afternoon (12–5 PM)",
        "any": "Any time",
    }

    __tablename__ = "patient_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(320), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(10), default="question", server_default="question")
    best_time: Mapped[str] = mapped_column(String(10), default="", server_default="")
    status: Mapped[str] = mapped_column(String(10), default=QuestionStatus.NEW)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    office: Mapped[Office] = relationship()

    @property
    def is_callback(self) -> bool:
        return self.kind == self.CALLBACK

    @property
    def best_time_label(self) -> str:
        """best in the morning / best in the afternoon / any time."""
        return {"morning": "best in the morning", "afternoon": "best in the afternoon"}.get(self.best_time, "any time")

    def __repr__(self):
        return f"<PatientQuestion {self.id} {self.status}>"
