"""The bookings list (filters, search, pages, htmx), one appointment and its actions, the CSV export."""

import contextlib
import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from html import unescape as html_unescape
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from clinic_app.booking.screening import FIRST, answers_record
from clinic_app.extensions import db
from clinic_app.models import (
    Appointment,
    AppointmentNote,
    AuditEntry,
    Office,
    OutboxMessage,
    Provider,
    ProviderTimeBlock,
    StaffUser,
)
from clinic_app.seed import seed_offices, seed_scheduling
from tests.conftest import (
    ACCESS_ACTIONS,
    PASSWORD,
    QUICK_HASH,
    add_appointment,
    authenticator_set_up,
    build_app,
    csrf_token_from,
    new_postgres_database,
    sign_in,
)

NY = ZoneInfo("America/New_York")
HTMX = {"HX-Request": "true"}
ROW_LINK = re.compile(r'<td><a href="/admin/appointments/(\d+)">([^<]+)</a></td>')
CSV_HEADER = [
    "Reference",
    "Date and time",
    "Office",
    "Clinician",
    "Visit",
    "Status",
    "First name",
    "Last name",
    "Phone",
    "Email",
    "New patient",
    "Reason",
    "Screening",
    "Booked",
]


def soon(days=2, hours=0) -> datetime:
    """A moment on the hour, ``days`` (and ``hours``) from now, in UTC."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=days, hours=hours)


def ny_day(moment: datetime) -> date:
    return moment.astimezone(NY).date()


def office_local(days_ahead, hour, minute=0, today=None) -> datetime:
    """A clinic-time moment ``days_ahead`` days after ``today`` (default: today in New York), as UTC."""
    day = (today or datetime.now(NY).date()) + timedelta(days=days_ahead)
    return datetime.combine(day, time(hour, minute), tzinfo=NY).astimezone(UTC)


def listed(response) -> list[str]:
    """The patient names in the bookings table, in order."""
    return [name for _, name in ROW_LINK.findall(response.get_data(as_text=True))]


def provider_id(app, slug) -> int:
    with app.app_context():
        return db.session.scalars(select(Provider.id).filter_by(slug=slug)).one()


def load(app, appointment_id) -> Appointment:
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        db.session.expunge(appointment)
        return appointment


def audit_entries(app, appointment_id=None, action=None) -> list[AuditEntry]:
    with app.app_context():
        query = select(AuditEntry).where(AuditEntry.action.not_in(ACCESS_ACTIONS)).order_by(AuditEntry.id)
        if appointment_id is not None:
            query = query.filter_by(appointment_id=appointment_id)
        if action is not None:
            query = query.filter_by(action=action)
        entries = db.session.scalars(query).all()
        db.session.expunge_all()
        return entries


def user_id(app, email) -> int:
    with app.app_context():
        return db.session.scalars(select(StaffUser.id).filter_by(email=email)).one()


def count(app, model, **filters) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**filters))


def post_on(client, appointment_id, action, **data):
    """Post one of the appointment page's forms with the page's CSRF token."""
    token = csrf_token_from(client.get(f"/admin/appointments/{appointment_id}").get_data(as_text=True))
    return client.post(f"/admin/appointments/{appointment_id}/{action}", data={"csrf_token": token, **data})


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


# --- a shared, read-only world for the list, filter and search tests ----------------------------
#
# Building an app, seeding it and signing in costs about half a second; the tests below only read,
# so they share one app per data set (each data set built once per module).


def world_appointment(starts_at, **spec):
    """An appointment of the shared world: each patient has an email of their own, one phone for all."""
    first_name = spec.get("first_name", "Test")
    spec.setdefault("email", f"{first_name.lower()}@example.org")
    spec.setdefault("phone", "(571) 555-0100")
    return add_appointment(db.session, starts_at, **spec)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world_database(request):
    """Where the shared worlds live: every test that reads one runs on SQLite and on PostgreSQL
    (search, filters, sorting and paging are SQL that each database must answer the same)."""
    if request.param == "sqlite":
        return lambda path: contextlib.nullcontext(f"sqlite:///{path / 'clinic.sqlite3'}")
    server = request.getfixturevalue("postgres_server")
    return lambda path: new_postgres_database(server)


def build_world(path, database_url, appointments):
    """An app with the seeded clinic, an admin and a Fairfax desk user signed in, and ``appointments``."""
    app = build_app(database_url, path)
    with app.app_context():
        seed_offices(db.session, app.config["OFFICE_SETTINGS"])
        db.session.flush()
        seed_scheduling(db.session)
        fairfax = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        quick = generate_password_hash(PASSWORD, QUICK_HASH)
        db.session.add_all(
            [
                StaffUser(
                    email="admin@example.org", name="Admin", role="admin", password_hash=quick, **authenticator_set_up()
                ),
                StaffUser(
                    email="fairfax.desk@example.org",
                    name="Desk",
                    role="staff",
                    offices=[fairfax],
                    password_hash=quick,
                    **authenticator_set_up(),
                ),
            ]
        )
        ids = {key: world_appointment(starts_at, **spec) for key, (starts_at, spec) in appointments.items()}
        db.session.commit()
    admin, staff = app.test_client(), app.test_client()
    assert sign_in(admin, "admin@example.org").status_code == 303
    assert sign_in(staff, "fairfax.desk@example.org").status_code == 303
    return SimpleNamespace(app=app, admin=admin, staff=staff, ids=ids)


def close_world(world):
    with world.app.app_context():
        db.session.remove()
        db.engine.dispose()


# Upcoming, soonest first (the past one is listed first when the date filter reaches back to it).
UPCOMING = [
    "Fay Fairfax",
    "Laura Lane",
    "Pat Potomac",
    "Connie Firmed",
    "Flo Flagg",
    "Nora Quinn",
    "Oscar Reyes",
    "Late Evening",
    "Early Morning",
    "Much Later",
]
FAIRFAX_UPCOMING = [name for name in UPCOMING if name != "Pat Potomac"]


@pytest.fixture(scope="module")
def world(tmp_path_factory, world_database):
    """One app holding appointments across offices, clinicians, statuses, screenings and days."""
    today = datetime.now(NY).date()
    path = tmp_path_factory.mktemp("bookings")
    with world_database(path) as database_url:
        world = build_world(
            path,
            database_url,
            {
                "past": (soon(-3), {"first_name": "Paula", "last_name": "Past"}),
                "fairfax": (soon(2), {"first_name": "Fay", "last_name": "Fairfax"}),
                "lauren": (soon(3), {"provider": "lauren-whitfield", "first_name": "Laura", "last_name": "Lane"}),
                "potomac": (
                    soon(4),
                    {
                        "provider": "michael-brenner",
                        "office": "potomac",
                        "first_name": "Pat",
                        "last_name": "Potomac",
                        "phone": "(301) 555-0188",
                    },
                ),
                "confirmed": (soon(5), {"status": "confirmed", "first_name": "Connie", "last_name": "Firmed"}),
                "flagged": (soon(6), {"screening_outcome": "flagged", "first_name": "Flo", "last_name": "Flagg"}),
                "nora": (
                    soon(7),
                    {
                        "first_name": "Nora",
                        "last_name": "Quinn",
                        "reference": "NQXTKPAB",
                        "email": "Nora.Quinn@example.org",
                        "phone": "(703) 555-0123",
                    },
                ),
                "oscar": (
                    soon(8),
                    {"first_name": "Oscar", "last_name": "Reyes", "reference": "RWHMZCDE", "phone": "(301) 555-0199"},
                ),
                # 10:30 PM in New York is already the next day in UTC: date filters must use clinic days.
                "late": (office_local(10, 22, 30, today), {"first_name": "Late", "last_name": "Evening"}),
                "early": (office_local(11, 8, today=today), {"first_name": "Early", "last_name": "Morning"}),
                "later": (office_local(13, 12, today=today), {"first_name": "Much", "last_name": "Later"}),
            },
        )
        world.today = today
        yield world
        close_world(world)


@pytest.fixture(scope="module")
def thirty(tmp_path_factory, world_database):
    """Thirty upcoming Fairfax appointments an hour apart, patients numbered in time order."""
    start = soon(2)
    path = tmp_path_factory.mktemp("thirty")
    with world_database(path) as database_url:
        world = build_world(
            path,
            database_url,
            {i: (start + timedelta(hours=i), {"first_name": "Patient", "last_name": f"{i:02d}"}) for i in range(30)},
        )
        yield world
        close_world(world)


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_upcoming_appointments_only_by_default(world):
    response = world.admin.get("/admin/")
    assert listed(response) == UPCOMING
    assert "Paula Past" not in response.get_data(as_text=True)
    earlier = ny_day(load(world.app, world.ids["past"]).starts_at).isoformat()
    assert listed(world.admin.get(f"/admin/?date_from={earlier}")) == ["Paula Past"] + UPCOMING


def test_the_list_is_soonest_first_with_a_count(world):
    html = world.admin.get("/admin/").get_data(as_text=True)
    assert f"{len(UPCOMING)} bookings" in html
    assert html.index("Fay Fairfax") < html.index("Laura Lane") < html.index("Much Later")


def test_an_empty_list_says_no_bookings_match(world):
    html = world.admin.get("/admin/?q=zzzz").get_data(as_text=True)
    assert "0 bookings" in html and "No bookings match these filters." in html


def test_the_list_filters_by_office(world):
    assert listed(world.admin.get("/admin/?office=potomac")) == ["Pat Potomac"]
    assert listed(world.admin.get("/admin/?office=fairfax")) == FAIRFAX_UPCOMING


def test_the_list_filters_by_provider(world):
    lauren = provider_id(world.app, "lauren-whitfield")
    assert listed(world.admin.get(f"/admin/?provider={lauren}")) == ["Laura Lane"]
    brenner = provider_id(world.app, "michael-brenner")
    assert listed(world.admin.get(f"/admin/?provider={brenner}")) == ["Pat Potomac"]


def test_the_list_filters_by_status(world):
    assert listed(world.admin.get("/admin/?status=confirmed")) == ["Connie Firmed"]
    assert listed(world.admin.get("/admin/?status=booked")) == [n for n in UPCOMING if n != "Connie Firmed"]
    assert listed(world.admin.get("/admin/?status=cancelled")) == []


def test_the_list_filters_by_date_range_in_clinic_time(world):
    day = {n: (world.today + timedelta(days=n)).isoformat() for n in (10, 11, 12)}
    assert listed(world.admin.get(f"/admin/?date_from={day[10]}&date_to={day[10]}")) == ["Late Evening"]
    assert listed(world.admin.get(f"/admin/?date_from={day[11]}&date_to={day[11]}")) == ["Early Morning"]
    assert listed(world.admin.get(f"/admin/?date_from={day[11]}")) == ["Early Morning", "Much Later"]
    assert listed(world.admin.get(f"/admin/?date_to={day[12]}"))[-3:] == [
        "Oscar Reyes",
        "Late Evening",
        "Early Morning",
    ]
    assert listed(world.admin.get(f"/admin/?date_to={day[12]}"))[0] == "Paula Past"  # no start: no lower bound


def test_the_list_filters_flagged_screenings(world):
    response = world.admin.get("/admin/?flagged=y")
    assert listed(response) == ["Flo Flagg"]
    assert '<strong class="flag">Flagged</strong>' in response.get_data(as_text=True)


def test_unreadable_filters_are_ignored_not_errors(world):
    response = world.admin.get("/admin/?provider=abc&date_from=not-a-date&status=nonsense&page=x")
    assert response.status_code == 200
    assert listed(response) == UPCOMING


@pytest.mark.parametrize(
    "query",
    [
        "Nora Quinn",
        "nora quinn",
        "quinn",
        "QUINN",
        "nqxtkpab",
        "NQXTKPAB",
        "nora.quinn@example.org",
        "NORA.QUINN@EXAMPLE",
        "7035550123",
        "703-555-0123",
        "(703) 555-0123",
        "+1 703 555 0123",
    ],
    ids=[
        "full-name",
        "full-name-lower",
        "last-name",
        "last-name-upper",
        "reference-lower",
        "reference",
        "email",
        "email-upper-part",
        "phone-digits",
        "phone-dashes",
        "phone-formatted",
        "phone-country-code",
    ],
)
def test_search_finds_the_patient_by_name_reference_email_or_phone(world, query):
    assert listed(world.admin.get("/admin/", query_string={"q": query})) == ["Nora Quinn"]


def test_search_for_something_nobody_has_finds_nothing(world):
    response = world.admin.get("/admin/?q=Zebulon")
    assert listed(response) == []
    assert "No bookings match these filters." in response.get_data(as_text=True)


def test_a_provider_id_too_large_for_the_database_is_ignored_not_an_error(world):
    response = world.admin.get("/admin/?provider=99999999999999999999999")
    assert response.status_code == 200
    assert listed(response) == UPCOMING
    assert world.admin.get("/admin/bookings.csv?provider=99999999999999999999999").status_code == 200


def test_a_date_to_at_the_end_of_the_calendar_is_not_an_error(world):
    response = world.admin.get("/admin/?date_to=9999-12-31")
    assert response.status_code == 200
    assert listed(response) == ["Paula Past"] + UPCOMING
    assert world.admin.get("/admin/bookings.csv?date_to=9999-12-31").status_code == 200


NEXT_PAGE = re.compile(r'<a href="([^"]+)"[^>]*>Next page</a>')
PREVIOUS_PAGE = re.compile(r'<a href="([^"]+)"[^>]*>Previous page</a>')


def follow(client, pattern, response):
    return client.get(html_unescape(pattern.search(response.get_data(as_text=True)).group(1)))


def test_the_list_is_paginated_25_per_page(thirty):
    first = thirty.admin.get("/admin/")
    html = first.get_data(as_text=True)
    assert listed(first) == [f"Patient {i:02d}" for i in range(25)]
    assert "30 bookings — page 1 of 2" in html
    assert ">Next page</a>" in html and "Previous page" not in html
    second = follow(thirty.admin, NEXT_PAGE, first)
    html = second.get_data(as_text=True)
    assert listed(second) == [f"Patient {i:02d}" for i in range(25, 30)]
    assert "page 2 of 2" in html and "Next page" not in html
    assert listed(follow(thirty.admin, PREVIOUS_PAGE, second)) == listed(first)


def test_pages_follow_the_time_order_however_deep_and_back_again(thirty, monkeypatch):
    """Pages are found by their first and last rows' places (time, then id), not by counting
    rows from the start: walking forward five at a time and back gives the same pages, and
    past 20 (``COUNT_UP_TO``, here) the heading says "more than"."""
    from clinic_app import database
    from clinic_app.admin.bookings import queries

    monkeypatch.setattr(database, "COUNT_UP_TO", 20)
    monkeypatch.setattr(queries, "PER_PAGE", 5)
    monkeypatch.setitem(thirty.admin.application.config, "RENDERED_PAGE_CACHE", False)  # pages kept at 25 rows
    pages, response = [], thirty.admin.get("/admin/")
    while True:
        pages.append(listed(response))
        html = response.get_data(as_text=True)
        assert f"More than 20 bookings — page {len(pages)}<" in html
        if not NEXT_PAGE.search(html):
            break
        response = follow(thirty.admin, NEXT_PAGE, response)
    assert [name for page in pages for name in page] == [f"Patient {i:02d}" for i in range(30)]
    for number, expected in reversed(list(enumerate(pages[:-1], start=1))):
        response = follow(thirty.admin, PREVIOUS_PAGE, response)
        html = response.get_data(as_text=True)
        assert listed(response) == expected
        assert f"More than 20 bookings — page {number}<" in html and ">Next page</a>" in html
    assert "Previous page" not in response.get_data(as_text=True)


@pytest.fixture(scope="module")
def crowded(tmp_path_factory, world_database):
    """Four clinicians, each with a visit at the same three times: twelve visits in four-way ties."""
    start = soon(2)
    clinicians = [
        ("amira-haddad", "fairfax"),
        ("daniel-okafor", "potomac"),
        ("lauren-whitfield", "fairfax"),
        ("michael-brenner", "potomac"),
    ]
    appointments = {}
    for hour in range(3):
        for provider, office in clinicians:
            number = len(appointments)
            spec = {"first_name": "Crowd", "last_name": f"{number:02d}", "provider": provider, "office": office}
            appointments[number] = (start + timedelta(hours=hour), spec)
    path = tmp_path_factory.mktemp("crowded")
    with world_database(path) as database_url:
        world = build_world(path, database_url, appointments)
        yield world
        close_world(world)


def test_visits_at_the_same_time_are_neither_lost_nor_repeated_across_pages(crowded, monkeypatch):
    """Pages of five cut through groups of visits at one time: each visit is on exactly one page,
    forward and back (the page's place is its time and then its id)."""
    from clinic_app.admin.bookings import queries

    monkeypatch.setattr(queries, "PER_PAGE", 5)
    monkeypatch.setitem(crowded.admin.application.config, "RENDERED_PAGE_CACHE", False)
    response = crowded.admin.get("/admin/")
    pages = [listed(response)]
    while NEXT_PAGE.search(response.get_data(as_text=True)):
        response = follow(crowded.admin, NEXT_PAGE, response)
        pages.append(listed(response))
        assert f"12 bookings — page {len(pages)} of 3" in response.get_data(as_text=True)
    assert pages == [[f"Crowd {i:02d}" for i in range(start, min(start + 5, 12))] for start in (0, 5, 10)]
    response = follow(crowded.admin, PREVIOUS_PAGE, response)
    assert listed(response) == pages[1]
    assert listed(follow(crowded.admin, PREVIOUS_PAGE, response)) == pages[0]


def test_a_stale_or_unreadable_place_shows_the_first_page(thirty):
    first = [f"Patient {i:02d}" for i in range(25)]
    for query in (
        "?page=99",
        "?after=garbage&page=3",
        "?before=1_2_3",
        "?after=99999999999999999999_1",
        "?after=-5_x",
        "?after=0_99999999999999999999",  # an id no database holds
    ):
        response = thirty.admin.get(f"/admin/{query}")
        assert response.status_code == 200, query
        assert listed(response) == first, query
    far_future = "?after=4102444800000000_1&page=7"  # after 2100: nothing there any more
    response = thirty.admin.get(f"/admin/{far_future}")
    assert listed(response) == first and "page 1 of 2" in response.get_data(as_text=True)


def test_the_full_page_and_the_htmx_fragment_both_carry_the_filters_in_their_links(thirty):
    query = "/admin/?office=fairfax&status=booked&q=patient"
    page = thirty.admin.get(query).get_data(as_text=True)
    fragment_response = thirty.admin.get(query, headers=HTMX)
    fragment = fragment_response.get_data(as_text=True)
    assert "<html" in page and 'class="filters"' in page and 'value="patient"' in page
    assert "<html" not in fragment and 'class="filters"' not in fragment
    assert fragment.lstrip().startswith('<section id="bookings-table"')
    assert "HX-Request" in fragment_response.headers["Vary"]
    next_link = re.compile(r"/admin/\?q=patient&amp;office=fairfax&amp;status=booked&amp;after=\d+_\d+&amp;page=2")
    csv_link = "/admin/bookings.csv?q=patient&amp;office=fairfax&amp;status=booked"
    for html in (page, fragment):
        link = next_link.search(html).group(0)
        assert f'href="{link}"' in html and f'hx-get="{link}"' in html
        assert f'href="{csv_link}"' in html
        assert len(ROW_LINK.findall(html)) == 25


# --- staff see only their offices -------------------------------------------------------------


def test_fairfax_staff_never_see_potomac_appointments_in_the_list(world):
    response = world.staff.get("/admin/")
    html = response.get_data(as_text=True)
    assert listed(response) == FAIRFAX_UPCOMING
    assert "Pat Potomac" not in html
    assert 'value="potomac"' not in html  # not even offered as a filter
    assert "Michael Brenner" not in html


def test_fairfax_staff_never_see_potomac_appointments_in_search_results(world):
    reference = load(world.app, world.ids["potomac"]).reference
    for query in ("Potomac", "pat potomac", "pat@example.org", "3015550188", reference, reference.lower()):
        assert listed(world.staff.get("/admin/", query_string={"q": query})) == [], query
    assert listed(world.admin.get("/admin/", query_string={"q": reference})) == ["Pat Potomac"]


def test_fairfax_staff_asking_for_the_potomac_office_or_its_clinician_get_404(world):
    assert world.staff.get("/admin/?office=potomac").status_code == 404
    brenner = provider_id(world.app, "michael-brenner")
    assert world.staff.get(f"/admin/?provider={brenner}").status_code == 404
    assert world.staff.get("/admin/?office=potomac", headers={"HX-Request": "true"}).status_code == 404


def test_fairfax_staff_get_404_for_a_potomac_appointment_by_url(world):
    potomac, fairfax = world.ids["potomac"], world.ids["fairfax"]
    assert world.staff.get(f"/admin/appointments/{potomac}").status_code == 404
    assert world.staff.get(f"/admin/appointments/{fairfax}").status_code == 200
    assert world.admin.get(f"/admin/appointments/{potomac}").status_code == 200
    token = csrf_token_from(world.staff.get(f"/admin/appointments/{fairfax}").get_data(as_text=True))
    for action, data in [("confirm", {}), ("no_show", {}), ("cancel", {"reason": "Nope"}), ("notes", {"text": "Peek"})]:
        response = world.staff.post(f"/admin/appointments/{potomac}/{action}", data={"csrf_token": token, **data})
        assert response.status_code == 404, action
    assert load(world.app, potomac).status == "booked"
    assert audit_entries(world.app, potomac) == []


def test_an_unknown_appointment_is_404(world):
    assert world.admin.get("/admin/appointments/4242").status_code == 404


def test_an_appointment_id_too_large_for_the_database_is_404(world):
    assert world.admin.get("/admin/appointments/99999999999999999999999").status_code == 404


def test_the_detail_page_for_htmx_is_only_the_fragment(world):
    html = world.admin.get(f"/admin/appointments/{world.ids['fairfax']}", headers=HTMX).get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<article id="appointment"')


# --- one appointment --------------------------------------------------------------------------


def test_the_detail_page_shows_patient_screening_emails_and_history(app, admin_client, make_appointment):
    record = answers_record(
        {"fever": True, "cough": False, "taste_smell": False, "close_contact": False, "positive_test": False},
        True,
        FIRST,
    )
    appointment_id = make_appointment(
        soon(3),
        first_name="Nora",
        last_name="Quinn",
        date_of_birth=date(1961, 3, 9),
        phone="(703) 555-0123",
        email="nora@example.org",
        is_new_patient=True,
        insurance="Aetna PPO",
        notes="Left leg weak since May.",
        reason="leg-weakness",
        screening=record,
        screening_outcome="flagged",
    )
    other_id = make_appointment(soon(4), first_name="Oscar", last_name="Reyes")
    with app.app_context():
        for topic, subject in [
            (f"appointment:{appointment_id}", "Your appointment on Friday"),
            (f"appointment:{other_id}", "Somebody else's email"),
        ]:
            db.session.add(
                OutboxMessage(
                    kind="booking.patient",
                    topic=topic,
                    recipients=["nora@example.org"],
                    subject=subject,
                    text_body="Hello",
                )
            )
        db.session.commit()
    reference = load(app, appointment_id).reference
    response = admin_client.get(f"/admin/appointments/{appointment_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for expected in [
        "Nora Quinn",
        reference,
        "<dd>March 9, 1961</dd>",
        ">(703) 555-0123</a>",
        ">nora@example.org</a>",
        "<dt>Patient</dt><dd>New</dd>",
        "<dd>Aetna PPO</dd>",
        "Left leg weak since May.",
        "<dt>Reason</dt><dd>Leg weakness</dd>",
        "Dr. Amira Haddad",
        "<dt>Office</dt><dd>Fairfax, VA</dd>",
        "Follow-up visit (30 minutes)",
        "<dt>Status</dt><dd><strong>Booked</strong></dd>",
    ]:
        assert expected in html, expected
    assert "Screening flagged:" in html and "<strong>Flagged</strong>" in html
    assert '<tr class="is-flagged"><td>Do you have a fever or chills?</td><td>Yes</td></tr>' in html
    assert "<td>Do you have a new cough or new shortness of breath?</td><td>No</td>" in html
    assert "Acknowledged" in html and "Questionnaire version 2026-11-01" in html
    assert "Your appointment on Friday" in html and "Somebody else&#39;s email" not in html
    assert "Patient: booked online" in html
    for button in ("Confirm", "Cancel appointment and email the patient"):
        assert button in html
    # Whether a visit happened is only known once it has started.
    assert "Mark completed" not in html and "Mark no-show" not in html


def test_patient_text_is_escaped_in_the_list_and_on_the_detail_page(admin_client, make_appointment):
    appointment_id = make_appointment(
        soon(2),
        first_name="<img src=x onerror=alert(1)>",
        last_name="<b>Bold</b>",
        notes="<script>alert('notes')</script>",
        insurance='"><svg onload=alert(2)>',
    )
    for path in ("/admin/", f"/admin/appointments/{appointment_id}"):
        html = admin_client.get(path).get_data(as_text=True)
        assert "<img src=x" not in html and "<b>Bold</b>" not in html, path
        assert "&lt;img src=x onerror=alert(1)&gt; &lt;b&gt;Bold&lt;/b&gt;" in html, path
    assert "<script>alert(" not in html and "<svg onload" not in html


# --- actions ----------------------------------------------------------------------------------


def test_confirm_sets_the_status_and_is_recorded_in_the_history(app, admin_client, make_appointment):
    appointment_id = make_appointment(soon(2))
    response = post_on(admin_client, appointment_id, "confirm")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/appointments/{appointment_id}"
    assert load(app, appointment_id).status == "confirmed"
    [entry] = audit_entries(app, appointment_id)
    assert entry.action == "confirm"
    assert entry.user_id == user_id(app, "admin@example.org")
    assert entry.changes == {"status": ["booked", "confirmed"]}
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Confirm: done." in html
    assert "Admin: confirm (booked → confirmed)" in html
    assert "<dt>Status</dt><dd><strong>Confirmed</strong></dd>" in html


@pytest.mark.parametrize(
    "action,status,label",
    [
        ("complete", "completed", "Completed"),
        ("no_show", "no_show", "No-show"),
    ],
)
def test_marking_completed_or_no_show_sets_the_status_with_an_audit_entry(
    app, admin_client, make_appointment, action, status, label
):
    appointment_id = make_appointment(soon(0, hours=-1), status="confirmed")  # began an hour ago
    html = admin_client.get(f"/admin/appointments/{appointment_id}").get_data(as_text=True)
    assert "Mark completed" in html and "Mark no-show" in html
    assert post_on(admin_client, appointment_id, action).status_code == 303
    assert load(app, appointment_id).status == status
    [entry] = audit_entries(app, appointment_id)
    assert (entry.action, entry.changes) == (action, {"status": ["confirmed", status]})
    html = admin_client.get(f"/admin/appointments/{appointment_id}").get_data(as_text=True)
    assert f"<dt>Status</dt><dd><strong>{label}</strong></dd>" in html
    assert f"Admin: {action.replace('_', ' ')} (confirmed → {status})" in html


@pytest.mark.parametrize("action", ["complete", "no_show"])
def test_a_visit_that_has_not_started_cannot_be_marked_completed_or_no_show(
    app, admin_client, make_appointment, action
):
    appointment_id = make_appointment(soon(2), status="confirmed")
    response = post_on(admin_client, appointment_id, action)
    assert response.status_code == 303
    assert load(app, appointment_id).status == "confirmed"
    html = admin_client.get(f"/admin/appointments/{appointment_id}").get_data(as_text=True)
    assert "has not started yet" in html
    assert audit_entries(app, appointment_id) == []


def test_a_percent_sign_in_the_search_is_a_letter_not_a_wildcard(world):
    assert listed(world.admin.get("/admin/", query_string={"q": "%"})) == []
    assert listed(world.admin.get("/admin/", query_string={"q": "_"})) == []


def test_cancel_with_a_reason_frees_the_time_emails_office_and_patient_and_is_audited(
    app, admin_client, make_appointment
):
    starts_at = soon(2)
    appointment_id = make_appointment(starts_at, email="nora@example.org", first_name="Nora", last_name="Quinn")
    assert count(app, ProviderTimeBlock, appointment_id=appointment_id) == 2
    response = post_on(admin_client, appointment_id, "cancel", reason="Dr. Haddad is ill that day.")
    assert response.status_code == 303
    appointment = load(app, appointment_id)
    assert appointment.status == "cancelled"
    assert appointment.cancellation_reason == "Dr. Haddad is ill that day."
    assert appointment.cancelled_at is not None
    assert count(app, ProviderTimeBlock, appointment_id=appointment_id) == 0
    make_appointment(starts_at, first_name="Next", last_name="Patient")  # the same time can be booked again
    with app.app_context():
        emails = {
            m.kind: m
            for m in db.session.scalars(select(OutboxMessage).filter_by(topic=f"appointment:{appointment_id}"))
        }
        assert set(emails) == {"cancellation.office", "cancellation.patient"}
        assert emails["cancellation.office"].recipients == ["fairfax-frontdesk@example.org"]
        assert emails["cancellation.patient"].recipients == ["nora@example.org"]
        assert all(m.status == "pending" for m in emails.values())
        subjects = [m.subject for m in emails.values()]
    [entry] = audit_entries(app, appointment_id)
    assert entry.action == "cancel" and entry.user_id == user_id(app, "admin@example.org")
    assert entry.changes == {"status": ["booked", "cancelled"]}  # the log holds no free text
    html = admin_client.get(f"/admin/appointments/{appointment_id}").get_data(as_text=True)
    assert "The appointment is cancelled and the patient has been emailed." in html
    assert "Admin: cancel (booked → cancelled), reason: “Dr. Haddad is ill that day.”" in html
    assert all(subject in html for subject in subjects)
    assert "Cancel appointment and email the patient" not in html  # nothing left to cancel


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "spaces"])
def test_cancel_without_a_reason_is_refused_with_422(app, admin_client, make_appointment, reason):
    appointment_id = make_appointment(soon(2))
    response = post_on(admin_client, appointment_id, "cancel", reason=reason)
    assert response.status_code == 422
    assert "Please give a reason; the patient will see it in their email." in response.get_data(as_text=True)
    assert load(app, appointment_id).status == "booked"
    assert count(app, ProviderTimeBlock, appointment_id=appointment_id) == 2
    assert count(app, OutboxMessage) == 0
    assert audit_entries(app) == []


