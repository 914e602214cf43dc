"""After booking: the private link, cancelling, rescheduling, answering the questions again."""

import re
import secrets
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...models import (
    Appointment,
    AppointmentReminder,
    AppointmentStatus,
    AuditEntry,
)
from .. import questionnaires, screening
from ..freed_time import appointment_time_freed, visit_cancelled
from . import (
    BookingError,
    ScreeningFlagged,
    SlotTaken,
    lock_clear_time,
    token_hash,
)

# Who acted, in the audit log, for a change made through the manage link (as in admin.auth.access).
BY_PATIENT = "patient (manage link)"
BY_FIND_PAGE = "find my appointment page"
BY_PATIENT_FOUND = "patient (link from find my appointment)"
# How long the manage page opened by "Find my appointment" stays open without asking again.
LOOKUP_LIFETIME = timedelta(hours=1)


def record_patient_action(session, appointment, action: str, *, by: str = BY_PATIENT, **details) -> None:
    """An audit entry for a patient's change through the manage link (no staff user; never the
    patient's details, answers or reason); committed with the change."""
    session.add(AuditEntry(appointment_id=appointment.id, action=action, changes={"by": by, **details}))


def find_by_manage_token(session, raw: str, now: datetime) -> Appointment | None:
    """The appointment behind a manage link (from the confirmation or the reminder), or None when
    the link is wrong or the visit is over."""
    if not raw or len(raw) > 100:
        return None
    hashed = token_hash(raw)
    appointment = session.scalars(
        select(Appointment).where(
            (Appointment.manage_token_hash == hashed)
            | Appointment.id.in_(
                select(AppointmentReminder.appointment_id).where(AppointmentReminder.link_hash == hashed)
            )
            | ((Appointment.lookup_token_hash == hashed) & (Appointment.lookup_expires_at > now))
        )
    ).one_or_none()
    if appointment is None or appointment.ends_at <= now:
        return None
    return appointment


def is_lasting_link(appointment, raw: str) -> bool:
    """Whether ``raw`` is one of the appointment's lasting links (from the confirmation or the
    reminder), which may go into an email, rather than the hour-long one of "Find my appointment"."""
    hashed = token_hash(raw)
    return hashed == appointment.manage_token_hash or any(r.link_hash == hashed for r in appointment.reminders)


def clean_reference(typed: str) -> str:
    """A reference as typed ("ab3d-7kx9 ") in its stored form ("AB3D7KX9")."""
    return re.sub(r"[\s-]", "", typed or "").upper()


def open_by_reference(
    session, reference: str, date_of_birth: date, now: datetime, *, address: str, notify=None
) -> str | None:
    """For "Find my appointment": a new manage token, valid for an hour, for the visit (not yet over)
    with this reference and the patient's date of birth; None when they do not match one.
    ``notify(appointment, now)`` tells the patient, in the same commit.

    Every try is audited with the client's address, never what was typed: on the appointment when
    the reference exists (a wrong date of birth is what someone guessing would give), otherwise on
    no appointment (which also makes both refusals cost the same). The caller limits the tries.
    """
    appointment = session.scalars(select(Appointment).filter_by(reference=clean_reference(reference))).one_or_none()
    if appointment is None or appointment.ends_at <= now or appointment.date_of_birth != date_of_birth:
        known = appointment is not None and appointment.ends_at > now
        session.add(
            AuditEntry(
                appointment_id=appointment.id if known else None,
                action="patient.lookup_refused",
                changes={
                    "by": BY_FIND_PAGE,
                    "why": "wrong date of birth" if known else "no upcoming visit with that reference",
                    "address": address,
                },
            )
        )
        session.commit()
        return None
    raw = secrets.token_urlsafe(32)
    appointment.lookup_token_hash = token_hash(raw)
    appointment.lookup_expires_at = now + LOOKUP_LIFETIME
    session.add(
        AuditEntry(
            appointment_id=appointment.id, action="patient.found", changes={"by": BY_FIND_PAGE, "address": address}
        )
    )
    if notify is not None:
        notify(appointment, now)
    session.commit()
    return raw


def acting_patient(appointment, raw: str) -> str:
    """Who acted, for the audit log: the patient through a lasting link, or through the hour-long
    link that "Find my appointment" opened."""
    return BY_PATIENT if is_lasting_link(appointment, raw) else BY_PATIENT_FOUND


def can_change(appointment, now, cutoff: timedelta) -> bool:
    """Whether the patient may still cancel or reschedule online (active and before the cut-off)."""
    return appointment.is_active and appointment.starts_at - cutoff > now


def cancel_appointment(session, appointment, *, now, reason="", notify=None):
    """Cancel and free the time at once; ``notify(appointment)`` queues the emails in the same commit.
    Once only: the appointment is read again under a lock, so a second submission (a double
    click, another tab, the desk at the same moment) finds it cancelled and changes nothing."""
    session.rollback()
    appointment = session.get(Appointment, appointment.id, populate_existing=True, with_for_update=True)
    if not appointment.is_active:
        session.rollback()
        return appointment
    appointment_time_freed(session, appointment, now)  # for the waitlist
    visit_cancelled(session, appointment.id, now)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = now
    appointment.cancellation_reason = reason[:300]
    appointment.sequence += 1
    appointment.updated_at = now
    appointment.blocks = []
    if notify is not None:
        notify(appointment)
    session.commit()
    return appointment


