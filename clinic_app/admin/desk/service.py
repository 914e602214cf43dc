"""Booking for a patient at the front desk: the same availability and the same database guarantee
as online (``insert_appointment``), with the desk's own rules: no minimum notice, a longer horizon.
Plain functions over a session; the caller passes the staff user and ``now``."""

from datetime import timedelta

from sqlalchemy import select

from ...booking import questionnaires, screening
from ...booking.availability import find_slot
from ...booking.service import Booked, BookingError, SlotTaken, insert_appointment, move_appointment
from ...booking.slots import BookingRules
from ...formatting import local_time
from ...models import Appointment, AppointmentSource, AppointmentStatus
from ..auth.access import audit

# The desk may book a patient who is standing there for the next free quarter hour, and a
# follow-up up to a year ahead; never into time that is held.
DESK_RULES = BookingRules(min_notice=timedelta(0), horizon_days=365)


def free_at_the_desk(session, office, visit_type, provider_id, starts_at, slot_provider_id, now):
    """The slot the desk chose, if it is still free under the desk's rules.

    :raise SlotTaken: it is not (taken meanwhile, blocked, or never offered).
    """
    slot = find_slot(
        session,
        office=office,
        visit_type=visit_type,
        provider_id=provider_id,
        starts_at=starts_at,
        chosen_provider_id=slot_provider_id,
        now=now,
        rules=DESK_RULES,
    )
    if slot is None:
        session.rollback()
        raise SlotTaken("That time is no longer free. Please choose another.")
    return slot


class ScreeningSaysNo(BookingError):
    """A "yes" to a screening question: no in-person visit; the desk offers video or a later date."""


def book_for_patient(
    session,
    user,
    *,
    office,
    visit_type,
    provider_id,
    starts_at,
    slot_provider_id,
    source,
    reason,
    answers,
    acknowledged,
    details,
    booking_key,
    now,
    notify=None,
) -> Booked:
    """Book the visit a staff member chose for a patient, in one transaction, audited.

    ``provider_id`` is the clinician asked for (None: first available), ``slot_provider_id`` the
    one the chosen time is with. For an in-person visit the screening (asked aloud) is stored like
    a patient's, with who asked and how; a "yes" books nothing. A repeated ``booking_key`` (a
    double submission) returns the first appointment.

    :raise ScreeningSaysNo: a screening answer was "yes".
    :raise SlotTaken: the time is not free (taken meanwhile, blocked, or not offered).
    """
    if source not in AppointmentSource.BY_STAFF:
        raise BookingError("Please say how the patient is booking.")
    if visit_type.is_telehealth:
        record, outcome = {"outcome": screening.Outcome.NOT_REQUIRED}, screening.Outcome.NOT_REQUIRED
    else:
        record = screening.answers_record(answers, acknowledged, questionnaires.current(session, now))
        outcome = screening.Outcome.of(record["outcome"])
        if outcome == screening.Outcome.FLAGGED:
            raise ScreeningSaysNo(
                "The patient answered “yes” to a health question, so this in-person visit cannot be booked. "
                "Offer a video visit or a date after they have recovered."
            )
        if outcome == screening.Outcome.INCOMPLETE:
            raise BookingError("Please ask every screening question.")
        record = {**record, "asked": source, "by": user.label}
    session.rollback()  # a fresh transaction: the checks below see the latest bookings
    existing = session.scalars(select(Appointment).filter_by(booking_key=booking_key)).one_or_none()
    if existing is not None:  # the same form sent twice, or a key reused for someone else
        session.commit()
        same = (existing.booked_by_id, existing.last_name, existing.date_of_birth) == (
            user.id,
            details["last_name"],
            details["date_of_birth"],
        )
        if not same:
            raise BookingError("This form was already used for a booking. Please open New booking again.")
        return Booked(existing, None)
    slot = free_at_the_desk(session, office, visit_type, provider_id, starts_at, slot_provider_id, now)

    def before_commit(appointment, _token):
        audit(session, user, "booked", appointment, source=source)

    return insert_appointment(
        session,
        provider=slot.provider,
        visit_type=visit_type,
        starts_at=slot.starts_at,
        booking_key=booking_key,
        now=now,
        notify=notify,
        before_commit=before_commit,
        office=office,
        status=AppointmentStatus.CONFIRMED,  # agreed with the patient there and then
        source=source,
        booked_by_id=user.id,
        reason=reason,
        clinician_chosen=provider_id is not None,
        consent_to_contact=True,
        screening=record,
        screening_outcome=outcome,
        sms_consent_at=now if details.get("sms_phone") else None,
        **details,
    )


def move_for_patient(session, user, appointment, *, provider_id, starts_at, slot_provider_id, now, notify=None):
    """Move a visit for the patient to a free time at the same office (any time before it: no
    online cut-off for the desk), audited with the old and new time and clinician.

    :raise SlotTaken: the time is not free (taken meanwhile, blocked, or not offered).
    :raise BookingError: the appointment was cancelled meanwhile.
    """
    if appointment.starts_at == starts_at and appointment.provider_id == slot_provider_id:
        return appointment  # already there (the same move sent twice)
    slot = free_at_the_desk(
        session, appointment.office, appointment.visit_type, provider_id, starts_at, slot_provider_id, now
    )
    zone = appointment.office.tz
    was = local_time(appointment.starts_at, zone), appointment.provider.display_name

    def record(moved):
        audit(
            session,
            user,
            "moved",
            moved,
            when=[was[0], local_time(moved.starts_at, zone)],
            clinician=[was[1], moved.provider.display_name],
        )

    return move_appointment(session, appointment, slot=slot, now=now, before_commit=record, notify=notify)
