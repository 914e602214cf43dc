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
    """A question or appointment request sent to one office from the website."""

    __tablename__ = "patient_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str] = mapped_column(String(30), default="")
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=QuestionStatus.NEW)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    office: Mapped[Office] = relationship()

    def __repr__(self):
        return f"<PatientQuestion {self.id} {self.status}>"
