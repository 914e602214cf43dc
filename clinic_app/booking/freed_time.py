"""What a change to the calendar tells the waitlist, in the same transaction as the change: time a
clinician gets back (a cancellation, a move, blocked time removed), for the waitlist job to offer
(see ``waitlist``), and the end of a cancelled visit's wish for an earlier time."""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update

from ..models import FreedTime, OfferStatus, WaitlistEntry, WaitlistOffer, WaitlistStatus


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


def end_entry(session, entry_id, status, now) -> bool:
    """End a waiting entry and withdraw its open offers (the caller commits); False when it was
    not waiting any more (a claim got there first). Conditional updates: a leave racing a claim
    never undoes the claim."""
    ended = session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry_id, WaitlistEntry.status == WaitlistStatus.WAITING)
        .values(status=status, ended_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if ended:
        withdraw_open_offers(session, entry_id, now)
    return bool(ended)


def withdraw_open_offers(session, entry_id, now, keep_id=None):
    query = update(WaitlistOffer).where(WaitlistOffer.entry_id == entry_id, WaitlistOffer.status == OfferStatus.OPEN)
    if keep_id is not None:
        query = query.where(WaitlistOffer.id != keep_id)
    session.execute(
        query.values(status=OfferStatus.WITHDRAWN, answered_at=now).execution_options(synchronize_session=False)
    )


def visit_cancelled(session, appointment_id, now) -> None:
    """A cancelled visit waits for no earlier time: its waitlist entries end, their offers go."""
    for entry_id in session.scalars(
        select(WaitlistEntry.id).where(
            WaitlistEntry.appointment_id == appointment_id, WaitlistEntry.status == WaitlistStatus.WAITING
        )
    ):
        end_entry(session, entry_id, WaitlistStatus.ENDED, now)
