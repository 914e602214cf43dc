"""Reminders: one email per appointment, a set time before the visit, with the screening link."""

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from ..models import Appointment, AppointmentStatus
from .service import token_hash


def due_reminders(session, now, lead: timedelta) -> list[int]:
    """Active appointments starting within ``lead`` from ``now`` that have had no reminder (and
    have an email address: the desk may book a patient without one)."""
    return list(
        session.scalars(
            select(Appointment.id)
            .where(
                Appointment.status.in_(AppointmentStatus.ACTIVE),
                Appointment.reminder_sent_at.is_(None),
                Appointment.email != "",
                Appointment.starts_at > now,
                Appointment.starts_at <= now + lead,
            )
            .order_by(Appointment.starts_at)
        )
    )


def send_reminder(session, appointment_id, now, notify) -> bool:
    """Claim the appointment's reminder and queue it, in one transaction; False if already sent.

    The claim is a conditional update (``reminder_sent_at`` still empty), so two workers never
    both send it. ``notify(appointment, raw_token)`` queues the email with the new link.
    """
    raw = secrets.token_urlsafe(32)
    claimed = session.execute(
        update(Appointment)
        .where(
            Appointment.id == appointment_id,
            Appointment.reminder_sent_at.is_(None),
            Appointment.status.in_(AppointmentStatus.ACTIVE),
        )
        .values(reminder_sent_at=now, reminder_token_hash=token_hash(raw))
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        session.rollback()
        return False
    appointment = session.get(Appointment, appointment_id, populate_existing=True)
    notify(appointment, raw)
    session.commit()
    return True


def queue_due_reminders(session, now, lead: timedelta, notify) -> int:
    """Queue every due reminder; return how many were queued."""
    return sum(
        send_reminder(session, appointment_id, now, notify) for appointment_id in due_reminders(session, now, lead)
    )
