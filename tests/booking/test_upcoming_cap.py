"""At most ``MAX_UPCOMING_BOOKINGS_PER_EMAIL`` upcoming appointments per email address (any
capitalisation), checked at "Confirm" in the transaction that books, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from clinic_app.booking import service
from clinic_app.extensions import db
from clinic_app.models import Appointment, AppointmentStatus, BookingDraft, OutboxMessage
from tests.booking.test_routes import DETAILS, FAIRFAX_PHONE, NOW, html_of, post, redirects_to, walk

PAGE_OR_HTMX = pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
# Amira Haddad's Fairfax follow-ups later in the month, clear of the new-patient time booked here.
LATER = [NOW + timedelta(days=days, hours=2) for days in (3, 4, 7, 8)]
SAME_PATIENT = "MARISOL.Okonkwo@Example.ORG"  # DETAILS["email"] in other capitals


@pytest.fixture
def app(each_database_app):
    return each_database_app


def counts(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Appointment)),
            db.session.scalar(select(func.count()).select_from(OutboxMessage)),
        )


def the_draft(app):
    with app.app_context():
        (draft,) = db.session.scalars(select(BookingDraft)).all()
        return draft.appointment_id, dict(draft.data or {})


@PAGE_OR_HTMX
def test_a_fourth_upcoming_booking_for_the_same_email_is_refused_on_the_review_page(
    app, client, clinic, frozen, make_appointment, htmx
):
    for starts_at in LATER[:3]:
        make_appointment(starts_at, email=SAME_PATIENT)
    walk(client, "details")
    before = the_draft(app)

    response = post(client, "/book/review", htmx=htmx)
    html = html_of(response)
    assert response.status_code == 422
    assert "You already have 3 upcoming appointments booked with this email address" in html
    assert f"please call the Fairfax, VA office at {FAIRFAX_PHONE}" in html
    assert "Review and confirm" in html and "Confirm appointment" in html  # the same page
    assert ("<html" in html) is not htmx
    if htmx:
        assert response.headers["HX-Push-Url"] == "false"
    assert counts(app) == (3, 0)  # nothing booked, no email queued
    assert the_draft(app) == before  # the draft is as it was

    # Once one of them is cancelled, the same booking goes through.
    with app.app_context():
        db.session.scalars(select(Appointment)).first().status = AppointmentStatus.CANCELLED
        db.session.commit()
    assert redirects_to(post(client, "/book/review", htmx=htmx), "/book/confirmed")
    assert counts(app)[0] == 4


def test_past_cancelled_and_other_addresses_do_not_count(app, client, clinic, frozen, make_appointment):
    make_appointment(LATER[0], email=SAME_PATIENT)
    make_appointment(LATER[1], email=SAME_PATIENT)
    make_appointment(LATER[2], email=SAME_PATIENT, status=AppointmentStatus.CANCELLED)
    make_appointment(NOW - timedelta(days=7), email=SAME_PATIENT, status=AppointmentStatus.COMPLETED)
    make_appointment(NOW - timedelta(days=6), email=SAME_PATIENT)  # past, never closed by staff
    make_appointment(LATER[3], email="someone.else@example.org")
    walk(client, "review")  # the third upcoming one is accepted
    assert counts(app)[0] == 7


def test_the_cap_is_a_setting(app, client, clinic, frozen, make_appointment):
    app.config["MAX_UPCOMING_BOOKINGS_PER_EMAIL"] = 1
    make_appointment(LATER[0], email=DETAILS["email"])
    walk(client, "details")
    response = post(client, "/book/review")
    assert response.status_code == 422
    assert "You already have 1 upcoming appointment booked" in html_of(response)
    assert counts(app) == (1, 0)


def test_confirm_booking_counts_inside_its_transaction(app, clinic, frozen, make_appointment):
    """The service refuses by itself, whatever the view does, and leaves no transaction open."""
    for starts_at in LATER[:2]:
        make_appointment(starts_at, email=SAME_PATIENT)
    with app.app_context():
        assert service.upcoming_count(db.session, " marisol.okonkwo@EXAMPLE.org ", NOW) == 2
        db.session.rollback()
