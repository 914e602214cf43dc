"""The manage link stays out of the browser's cookie and out of calendar files; "Find my
appointment" (booking reference and date of birth) opens the manage page instead, for an hour,
and guessing a date of birth for someone else's reference is stopped after a few tries."""

import base64
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from clinic_app.booking import service
from clinic_app.booking.service import DRAFT_LIFETIME
from clinic_app.extensions import db
from clinic_app.models import Appointment, AuditEntry, BookingDraft, OutboxMessage
from tests.booking.test_routes import (
    ALL_NO,
    LATER_SLOT,
    MANAGE_LINK,
    NOW,
    THURSDAY_SLOT_LAUREN,
    book,
    csrf,
    html_of,
    post,
    walk,
)
from tests.conftest import add_appointment, in_app_context, set_clock

BIRTHDAY = date(1958, 4, 19)
BIRTHDAY_TYPED = BIRTHDAY.isoformat()
REFERENCE = "7K3M9QXA"
LASTING = "the-link-from-the-confirmation-email"
VISIT_START = NOW + timedelta(days=3)  # Thursday: more than 24 hours ahead, so it can still be changed
NOT_FOUND = "We could not find an upcoming appointment with that booking reference and date of birth."
TOO_MANY = "Too many tries. For your security, Find my appointment is paused for this booking reference"


@pytest.fixture
def clock(monkeypatch):
    """The clock at Monday 08:00 in New York; ``clock(moment)`` moves it."""
    set_clock(monkeypatch, NOW)
    return lambda moment: set_clock(monkeypatch, moment)


@pytest.fixture
def visit(app, clinic, clock):
    """An upcoming visit with a known reference, date of birth and lasting manage link; its id."""
    with in_app_context(app):
        appointment_id = add_appointment(
            db.session, VISIT_START, reference=REFERENCE, date_of_birth=BIRTHDAY, token=LASTING
        )
        db.session.commit()
    return appointment_id


def find(client, reference=REFERENCE, date_of_birth=BIRTHDAY_TYPED, address="192.0.2.10"):
    return client.post(
        "/booking/find",
        data={"csrf_token": csrf(client), "reference": reference, "date_of_birth": date_of_birth},
        environ_base={"REMOTE_ADDR": address},
    )


def audit_actions(app):
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(entry.action, entry.appointment_id, entry.changes) for entry in entries]


# --- after booking: the link is shown once and never kept in the cookie ---------------------------


def session_cookie_contents(app, client) -> str:
    cookie = client.get_cookie("session")
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    return cookie.value + json.dumps(data)


def test_the_manage_link_never_reaches_the_session_cookie(app, client, clinic, clock):
    walk(client, "review")
    assert post(client, "/book/review").status_code == 303
    after_booking = session_cookie_contents(app, client)
    token = MANAGE_LINK.search(html_of(client.get("/book/confirmed"))).group(1)
    assert token not in after_booking
    assert token not in session_cookie_contents(app, client)
    with app.app_context():  # the database holds the link neither (only its hash, as ever)
        stored = json.dumps([draft.data for draft in db.session.scalars(select(BookingDraft))])
        assert token not in stored and "manage_link" not in stored


def test_a_head_request_does_not_use_up_the_one_showing_of_the_link(client, clinic, clock):
    walk(client, "review")
    assert post(client, "/book/review").status_code == 303
    assert client.head("/book/confirmed").status_code == 200
    assert MANAGE_LINK.search(html_of(client.get("/book/confirmed")))


def test_a_session_from_before_drops_the_link_it_kept(app, client, clinic, clock):
    with client.session_transaction() as session:
        session["booking_confirmed"] = {"appointment": 1, "token": "an old manage token", "at": 0}
    client.get("/book/")
    assert "an old manage token" not in session_cookie_contents(app, client)


