"""Closures and clinicians' weekly hours, as the back office changes them: one transaction each.

Every function takes the session, the acting user and (where dates matter) ``today`` as
arguments; none reads the request or the clock. Availability reads ``Closure`` and
``WorkingHours`` on every request, so a committed change shows on the booking pages at once.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, select

from ...formatting import time_of_day
from ...models import Appointment, AppointmentStatus, Closure, Office, Provider, WorkingHours
from ...models.office import WEEKDAY_NAMES
from ..auth.access import audit, visible_offices

MAX_CLOSURE_DAYS = 366
LATEST_CLOSURE_DAYS = 731  # a closure more than two years ahead is almost surely a typo in the year
EARLIEST_START = time(6, 0)
LATEST_END = time(21, 0)
GRID_MINUTES = 15
PERIODS_PER_DAY = 2


class ScheduleError(Exception):
    """A change refused; ``problems`` maps where the problem is to a message for the user.

    For closures the keys are form field names ("office", "provider", "starts_on", "ends_on");
    for hours they are ``(office_id, weekday, period, part)`` tuples (see :class:`HoursKey`).
    """

    def __init__(self, problems: dict):
        super().__init__("; ".join(str(message) for message in problems.values()))
        self.problems = problems


class NotVisible(Exception):
    """The user may not see or change this record (the view answers 404)."""


@dataclass(frozen=True)
class HoursKey:
    """Where in the weekly-hours grid a problem is: office, weekday (0 = Monday), period 1 or 2, start/end."""

    office_id: int
    weekday: int
    period: int
    part: str  # "start" or "end"


# --- closures -------------------------------------------------------------------------------------


def closure_visible(session, user, closure) -> bool:
    """Whether ``user`` may see ``closure``: it touches one of their offices.

    An office closure (with or without a clinician) belongs to that office; a clinician-only
    closure reaches every office the clinician works at.
    """
    office_ids = {office.id for office in visible_offices(session, user)}
    if closure.office_id is not None:
        return closure.office_id in office_ids
    return bool(office_ids & {office.id for office in closure.provider.offices})


def closure_manageable(session, user, closure) -> bool:
    """Whether ``user`` may remove ``closure``: every office it reaches is theirs."""
    office_ids = {office.id for office in visible_offices(session, user)}
    if closure.office_id is not None:
        return closure.office_id in office_ids
    return {office.id for office in closure.provider.offices} <= office_ids


def closures_for(session, user, today: date) -> list[Closure]:
    """Closures still current or to come (last day today or later) that ``user`` may see, soonest first."""
    closures = session.scalars(
        select(Closure).where(Closure.ends_on >= today).order_by(Closure.starts_on, Closure.ends_on, Closure.id)
    )
    return [closure for closure in closures if closure_visible(session, user, closure)]


def closure_for(session, user, closure_id) -> Closure | None:
    """The closure if ``user`` may see it, else None."""
    closure = session.get(Closure, closure_id)
    if closure is None or not closure_visible(session, user, closure):
        return None
    return closure


def closure_details(closure) -> dict:
    """What the audit log keeps about a closure."""
    return {
        "closure": closure.id,
        "office": closure.office.slug if closure.office else None,
        "provider": closure.provider.slug if closure.provider else None,
        "starts_on": closure.starts_on.isoformat(),
        "ends_on": closure.ends_on.isoformat(),
        "reason": closure.reason,
    }


def add_closure(
    session, user, *, office_id, provider_id, starts_on: date, ends_on: date, reason: str, today: date
) -> Closure:
    """Close an office, a clinician (at every office, or at one), for whole days, both ends included.

    Rules, each refused with a :class:`ScheduleError` naming the form field:

    - at least one of ``office_id`` and ``provider_id``;
    - the office must be one of the user's (every office for an admin); an unknown or foreign id
      is refused like a wrong choice, never stored;
    - the clinician must work at one of the user's offices, and at the chosen office when both
      are given;
    - ``ends_on`` on or after ``starts_on``, at most :data:`MAX_CLOSURE_DAYS` days in all, and not
      entirely before ``today`` (a closure that began yesterday and runs on is fine).

    Appointments already booked in the closure are not touched (see :func:`booked_in_closure`).
    Writes the closure and a "closure_added" audit entry, and commits.
    """
    problems = {}
    offices = {office.id: office for office in visible_offices(session, user)}
    office = provider = None
    if office_id is not None:
        office = offices.get(office_id)
        if office is None:
            problems["office"] = "Please choose one of your offices."
    if provider_id is not None:
        provider = session.get(Provider, provider_id)
        if provider is None or not offices.keys() & {o.id for o in provider.offices}:
            provider = None
            problems["provider"] = "Please choose a clinician who works at one of your offices."
        elif office is not None and office not in provider.offices:
            problems["provider"] = f"{provider.display_name} does not work at {office.name}."
    if office_id is None and provider_id is None:
        problems["office"] = "Please choose an office, a clinician, or both."
    elif office_id is None and provider is not None and not {o.id for o in provider.offices} <= offices.keys():
        # Without an office the closure covers all of the clinician's offices, some not this user's.
        problems["office"] = (
            f"{provider.display_name} also works at offices you do not manage. Please choose your office."
        )
    if ends_on < starts_on:
        problems["ends_on"] = "The last day must be on or after the first day."
    elif ends_on < today:
        problems["ends_on"] = "This closure is entirely in the past. Please choose today or a later day."
    elif ends_on > today + timedelta(days=LATEST_CLOSURE_DAYS):
        problems["ends_on"] = "Please check the year: closures can be planned up to two years ahead."
    elif (ends_on - starts_on).days + 1 > MAX_CLOSURE_DAYS:
        problems["ends_on"] = f"A closure may last at most {MAX_CLOSURE_DAYS} days. Please add a second one for longer."
    if problems:
        raise ScheduleError(problems)

    closure = Closure(office=office, provider=provider, starts_on=starts_on, ends_on=ends_on, reason=reason)
    session.add(closure)
    session.flush()  # the id goes in the audit entry
    audit(session, user, "closure_added", None, **closure_details(closure))
    session.commit()
    return closure


def remove_closure(session, user, closure) -> None:
    """Remove a closure (the days become bookable again); writes a "closure_removed" audit entry, commits.

    :raise NotVisible: the closure belongs to an office the user does not manage.
    """
    if not closure_manageable(session, user, closure):
        raise NotVisible()
    audit(session, user, "closure_removed", None, **closure_details(closure))
    session.delete(closure)
    session.commit()


def booked_in_closure(session, closure) -> list[Appointment]:
    """Active appointments on the closure's days (office-local dates), at its office and with its clinician."""
    # A day wider on each side than any office's offset from UTC; the exact test is done locally.
    window_start = datetime.combine(closure.starts_on - timedelta(days=1), time.min, tzinfo=UTC)
    window_end = datetime.combine(
        min(closure.ends_on, date.max - timedelta(days=2)) + timedelta(days=2), time.min, tzinfo=UTC
    )
    query = select(Appointment).where(
        Appointment.status.in_(AppointmentStatus.ACTIVE),
        Appointment.starts_at >= window_start,
        Appointment.starts_at < window_end,
    )
    if closure.office_id is not None:
        query = query.where(Appointment.office_id == closure.office_id)
    if closure.provider_id is not None:
        query = query.where(Appointment.provider_id == closure.provider_id)
    return [
        appointment
        for appointment in session.scalars(query.order_by(Appointment.starts_at))
        if closure.starts_on <= appointment.starts_at.astimezone(appointment.office.tz).date() <= closure.ends_on
    ]


