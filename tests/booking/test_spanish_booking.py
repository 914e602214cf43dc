"""Booking in Spanish, on SQLite and PostgreSQL: the appointment keeps the language the patient
booked in, and the (English) back office shows it and filters by it."""

import re

import pytest

from tests.conftest import book_online


@pytest.fixture
def app(each_database_app):
    return each_database_app


def test_a_booking_made_in_spanish_keeps_its_language_and_the_desk_sees_it(app, admin_client, clinic):
    """Booked through /es/ (all five steps), the appointment says Spanish; staff see it on the
    list and the booking, and can list only Spanish-speaking patients."""
    from sqlalchemy import select

    from clinic_app.extensions import db
    from clinic_app.models import Appointment

    confirmation = book_online(app.test_client(), language_prefix="/es")
    assert '<html lang="es">' in confirmation
    book_online(app.test_client(), first_name="Edith")
    with app.app_context():
        languages = {a.first_name: a.language for a in db.session.scalars(select(Appointment))}
        spanish_id = db.session.scalars(select(Appointment.id).filter_by(language="es")).one()
    assert languages == {"Rosa": "es", "Edith": "en"}
    listing = admin_client.get("/admin/").get_data(as_text=True)
    assert re.search(r'Rosa Parkes</a> <span class="badge">Spanish</span>', listing)
    assert not re.search(r'Edith Parkes</a> <span class="badge">', listing)
    only_spanish = admin_client.get("/admin/?language=es").get_data(as_text=True)
    assert "Rosa Parkes" in only_spanish and "Edith Parkes" not in only_spanish
    booking = admin_client.get(f"/admin/appointments/{spanish_id}").get_data(as_text=True)
    assert "<dt>Language</dt><dd>Spanish (call and write to the patient in Spanish)</dd>" in booking


def test_a_refusal_at_confirmation_is_in_spanish_on_a_spanish_page(app, clinic):
    """Bad input and refusals speak the page's language: here the cap on upcoming bookings per
    email address, met at step 5 under /es/."""
    from tests.conftest import csrf_token_from

    app.config["MAX_UPCOMING_BOOKINGS_PER_EMAIL"] = 1
    book_online(app.test_client(), language_prefix="/es")
    client = app.test_client()
    token = csrf_token_from(client.get("/es/book/").get_data(as_text=True))

    def post(url, **data):
        return client.post("/es" + url, data={"csrf_token": token, **data})

    post("/book/", office="fairfax", visit_type="new-patient", reason="sciatica", provider="any")
    slot = re.search(r'name="slot" value="([^"]+)"', client.get("/es/book/time").get_data(as_text=True)).group(1)
    post("/book/time", slot=slot)
    post(
        "/book/screening",
        acknowledged="y",
        **{key: "no" for key in ("fever", "cough", "taste_smell", "close_contact", "positive_test")},
    )
    details = {"first_name": "Rosa", "last_name": "Parkes", "date_of_birth": "1961-02-03", "phone": "703 555 0188"}
    post("/book/details", email="rosa@example.org", patient_status="new", consent="y", **details)
    response = post("/book/review")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ya tiene 1 cita próxima reservada con este correo electrónico" in page
    assert "You already have" not in page
