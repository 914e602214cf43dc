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