def test_confirming_a_cancelled_appointment_is_refused_with_a_message(app, admin_client, make_appointment):
    appointment_id = make_appointment(soon(2), status="cancelled")
    response = post_on(admin_client, appointment_id, "confirm")
    assert response.status_code == 303
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This appointment is cancelled; it cannot be changed that way." in html
    assert "Confirm: done." not in html
    assert load(app, appointment_id).status == "cancelled"
    assert audit_entries(app) == []


def test_cancelling_a_completed_appointment_is_refused_and_sends_nothing(app, admin_client, make_appointment):
    appointment_id = make_appointment(soon(2), status="completed")
    response = post_on(admin_client, appointment_id, "cancel", reason="Oops")
    assert response.status_code == 303
    assert "it cannot be changed that way" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert load(app, appointment_id).status == "completed"
    assert count(app, OutboxMessage) == 0 and audit_entries(app) == []


def test_an_internal_note_is_shown_and_audited(app, admin_client, make_appointment):
    appointment_id = make_appointment(soon(2))
    response = post_on(admin_client, appointment_id, "notes", text="Called: she will bring her MRI on a CD.")
    assert response.status_code == 303
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Note added." in html
    assert '<p class="pre">Called: she will bring her MRI on a CD.</p><p class="small">Admin,' in html
    assert "Admin: note" in html
    [entry] = audit_entries(app, appointment_id)
    assert entry.action == "note" and entry.user_id == user_id(app, "admin@example.org")
    assert entry.changes == {}  # the note is kept with the appointment, never copied into the log
    assert count(app, AppointmentNote, appointment_id=appointment_id) == 1


