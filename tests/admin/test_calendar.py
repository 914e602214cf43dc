"""The back-office calendar: the grid rules without an app, then the page over HTTP.

Route tests use Monday 2026-12-07 at Fairfax, where Dr. Amira Haddad and Lauren Whitfield work
8–12 and 13–17 (seeded hours); 15:00 UTC that day is 10:00 AM in New York (EST, UTC-5).
"""

from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from clinic_app.admin.calendar.address import NavLink, navigation, read_day, read_view
from clinic_app.admin.calendar.timegrid import (
    BLOCKED,
    BUFFER,
    CLOSED,
    ELSEWHERE,
    FREE,
    OFF,
    PAST,
    VISIT,
    Held,
    day_time_grid,
    week_time_grid,
)
from clinic_app.admin.calendar.view import GRID, closure_notices, time_rows, week_grid
from clinic_app.extensions import db
from clinic_app.formatting import time_range
from clinic_app.models import Closure, Office, Provider, TimeBlock
from tests.conftest import set_clock


@pytest.fixture
def app(each_database_app):
    """Every test here runs on SQLite and on PostgreSQL."""
    return each_database_app


NY = ZoneInfo("America/New_York")
UTC = UTC
MONDAY = date(2026, 12, 7)
TEN_AM = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 10:00 AM EST
NOW = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # Monday 8:00 AM in New York
HTMX = {"HX-Request": "true"}
DAY_URL = "/admin/calendar?office=fairfax&date=2026-12-07"
WEEK_URL = DAY_URL + "&view=week"
LIST_URL = DAY_URL + "&view=list"


# Stand-ins for the models: the grid functions only read attributes.

OFFICE = SimpleNamespace(id=1, name="Fairfax, VA", tz=NY)
HADDAD = SimpleNamespace(id=1, name="Dr. Amira Haddad", display_name="Dr. Amira Haddad, MD", active=True)
WHITFIELD = SimpleNamespace(id=3, name="Lauren Whitfield", display_name="Lauren Whitfield, PA-C", active=True)
OKAFOR = SimpleNamespace(id=2, name="Dr. Daniel Okafor", display_name="Dr. Daniel Okafor, MD", active=True)
FOLLOW_UP = SimpleNamespace(name="Follow-up visit")


def hours(provider, weekday, starts=time(8), ends=time(17)):
    """A provider's working hours at OFFICE on one weekday."""
    return SimpleNamespace(provider=provider, weekday=weekday, starts=starts, ends=ends)


def visit(starts_at, provider=HADDAD, status="booked", outcome="clear", minutes=30, id=1, name="Test Patient"):
    """An appointment at OFFICE."""
    return SimpleNamespace(
        id=id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        status=status,
        patient_name=name,
        screening_outcome=outcome,
        provider=provider,
        visit_type=FOLLOW_UP,
    )


def closure(starts_on, ends_on=None, office_id=None, provider=None, reason=""):
    """A closure of OFFICE (office_id=1) or of a provider."""
    return SimpleNamespace(
        office_id=office_id,
        provider_id=provider.id if provider else None,
        provider=provider,
        starts_on=starts_on,
        ends_on=ends_on or starts_on,
        reason=reason,
    )


def block(kind, starts, ends, provider=None, day=MONDAY, weekly=False):
    """Blocked time at OFFICE: a clinician's, or the whole office's (no provider)."""
    return SimpleNamespace(
        provider_id=provider.id if provider else None,
        kind=kind,
        starts_at=starts,
        ends_at=ends,
        office=OFFICE,
        covers=lambda other: other == day or (weekly and other.weekday() == day.weekday() and other >= day),
    )


def column(grid, index=0):
    """A column of a time grid as {row label: cell}, rows covered by a taller cell left out."""
    return {row.label: row.cells[index] for row in grid.rows if row.cells[index] is not None}


def labels(rows):
    """Row labels of a day grid."""
    return [row.label for row in rows]


# Reading the address


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-12-07", MONDAY),
        (" 2026-12-07 ", MONDAY),
        (None, date(2026, 1, 1)),
        ("", date(2026, 1, 1)),
        ("yesterday", date(2026, 1, 1)),
        ("2026-02-30", date(2026, 1, 1)),
        ("20261207", date(2026, 1, 1)),
        ("2026-W50-1", date(2026, 1, 1)),
        ("0001-01-01", date(2026, 1, 1)),
        ("9999-12-31", date(2026, 1, 1)),
    ],
)
def test_an_unreadable_or_absurd_date_reads_as_today(value, expected):
    assert read_day(value, today=date(2026, 1, 1)) == expected


@pytest.mark.parametrize(
    "value, expected", [("day", "day"), ("week", "week"), ("list", "list"), (None, "day"), ("month", "day")]
)
def test_the_view_is_day_unless_week_or_list_is_asked_for(value, expected):
    assert read_view(value) == expected


def test_day_navigation_leads_to_the_day_before_and_after():
    assert navigation(MONDAY, "day", today=date(2026, 11, 27)) == [
        NavLink("Previous day", date(2026, 12, 6)),
        NavLink("Today", date(2026, 11, 27)),
        NavLink("Next day", date(2026, 12, 8)),
    ]


@pytest.mark.parametrize("view", ["week", "list"])
def test_week_navigation_leads_to_the_mondays_of_the_weeks_before_and_after(view):
    wednesday = date(2026, 12, 9)
    assert navigation(wednesday, view, today=MONDAY) == [
        NavLink("Previous week", date(2026, 11, 30)),
        NavLink("Today", MONDAY),
        NavLink("Next week", date(2026, 12, 14)),
    ]


@pytest.mark.parametrize(
    "starts, ends, expected",
    [
        ((10, 0), (10, 30), "10:00–10:30 AM"),
        ((11, 45), (12, 15), "11:45 AM–12:15 PM"),
        ((13, 0), (13, 45), "1:00–1:45 PM"),
    ],
)
def test_time_ranges_name_am_or_pm_once_unless_noon_falls_between(starts, ends, expected):
    assert time_range(datetime(2026, 12, 7, *starts, tzinfo=NY), datetime(2026, 12, 7, *ends, tzinfo=NY)) == expected


# Rows of the day view


