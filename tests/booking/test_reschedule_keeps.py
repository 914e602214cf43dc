"""A move keeps what the booking knew: every screening with its version and time, the flag, and
the clinician the patient chose (only "first available" may go to someone else)."""

import pytest
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.models import Appointment, OutboxMessage
from tests.booking.test_routes import (
    ALL_NO,
    DETAILS,
    LATER_SLOT,
    MANAGE_LINK,
    NOW,
    THURSDAY_SLOT_LAUREN,
    book,
    get,
    html_of,
    offered_slots,
    post,
    provider_id,
    redirects_to,
    walk,
)
from tests.conftest import set_clock, sign_in

THURSDAY_SLOT_HADDAD = "2026-12-10T14:00Z|1"  # not offered: Dr. Haddad is at Potomac on Thursdays


@pytest.fixture(autouse=True)
def monday_8am(monkeypatch):
    set_clock(monkeypatch, NOW)


def stored(app):
    with app.app_context():
        appointment = db.session.scalars(select(Appointment)).one()
        return appointment.screening, appointment.screening_outcome, appointment.provider.slug


def test_a_move_adds_the_new_answers_and_never_clears_the_flag(app, client, clinic):
    token, _ = book(client, slot=LATER_SLOT)
    # After the reminder the patient answers "yes": the visit is flagged for a call.
    assert post(client, f"/booking/{token}/screening", {**ALL_NO, "cough": "yes"}).status_code == 200
    # Later, feeling better, they move the visit online, answering "no" to everything.
    response = post(client, f"/booking/{token}/reschedule", {"slot": THURSDAY_SLOT_LAUREN, **ALL_NO})
    assert redirects_to(response, f"/booking/{token}")
    screening, outcome, _ = stored(app)
    assert outcome == "flagged"  # the office still has to call; only staff clear a flag
    assert screening["outcome"] == "clear" and len(screening["answers"]) == 5  # the booking's answers, kept
    first, second = screening["rescreenings"]
    assert (first["asked"], first["outcome"]) == ("reminder", "flagged")
    assert (second["asked"], second["outcome"]) == ("reschedule", "clear")
    assert second["version"] and second["answered_at"].startswith("2026-12-07T13:00")
    with app.app_context():
        office_email = db.session.scalars(select(OutboxMessage).filter_by(kind="reschedule.office")).one()
    assert office_email.subject.startswith("Call first")  # the office's email still says so


def test_staff_read_every_screening_under_its_own_heading(app, client, clinic, make_user):
    token, _ = book(client, slot=LATER_SLOT)
    post(client, f"/booking/{token}/screening", ALL_NO)
    post(client, f"/booking/{token}/reschedule", {"slot": THURSDAY_SLOT_LAUREN, **ALL_NO})
    make_user("desk@example.org", "admin")
    staff = app.test_client()
    sign_in(staff, "desk@example.org")
    with app.app_context():
        appointment_id = db.session.scalars(select(Appointment.id)).one()
    html = html_of(staff.get(f"/admin/appointments/{appointment_id}"))
    assert html.index("Answers at booking") < html.index("Answers after the reminder")
    assert html.index("Answers after the reminder") < html.index("Answers when the visit was moved")
    assert "Mon Dec 7, 2026 8:00 AM" in html.split("Answers when the visit was moved")[1]


def test_a_patient_who_chose_a_clinician_is_only_offered_that_clinicians_times(app, client, clinic):
    haddad = provider_id(app, "amira-haddad")
    token, _ = book(client, slot=LATER_SLOT, visit={"provider": str(haddad)})
    html = html_of(get(client, f"/booking/{token}/reschedule?day=2026-12-09"))
    offered = offered_slots(html)
    assert offered and all("with" not in label for _, label in offered)  # one clinician: no names
    assert all(value.endswith(f"|{haddad}") for value, _ in offered)
    response = post(client, f"/booking/{token}/reschedule", {"slot": THURSDAY_SLOT_LAUREN, **ALL_NO})
    assert response.status_code == 422 and "That time is not available" in html_of(response)
    assert stored(app)[2] == "amira-haddad"


def test_first_available_may_move_to_another_clinician(app, client, clinic):
    token, _ = book(client, slot=LATER_SLOT)  # "first available"
    response = post(client, f"/booking/{token}/reschedule", {"slot": THURSDAY_SLOT_LAUREN, **ALL_NO})
    assert redirects_to(response, f"/booking/{token}")
    assert stored(app)[2] == "lauren-whitfield"


def test_a_video_visit_booked_after_a_yes_stays_flagged_when_moved(app, client, clinic):
    walk(client, "time")
    post(client, "/book/screening", {**ALL_NO, "cough": "yes"})
    assert redirects_to(post(client, "/book/screening/video"), "/book/time")
    later = [value for value, _ in offered_slots(html_of(client.get("/book/time?day=2026-12-09")))]
    assert redirects_to(post(client, "/book/time", {"slot": later[0]}), "/book/details")
    post(client, "/book/screening")
    post(client, "/book/details", DETAILS)
    assert redirects_to(post(client, "/book/review"), "/book/confirmed")
    token = MANAGE_LINK.search(html_of(client.get("/book/confirmed"))).group(1)
    assert stored(app)[1] == "flagged"

    moved_to = offered_slots(html_of(get(client, f"/booking/{token}/reschedule?day=2026-12-10")))[0][0]
    assert redirects_to(post(client, f"/booking/{token}/reschedule", {"slot": moved_to}), f"/booking/{token}")
    screening, outcome, _ = stored(app)
    assert outcome == "flagged"  # was "not needed" before: the office lost the reason to call
    assert screening["before_switch_to_telehealth"]["outcome"] == "flagged"
