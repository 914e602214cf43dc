"""Edge cases found in review: private pages never cached, a stale confirmation, a race, no office address."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from clinic_app.booking import service
from clinic_app.booking.availability import days_with_slots, slots_by_day
from clinic_app.booking.slots import BookingRules
from clinic_app.clock import system_time
from clinic_app.extensions import db
from clinic_app.models import Appointment, Office, OutboxMessage
from tests.conftest import MONDAY_8AM, book_online


def test_booking_pages_are_never_cached(client, clinic):
    response = client.get("/book/")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_confirmation_with_its_private_link_expires_after_half_an_hour(client, clinic, frozen):
    page = book_online(client)
    assert "/booking/" in page
    frozen["now"] = MONDAY_8AM + timedelta(minutes=31)
    later = client.get("/book/confirmed")
    assert later.status_code == 302 and later.headers["Location"] == "/book/"


def test_an_appointment_cancelled_meanwhile_cannot_be_rescheduled(app, clinic, make_appointment):
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    appointment_id = make_appointment(start)
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        office, visit = appointment.office, appointment.visit_type
        day = days_with_slots(db.session, office=office, visit_type=visit, provider_id=None, now=system_time())[-1]
        slot = slots_by_day(
            db.session,
            office=office,
            visit_type=visit,
            provider_id=None,
            days=[day],
            now=system_time(),
            rules=BookingRules(),
        )[day][0]
        service.cancel_appointment(db.session, appointment, now=system_time())
        with pytest.raises(service.BookingError, match="cancelled"):
            service.reschedule_appointment(
                db.session,
                appointment,
                slot=slot,
                answers={k: False for k in ("fever", "cough", "taste_smell", "close_contact", "positive_test")},
                acknowledged=True,
                now=system_time(),
            )
        assert db.session.get(Appointment, appointment_id).blocks == []


def test_an_office_without_a_staff_address_still_books_and_says_so_in_the_log(app, client, clinic, frozen, caplog):
    with app.app_context():
        db.session.scalars(select(Office).filter_by(slug="fairfax")).one().notify_emails = ""
        db.session.commit()
    assert "You’re booked" in book_online(client)
    with app.app_context():
        kinds = [m.kind for m in db.session.scalars(select(OutboxMessage))]
    assert kinds == ["booking.patient"]
    assert "has no notification address" in caplog.text


def test_database_errors_never_log_query_parameters(app):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
    with app.app_context():
        assert db.engine.hide_parameters is True
