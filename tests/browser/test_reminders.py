"""A reminder as a patient meets it in Chromium: five days ahead, the 72-hour email's Confirm
button confirms the visit (an htmx POST with its CSRF token), and its Change link still opens it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from clinic_app.booking.notifications import queue_reminder_email
from clinic_app.booking.reminders import queue_due_reminders
from clinic_app.extensions import db
from clinic_app.models import Appointment, OutboxMessage
from clinic_app.seed import seed_scheduling
from tests.browser.conftest import marker_survived, set_marker, watch_requests_and_errors
from tests.conftest import add_appointment

pytestmark = pytest.mark.browser


def test_the_72_hour_reminder_confirms_with_one_button_and_its_change_link_works(page, live_server):
    app = live_server.app
    requests, errors = watch_requests_and_errors(page)
    visit = (datetime.now(UTC) + timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    with app.app_context():
        seed_scheduling(db.session)
        appointment_id = add_appointment(db.session, visit, email="nora@example.org")
        db.session.commit()
        queued = queue_due_reminders(db.session, visit - timedelta(hours=72), (72, 24), queue_reminder_email)
        (reminder,) = db.session.scalars(select(OutboxMessage).filter_by(kind="reminder.patient")).all()
    assert queued == 1
    confirm = re.search(r"confirm with one click: (\S+)", reminder.text_body).group(1)
    change = re.search(r"Change or cancel your appointment: (\S+)", reminder.text_body).group(1)
    assert "health questions" not in reminder.text_body  # those come with the last reminder

    page.goto(confirm)
    expect(page.get_by_role("heading", level=1)).to_have_text("Are you coming to your appointment?")
    set_marker(page)
    page.get_by_role("button", name="Yes, I’m coming").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Thank you — your visit is confirmed")
    expect(heading).to_be_focused()
    assert marker_survived(page)  # swapped in by htmx, CSRF token and all
    with app.app_context():
        assert db.session.get(Appointment, appointment_id).confirmed_by_patient_at is not None

    page.goto(change)
    expect(page.locator("main")).to_contain_text("Cancel this appointment")  # still before the cut-off
    assert [url for url in requests if not url.startswith(live_server.url + "/")] == []
    assert errors == []
