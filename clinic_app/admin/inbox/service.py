"""The front desk's inbox: patients' questions and the email outbox, narrowed to the user's offices.

Queries return only what the user may see (an admin sees everything, staff their offices'
questions and the emails about their offices' appointments and questions). Each change is one
transaction with an audit entry; the caller passes the acting user and ``now``.
"""

from sqlalchemy import String, cast, func, literal, select, update

from ...database import paginate, writing
from ...models import Appointment, OutboxMessage, OutboxStatus, PatientQuestion, QuestionStatus
from ..auth.access import audit, visible_office_ids
from ..bookings.queries import PER_PAGE

# The inbox's state filter: "" (the default) is everything not yet answered.
QUESTION_STATES = {
    "": (QuestionStatus.NEW, QuestionStatus.READ),
    QuestionStatus.NEW: (QuestionStatus.NEW,),
    QuestionStatus.READ: (QuestionStatus.READ,),
    QuestionStatus.ANSWERED: (QuestionStatus.ANSWERED,),
    "all": (QuestionStatus.NEW, QuestionStatus.READ, QuestionStatus.ANSWERED),
}
# The outbox's status filter: "" (the default) is everything not yet sent.
UNSENT = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED)
OUTBOX_STATES = {
    "": UNSENT,
    OutboxStatus.PENDING: (OutboxStatus.PENDING,),
    OutboxStatus.SENDING: (OutboxStatus.SENDING,),
    OutboxStatus.FAILED: (OutboxStatus.FAILED,),
    OutboxStatus.SENT: (OutboxStatus.SENT,),
    "all": (*UNSENT, OutboxStatus.SENT),
}
RETRYABLE = (OutboxStatus.PENDING, OutboxStatus.FAILED)
# Which audit action records each question status change.
QUESTION_ACTIONS = {
    QuestionStatus.READ: "question_read",
    QuestionStatus.ANSWERED: "question_answered",
    QuestionStatus.NEW: "question_unread",
}


class RetryRefused(Exception):
    """The email is being sent or was already sent, so there is nothing to retry."""


# Questions


def _visible_questions(session, user):
    query = select(PatientQuestion)
    if not user.is_admin:
        query = query.where(PatientQuestion.office_id.in_(visible_office_ids(session, user)))
    return query


def questions_page(session, user, state: str, page: int = 1, per_page: int = PER_PAGE):
    """The user's offices' questions in ``state`` (a ``QUESTION_STATES`` key), newest first.

    An unknown state is read as the default (not answered).
    """
    statuses = QUESTION_STATES.get(state, QUESTION_STATES[""])
    query = (
        _visible_questions(session, user)
        .where(PatientQuestion.status.in_(statuses))
        .order_by(PatientQuestion.created_at.desc(), PatientQuestion.id.desc())
    )
    return paginate(session, query, page, per_page)


def new_question_count(session, user) -> int:
    """How many of the user's offices' questions nobody has opened yet."""
    query = _visible_questions(session, user).where(PatientQuestion.status == QuestionStatus.NEW)
    return session.scalar(select(func.count()).select_from(query.subquery()))


def question_for(session, user, question_id) -> PatientQuestion | None:
    """The question if this user may see it, else None (the view answers 404 either way)."""
    question = session.get(PatientQuestion, question_id)
    if question is None or not (user.is_admin or question.office_id in visible_office_ids(session, user)):
        return None
    return question


def set_question_status(session, user, question, status: str) -> bool:
    """Move the question to ``status`` (new, read or answered) and audit it; one transaction.

    The audit actions are ``question_read``, ``question_answered`` and ``question_unread``, with
    ``question`` (its id) and ``status`` ([before, after]). Setting the status it already has
    changes and records nothing.

    :return: whether anything changed.
    :raise ValueError: for a status that does not exist.
    """
    if status not in QUESTION_ACTIONS:
        raise ValueError(f"unknown question status {status!r}")
    writing(session)  # opening a new question (a GET) marks it read
    before = question.status
    if before == status:
        return False
    question.status = status
    audit(session, user, QUESTION_ACTIONS[status], None, question=question.id, status=[before, status])
    session.commit()
    return True