def test_until_shown_the_link_is_kept_sealed_under_the_browsers_draft_key(app, clinic, clock):
    """Between booking and the confirmation page the server keeps the link encrypted under a key
    only the browser holds: the database row alone does not give it, and it is given once."""
    with app.app_context():
        sealed = service.seal_manage_token("draft key in the cookie", "the manage token")
        assert "the manage token" not in sealed
        draft, _ = service.start_draft(db.session, NOW)
        draft.data = {"manage_link": sealed}
        db.session.commit()
        assert service.take_manage_token(db.session, draft, "another browser's key") is None
        draft.data = {"manage_link": sealed}
        db.session.commit()
        assert service.take_manage_token(db.session, draft, "draft key in the cookie") == "the manage token"
        assert service.take_manage_token(db.session, draft, "draft key in the cookie") is None
        assert db.session.get(BookingDraft, draft.id).data == {}


def test_a_confirmation_never_viewed_is_deleted_with_its_draft(app, client, clinic, clock):
    walk(client, "review")
    assert post(client, "/book/review").status_code == 303
    clock(NOW + DRAFT_LIFETIME + timedelta(minutes=1))
    with app.app_context():
        assert service.purge_expired_drafts(db.session, NOW + DRAFT_LIFETIME + timedelta(minutes=1)) == 1
        db.session.commit()
        assert db.session.scalars(select(Appointment)).one().status == "booked"
    assert client.get("/book/confirmed").headers["Location"] == "/book/"


def test_the_emailed_calendar_file_links_to_find_my_appointment_not_the_private_link(app, client, clinic, clock):
    token, _ = book(client, slot=LATER_SLOT)
    with app.app_context():
        email = db.session.scalars(select(OutboxMessage).filter_by(kind="booking.patient")).one()
        ics = base64.b64decode(email.attachments[0]["data"]).decode()
        assert token in email.text_body  # the email itself carries the private link, as promised
    assert token not in ics
    assert "URL:http://localhost/booking/find" in ics


# --- find my appointment ------------------------------------------------------------------------


def test_the_find_page_asks_for_the_reference_and_date_of_birth(client, visit):
    assert '<a href="/booking/find">Find my appointment</a>' in html_of(client.get("/"))  # in every footer
    html = html_of(client.get("/booking/find"))
    assert '<label for="reference">Booking reference</label>' in html
    assert '<label for="date_of_birth">Date of birth</label>' in html
    assert 'autocomplete="bday"' in html and "(703) 555-0142" in html  # and the offices to call


def test_reference_and_date_of_birth_open_the_appointment_for_an_hour(app, client, visit, clock):
    response = find(client, reference=" 7k3m-9qxa ")  # as typed from a letter or read out
    assert response.status_code == 303
    token = re.fullmatch(r"/booking/([A-Za-z0-9_-]{43})", response.headers["Location"]).group(1)
    assert token != LASTING
    page = html_of(client.get(f"/booking/{token}"))
    assert f'<dd class="reference">{REFERENCE}</dd>' in page and "Cancel this appointment" in page
    assert audit_actions(app) == [("patient.found", visit, {"by": "find my appointment page", "address": "192.0.2.10"})]
    with app.app_context():  # the patient hears of every opening, in case it was not them
        [notice] = db.session.scalars(select(OutboxMessage).filter_by(kind="found.patient")).all()
        assert notice.recipients == ["patient@example.org"]
        assert "Monday, December 7, 2026 at 8:00 AM EST" in notice.text_body and REFERENCE in notice.text_body
        assert "(703) 555-0142" in notice.text_body and token not in notice.text_body

    clock(NOW + timedelta(minutes=61))
    expired = client.get(f"/booking/{token}")
    assert expired.status_code == 404
    assert "This link does not open an appointment" in html_of(expired)
    assert '<a class="button" href="/booking/find">Find my appointment</a>' in html_of(expired)
    assert client.get(f"/booking/{LASTING}").status_code == 200  # the emailed link still works


def test_a_change_through_the_found_link_is_audited_as_such(app, client, visit):
    token = find(client).headers["Location"].rsplit("/", 1)[1]
    assert "Yes, cancel my appointment" in html_of(client.get(f"/booking/{token}/cancel"))
    assert post(client, f"/booking/{token}/cancel", {"reason": ""}).status_code == 303
    assert audit_actions(app)[-1][:2] == ("patient.cancelled", visit)
    assert audit_actions(app)[-1][2]["by"] == "patient (link from find my appointment)"


