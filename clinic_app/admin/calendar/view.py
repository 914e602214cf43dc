"""The back-office calendar of one office: its building blocks, and the week as a list (a row per
clinician, a column per day); the time grids of a day and of a clinician's week are in ``timegrid.py``.

Pure data and functions: the caller passes the office, the day, ``now``, the appointments, the
working hours and the closures; nothing here reads the request, the session, the database or the
clock. Appointments are stored in UTC but the calendar is read in the office's wall-clock time,
so this is where the two meet, daylight saving included.

Objects are read by attribute only, so tests may pass simple stand-ins:

- office: ``id``, ``name``, ``tz``
- appointment: ``id``, ``starts_at``, ``ends_at`` (aware), ``status``, ``patient_name``,
  ``screening_outcome``, ``provider``, ``visit_type.name``
- working hours: ``provider``, ``weekday`` (0 = Monday), ``starts``, ``ends`` (office time)
- closure: ``office_id``, ``provider_id``, ``provider``, ``starts_on``, ``ends_on``, ``reason``
- provider: ``id``, ``name``, ``display_name``, ``active``
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ...booking.screening import Outcome
from ...formatting import long_day, short_day, time_range
from ...models.appointment import AppointmentStatus
from .address import monday_of, office_today

GRID = timedelta(minutes=15)  # one row of the day view; every appointment starts on this grid
WEEKEND = (5, 6)


# Ready-to-show values


@dataclass(frozen=True)
class CalendarEntry:
    """One appointment as the calendar shows it: a link to the appointment with its essentials."""

    appointment_id: int
    time: str  # "10:00–10:30 AM", office time
    patient: str
    visit: str
    status: str
    flagged: bool


@dataclass(frozen=True)
class WeekDay:
    """A day column of the week view."""

    day: date
    label: str  # "Monday, Dec 7"
    is_today: bool


@dataclass(frozen=True)
class WeekCell:
    """One provider on one day: the appointments, and a note when they do not work or are away."""

    entries: tuple
    note: str = ""  # "Office closed", "Away", "Not working", "No appointments" or ""


@dataclass(frozen=True)
class ProviderWeek:
    """A provider's row of the week view, one cell per day column."""

    provider_id: int
    name: str
    cells: tuple


@dataclass(frozen=True)
class WeekGrid:
    """The week view: day columns, provider rows, and closure notices for the week."""

    days: tuple
    rows: tuple
    notices: tuple


def heading(office, day: date, view: str, provider=None) -> str:
    """Fairfax, VA — Monday, December 7, 2026 (day); … — Dr. Roe, week of Monday, … (week);
    … — week of Monday, December 7, 2026 (the week's list)."""
    if view == "week" and provider is not None:
        return f"{office.name} — {provider.display_name}, week of {long_day(monday_of(day))}"
    if view in ("week", "list"):
        return f"{office.name} — week of {long_day(monday_of(day))}"
    return f"{office.name} — {long_day(day)}"


def caption(office, day: date, view: str, provider=None) -> str:
    """What the table holds and how it is laid out, for its ``<caption>``."""
    week = long_day(monday_of(day))
    if view == "week" and provider is not None:
        return (
            f"Appointments of {provider.display_name} at {office.name} in the week of {week}: "
            "a column per day, a row per quarter hour"
        )
    if view in ("week", "list"):
        return f"Appointments at {office.name} in the week of {week}: a row per clinician, a column per day"
    return f"Appointments at {office.name} on {long_day(day)}: a column per clinician, a row per quarter hour"


# Building blocks


def shown_appointments(appointments, office, first: date, last: date) -> list:
    """The appointments the calendar shows: not cancelled, starting on an office-local day in range.

    Sorted by start, then id, so equal starts keep a stable order.
    """
    tz = office.tz
    shown = [
        a
        for a in appointments
        if a.status != AppointmentStatus.CANCELLED and first <= a.starts_at.astimezone(tz).date() <= last
    ]
    return sorted(shown, key=lambda a: (a.starts_at, a.id))


def calendar_entry(appointment, office) -> CalendarEntry:
    """An appointment as the calendar shows it, times in office time."""
    tz = office.tz
    return CalendarEntry(
        appointment_id=appointment.id,
        time=time_range(appointment.starts_at.astimezone(tz), appointment.ends_at.astimezone(tz)),
        patient=appointment.patient_name,
        visit=appointment.visit_type.name,
        status=AppointmentStatus.LABELS.get(appointment.status, appointment.status),
        flagged=Outcome.of(appointment.screening_outcome).is_flagged,
    )


def providers_shown(working_hours, appointments, weekdays) -> list:
    """Active providers with hours on one of ``weekdays``, plus anyone with an appointment; by name.

    A provider who has left (inactive) keeps a column only while they still have appointments,
    so nothing booked is ever hidden.
    """
    providers = {h.provider.id: h.provider for h in working_hours if h.weekday in weekdays and h.provider.active}
    providers.update({a.provider.id: a.provider for a in appointments})
    return sorted(providers.values(), key=lambda p: (p.name, p.id))


def wall_quarter(moment: datetime, tz) -> datetime:
    """The naive office wall-clock time of an aware moment, floored to the grid."""
    local = moment.astimezone(tz).replace(tzinfo=None)
    return local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)


def wall_exists(wall: datetime, tz) -> bool:
    """Whether a wall-clock time happens in ``tz`` (false inside the spring-forward gap)."""
    aware = wall.replace(tzinfo=tz)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall


def time_rows(day: date, tz, shifts, extra_starts=()) -> list[datetime]:
    """The 15-minute rows of one day, as aware datetimes in the office's zone.

    :param day: the office-local date.
    :param tz: the office's time zone.
    :param shifts: ``(starts, ends)`` wall-clock :class:`~datetime.time` pairs worked that day.
    :param extra_starts: aware moments that must have a row (appointments outside the hours).
    :return: one row every 15 minutes of wall-clock time from the earliest start (floored to the
        grid) to the latest end (exclusive, ceiled to the grid); empty with no shifts and no extras.

    Rules:

    - Rows follow the wall clock, not elapsed time: on a daylight-saving day the 8:00 AM row is
      still 8:00 AM, whatever its UTC offset.
    - A wall time that does not exist (the spring-forward gap) has no row; a repeated one (the
      fall-back hour) has one row, its first occurrence (``fold=0``).
    - An appointment starting before the hours or after them widens the range to include it.
    """
    midnight = datetime.combine(day, time.min)
    bounds = []
    for starts, ends in shifts:
        start = datetime.combine(day, starts)
        bounds.append(start.replace(minute=start.minute - start.minute % 15, second=0, microsecond=0))
        end = datetime.combine(day, ends)
        overshoot = (end - midnight) % GRID
        bounds.append(end + (GRID - overshoot if overshoot else timedelta(0)))
    for moment in extra_starts:
        wall = wall_quarter(moment, tz)
        if wall.date() == day:
            bounds.extend([wall, wall + GRID])
    if not bounds:
        return []
    rows, wall = [], min(bounds)
    while wall < max(bounds):
        if wall_exists(wall, tz):
            rows.append(wall.replace(tzinfo=tz))
        wall += GRID
    return rows


def covers(closure, day: date) -> bool:
    """Whether a closure (both ends included) covers ``day``."""
    return closure.starts_on <= day <= closure.ends_on


def closure_notices(closures, office, providers, first: date, last: date) -> list[str]:
    """The notices above the grid: "Closed: <reason>" and "<provider> away: <reason>".

    Only closures overlapping ``first``–``last`` count: office-wide ones of this office, and a
    provider's (anywhere, or at this office) when the provider is on the calendar. Over more than
    one day (the week view) each notice names its dates. Office closures come first.
    """
    shown_ids = {p.id for p in providers}
    office_notes, provider_notes = [], []
    for closure in sorted(closures, key=lambda c: (c.starts_on, c.ends_on)):
        if closure.ends_on < first or closure.starts_on > last or closure.office_id not in (None, office.id):
            continue
        dates = "" if first == last else f" ({_date_span(closure.starts_on, closure.ends_on)})"
        if closure.provider_id is None:
            office_notes.append(notice_text("Closed", closure.reason) + dates)
        elif closure.provider_id in shown_ids:
            provider_notes.append(notice_text(f"{closure.provider.display_name} away", closure.reason) + dates)
    return office_notes + provider_notes


def notice_text(what: str, reason: str) -> str:
    return f"{what}: {reason}" if reason else what


def _date_span(first: date, last: date) -> str:
    """Monday, Dec 7 or Thursday, Dec 24 – Friday, Jan 1."""
    return short_day(first) if first == last else f"{short_day(first)} – {short_day(last)}"


# The week as a list (the time grids are in ``timegrid.py``)


def week_grid(*, office, day: date, now: datetime, appointments, working_hours, closures=()) -> WeekGrid:
    """The week view (Monday to Sunday) of the week holding ``day`` at ``office``.

    :return: a column for each weekday Monday–Friday, and for Saturday or Sunday only when someone
        works or has an appointment that day; a row per provider who works at the office on a
        shown day or has an appointment that week; in each cell that provider's appointments
        that day, in order, and a note: "Office closed", "Away", "Not working" (no hours that
        day) or "No appointments".

    Arguments are as for :func:`day_grid`; ``now`` marks today's column.
    """
    tz = office.tz
    start = monday_of(day)
    week = [start + timedelta(days=offset) for offset in range(7)]
    shown = shown_appointments(appointments, office, week[0], week[-1])
    hours = [h for h in working_hours if h.provider.active]
    busy_days = {a.starts_at.astimezone(tz).date() for a in shown} | {week[h.weekday] for h in hours}
    days = [d for d in week if d.weekday() not in WEEKEND or d in busy_days]
    weekdays = {d.weekday() for d in days}
    providers = providers_shown(hours, shown, weekdays)
    today = office_today(now, office)

    entries = {}
    for appointment in shown:
        key = (appointment.provider.id, appointment.starts_at.astimezone(tz).date())
        entries.setdefault(key, []).append(calendar_entry(appointment, office))
    works = {(h.provider.id, h.weekday) for h in hours}

    def note(provider, d, has_entries):
        in_force = [c for c in closures if covers(c, d) and c.office_id in (None, office.id)]
        if any(c.provider_id is None for c in in_force):
            return "Office closed"
        if any(c.provider_id == provider.id for c in in_force):
            return "Away"
        if has_entries:
            return ""
        return "No appointments" if (provider.id, d.weekday()) in works else "Not working"

    rows = tuple(
        ProviderWeek(
            provider_id=p.id,
            name=p.display_name,
            cells=tuple(
                WeekCell(entries=tuple(entries.get((p.id, d), ())), note=note(p, d, (p.id, d) in entries)) for d in days
            ),
        )
        for p in providers
    )
    return WeekGrid(
        days=tuple(WeekDay(day=d, label=short_day(d), is_today=d == today) for d in days),
        rows=rows,
        notices=tuple(closure_notices(closures, office, providers, week[0], week[-1])),
    )
