"""How many SQL statements each main page costs, fixed here so that a change that adds queries
(an N+1 above all) fails the suite; and the bookings list costs the same with more bookings."""

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from clinic_app import page_cache
from clinic_app.extensions import db
from tests.booking.racing import NOW
from tests.conftest import add_appointment, csrf_token_from, set_clock


@pytest.fixture(autouse=True)
def monday(monkeypatch):
    set_clock(monkeypatch, NOW)


@contextmanager
def counted(app):
    statements = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_for(app, client, path):
    """The statements a GET of ``path`` costs, rendered (not served from the kept pages)."""
    app.config["RENDERED_PAGE_CACHE"] = False
    client.get(path)  # warm: first-request work (questionnaire versions, templates) is not counted
    with counted(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


@pytest.mark.parametrize(
    "path, most",
    [("/", 3), ("/articles/leg-weakness-symptoms-causes-treatment", 3), ("/locations/fairfax", 7), ("/book/", 6)],
)
def test_public_pages_cost_a_fixed_few_statements(app, client, clinic, path, most):
    assert statements_for(app, client, path) <= most


def test_a_public_page_kept_rendered_costs_no_statement(app, client, clinic):
    app.config["PAGE_CACHE_SECONDS"] = 60
    page_cache.clear()
    try:
        assert statements_for(app, client, "/articles/leg-weakness-symptoms-causes-treatment") == 0
    finally:
        page_cache.clear()


def test_the_time_step_costs_a_fixed_number_of_statements(app, client, clinic):
    token = csrf_token_from(client.get("/book/").get_data(as_text=True))
    visit = {"csrf_token": token, "office": "fairfax", "visit_type": "new-patient", "reason": "sciatica"}
    assert client.post("/book/", data={**visit, "provider": "any"}).status_code == 303
    assert statements_for(app, client, "/book/time") <= 7


CLINICIANS = [("amira-haddad", "fairfax"), ("daniel-okafor", "potomac"), ("lauren-whitfield", "fairfax")]


def bookings(app, count, first_day=1, clinicians=CLINICIANS[:1]):
    """``count`` visits, eight a day; ``clinicians`` take turns, each at one of their offices,
    the kinds of visit too (so the list shows several of each)."""
    with app.app_context():
        for number in range(count):
            moment = NOW + timedelta(days=first_day + number // 8, hours=number % 8)
            provider, office = clinicians[number % len(clinicians)]
            visit = ("follow-up", "new-patient")[number % 2]
            add_appointment(db.session, moment, provider=provider, office=office, visit=visit, first_name=f"P{number}")
        db.session.commit()


def test_the_bookings_list_costs_the_same_with_more_bookings(app, admin_client, clinic):
    bookings(app, 5)
    few = statements_for(app, admin_client, "/admin/")
    bookings_page = admin_client.get("/admin/").get_data(as_text=True)
    assert len(re.findall(r"<tr", bookings_page)) > 5
    bookings(app, 60, first_day=3, clinicians=CLINICIANS)
    assert statements_for(app, admin_client, "/admin/") == few <= 8  # the office list read once, no N+1


def test_confirming_a_booking_costs_a_fixed_number_of_statements_however_full_the_calendar(app, clinic):
    """Step 5's POST: the guard's reads, then the booking's one transaction (checks, the
    appointment, its time, its emails, the versions), the same with a fuller calendar."""
    from tests.conftest import book_online

    def confirm_statements():
        client = app.test_client()
        original = client.post
        seen = {}

        def post(url, **kwargs):
            with counted(app) as statements:
                response = original(url, **kwargs)
            seen[url] = [statement for statement in statements if not statement.startswith("BEGIN")]
            return response

        client.post = post
        book_online(client)
        return len(seen["/book/review"])

    first = confirm_statements()
    bookings(app, 40, first_day=2)
    assert confirm_statements() == first <= 21


def test_kept_pages_cost_only_the_versions_and_whose_page_it_is(app, client, admin_client, clinic):
    """Served kept (``kept_pages``): step 1 reads the versions; step 2 reads the draft and the
    bookings list the signed-in user, each with the versions in the same statement."""

    def kept_statements(who, path):
        who.get(path)
        with counted(app) as statements:
            assert who.get(path).status_code == 200
        return len([statement for statement in statements if not statement.startswith("BEGIN")])

    assert kept_statements(client, "/book/") == 1
    token = csrf_token_from(client.get("/book/").get_data(as_text=True))
    visit = {"csrf_token": token, "office": "fairfax", "visit_type": "new-patient", "reason": "sciatica"}
    assert client.post("/book/", data={**visit, "provider": "any"}).status_code == 303
    assert kept_statements(client, "/book/time") == 1
    assert kept_statements(admin_client, "/admin/") == 1
