"""The waitlist in Chromium with htmx: join from step 2 (errors in place first), then take the
freed time from the offer's link, the health questions answered on the way (CSRF on each htmx post)."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from clinic_app.booking import service
from clinic_app.booking.availability import days_with_slots, slots_by_day
from clinic_app.booking.steps import booking_rules
from clinic_app.cli import offer_waitlist
from clinic_app.clock import system_time
from clinic_app.extensions import db
from clinic_app.models import Appointment, Office, OutboxMessage, VisitType
from clinic_app.seed import seed_scheduling
from tests.browser.booking_steps import QUESTIONS, choose_visit, expect_step
from tests.conftest import add_appointment

pytestmark = pytest.mark.browser


@pytest.fixture
def clinic(live_server):
    with live_server.app.app_context():
        seed_scheduling(db.session)
        db.session.commit()
    return live_server


def someone_elses_visit(live_server):
    """A new-patient visit on the third day with open times, booked by another patient."""
    with live_server.app.app_context():
        office = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        visit_type = db.session.scalars(select(VisitType).filter_by(slug="new-patient")).one()
        now = system_time()
        day = days_with_slots(db.session, office=office, visit_type=visit_type, provider_id=None, now=now)[2]
        slot = slots_by_day(
            db.session,
            office=office,
            visit_type=visit_type,
            provider_id=None,
            days=[day],
            now=now,
            rules=booking_rules(),
        )[day][0]
        appointment_id = add_appointment(db.session, slot.starts_at, provider=slot.provider.slug, visit="new-patient")
        db.session.commit()
        return appointment_id, slot.starts_at


def test_join_the_waitlist_then_book_the_freed_time_from_the_offer(page, clinic):
    appointment_id, starts_at = someone_elses_visit(clinic)
    choose_visit(page, clinic)
    expect_step(page, 2, "Choose a date and time")
    page.get_by_role("link", name=re.compile("Tell me if an earlier time opens")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell me if an earlier time opens")

    page.get_by_role("button", name="Put me on the waitlist").click()
    expect(page.get_by_role("heading", name=re.compile("Please check these"))).to_be_visible()

    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Waits")
    page.fill("#date_of_birth", "1948-09-30")
    page.get_by_label("Mobile or home phone").fill("(703) 555-0166")
    page.get_by_label("Email address").fill("nora@example.org")
    page.get_by_label("No, I am a new patient").check()
    page.get_by_role("checkbox", name=re.compile("^I agree to be contacted")).check()
    page.get_by_role("button", name="Put me on the waitlist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are on the waitlist")

    with clinic.app.test_request_context(method="POST"):  # what a form post (it writes) would do
        visit = db.session.get(Appointment, appointment_id)
        service.cancel_appointment(db.session, visit, now=system_time())
        assert offer_waitlist() == 1
        (offer,) = db.session.scalars(select(OutboxMessage).filter_by(kind="waitlist_offer.patient")).all()
        link = re.search(re.escape(clinic.url) + r"/offer/[A-Za-z0-9_-]+", offer.text_body).group(0)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("An earlier time has opened")
    for key in QUESTIONS:
        page.locator(f"fieldset#{key}").get_by_label("No", exact=True).check()
    page.get_by_role("checkbox", name=re.compile("^I have read the office")).check()
    page.get_by_role("button", name="Book this time").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("You’re booked")
    expect(heading).to_be_focused()
    with clinic.app.app_context():
        mine = db.session.scalars(select(Appointment).filter_by(email="nora@example.org")).one()
        assert mine.starts_at == starts_at and mine.is_active

    page.reload()  # the link used again says so plainly
    expect(page.get_by_role("heading", level=1)).to_have_text("You have already booked this time")
    assert timedelta(0) < starts_at - system_time()
