"""Steps of the booking form as a patient takes them in Chromium, shared by the browser tests and
the production test. Each helper acts or checks like a person: by labels, roles and headings."""

import re
from datetime import date

from playwright.sync_api import expect

from clinic_app.booking.service import REFERENCE_ALPHABET
from tests.browser.accessibility import serious_problems, serious_problems_without_javascript
from tests.browser.conftest import active_element_id, marker_survived, set_marker

START = "/book/?location=fairfax&reason=leg-weakness"
QUESTIONS = ("fever", "cough", "taste_smell", "close_contact", "positive_test")
REFERENCE = re.compile(rf"^[{REFERENCE_ALPHABET}]{{8}}$")
PATIENT = {"first": "Marisol", "last": "Okonkwo", "email": "marisol.okonkwo@example.org"}


def expect_step(page, number, heading):
    """The step the patient sees: progress count and heading."""
    expect(page.locator("#step-heading")).to_have_text(heading)
    expect(page.get_by_text(f"Step {number} of 5", exact=True)).to_be_visible()


def expect_heading_focused(page, heading_id="step-heading"):
    """After an htmx swap, keyboard and screen-reader focus is on the new step's heading."""
    expect(page.locator(f"#{heading_id}")).to_be_focused()
    assert active_element_id(page) == heading_id


def day_links(page):
    """Step 2's strip of days: a link per day with open times ("Mon Nov 30")."""
    return page.locator("#day-times a.day-link")


def day_value_of(link) -> str:
    """The day a link of the strip shows, as the address says it ("2026-11-30")."""
    return link.get_attribute("id").removeprefix("day-")


def day_label_of(link) -> str:
    """The day of a link of the strip as the times' heading names it ("Monday, November 30")."""
    day = date.fromisoformat(day_value_of(link))
    return f"{day:%A, %B} {day.day}"


def slots_heading(page):
    return page.locator("#slot-list .slots-heading")


def time_buttons(page):
    """The chosen day's times: each a button that chooses it and goes on."""
    return page.locator("#slot-list button.time-button")


def soonest_buttons(page):
    """The soonest times offered up front, each one tap."""
    return page.locator(".soonest button.time-button")


def choose_day(page, link, js=True):
    """Step 2: show the day of ``link`` (a page of its own without JavaScript); its value."""
    value = day_value_of(link)
    if js:
        link.click()
    else:
        with page.expect_navigation():
            link.click()
    page.wait_for_url(re.compile(re.escape(f"/book/time?day={value}") + "$"))
    expect(link if js else page.locator(f"#day-{value}")).to_have_attribute("aria-current", "true")
    return value


def choose_visit(page, live_server, visit="New-patient consultation"):
    """Step 1 from the article-style link: visit type and "First available", then continue."""
    page.goto(live_server.url + START)
    page.locator("fieldset#visit_type").get_by_label(visit).check()
    page.locator("fieldset#provider").get_by_label("First available", exact=True).check()
    page.get_by_role("button", name="Continue to date and time").click()


def choose_first_time(page):
    """Step 2: the first time on the day shown (one tap chooses it and goes on)."""
    time_buttons(page).first.click()


def answer_screening(page, fever="No"):
    """Step 3: "No" to every question (or ``fever`` to the first), policy acknowledged."""
    for key in QUESTIONS:
        answer = fever if key == "fever" else "No"
        page.locator(f"fieldset#{key}").get_by_label(answer, exact=True).check()
    page.get_by_role("checkbox", name=re.compile("^I have read the office")).check()
    page.get_by_role("button", name="Continue", exact=True).click()


