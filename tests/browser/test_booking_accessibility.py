"""The booking as a keyboard user and a screen-reader user meet it, in Chromium.

With JavaScript, a patient who never touches a mouse books from step 1 to "You're booked" with
Tab, Space, Enter and typing alone; at every step the tab's title and the focused heading name the
step, and axe-core finds no serious problem, in each step's normal state and with its errors shown.
Without JavaScript, every step in both states passes axe too."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import serious_problems, serious_problems_without_javascript
from tests.browser.booking_steps import START

pytestmark = pytest.mark.browser

TITLES = {
    1: "Step 1 of 5: Your visit",
    2: "Step 2 of 5: Date and time",
    3: "Step 3 of 5: Health screening",
    4: "Step 4 of 5: Your details",
    5: "Step 5 of 5: Review and confirm",
}


def tab_to(page, target, most=120):
    """Press Tab until ``target`` has focus (as a keyboard user moves through the page)."""
    handle = target.element_handle()
    for _ in range(most):
        if page.evaluate("(element) => document.activeElement === element", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def choose(page, group, label, exact=True):
    """A radio by keyboard: Tab reaches the group (its first radio when none is chosen), the
    arrow keys move to and choose ``label``."""
    tab_to(page, group.locator('input[type="radio"]').first)
    target = group.get_by_label(label, exact=exact)
    for _ in range(group.locator('input[type="radio"]').count()):
        if target.is_checked():
            return
        page.keyboard.press("ArrowDown")
    expect(target).to_be_checked()


def press(page, target, key):
    tab_to(page, target)
    page.keyboard.press(key)


def expect_step(page, number, heading):
    expect(page).to_have_title(re.compile("^" + re.escape(TITLES[number]) + " — Request an appointment · "))
    expect(page.locator("#step-heading")).to_have_text(heading)
    if number > 1:  # arrived by htmx: focus is on the heading, which names the step
        expect(page.locator("#step-heading")).to_be_focused()
        expect(page.locator("#step-heading")).to_have_accessible_name(f"Step {number} of 5 {heading}")


def test_a_keyboard_only_patient_books_and_every_step_is_named_and_passes_axe(page, clinic):
    problems = []
    page.goto(clinic.url + START)
    expect_step(page, 1, "Request an appointment")
    problems += serious_problems(page)
    press(page, page.get_by_role("button", name="Continue to date and time"), "Enter")  # nothing chosen yet
    expect(page.locator(".error-summary")).to_contain_text("Please choose")
    problems += serious_problems(page)
    choose(page, page.locator("fieldset#visit_type"), "New-patient consultation", exact=False)
    press(page, page.get_by_role("button", name="Continue to date and time"), "Enter")

    expect_step(page, 2, "Choose a date and time")
    problems += serious_problems(page)
    soonest = page.locator(".soonest button.time-button").first
    soonest.evaluate("(button) => { button.value = 'not-a-time' }")  # a time gone meanwhile
    press(page, soonest, "Enter")
    expect(page.locator("#booking-step")).to_contain_text("not available")
    problems += serious_problems(page)
    press(page, page.locator(".soonest button.time-button").first, "Enter")

    expect_step(page, 3, "Health screening before your visit")
    problems += serious_problems(page)
    press(page, page.get_by_role("button", name="Continue", exact=True), "Enter")  # nothing answered
    expect(page.locator(".error-summary")).to_contain_text("Please")
    problems += serious_problems(page)
    for key in ("fever", "cough", "taste_smell", "close_contact", "positive_test"):
        choose(page, page.locator(f"fieldset#{key}"), "No")
    press(page, page.get_by_role("checkbox", name=re.compile("^I have read the office")), "Space")
    press(page, page.get_by_role("button", name="Continue", exact=True), "Enter")

    expect_step(page, 4, "Your details")
    problems += serious_problems(page)
    press(page, page.get_by_role("button", name="Continue to review"), "Enter")  # nothing typed
    expect(page.locator(".error-summary")).to_contain_text("Please")
    problems += serious_problems(page)
    for label, typed in [
        ("First name", "Nora"),
        ("Last name", "Quill"),
        ("Mobile or home phone", "(703) 555-0123"),
        ("Email address", "nora.quill@example.org"),
    ]:
        tab_to(page, page.get_by_label(label, exact=True))
        page.keyboard.type(typed)
    tab_to(page, page.locator("#date_of_birth"))
    page.keyboard.type("05171950")  # the date field's own digits, month first, as a keyboard types them
    press(page, page.get_by_role("button", name="Continue to review"), "Enter")

    expect_step(page, 5, "Review and confirm")
    problems += serious_problems(page)
    press(page, page.get_by_role("button", name="Confirm appointment"), "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("You’re booked")
    expect(page).to_have_title(re.compile("^You’re booked — reference "))
    expect(page.locator("#confirmed-heading")).to_be_focused()
    problems += serious_problems(page)
    assert problems == []


def test_without_javascript_every_step_and_its_errors_pass_axe(browser, clinic):
    page = browser.new_context(java_script_enabled=False).new_page()
    checker = browser.new_context().new_page()
    problems = []

    def check():
        nonlocal problems
        problems += serious_problems_without_javascript(page, checker)

    def go_on(button):
        with page.expect_navigation():
            page.get_by_role("button", name=button, exact=True).click()

    try:
        page.goto(clinic.url + START)
        check()
        go_on("Continue to date and time")
        check()  # step 1's errors
        page.locator("fieldset#visit_type").get_by_label("New-patient consultation").check()
        go_on("Continue to date and time")
        check()
        page.locator(".soonest button.time-button").first.evaluate("(b) => { b.value = 'not-a-time' }")
        with page.expect_navigation():
            page.locator(".soonest button.time-button").first.click()
        check()  # step 2's error
        with page.expect_navigation():
            page.locator(".soonest button.time-button").first.click()
        check()
        go_on("Continue")
        check()  # step 3's errors
        for key in ("fever", "cough", "taste_smell", "close_contact", "positive_test"):
            page.locator(f"fieldset#{key}").get_by_label("No", exact=True).check()
        page.get_by_role("checkbox", name=re.compile("^I have read the office")).check()
        go_on("Continue")
        check()
        go_on("Continue to review")
        check()  # step 4's errors
        page.get_by_label("First name", exact=True).fill("Nora")
        page.get_by_label("Last name", exact=True).fill("Quill")
        page.fill("#date_of_birth", "1950-05-17")
        page.get_by_label("Mobile or home phone").fill("(703) 555-0123")
        page.get_by_label("Email address", exact=True).fill("nora.quill@example.org")
        go_on("Continue to review")
        check()
        go_on("Confirm appointment")
        expect(page.get_by_role("heading", level=1)).to_have_text("You’re booked")
        check()
    finally:
        page.context.close()
        checker.context.close()
    assert problems == []