def test_rows_cover_the_working_hours_on_the_15_minute_grid():
    rows = time_rows(MONDAY, NY, [(time(8), time(12)), (time(13), time(17))])
    assert rows[0] == datetime(2026, 12, 7, 8, 0, tzinfo=NY)
    assert rows[-1] == datetime(2026, 12, 7, 16, 45, tzinfo=NY)
    assert len(rows) == 36  # 8:00 … 16:45, the lunch hour included so the grid has no holes
    assert all(b - a == GRID for a, b in zip(rows, rows[1:], strict=False))


def test_rows_run_from_the_earliest_start_to_the_latest_end_of_all_shifts():
    rows = time_rows(MONDAY, NY, [(time(9), time(12)), (time(7, 30), time(11)), (time(13), time(18))])
    assert (rows[0].time(), rows[-1].time()) == (time(7, 30), time(17, 45))


def test_a_shift_off_the_grid_is_widened_to_the_grid():
    rows = time_rows(MONDAY, NY, [(time(8, 10), time(9, 50))])
    assert [r.time() for r in rows] == [
        time(8, 0),
        time(8, 15),
        time(8, 30),
        time(8, 45),
        time(9, 0),
        time(9, 15),
        time(9, 30),
        time(9, 45),
    ]


def test_an_appointment_outside_the_hours_widens_the_rows_to_include_it():
    rows = time_rows(MONDAY, NY, [(time(8), time(12))], extra_starts=[datetime(2026, 12, 7, 22, 30, tzinfo=UTC)])
    assert rows[-1] == datetime(2026, 12, 7, 17, 30, tzinfo=NY)  # 22:30 UTC is 5:30 PM EST


def test_no_hours_and_no_appointments_give_no_rows():
    assert time_rows(MONDAY, NY, []) == []


def test_rows_on_the_spring_forward_day_are_in_local_time():
    spring_forward = date(2026, 3, 8)  # 2:00 AM EST becomes 3:00 AM EDT
    rows = time_rows(spring_forward, NY, [(time(8), time(17))])
    assert len(rows) == 36
    assert rows[0].strftime("%H:%M %Z") == "08:00 EDT"
    assert rows[0].astimezone(UTC) == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # not 13:00, as EST would give


def test_the_spring_forward_gap_has_no_rows():
    rows = time_rows(date(2026, 3, 8), NY, [(time(1), time(4))])
    assert [r.strftime("%H:%M") for r in rows] == [
        "01:00",
        "01:15",
        "01:30",
        "01:45",
        "03:00",
        "03:15",
        "03:30",
        "03:45",
    ]


def test_the_repeated_fall_back_hour_has_one_row_per_wall_time():
    rows = time_rows(date(2026, 11, 1), NY, [(time(0), time(3))])
    assert len(rows) == 12  # 0:00 … 2:45 on the wall clock, though 4 hours pass
    assert len({r.time() for r in rows}) == 12


def test_an_appointment_on_the_spring_forward_day_sits_in_its_local_row():
    spring_forward = date(2026, 3, 8)
    grid = day_time_grid(
        office=OFFICE,
        day=spring_forward,
        now=NOW,
        appointments=[visit(datetime(2026, 3, 8, 14, 0, tzinfo=UTC))],
        working_hours=[hours(HADDAD, spring_forward.weekday())],
    )
    (label,) = [label for label, cell in column(grid).items() if cell.kind == VISIT]
    assert label == "10:00 AM"  # 14:00 UTC is 10:00 EDT
    assert column(grid)["10:00 AM"].entries[0].time == "10:00–10:30 AM"


# The day view: a time grid, a column per clinician


def day(appointments=(), working_hours=None, now=NOW, **more):
    """Monday's day view at OFFICE, Dr. Haddad working 8–12 and 13–17 unless told otherwise."""
    if working_hours is None:
        working_hours = [hours(HADDAD, 0, time(8), time(12)), hours(HADDAD, 0, time(13), time(17))]
    return day_time_grid(
        office=OFFICE, day=MONDAY, now=now, appointments=list(appointments), working_hours=working_hours, **more
    )


def test_day_grid_has_a_column_per_provider_working_that_day_by_name():
    grid = day(working_hours=[hours(WHITFIELD, 0), hours(HADDAD, 0), hours(OKAFOR, 1)])
    assert [c.label for c in grid.columns] == ["Dr. Amira Haddad, MD", "Lauren Whitfield, PA-C"]
    assert labels(grid.rows)[:2] == ["8:00 AM", "8:15 AM"] and labels(grid.rows)[-1] == "4:45 PM"


def test_a_provider_with_an_appointment_on_their_day_off_gets_a_column():
    grid = day([visit(TEN_AM, provider=OKAFOR)], working_hours=[hours(HADDAD, 0), hours(OKAFOR, 1)])
    assert [c.provider_id for c in grid.columns] == [HADDAD.id, OKAFOR.id]
    assert column(grid, 0)["10:00 AM"].kind == FREE
    assert column(grid, 1)["10:00 AM"].entries[0].appointment_id == 1
    assert column(grid, 1)["8:00 AM"].kind == OFF and column(grid, 1)["8:00 AM"].label == "Not working"


def test_a_provider_who_left_has_no_column_unless_they_still_have_appointments():
    former = SimpleNamespace(id=9, name="Dr. Former", display_name="Dr. Former", active=False)
    grid = day(working_hours=[hours(former, 0)])
    assert grid.columns == () and grid.rows == ()
    grid = day([visit(TEN_AM, provider=former)], working_hours=[hours(former, 0)])
    assert [c.label for c in grid.columns] == ["Dr. Former"]


def test_a_visit_is_one_cell_as_many_rows_tall_as_it_is_long_ready_to_show():
    grid = day(
        [
            visit(TEN_AM, outcome="flagged", status="confirmed", name="Rosa Diaz", minutes=45),
            visit(TEN_AM + timedelta(hours=1), status="cancelled", id=2),
            visit(TEN_AM + timedelta(days=1), id=3),  # Tuesday
        ]
    )
    cells = column(grid)
    visits = {label: cell for label, cell in cells.items() if cell.kind == VISIT}
    assert list(visits) == ["10:00 AM"]
    assert visits["10:00 AM"].rows == 3  # 10:00, 10:15 and 10:30 are the visit's
    assert "10:15 AM" not in cells and "10:30 AM" not in cells  # covered by the visit's cell
    (entry,) = visits["10:00 AM"].entries
    assert (entry.time, entry.patient, entry.visit, entry.status, entry.flagged) == (
        "10:00–10:45 AM",
        "Rosa Diaz",
        "Follow-up visit",
        "Confirmed",
        True,
    )
    assert cells["10:45 AM"].kind == FREE and cells["11:00 AM"].kind == FREE  # the cancelled one holds nothing


