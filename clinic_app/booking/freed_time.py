"""Time a clinician gets back (a cancellation, a move, blocked time or a closure removed), recorded
in the same transaction as the change, for the waitlist job to offer (see ``waitlist``)."""

from datetime import UTC, date, datetime, time, timedelta

from ..models import FreedTime


def record_freed_time(session, *, office_id, provider_id, starts_at, ends_at, now) -> None:
    """Remember time a clinician got back (in the caller's transaction), for the worker to offer."""
    if ends_at > now:
        session.add(
            FreedTime(
                office_id=office_id,
                provider_id=provider_id,
                starts_at=max(starts_at, now),
                ends_at=ends_at,
                freed_at=now,
            )
        )


def appointment_time_freed(session, appointment, now) -> None:
    """An active appointment is letting its time go (cancelled or moved): record it."""
    held_until = appointment.ends_at + timedelta(minutes=appointment.visit_type.buffer_minutes)
    record_freed_time(
        session,
        office_id=appointment.office_id,
        provider_id=appointment.provider_id,
        starts_at=appointment.starts_at,
        ends_at=held_until,
        now=now,
    )


def wall_time_freed(session, *, office, providers, days, starts: time, ends: time, now) -> None:
    """Blocked time or a closure removed: each clinician's time on those office-local days."""
    for day in days:
        start = datetime.combine(day, starts, tzinfo=office.tz).astimezone(UTC)
        end = datetime.combine(day, ends, tzinfo=office.tz).astimezone(UTC) if ends != time.min else None
        end = end or datetime.combine(day + timedelta(days=1), time.min, tzinfo=office.tz).astimezone(UTC)
        for provider in providers:
            record_freed_time(
                session, office_id=office.id, provider_id=provider.id, starts_at=start, ends_at=end, now=now
            )


def coming_days(covers, now, office, horizon_days: int) -> list[date]:
    """The office-local days from today within the booking horizon for which ``covers(day)``."""
    today = now.astimezone(office.tz).date()
    return [today + timedelta(days=n) for n in range(horizon_days + 1) if covers(today + timedelta(days=n))]