@pytest.mark.parametrize("text", ["", "  \n "], ids=["empty", "blank"])
def test_an_empty_note_is_refused_with_422(app, admin_client, make_appointment, text):
    appointment_id = make_appointment(soon(2))
    response = post_on(admin_client, appointment_id, "notes", text=text)
    assert response.status_code == 422
    assert "Please write the note." in response.get_data(as_text=True)
    assert count(app, AppointmentNote) == 0 and audit_entries(app) == []


def test_every_appointment_post_without_a_csrf_token_is_refused_with_400(app, admin_client, make_appointment):
    appointment_id = make_appointment(soon(2))
    for action, data in [
        ("confirm", {}),
        ("complete", {}),
        ("no_show", {}),
        ("cancel", {"reason": "Ill"}),
        ("notes", {"text": "Hi"}),
    ]:
        response = admin_client.post(f"/admin/appointments/{appointment_id}/{action}", data=data)
        assert response.status_code == 400, action
        assert "This form has expired" in response.get_data(as_text=True), action
    assert load(app, appointment_id).status == "booked"
    assert count(app, ProviderTimeBlock, appointment_id=appointment_id) == 2
    assert audit_entries(app) == [] and count(app, AppointmentNote) == 0 and count(app, OutboxMessage) == 0


# --- CSV export -------------------------------------------------------------------------------


