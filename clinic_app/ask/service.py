"""Storing a patient's question and telling the chosen office, in one transaction."""

from ..models import PatientQuestion
from ..notify.messages import question_for_office, question_received
from ..notify.outbox import enqueue


def submit_question(session, office, *, name, email, phone, message) -> PatientQuestion:
    """Save the question and queue the office's email and the patient's acknowledgement; all are
    committed together or not at all."""
    question = PatientQuestion(office=office, name=name, email=email, phone=phone or "", message=message)
    session.add(question)
    session.flush()  # the email refers to the question's number
    enqueue(session, question_for_office(question, office))
    enqueue(session, question_received(question, office))
    session.commit()
    return question