def test_every_free_quarter_hour_is_a_link_to_book_it_and_the_past_is_not():
    now = datetime(2026, 12, 7, 15, 20, tzinfo=UTC)  # 10:20 AM
    cells = column(day(now=now))
    assert (cells["8:00 AM"].kind, cells["8:00 AM"].rows) == (PAST, 10)  # 8:00 to 10:30, one quiet cell
    assert cells["10:30 AM"].kind == FREE and cells["10:30 AM"].rows == 1
    free = cells["10:30 AM"].free
    assert free.label == "Book 10:30 AM with Dr. Amira Haddad, MD"
    assert free.slot == "2026-12-07T15:30Z|1"  # the desk form's value: UTC start and clinician
    assert free.day == MONDAY


def test_a_free_quarter_hour_too_short_for_any_visit_is_not_a_link():
    thirty, forty_five = (timedelta(minutes=30), timedelta(0)), (timedelta(minutes=45), timedelta(minutes=15))
    cells = column(day([visit(TEN_AM + timedelta(minutes=30))], lengths=[forty_five, thirty]))
    # 9:45 leaves 45 minutes before the 10:30 visit: room for a follow-up at 9:45 and 10:00, not later.
    assert cells["9:45 AM"].kind == FREE and cells["10:00 AM"].kind == FREE
    assert (cells["10:15 AM"].kind, cells["10:15 AM"].rows) == (PAST, 1)
    assert (cells["11:45 AM"].kind, cells["11:45 AM"].rows) == (PAST, 1)  # lunch at noon
    assert cells["11:30 AM"].kind == FREE
    assert cells["4:30 PM"].kind == FREE and cells["4:45 PM"].kind == PAST  # the day ends at 5
    only_long = column(day(lengths=[forty_five]))
    assert only_long["4:15 PM"].kind == FREE  # its pause may run past the hours
    assert only_long["4:30 PM"].kind == PAST


def test_a_visit_in_the_repeated_fall_back_hour_keeps_its_row():
    fall_back = date(2026, 11, 1)  # 1:00–2:00 AM happens twice
    second_half_past_one = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 1:30 AM EST, the second one
    grid = day_time_grid(
        office=OFFICE,
        day=fall_back,
        now=NOW,
        appointments=[visit(second_half_past_one)],
        working_hours=[hours(HADDAD, fall_back.weekday(), time(0), time(3))],
    )
    cells = column(grid)
    assert (cells["1:30 AM"].kind, cells["1:30 AM"].rows) == (VISIT, 2)
    assert cells["1:30 AM"].entries[0].time == "1:30–2:00 AM"


def test_the_time_outside_the_hours_is_one_not_working_cell():
    cells = column(day())
    assert (cells["12:00 PM"].kind, cells["12:00 PM"].rows, cells["12:00 PM"].label) == (OFF, 4, "Not working")
    assert cells["11:45 AM"].kind == cells["1:00 PM"].kind == FREE


def test_the_pause_after_a_visit_and_time_at_another_office_are_shaded_not_free():
    held = [
        Held(HADDAD.id, TEN_AM + timedelta(minutes=45), BUFFER, "Buffer"),
        Held(HADDAD.id, TEN_AM + timedelta(hours=4), ELSEWHERE, "At Potomac, MD"),
        Held(HADDAD.id, TEN_AM + timedelta(hours=4, minutes=15), ELSEWHERE, "At Potomac, MD"),
        Held(WHITFIELD.id, TEN_AM + timedelta(hours=1), ELSEWHERE, "Not Haddad's"),
    ]
    cells = column(day([visit(TEN_AM, minutes=45)], held=held))
    assert (cells["10:45 AM"].kind, cells["10:45 AM"].label, cells["10:45 AM"].rows) == (BUFFER, "Buffer", 1)
    assert (cells["2:00 PM"].kind, cells["2:00 PM"].label, cells["2:00 PM"].rows) == (ELSEWHERE, "At Potomac, MD", 2)
    assert cells["11:00 AM"].kind == FREE


def test_blocked_time_is_shaded_with_what_it_is_for_the_clinician_or_the_whole_office():
    grid = day(
        working_hours=[hours(HADDAD, 0), hours(WHITFIELD, 0)],
        blocks=[
            block("surgery", time(8), time(9, 30), provider=HADDAD),
            block("meeting", time(16), time(17)),  # the whole office
            block("lunch", time(12), time(13), provider=WHITFIELD, day=MONDAY - timedelta(days=7), weekly=True),
            block("leave", time(8), time(17), provider=OKAFOR),
        ],
    )
    haddad, whitfield = column(grid, 0), column(grid, 1)
    assert (haddad["8:00 AM"].kind, haddad["8:00 AM"].label, haddad["8:00 AM"].rows) == (BLOCKED, "Surgery", 6)
    assert haddad["9:30 AM"].kind == FREE and haddad["12:00 PM"].kind == FREE
    assert (whitfield["12:00 PM"].label, whitfield["12:00 PM"].rows) == ("Lunch", 4)  # weekly, from last Monday
    assert whitfield["8:00 AM"].kind == FREE
    for cells in (haddad, whitfield):
        assert (cells["4:00 PM"].kind, cells["4:00 PM"].label, cells["4:00 PM"].rows) == (
            BLOCKED,
            "Office closed: Meeting",
            4,
        )


def test_a_closure_shades_the_whole_day_but_never_hides_a_visit():
    grid = day(
        [visit(TEN_AM)],
        working_hours=[hours(HADDAD, 0), hours(WHITFIELD, 0)],
        closures=[closure(MONDAY, provider=HADDAD, reason="Conference")],
    )
    haddad, whitfield = column(grid, 0), column(grid, 1)
    assert [(label, cell.kind, cell.rows) for label, cell in haddad.items()] == [
        ("8:00 AM", CLOSED, 8),
        ("10:00 AM", VISIT, 2),
        ("10:30 AM", CLOSED, 26),
    ]
    assert haddad["8:00 AM"].label == "Away: Conference"
    assert whitfield["8:00 AM"].kind == FREE
    office_closed = day(closures=[closure(MONDAY, office_id=OFFICE.id, reason="Snow")])
    ((label, cell),) = column(office_closed).items()
    assert (label, cell.kind, cell.label, cell.rows) == ("8:00 AM", CLOSED, "Office closed: Snow", 36)


