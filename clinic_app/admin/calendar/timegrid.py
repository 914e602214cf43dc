"""The calendar as a time grid: one row per quarter hour of wall-clock time and one column per
clinician (the day view) or per day (one clinician's week). Each visit is one cell as tall as it is
long; the pause held after a visit, time held at another office, blocked time and closures are
shaded cells; every free quarter hour is a link that starts a booking at that time.

Pure data and functions, like ``view.py``: the caller passes the office, the days, ``now`` and
what the database holds; objects are read by attribute (see ``view.py``), plus:

- time block: ``provider_id``, ``kind``, ``starts_at``, ``ends_at`` (wall-clock times in
  ``office.tz``), ``office``, ``covers(day)``
- held quarter hour: :class:`Held`
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ...booking.availability import blocks_on, slot_value
from ...formatting import short_day, time_of_day
from ...models.scheduling import TimeBlock
from .address import monday_of, office_today
from .view import (
    GRID,
    WEEKEND,
    calendar_entry,
    closure_notices,
    covers,
    notice_text,
    providers_shown,
    shown_appointments,
    time_rows,
    wall_exists,
    wall_quarter,
)

# What a cell is, which is also its CSS class (``calendar-cell--<kind>``).
VISIT = "visit"
FREE = "free"  # within the hours, nothing held: a link to book it
PAST = "past"  # within the hours, free, but already begun
BUFFER = "buffer"  # the pause held after a visit at this office
ELSEWHERE = "elsewhere"  # held by a visit at another office
BLOCKED = "blocked"  # surgery, a meeting, lunch, leave, or a part-day office closure
CLOSED = "closed"  # the office is closed or the clinician is away all day
OFF = "off"  # outside the clinician's hours


@dataclass(frozen=True)
class Held:
    """A quarter hour of a clinician's time held by an appointment but not by the visit itself:
    its pause (``BUFFER``) or a visit at another office (``ELSEWHERE``)."""

    provider_id: int
    starts_at: datetime  # aware
    kind: str
    label: str  # "Buffer", "At Potomac, MD"


@dataclass(frozen=True)
class FreeTime:
    """A free quarter hour, ready to be booked from the calendar."""

    provider_id: int
    day: date
    starts_at: datetime  # aware
    label: str  # "Book 10:00 AM with Dr. Amira Haddad, MD"

    @property
    def slot(self) -> str:
        """The time as the desk's booking form carries it."""
        return slot_value(self.starts_at, self.provider_id)


@dataclass(frozen=True)
class GridCell:
    """One cell of the grid, ``rows`` quarter hours tall."""

    kind: str
    rows: int
    label: str = ""  # what a shaded cell says: "Lunch", "Away: Conference", "Not working"
    entries: tuple = ()  # the visits of a VISIT cell (more than one only if they overlap)
    free: FreeTime | None = None


@dataclass(frozen=True)
class GridColumn:
    """A column: a clinician on a day."""

    label: str  # the clinician's name (day view) or the day (week view)
    provider_id: int
    day: date
    is_today: bool


@dataclass(frozen=True)
class GridRow:
    """A quarter hour of wall-clock time; ``cells`` holds a cell per column, or None where a taller
    cell above reaches into this row."""

    wall: time
    label: str  # "10:00 AM"
    cells: tuple
    is_now: bool = False


@dataclass(frozen=True)
class TimeGrid:
    columns: tuple
    rows: tuple
    notices: tuple


# One column


def _moment(day: date, wall: time, tz) -> datetime | None:
    """The aware moment of a wall-clock time on ``day``; None inside the spring-forward gap."""
    naive = datetime.combine(day, wall)
    return naive.replace(tzinfo=tz) if wall_exists(naive, tz) else None


def _visit_groups(visits, tz) -> list[tuple[datetime, datetime, list]]:
    """Visits as (start, end, visits) in naive office wall-clock time, overlapping ones together
    (the database never lets a clinician's visits overlap, but a calendar must not break if old
    data does). Wall-clock, so that a visit in the repeated fall-back hour still has its row."""
    groups = []
    for visit in sorted(visits, key=lambda a: (a.starts_at, a.id)):
        start = visit.starts_at.astimezone(tz).replace(tzinfo=None)
        stop = max(visit.ends_at.astimezone(tz).replace(tzinfo=None), start + GRID)
        if groups and start < groups[-1][1]:
            first, last, members = groups[-1]
            groups[-1] = (first, max(last, stop), [*members, visit])
        else:
            groups.append((start, stop, [visit]))
    return groups


def _blocked(blocks, provider_id, day: date) -> list[tuple[datetime, datetime, str]]:
    """The clinician's blocked time and the office's part-day closures on ``day``, labelled."""
    labelled = []
    for start, end, block in blocks_on(blocks, provider_id, day):
        what = TimeBlock.KINDS.get(block.kind, block.kind)
        labelled.append((start, end, what if block.provider_id is not None else f"Office closed: {what}"))
    return labelled