def test_the_csv_export_has_a_header_and_one_row_per_filtered_appointment_across_pages(
    app, admin_client, make_appointment
):
    start = soon(2)
    for i in range(27):
        make_appointment(start + timedelta(hours=i), first_name="Patient", last_name=f"{i:02d}")
    make_appointment(start, provider="michael-brenner", office="potomac", first_name="Pat", last_name="Potomac")
    make_appointment(soon(-3), first_name="Paula", last_name="Past")
    response = admin_client.get("/admin/bookings.csv?office=fairfax")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert re.fullmatch(
        r'attachment; filename="bookings-\d{4}-\d{2}-\d{2}\.csv"', response.headers["Content-Disposition"]
    )
    rows = read_csv(response)
    assert rows[0] == CSV_HEADER
    assert [row[7] for row in rows[1:]] == [f"{i:02d}" for i in range(27)]
    assert len(read_csv(admin_client.get("/admin/bookings.csv"))) == 1 + 28  # both offices, upcoming only


def test_the_csv_export_writes_the_right_values(app, admin_client, make_appointment):
    starts_at = office_local(3, 10, 15)
    local = starts_at.astimezone(NY)
    appointment_id = make_appointment(
        starts_at,
        provider="lauren-whitfield",
        visit="new-patient",
        first_name="Nora",
        last_name="Quinn",
        phone="(703) 555-0123",
        email="nora@example.org",
        is_new_patient=True,
        reason="sciatica",
        screening_outcome="flagged",
        status="confirmed",
    )
    rows = read_csv(admin_client.get("/admin/bookings.csv"))
    assert rows[1] == [
        load(app, appointment_id).reference,
        f"{local:%a %b} {local.day}, {local.year} 10:15 AM",
        "Fairfax, VA",
        "Lauren Whitfield, PA-C",
        "New-patient consultation",
        "Confirmed",
        "Nora",
        "Quinn",
        "(703) 555-0123",
        "nora@example.org",
        "yes",
        "Sciatica or pain down the leg",
        "flagged",
        "Online",
    ]