def test_visits_that_overlap_in_old_data_share_one_cell():
    cells = column(day([visit(TEN_AM, id=1), visit(TEN_AM + timedelta(minutes=15), id=2, name="Second")]))
    assert [e.appointment_id for e in cells["10:00 AM"].entries] == [1, 2]
    assert cells["10:00 AM"].rows == 3


def test_a_visit_after_the_hours_widens_the_grid_to_its_end():
    grid = day([visit(datetime(2026, 12, 7, 21, 45, tzinfo=UTC), minutes=45)])  # 4:45–5:30 PM
    assert labels(grid.rows)[-1] == "5:15 PM"
    assert column(grid)["4:45 PM"].rows == 3


def test_day_grid_marks_the_current_quarter_hour_only_today():
    now = datetime(2026, 12, 7, 15, 20, tzinfo=UTC)  # 10:20 AM
    assert [row.label for row in day(now=now).rows if row.is_now] == ["10:15 AM"]
    tomorrow = day_time_grid(
        office=OFFICE, day=MONDAY + timedelta(days=7), now=now, appointments=[], working_hours=[hours(HADDAD, 0)]
    )
    assert not any(row.is_now for row in tomorrow.rows)
    assert [c.is_today for c in day(now=now).columns] == [True]


# A clinician's week: a time grid, a column per day


def test_a_clinicians_week_has_a_column_per_weekday_and_a_weekend_day_only_when_they_work_it():
    grid = week_time_grid(
        office=OFFICE,
        provider=HADDAD,
        day=date(2026, 12, 9),
        now=NOW,
        appointments=[visit(TEN_AM + timedelta(days=1), minutes=30), visit(TEN_AM, provider=WHITFIELD, id=2)],
        working_hours=[
            hours(HADDAD, 0, time(9), time(12)),
            hours(HADDAD, 2, time(13), time(18)),
            hours(HADDAD, 5, time(9), time(12)),
            hours(WHITFIELD, 0, time(7), time(8)),
        ],
        closures=[closure(date(2026, 12, 11), office_id=OFFICE.id, reason="Inspection")],
    )
    assert [c.label for c in grid.columns] == [
        "Monday, Dec 7",
        "Tuesday, Dec 8",
        "Wednesday, Dec 9",
        "Thursday, Dec 10",
        "Friday, Dec 11",
        "Saturday, Dec 12",
    ]
    assert [c.is_today for c in grid.columns] == [True, False, False, False, False, False]
    assert (labels(grid.rows)[0], labels(grid.rows)[-1]) == ("9:00 AM", "5:45 PM")  # her hours, not Whitfield's
    monday, tuesday, wednesday, _thursday, friday, saturday = (column(grid, index) for index in range(6))
    assert monday["9:00 AM"].kind == FREE and monday["9:15 AM"].kind == FREE  # now is 8:00 AM that Monday
    assert monday["12:00 PM"].kind == OFF
    assert tuesday["10:00 AM"].kind == VISIT  # a visit on a day off still shows, in its day's column
    assert wednesday["9:00 AM"].kind == OFF and wednesday["1:00 PM"].kind == FREE
    assert wednesday["1:00 PM"].free.label == "Book Wednesday, Dec 9, 1:00 PM"
    assert friday["9:00 AM"].label == "Office closed: Inspection"
    assert saturday["9:00 AM"].kind == FREE
    assert grid.notices == ("Closed: Inspection (Friday, Dec 11)",)


# Closures


def test_closure_notices_name_the_office_or_the_provider_with_the_reason():
    closures = [
        closure(date(2026, 12, 1), date(2026, 12, 10), provider=HADDAD, reason="Vacation"),
        closure(MONDAY, office_id=OFFICE.id, reason="Snow"),
        closure(MONDAY, office_id=2, reason="Other office's plumbing"),
        closure(MONDAY, provider=OKAFOR, reason="Not on this calendar"),
        closure(date(2026, 12, 8), office_id=OFFICE.id, reason="Tomorrow"),
        closure(MONDAY, office_id=OFFICE.id),
    ]
    assert closure_notices(closures, OFFICE, [HADDAD, WHITFIELD], MONDAY, MONDAY) == [
        "Closed: Snow",
        "Closed",
        "Dr. Amira Haddad, MD away: Vacation",
    ]


def test_week_closure_notices_give_their_dates():
    notices = closure_notices(
        [closure(date(2026, 12, 10), date(2026, 12, 11), office_id=1, reason="Training")],
        OFFICE,
        [],
        MONDAY,
        MONDAY + timedelta(days=6),
    )
    assert notices == ["Closed: Training (Thursday, Dec 10 – Friday, Dec 11)"]


# The week view


def test_week_grid_shows_monday_to_friday_and_a_weekend_day_only_when_busy():
    saturday = date(2026, 12, 12)
    quiet = week_grid(office=OFFICE, day=MONDAY, now=NOW, appointments=[], working_hours=[hours(HADDAD, 0)])
    assert [d.label for d in quiet.days] == [
        "Monday, Dec 7",
        "Tuesday, Dec 8",
        "Wednesday, Dec 9",
        "Thursday, Dec 10",
        "Friday, Dec 11",
    ]
    assert quiet.days[0].is_today
    with_hours = week_grid(office=OFFICE, day=MONDAY, now=NOW, appointments=[], working_hours=[hours(HADDAD, 5)])
    assert with_hours.days[-1].day == saturday and len(with_hours.days) == 6
    booked = week_grid(
        office=OFFICE,
        day=MONDAY,
        now=NOW,
        working_hours=[],
        appointments=[visit(datetime(2026, 12, 13, 15, 0, tzinfo=UTC))],
    )
    assert [d.day.weekday() for d in booked.days] == [0, 1, 2, 3, 4, 6]


