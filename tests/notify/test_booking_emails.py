"""Booking emails through a real SMTP server: content, privacy, calendar files, outages, reminders."""

import re
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select

from clinic_app.booking import notifications
from clinic_app.booking.service import cancel_appointment
from clinic_app.extensions import db
from clinic_app.models import Appointment, OutboxMessage
from clinic_app.notify.outbox import send_pending
from tests.conftest import MONDAY_8AM, book_online, csrf_token_from, free_port

NOW = MONDAY_8AM
TEN_AM = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
book = book_online


def parts(received):
    message = received["message"]
    # A long subject may be folded onto the next header line (RFC 5322); readers drop the fold.
    return (
        str(message["Subject"]).strip(),
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
        list(message.iter_attachments()),
    )


def test_a_booking_reaches_the_office_and_the_patient_by_smtp(app, client, clinic, smtp_server, frozen):
    book(client)
    with app.app_context():
        assert send_pending(now=NOW).sent == 2
    by_recipient = {tuple(m["to"]): m for m in smtp_server.messages}
    office_subject, office_text, office_html, office_files = parts(by_recipient[("fairfax-frontdesk@example.org",)])
    assert re.fullmatch(
        r"New booking: Monday, December 7, 2026 10:00 AM EST - Fairfax, VA - [A-Z0-9]{8}", office_subject
    )
    for expected in ["Rosa Parkes", "New-patient consultation", "Dr.", "Call needed before the visit: no"]:
        assert expected in office_text
    assert "Rosa Parkes" in office_html and office_files == []
    # Email is not a safe channel for health information: the office reads it in the back office.
    for private in ["SECRET-NOTE", "Sciatica", "sciatica", "answers no", "fever", "1961", "(703) 555-0188", "rosa@"]:
        assert private not in office_text and private not in office_html and private not in office_subject
    appointment_id = re.search(r"http://localhost/admin/appointments/(\d+)", office_text).group(1)
    assert f'href="http://localhost/admin/appointments/{appointment_id}"' in office_html

    patient_subject, patient_text, patient_html, [ics] = parts(by_recipient[("rosa@example.org",)])
    assert re.search(
        r"Google Calendar: https://calendar\.google\.com/calendar/render\?action=TEMPLATE&\S+", patient_text
    )
    assert re.search(r"Outlook\.com: https://outlook\.live\.com/calendar/0/action/compose\?\S+", patient_text)
    assert ">Google Calendar</a>" in patient_html and ">Outlook.com</a>" in patient_html
    assert patient_subject == "Your appointment on Monday, December 7, 2026 at 10:00 AM EST - Spine & Nerve Clinic"
    assert "4001 Fair Ridge Dr, Suite 202, Fairfax, VA 22033" in patient_text
    assert "(703) 555-0142" in patient_text and "photo ID" in patient_text
    assert re.search(r"http://localhost/booking/[\w-]{40,}", patient_text)
    # Privacy: the patient's email carries no notes, reason or screening answers.
    for private in ["SECRET-NOTE", "Sciatica", "sciatica", "answers no", "fever?"]:
        assert private not in patient_text and private not in patient_html
    assert ics.get_content_charset() == "utf-8"  # so "—" in the title reads as a dash, not "â€”"
    calendar = Calendar.from_ical(ics.get_content())
    assert str(calendar["METHOD"]) == "REQUEST"
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["SUMMARY"]) == "New-patient consultation — Spine & Nerve Clinic"
    assert str(event["URL"]) == "http://localhost/booking/find"  # calendars are shared: no private link
    start = event["DTSTART"]
    assert start.params["TZID"] == "America/New_York"
    assert start.dt == TEN_AM and start.dt.astimezone(start.dt.tzinfo).hour == 10


def test_the_mail_server_down_during_a_booking_loses_no_email(app, client, clinic, smtp_server, frozen):
    up_port = smtp_server.port
    app.extensions["mail"].port = free_port()  # the mail server is down
    page = book(client)
    assert "You’re booked" in page  # the patient sees the confirmation all the same
    with app.app_context():
        assert db.session.scalars(select(Appointment)).one().first_name == "Rosa"
        report = send_pending(now=NOW)  # the worker tries while the server is down
        assert report.sent == 0 and report.retrying == 1  # the rest of the batch waits for the server
        waiting = db.session.scalars(select(OutboxMessage)).all()
        assert {m.status for m in waiting} == {"pending"}
        assert {m.last_error for m in waiting} == {"ConnectionRefusedError", None}
    assert smtp_server.messages == []

    app.extensions["mail"].port = up_port  # the server comes back
    with app.app_context():
        for minutes in (2, 5, 60, 600):
            send_pending(now=NOW + timedelta(minutes=minutes))
    recipients = sorted(tuple(m["to"]) for m in smtp_server.messages)
    assert recipients == [("fairfax-frontdesk@example.org",), ("rosa@example.org",)]