@pytest.mark.parametrize(
    "reference, date_of_birth",
    [(REFERENCE, "1958-04-20"), ("7K3M9QXB", BIRTHDAY.isoformat())],
    ids=["wrong-date-of-birth", "unknown-reference"],
)
def test_a_wrong_reference_or_date_of_birth_finds_nothing_and_says_so(app, client, visit, reference, date_of_birth):
    response = find(client, reference, date_of_birth)
    html = html_of(response)
    assert response.status_code == 422 and NOT_FOUND in html
    assert 'role="alert"' in html and f'value="{reference}"' in html  # kept for correcting
    actions = audit_actions(app)
    if reference == REFERENCE:  # someone tried this patient's reference: on their record
        assert actions == [
            (
                "patient.lookup_refused",
                visit,
                {"by": "find my appointment page", "why": "wrong date of birth", "address": "192.0.2.10"},
            )
        ]
    else:  # recorded too (on no appointment): a refusal costs the same either way
        assert actions == [
            (
                "patient.lookup_refused",
                None,
                {
                    "by": "find my appointment page",
                    "why": "no upcoming visit with that reference",
                    "address": "192.0.2.10",
                },
            )
        ]


def test_a_visit_that_is_over_is_not_found(client, visit, clock):
    clock(VISIT_START + timedelta(hours=2))
    assert NOT_FOUND in html_of(find(client))


@pytest.mark.parametrize(
    "reference, date_of_birth, message",
    [
        ("", BIRTHDAY.isoformat(), "Please enter your booking reference."),
        (REFERENCE, "", "Please enter your date of birth."),
        (REFERENCE, "2030-01-01", "it must be in the past"),
        ("7K3M\r\n9QXA", BIRTHDAY.isoformat(), "Please keep this on one line."),
        ("X" * 21, BIRTHDAY.isoformat(), "Please keep the booking reference under 20 characters."),
    ],
    ids=["no-reference", "no-date", "future-date", "line-break", "too-long"],
)
def test_bad_input_gets_a_clear_message_in_place(client, visit, reference, date_of_birth, message):
    response = find(client, reference, date_of_birth)
    assert response.status_code == 422 and message in html_of(response)


def test_without_a_form_token_nothing_is_looked_up(app, client, visit):
    response = client.post("/booking/find", data={"reference": REFERENCE, "date_of_birth": BIRTHDAY.isoformat()})
    assert response.status_code == 400 and audit_actions(app) == []


def test_guessing_a_date_of_birth_is_stopped_after_five_tries_from_one_address(app, client, visit):
    for day in range(1, 6):
        assert NOT_FOUND in html_of(find(client, date_of_birth=f"1958-05-{day:02}"))
    refused = find(client)  # even the right date now waits
    assert refused.status_code == 429 and TOO_MANY in html_of(refused)
    assert find(client, address="198.51.100.7").status_code == 303  # the patient, elsewhere


def test_a_reference_tried_from_many_addresses_is_stopped_for_the_day(client, visit):
    for attempt in range(10):
        assert find(client, date_of_birth="1958-05-01", address=f"203.0.113.{attempt}").status_code == 422
    assert find(client, address="198.51.100.7").status_code == 429


def test_one_address_trying_many_references_is_stopped(client, visit):
    for attempt in range(30):
        assert find(client, reference=f"AAAA{attempt:04}", address="192.0.2.99").status_code == 422
    assert find(client, address="192.0.2.99").status_code == 429


def test_a_move_made_from_find_my_appointment_emails_no_short_lived_link(app, client, clinic, clock):
    lasting, _ = book(client, slot=LATER_SLOT)
    with app.app_context():
        booked = db.session.scalars(select(Appointment)).one()
        reference, birthday = booked.reference, booked.date_of_birth
    token = find(client, reference, birthday.isoformat()).headers["Location"].rsplit("/", 1)[1]
    response = post(client, f"/booking/{token}/reschedule", {"slot": THURSDAY_SLOT_LAUREN, **ALL_NO})
    assert response.status_code == 303
    with app.app_context():
        email = db.session.scalars(select(OutboxMessage).filter_by(kind="reschedule.patient")).one()
    assert token not in email.text_body and token not in email.html_body and lasting not in email.text_body
    assert "http://localhost/booking/find" in email.text_body and reference in email.text_body