def test_week_grid_lists_each_providers_appointments_per_day_with_notes():
    grid = week_grid(
        office=OFFICE,
        day=date(2026, 12, 10),
        now=NOW,
        working_hours=[hours(HADDAD, 0), hours(HADDAD, 2), hours(HADDAD, 4), hours(WHITFIELD, 0)],
        appointments=[
            visit(TEN_AM + timedelta(hours=2), id=2, name="Second"),
            visit(TEN_AM, name="First"),
            visit(TEN_AM, provider=WHITFIELD, status="cancelled", id=3),
        ],
        closures=[
            closure(date(2026, 12, 9), provider=HADDAD, reason="Course"),
            closure(date(2026, 12, 11), office_id=OFFICE.id, reason="Inspection"),
        ],
    )
    haddad, whitfield = grid.rows
    assert haddad.name == "Dr. Amira Haddad, MD"
    assert [e.patient for e in haddad.cells[0].entries] == ["First", "Second"]
    assert [cell.note for cell in haddad.cells] == ["", "Not working", "Away", "Not working", "Office closed"]
    assert whitfield.cells[0].entries == () and whitfield.cells[0].note == "No appointments"
    assert grid.notices == (
        "Closed: Inspection (Friday, Dec 11)",
        "Dr. Amira Haddad, MD away: Course (Wednesday, Dec 9)",
    )


# The page over HTTP


class CalendarTable(HTMLParser):
    """The calendar table read as a browser's accessibility tree would: caption, header and body
    cells, a cell spanning several rows (``rowspan``) found in each of them."""

    def __init__(self, html):
        super().__init__()
        self.caption, self._rows, self._cell, self._in_caption, self._in_table = "", [], None, False, False
        self.feed(html)
        self.rows, self.spans_left = self._resolve_spans(self._rows)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._in_table = True
        elif not self._in_table:
            return
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("th", "td"):
            self._cell = {
                "tag": tag,
                "scope": attrs.get("scope"),
                "class": attrs.get("class") or "",
                "rowspan": int(attrs.get("rowspan") or 1),
                "text": "",
                "links": [],
            }
            self._rows[-1].append(self._cell)
        elif tag == "a" and self._cell is not None:
            self._cell["links"].append({"href": attrs.get("href"), "class": attrs.get("class") or "", "text": ""})
        if tag == "span" and self._cell is not None and attrs.get("aria-hidden") == "true":
            self._cell["_aria_hidden"] = True

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("th", "td"):
            self._cell = None
        elif tag == "span" and self._cell is not None:
            self._cell.pop("_aria_hidden", None)

    def handle_data(self, data):
        if self._in_caption:
            self.caption += data
        elif self._cell is not None and not self._cell.get("_aria_hidden"):
            self._cell["text"] += data
            if self._cell["links"]:
                self._cell["links"][-1]["text"] += data

    @staticmethod
    def _resolve_spans(rows):
        """Each row as its full list of columns (a cell from above with rowspan fills its column),
        and the rows still owed by spans that run past the last row."""
        resolved, carried = [], {}  # column → [cell, rows still to fill]
        for row in rows:
            cells, column, remaining = [], 0, list(row)
            while remaining or column in carried:
                if column in carried:
                    cell = carried[column][0]
                    carried[column][1] -= 1
                    if carried[column][1] == 0:
                        del carried[column]
                else:
                    cell = remaining.pop(0)
                    if cell["rowspan"] > 1:
                        carried[column] = [cell, cell["rowspan"] - 1]
                cells.append(cell)
                column += 1
            resolved.append(cells)
        return resolved, {column: rows for column, (_cell, rows) in carried.items()}

    def cell(self, row_header, column_header):
        """The cell in the row headed ``row_header`` and the column headed ``column_header``."""
        columns = [" ".join(c["text"].split()) for c in self.rows[0]]
        column = columns.index(column_header)
        row = next(r for r in self.rows[1:] if " ".join(r[0]["text"].split()) == row_header)
        return row[column]


def provider_id(app, slug):
    with app.app_context():
        return db.session.scalars(select(Provider.id).filter_by(slug=slug)).one()


def html_of(response):
    return response.get_data(as_text=True)


def link_args(html, label):
    """The query arguments of the link with this exact text."""
    parser = Links()
    parser.feed(html)
    (href,) = [href for href, text in parser.links if text.strip() == label]
    return {key: value[0] for key, value in parse_qs(urlsplit(href).query).items()}


class Links(HTMLParser):
    """Every link's href and text."""

    def __init__(self):
        super().__init__()
        self.links, self._open = [], False

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append([dict(attrs).get("href"), ""])
            self._open = True

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = False

    def handle_data(self, data):
        if self._open:
            self.links[-1][1] += data


@pytest.fixture
def frozen_now(monkeypatch):
    """The calendar's clock stopped at Monday 2026-12-07 08:00 in New York (asked for before a
    signed-in client, so the sign-in happens at that time too)."""
    set_clock(monkeypatch, NOW)
    return NOW


def add_closure(app, reason, office=None, provider=None, starts_on=MONDAY, ends_on=MONDAY):
    with app.app_context():
        db.session.add(
            Closure(
                office=db.session.scalars(select(Office).filter_by(slug=office)).one() if office else None,
                provider=db.session.scalars(select(Provider).filter_by(slug=provider)).one() if provider else None,
                starts_on=starts_on,
                ends_on=ends_on,
                reason=reason,
            )
        )
        db.session.commit()


@pytest.mark.parametrize("url", ["/admin/calendar", DAY_URL, WEEK_URL, LIST_URL])
def test_the_calendar_requires_sign_in(client, clinic, url):
    response = client.get(url)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/admin/login"


def test_day_view_shows_the_visit_in_its_clinicians_column_from_its_first_row_to_its_last(
    frozen_now, admin_client, make_appointment
):
    appointment_id = make_appointment(TEN_AM, first_name="Rosa", last_name="Diaz")
    table = CalendarTable(html_of(admin_client.get(DAY_URL)))
    cell = table.cell("10:00 AM", "Dr. Amira Haddad, MD")
    (link,) = cell["links"]
    assert link["href"] == f"/admin/appointments/{appointment_id}"
    assert " ".join(link["text"].split()) == "10:00–10:30 AM Rosa Diaz Follow-up visit · Booked"
    assert "is-flagged" not in link["class"]
    assert cell["rowspan"] == 2 and table.cell("10:15 AM", "Dr. Amira Haddad, MD") is cell  # 30 minutes tall
    assert table.cell("10:30 AM", "Dr. Amira Haddad, MD") is not cell
    (free,) = table.cell("10:00 AM", "Lauren Whitfield, PA-C")["links"]
    assert " ".join(free["text"].split()) == "Book 10:00 AM with Lauren Whitfield, PA-C"


