"""Pages kept rendered between requests (booking steps 1 and 2, the bookings list) and the free
times behind them: what one process kept is never shown once another process changed what it
shows (on SQLite and PostgreSQL), time moving on shows, every browser gets its own CSRF token,
and a message waiting for the patient is never lost."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from clinic_app import stamps
from clinic_app.extensions import db
from clinic_app.models import Appointment, Office, Provider, StaffUser
from tests.booking.racing import NOW
from tests.conftest import add_appointment, book_online, build_app, csrf_token_from, dispose, set_clock
from tests.test_statement_counts import counted


@pytest.fixture
def app(each_database_app):
    return each_database_app


@pytest.fixture(autouse=True)
def monday(monkeypatch):
    set_clock(monkeypatch, NOW)


@pytest.fixture
def other_process(app, tmp_path):
    """A second app on the same database: another gunicorn worker, perhaps on another host."""
    (tmp_path / "other").mkdir()
    other = build_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "other", has_schema=True)
    yield other
    dispose(other)


def start_booking(client, **visit):
    token = csrf_token_from(client.get("/book/").get_data(as_text=True))
    data = {"office": "fairfax", "visit_type": "new-patient", "reason": "sciatica", "provider": "any", **visit}
    assert client.post("/book/", data={"csrf_token": token, **data}).status_code == 303
    return token


def shown_times(client) -> list[str]:
    return re.findall(r'name="slot" value="([^"]+)"', client.get("/book/time").get_data(as_text=True))


def statements(app, client, path) -> int:
    """The SQL statements a GET of ``path`` costs (SQLite's BEGIN not counted)."""
    with counted(app) as seen:
        assert client.get(path).status_code == 200
    return len([statement for statement in seen if not statement.startswith("BEGIN")])


def test_the_time_step_is_kept_until_another_process_books_a_time_it_shows(app, other_process, client, clinic):
    start_booking(client)
    first = shown_times(client)[0]
    assert statements(app, client, "/book/time") == 2  # the draft and the versions: served kept
    assert shown_times(client)[0] == first

    book_online(other_process.test_client())  # the other worker books the first time shown

    assert first not in shown_times(client)


def test_step_one_follows_a_clinician_leaving_in_another_process(app, other_process, client, clinic):
    page = client.get("/book/").get_data(as_text=True)
    with other_process.app_context():
        provider = db.session.scalars(select(Provider).order_by(Provider.name)).first()
        name, provider_id = provider.name, provider.id
        provider.active = False
        db.session.commit()
    assert name in page
    page = client.get("/book/").get_data(as_text=True)
    assert f'value="{provider_id}"' not in page


def test_a_kept_page_carries_each_browsers_own_working_token(app, clinic):
    first, second = app.test_client(), app.test_client()
    one = csrf_token_from(first.get("/book/").get_data(as_text=True))
    assert statements(app, second, "/book/") == 1  # only the versions: the page was kept
    two = csrf_token_from(second.get("/book/").get_data(as_text=True))
    assert one != two and "\x00" not in two
    visit = {"office": "fairfax", "visit_type": "new-patient", "reason": "sciatica", "provider": "any"}
    assert second.post("/book/", data={"csrf_token": two, **visit}).status_code == 303
    assert second.post("/book/", data={"csrf_token": "forged", **visit}).status_code == 400
    assert first.post("/book/", data={"csrf_token": one, **visit}).status_code == 303


def test_a_message_for_the_patient_is_shown_even_where_a_page_was_kept(app, client, clinic, monkeypatch):
    client.get("/book/")  # kept for anyone with no draft
    start_booking(client)
    set_clock(monkeypatch, NOW + timedelta(minutes=31))  # the draft is cleared after 30 minutes
    response = client.get("/book/time")
    assert response.status_code == 303
    assert "a booking left for 30 minutes" in client.get("/book/").get_data(as_text=True)


def test_a_time_inside_the_booking_notice_leaves_the_kept_list(app, client, clinic, monkeypatch):
    start_booking(client)
    first = shown_times(client)[0]
    set_clock(monkeypatch, NOW + timedelta(minutes=1))  # the first time is now less than 2 hours away
    assert first.split("|")[0] not in " ".join(shown_times(client))


def test_the_kept_bookings_list_follows_new_bookings_and_each_users_offices(
    app, other_process, admin_client, fairfax_staff_client, clinic
):
    with app.app_context():
        add_appointment(db.session, NOW + timedelta(days=1), office="potomac", first_name="Ottilie")
        db.session.commit()
    assert "Ottilie" in admin_client.get("/admin/").get_data(as_text=True)
    assert statements(app, admin_client, "/admin/") <= 3  # the user, the versions: kept
    assert "Ottilie" not in fairfax_staff_client.get("/admin/").get_data(as_text=True)

    with other_process.app_context():
        add_appointment(db.session, NOW + timedelta(days=2), first_name="Bartholomew")
        db.session.commit()
    assert "Bartholomew" in admin_client.get("/admin/").get_data(as_text=True)

    with other_process.app_context():  # an admin gives the Fairfax desk the Potomac office too
        desk = db.session.scalars(select(StaffUser).filter_by(email="fairfax.desk@example.org")).one()
        desk.offices.append(db.session.scalars(select(Office).filter_by(slug="potomac")).one())
        db.session.commit()
    assert "Ottilie" in fairfax_staff_client.get("/admin/").get_data(as_text=True)


def test_versions_rise_with_the_data_they_stand_for_and_only_when_committed(app, clinic):
    with app.app_context():
        before = stamps.versions(db.session)
        add_appointment(db.session, NOW + timedelta(days=1))
        db.session.rollback()
        assert stamps.versions(db.session) == before

        appointment_id = add_appointment(db.session, NOW + timedelta(days=1))
        db.session.commit()
        booked = stamps.versions(db.session)
        assert booked.appointments > before.appointments and booked.calendar > before.calendar
        assert booked.reference == before.reference

        appointment = db.session.get(Appointment, appointment_id)
        appointment.notes = "moved to the afternoon"  # the appointment, not its time
        db.session.commit()
        noted = stamps.versions(db.session)
        assert noted.appointments > booked.appointments and noted.calendar == booked.calendar

        office = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        office.phone = "703-555-0100"
        db.session.commit()
        assert stamps.versions(db.session).reference > noted.reference
