"""Call-back requests: from a screening "yes" or after online changes close, a patient leaves a
name, a number and the best time; the office's inbox has it, the office's email names no one,
and the patient is told when to expect the call."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from clinic_app.extensions import db
from clinic_app.models import OutboxMessage, PatientQuestion
from tests.conftest import csrf_token_from

VALID = {"name": "Walter Ferreira", "phone": "703 555 0199", "office": "potomac", "best_time": "morning"}


def send(client, **changes):
    token = csrf_token_from(client.get("/call-me").get_data(as_text=True))
    return client.post("/call-me", data={"csrf_token": token, **VALID, **changes})


def test_a_call_back_request_reaches_the_inbox_and_the_patient_hears_when(app, client, admin_client, offices):
    page = client.get("/call-me?location=potomac").get_data(as_text=True)
    assert (
        'value="potomac" checked' in page
        or 'checked id="office-1"' in page
        or "checked" in page.split('value="potomac"')[0][-80:]
    )
    response = send(client)
    assert response.status_code == 303 and response.headers["Location"] == "/call-me/thanks"
    thanks = client.get("/call-me/thanks").get_data(as_text=True)
    assert "Potomac, MD" in thanks and "in the morning (8 AM to 12 PM)" in thanks
    with app.app_context():
        request = db.session.scalars(select(PatientQuestion)).one()
        assert (request.kind, request.name, request.phone, request.best_time) == (
            "callback",
            "Walter Ferreira",
            "(703) 555-0199",
            "morning",
        )
        (email,) = db.session.scalars(select(OutboxMessage)).all()
    assert email.kind == "callback.office" and email.recipients == ["potomac-frontdesk@example.org"]
    assert email.subject == f"Call-back request #{request.id} for the Potomac, MD office"
    for body in (email.text_body, email.html_body):
        assert "Walter" not in body and "555-0199" not in body and "best in the morning" in body
    inbox = admin_client.get("/admin/questions").get_data(as_text=True)
    assert "Call-back request: (703) 555-0199, best in the morning" in inbox
    detail = admin_client.get(f"/admin/questions/{request.id}").get_data(as_text=True)
    assert "Call-back request from Walter Ferreira" in detail and "Best in the morning" in detail


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"phone": ""}, "Please enter the number we should call."),
        ({"phone": "12345"}, "Please enter a US phone number"),
        ({"name": ""}, "Please tell us your name."),
        ({"best_time": "midnight"}, "Not a valid choice"),
    ],
)
def test_a_bad_request_is_refused_in_place_and_nothing_is_stored(app, client, offices, changes, message):
    response = send(client, **changes)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PatientQuestion)) == 0


def test_the_cut_off_page_and_a_yes_at_the_re_screen_offer_a_call_back(client, make_appointment):
    from clinic_app.clock import system_time

    token = "a-manage-link-token-" + "x" * 30
    soon = system_time().replace(minute=0, second=0, microsecond=0) + timedelta(hours=5)
    make_appointment(soon, token=token, visit="new-patient")  # inside the 24-hour cut-off
    manage = client.get(f"/booking/{token}").get_data(as_text=True)
    assert '<a href="/call-me?location=fairfax">ask us to call you</a>' in manage
    page = client.get(f"/booking/{token}/screening").get_data(as_text=True)
    answers = {key: "no" for key in ("cough", "taste_smell", "close_contact", "positive_test")}
    flagged = client.post(
        f"/booking/{token}/screening",
        data={"csrf_token": csrf_token_from(page), "fever": "yes", "acknowledged": "y", **answers},
    ).get_data(as_text=True)
    assert "Please do not come in for now" in flagged
    assert '<a href="/call-me?location=fairfax">ask us to call you</a>' in flagged


def test_one_address_gets_at_most_three_acknowledgements_a_day(app, client, offices):
    for number in range(4):
        token = csrf_token_from(client.get("/ask").get_data(as_text=True))
        client.post(
            "/ask",
            data={
                "csrf_token": token,
                "name": "Someone",
                "email": "Target@Example.org",
                "office": "fairfax",
                "message": f"Question {number}",
            },
        )
    with app.app_context():
        receipts = db.session.scalars(select(OutboxMessage).filter_by(kind="question.patient")).all()
        offices_told = db.session.scalars(select(OutboxMessage).filter_by(kind="question.office")).all()
    assert len(receipts) == 3 and len(offices_told) == 4  # the office still gets every question
    assert all(r.text_body.startswith("Hello,") for r in receipts)  # no name typed by a stranger
