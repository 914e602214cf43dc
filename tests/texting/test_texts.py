"""Text messages: opt-in at step 4, the confirmation and reminders sent through the outbox to a
(fake) Twilio over HTTP, the short links, and replies: C confirms, STOP ends texts."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from clinic_app.booking.notifications import queue_reminder_email
from clinic_app.booking.reminders import queue_due_reminders
from clinic_app.extensions import db
from clinic_app.models import Appointment, AuditEntry, Channel, OutboxMessage, OutboxStatus, SmsOptOut
from clinic_app.notify.outbox import send_pending
from clinic_app.texting.numbers import texting_number
from clinic_app.texting.providers import signature
from config import ConfigError, TestingConfig
from tests.conftest import book_online, csrf_token_from, set_clock
from tests.fake_sms import AUTH_TOKEN

VISIT = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)  # Monday 10:00 AM in Fairfax


@pytest.fixture
def app(each_database_app, fake_twilio):
    each_database_app.config.update(fake_twilio.settings())
    return each_database_app


def deliver(app):
    with app.app_context():
        return send_pending()


def rows(app, **filters):
    with app.app_context():
        found = db.session.scalars(select(OutboxMessage).filter_by(**filters).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return found


def reply(client, body, sender="+17035550188", token=AUTH_TOKEN, url="http://localhost/texts/inbound"):
    """A reply as the provider posts it, signed with ``token`` for ``url``."""
    fields = {"MessageSid": "SM" + "1" * 32, "From": sender, "To": "+15715550100", "Body": body}
    return client.post(
        "/texts/inbound",
        data=urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature(token, url, fields.items())},
    )


# --- pure parts -------------------------------------------------------------------------------


def test_signature_matches_twilios_published_examples():
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    fields = {
        "CallSid": "CA1234567890ABCDE",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
        "Caller": "+14158675309",
    }
    assert signature("12345", url, fields.items()) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    assert signature("12345", url, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


@pytest.mark.parametrize(
    "typed, expected",
    [("703 555 0188", "+17035550188"), ("(301) 555-0187", "+13015550187"), ("+1 787 555 0100", "+17875550100")],
)
def test_us_numbers_become_e164(typed, expected):
    assert texting_number(typed) == (expected, None)


@pytest.mark.parametrize("typed", ["(416) 967-1111", "+44 20 7946 0018", "12", "call me"])
def test_other_numbers_are_refused_with_a_reason(typed):
    number, problem = texting_number(typed)
    assert number is None and ("US" in problem)


def test_twilio_without_credentials_refuses_to_start(monkeypatch):
    monkeypatch.setenv("SMS_BACKEND", "twilio")
    with pytest.raises(ConfigError, match="TWILIO_ACCOUNT_SID"):
        TestingConfig().validate()
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC1")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "t")
    monkeypatch.setenv("TWILIO_FROM_NUMBER", "+15715550100")
    monkeypatch.setenv("TWILIO_API_URL", "http://api.example.com")
    with pytest.raises(ConfigError, match="https"):
        TestingConfig().validate()


# --- step 4 and the confirmation ---------------------------------------------------------------


def to_step_four(client) -> str:
    """Steps 1-3 done through the pages; the CSRF token for step 4."""
    token = csrf_token_from(client.get("/book/").get_data(as_text=True))
    visit = {"office": "fairfax", "visit_type": "new-patient", "reason": "sciatica", "provider": "any"}
    assert client.post("/book/", data={"csrf_token": token, **visit}).status_code == 303
    slot = re.search(r'name="slot" value="([^"]+)"', client.get("/book/time").get_data(as_text=True)).group(1)
    assert client.post("/book/time", data={"csrf_token": token, "slot": slot}).status_code == 303
    answers = {key: "no" for key in ("fever", "cough", "taste_smell", "close_contact", "positive_test")}
    assert client.post("/book/screening", data={"csrf_token": token, "acknowledged": "y", **answers}).status_code == 303
    return token


def test_step_four_offers_texts_only_when_the_site_sends_them(app, client, clinic):
    to_step_four(client)
    app.config["SMS_BACKEND"] = "off"
    assert "text me" not in client.get("/book/details").get_data(as_text=True)
    app.config["SMS_BACKEND"] = "twilio"
    page = client.get("/book/details").get_data(as_text=True)
    assert "Also text me about this appointment" in page and "Reply STOP" in page and "rates may apply" in page
    assert 'aria-describedby="text_messages-hint"' in page


def test_a_number_outside_the_us_gets_a_clear_message_and_keeps_what_was_typed(app, client, clinic):
    token = to_step_four(client)
    details = {
        "csrf_token": token,
        "first_name": "Rosa",
        "last_name": "Parkes",
        "date_of_birth": "1961-02-03",
        "phone": "(416) 967-1111",
        "email": "rosa@example.org",
        "patient_status": "new",
        "consent": "y",
        "text_messages": "y",
    }
    response = client.post("/book/details", data=details)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Text messages go to US numbers only" in html and 'value="rosa@example.org"' in html
    assert client.get("/book/review").status_code == 303  # nothing saved: step 4 is still to do
    assert client.post("/book/details", data={**details, "text_messages": ""}).status_code == 303  # or texts off


def test_a_booking_with_texts_on_is_confirmed_by_text_without_health_details(app, client, clinic, fake_twilio):
    page = book_online(client, text_messages="y")
    with app.app_context():
        appointment = db.session.scalars(select(Appointment)).one()
        assert appointment.sms_phone == "+17035550188" and appointment.sms_consent_at is not None
        reference, name = appointment.reference, appointment.visit_type.name
        clinician = appointment.provider.display_name
    assert "You're booked" in page or reference in page
    report = deliver(app)
    assert report.sent == 3  # office email, patient email, text
    (text,) = fake_twilio.messages
    assert text["To"] == "+17035550188" and text["From"] == "+15715550100"
    body = text["Body"]
    assert reference in body and "Fairfax, VA office" in body and "Reply STOP" in body
    for private in ("Rosa", "Parkes", "sciatica", "SECRET-NOTE", name, clinician):
        assert private not in body
    short = re.search(r"http://localhost(/v/\S+)", body).group(1)
    opened = client.get(short)
    assert opened.status_code == 303 and "/booking/" in opened.headers["Location"]
    assert reference in client.get(opened.headers["Location"]).get_data(as_text=True)
    assert client.get("/v/not-a-real-link").status_code == 404


def test_without_consent_no_text_is_queued(app, client, clinic, fake_twilio):
    book_online(client)
    deliver(app)
    assert fake_twilio.messages == [] and rows(app, channel=Channel.SMS) == []


def test_a_provider_outage_loses_nothing_and_never_blocks_the_booking(app, client, clinic, fake_twilio):
    fake_twilio.fail_next(503, times=2)
    page = book_online(client, text_messages="y")
    assert "booked" in page.lower()
    first = deliver(app)
    assert first.retrying == 1 and first.sent == 2  # both emails went; the text waits
    (row,) = rows(app, channel=Channel.SMS)
    assert row.status == OutboxStatus.PENDING and row.last_error == "Text provider: HTTP 503 (error 20500)"
    with app.app_context():  # the retry is due later; run the sender as if then
        deliver_at = row.next_attempt_at + timedelta(seconds=1)
        send_pending(now=deliver_at)
        send_pending(now=deliver_at + timedelta(hours=1))
        send_pending(now=deliver_at + timedelta(hours=2))
    assert len(fake_twilio.messages) == 1  # delivered once, not once per try
    assert rows(app, channel=Channel.SMS)[0].status == OutboxStatus.SENT


def test_a_number_the_provider_refuses_fails_at_once_for_staff_to_see(app, client, clinic, fake_twilio):
    fake_twilio.fail_next(400)
    book_online(client, text_messages="y")
    deliver(app)
    (row,) = rows(app, channel=Channel.SMS)
    assert row.status == OutboxStatus.FAILED and row.attempts == 1 and "21211" in row.last_error


def test_the_development_sink_writes_texts_as_files(app, client, clinic, tmp_path):
    app.config.update(SMS_BACKEND="file", SMS_SINK_DIR=str(tmp_path / "sms"))
    book_online(client, text_messages="y")
    deliver(app)
    (written,) = Path(tmp_path / "sms").glob("*.txt")
    assert written.read_text().startswith("To: +17035550188\n") and "Fairfax, VA office" in written.read_text()


# --- reminders and replies ----------------------------------------------------------------------


def remind(app, now):
    with app.app_context():
        return queue_due_reminders(db.session, now, (72, 24), queue_reminder_email)


@pytest.fixture
def three_days_before(monkeypatch):
    """The pages' clock at the first reminder's moment (before staff sign in)."""
    set_clock(monkeypatch, VISIT - timedelta(hours=72))


def test_the_72_hour_reminder_arrives_as_a_text_and_c_confirms_it(
    three_days_before, app, client, admin_client, make_appointment, fake_twilio
):
    appointment_id = make_appointment(VISIT, sms_phone="+17035550188", created_at=VISIT - timedelta(days=5))
    assert remind(app, VISIT - timedelta(hours=72)) == 1
    deliver(app)
    (text,) = fake_twilio.messages
    assert "Reply C to confirm" in text["Body"] and "Mon, Dec 14 at 10:00 AM" in text["Body"]
    change = re.search(r"http://localhost(/v/\S+)", text["Body"]).group(1)
    manage = client.get(change).headers["Location"]
    assert "Cancel" in client.get(manage).get_data(as_text=True)  # the change link still works

    answer = reply(client, " c. ")
    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    assert "is confirmed" in answer.get_data(as_text=True)
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        assert appointment.confirmed_by_patient_at is not None and appointment.status == "confirmed"
        audit = db.session.scalars(select(AuditEntry).filter_by(action="patient.confirmed")).one()
        assert audit.changes["by"] == "patient (text message reply)"
    assert "confirmed by the patient" in admin_client.get(f"/admin/appointments/{appointment_id}").get_data(
        as_text=True
    )

    assert remind(app, VISIT - timedelta(hours=24)) == 1
    deliver(app)
    last = fake_twilio.messages[-1]["Body"]
    assert "Reply C" not in last and "safety questions" in last and "/screening" in last


def test_a_desk_booking_without_email_still_gets_its_reminder_by_text(app, make_appointment, fake_twilio):
    make_appointment(VISIT, email="", sms_phone="+17035550188", created_at=VISIT - timedelta(days=5))
    assert remind(app, VISIT - timedelta(hours=24)) == 1
    deliver(app)
    assert len(fake_twilio.messages) == 1 and rows(app, channel=Channel.EMAIL) == []


def test_stop_ends_every_text_to_the_number_even_those_already_queued(
    app, client, admin_client, make_appointment, fake_twilio
):
    appointment_id = make_appointment(VISIT, sms_phone="+17035550188", created_at=VISIT - timedelta(days=5))
    staff_page = f"/admin/appointments/{appointment_id}"
    assert "Yes, to (703) 555-0188" in admin_client.get(staff_page).get_data(as_text=True)
    remind(app, VISIT - timedelta(hours=72))  # queued, not yet sent
    answer = reply(client, "STOP")
    assert answer.status_code == 200 and "<Message>" not in answer.get_data(as_text=True)
    deliver(app)
    assert fake_twilio.messages == []
    (row,) = rows(app, channel=Channel.SMS)
    assert row.status == OutboxStatus.SKIPPED
    assert "Stopped by the patient (replied STOP), to (703) 555-0188" in admin_client.get(staff_page).get_data(
        as_text=True
    )
    remind(app, VISIT - timedelta(hours=24))
    assert len(rows(app, channel=Channel.SMS)) == 1  # nothing more is even queued

    assert "on again" in reply(client, "Start").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(SmsOptOut, "+17035550188") is None


def test_a_reply_with_a_bad_signature_is_refused_and_changes_nothing(app, client, make_appointment):
    appointment_id = make_appointment(VISIT, sms_phone="+17035550188")
    assert reply(client, "STOP", token="not-the-token").status_code == 403
    assert reply(client, "C", url="http://elsewhere.example/texts/inbound").status_code == 403
    unsigned = client.post("/texts/inbound", data={"From": "+17035550188", "Body": "C"})
    assert unsigned.status_code == 403
    with app.app_context():
        assert db.session.scalars(select(SmsOptOut)).all() == []
        assert db.session.get(Appointment, appointment_id).confirmed_by_patient_at is None


def test_replies_that_are_not_keywords_are_answered_without_being_kept(app, client, make_appointment, caplog):
    make_appointment(VISIT, sms_phone="+17035550188")
    answer = reply(client, "my back hurts a lot, can I come earlier?").get_data(as_text=True)
    assert "Reply C to confirm" in answer and "call us" in answer
    assert "my back hurts" not in caplog.text
    assert "no upcoming visit" in reply(client, "C", sender="+13015550100").get_data(as_text=True)


def test_the_webhook_is_closed_when_no_provider_is_set_up(app, client):
    app.config["TWILIO_AUTH_TOKEN"] = None
    assert reply(client, "C").status_code == 404
