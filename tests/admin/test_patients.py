"""Staff find a patient across past and future visits and book a follow-up from their history."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from clinic_app.admin.desk.patients import read_search
from clinic_app.extensions import db
from clinic_app.models import Appointment, AuditEntry
from tests.booking.racing import NOW
from tests.conftest import csrf_token_from

UTC = NOW.tzinfo
WALTER = {"first_name": "Walter", "last_name": "Ferreira", "date_of_birth": date(1949, 8, 2)}


@pytest.fixture
def history(desk, make_appointment):
    """Walter's visit a month ago (completed) and one next week at Fairfax, one at Potomac; and
    another Ferreira, born another day."""
    past = make_appointment(
        NOW - timedelta(days=30), status="completed", phone="(703) 555-0199", email="walter@example.org", **WALTER
    )
    coming = make_appointment(
        NOW + timedelta(days=7), provider="lauren-whitfield", phone="(703) 555-0199", reference="7K3M9QXA", **WALTER
    )
    potomac = make_appointment(NOW + timedelta(days=8), office="potomac", provider="michael-brenner", **WALTER)
    other = make_appointment(NOW + timedelta(days=2), first_name="Ana", last_name="Ferreira")
    return {"past": past, "coming": coming, "potomac": potomac, "other": other}


def find(client, q):
    return client.get("/admin/patients", query_string={"q": q}).get_data(as_text=True)


def visit_links(html):
    return [int(i) for i in re.findall(r'href="/admin/appointments/(\d+)"', html)]


@pytest.mark.parametrize("q", ["Ferreira 08/02/1949", "walter ferreira 1949-08-02", "703 555 0199", "7k3m9qxa"])
def test_one_patient_with_past_and_coming_visits_at_my_offices(desk, history, q):
    html = find(desk, q)
    assert "<h3" in html and html.count("<h3") == 1 and "Walter Ferreira" in html
    assert visit_links(html) == [history["coming"], history["past"]]  # newest first; not Potomac's
    assert "Born August 2, 1949" in html and "Next visit Mon Dec 14, 2026" in html


def test_the_same_last_name_born_another_day_is_another_patient(desk, history):
    html = find(desk, "Ferreira")
    assert html.count("<h3") == 2 and "Ana Ferreira" in html


def test_an_email_finds_the_patient_and_nothing_matches_nothing(desk, history):
    assert "Walter Ferreira" in find(desk, "Walter@Example.org")
    assert "No patient matches that at your offices." in find(desk, "Nobody 01/01/1900")


def test_searches_are_audited_without_what_was_typed(app, desk, history):
    find(desk, "Ferreira 08/02/1949")
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).filter_by(action="patients_searched")).one()
        assert entry.changes == {"rows": 1} and entry.user.email == "fairfax.desk@example.org"


def test_book_a_follow_up_in_two_clicks(app, desk, history):
    html = find(desk, "Ferreira 08/02/1949")
    follow_up = re.search(
        r'<a class="button" href="([^"]+)" aria-label="Book a follow-up for Walter Ferreira with Lauren Whitfield',
        html,
    )
    page = desk.get(follow_up.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="Walter"' in page and 'value="Ferreira"' in page and 'value="1949-08-02"' in page
    assert 'value="(703) 555-0199"' in page and re.search(r'checked[^>]*value="returning"', page)
    assert "Follow-up visit at Fairfax, VA with Lauren Whitfield, PA-C" in page
    slot = re.search(r'name="slot" value="([^"]+)"', page).group(1)
    data = {
        name: value
        for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page)
        if name not in ("slot", "source", "patient_status", "reason", "csrf_token", "q")
    }
    data.update(
        csrf_token=csrf_token_from(page),
        slot=slot,
        source="phone",
        patient_status="returning",
        reason="back-pain",
        acknowledged="y",
        consent="y",
        **{key: "no" for key in ("fever", "cough", "taste_smell", "close_contact", "positive_test")},
    )
    response = desk.post("/admin/bookings/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        booked = db.session.scalars(select(Appointment).order_by(Appointment.id.desc())).first()
        assert (booked.first_name, booked.date_of_birth, booked.provider.slug) == (
            "Walter",
            date(1949, 8, 2),
            "lauren-whitfield",
        )
        assert booked.source == "phone" and booked.visit_type.slug == "follow-up"


def test_an_earlier_visit_at_another_office_fills_nothing(desk, history):
    page = desk.get(f"/admin/bookings/new?from_visit={history['potomac']}").get_data(as_text=True)
    assert 'value="Walter"' not in page


def test_reading_what_was_typed():
    assert read_search("Ferreira 08/02/1949").date_of_birth == date(1949, 8, 2)
    assert read_search("Ferreira 08/02/1949").name == "ferreira"
    assert read_search("(703) 555-0199").digits == "7035550199"
    assert read_search("7k3m9qxa").reference == "7K3M9QXA"
    assert read_search("Ferreira 02/31/1949").date_of_birth is None  # no such day: ignored
    assert read_search("   ").empty


def test_twins_are_two_patients(desk, history, make_appointment):
    make_appointment(NOW + timedelta(days=3), first_name="Wanda", last_name="Ferreira", date_of_birth=date(1949, 8, 2))
    html = find(desk, "Ferreira 08/02/1949")
    assert html.count("<h3") == 2 and "Wanda Ferreira" in html and "Walter Ferreira" in html


def test_a_huge_visit_number_fills_nothing_and_breaks_nothing(desk, history):
    response = desk.get("/admin/bookings/new?from_visit=99999999999999999999")
    assert response.status_code == 200 and 'value="Walter"' not in response.get_data(as_text=True)


def test_with_htmx_only_the_results_come_back(desk, history):
    response = desk.get("/admin/patients", query_string={"q": "Ferreira 08/02/1949"}, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.startswith('<section id="patients"') and "<html" not in html and "Walter Ferreira" in html


def test_a_follow_up_keeps_the_patients_language(desk, make_appointment):
    """Booked in Spanish before: the follow-up form has Spanish chosen, so the patient's
    confirmation and reminders stay in Spanish unless the desk changes it."""
    earlier = make_appointment(NOW - timedelta(days=30), status="completed", language="es", **WALTER)
    page = desk.get(f"/admin/bookings/new?from_visit={earlier}").get_data(as_text=True)
    assert re.search(r'<input[^>]*value="es"[^>]*checked|<input[^>]*checked[^>]*value="es"', page)
    assert not re.search(r'<input[^>]*name="language"[^>]*value="en"[^>]*checked', page)
