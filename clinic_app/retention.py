"""Retention purge: health information kept no longer than needed.

- Expired booking drafts are deleted.
- An appointment's patient details (name, birth date, contact, insurance, notes, screening
  answers, cancellation reason) and its staff notes are removed ``appointment_years`` after the
  visit (seven years: the common minimum for medical records), or ``cancelled_days`` after the
  time of a visit that was cancelled and never took place. The appointment itself stays (time,
  office, clinician, visit type, status, reference) for the practice's records and statistics.
- Patients' questions are deleted ``question_days`` after they were asked.
- Waitlist entries (with the patient's details) are deleted ``waitlist_days`` after they ended
  (booked, left, or past their last day), with their offers.
- Sent emails, after ``email_body_days``, lose what they said: subject (it names the patient's
  visit), bodies, attachments and reply-to; the row stays as delivery history (kind, topic,
  recipients, status, dates). Failed emails keep their content until staff retry or dismiss them.

Counts only are reported and logged, never what was removed.
"""

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from sqlalchemy import Text, and_, cast, delete, or_, select, update

from .booking.service import purge_expired_drafts
from .models import (
    Appointment,
    AppointmentNote,
    AppointmentStatus,
    OutboxMessage,
    OutboxStatus,
    PatientQuestion,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)

# What a cleared email holds: the emptiest values its columns accept (text_body and attachments
# are NOT NULL; html_body may be NULL).
CLEARED_TEXT_BODY = ""
CLEARED_ATTACHMENTS: list = []
CLEARED_SUBJECT = "(removed after the retention period)"
# What an appointment whose patient details were removed holds instead (the columns are NOT NULL).
REMOVED = {
    "first_name": "(removed)",
    "last_name": "",
    "date_of_birth": date(1900, 1, 1),
    "phone": "",
    "email": "",
    "insurance": "",
    "notes": "",
    "screening": {},
    "cancellation_reason": "",
}


@dataclass(frozen=True)
class RetentionPolicy:
    """How long data is kept, in whole days or years (see the module's description)."""

    email_body_days: int = 30
    appointment_years: int = 7
    cancelled_days: int = 365
    question_days: int = 365
    waitlist_days: int = 30

    def __post_init__(self):
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{field.name} must be a whole number")
            if value < 0:
                raise ValueError(f"{field.name} cannot be negative")
        if self.appointment_years < 1:
            raise ValueError("appointment_years must be at least 1 (patients' records are kept for years)")


@dataclass
class PurgeReport:
    """What one purge removed (counts only)."""

    drafts_deleted: int = 0
    email_bodies_cleared: int = 0
    appointments_anonymised: int = 0
    questions_deleted: int = 0
    waitlist_entries_deleted: int = 0

    def __str__(self) -> str:
        def count(number, one, many):
            return f"{number} {one if number == 1 else many}"

        return (
            f"retention purge: {count(self.drafts_deleted, 'expired booking draft', 'expired booking drafts')} "
            f"deleted, content of {count(self.email_bodies_cleared, 'sent email', 'sent emails')} cleared, "
            f"patient details of {count(self.appointments_anonymised, 'past appointment', 'past appointments')} "
            f"removed, {count(self.questions_deleted, 'question', 'questions')} deleted"
            + (
                f", {count(self.waitlist_entries_deleted, 'ended waitlist entry', 'ended waitlist entries')} deleted"
                if self.waitlist_entries_deleted
                else ""
            )
        )


def _not_yet_cleared():
    """True for a row that still holds some content (so a cleared row is never counted twice).

    ``attachments`` is compared as text: PostgreSQL's ``json`` type has no equality operator, and
    both databases give back the stored text, which SQLAlchemy writes as ``[]`` for an empty list.
    """
    return or_(
        OutboxMessage.subject != CLEARED_SUBJECT,
        OutboxMessage.text_body != CLEARED_TEXT_BODY,
        OutboxMessage.html_body.is_not(None),
        cast(OutboxMessage.attachments, Text) != "[]",
    )


def _expired_appointments(now: datetime, policy: RetentionPolicy):
    """Appointments past their keeping time whose patient details are still there."""
    long_ago = now - timedelta(days=round(365.25 * policy.appointment_years))
    never_seen = now - timedelta(days=policy.cancelled_days)
    return select(Appointment.id).where(
        Appointment.email != REMOVED["email"],
        or_(
            Appointment.ends_at < long_ago,
            and_(Appointment.status == AppointmentStatus.CANCELLED, Appointment.ends_at < never_seen),
        ),
    )


def purge(session, now: datetime, policy: RetentionPolicy = RetentionPolicy()) -> PurgeReport:
    """Remove what the policy no longer keeps (see the module's description).

    Everything happens in one transaction, committed here (rolled back if anything fails). Only
    emails with status ``sent`` and ``sent_at`` older than ``policy.email_body_days`` are cleared:
    pending, sending and failed emails keep their content, since they may still be delivered.
    ``now`` must be an aware datetime; the function never reads the clock.
    """
    cutoff = now - timedelta(days=policy.email_body_days)
    try:
        drafts = purge_expired_drafts(session, now)
        cleared = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.SENT,
                OutboxMessage.sent_at < cutoff,
                _not_yet_cleared(),
            )
            .values(
                subject=CLEARED_SUBJECT,
                text_body=CLEARED_TEXT_BODY,
                html_body=None,
                attachments=CLEARED_ATTACHMENTS,
                reply_to=None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        expired = list(session.scalars(_expired_appointments(now, policy)))
        if expired:
            session.execute(
                delete(AppointmentNote)
                .where(AppointmentNote.appointment_id.in_(expired))
                .execution_options(synchronize_session=False)
            )
            session.execute(
                update(Appointment)
                .where(Appointment.id.in_(expired))
                .values(**REMOVED)
                .execution_options(synchronize_session=False)
            )
        questions = session.execute(
            delete(PatientQuestion)
            .where(PatientQuestion.created_at < now - timedelta(days=policy.question_days))
            .execution_options(synchronize_session=False)
        ).rowcount
        ended_entries = list(
            session.scalars(
                select(WaitlistEntry.id).where(
                    WaitlistEntry.status != WaitlistStatus.WAITING,
                    WaitlistEntry.ended_at < now - timedelta(days=policy.waitlist_days),
                )
            )
        )
        if ended_entries:
            session.execute(
                delete(WaitlistOffer)
                .where(WaitlistOffer.entry_id.in_(ended_entries))
                .execution_options(synchronize_session=False)
            )
            session.execute(
                delete(WaitlistEntry)
                .where(WaitlistEntry.id.in_(ended_entries))
                .execution_options(synchronize_session=False)
            )
        session.commit()  # also expires loaded rows, so nobody reads the old values from the session
    except BaseException:
        session.rollback()
        raise
    return PurgeReport(
        drafts_deleted=drafts,
        email_bodies_cleared=cleared,
        appointments_anonymised=len(expired),
        questions_deleted=questions,
        waitlist_entries_deleted=len(ended_entries),
    )
