"""What staff do to an appointment, each recorded in the audit log in the same transaction."""

from ...booking.notifications import queue_cancellation_emails
from ...booking.service import cancel_appointment
from ...models import AppointmentNote, AppointmentStatus
from ..auth.access import audit

# Which status an action leads to, and from which statuses it is allowed.
TRANSITIONS = {
    "confirm": (AppointmentStatus.CONFIRMED, {AppointmentStatus.BOOKED}),
    "complete": (AppointmentStatus.COMPLETED, set(AppointmentStatus.ACTIVE)),
    "no_show": (AppointmentStatus.NO_SHOW, set(AppointmentStatus.ACTIVE)),
    "cancel": (AppointmentStatus.CANCELLED, set(AppointmentStatus.ACTIVE)),
}


class ActionRefused(Exception):
    """The action does not apply to the appointment as it is now."""


# Whether a visit happened is known only once it has started.
AFTER_START = {"complete", "no_show"}


def allowed_actions(appointment, now) -> list[str]:
    """The actions that make sense for the appointment's status (and, for some, its time)."""
    return [
        name
        for name, (_, sources) in TRANSITIONS.items()
        if appointment.status in sources and (name not in AFTER_START or appointment.starts_at <= now)
    ]


def change_status(session, user, appointment, action, now, reason=""):
    """Confirm, complete, mark no-show or cancel; cancelling frees the time and emails the patient.

    :raise ActionRefused: the action does not fit the current status (e.g. confirming a
        cancelled visit).
    """
    if action not in allowed_actions(appointment, now):
        label = AppointmentStatus.LABELS[appointment.status].lower()
        if action in AFTER_START and appointment.status in AppointmentStatus.ACTIVE:
            raise ActionRefused("This visit has not started yet; it can be marked completed or no-show once it has.")
        raise ActionRefused(f"This appointment is {label}; it cannot be changed that way.")
    before, after = appointment.status, TRANSITIONS[action][0]
    if action == "cancel":

        def notify(cancelled):
            audit(session, user, "cancel", cancelled, status=[before, after])  # the reason: on the appointment
            queue_cancellation_emails(cancelled)

        cancel_appointment(session, appointment, now=now, reason=reason, notify=notify)
        return
    appointment.status = after
    appointment.updated_at = now
    audit(session, user, action, appointment, status=[before, after])
    session.commit()


def add_note(session, user, appointment, text, now):
    """An internal note, kept with the appointment and in its history."""
    session.add(AppointmentNote(appointment_id=appointment.id, user_id=user.id, text=text, created_at=now))
    audit(session, user, "note", appointment)  # the note itself is the AppointmentNote, not the log
    session.commit()
