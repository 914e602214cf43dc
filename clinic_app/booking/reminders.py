"""Reminders on a schedule (``REMINDER_HOURS``, e.g. 72 and 24 hours before a visit): the first
with Confirm and Change/Cancel while online changes are still open, the last with the health
questions to answer again. Each is sent once, for the time the visit is at (a moved visit gets
its own), never for a cancelled one; the database's unique key makes "once" hold with several
workers running.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..models import Appointment, AppointmentReminder, AppointmentStatus
from .service import token_hash


@dataclass(frozen=True)
class DueReminder:
    appointment_id: int
    hours_before: int
    for_starts_at: datetime
    last: bool  # the last of the schedule: it asks the health questions again


def reminder_for(starts_at: datetime, now: datetime, schedule: tuple) -> int | None:
    """Which reminder of ``schedule`` (hours, largest first) a visit at ``starts_at`` is due for
    at ``now``: the latest one whose moment has come (a visit booked late skips the earlier
    ones), or None before the first and once the visit has begun."""
    if starts_at <= now:
        return None
    reached = [hours for hours in schedule if starts_at - now <= timedelta(hours=hours)]
    return min(reached) if reached else None


def due_reminders(session, now: datetime, schedule: tuple) -> list[DueReminder]:
    """The reminders to send now: active visits (with an email address or a texting number: the
    desk may book a patient without either) within the schedule's reach whose current reminder was not sent yet,
    and whose moment came after the visit was booked (a visit booked 30 hours ahead gets no
    "72 hours" reminder minutes after its confirmation, only the 24-hour one)."""
    candidates = session.execute(
        select(Appointment.id, Appointment.starts_at, Appointment.created_at)
        .where(
            Appointment.status.in_(AppointmentStatus.ACTIVE),
            (Appointment.email != "") | Appointment.sms_phone.is_not(None),
            Appointment.starts_at > now,
            Appointment.starts_at <= now + timedelta(hours=max(schedule)),
        )
        .order_by(Appointment.starts_at)
    ).all()
    sent = {
        (row.appointment_id, row.hours_before, row.for_starts_at)
        for row in session.scalars(
            select(AppointmentReminder).where(AppointmentReminder.appointment_id.in_([c.id for c in candidates]))
        )
    }
    due = []
    for appointment_id, starts_at, booked_at in candidates:
        hours = reminder_for(starts_at, now, schedule)
        if hours is None or starts_at - timedelta(hours=hours) < booked_at:
            continue
        if (appointment_id, hours, starts_at) not in sent:
            due.append(DueReminder(appointment_id, hours, starts_at, last=hours == min(schedule)))
    return due


def send_reminder(session, due: DueReminder, now: datetime, notify) -> bool:
    """Record the reminder and queue it, in one transaction; False when another worker sent it,
    or the visit was cancelled or moved meanwhile. ``notify(appointment, raw_token, last)``
    queues the email with the reminder's own link."""
    # The visit first, locked (so two reminders of one visit, and a cancel or a move, take turns),
    # then the reminder's row, whose unique key refuses a second sending.
    appointment = session.get(Appointment, due.appointment_id, populate_existing=True, with_for_update=True)
    if appointment is None or not appointment.is_active or appointment.starts_at != due.for_starts_at:
        session.rollback()
        return False
    raw = secrets.token_urlsafe(32)
    session.add(
        AppointmentReminder(
            appointment_id=due.appointment_id,
            hours_before=due.hours_before,
            for_starts_at=due.for_starts_at,
            sent_at=now,
            link_hash=token_hash(raw),
        )
    )
    try:
        session.flush()
    except IntegrityError:  # sent by another worker a moment ago
        session.rollback()
        return False
    appointment.reminder_sent_at, appointment.reminder_token_hash = now, token_hash(raw)
    notify(appointment, raw, due.last)
    session.commit()
    return True


def queue_due_reminders(session, now: datetime, schedule: tuple, notify) -> int:
    """Queue every due reminder; return how many were queued."""
    return sum(send_reminder(session, due, now, notify) for due in due_reminders(session, now, schedule))