def reschedule_appointment(session, appointment, *, slot, answers, acknowledged, now, notify=None, by=BY_PATIENT):
    """Move an appointment to a new free slot, screening answered again, in one transaction. The
    new answers join the screening history (nothing earlier is replaced, a flag stays).

    :raise SlotTaken: the new time was taken meanwhile; nothing changed.
    :raise ScreeningFlagged: the new screening has a "yes".
    :raise BookingError: the screening is incomplete, or the appointment was cancelled meanwhile.
    """
    answers_record = None
    if not appointment.visit_type.is_telehealth:
        answers_record = screening.answers_record(answers, acknowledged, questionnaires.current(session, now))
    if answers_record is not None and answers_record["outcome"] == screening.Outcome.FLAGGED:
        raise ScreeningFlagged("A screening answer was yes.")
    if answers_record is not None and answers_record["outcome"] == screening.Outcome.INCOMPLETE:
        raise BookingError(_("Please answer every screening question."))

    def record(moved):
        if answers_record is not None:
            add_screening(moved, answers_record, now, asked="reschedule")
        record_patient_action(session, moved, "patient.rescheduled", by=by)

    return move_appointment(session, appointment, slot=slot, now=now, before_commit=record, notify=notify)


def move_appointment(session, appointment, *, slot, now, before_commit=None, notify=None):
    """Give the appointment the slot's time and clinician in one transaction (the patient's
    reschedule and the desk's move): its old time is let go, the new one held, the calendar
    SEQUENCE raised and the reminder due again; ``before_commit(appointment)`` (the audit) and
    ``notify(appointment)`` (the emails) in the same commit.

    :raise SlotTaken: the new time was taken meanwhile; nothing changed.
    :raise BookingError: the appointment was cancelled meanwhile.
    """
    session.rollback()
    appointment = session.get(Appointment, appointment.id, populate_existing=True)
    if not appointment.is_active:  # cancelled meanwhile (by staff, or in another tab)
        session.rollback()
        raise BookingError(_("This appointment was cancelled, so it cannot be moved."))
    if not lock_clear_time(
        session,
        office=appointment.office,
        provider=slot.provider,
        visit_type=appointment.visit_type,
        starts_at=slot.starts_at,
    ):
        session.rollback()
        raise SlotTaken(_("That time was just taken — please choose another."))
    appointment_time_freed(session, appointment, now)  # for the waitlist
    appointment.blocks = []
    session.flush()  # the old time is let go first: the new one may overlap it
    appointment.hold_time(slot.provider, slot.starts_at)
    appointment.sequence += 1
    appointment.updated_at = now
    appointment.reminder_sent_at = None  # the new time gets its own reminders (keyed by the time)
    appointment.confirmed_by_patient_at = None  # a confirmation was for the old time
    try:
        session.flush()
        if before_commit is not None:
            before_commit(appointment)
        if notify is not None:
            notify(appointment)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise SlotTaken(_("That time was just taken — please choose another.")) from None
    return appointment


def add_screening(appointment, record: dict, now: datetime, *, asked: str, by: str | None = None) -> None:
    """Add answers to the appointment's screening history, with when and why they were asked
    (``screening.ASKED``) and by whom when staff asked; earlier answers stay as they were. A "yes"
    flags the visit; nothing here clears a flag (staff do that knowingly)."""
    history = dict(appointment.screening or {})
    entry = {**record, "answered_at": now.isoformat(), "asked": asked}
    if by:
        entry["by"] = by
    history["rescreenings"] = [*history.get("rescreenings", []), entry]
    appointment.screening = history
    if record["outcome"] == screening.Outcome.FLAGGED:
        appointment.screening_outcome = screening.Outcome.FLAGGED


def record_rescreening(
    session, appointment, *, answers, acknowledged, now, notify=None, by=BY_PATIENT
) -> screening.Outcome:
    """Store the answers given after the reminder; a "yes" flags the visit and tells the office.

    The first answers stay on record next to the new ones. Returns the new outcome.
    """
    record = screening.answers_record(answers, acknowledged, questionnaires.current(session, now))
    session.rollback()
    appointment = session.get(Appointment, appointment.id, populate_existing=True)
    add_screening(appointment, record, now, asked="reminder")
    if record["outcome"] == screening.Outcome.FLAGGED and notify is not None:
        notify(appointment)
    appointment.updated_at = now
    record_patient_action(session, appointment, "patient.rescreened", by=by)
    session.commit()
    return screening.Outcome.of(record["outcome"])


def confirm_by_patient(session, appointment, now: datetime, *, by: str = BY_PATIENT) -> bool:
    """The patient says they are coming (the reminder's Confirm): recorded with the time, the
    visit marked confirmed, audited; whether this changed anything (twice is fine)."""
    appointment_id = appointment.id
    session.rollback()  # read it again under a lock: staff may have cancelled or moved it meanwhile
    appointment = session.get(Appointment, appointment_id, populate_existing=True, with_for_update=True)
    if appointment is None or not appointment.is_active or appointment.confirmed_by_patient_at is not None:
        session.rollback()
        return False
    appointment.confirmed_by_patient_at = now
    if appointment.status == AppointmentStatus.BOOKED:
        appointment.status = AppointmentStatus.CONFIRMED
    record_patient_action(session, appointment, "patient.confirmed", by=by)
    session.commit()
    return True
