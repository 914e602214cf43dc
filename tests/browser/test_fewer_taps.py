"""Issue 17 in Chromium: an older patient with leg pain books from the leg-weakness article to
"You're booked" in at most 14 taps plus the typed fields, with JavaScript (and, counted and
reported, without it); Back leaves the time step in one press however many days were looked
at; a day's times come into view on a 375 px phone; each of the three soonest times is one
tap; step 1 offers only the chosen office's clinicians, with and without JavaScript; step 4
does not ask a new patient again whether they are new; the new controls read in Spanish; axe
finds no serious problem on the new steps 1 and 2.

Every click, check and key press the test makes on the patient's behalf goes through ``Taps``
and is counted; filling a field (typing, the date of birth included) is not a tap.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.models import Appointment, BookingDraft
from tests.browser.accessibility import serious_problems, serious_problems_without_javascript
from tests.browser.booking_steps import (
    PATIENT,
    QUESTIONS,
    START,
    choose_day,
    choose_visit,
    day_links,
    expect_confirmation,
    expect_step,
    soonest_buttons,
    time_buttons,
)
from tests.browser.conftest import marker_survived, set_marker
from tests.conftest import TIMEOUT_MS

pytestmark = pytest.mark.browser

ARTICLE = "/articles/leg-weakness-symptoms-causes-treatment"
MOST_TAPS = 14


class Taps:
    """The patient's hands: every click, check and key press made through it is counted."""

    def __init__(self, page):
        self.page, self.count, self.log = page, 0, []

    def _note(self, what, locator):
        self.count += 1
        self.log.append(f"{self.count}. {what} {locator}")

    def click(self, locator, navigation=False):
        self._note("click", locator)
        if navigation:
            with self.page.expect_navigation():
                locator.click()
        else:
            locator.click()

    def check(self, locator):
        self._note("check", locator)
        locator.check()

    def press(self, locator, key):
        self._note(f"press {key}", locator)
        locator.press(key)


def type_details(page):
    """Step 4's typed fields (no taps): name, date of birth, phone, email."""
    page.get_by_label("First name").fill(PATIENT["first"])
    page.get_by_label("Last name").fill(PATIENT["last"])
    page.fill("#date_of_birth", "1948-05-17")
    page.get_by_label("Mobile or home phone").fill("(703) 555-0123")
    page.get_by_label("Email address").fill(PATIENT["email"])


def book_from_the_article(page, server, js) -> Taps:
    """The leg-weakness article to "You're booked", counting taps; without JavaScript each
    tap that sends a form waits for the new page."""
    taps = Taps(page)
    sends = not js  # without JavaScript a form's button loads a page
    page.goto(server.url + ARTICLE)
    request = page.locator('main a[href="/book/?reason=leg-weakness"]')  # the article's own link
    expect(request).to_have_text("Request an appointment")
    taps.click(request, navigation=True)
    expect_step(page, 1, "Request an appointment")
    expect(page.locator("fieldset#reason").get_by_label("Leg weakness", exact=True)).to_be_checked()

    taps.check(page.locator("fieldset#office").get_by_role("radio", name=re.compile("^Fairfax, VA")))
    if js:  # the list narrows to Fairfax's clinicians on its own
        expect(page.locator("fieldset#provider")).not_to_contain_text("Michael Brenner")
    taps.check(page.locator("fieldset#visit_type").get_by_label("New-patient consultation"))
    expect(page.locator("fieldset#provider").get_by_label("First available", exact=True)).to_be_checked()
    taps.click(page.get_by_role("button", name="Continue to date and time"), navigation=sends)
    expect_step(page, 2, "Choose a date and time")

    expect(soonest_buttons(page)).to_have_count(3)
    taps.click(soonest_buttons(page).first, navigation=sends)  # one tap: the soonest time
    expect_step(page, 3, "Health screening before your visit")

    for key in QUESTIONS:  # every question answered, one by one
        taps.check(page.locator(f"fieldset#{key}").get_by_label("No", exact=True))
    taps.check(page.get_by_role("checkbox", name=re.compile("^I have read the office")))
    taps.click(page.get_by_role("button", name="Continue", exact=True), navigation=sends)
    expect_step(page, 4, "Your details")

    expect(page.get_by_text("Have you been seen at our clinic before?")).to_have_count(0)
    expect(page.get_by_role("checkbox", name=re.compile("^I agree to be contacted"))).to_have_count(0)
    type_details(page)
    taps.click(page.get_by_role("button", name="Continue to review"), navigation=sends)
    expect_step(page, 5, "Review and confirm")

    expect(page.locator("#contact-consent")).to_have_text(
        "By confirming, you agree that we contact you about this appointment by email or phone "
        "(and by text only if you asked for texts)."
    )
    taps.click(page.get_by_role("button", name="Confirm appointment"), navigation=sends)
    expect_confirmation(page, server)
    return taps


