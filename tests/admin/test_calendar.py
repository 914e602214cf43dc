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
from clinic_app.admin.calendar.view import GRID, closure_notices, day_grid, time_rows, week_grid
from clinic_app.extensions import db
from clinic_app.formatting import time_range
from clinic_app.models import Closure, Office, Provider
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


@pytest.mark.parametrize("value, expected", [("day", "day"), ("week", "week"), (None, "day"), ("month", "day")])
def test_the_view_is_day_unless_week_is_asked_for(value, expected):
    assert read_view(value) == expected


def test_day_navigation_leads_to_the_day_before_and_after():
    assert navigation(MONDAY, "day", today=date(2026, 11, 27)) == [
        NavLink("Previous day", date(2026, 12, 6)),
        NavLink("Today", date(2026, 11, 27)),
        NavLink("Next day", date(2026, 12, 8)),
    ]


def test_week_navigation_leads_to_the_mondays_of_the_weeks_before_and_after():
    wednesday = date(2026, 12, 9)
    assert navigation(wednesday, "week", today=MONDAY) == [
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
    grid = day_grid(
        office=OFFICE,
        day=spring_forward,
        now=NOW,
        appointments=[visit(datetime(2026, 3, 8, 14, 0, tzinfo=UTC))],
        working_hours=[hours(HADDAD, spring_forward.weekday())],
    )
    (row,) = [row for row in grid.rows if row.cells[0]]
    assert row.label == "10:00 AM"  # 14:00 UTC is 10:00 EDT
    assert row.cells[0][0].time == "10:00–10:30 AM"


# The day view


def test_day_grid_has_a_column_per_provider_working_that_day_by_name():
    grid = day_grid(
        office=OFFICE,
        day=MONDAY,
        now=NOW,
        appointments=[],
        working_hours=[hours(WHITFIELD, 0), hours(HADDAD, 0), hours(OKAFOR, 1)],
    )
    assert [p.name for p in grid.providers] == ["Dr. Amira Haddad, MD", "Lauren Whitfield, PA-C"]
    assert labels(grid.rows)[:2] == ["8:00 AM", "8:15 AM"] and labels(grid.rows)[-1] == "4:45 PM"


def test_a_provider_with_an_appointment_on_their_day_off_gets_a_column():
    grid = day_grid(
        office=OFFICE,
        day=MONDAY,
        now=NOW,
        appointments=[visit(TEN_AM, provider=OKAFOR)],
        working_hours=[hours(HADDAD, 0), hours(OKAFOR, 1)],
    )
    assert [p.provider_id for p in grid.providers] == [HADDAD.id, OKAFOR.id]
    row = next(row for row in grid.rows if row.label == "10:00 AM")
    assert row.cells[0] == () and row.cells[1][0].appointment_id == 1


def test_a_provider_who_left_has_no_column_unless_they_still_have_appointments():
    former = SimpleNamespace(id=9, name="Dr. Former", display_name="Dr. Former", active=False)
    grid = day_grid(office=OFFICE, day=MONDAY, now=NOW, appointments=[], working_hours=[hours(former, 0)])
    assert grid.providers == () and grid.rows == ()
    grid = day_grid(
        office=OFFICE,
        day=MONDAY,
        now=NOW,
        appointments=[visit(TEN_AM, provider=former)],
        working_hours=[hours(former, 0)],
    )
    assert [p.name for p in grid.providers] == ["Dr. Former"]


def test_day_grid_puts_each_appointment_in_the_row_of_its_start_ready_to_show():
    grid = day_grid(
        office=OFFICE,
        day=MONDAY,
        now=NOW,
        working_hours=[hours(HADDAD, 0)],
        appointments=[
            visit(TEN_AM, outcome="flagged", status="confirmed", name="Rosa Diaz"),
            visit(TEN_AM + timedelta(hours=1), status="cancelled", id=2),
            visit(TEN_AM + timedelta(days=1), id=3),  # Tuesday
        ],
    )
    filled = [(row.label, row.cells[0]) for row in grid.rows if row.cells[0]]
    assert len(filled) == 1
    label, (entry,) = filled[0]
    assert label == "10:00 AM"
    assert (entry.time, entry.patient, entry.visit, entry.status, entry.flagged) == (
        "10:00–10:30 AM",
        "Rosa Diaz",
        "Follow-up visit",
        "Confirmed",
        True,
    )


def test_day_grid_marks_the_current_quarter_hour_only_today():
    now = datetime(2026, 12, 7, 15, 20, tzinfo=UTC)  # 10:20 AM
    today = day_grid(office=OFFICE, day=MONDAY, now=now, appointments=[], working_hours=[hours(HADDAD, 0)])
    assert [row.label for row in today.rows if row.is_now] == ["10:15 AM"]
    tomorrow = day_grid(
        office=OFFICE, day=MONDAY + timedelta(days=7), now=now, appointments=[], working_hours=[hours(HADDAD, 0)]
    )
    assert not any(row.is_now for row in tomorrow.rows)


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
    """The calendar table read as a browser's accessibility tree would: caption, header and body cells."""

    def __init__(self, html):
        super().__init__()
        self.caption, self.rows, self._cell, self._in_caption, self._in_table = "", [], None, False, False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._in_table = True
        elif not self._in_table:
            return
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = {"tag": tag, "scope": attrs.get("scope"), "text": "", "links": []}
            self.rows[-1].append(self._cell)
        elif tag == "a" and self._cell is not None:
            self._cell["links"].append({"href": attrs.get("href"), "class": attrs.get("class") or "", "text": ""})

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("th", "td"):
            self._cell = None

    def handle_data(self, data):
        if self._in_caption:
            self.caption += data
        elif self._cell is not None:
            self._cell["text"] += data
            if self._cell["links"]:
                self._cell["links"][-1]["text"] += data

    def cell(self, row_header, column_header):
        """The cell in the row headed ``row_header`` and the column headed ``column_header``."""
        columns = [" ".join(c["text"].split()) for c in self.rows[0]]
        column = columns.index(column_header)
        row = next(r for r in self.rows[1:] if " ".join(r[0]["text"].split()) == row_header)
        return row[column]


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


@pytest.mark.parametrize("url", ["/admin/calendar", DAY_URL, WEEK_URL])
def test_the_calendar_requires_sign_in(client, clinic, url):
    response = client.get(url)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/admin/login"


def test_day_view_shows_the_appointment_in_its_clinicians_column_and_the_10_00_row(admin_client, make_appointment):
    appointment_id = make_appointment(TEN_AM, first_name="Rosa", last_name="Diaz")
    table = CalendarTable(html_of(admin_client.get(DAY_URL)))
    (link,) = table.cell("10:00 AM", "Dr. Amira Haddad, MD")["links"]
    assert link["href"] == f"/admin/appointments/{appointment_id}"
    assert " ".join(link["text"].split()) == "10:00–10:30 AM Rosa Diaz Follow-up visit · Booked"
    assert "is-flagged" not in link["class"]
    assert table.cell("10:00 AM", "Lauren Whitfield, PA-C")["links"] == []
    assert table.cell("9:45 AM", "Dr. Amira Haddad, MD")["links"] == []


def test_day_view_is_an_accessible_table_with_a_caption_and_scoped_headers(admin_client, make_appointment):
    table = CalendarTable(html_of(admin_client.get(DAY_URL)))
    assert table.caption.startswith("Appointments at Fairfax, VA on Monday, December 7, 2026")
    assert [(c["tag"], c["scope"], c["text"]) for c in table.rows[0]] == [
        ("th", "col", "Time"),
        ("th", "col", "Dr. Amira Haddad, MD"),
        ("th", "col", "Lauren Whitfield, PA-C"),
    ]
    assert [row[0]["scope"] for row in table.rows[1:]] == ["row"] * 36
    assert (table.rows[1][0]["text"], table.rows[-1][0]["text"]) == ("8:00 AM", "4:45 PM")


def test_a_flagged_screening_is_marked_flagged_in_words(admin_client, make_appointment):
    make_appointment(TEN_AM, screening_outcome="flagged")
    for url in (DAY_URL, WEEK_URL):
        html = html_of(admin_client.get(url))
        assert 'class="calendar-slot is-flagged"' in html
        assert ">Flagged</strong>" in html


def test_a_cancelled_appointment_is_shown_nowhere(admin_client, make_appointment):
    appointment_id = make_appointment(TEN_AM, status="cancelled", first_name="Cancelled")
    for url in (DAY_URL, WEEK_URL):
        html = html_of(admin_client.get(url))
        assert f"/admin/appointments/{appointment_id}" not in html
        assert "Cancelled" not in html


def test_week_view_shows_the_appointment_under_monday_for_its_clinician(admin_client, make_appointment):
    appointment_id = make_appointment(TEN_AM)
    table = CalendarTable(html_of(admin_client.get("/admin/calendar?office=fairfax&date=2026-12-10&view=week")))
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
        admin_client.get(WEEK_URL)
    )


