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
from clinic_app.booking.service import REFERENCE_ALPHABET
from clinic_app.booking.steps import booking_rules
from clinic_app.clock import system_time
from clinic_app.extensions import db
from clinic_app.models import Appointment, Office, VisitType
from clinic_app.seed import seed_scheduling
from tests.browser.conftest import active_element_id, marker_survived, set_marker, watch_requests_and_errors

pytestmark = pytest.mark.browser

START = "/book/?location=fairfax&reason=leg-weakness"
QUESTIONS = ("fever", "cough", "taste_smell", "close_contact", "positive_test")
REFERENCE = re.compile(rf"^[{REFERENCE_ALPHABET}]{{8}}$")
PATIENT = {"first": "Marisol", "last": "Okonkwo", "email": "marisol.okonkwo@example.org"}


# --- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture
def clinic(live_server):
    """The live server with the clinicians and visit types seeded (the conftest seeds offices only)."""
    with live_server.app.app_context():
        seed_scheduling(db.session)
        db.session.commit()
    return live_server


def appointment_count(live_server) -> int:
    with live_server.app.app_context():
        return db.session.scalar(select(func.count()).select_from(Appointment))


def fairfax_phone(live_server) -> str:
    return live_server.app.config["OFFICE_SETTINGS"]["fairfax"]["phone"]


def expect_step(page, number, heading):
    """The step the patient sees: progress count and heading."""
    expect(page.locator("#step-heading")).to_have_text(heading)
    expect(page.get_by_text(f"Step {number} of 5", exact=True)).to_be_visible()


def expect_heading_focused(page, heading_id="step-heading"):
    """After an htmx swap, keyboard and screen-reader focus is on the new step's heading."""
    expect(page.locator(f"#{heading_id}")).to_be_focused()
    assert active_element_id(page) == heading_id


def day_radios(page):
    return page.locator('input[name="day"]')


def day_label_of(radio) -> str:
    """The visible label of a day radio ("Monday, November 30")."""
    return radio.locator("xpath=..").inner_text().strip()


def slots_heading(page):
    return page.locator("#slot-list .slots-heading")


def choose_visit(page, live_server, visit="New-patient consultation"):
    """Step 1 from the article-style link: visit type and "First available", then continue."""
    page.goto(live_server.url + START)
    page.locator("fieldset#visit_type").get_by_label(visit).check()
    page.locator("fieldset#provider").get_by_label("First available", exact=True).check()
    page.get_by_role("button", name="Continue to date and time").click()


def choose_first_time(page):
    """Step 2: the first time on the day shown."""
    page.locator('#slot-list input[name="slot"]').first.check()
    page.locator("#slot-list").get_by_role("button", name="Continue", exact=True).click()


def answer_screening(page, fever="No"):
    """Step 3: "No" to every question (or ``fever`` to the first), policy acknowledged."""
    for key in QUESTIONS:
        answer = fever if key == "fever" else "No"
        page.locator(f"fieldset#{key}").get_by_label(answer, exact=True).check()
    page.get_by_role("checkbox", name=re.compile("^I have read the office")).check()
    page.get_by_role("button", name="Continue", exact=True).click()


def fill_details(page, *, email=PATIENT["email"], consent=True):
    """Step 4: the patient's details."""
    page.get_by_label("First name").fill(PATIENT["first"])
    page.get_by_label("Last name").fill(PATIENT["last"])
    page.fill("#date_of_birth", "1970-05-17")
    page.get_by_label("Mobile or home phone").fill("(703) 555-0123")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("No, I am a new patient").check()
    if consent:
        page.get_by_role("checkbox", name=re.compile("^I agree to be contacted")).check()
    page.get_by_role("button", name="Continue to review").click()


def expect_confirmation(page, live_server):
    expect(page.get_by_role("heading", level=1)).to_have_text("You’re booked")
    reference = page.locator(".reference").inner_text().strip()
    assert REFERENCE.match(reference), reference
    manage = page.locator(".manage-link a")
    expect(manage).to_have_attribute("href", re.compile("^" + re.escape(live_server.url) + "/booking/[A-Za-z0-9_-]+$"))
    return manage.get_attribute("href")


