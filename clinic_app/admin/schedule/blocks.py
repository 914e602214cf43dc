"""Blocked time within a day (a clinician's surgery, meeting, lunch or leave; an office closed for
part of a day), once or every week, as the back office adds and removes it: one transaction each.
Availability reads ``TimeBlock`` on every request, so a committed block shows online at once."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ...booking import freed_time
from ...database import lock_provider_time
from ...formatting import local_time, time_of_day
from ...models import Appointment, AppointmentStatus, Office, Provider, TimeBlock
from ..auth.access import audit, visible_office_ids, visible_offices, visible_providers
from .service import ScheduleError

LATEST_START_DAYS = 731  # a block more than two years ahead is almost surely a typo in the year


@dataclass(frozen=True)
class BlockRequest:
    """A block as asked for in the form (ids as sent: None for "whole office")."""

    office_id: int | None
    provider_id: int | None
    kind: str
    starts_on: date
    starts_at: time
    ends_at: time
    weekly: bool = False
    ends_on: date | None = None


class BlockOverBookings(ScheduleError):
    """The block would cover booked visits: ``appointments`` lists those at the user's offices
    (soonest first), ``elsewhere`` counts those at offices the user may not see."""

    def __init__(self, appointments, elsewhere=0):
        super().__init__({"appointments": f"{len(appointments) + elsewhere} booked visit(s) fall in this time."})
        self.appointments, self.elsewhere = appointments, elsewhere


def blocks_for(session, user, today: date) -> list[TimeBlock]:
    """Blocks still to come (or repeating on) at the user's offices, or of clinicians who work
    there (a clinician's block, entered at another office, holds their time here too), soonest first."""
    office_ids = [office.id for office in visible_offices(session, user)]
    provider_ids = [provider.id for provider in visible_providers(session, user)]
    query = (
        select(TimeBlock)
        .where(
            TimeBlock.office_id.in_(office_ids) | TimeBlock.provider_id.in_(provider_ids),
            ((~TimeBlock.weekly) & (TimeBlock.starts_on >= today))
            | (TimeBlock.weekly & (TimeBlock.ends_on.is_(None) | (TimeBlock.ends_on >= today))),
        )
        .order_by(TimeBlock.starts_on, TimeBlock.starts_at, TimeBlock.id)
    )
    return list(session.scalars(query))


def block_for(session, user, block_id) -> TimeBlock | None:
    """The block if it is at one of the user's offices, else None (the view answers 404)."""
    block = session.get(TimeBlock, block_id)
    if block is None or block.office_id not in {office.id for office in visible_offices(session, user)}:
        return None
    return block


def describe(block: TimeBlock) -> dict:
    """Who and when, as staff read it (and as the audit log keeps it: no patient in it)."""
    hours = f"{time_of_day(block.starts_at)}–{time_of_day(block.ends_at)}"
    if block.weekly:
        until = f" until {block.ends_on:%B} {block.ends_on.day}, {block.ends_on.year}" if block.ends_on else ""
        when = f"every {block.starts_on:%A}, {hours}, from {block.starts_on:%B} {block.starts_on.day}{until}"
    else:
        when = f"{block.starts_on:%A, %B} {block.starts_on.day}, {block.starts_on.year}, {hours}"
    who = block.provider.display_name if block.provider else f"{block.office.name} (whole office)"
    return {"who": who, "what": TimeBlock.KINDS.get(block.kind, block.kind), "when": when}


def _check(session, user, request: BlockRequest, today: date) -> tuple[Office, Provider | None]:
    problems = {}
    office = session.get(Office, request.office_id) if request.office_id else None
    if office is None or office not in visible_offices(session, user):
        problems["office"] = "Please choose one of your offices."
    provider = session.get(Provider, request.provider_id) if request.provider_id else None
    if request.provider_id is not None and (
        provider is None or (office is not None and office not in provider.offices)
    ):
        problems["provider"] = "Please choose a clinician who works at this office, or the whole office."
    if request.kind not in TimeBlock.KINDS:
        problems["kind"] = "Please choose what the time is for."
    if request.ends_at <= request.starts_at:
        problems["ends_at"] = "The end must be after the start."
    if request.starts_on < today:
        problems["starts_on"] = "Please choose today or a later day."
    elif request.starts_on > today + timedelta(days=LATEST_START_DAYS):
        problems["starts_on"] = "That is more than two years ahead; please check the year."
    if request.weekly and request.ends_on is not None and request.ends_on < request.starts_on:
        problems["ends_on"] = "The last week must be on or after the first day."
    elif request.weekly and request.ends_on is not None and request.ends_on > today + timedelta(days=LATEST_START_DAYS):
        problems["ends_on"] = "That is more than two years ahead; leave it empty for no end."
    if problems:
        raise ScheduleError(problems)
    return office, provider


def booked_in_block(session, block: TimeBlock, now: datetime) -> list[Appointment]:
    """Active visits from ``now`` on that the block would cover (for a clinician: at any office;
    for a whole office: there), soonest first."""
    query = select(Appointment).where(
        Appointment.status.in_(AppointmentStatus.ACTIVE),
        Appointment.ends_at > max(now, datetime.combine(block.starts_on, time.min, tzinfo=block.office.tz)),
    )
    if block.ends_on is not None:
        last = datetime.combine(block.ends_on + timedelta(days=1), time.min, tzinfo=block.office.tz)
        query = query.where(Appointment.starts_at < last)
    if block.provider_id is not None:
        query = query.where(Appointment.provider_id == block.provider_id)
    else:
        query = query.where(Appointment.office_id == block.office_id)
    covered = []
    for appointment in session.scalars(query.order_by(Appointment.starts_at)):
        day = appointment.starts_at.astimezone(block.office.tz).date()
        start = datetime.combine(day, block.starts_at, tzinfo=block.office.tz)
        end = datetime.combine(day, block.ends_at, tzinfo=block.office.tz)
        if block.covers(day) and appointment.starts_at < end and start < appointment.ends_at:
            covered.append(appointment)
    return covered


def add_block(session, user, request: BlockRequest, now: datetime, today: date) -> TimeBlock:
    """Block the time, refused while booked visits fall in it (they are listed: move or cancel
    them first); audited; committed.

    :raise ScheduleError: a field is wrong (``problems`` names it).
    :raise BlockOverBookings: visits are booked in that time.
    """
    office, provider = _check(session, user, request, today)
    block = TimeBlock(
        office=office,
        provider=provider,
        kind=request.kind,
        starts_on=request.starts_on,
        ends_on=request.ends_on if request.weekly else request.starts_on,
        weekly=request.weekly,
        starts_at=request.starts_at,
        ends_at=request.ends_at,
    )
    # Bookings and moves of these clinicians' time wait until this block is saved (and then see
    # it), or this waits for them (and then sees what they booked).
    lock_provider_time(session, [provider.id] if provider else [p.id for p in office_clinicians(session, office)])
    session.add(block)
    session.flush()
    covered = booked_in_block(session, block, now)
    if covered:
        session.rollback()
        mine = set(visible_office_ids(session, user))
        raise BlockOverBookings(
            [a for a in covered if a.office_id in mine], elsewhere=sum(a.office_id not in mine for a in covered)
        )
    audit(
        session,
        user,
        "block_added",
        None,
        office=office.slug,
        provider=provider.slug if provider else None,
        **describe(block),
    )
    session.commit()
    return block


def office_clinicians(session, office) -> list[Provider]:
    return list(session.scalars(select(Provider).where(Provider.offices.contains(office))))


def remove_block(session, user, block: TimeBlock, now: datetime, horizon_days: int) -> None:
    """Free the time again (the waitlist hears of it); audited; committed."""
    audit(session, user, "block_removed", None, office=block.office.slug, **describe(block))
    freed_time.wall_time_freed(
        session,
        office=block.office,
        providers=[block.provider] if block.provider else office_clinicians(session, block.office),
        days=freed_time.coming_days(block.covers, now, block.office, horizon_days),
        starts=block.starts_at,
        ends=block.ends_at,
        now=now,
    )
    session.delete(block)
    session.commit()


def booking_line(appointment) -> str:
    """One booked visit in a refusal: when, who, reference (for staff)."""
    when = local_time(appointment.starts_at, appointment.office.tz)
    return f"{when} — {appointment.patient_name} ({appointment.reference})"