def test_day_view_is_an_accessible_table_with_a_caption_and_scoped_headers(admin_client, make_appointment):
    make_appointment(TEN_AM, visit="new-patient")  # a cell three rows tall, and its pause
    make_appointment(datetime(2026, 12, 7, 21, 30, tzinfo=UTC), provider="lauren-whitfield")  # to 5:00 PM
    table = CalendarTable(html_of(admin_client.get(DAY_URL)))
    assert table.caption.startswith("Appointments at Fairfax, VA on Monday, December 7, 2026")
    assert [(c["tag"], c["scope"], " ".join(c["text"].split())) for c in table.rows[0]] == [
        ("th", "col", "Time"),
        ("th", "col", "Dr. Amira Haddad, MD"),
        ("th", "col", "Lauren Whitfield, PA-C"),
    ]
    assert [row[0]["scope"] for row in table.rows[1:]] == ["row"] * 36
    assert (table.rows[1][0]["text"], table.rows[-1][0]["text"]) == ("8:00 AM", "4:45 PM")
    assert all(len(row) == 3 for row in table.rows)  # the spans leave no hole and no overflow
    assert table.spans_left == {}  # and none runs past the last row


def test_a_free_time_starts_a_desk_booking_then_with_that_clinician(frozen_now, admin_client, clinic):
    table = CalendarTable(html_of(admin_client.get(DAY_URL)))
    (free,) = table.cell("10:00 AM", "Dr. Amira Haddad, MD")["links"]
    args = {key: value[0] for key, value in parse_qs(urlsplit(free["href"]).query).items()}
    haddad = provider_id(admin_client.application, "amira-haddad")
    assert urlsplit(free["href"]).path == "/admin/bookings/new"
    assert args == {
        "office": "fairfax",
        "provider": str(haddad),
        "day": "2026-12-07",
        "at": f"2026-12-07T15:00Z|{haddad}",
    }
    page = html_of(admin_client.get(free["href"]))
    assert f'value="2026-12-07T15:00Z|{haddad}" checked' in page  # the time is chosen, ready to book


def test_the_first_visit_type_that_fits_is_chosen_when_the_time_is_too_short_for_the_others(
    frozen_now, admin_client, make_appointment
):
    make_appointment(TEN_AM + timedelta(minutes=30))  # 10:30–11:00: only 30 minutes are free at 10:00
    haddad = provider_id(admin_client.application, "amira-haddad")
    table = CalendarTable(html_of(admin_client.get(DAY_URL)))
    (free,) = table.cell("10:00 AM", "Dr. Amira Haddad, MD")["links"]
    page = html_of(admin_client.get(free["href"]))
    assert '<option selected value="follow-up">' in page or 'value="follow-up" selected' in page
    assert f'value="2026-12-07T15:00Z|{haddad}" checked' in page
    # Asked for a visit that does not fit, the desk says so and offers the times that do.
    page = html_of(admin_client.get(free["href"] + "&visit_type=new-patient"))
    assert "10:00 AM is not free for a New-patient consultation with Dr. Amira Haddad, MD" in page
    assert "checked" not in page.split('id="desk-times"')[1].split("</fieldset>")[0]


def test_a_flagged_screening_is_marked_flagged_in_words(admin_client, make_appointment):
    make_appointment(TEN_AM, screening_outcome="flagged")
    for url in (DAY_URL, WEEK_URL, LIST_URL):
        html = html_of(admin_client.get(url))
        assert 'class="calendar-slot is-flagged"' in html
        assert ">Flagged</strong>" in html


def test_a_cancelled_appointment_is_shown_nowhere(admin_client, make_appointment):
    appointment_id = make_appointment(TEN_AM, status="cancelled", first_name="Cancelled")
    for url in (DAY_URL, WEEK_URL, LIST_URL):
        html = html_of(admin_client.get(url))
        assert f"/admin/appointments/{appointment_id}" not in html
        assert "Cancelled" not in html


def test_the_pause_after_a_visit_and_blocked_time_are_shaded_and_not_bookable(
    frozen_now, app, admin_client, make_appointment
):
    make_appointment(TEN_AM, visit="new-patient")  # 45 minutes and a 15-minute pause
    with app.app_context():
        fairfax = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        whitfield = db.session.scalars(select(Provider).filter_by(slug="lauren-whitfield")).one()
        db.session.add(
            TimeBlock(
                office=fairfax,
                provider=whitfield,
                kind="meeting",
                starts_on=MONDAY,
                starts_at=time(14),
                ends_at=time(15),
            )
        )
        db.session.commit()
    table = CalendarTable(html_of(admin_client.get(DAY_URL)))
    visit_cell = table.cell("10:00 AM", "Dr. Amira Haddad, MD")
    assert visit_cell["rowspan"] == 3
    buffer = table.cell("10:45 AM", "Dr. Amira Haddad, MD")
    assert (buffer["text"].strip(), buffer["links"]) == ("Buffer", [])
    assert "calendar-cell--buffer" in buffer["class"]
    meeting = table.cell("2:00 PM", "Lauren Whitfield, PA-C")
    assert (meeting["text"].strip(), meeting["rowspan"], meeting["links"]) == ("Meeting", 4, [])
    assert table.cell("2:45 PM", "Lauren Whitfield, PA-C") is meeting
    assert table.cell("3:00 PM", "Lauren Whitfield, PA-C")["links"]


def test_a_weekly_block_shows_on_its_weekday_from_its_first_to_its_last_week(frozen_now, app, admin_client, clinic):
    with app.app_context():
        fairfax = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        whitfield = db.session.scalars(select(Provider).filter_by(slug="lauren-whitfield")).one()
        for kind, starts_on, ends_on in (
            ("meeting", date(2026, 11, 23), date(2026, 11, 30)),  # ended the week before
            ("lunch", date(2026, 11, 30), None),
            ("surgery", date(2026, 12, 14), None),  # starts the week after
        ):
            db.session.add(
                TimeBlock(
                    office=fairfax,
                    provider=whitfield,
                    kind=kind,
                    weekly=True,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    starts_at=time(11),
                    ends_at=time(11, 30),
                )
            )
        db.session.commit()
    table = CalendarTable(html_of(admin_client.get(DAY_URL)))
    cell = table.cell("11:00 AM", "Lauren Whitfield, PA-C")
    assert (cell["text"].strip(), cell["rowspan"], cell["links"]) == ("Lunch", 2, [])
    assert table.cell("11:30 AM", "Lauren Whitfield, PA-C")["links"]