# Outbox


def parse_topic(topic: str) -> tuple[str, int] | None:
    """``"appointment:12"`` → ``("appointment", 12)``; None for any other topic."""
    kind, _, number = (topic or "").partition(":")
    if kind in ("appointment", "question") and number.isdigit():
        return kind, int(number)
    return None


def _visible_outbox(session, user):
    """Every email for an admin; for staff only those about their offices' appointments and questions."""
    query = select(OutboxMessage)
    if user.is_admin:
        return query
    office_ids = visible_office_ids(session, user)
    appointment_topics = select(literal("appointment:").concat(cast(Appointment.id, String))).where(
        Appointment.office_id.in_(office_ids)
    )
    question_topics = select(literal("question:").concat(cast(PatientQuestion.id, String))).where(
        PatientQuestion.office_id.in_(office_ids)
    )
    return query.where(OutboxMessage.topic.in_(appointment_topics.union(question_topics)))


def outbox_page(session, user, status: str, page: int = 1, per_page: int = PER_PAGE):
    """The emails the user may see in ``status`` (an ``OUTBOX_STATES`` key), newest first.

    An unknown status is read as the default (not yet sent).
    """
    statuses = OUTBOX_STATES.get(status, OUTBOX_STATES[""])
    query = (
        _visible_outbox(session, user)
        .where(OutboxMessage.status.in_(statuses))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    )
    return paginate(session, query, page, per_page)


def failed_email_count(session, user) -> int:
    """How many emails the user may see have failed for good."""
    query = _visible_outbox(session, user).where(OutboxMessage.status == OutboxStatus.FAILED)
    return session.scalar(select(func.count()).select_from(query.subquery()))


def outbox_message_for(session, user, message_id) -> OutboxMessage | None:
    """The email if this user may see it, else None (the view answers 404 either way)."""
    return session.scalars(_visible_outbox(session, user).where(OutboxMessage.id == message_id)).one_or_none()


def retry_email(session, user, message, now, max_attempts: int) -> None:
    """Make a pending or failed email due now, so the next ``send_pending`` tries it; audited.

    A pending email keeps its attempt count (it only skips the rest of its backoff wait). A
    failed one gets exactly one more attempt: its count is set to ``max_attempts - 1`` (or kept,
    if lower because the limit was raised since), so one more failure marks it failed again and
    staff can retry once more later; the audit entry keeps the count from before. An email about
    an appointment is recorded in that appointment's history.

    The change is a conditional update (only from pending or failed), so a sender that claims
    the row at the same moment is never overridden and the email is never sent twice.

    :raise RetryRefused: the email is being sent right now or was already sent.
    """
    before_status, before_attempts = message.status, message.attempts
    if before_status not in RETRYABLE:
        raise RetryRefused(
            "This email was already sent."
            if before_status == OutboxStatus.SENT
            else "This email is being sent right now. Please reload the page in a moment."
        )
    attempts = min(before_attempts, max_attempts - 1) if before_status == OutboxStatus.FAILED else before_attempts
    changed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.status == before_status,
            OutboxMessage.attempts == before_attempts,
        )
        .values(status=OutboxStatus.PENDING, next_attempt_at=now, attempts=attempts)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        session.rollback()
        raise RetryRefused("This email is being sent right now. Please reload the page in a moment.")
    topic = parse_topic(message.topic)
    appointment = session.get(Appointment, topic[1]) if topic and topic[0] == "appointment" else None
    audit(
        session,
        user,
        "email_retry",
        appointment,
        email=message.id,
        kind=message.kind,
        email_status=[before_status, OutboxStatus.PENDING],
        attempts=[before_attempts, attempts],
    )
    session.commit()