# --- weekly hours ---------------------------------------------------------------------------------


def manageable_offices(session, user, provider) -> list[Office]:
    """The provider's offices whose hours ``user`` may change (all of them for an admin)."""
    mine = {office.id for office in visible_offices(session, user)}
    return [office for office in provider.offices if office.id in mine]


def hours_by_office(provider) -> dict[int, dict[int, list[tuple[time, time]]]]:
    """``{office id: {weekday: [(start, end), ...]}}`` of the provider's saved hours, sorted."""
    result = {office.id: {weekday: [] for weekday in range(7)} for office in provider.offices}
    for row in provider.working_hours:
        result.setdefault(row.office_id, {weekday: [] for weekday in range(7)})[row.weekday].append(
            (row.starts, row.ends)
        )
    for days in result.values():
        for intervals in days.values():
            intervals.sort()
    return result


def interval_label(starts: time, ends: time) -> str:
    """8:00 AM – 12:00 PM."""
    return f"{time_of_day(starts)} – {time_of_day(ends)}"


def _on_grid(moment: time) -> bool:
    return moment.minute % GRID_MINUTES == 0 and moment.second == 0 and moment.microsecond == 0


def _check_period(office_id, weekday, period, starts, ends, problems) -> bool:
    """Record what is wrong with one period; True when it is a usable interval."""

    def key(part):
        return HoursKey(office_id, weekday, period, part)

    if starts is None and ends is None:
        return False
    if starts is None:
        problems[key("start")] = "Please give a start time too, or clear the end time."
        return False
    if ends is None:
        problems[key("end")] = "Please give an end time too, or clear the start time."
        return False
    ok = True
    for part, moment in (("start", starts), ("end", ends)):
        if not _on_grid(moment):
            problems[key(part)] = "Please use a time on the quarter hour (:00, :15, :30 or :45)."
            ok = False
        elif not EARLIEST_START <= moment <= LATEST_END:
            problems[key(part)] = "Hours must fall between 6:00 AM and 9:00 PM."
            ok = False
    if ok and ends <= starts:
        problems[key("end")] = "The end time must be after the start time."
        ok = False
    return ok