def _closure_label(closures, office, provider_id, day: date) -> str | None:
    in_force = [c for c in closures if covers(c, day) and c.office_id in (None, office.id)]
    office_wide = [c for c in in_force if c.provider_id is None]
    if office_wide:
        return notice_text("Office closed", office_wide[0].reason)
    away = [c for c in in_force if c.provider_id == provider_id]
    return notice_text("Away", away[0].reason) if away else None


def column_cells(
    *, walls, day, office, provider_id, shifts, visits, held, blocks, closures, now, describe: Callable, lengths=()
) -> list:
    """The cells of one clinician's day, one per run of rows (None for the rows a run covers).

    :param walls: the grid's rows, wall-clock times, in order.
    :param shifts: ``(starts, ends)`` wall-clock times worked that day at this office.
    :param visits: the clinician's visits that day at this office (not cancelled).
    :param held: :class:`Held` quarter hours of this clinician.
    :param describe: the words of a free quarter hour's link, from its aware start.
    :param lengths: ``(length, pause)`` of each kind of visit offered; a free quarter hour is a
        link only when one of them fits from there (the visit within the hours, the pause not
        over held or blocked time), else a quiet cell. Empty: every free quarter hour is a link.

    What a quarter hour shows, first match wins: a visit; held time (pause or another office); a
    closure; blocked time; a free time (a link) or a past one within the hours; "Not working".
    Runs of the same kind and label become one cell; every free quarter hour is its own cell.
    """
    tz = office.tz
    groups = _visit_groups(visits, tz)
    held_at = {quarter.starts_at.astimezone(UTC): quarter for quarter in held}
    blocked = _blocked(blocks, provider_id, day)
    closed = _closure_label(closures, office, provider_id, day)
    working = [(datetime.combine(day, s, tzinfo=tz), datetime.combine(day, e, tzinfo=tz)) for s, e in shifts]

    def state(wall):
        naive = datetime.combine(day, wall)
        for index, (start, stop, _members) in enumerate(groups):
            if start < naive + GRID and naive < stop:
                return (VISIT, index)
        moment = _moment(day, wall, tz)
        if moment is None:
            return (OFF, "Not working")
        moment = moment.astimezone(UTC)  # aware arithmetic in UTC: a quarter is 15 real minutes
        end = moment + GRID
        quarter = held_at.get(moment)
        if quarter is not None:
            return (quarter.kind, quarter.label)
        if closed:
            return (CLOSED, closed)
        for start, stop, label in blocked:
            if start < end and moment < stop:
                return (BLOCKED, label)
        if any(start <= moment and end <= stop for start, stop in working):
            return (FREE, moment) if moment >= now else (PAST, "")
        return (OFF, "Not working")

    states = _too_short_to_book([state(wall) for wall in walls], lengths)
    cells = [None] * len(states)
    index = 0
    while index < len(states):
        run = 1
        if states[index][0] != FREE:
            while index + run < len(states) and states[index + run] == states[index]:
                run += 1
        kind, value = states[index]
        if kind == VISIT:
            cell = GridCell(VISIT, run, entries=tuple(calendar_entry(a, office) for a in groups[value][2]))
        elif kind == FREE:
            cell = GridCell(FREE, 1, free=FreeTime(provider_id, day, value, describe(value.astimezone(tz))))
        else:
            cell = GridCell(kind, run, label=value)
        cells[index] = cell
        index += run
    return cells


def _too_short_to_book(states, lengths) -> list:
    """``states`` with each free quarter hour where no kind of visit fits turned into a quiet
    ``PAST`` cell: the quarter before lunch, the end of the day, the gap before a visit."""
    if not lengths:
        return states
    quarters = [(int(length / GRID), int((length + pause) / GRID)) for length, pause in lengths]
    free_run, open_run = [0] * (len(states) + 1), [len(states)] * (len(states) + 1)
    for index in range(len(states) - 1, -1, -1):
        kind = states[index][0]
        free_run[index] = free_run[index + 1] + 1 if kind == FREE else 0
        # A pause may run past the hours (OFF) but never over held or blocked time; the grid
        # ends after the hours, so beyond its last row nothing is held.
        open_run[index] = open_run[index + 1] + 1 if kind in (FREE, OFF) else 0
    return [
        (PAST, "")
        if state[0] == FREE
        and not any(visit <= free_run[index] and held <= open_run[index] for visit, held in quarters)
        else state
        for index, state in enumerate(states)
    ]


# The two time grids


