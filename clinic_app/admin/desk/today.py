"""The front desk's day at one office: who arrives when, check-in with the door re-screen, and the
lists to act on (screening flagged, not yet confirmed). Plain functions over a session."""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from ...booking import questionnaires, screening
from ...booking.service import BookingError, add_screening
from ...models import Appointment, AppointmentStatus
from ..auth.access import audit

FLAGGED_AHEAD = timedelta(days=7)  # flagged visits to call about, from now
UNCONFIRMED_AHEAD = timedelta(days=2)  # online bookings nobody has confirmed yet, from now


def day_bounds(office, day) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=office.tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=office.tz)


def arrivals(session, office, day) -> list[Appointment]:
    """The day's visits at the office in time order, cancelled ones left out."""
    start, end = day_bounds(office, day)
    return list(
        session.scalars(
            select(Appointment)
            .where(
                Appointment.office_id == office.id,
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
                Appointment.status != AppointmentStatus.CANCELLED,
            )
            .order_by(Appointment.starts_at, Appointment.id)
        )
    )


def _coming(session, office, now, ahead: timedelta, *conditions) -> list[Appointment]:
    """The office's visits from ``now`` to ``now + ahead`` that meet ``conditions``, soonest first."""
    return list(
        session.scalars(
            select(Appointment)
            .where(
                Appointment.office_id == office.id,
                Appointment.starts_at >= now,
                Appointment.starts_at < now + ahead,
                *conditions,
            )
            .order_by(Appointment.starts_at)
        )
    )


def to_call(session, office, now) -> list[Appointment]:
    """Coming visits whose screening is flagged: the office calls before the patient comes."""
    return _coming(
        session,
        office,
        now,
        FLAGGED_AHEAD,
        Appointment.status.in_(AppointmentStatus.ACTIVE),
        Appointment.screening_outcome == screening.Outcome.FLAGGED,
    )


def to_confirm(session, office, now) -> list[Appointment]:
    """Online bookings of the next two days that nobody has confirmed yet."""
    return _coming(session, office, now, UNCONFIRMED_AHEAD, Appointment.status == AppointmentStatus.BOOKED)


def check_in(session, user, appointment, *, answers, acknowledged, now) -> screening.Outcome:
    """The door re-screen, then check-in: the answers join the screening history (asked at the
    door, by whom); all "no" checks the patient in (time and who); a "yes" flags the visit and
    checks nobody in. Audited either way; committed.

    :raise BookingError: a question unanswered, or the visit is no longer active or already in.
    """
    record = screening.answers_record(answers, acknowledged, questionnaires.current(session, now))
    outcome = screening.Outcome.of(record["outcome"])
    if outcome == screening.Outcome.INCOMPLETE:
        raise BookingError("Please ask every question and confirm the policy with the patient.")
    session.rollback()
    appointment = session.get(Appointment, appointment.id, populate_existing=True)
    if not appointment.is_active:
        session.rollback()
        raise BookingError("This visit is no longer active, so nobody can be checked in for it.")
    if appointment.checked_in_at is not None:
        session.rollback()
        raise BookingError("This patient is already checked in.")
    add_screening(appointment, record, now, asked="door", by=user.label)
    if outcome == screening.Outcome.CLEAR:
        appointment.checked_in_at, appointment.checked_in_by_id = now, user.id
        audit(session, user, "checked_in", appointment)
    else:
        audit(session, user, "door_screening_flagged", appointment)
    appointment.updated_at = now
    session.commit()
    return outcome