def book_with_htmx(page, live_server):
    """The whole booking with JavaScript, asserting what the patient notices at each step."""
    page.goto(live_server.url + START)
    set_marker(page)
    expect(page.locator("fieldset#office").get_by_role("radio", name=re.compile("^Fairfax, VA"))).to_be_checked()
    expect(page.locator("fieldset#reason").get_by_label("Leg weakness", exact=True)).to_be_checked()

    # Step 1 -> 2: the time step swaps in, the address follows, focus goes to the heading.
    page.locator("fieldset#visit_type").get_by_label("New-patient consultation").check()
    page.locator("fieldset#provider").get_by_label("First available", exact=True).check()
    page.get_by_role("button", name="Continue to date and time").click()
    expect_step(page, 2, "Choose a date and time")
    page.wait_for_url(live_server.url + "/book/time")
    expect_heading_focused(page)
    assert marker_survived(page), "continuing to the time step reloaded the whole page"

    # Another day: only the slot list changes, the address names the day.
    days = day_radios(page)
    assert days.count() >= 2, "the server offers fewer than two days"
    expect(days.first).to_be_checked()
    other = days.nth(1)
    other_value, other_label = other.get_attribute("value"), day_label_of(other)
    other.check()
    page.wait_for_url(live_server.url + f"/book/time?day={other_value}")
    expect(slots_heading(page)).to_contain_text(f" on {other_label}")
    expect(page.locator("#step-heading")).to_have_text("Choose a date and time")
    assert marker_survived(page), "choosing a day reloaded the whole page"

    # Step 2 -> 3.
    choose_first_time(page)
    expect_step(page, 3, "Health screening before your visit")
    page.wait_for_url(live_server.url + "/book/screening")
    expect_heading_focused(page)
    assert marker_survived(page)

    # Step 3 -> 4.
    answer_screening(page)
    expect_step(page, 4, "Your details")
    page.wait_for_url(live_server.url + "/book/details")
    expect_heading_focused(page)
    assert marker_survived(page)

    # Step 4 -> 5.
    fill_details(page)
    expect_step(page, 5, "Review and confirm")
    page.wait_for_url(live_server.url + "/book/review")
    expect_heading_focused(page)
    step = page.locator("#booking-step")
    expect(step).to_contain_text(f"{PATIENT['first']} {PATIENT['last']}")
    expect(step).to_contain_text("Fairfax, VA — 4001 Fair Ridge Dr")
    assert marker_survived(page)

    # Confirm.
    page.get_by_role("button", name="Confirm appointment").click()
    manage_url = expect_confirmation(page, live_server)
    page.wait_for_url(live_server.url + "/book/confirmed")
    expect_heading_focused(page, "confirmed-heading")
    assert marker_survived(page), "the booking flow was not htmx swaps throughout"
    return manage_url


def reach_details_with_htmx(page, live_server):
    choose_visit(page, live_server)
    expect_step(page, 2, "Choose a date and time")
    choose_first_time(page)
    expect_step(page, 3, "Health screening before your visit")
    answer_screening(page)
    expect_step(page, 4, "Your details")


# --- with JavaScript (htmx) ----------------------------------------------------------------------


def test_full_booking_with_htmx(page, clinic):
    book_with_htmx(page, clinic)
    assert appointment_count(clinic) == 1


def test_details_errors_show_in_place_with_focus_on_first_invalid_field(page, clinic):
    reach_details_with_htmx(page, clinic)
    set_marker(page)

    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/book/details")) as sent:
        fill_details(page, email="not-an-email", consent=False)
    assert sent.value.status == 422
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("We need your permission to contact you about this appointment.")
    expect(summary.locator("li")).to_have_count(2)
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    page.wait_for_function(
        "document.activeElement && document.activeElement.getAttribute('aria-invalid') === 'true'", timeout=2_000
    )
    assert active_element_id(page) == "email", "focus is not on the first field with an error"
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
    expect(page.locator('#slot-list input[name="slot"]').first).to_be_checked()  # the time chosen

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
    expect(day_radios(page).first).to_be_checked()
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

    days = day_radios(page)
    assert days.count() >= 2, "the server offers fewer than two days"
    other = days.nth(1)
    other_value, other_label = other.get_attribute("value"), day_label_of(other)
    other.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Show times for this day").click()
    assert page.url == clinic.url + f"/book/time?day={other_value}"
    expect(day_radios(page).nth(1)).to_be_checked()
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

    page.get_by_label("Reason (optional)").fill("My leg is better.")
    page.get_by_role("button", name="Cancel this appointment").click()
    expect(page.locator("#booking-step")).to_contain_text("This appointment is cancelled.")
    expect(page.get_by_role("button", name="Cancel this appointment")).to_have_count(0)
    expect(page.get_by_role("link", name="Add to calendar (.ics)")).to_have_count(0)

    page.reload()
    expect(page.locator("#booking-step")).to_contain_text("This appointment is cancelled.")
    with clinic.app.app_context():
        appointment = db.session.scalars(select(Appointment)).one()
        assert appointment.status == "cancelled"