def _overlap(a, b) -> bool:
    """Half-open intervals: 8–12 and 12–17 touch but do not overlap."""
    return a[0] < b[1] and b[0] < a[1]


def set_working_hours(session, user, provider, hours: dict) -> bool:
    """Replace the provider's weekly hours at the offices in ``hours``; return False when nothing changed.

    :param hours: ``{office id: {weekday: [(start, end), ...]}}`` with up to
        :data:`PERIODS_PER_DAY` periods a day, each a pair of :class:`~datetime.time` or None
        (``(None, None)`` = not working). Offices left out keep their hours.
    :raise NotVisible: an office is not one of the provider's offices that the user manages.
    :raise ScheduleError: with :class:`HoursKey` keys, when a period has only one end; a time is
        off the 15-minute grid or outside 6:00 AM–9:00 PM; an end is not after its start; the
        two periods of a day overlap; or a period overlaps the provider's hours at another office
        on the same weekday (saved hours of offices not being edited count too).

    Existing appointments are not moved or cancelled. Writes a "hours_changed" audit entry with
    the hours before and after, and commits, all in one transaction.
    """
    allowed = {office.id: office for office in manageable_offices(session, user, provider)}
    if not set(hours) <= set(allowed):
        raise NotVisible()
    problems = {}
    wanted = {}  # office id -> weekday -> [(period, start, end)]
    for office_id, days in hours.items():
        wanted[office_id] = {weekday: [] for weekday in range(7)}
        for weekday in range(7):
            periods = list(days.get(weekday, []))
            if len(periods) > PERIODS_PER_DAY:
                raise ValueError(f"at most {PERIODS_PER_DAY} periods a day")
            for period, (starts, ends) in enumerate(periods, start=1):
                if _check_period(office_id, weekday, period, starts, ends, problems):
                    wanted[office_id][weekday].append((period, starts, ends))
            good = wanted[office_id][weekday]
            if len(good) == 2 and _overlap(good[0][1:], good[1][1:]):
                problems[HoursKey(office_id, weekday, good[1][0], "start")] = (
                    f"The two periods on {WEEKDAY_NAMES[weekday]} overlap."
                )

    for weekday in range(7):
        # Hours kept at offices not being edited, then each edited office in turn.
        seen = [
            (row.office, (row.starts, row.ends))
            for row in provider.working_hours
            if row.weekday == weekday and row.office_id not in wanted
        ]
        for office_id, days in wanted.items():
            for period, starts, ends in days[weekday]:
                clash = next(
                    ((other, interval) for other, interval in seen if _overlap(interval, (starts, ends))), None
                )
                key = HoursKey(office_id, weekday, period, "start")
                if clash is not None and key not in problems:
                    other, interval = clash
                    problems[key] = (
                        f"{provider.display_name} already works at {other.name} then "
                        f"({WEEKDAY_NAMES[weekday]}, {interval_label(*interval)})."
                    )
            seen.extend((allowed[office_id], (starts, ends)) for _, starts, ends in days[weekday])
    if problems:
        raise ScheduleError(problems)

    before = _audit_hours(hours_by_office(provider), allowed, hours.keys())
    new = {
        office_id: {weekday: sorted((s, e) for _, s, e in periods) for weekday, periods in days.items()}
        for office_id, days in wanted.items()
    }
    after = _audit_hours(new, allowed, hours.keys())
    if before == after:
        return False
    session.execute(
        delete(WorkingHours).where(WorkingHours.provider_id == provider.id, WorkingHours.office_id.in_(list(hours)))
    )
    for office_id, days in new.items():
        for weekday, intervals in days.items():
            session.add_all(
                WorkingHours(provider_id=provider.id, office_id=office_id, weekday=weekday, starts=starts, ends=ends)
                for starts, ends in intervals
            )
    audit(session, user, "hours_changed", None, provider=provider.slug, before=before, after=after)
    session.commit()
    return True


def _audit_hours(hours, offices, office_ids) -> dict:
    """``{office slug: {"Monday": ["08:00-12:00", ...]}}``, working days only, for the audit log."""
    return {
        offices[office_id].slug: {
            WEEKDAY_NAMES[weekday]: [
                f"{s:%H:%M}-{e:%H:%M}" for s, e in sorted(hours.get(office_id, {}).get(weekday, []))
            ]
            for weekday in range(7)
            if hours.get(office_id, {}).get(weekday)
        }
        for office_id in office_ids
    }
