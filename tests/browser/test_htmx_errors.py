"""An error answering an htmx request, as a patient meets it in Chromium: the step they were on
stays (nothing typed is lost), the message appears above it and takes focus, says what happened,
and links back to a fresh load of the page; the next successful step clears it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import serious_problems

pytestmark = pytest.mark.browser


def test_an_expired_form_under_htmx_lands_focus_on_a_message_with_a_way_back(page, clinic):
    page.goto(clinic.url + "/book/?location=fairfax&reason=leg-weakness")
    title = page.title()
    page.locator("fieldset#visit_type").get_by_label("New-patient consultation").check()
    page.evaluate("document.querySelector('#booking-step input[name=csrf_token]').value = 'expired'")
    page.get_by_role("button", name="Continue to date and time").click()

    message = page.locator("#htmx-error-heading")
    expect(message).to_have_text("This form has expired")
    expect(message).to_be_focused()
    expect(page.locator("#htmx-error")).to_contain_text("For your security, forms time out.")
    back = page.locator("#htmx-error").get_by_role("link", name="Reload this page")
    expect(back).to_have_attribute("href", "/book/?location=fairfax&reason=leg-weakness")
    # The step is still there with what was chosen, the address and the tab's title unchanged.
    expect(page.locator("fieldset#visit_type").get_by_label("New-patient consultation")).to_be_checked()
    assert page.url == clinic.url + "/book/?location=fairfax&reason=leg-weakness" and page.title() == title
    assert serious_problems(page) == []

    back.click()  # a fresh page, a fresh form: the step goes on, and the message is gone
    page.locator("fieldset#visit_type").get_by_label("New-patient consultation").check()
    page.get_by_role("button", name="Continue to date and time").click()
    expect(page.locator("#step-heading")).to_have_text("Choose a date and time")
    expect(page.locator("#htmx-error")).to_be_empty()


def test_each_step_under_htmx_names_itself_in_the_tab_and_in_its_focused_heading(page, clinic):
    """Title and announcement follow the steps: the focused heading is named "Step n of 5: …"."""
    page.goto(clinic.url + "/book/?location=fairfax&reason=leg-weakness")
    expect(page).to_have_title(re.compile(r"^Step 1 of 5: Your visit — Request an appointment · "))
    page.locator("fieldset#visit_type").get_by_label("New-patient consultation").check()
    page.get_by_role("button", name="Continue to date and time").click()
    expect(page).to_have_title(re.compile(r"^Step 2 of 5: Date and time — Request an appointment · "))
    heading = page.locator("#step-heading")
    expect(heading).to_be_focused()
    expect(heading).to_have_accessible_name("Step 2 of 5 Choose a date and time")
