"""Issue 16's "done when", in Chromium: a Spanish-speaking patient starts at /es/, reads the
leg-weakness article in Spanish, books through all five steps in Spanish (with JavaScript and
without), and receives the confirmation and the reminder in Spanish; staff see "Spanish" on the
booking; axe finds no serious problem on any Spanish page on the way."""

import email
import re
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from clinic_app.booking.notifications import queue_reminder_email
from clinic_app.booking.reminders import queue_due_reminders
from clinic_app.extensions import db
from clinic_app.models import Appointment, StaffUser
from clinic_app.notify.outbox import send_pending
from clinic_app.seed import seed_scheduling
from tests.browser.booking_steps import SpanishPatient
from tests.browser.conftest import watch_requests_and_errors
from tests.browser.test_admin import PASSWORD, sign_in
from tests.conftest import authenticator_set_up

pytestmark = pytest.mark.browser


@pytest.fixture
def clinic(live_server):
    """The live server with clinicians and kinds of visit (Spanish wording seeded) and an admin."""
    with live_server.app.app_context():
        seed_scheduling(db.session)
        admin = StaffUser(email="admin@example.org", name="Ada Admin", role="admin", **authenticator_set_up())
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.commit()
    return live_server


def delivered(server) -> dict:
    """Send what the outbox holds to the development sink; each message read, by kind of email."""
    with server.app.app_context():
        send_pending()
    messages = {}
    for path in sorted(Path(server.app.config["MAIL_SINK_DIR"]).glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        messages.setdefault(message["To"], []).append(message)
    return messages


@pytest.mark.parametrize("js", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_a_spanish_speaking_patient_reads_books_and_is_written_to_in_spanish(browser, clinic, js):
    context = browser.new_context(java_script_enabled=js)
    page = context.new_page()
    requests, errors = watch_requests_and_errors(page)
    checker = None if js else browser.new_context().new_page()
    patient = SpanishPatient(page, clinic, js, checker)
    patient.read_the_article_and_ask_for_an_appointment()
    patient.book()
    assert patient.problems == []
    assert [e for e in errors if "status of 422" not in e] == []  # (the screening sent unanswered, on purpose)
    assert [url for url in requests if not url.startswith(clinic.url + "/")] == []

    # The confirmation email, in Spanish, with links to the Spanish pages.
    [confirmation] = delivered(clinic)["lucia.ramirez@example.org"]
    text = confirmation.get_body(("plain",)).get_content()
    assert confirmation["Subject"].startswith("Su cita del ")
    assert "Hola, Lucía:" in text and "Su cita está reservada." in text and "Consulta para pacientes nuevos" in text
    assert re.search(re.escape(clinic.url) + r"/es/booking/[\w-]{40,}", text)

    # The reminder, a day before, from the job (no page involved), in Spanish too.
    with clinic.app.app_context():
        starts_at = db.session.scalars(select(Appointment.starts_at)).one()
        assert db.session.scalars(select(Appointment.language)).one() == "es"
        assert queue_due_reminders(db.session, starts_at - timedelta(hours=24), (72, 24), queue_reminder_email) == 1
    reminder = delivered(clinic)["lucia.ramirez@example.org"][-1]
    reminder_text = reminder.get_body(("plain",)).get_content()
    assert reminder["Subject"].startswith("Recordatorio: su cita del ")
    questions = re.search(re.escape(clinic.url) + r"(/es/booking/[\w-]+/screening)", reminder_text).group(1)
    page.goto(clinic.url + questions)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Preguntas de salud")
    patient.check_page()
    assert patient.problems == []
    context.close()
    if checker is not None:
        checker.context.close()

    # Staff (the back office is English) see that the patient speaks Spanish.
    staff = browser.new_context().new_page()
    sign_in(staff, clinic.url, clinic.app)
    row = staff.locator("#bookings-table tbody tr", has_text="Lucía Ramírez")
    expect(row.locator(".badge", has_text="Spanish")).to_be_visible()
    row.get_by_role("link", name="Lucía Ramírez").click()
    expect(staff.locator("main")).to_contain_text("Spanish (call and write to the patient in Spanish)")
    staff.context.close()