def the_appointment(server):
    with server.app.app_context():
        appointment = db.session.scalars(select(Appointment)).one()
        return appointment.is_new_patient, appointment.consent_to_contact


# --- the tap count --------------------------------------------------------------------------------


def test_from_the_article_to_booked_in_at_most_14_taps_with_javascript(page, clinic):
    taps = book_from_the_article(page, clinic, js=True)
    print(f"\nTaps with JavaScript: {taps.count}\n" + "\n".join(taps.log))
    assert taps.count <= MOST_TAPS, taps.log
    assert the_appointment(clinic) == (True, True)  # a new patient, who agreed to be contacted


def test_the_same_booking_without_javascript(page_nojs, clinic):
    taps = book_from_the_article(page_nojs, clinic, js=False)
    print(f"\nTaps without JavaScript: {taps.count}\n" + "\n".join(taps.log))
    assert taps.count <= MOST_TAPS, taps.log  # the same taps: each one loads the next page
    assert the_appointment(clinic) == (True, True)


# --- step 2 --------------------------------------------------------------------------------------


def test_back_after_looking_at_five_days_returns_to_step_one_in_one_press(page, clinic):
    choose_visit(page, clinic)
    expect_step(page, 2, "Choose a date and time")
    set_marker(page)
    for index in range(1, 6):
        choose_day(page, day_links(page).nth(index))
    assert marker_survived(page), "a day loaded the whole page"
    page.go_back()
    page.wait_for_url(clinic.url + START)
    expect_step(page, 1, "Request an appointment")


def test_a_days_times_come_into_view_on_a_375_px_phone(browser, clinic):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        choose_visit(page, clinic)
        expect_step(page, 2, "Choose a date and time")
        # The patient has scrolled just far enough to see every day; the times are below the screen.
        page.locator(".day-strip").evaluate("strip => strip.scrollIntoView({block: 'end'})")
        day = day_links(page).nth(3)
        expect(day).to_be_in_viewport(ratio=1)
        below = time_buttons(page).first.evaluate("button => button.getBoundingClientRect().top")
        assert below > 740, f"the times are already on screen ({below} px): nothing to test"
        choose_day(page, day)
        expect(time_buttons(page).first).to_be_in_viewport(ratio=1)
        for target in (day, time_buttons(page).first, soonest_buttons(page).first):  # 24 × 24 px at least
            box = target.bounding_box()
            assert box["width"] >= 24 and box["height"] >= 24, box
    finally:
        context.close()


def test_each_of_the_three_soonest_times_is_one_tap(page, clinic):
    choose_visit(page, clinic)
    expect_step(page, 2, "Choose a date and time")
    for index in range(3):
        expect(soonest_buttons(page)).to_have_count(3)
        button = soonest_buttons(page).nth(index)
        value = button.get_attribute("value")
        taps = Taps(page)
        taps.click(button)
        expect_step(page, 3, "Health screening before your visit")
        assert taps.count == 1
        with clinic.app.app_context():
            time = db.session.scalars(select(BookingDraft)).one().data["time"]
        starts_at, provider = value.split("|")
        assert time["starts_at"].startswith(starts_at.replace("Z", "")) and str(time["provider_id"]) == provider
        page.go_back()
        expect_step(page, 2, "Choose a date and time")


def test_the_new_step_two_has_no_serious_accessibility_problem(page, page_nojs, clinic):
    choose_visit(page, clinic)
    expect_step(page, 2, "Choose a date and time")
    assert serious_problems(page) == []
    choose_day(page, day_links(page).nth(1))
    expect(page.locator("#day-times-status")).to_contain_text(" open time")  # heard: how many, which day
    assert serious_problems(page) == []

    checker = page.context.new_page()
    choose_visit(page_nojs, clinic)
    page_nojs.wait_for_url(clinic.url + "/book/time")
    assert serious_problems_without_javascript(page_nojs, checker) == []
    choose_day(page_nojs, day_links(page_nojs).nth(1), js=False)
    assert serious_problems_without_javascript(page_nojs, checker) == []