def fill_details(page, *, email=PATIENT["email"], texts=False, new_patient=None):
    """Step 4: the patient's details (and, with ``texts``, yes to text messages). Whether they are
    new (``new_patient``) is asked only for a kind of visit open to any patient."""
    page.get_by_label("First name").fill(PATIENT["first"])
    page.get_by_label("Last name").fill(PATIENT["last"])
    page.fill("#date_of_birth", "1970-05-17")
    page.get_by_label("Mobile or home phone").fill("(703) 555-0123")
    page.get_by_label("Email address").fill(email)
    if texts:
        page.get_by_role("checkbox", name=re.compile("^Also text me")).check()
    if new_patient is not None:
        page.get_by_label("No, I am a new patient" if new_patient else "Yes, I am a returning patient").check()
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

    # Another day: only the days and times change, the address names the day (replaced).
    days = day_links(page)
    assert days.count() >= 2, "the server offers fewer than two days"
    expect(days.first).to_have_attribute("aria-current", "true")
    expect(soonest_buttons(page)).to_have_count(3)
    other = days.nth(1)
    other_value, other_label = day_value_of(other), day_label_of(other)
    choose_day(page, other)
    assert page.url == live_server.url + f"/book/time?day={other_value}"
    expect(slots_heading(page)).to_contain_text(f" on {other_label}")
    expect(page.locator(f"#day-{other_value}")).to_be_focused()  # where the patient was
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


# --- the front desk's booking page ----------------------------------------------------------------


def book_at_the_desk(page, *, reason, first, last, date_of_birth, phone, keep_chosen=False) -> str:
    """On the desk's booking page: the first free time shown (or the one already chosen, with
    ``keep_chosen``), every screening answer "no", the policy told, the patient's details; then
    "Book appointment". The slot booked."""
    times = page.locator('#desk-times input[name="slot"]')
    time = page.locator('#desk-times input[name="slot"]:checked') if keep_chosen else times.first
    expect(time).to_have_count(1)
    slot = time.get_attribute("value")
    time.check()
    for question in page.locator("fieldset").filter(has=page.get_by_label("No", exact=True)).all():
        question.get_by_label("No", exact=True).check()
    page.get_by_label("I read the Safe Patient Appointments policy").check()
    page.get_by_label(reason).check()
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Date of birth").fill(date_of_birth)
    page.get_by_label("Phone number").fill(phone)
    page.get_by_label("Returning patient").check()
    page.get_by_label("The patient agrees to be contacted").check()
    page.get_by_role("button", name="Book appointment").click()
    return slot


def go_to_a_day_with_desk_times(page, days=7):
    """On the desk's booking or move page: "Next day" until free times show (a closed day has none)."""
    for _ in range(days):
        if page.locator('#desk-times input[name="slot"]').count():
            return
        page.get_by_role("link", name="Next day").click()
    raise AssertionError(f"no free times in {days} days")


# --- in Spanish ----------------------------------------------------------------------------------

ARTICLE = "Debilidad en las piernas: síntomas, causas y tratamiento"