def test_the_csv_export_defuses_spreadsheet_formulas_in_patient_text(admin_client, make_appointment):
    make_appointment(
        soon(2),
        first_name='=HYPERLINK("http://evil.example","x")',
        last_name="+SUM(A1:A9)",
        phone="-1+703-555-0123",
        email="@evil@example.org",
    )
    row = read_csv(admin_client.get("/admin/bookings.csv"))[1]
    assert row[6] == '\'=HYPERLINK("http://evil.example","x")'
    assert row[7] == "'+SUM(A1:A9)"
    assert row[8] == "'-1+703-555-0123"
    assert row[9] == "'@evil@example.org"


def test_the_csv_export_is_recorded_in_the_audit_log_with_the_row_count(app, admin_client, make_appointment):
    for i in range(3):
        make_appointment(soon(2, i))
    make_appointment(soon(2), provider="michael-brenner", office="potomac")
    admin_client.get("/admin/bookings.csv?office=fairfax&status=booked")
    [entry] = audit_entries(app, action="export")
    assert entry.user_id == user_id(app, "admin@example.org")
    assert entry.appointment_id is None
    assert entry.changes["rows"] == 3
    assert entry.changes["filters"] == {"office": "fairfax", "status": "booked"}


def test_staff_export_only_their_offices(world):
    rows = read_csv(world.staff.get("/admin/bookings.csv"))
    assert [f"{row[6]} {row[7]}" for row in rows[1:]] == FAIRFAX_UPCOMING
    assert all(row[2] == "Fairfax, VA" for row in rows[1:])
    assert world.staff.get("/admin/bookings.csv?office=potomac").status_code == 404
    reference = load(world.app, world.ids["potomac"]).reference
    assert read_csv(world.staff.get("/admin/bookings.csv", query_string={"q": reference})) == [CSV_HEADER]
    desk = user_id(world.app, "fairfax.desk@example.org")
    exports = [entry for entry in audit_entries(world.app, action="export") if entry.user_id == desk]
    assert [entry.changes["rows"] for entry in exports] == [len(FAIRFAX_UPCOMING), 0]


def test_the_list_shows_and_filters_how_each_visit_was_booked(app, admin_client, make_appointment):
    make_appointment(soon(days=2), first_name="Olive")
    make_appointment(soon(days=3), first_name="Phil", source="phone")
    make_appointment(soon(days=4), first_name="Wanda", source="walk_in")
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert '<th scope="col">Booked</th>' in html and "<td>Walk-in</td>" in html
    assert '<option value="walk_in">Walk-in</option>' in html
    names = [name for _, name in ROW_LINK.findall(admin_client.get("/admin/?source=phone").get_data(as_text=True))]
    assert names == ["Phil Patient"]
    rows = read_csv(admin_client.get("/admin/bookings.csv?source=walk_in"))
    assert [(row[6], row[-1]) for row in rows[1:]] == [("Wanda", "Walk-in")]