@pytest.mark.parametrize(
    "url",
    ["/admin/calendar?office=potomac", "/admin/calendar?office=potomac&view=week", "/admin/calendar?office=nowhere"],
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


@pytest.mark.parametrize("url", [DAY_URL, WEEK_URL])
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
    html = html_of(admin_client.get("/admin/calendar?office=potomac&date=2026-12-31&view=week"))
    assert "Potomac, MD — week of Monday, December 28, 2026" in html
    assert link_args(html, "Previous week") == {"office": "potomac", "date": "2026-12-21", "view": "week"}
    assert link_args(html, "Next week") == {"office": "potomac", "date": "2027-01-04", "view": "week"}
    assert link_args(html, "Today") == {"office": "potomac", "date": "2026-12-07", "view": "week"}
    assert link_args(html, "Wednesday, Dec 30") == {"office": "potomac", "date": "2026-12-30", "view": "day"}


def test_appointments_of_other_offices_are_not_on_this_calendar(admin_client, make_appointment):
    other = make_appointment(TEN_AM + timedelta(days=1), office="potomac")  # Tuesday: Haddad is at Potomac
    for url in (
        "/admin/calendar?office=fairfax&date=2026-12-08",
        "/admin/calendar?office=fairfax&date=2026-12-08&view=week",
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