class SpanishPatient:
    """A patient going through the Spanish pages, checking each one with axe; ``js``: whether
    the browser runs JavaScript (then each step arrives by htmx, without it as a new page)."""

    def __init__(self, page, server, js, checker=None):
        self.page, self.server, self.js, self.problems = page, server, js, []
        self.checker = checker  # without JavaScript: a page that runs axe on what this one shows

    def check_page(self):
        expect(self.page.locator("html")).to_have_attribute("lang", "es")
        if self.js:
            self.problems += serious_problems(self.page)
        else:
            self.problems += serious_problems_without_javascript(self.page, self.checker)

    def go_on(self, click):
        """``click()`` submits a form: a full page load without JavaScript, a swap with it."""
        if self.js:
            click()
        else:
            with self.page.expect_navigation():
                click()

    def expect_step(self, number, heading):
        expect(self.page.locator("#step-heading")).to_have_text(heading)
        expect(self.page.get_by_text(f"Paso {number} de 5", exact=True)).to_be_visible()
        self.check_page()

    def read_the_article_and_ask_for_an_appointment(self):
        page = self.page
        page.goto(self.server.url + "/es/")
        self.check_page()
        page.get_by_role("link", name="Debilidad y entumecimiento en las piernas").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(ARTICLE)
        expect(page.get_by_text("Llame al 911 de inmediato", exact=False).first).to_be_visible()
        self.check_page()
        page.locator('a[href="/es/book/?reason=leg-weakness"]').click()
        expect(page.locator("fieldset#reason").get_by_label("Debilidad en las piernas", exact=True)).to_be_checked()
        self.check_page()

    def book(self):
        page = self.page
        page.locator("fieldset#office").get_by_role("radio", name=re.compile("^Fairfax, VA")).check()
        if not self.js:  # the clinicians of the office chosen, with the other answers kept
            with page.expect_navigation():
                page.get_by_role("button", name="Ver los profesionales de este consultorio").click()
            self.check_page()
        expect(page.locator("fieldset#provider")).not_to_contain_text("Michael Brenner")  # at Potomac only
        page.locator("fieldset#visit_type").get_by_label("Consulta para pacientes nuevos").check()
        page.locator("fieldset#provider").get_by_label("Primer profesional disponible", exact=True).check()
        if self.js:
            set_marker(page)
        self.go_on(lambda: page.get_by_role("button", name="Continuar a la fecha y la hora").click())
        self.expect_step(2, "Elija la fecha y la hora")

        expect(page.get_by_role("heading", name="Horas más próximas")).to_be_visible()
        expect(page.get_by_role("heading", name="O elija un día")).to_be_visible()
        day = day_links(page).nth(2)  # two days or more ahead: its reminder comes after the booking
        choose_day(page, day, js=self.js)
        assert "/es/book/time?day=" in page.url
        expect(page.locator("#slot-list .slots-heading")).to_contain_text(re.compile(r"horas? disponibles? el "))
        self.check_page()
        self.go_on(lambda: time_buttons(page).first.click())
        self.expect_step(3, "Preguntas de salud antes de su visita")

        self.go_on(lambda: page.get_by_role("button", name="Continuar", exact=True).click())  # nothing answered
        expect(page.locator(".error-summary")).to_contain_text("Por favor")
        self.check_page()  # the errors too, in Spanish
        for key in ("fever", "cough", "taste_smell", "close_contact", "positive_test"):
            page.locator(f"fieldset#{key}").get_by_label("No", exact=True).check()
        page.get_by_role("checkbox", name=re.compile("^Leí la política")).check()
        self.go_on(lambda: page.get_by_role("button", name="Continuar", exact=True).click())
        self.expect_step(4, "Sus datos")

        page.get_by_label("Nombre", exact=True).fill("Lucía")
        page.get_by_label("Apellidos", exact=True).fill("Ramírez")
        page.fill("#date_of_birth", "1952-03-09")
        page.get_by_label("Teléfono celular o de casa").fill("(703) 555-0144")
        page.get_by_label("Correo electrónico", exact=True).fill("lucia.ramirez@example.org")
        expect(page.get_by_label("No, es mi primera visita")).to_have_count(0)  # the visit says so
        self.go_on(lambda: page.get_by_role("button", name="Continuar para revisar").click())
        self.expect_step(5, "Revisar y confirmar")
        expect(page.locator("#booking-step")).to_contain_text("Consulta para pacientes nuevos")
        expect(page.locator("#contact-consent")).to_contain_text("Al confirmar, usted acepta que nos comuniquemos")

        self.go_on(lambda: page.get_by_role("button", name="Confirmar cita").click())
        expect(page.get_by_role("heading", level=1)).to_have_text("Su cita está reservada")
        expect(page.locator(".manage-link a")).to_have_attribute(
            "href", re.compile("^" + re.escape(self.server.url) + "/es/booking/[A-Za-z0-9_-]+$")
        )
        self.check_page()
        if self.js:
            assert marker_survived(page), "a step reloaded the whole page"
