"""Online booking in a real browser: the five steps with htmx and without JavaScript, the
"yes" screening path, Back/Forward, and the private manage link.

The live server runs on the real clock, so no date is written here: every test reads the days
and times the server offers from the page (or, for the manage link, from the availability
service) and picks among them.
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from clinic_app.booking import service
from clinic_app.booking.availability import days_with_slots, slots_by_day
from clinic_app.booking.steps import booking_rules
from clinic_app.clock import system_time
from clinic_app.extensions import db
from clinic_app.models import Appointment, Office, VisitType
from tests.browser.booking_steps import (
    PATIENT,
    QUESTIONS,
    START,
    answer_screening,
    book_with_htmx,
    choose_day,
    choose_first_time,
    choose_visit,
    day_label_of,
    day_links,
    day_value_of,
    expect_confirmation,
    expect_step,
    fill_details,
    reach_details_with_htmx,
    slots_heading,
    time_buttons,
)
from tests.browser.conftest import marker_survived, set_marker, watch_requests_and_errors

pytestmark = pytest.mark.browser


# --- fixtures and helpers ------------------------------------------------------------------------


def appointment_count(live_server) -> int:
    with live_server.app.app_context():
        return db.session.scalar(select(func.count()).select_from(Appointment))


def fairfax_phone(live_server) -> str:
    return live_server.app.config["OFFICE_SETTINGS"]["fairfax"]["phone"]


# --- with JavaScript (htmx) ----------------------------------------------------------------------


def test_full_booking_with_htmx(page, clinic):
    book_with_htmx(page, clinic)
    assert appointment_count(clinic) == 1


def test_details_errors_show_in_place_with_focus_on_first_invalid_field(page, clinic):
    reach_details_with_htmx(page, clinic)
    set_marker(page)

    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/book/details")) as sent:
        fill_details(page, email="not-an-email")
    assert sent.value.status == 422
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Please enter an email address like name@example.com.")
    expect(summary.locator("li")).to_have_count(1)
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    # Focus on the first field with an error.
    expect(page.locator("#email")).to_be_focused(timeout=2_000)
    expect(page.get_by_label("First name")).to_have_value(PATIENT["first"])
    expect(page.get_by_label("Email address")).to_have_value("not-an-email")
    expect(page.locator("#date_of_birth")).to_have_value("1970-05-17")
    assert page.url == clinic.url + "/book/details"
    assert marker_survived(page), "the error reloaded the whole page"
    assert appointment_count(clinic) == 0


def test_back_forward_and_reload_show_the_same_step(page, clinic):
    choose_visit(page, clinic)
    expect_step(page, 2, "Choose a date and time")
    choose_first_time(page)
    expect_step(page, 3, "Health screening before your visit")
    page.wait_for_url(clinic.url + "/book/screening")

    page.go_back()
    page.wait_for_url(re.compile(re.escape(clinic.url) + r"/book/time(\?.*)?$"))
    expect_step(page, 2, "Choose a date and time")
    expect(time_buttons(page).first).to_have_class(re.compile(r"\bis-chosen\b"))  # the time chosen

    page.go_forward()
    page.wait_for_url(clinic.url + "/book/screening")
    expect_step(page, 3, "Health screening before your visit")

    page.reload()
    expect_step(page, 3, "Health screening before your visit")
    assert page.url == clinic.url + "/book/screening"

    page.go_back()
    page.wait_for_url(re.compile(re.escape(clinic.url) + r"/book/time(\?.*)?$"))
    expect_step(page, 2, "Choose a date and time")
    page.reload()
    expect_step(page, 2, "Choose a date and time")


def test_yes_to_a_screening_question_offers_a_video_visit(page, clinic):
    choose_visit(page, clinic)
    expect_step(page, 2, "Choose a date and time")
    choose_first_time(page)
    expect_step(page, 3, "Health screening before your visit")
    set_marker(page)

    answer_screening(page, fever="Yes")
    expect_step(page, 3, "We can’t see you in person right now")
    step = page.locator("#booking-step")
    expect(step).to_contain_text(fairfax_phone(clinic))
    video = page.get_by_role("button", name="Book a video visit instead")
    expect(video).to_be_visible()

    video.click()
    expect_step(page, 2, "Choose a date and time")
    page.wait_for_url(clinic.url + "/book/time")
    expect(step).to_contain_text("Your visit is now a video consultation. Please choose a time.")
    expect(step).to_contain_text("Video consultation at the Fairfax, VA office")
    expect(day_links(page).first).to_have_attribute("aria-current", "true")
    assert marker_survived(page)
    assert appointment_count(clinic) == 0


def test_booking_loads_only_from_this_site_without_errors(page, clinic):
    requests, errors = watch_requests_and_errors(page)

    book_with_htmx(page, clinic)
    page.wait_for_load_state("networkidle")

    assert requests, "no requests were seen"
    foreign = [url for url in requests if not url.startswith(clinic.url + "/")]
    assert foreign == []
    assert errors == []


# --- without JavaScript ---------------------------------------------------------------------------


def test_full_booking_without_javascript(page_nojs, clinic):
    page = page_nojs
    page.goto(clinic.url + START)
    expect(page.locator("fieldset#office").get_by_role("radio", name=re.compile("^Fairfax, VA"))).to_be_checked()
    expect(page.locator("fieldset#reason").get_by_label("Leg weakness", exact=True)).to_be_checked()
    page.locator("fieldset#visit_type").get_by_label("New-patient consultation").check()
    page.locator("fieldset#provider").get_by_label("First available", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue to date and time").click()
    assert page.url == clinic.url + "/book/time"
    expect_step(page, 2, "Choose a date and time")

    days = day_links(page)
    assert days.count() >= 2, "the server offers fewer than two days"
    other = days.nth(1)
    other_value, other_label = day_value_of(other), day_label_of(other)
    choose_day(page, other, js=False)  # a link: the day's page
    assert page.url == clinic.url + f"/book/time?day={other_value}"
    expect(day_links(page).nth(1)).to_have_attribute("aria-current", "true")
    expect(slots_heading(page)).to_contain_text(f" on {other_label}")

    with page.expect_navigation():
        choose_first_time(page)
    expect_step(page, 3, "Health screening before your visit")
    with page.expect_navigation():
        answer_screening(page)
    expect_step(page, 4, "Your details")
    with page.expect_navigation():
        fill_details(page)
    expect_step(page, 5, "Review and confirm")
    expect(page.locator("#booking-step")).to_contain_text(f"{PATIENT['first']} {PATIENT['last']}")
    expect(page.locator("#booking-step")).to_contain_text("Fairfax, VA — 4001 Fair Ridge Dr")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm appointment").click()
    assert page.url == clinic.url + "/book/confirmed"
    expect_confirmation(page, clinic)
    assert appointment_count(clinic) == 1


# --- the manage link ------------------------------------------------------------------------------


def book_through_service(live_server) -> str:
    """A booking made through the service layer, two days or more ahead (so it can still be
    changed online); returns its manage link."""
    app = live_server.app
    with app.app_context():
        now, rules = system_time(), booking_rules()
        office = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        visit_type = db.session.scalars(select(VisitType).filter_by(slug="new-patient")).one()
        draft, _ = service.start_draft(db.session, now)
        service.save_visit(
            db.session, draft, office=office, visit_type=visit_type, reason="leg-weakness", provider=None, now=now
        )
        days = days_with_slots(db.session, office=office, visit_type=visit_type, provider_id=None, now=now, rules=rules)
        later = now + timedelta(hours=app.config["BOOKING_CHANGE_CUTOFF_HOURS"] + 24)
        by_day = slots_by_day(
            db.session, office=office, visit_type=visit_type, provider_id=None, days=days, now=now, rules=rules
        )
        slot = next(s for day in days for s in by_day[day] if s.starts_at > later)
        service.save_time(db.session, draft, slot=slot, now=now)
        service.save_screening(db.session, draft, answers={key: False for key in QUESTIONS}, acknowledged=True, now=now)
        service.save_details(
            db.session,
            draft,
            now=now,
            details={
                "first_name": PATIENT["first"],
                "last_name": PATIENT["last"],
                "date_of_birth": "1970-05-17",
                "phone": "(703) 555-0123",
                "email": PATIENT["email"],
                "patient_status": "new",
                "insurance": "",
                "notes": "",
            },
        )
        booked = service.confirm_booking(db.session, draft, now, rules=rules)
        assert booked.manage_token
        return f"{live_server.url}/booking/{booked.manage_token}"


def test_manage_link_calendar_file_and_cancel(page, clinic):
    manage_url = book_through_service(clinic)
    page.goto(manage_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    expect(page.locator("#booking-step")).to_contain_text("Fairfax, VA office")

    calendar = page.get_by_role("link", name="Add to calendar (.ics)")
    href = calendar.get_attribute("href")
    ics = page.request.get(clinic.url + href if href.startswith("/") else href)
    assert ics.status == 200
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in ics.text()

    page.get_by_role("link", name="Cancel this appointment").click()  # a step of its own first
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your appointment?")
    page.get_by_label("A note for the front desk (optional)").fill("My leg is better.")
    page.get_by_role("button", name="Yes, cancel my appointment").click()
    expect(page.locator("#booking-step")).to_contain_text("This appointment is cancelled.")
    expect(page.get_by_role("link", name="Cancel this appointment")).to_have_count(0)
    expect(page.get_by_role("link", name="Add to calendar (.ics)")).to_have_count(0)

    page.reload()
    expect(page.locator("#booking-step")).to_contain_text("This appointment is cancelled.")
    with clinic.app.app_context():
        appointment = db.session.scalars(select(Appointment)).one()
        assert appointment.status == "cancelled"


def test_find_my_appointment_from_the_footer_with_the_keyboard(page, clinic):
    """The way back for a patient without the email: footer link, reference and date of birth."""
    requests, errors = watch_requests_and_errors(page)
    book_through_service(clinic)
    with clinic.app.app_context():
        reference = db.session.scalars(select(Appointment.reference)).one()
    page.goto(clinic.url + "/")
    page.get_by_role("link", name="Find my appointment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find my appointment")

    page.get_by_label("Booking reference").fill(reference.lower())
    page.get_by_label("Date of birth").fill("1970-05-18")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("We could not find an upcoming appointment")
    expect(page.get_by_role("alert")).to_be_focused()  # read out first
    expect(page).to_have_title(re.compile("^Error: Find my appointment"))
    expect(page.get_by_label("Booking reference")).to_have_value(reference.lower())

    page.get_by_label("Date of birth").fill("1970-05-17")
    page.get_by_label("Date of birth").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    expect(page.locator("#booking-step")).to_contain_text(reference)
    expect(page.get_by_role("link", name="Cancel this appointment")).to_be_visible()
    assert [error for error in errors if "status of 422" not in error] == []  # the refusal is a 422
    assert all(url.startswith(clinic.url) for url in requests)
