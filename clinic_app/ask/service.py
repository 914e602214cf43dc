"""Storing a patient's question and telling the chosen office, in one transaction."""

from datetime import timedelta

from sqlalchemy import func, select

from ..models import PatientQuestion
from ..notify.messages import callback_for_office, question_for_office, question_received
from ..notify.outbox import enqueue

# An address gets at most this many "we received your question" emails a day, so the form cannot
# be used to send the clinic's email to a stranger over and over.
RECEIPTS_PER_DAY = 3


def _receipts_today(session, email: str, now) -> int:
    """Questions from this address in the last 24 hours, this one included."""
    return session.scalar(
        select(func.count())
        .select_from(PatientQuestion)
        .where(
            func.lower(PatientQuestion.email) == email.lower(),
            PatientQuestion.created_at > now - timedelta(days=1),
        )
    )


def submit_question(session, office, *, name, email, phone, message) -> PatientQuestion:
    """Save the question and queue the office's email and the patient's acknowledgement; all are
    committed together or not at all."""
    question = PatientQuestion(office=office, name=name, email=email, phone=phone or "", message=message)
    session.add(question)
    session.flush()  # the email refers to the question's number
    enqueue(session, question_for_office(question, office))
    if _receipts_today(session, email, question.created_at) <= RECEIPTS_PER_DAY:
        enqueue(session, question_received(question, office))
    session.commit()
    return question


def request_callback(session, office, *, name, phone, best_time) -> PatientQuestion:
    """Save a call-back request in the office's inbox and queue the office's email (which names
    no one: contact details stay behind the staff sign-in); committed together."""
    request = PatientQuestion(office=office, kind=PatientQuestion.CALLBACK, name=name, phone=phone, best_time=best_time)
    session.add(request)
    session.flush()
    enqueue(session, callback_for_office(request, office))
    session.commit()
    return request