def _walls(days, tz, shifts_of, visits_of) -> list[time]:
    """The grid's rows: every quarter hour of wall-clock time from the earliest row needed on any
    of ``days`` (their hours, widened to whole visits) to the latest, without holes."""
    walls = set()
    for day in days:
        extra = [moment for a in visits_of(day) for moment in (a.starts_at, a.ends_at - timedelta(minutes=1))]
        walls.update(row.replace(tzinfo=None).time() for row in time_rows(day, tz, shifts_of(day), extra))
    if not walls:
        return []
    anchor = date(2000, 1, 3)  # any date: only the wall-clock times matter
    wall, last = datetime.combine(anchor, min(walls)), datetime.combine(anchor, max(walls))
    rows = []
    while wall <= last:
        rows.append(wall.time())
        wall += GRID
    return rows


def _rows(walls, columns, cells_by_column, now_wall) -> tuple:
    return tuple(
        GridRow(
            wall=wall,
            label=time_of_day(wall),
            cells=tuple(cells[index] for cells in cells_by_column),
            is_now=now_wall == wall,
        )
        for index, wall in enumerate(walls)
    )


def day_time_grid(
    *, office, day: date, now: datetime, appointments, working_hours, closures=(), blocks=(), held=(), lengths=()
) -> TimeGrid:
    """The day view: a column per clinician who works at ``office`` that day or has a visit there."""
    tz = office.tz
    shown = shown_appointments(appointments, office, day, day)
    hours = [h for h in working_hours if h.weekday == day.weekday() and h.provider.active]
    providers = providers_shown(hours, shown, {day.weekday()})
    today = office_today(now, office)

    def shifts_of(provider_id):
        return [(h.starts, h.ends) for h in hours if h.provider.id == provider_id]

    walls = _walls([day], tz, lambda _day: [(h.starts, h.ends) for h in hours], lambda _day: shown)
    columns = tuple(GridColumn(p.display_name, p.id, day, day == today) for p in providers)
    cells = [
        column_cells(
            walls=walls,
            day=day,
            office=office,
            provider_id=p.id,
            shifts=shifts_of(p.id),
            visits=[a for a in shown if a.provider.id == p.id],
            held=[h for h in held if h.provider_id == p.id],
            blocks=blocks,
            closures=closures,
            now=now,
            describe=lambda moment, p=p: f"Book {time_of_day(moment)} with {p.display_name}",
            lengths=lengths,
        )
        for p in providers
    ]
    now_wall = wall_quarter(now, tz).time() if day == today else None
    return TimeGrid(
        columns=columns,
        rows=_rows(walls, columns, cells, now_wall),
        notices=tuple(closure_notices(closures, office, providers, day, day)),
    )


def week_providers(*, office, day: date, appointments, working_hours) -> list:
    """The clinicians of the week holding ``day`` at ``office``, whose week the grid can show."""
    start = monday_of(day)
    shown = shown_appointments(appointments, office, start, start + timedelta(days=6))
    return providers_shown([h for h in working_hours if h.provider.active], shown, set(range(7)))


def week_time_grid(
    *,
    office,
    provider,
    day: date,
    now: datetime,
    appointments,
    working_hours,
    closures=(),
    blocks=(),
    held=(),
    lengths=(),
) -> TimeGrid:
    """One clinician's week at ``office``: a column per day, Monday to Friday, and Saturday or
    Sunday when they work or have a visit that day."""
    tz = office.tz
    start = monday_of(day)
    week = [start + timedelta(days=offset) for offset in range(7)]
    shown = [a for a in shown_appointments(appointments, office, week[0], week[-1]) if a.provider.id == provider.id]
    hours = [h for h in working_hours if h.provider.id == provider.id and h.provider.active]
    today = office_today(now, office)

    def shifts_of(d):
        return [(h.starts, h.ends) for h in hours if h.weekday == d.weekday()]

    def visits_of(d):
        return [a for a in shown if a.starts_at.astimezone(tz).date() == d]

    days = [d for d in week if d.weekday() not in WEEKEND or shifts_of(d) or visits_of(d)]
    walls = _walls(days, tz, shifts_of, visits_of)
    columns = tuple(GridColumn(short_day(d), provider.id, d, d == today) for d in days)
    mine = [h for h in held if h.provider_id == provider.id]
    cells = [
        column_cells(
            walls=walls,
            day=d,
            office=office,
            provider_id=provider.id,
            shifts=shifts_of(d),
            visits=visits_of(d),
            held=mine,
            blocks=blocks,
            closures=closures,
            now=now,
            describe=lambda moment, d=d: f"Book {short_day(d)}, {time_of_day(moment)}",
            lengths=lengths,
        )
        for d in days
    ]
    now_wall = wall_quarter(now, tz).time() if today in days else None
    return TimeGrid(
        columns=columns,
        rows=_rows(walls, columns, cells, now_wall),
        notices=tuple(closure_notices(closures, office, [provider], week[0], week[-1])),
    )