def test_cancelling_updates_the_same_calendar_entry(app, clinic, make_appointment, smtp_server):
    appointment_id = make_appointment(TEN_AM, token="manage-token")
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        cancel_appointment(
            db.session, appointment, now=NOW, reason="Feeling better", notify=notifications.queue_cancellation_emails
        )
        send_pending(now=NOW)
        reference = appointment.reference
    patient = next(m for m in smtp_server.messages if m["to"] == ["patient@example.org"])
    subject, text, _, [ics] = parts(patient)
    assert subject.startswith("Cancelled: your appointment on Monday, December 7, 2026 at 10:00 AM EST")
    calendar = Calendar.from_ical(ics.get_content())
    event = next(iter(calendar.walk("VEVENT")))
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]).startswith(f"appointment-{reference}@") and int(event["SEQUENCE"]) == 1
    office = next(m for m in smtp_server.messages if m["to"] == ["fairfax-frontdesk@example.org"])
    office_subject, office_text, _, _ = parts(office)
    assert office_subject.startswith("Cancelled: Monday, December 7, 2026 10:00 AM EST") and reference in office_subject
    assert "Feeling better" not in office_text  # the patient's words stay in the back office


def test_one_reminder_with_the_screening_link_and_a_yes_flags_the_visit(
    app, runner, clinic, make_appointment, smtp_server, monkeypatch
):
    tomorrow = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(hours=20)
    later = tomorrow + timedelta(days=3)
    last_week = datetime.now(UTC) - timedelta(days=7)  # booked then: its reminder moments came after
    appointment_id = make_appointment(tomorrow, created_at=last_week)
    make_appointment(later, provider="lauren-whitfield", created_at=last_week)  # too far ahead for a reminder yet
    assert "reminders queued 1; waitlist ran; sent 1" in runner.invoke(args=["outbox", "send"]).output
    assert "reminders queued 0; waitlist not due; sent 0" in runner.invoke(args=["outbox", "send"]).output
    [reminder] = smtp_server.messages
    subject, text, html, _ = parts(reminder)
    assert subject.startswith("Reminder: your appointment on")
    link = re.search(r"http://localhost(/booking/[\w-]+/screening)", text).group(1)

    client = app.test_client()
    form = client.get(link).get_data(as_text=True)
    assert "Health questions before your visit" in form
    answers = {key: "no" for key in ("cough", "taste_smell", "close_contact", "positive_test")}
    response = client.post(
        link, data={"csrf_token": csrf_token_from(form), "fever": "yes", "acknowledged": "y", **answers}
    )
    assert "Please do not come in for now" in response.get_data(as_text=True)
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        assert appointment.screening_outcome == "flagged"
        assert appointment.screening["rescreenings"][0]["answers"][0] == {
            "key": "fever",
            "question": "Do you have a fever or chills?",
            "answer": True,
        }
        send_pending()
    flagged = [m for m in smtp_server.messages if m["to"] == ["fairfax-frontdesk@example.org"]]
    assert len(flagged) == 1
    assert parts(flagged[0])[0].startswith("Please call the patient before the visit:")
    assert "fever" not in parts(flagged[0])[1].lower()  # the answer itself stays in the back office
    # The reminder's link also opens the manage page.
    assert client.get(link.removesuffix("/screening")).status_code == 200


def test_a_video_visit_reminder_has_no_health_questions(app, runner, clinic, make_appointment, smtp_server):
    soon = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(hours=20)
    make_appointment(soon, visit="video-consultation", created_at=datetime.now(UTC) - timedelta(days=7))
    runner.invoke(args=["outbox", "send"])
    [reminder] = smtp_server.messages
    text = parts(reminder)[1]
    assert "/screening" not in text and "By secure video" in text


def test_a_cancelled_visit_gets_no_reminder(app, runner, clinic, make_appointment, smtp_server):
    soon = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(hours=20)
    make_appointment(soon, status="cancelled")
    assert "reminders queued 0" in runner.invoke(args=["outbox", "send"]).output