def test_a_calendar_time_stays_chosen_when_the_desk_switches_to_first_available(
    frozen_now, admin_client, make_appointment
):
    make_appointment(TEN_AM - timedelta(hours=2))  # Haddad is busier, so "first available" gives 10:00 to Whitfield
    haddad = provider_id(admin_client.application, "amira-haddad")
    whitfield = provider_id(admin_client.application, "lauren-whitfield")
    html = html_of(
        admin_client.get(
            f"/admin/bookings/new?office=fairfax&visit_type=follow-up&provider=any&day=2026-12-07"
            f"&at=2026-12-07T15:00Z|{haddad}",
            headers=HTMX,
        )
    )
    assert f'value="2026-12-07T15:00Z|{whitfield}" checked' in html
    assert "is not free" not in html


def test_a_clinicians_time_at_the_other_office_is_shown_as_held_there(frozen_now, admin_client, make_appointment):
    # Whitfield only works at Fairfax; put Haddad's Monday visit at Potomac and look at Fairfax.
    make_appointment(TEN_AM, office="potomac", first_name="Elsewhere")
    table = CalendarTable(html_of(admin_client.get(DAY_URL)))
    held = table.cell("10:00 AM", "Dr. Amira Haddad, MD")
    assert (held["text"].strip(), held["links"], held["rowspan"]) == ("At Potomac, MD", [], 2)
    assert "Elsewhere" not in html_of(admin_client.get(DAY_URL))  # no patient of the other office


def test_week_view_is_one_clinicians_time_grid_with_a_column_per_day(frozen_now, admin_client, make_appointment):
    appointment_id = make_appointment(TEN_AM)
    haddad = provider_id(admin_client.application, "amira-haddad")
    html = html_of(admin_client.get(f"/admin/calendar?office=fairfax&date=2026-12-10&view=week&provider={haddad}"))
    table = CalendarTable(html)
    assert "Fairfax, VA — Dr. Amira Haddad, MD, week of Monday, December 7, 2026" in html
    assert table.caption.startswith("Appointments of Dr. Amira Haddad, MD at Fairfax, VA in the week of Monday")
    assert [" ".join(c["text"].split()) for c in table.rows[0]] == [
        "Time",
        "Monday, Dec 7 (today)",
        "Tuesday, Dec 8",
        "Wednesday, Dec 9",
        "Thursday, Dec 10",
        "Friday, Dec 11",
    ]
    (link,) = table.cell("10:00 AM", "Monday, Dec 7 (today)")["links"]
    assert link["href"] == f"/admin/appointments/{appointment_id}"
    tuesday = table.cell("10:00 AM", "Tuesday, Dec 8")  # she is at Potomac on Tuesdays
    assert (tuesday["text"].strip(), tuesday["links"]) == ("Not working", [])
    (free,) = table.cell("10:00 AM", "Wednesday, Dec 9")["links"]
    assert " ".join(free["text"].split()) == "Book Wednesday, Dec 9, 10:00 AM"
    assert f'<option value="{haddad}" selected>Dr. Amira Haddad, MD</option>' in html


def test_week_view_shows_the_first_clinician_when_none_or_a_stranger_is_asked_for(frozen_now, admin_client, clinic):
    for url in (WEEK_URL, WEEK_URL + "&provider=999999", WEEK_URL + "&provider=x"):
        assert "Fairfax, VA — Dr. Amira Haddad, MD, week of Monday, December 7, 2026" in html_of(admin_client.get(url))


def test_day_columns_lead_to_the_clinicians_week_and_week_columns_to_the_day(frozen_now, admin_client, clinic):
    haddad = provider_id(admin_client.application, "amira-haddad")
    assert link_args(html_of(admin_client.get(DAY_URL)), "Dr. Amira Haddad, MD") == {
        "office": "fairfax",
        "date": "2026-12-07",
        "view": "week",
        "provider": str(haddad),
    }
    week = html_of(admin_client.get(WEEK_URL))
    assert link_args(week, "Wednesday, Dec 9") == {"office": "fairfax", "date": "2026-12-09", "view": "day"}
    assert link_args(week, "Next week") == {
        "office": "fairfax",
        "date": "2026-12-14",
        "view": "week",
        "provider": str(haddad),
    }


def test_the_week_list_shows_the_appointment_under_monday_for_its_clinician(admin_client, make_appointment):
    appointment_id = make_appointment(TEN_AM)
    table = CalendarTable(html_of(admin_client.get("/admin/calendar?office=fairfax&date=2026-12-10&view=list")))
    assert [(c["scope"], " ".join(c["text"].split())) for c in table.rows[0]] == [
        ("col", "Clinician"),
        ("col", "Monday, Dec 7"),
        ("col", "Tuesday, Dec 8"),
        ("col", "Wednesday, Dec 9"),
        ("col", "Thursday, Dec 10"),
        ("col", "Friday, Dec 11"),
    ]
    assert [(row[0]["scope"], row[0]["text"]) for row in table.rows[1:]] == [
        ("row", "Dr. Amira Haddad, MD"),
        ("row", "Dr. Daniel Okafor, MD"),
        ("row", "Lauren Whitfield, PA-C"),
    ]
    (link,) = table.cell("Dr. Amira Haddad, MD", "Monday, Dec 7")["links"]
    assert link["href"] == f"/admin/appointments/{appointment_id}"
    assert table.cell("Dr. Amira Haddad, MD", "Tuesday, Dec 8")["links"] == []
    assert table.caption.startswith("Appointments at Fairfax, VA in the week of Monday, December 7, 2026")


def test_an_office_closure_shows_closed_with_its_reason(app, admin_client, clinic):
    add_closure(app, "Snow day", office="fairfax")
    add_closure(app, "Other office", office="potomac")
    html = html_of(admin_client.get(DAY_URL))
    assert "Closed: Snow day" in html
    assert "Other office" not in html


