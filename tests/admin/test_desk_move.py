"""The front desk moves or cancels a visit for the patient at any time before it (no online
cut-off); the patient gets an updated calendar entry (same UID, higher SEQUENCE); it is audited."""

import base64
import re
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.models import Appointment, AuditEntry, OutboxMessage
from tests.booking.racing import NOW
from tests.conftest import csrf_token_from

UTC = NOW.tzinfo
TODAY_11AM = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # Monday 11:00 in Fairfax: within the 24-hour cut-off


@pytest.fixture
def visit(desk, make_appointment):
    """Today 11:00 with Dr. Haddad, who the patient chose; booked online, with an email."""
    return make_appointment(
        TODAY_11AM, provider="amira-haddad", visit="follow-up", clinician_chosen=True, email="ines@example.org"
    )


def html_of(response):
    return response.get_data(as_text=True)


def move_page(client, appointment_id, **args):
    return client.get(f"/admin/appointments/{appointment_id}/move", query_string=args)


def move(client, appointment_id, slot, **args):
    page = html_of(move_page(client, appointment_id, **args))
    return client.post(
        f"/admin/appointments/{appointment_id}/move",
        data={"csrf_token": csrf_token_from(page), "slot": slot, **args},
    )


def offered(html):
    return re.findall(r'name="slot" value="([^"]+)"[^>]*> ([^<]+)</label>', html)


def load(app, appointment_id):
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        return {
            "starts_at": appointment.starts_at,
            "sequence": appointment.sequence,
            "reminder_sent_at": appointment.reminder_sent_at,
            "reference": appointment.reference,
            "clinician": appointment.provider.slug,
            "status": appointment.status,
        }


def calendar_of(app, kind):
    with app.app_context():
        email = db.session.scalars(select(OutboxMessage).filter_by(kind=kind)).one()
        (event,) = Calendar.from_ical(base64.b64decode(email.attachments[0]["data"])).walk("VEVENT")
        return email, event


def test_the_desk_moves_a_visit_within_the_online_cut_off_and_the_patient_hears(app, desk, visit):
    page = html_of(move_page(desk, visit))
    assert "Now: Follow-up visit on Monday, December 7, 2026 at 11:00 AM EST with Dr. Amira Haddad, MD" in page
    times = offered(page)
    assert times and all(value.endswith("|1") and " with " not in label for value, label in times)  # her times
    later = next(value for value, label in times if label == "2:00 PM")
    response = move(desk, visit, later)
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/appointments/{visit}"
    moved = load(app, visit)
    assert moved["starts_at"] == datetime(2026, 12, 7, 19, 0, tzinfo=UTC) and moved["sequence"] == 1
    assert moved["reminder_sent_at"] is None
    email, event = calendar_of(app, "reschedule.patient")
    assert email.recipients == ["ines@example.org"]
    assert str(event["UID"]) == f"appointment-{moved['reference']}@localhost" and int(event["SEQUENCE"]) == 1
    assert "http://localhost/booking/find" in email.text_body  # no private link the desk cannot know
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).filter_by(action="moved")).one()
        assert entry.user.email == "fairfax.desk@example.org"
        assert entry.changes["when"] == ["Mon Dec 7, 2026 11:00 AM", "Mon Dec 7, 2026 2:00 PM"]
    page = html_of(desk.get(f"/admin/appointments/{visit}"))
    assert "Moved to Monday, December 7, 2026 at 2:00 PM EST with Dr. Amira Haddad, MD." in page
    assert "The patient has been emailed the new time." in page
    assert "moved (Mon Dec 7, 2026 11:00 AM → Mon Dec 7, 2026 2:00 PM)" in page


def test_another_clinician_can_be_chosen(app, desk, visit, make_appointment):
    page = html_of(move_page(desk, visit, provider="any", day="2026-12-10"))
    lauren = next(value for value, label in offered(page) if "Lauren Whitfield" in label)
    assert move(desk, visit, lauren, provider="any", day="2026-12-10").status_code == 303
    assert load(app, visit)["clinician"] == "lauren-whitfield"


def test_a_time_that_is_not_free_moves_nothing(app, desk, visit, make_appointment):
    make_appointment(datetime(2026, 12, 7, 19, 0, tzinfo=UTC), provider="amira-haddad")
    response = move(desk, visit, "2026-12-07T19:00Z|1")
    assert response.status_code == 422 and "That time is no longer free" in html_of(response)
    assert load(app, visit)["starts_at"] == TODAY_11AM and load(app, visit)["sequence"] == 0


def test_a_cancelled_visit_cannot_be_moved(app, desk, visit):
    with app.app_context():
        db.session.get(Appointment, visit).status = "cancelled"
        db.session.commit()
    response = move_page(desk, visit)
    assert response.status_code == 303
    assert "cannot be moved" in html_of(desk.get(response.headers["Location"]))


def test_staff_of_another_office_cannot_move_it(app, desk, make_appointment):
    potomac = make_appointment(NOW + timedelta(days=2), provider="amira-haddad", office="potomac")
    assert move_page(desk, potomac).status_code == 404
    token = csrf_token_from(html_of(desk.get("/admin/bookings/new")))
    response = desk.post(f"/admin/appointments/{potomac}/move", data={"csrf_token": token, "slot": "x"})
    assert response.status_code == 404


def test_the_desk_cancels_within_the_cut_off_and_the_calendar_entry_is_cancelled(app, desk, visit):
    page = html_of(desk.get(f"/admin/appointments/{visit}"))
    response = desk.post(
        f"/admin/appointments/{visit}/cancel",
        data={"csrf_token": csrf_token_from(page), "reason": "The clinician is ill"},
    )
    assert response.status_code == 303 and load(app, visit)["status"] == "cancelled"
    _, event = calendar_of(app, "cancellation.patient")
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1


def test_the_same_move_sent_twice_moves_once_and_says_so_twice(app, desk, visit):
    page = html_of(move_page(desk, visit))
    later = next(value for value, label in offered(page) if label == "2:00 PM")
    token = csrf_token_from(page)
    for _ in range(2):
        response = desk.post(f"/admin/appointments/{visit}/move", data={"csrf_token": token, "slot": later})
        assert response.status_code == 303
    assert load(app, visit)["sequence"] == 1


def test_a_patients_confirmation_was_for_the_old_time_and_is_cleared_by_a_move(app, desk, visit):
    with app.app_context():
        db.session.get(Appointment, visit).confirmed_by_patient_at = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
        db.session.commit()
    later = next(value for value, label in offered(html_of(move_page(desk, visit))) if label == "2:00 PM")
    assert move(desk, visit, later).status_code == 303
    with app.app_context():
        assert db.session.get(Appointment, visit).confirmed_by_patient_at is None