# --- step 1: the clinicians of the chosen office ---------------------------------------------------


def clinicians(page) -> list[str]:
    return [label.inner_text().strip() for label in page.locator("fieldset#provider label").all()]


def test_the_clinician_list_narrows_to_the_office_with_javascript(page, clinic):
    page.goto(clinic.url + "/book/?reason=leg-weakness")
    set_marker(page)
    expect(page.get_by_role("button", name="Show clinicians for this office")).to_have_count(0)
    assert any("Lauren Whitfield" in name for name in clinicians(page))  # no office chosen yet
    page.locator("fieldset#office").get_by_role("radio", name=re.compile("^Fairfax, VA")).check()
    expect(page.locator("fieldset#provider")).not_to_contain_text("Michael Brenner")
    page.locator("fieldset#provider").get_by_label("Lauren Whitfield, PA-C", exact=False).check()
    potomac = page.locator("fieldset#office").get_by_role("radio", name=re.compile("^Potomac, MD"))
    potomac.check()
    expect(page.locator("fieldset#provider")).not_to_contain_text("Lauren Whitfield")  # Fairfax only
    expect(page.locator("fieldset#provider")).to_contain_text("Michael Brenner")
    expect(page.locator("fieldset#provider").get_by_label("First available", exact=True)).to_be_checked()
    expect(potomac).to_be_focused()  # only the list changed
    expect(page.locator("fieldset#reason").get_by_label("Leg weakness", exact=True)).to_be_checked()
    assert marker_survived(page)
    assert serious_problems(page) == []


def test_the_clinician_list_narrows_to_the_office_without_javascript(page_nojs, page, clinic):
    page_nojs.goto(clinic.url + "/book/?reason=leg-weakness")
    page_nojs.locator("fieldset#office").get_by_role("radio", name=re.compile("^Potomac, MD")).check()
    page_nojs.locator("fieldset#visit_type").get_by_label("Follow-up visit").check()
    with page_nojs.expect_navigation():
        page_nojs.get_by_role("button", name="Show clinicians for this office").click()
    provider = page_nojs.locator("fieldset#provider")
    expect(provider).not_to_contain_text("Lauren Whitfield")
    expect(provider).to_contain_text("Michael Brenner")
    expect(page_nojs.locator("fieldset#visit_type").get_by_label("Follow-up visit")).to_be_checked()
    expect(page_nojs.locator("fieldset#reason").get_by_label("Leg weakness", exact=True)).to_be_checked()
    assert serious_problems_without_javascript(page_nojs, page) == []
    provider.get_by_label("Dr. Michael Brenner, DO", exact=False).check()
    with page_nojs.expect_navigation():
        page_nojs.get_by_role("button", name="Continue to date and time").click()
    expect_step(page_nojs, 2, "Choose a date and time")
    expect(page_nojs.locator("#booking-step")).to_contain_text("with Dr. Michael Brenner, DO")


# --- in Spanish -----------------------------------------------------------------------------------


def test_the_new_controls_read_in_spanish(page, clinic):
    page.goto(clinic.url + "/es/book/?location=fairfax&reason=leg-weakness")
    page.locator("fieldset#visit_type").get_by_label("Consulta para pacientes nuevos").check()
    page.get_by_role("button", name="Continuar a la fecha y la hora").click()
    expect(page.get_by_role("heading", name="Horas más próximas")).to_be_visible()
    expect(page.get_by_role("heading", name="O elija un día")).to_be_visible()
    expect(soonest_buttons(page).first).to_contain_text(re.compile(r"^\S+ \d+ de \S+, \d+:\d\d [ap]\."))
    expect(day_links(page).first).to_have_text(re.compile(r"^\S+ \d+ \S+$"))  # "lun 7 dic"
    choose_day(page, day_links(page).nth(1))
    expect(page.locator("#day-times-status")).to_contain_text(re.compile(r"horas? disponibles? el "))
    assert serious_problems(page) == []