def test_a_provider_closure_shows_who_is_away(app, admin_client, clinic):
    add_closure(app, "Conference", provider="amira-haddad", starts_on=date(2026, 12, 4), ends_on=date(2026, 12, 8))
    assert "Dr. Amira Haddad, MD away: Conference" in html_of(admin_client.get(DAY_URL))
    assert "Dr. Amira Haddad, MD away: Conference (Friday, Dec 4 – Tuesday, Dec 8)" in html_of(
        admin_client.get(LIST_URL)
    )


@pytest.mark.parametrize(
    "url",
    [
        "/admin/calendar?office=potomac",
        "/admin/calendar?office=potomac&view=week",
        "/admin/calendar?office=potomac&view=list",
        "/admin/calendar?office=nowhere",
    ],
)
def test_staff_get_404_for_an_office_they_do_not_work_at(fairfax_staff_client, clinic, url):
    assert fairfax_staff_client.get(url).status_code == 404


def test_an_office_that_does_not_exist_is_404_for_admins_too(admin_client, clinic):
    assert admin_client.get("/admin/calendar?office=nowhere").status_code == 404


def test_staff_see_their_own_office_today_by_default(frozen_now, fairfax_staff_client, clinic):
    html = html_of(fairfax_staff_client.get("/admin/calendar"))
    assert "Fairfax, VA — Monday, December 7, 2026" in html
    assert '<option value="potomac"' not in html  # the switcher offers only their offices


def test_admins_default_to_the_first_office_by_name(frozen_now, admin_client, clinic):
    assert "Fairfax, VA — Monday, December 7, 2026" in html_of(admin_client.get("/admin/calendar"))


def test_an_unreadable_date_shows_today(frozen_now, admin_client, clinic):
    html = html_of(admin_client.get("/admin/calendar?office=potomac&date=12/25/2026&view=fortnight"))
    assert "Potomac, MD — Monday, December 7, 2026" in html


@pytest.fixture
def late_sunday(monkeypatch):
    """The clock at 3 AM UTC on Monday, still Sunday 10 PM in New York."""
    set_clock(monkeypatch, datetime(2026, 12, 7, 3, 0, tzinfo=UTC))


def test_today_is_the_offices_date_not_utcs(late_sunday, admin_client, clinic):
    assert "Fairfax, VA — Sunday, December 6, 2026" in html_of(admin_client.get("/admin/calendar"))


@pytest.mark.parametrize("url", [DAY_URL, WEEK_URL, LIST_URL])
def test_htmx_gets_only_the_calendar_and_a_plain_request_the_whole_page(admin_client, make_appointment, url):
    make_appointment(TEN_AM)
    fragment = admin_client.get(url, headers=HTMX)
    page = admin_client.get(url)
    assert fragment.status_code == page.status_code == 200
    assert "<html" not in html_of(fragment)
    assert html_of(fragment).strip().startswith('<section id="calendar"')
    assert "<html" in html_of(page) and '<section id="calendar"' in html_of(page)
    assert "HX-Request" in page.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]


def test_the_switcher_and_links_swap_only_the_calendar_and_focus_its_heading(admin_client, clinic):
    html = html_of(admin_client.get(DAY_URL, headers=HTMX))
    assert (
        '<h2 id="calendar-heading" tabindex="-1" data-focus-on-swap>Fairfax, VA — Monday, December 7, 2026</h2>' in html
    )
    form = html[html.index("<form") : html.index(">", html.index("<form"))]
    for attribute in (
        'method="get"',
        'hx-get="/admin/calendar"',
        'hx-include="this"',
        'hx-target="#calendar"',
        'hx-swap="outerHTML"',
        'hx-push-url="true"',
    ):
        assert attribute in form
    for label in ("Previous day", "Today", "Next day"):
        start = html.index(f">{label}</a>")
        tag = html[html.rindex("<a ", 0, start) : start]
        assert 'hx-target="#calendar"' in tag and 'hx-swap="outerHTML"' in tag and 'hx-push-url="true"' in tag
        assert 'hx-get="/admin/calendar?' in tag


def test_day_links_lead_to_the_previous_and_next_day_and_today(frozen_now, admin_client, clinic):
    html = html_of(admin_client.get("/admin/calendar?office=fairfax&date=2026-12-01"))
    assert link_args(html, "Previous day") == {"office": "fairfax", "date": "2026-11-30", "view": "day"}
    assert link_args(html, "Next day") == {"office": "fairfax", "date": "2026-12-02", "view": "day"}
    assert link_args(html, "Today") == {"office": "fairfax", "date": "2026-12-07", "view": "day"}


def test_week_links_lead_to_the_mondays_of_the_previous_and_next_week(frozen_now, admin_client, clinic):
    html = html_of(admin_client.get("/admin/calendar?office=potomac&date=2026-12-31&view=list"))
    assert "Potomac, MD — week of Monday, December 28, 2026" in html
    assert link_args(html, "Previous week") == {"office": "potomac", "date": "2026-12-21", "view": "list"}
    assert link_args(html, "Next week") == {"office": "potomac", "date": "2027-01-04", "view": "list"}
    assert link_args(html, "Today") == {"office": "potomac", "date": "2026-12-07", "view": "list"}
    assert link_args(html, "Wednesday, Dec 30") == {"office": "potomac", "date": "2026-12-30", "view": "day"}


def test_appointments_of_other_offices_are_not_on_this_calendar(admin_client, make_appointment):
    other = make_appointment(TEN_AM + timedelta(days=1), office="potomac")  # Tuesday: Haddad is at Potomac
    for url in (
        "/admin/calendar?office=fairfax&date=2026-12-08",
        "/admin/calendar?office=fairfax&date=2026-12-08&view=week",
        "/admin/calendar?office=fairfax&date=2026-12-08&view=list",
    ):
        assert f"/admin/appointments/{other}" not in html_of(admin_client.get(url))
    assert f"/admin/appointments/{other}" in html_of(admin_client.get("/admin/calendar?office=potomac&date=2026-12-08"))


def test_staff_without_an_office_are_told_so(app, make_user, clinic):
    from tests.conftest import sign_in

    make_user("new.desk@example.org", "staff", [])
    client = app.test_client()
    sign_in(client, "new.desk@example.org")
    response = client.get("/admin/calendar")
    assert response.status_code == 200
    assert "No office is assigned to your account" in html_of(response)
