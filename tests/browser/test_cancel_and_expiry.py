"""Issue 17 in Chromium: cancelling asks on a step of its own, and a booking in progress warns
before its answers are cleared; both with JavaScript (htmx swaps, focus where a person expects it)
and without (full pages); axe-core finds no serious problem on the new pages either way.

The live server runs in this process: ``frozen_clock`` moves its clock; the browser's own clock is
Playwright's (``page.clock``) where the warning's countdown must run ahead.
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.models import Appointment, BookingDraft
from clinic_app.seed import seed_scheduling
from tests.browser.accessibility import serious_problems, serious_problems_without_javascript
from tests.browser.booking_steps import START, choose_visit, expect_heading_focused, expect_step
from tests.browser.conftest import marker_survived, set_marker, watch_requests_and_errors
from tests.conftest import add_appointment

pytestmark = pytest.mark.browser

TOKEN = "browser-test-manage-link-for-cancelling"
LIFETIME = 30 * 60


@pytest.fixture
def clinic(live_server, frozen_clock):
    """The live server with clinicians and kinds of visit, its clock stopped at the real time, and
    a follow-up three days ahead (changes still open online) behind the manage link ``TOKEN``."""
    with live_server.app.app_context():
        seed_scheduling(db.session)
        visit = (frozen_clock["now"] + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
        add_appointment(db.session, visit, token=TOKEN, first_name="Marisol")
        db.session.commit()
    live_server.clock = frozen_clock
    return live_server


def the_appointment(server) -> tuple[str, str]:
    with server.app.app_context():
        appointment = db.session.scalars(select(Appointment)).one()
        return appointment.status, appointment.cancellation_reason


def draft_expires_at(server):
    with server.app.app_context():
        return db.session.scalars(select(BookingDraft.expires_at)).one()


# --- cancelling ---------------------------------------------------------------------------------


def test_cancel_with_javascript_asks_on_a_step_swapped_in_with_focus_on_its_heading(page, clinic):
    requests, errors = watch_requests_and_errors(page)
    manage_url = f"{clinic.url}/booking/{TOKEN}"
    page.goto(manage_url)
    expect(page.get_by_role("link", name="Reschedule instead")).to_have_attribute(
        "href", f"/booking/{TOKEN}/reschedule"
    )
    assert serious_problems(page) == []
    set_marker(page)

    page.get_by_role("link", name="Cancel this appointment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your appointment?")
    expect_heading_focused(page, "cancel-heading")
    page.wait_for_url(f"{manage_url}/cancel")
    expect(page).to_have_title(re.compile(r"^Cancel your appointment\? — [A-Z0-9]{8} · "))
    step = page.locator("#booking-step")
    expect(step).to_contain_text("is freed at once, so that another patient can have it.")
    expect(step).to_contain_text("We email you a confirmation of the cancellation.")
    expect(step).to_contain_text("open it to remove the visit from your calendar.")
    expect(step.get_by_role("link", name="request an appointment")).to_have_attribute("href", "/book/")
    assert marker_survived(page), "the confirmation step reloaded the whole page"
    assert serious_problems(page) == []
    assert the_appointment(clinic) == ("booked", "")

    # "Keep my appointment" goes back, changing nothing.
    page.get_by_role("link", name="Keep my appointment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    expect_heading_focused(page, "manage-heading")
    page.wait_for_url(manage_url)
    assert the_appointment(clinic) == ("booked", "")

    # A note that cannot be kept is said in place, focus on it; then "Yes" cancels.
    page.get_by_role("link", name="Cancel this appointment").click()
    expect_heading_focused(page, "cancel-heading")
    page.get_by_label("I cannot come at that time").check()
    page.get_by_label("A note for the front desk (optional)").fill("<b>ride</b>")
    page.get_by_role("button", name="Yes, cancel my appointment").click()
    expect(page.locator("#reason")).to_be_focused()
    expect(page.locator(".field-error")).to_contain_text("Please remove the HTML tags")
    expect(page.get_by_label("I cannot come at that time")).to_be_checked()
    assert serious_problems(page) == []
    page.get_by_label("A note for the front desk (optional)").fill("My ride fell through.")
    page.get_by_role("button", name="Yes, cancel my appointment").click()
    expect(page.locator("#booking-step")).to_contain_text("This appointment is cancelled.")
    expect(page.locator("#booking-step")).to_contain_text(
        "Your appointment is cancelled. We have emailed you a confirmation."
    )
    expect_heading_focused(page, "manage-heading")
    page.wait_for_url(manage_url)
    expect(page.get_by_role("link", name="Cancel this appointment")).to_have_count(0)
    assert marker_survived(page), "cancelling was not an htmx swap"
    assert the_appointment(clinic) == ("cancelled", "Cannot come at that time — My ride fell through.")
    assert [e for e in errors if "status of 422" not in e] == []  # the refused note is a 422
    assert all(url.startswith(clinic.url) for url in requests)


def test_cancel_without_javascript_uses_full_pages(browser, page_nojs, page, clinic):
    manage_url = f"{clinic.url}/booking/{TOKEN}"
    page_nojs.goto(manage_url)
    page_nojs.get_by_role("link", name="Cancel this appointment").click()
    page_nojs.wait_for_url(f"{manage_url}/cancel")
    expect(page_nojs.get_by_role("heading", level=1)).to_have_text("Cancel your appointment?")
    assert serious_problems_without_javascript(page_nojs, page) == []

    page_nojs.get_by_role("link", name="Keep my appointment").click()
    page_nojs.wait_for_url(manage_url)
    assert the_appointment(clinic) == ("booked", "")

    page_nojs.get_by_role("link", name="Cancel this appointment").click()
    page_nojs.get_by_label("I am feeling better").check()
    page_nojs.get_by_role("button", name="Yes, cancel my appointment").click()
    page_nojs.wait_for_url(manage_url)
    expect(page_nojs.locator("#booking-step")).to_contain_text("This appointment is cancelled.")
    assert serious_problems_without_javascript(page_nojs, page) == []
    assert the_appointment(clinic) == ("cancelled", "Feeling better")

    page_nojs.go_back()  # the confirmation page again, sent again: nothing more happens
    page_nojs.goto(f"{manage_url}/cancel")
    page_nojs.wait_for_url(manage_url)
    expect(page_nojs.locator("#booking-step")).to_contain_text("This appointment is cancelled.")


# --- a booking in progress ----------------------------------------------------------------------


def test_the_warning_appears_before_the_answers_are_cleared_and_keep_my_answers_extends_them(page, clinic):
    """The warning is set to come 3 seconds after a step arrives (``BOOKING_DRAFT_WARNING_SECONDS``)."""
    requests, errors = watch_requests_and_errors(page)
    page.clock.install()  # the browser's clock runs as usual, and can be sent forward
    clinic.app.config["BOOKING_DRAFT_WARNING_SECONDS"] = LIFETIME - 3
    choose_visit(page, clinic)
    expect_step(page, 2, "Choose a date and time")
    expect_heading_focused(page)
    set_marker(page)
    expect(page.locator("#draft-keep-left")).to_have_text(
        "For your privacy, we keep your answers for about 30 more minutes."
    )

    alert = page.get_by_role("alert").filter(has_text="Your answers will be cleared")
    expect(alert).to_be_visible(timeout=10_000)
    expect(alert).to_have_text(re.compile(r"in less than 30 minutes, for your privacy\. Do you need more time\?"))
    expect_heading_focused(page)  # the warning takes no focus
    assert page.evaluate("parseFloat(getComputedStyle(document.body).paddingBottom)") > 0  # room below it
    assert serious_problems(page) == []

    clinic.app.config["BOOKING_DRAFT_WARNING_SECONDS"] = 300  # the new count warns 5 minutes before
    before = draft_expires_at(clinic)
    clinic.clock["now"] += timedelta(minutes=1)
    alert.get_by_role("button", name="Keep my answers").click()
    expect(page.locator("#draft-keep-left")).to_have_text("Done: we keep your answers for 30 more minutes.")
    expect(page.locator("[data-draft-alert]")).to_be_empty()
    expect(page.locator("[data-draft-alert]")).to_be_hidden()
    expect_heading_focused(page)  # back where the patient was when the warning came
    assert draft_expires_at(clinic) == before + timedelta(minutes=1)
    assert marker_survived(page), "keeping the answers reloaded the page"

    # Left alone: the warning 5 minutes before the end, then the way to start again.
    page.clock.fast_forward("25:30")
    expect(alert).to_be_visible()  # (its words were made with the box, when the setting was 29:57)
    expect_heading_focused(page)
    page.clock.fast_forward("05:00")
    expired = page.get_by_role("alert").filter(has_text="we cleared the answers you left for 30 minutes")
    expect(expired).to_be_visible()
    expect(expired.get_by_role("button", name="Keep my answers")).to_have_count(0)
    assert serious_problems(page) == []
    clinic.clock["now"] += timedelta(minutes=31)  # and on the server
    expired.get_by_role("link", name="Start again").click()
    page.wait_for_url(f"{clinic.url}/book/")
    expect(page.locator("main")).to_contain_text(
        "For your privacy, we cleared the answers you left for 30 minutes. Please start again below."
    )
    expect(page.locator("#draft-keep")).to_have_count(0)
    assert serious_problems(page) == []
    assert errors == []
    assert all(url.startswith(clinic.url) for url in requests)


def test_without_javascript_each_step_says_how_long_and_each_step_sent_keeps_them(page_nojs, page, clinic):
    """No warning can come without JavaScript, and a "Keep my answers" form there would drop what
    is typed on the step: the step says how long the answers are kept, and that sending a step
    keeps them as long again."""
    page_nojs.goto(clinic.url + START)
    page_nojs.locator("fieldset#visit_type").get_by_label("New-patient consultation").check()
    page_nojs.locator("fieldset#provider").get_by_label("First available", exact=True).check()
    page_nojs.get_by_role("button", name="Continue to date and time").click()
    page_nojs.wait_for_url(clinic.url + "/book/time")
    box = page_nojs.locator("#draft-keep")
    expect(box).to_contain_text("For your privacy, we keep your answers for about 30 more minutes.")
    expect(page_nojs.locator("[data-draft-alert]")).to_be_hidden()  # the warning is site.js's
    assert serious_problems_without_javascript(page_nojs, page) == []

    expect(box).to_contain_text("Each step you continue with keeps them this long again.")
    expect(box.get_by_role("button", name="Keep my answers")).to_have_count(0)  # (hidden: site.js shows it)

    before = draft_expires_at(clinic)
    clinic.clock["now"] += timedelta(minutes=20)
    with page_nojs.expect_navigation():
        page_nojs.locator(".soonest button.time-button").first.click()
    page_nojs.wait_for_url(clinic.url + "/book/screening")
    expect(page_nojs.locator("#draft-keep-left")).to_have_text(
        "For your privacy, we keep your answers for about 30 more minutes."
    )
    assert draft_expires_at(clinic) == before + timedelta(minutes=20)
    assert serious_problems_without_javascript(page_nojs, page) == []

    clinic.clock["now"] += timedelta(minutes=31)
    page_nojs.reload()
    page_nojs.wait_for_url(clinic.url + "/book/")
    expect(page_nojs.locator("main")).to_contain_text(
        "For your privacy, we cleared the answers you left for 30 minutes. Please start again below."
    )
    assert serious_problems_without_javascript(page_nojs, page) == []
