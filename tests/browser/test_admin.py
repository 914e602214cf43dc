"""The back office in a real browser: sign in, filter with htmx (kept in the URL), act with CSRF."""

import base64
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import select

from clinic_app.booking.availability import slots_by_day
from clinic_app.booking.steps import booking_rules
from clinic_app.extensions import db
from clinic_app.models import Appointment, Office, OutboxMessage, Provider, StaffUser, VisitType
from clinic_app.seed import seed_scheduling
from tests.browser.booking_steps import book_at_the_desk, go_to_a_day_with_desk_times
from tests.browser.conftest import marker_survived, set_marker, watch_requests_and_errors
from tests.conftest import add_appointment, authenticator_code, authenticator_set_up

pytestmark = pytest.mark.browser
PASSWORD = "a long and private passphrase"
# Every back-office page (``{provider}``, ``{appointment}``: ids to fill in).
BACK_OFFICE_PAGES = (
    "/admin/",
    "/admin/?q=quinn",
    "/admin/calendar",
    "/admin/calendar?view=week",
    "/admin/calendar?view=list",
    "/admin/closures",
    "/admin/providers",
    "/admin/providers/{provider}/hours",
    "/admin/appointments/{appointment}",
    "/admin/questions",
    "/admin/outbox",
    "/admin/password",
    "/admin/bookings/new",
    "/admin/blocks",
    "/admin/patients?q=quinn",
    "/admin/today",
    "/admin/today/sheet",
    "/admin/users",
    "/admin/users/new",
    "/admin/providers/new",
    "/admin/providers/{provider}/edit",
    "/admin/visit-types",
    "/admin/visit-types/new",
    "/admin/offices",
    "/admin/screening",
    "/admin/waitlist",
)


@pytest.fixture
def back_office(live_server):
    """The live server with clinicians, an admin account and two upcoming appointments."""
    with live_server.app.app_context():
        seed_scheduling(db.session)
        admin = StaffUser(email="admin@example.org", name="Ada Admin", role="admin", **authenticator_set_up())
        admin.set_password(PASSWORD)
        db.session.add(admin)
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
        for number, (first, last, provider) in enumerate(
            [("Nora", "Quinn", "amira-haddad"), ("Omar", "Vance", "lauren-whitfield")]
        ):
            add_appointment(
                db.session,
                start,
                provider=provider,
                first_name=first,
                last_name=last,
                reference=f"TEST000{number + 2}",
                email=f"{first.lower()}@example.org",
            )
        db.session.commit()
    return live_server


def sign_in(page, url, app):
    page.goto(url + "/admin/")
    assert "/admin/login" in page.url
    page.get_by_label("Email").fill("admin@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url + "/admin/login/code")
    code = page.get_by_label("Code")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    code.fill(authenticator_code(app, "admin@example.org"))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(url + "/admin/")


def test_search_filters_the_list_in_place_and_keeps_it_in_the_address(page, back_office):
    sign_in(page, back_office.url, back_office.app)
    set_marker(page)
    assert page.locator("#bookings-table tbody tr").count() == 2
    page.get_by_label("Search").fill("quinn")
    page.get_by_role("button", name="Show bookings").click()
    expect(page.locator("#bookings-table tbody tr")).to_have_count(1)
    assert "Nora Quinn" in page.locator("#bookings-table").inner_text()
    assert "q=quinn" in page.url
    assert marker_survived(page)  # swapped in place, no page load
    page.reload()
    assert page.locator("#bookings-table tbody tr").count() == 1  # the URL alone restores the filter


def test_confirming_an_appointment_in_the_browser_records_who_did_it(page, back_office):
    sign_in(page, back_office.url, back_office.app)
    page.get_by_role("link", name="Omar Vance").click()
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    assert "Confirm: done." in page.content()
    assert "Ada Admin: confirm (booked → confirmed)" in page.locator("#appointment").inner_text()


def test_signing_out_needs_the_form_and_ends_the_session(page, back_office):
    sign_in(page, back_office.url, back_office.app)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/admin/login")
    page.goto(back_office.url + "/admin/")
    assert "/admin/login" in page.url


def test_every_back_office_page_keeps_to_the_content_policy(page, back_office):
    """Signed in, each page and its htmx swaps load only this site's files, with no inline script
    or style blocked and no error."""
    requests, errors = watch_requests_and_errors(page)
    sign_in(page, back_office.url, back_office.app)
    with back_office.app.app_context():
        provider_id = db.session.scalars(select(Provider.id)).first()
    with back_office.app.app_context():
        appointment_id = db.session.scalars(select(Appointment.id)).first()
    for path in (address.format(provider=provider_id, appointment=appointment_id) for address in BACK_OFFICE_PAGES):
        response = page.goto(back_office.url + path)
        assert response.status == 200, path
        assert page.evaluate("typeof window.htmx") == "object", path
    page.goto(back_office.url + "/admin/")
    page.get_by_label("Search").fill("vance")
    page.get_by_role("button", name="Show bookings").click()  # an htmx swap of the table
    expect(page.locator("#bookings-table tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Omar Vance").click()
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state("networkidle")
    assert [url for url in requests if not url.startswith(back_office.url + "/")] == []
    assert errors == []


def test_a_phone_booking_in_the_browser_takes_the_time_off_the_website(page, back_office):
    """The front desk books with the keyboard and htmx; the time is gone online at once."""
    app = back_office.app
    requests, errors = watch_requests_and_errors(page)
    sign_in(page, back_office.url, app)
    page.get_by_role("link", name="New booking", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New booking")
    set_marker(page)
    today = datetime.now(UTC).date()
    monday = today + timedelta(days=7 - today.weekday())  # Dr. Haddad is at Fairfax on Mondays
    page.get_by_label("Clinician", exact=True).select_option(label="Dr. Amira Haddad, MD")
    page.get_by_label("Day", exact=True).fill(monday.isoformat())
    page.get_by_label("Day", exact=True).dispatch_event("change")
    expect(page.locator(".slots-heading")).to_contain_text(f"with Dr. Amira Haddad, MD, {monday:%A, %B} {monday.day}")
    assert marker_survived(page)  # only the times were swapped in
    slot = book_at_the_desk(
        page,
        reason="Sciatica or pain down the leg",
        first="Walter",
        last="Ferreira",
        date_of_birth="1949-08-02",
        phone="703 555 0199",
    )
    expect(page.locator("#appointment")).to_contain_text("Booked: reference")
    expect(page.locator("#appointment")).to_contain_text("Phone, by Ada Admin")

    with app.app_context():
        office = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        visit = db.session.scalars(select(VisitType).filter_by(slug="new-patient")).one()
        haddad = db.session.scalars(select(Provider).filter_by(slug="amira-haddad")).one()
        online = slots_by_day(
            db.session,
            office=office,
            visit_type=visit,
            provider_id=haddad.id,
            days=[monday],
            now=datetime.now(UTC),
            rules=booking_rules(),
        )[monday]
    assert slot not in {s.value for s in online}
    assert [url for url in requests if not url.startswith(back_office.url + "/")] == []
    assert errors == []


def expect_focus_on(page, name) -> None:
    """Keyboard focus is on the element with this accessible name."""
    expect(page.locator(":focus")).to_have_accessible_name(name)


def test_the_calendar_is_a_time_grid_walked_with_arrow_keys_and_a_free_time_books_there(page, back_office):
    """One Tab into the grid, arrows to a free time, Enter: the desk form has the time and a visit
    that fits; once booked, the visit fills three quarter hours and its pause a fourth."""
    app = back_office.app
    requests, errors = watch_requests_and_errors(page)
    sign_in(page, back_office.url, app)
    today = datetime.now(UTC).date()
    monday = today + timedelta(days=14 - today.weekday())  # Haddad and Whitfield work Mondays at Fairfax
    page.goto(f"{back_office.url}/admin/calendar?office=fairfax&date={monday.isoformat()}")
    grid = page.locator("table.time-grid")
    expect(grid).to_have_attribute("aria-describedby", "calendar-keys")  # the arrow-key hint, read with it
    expect(page.locator("#calendar-keys")).to_be_visible()
    page.get_by_role("link", name="Lauren Whitfield, PA-C", exact=True).focus()  # the last column's heading
    page.keyboard.press("Tab")
    expect_focus_on(page, "Book 8:00 AM with Dr. Amira Haddad, MD")
    for _ in range(8):
        page.keyboard.press("ArrowDown")
    expect_focus_on(page, "Book 10:00 AM with Dr. Amira Haddad, MD")
    page.keyboard.press("ArrowRight")
    expect_focus_on(page, "Book 10:00 AM with Lauren Whitfield, PA-C")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Tab")  # one Tab leaves the grid
    assert page.evaluate("document.querySelector('table.time-grid').contains(document.activeElement)") is False
    page.keyboard.press("Shift+Tab")  # and one brings focus back where it was
    expect_focus_on(page, "Book 10:00 AM with Dr. Amira Haddad, MD")

    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("New booking")
    expect(page.get_by_label("Type of visit", exact=True)).to_have_value("new-patient")
    expect(page.get_by_label("Clinician", exact=True)).to_have_value(re.compile(r"^\d+$"))
    chosen = page.locator('#desk-times input[name="slot"]:checked')
    expect(chosen).to_have_count(1)
    expect(page.locator("#desk-times label").filter(has=page.locator("input:checked"))).to_contain_text("10:00 AM")
    book_at_the_desk(
        page,
        reason="Sciatica or pain down the leg",
        first="Greta",
        last="Lindqvist",
        date_of_birth="1951-03-14",
        phone="703 555 0142",
        keep_chosen=True,
    )
    expect(page.locator("#appointment")).to_contain_text("Booked: reference")

    page.goto(f"{back_office.url}/admin/calendar?office=fairfax&date={monday.isoformat()}")
    visit = page.locator("td.calendar-cell--visit").filter(has_text="Greta Lindqvist")
    expect(visit).to_have_attribute("rowspan", "3")  # 45 minutes
    expect(visit).to_contain_text("10:00–10:45 AM")
    pause = page.locator("tr").filter(has=page.locator("th", has_text="10:45 AM")).locator("td.calendar-cell--buffer")
    expect(pause).to_have_text("Buffer")
    height = visit.bounding_box()["height"]
    row = page.locator("tr").filter(has=page.locator("th", has_text="8:00 AM")).bounding_box()["height"]
    assert abs(height - 3 * row) < 3  # as tall as three quarter hours, not as its text
    assert [url for url in requests if not url.startswith(back_office.url + "/")] == []
    assert errors == []


def test_the_desk_moves_a_visit_and_the_patient_gets_an_updated_calendar_entry(page, back_office):
    app = back_office.app
    requests, errors = watch_requests_and_errors(page)
    sign_in(page, back_office.url, app)
    page.get_by_role("link", name="Nora Quinn").click()
    page.get_by_role("link", name="Move to another time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move Nora Quinn’s appointment")
    page.get_by_label("Clinician", exact=True).select_option(label="First available")
    expect(page.locator(".slots-heading")).not_to_contain_text(" with Dr. Amira Haddad")
    go_to_a_day_with_desk_times(page)
    page.locator('#desk-times input[name="slot"]').last.check()
    page.get_by_role("button", name="Move appointment").click()
    expect(page.locator("#appointment")).to_contain_text("Moved to")
    expect(page.locator("#appointment")).to_contain_text("The patient has been emailed the new time.")
    with app.app_context():
        email = db.session.scalars(select(OutboxMessage).filter_by(kind="reschedule.patient")).one()
        (event,) = Calendar.from_ical(base64.b64decode(email.attachments[0]["data"])).walk("VEVENT")
    assert email.recipients == ["nora@example.org"] and str(event["UID"]) == "appointment-TEST0002@" + "127.0.0.1"
    assert int(event["SEQUENCE"]) == 1
    assert [url for url in requests if not url.startswith(back_office.url + "/")] == []
    assert errors == []


def test_a_yes_at_the_door_flags_the_visit_on_the_board_and_the_day_sheet_prints_a_page_per_clinician(
    page, back_office
):
    app = back_office.app
    requests, errors = watch_requests_and_errors(page)
    sign_in(page, back_office.url, app)
    with app.app_context():
        nora = db.session.scalars(select(Appointment).filter_by(first_name="Nora")).one()
        day = nora.starts_at.astimezone(nora.office.tz).date().isoformat()
    page.goto(f"{back_office.url}/admin/today?office=fairfax&day={day}")
    expect(page.locator("#today-board")).to_have_attribute("hx-trigger", "every 30s")
    page.get_by_role("link", name="Check in Nora Quinn").click()
    for question in page.locator("fieldset").filter(has=page.get_by_label("No")).all():
        question.get_by_label("No").check()
    page.locator("fieldset").filter(has_text="new cough").get_by_label("Yes").check()
    page.get_by_label("The patient confirmed these answers").check()
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_role("alert")).to_contain_text("Not checked in: the patient answered “yes”")
    expect(page.get_by_role("alert")).to_be_focused()
    page.get_by_role("link", name="Back to today").click()
    page.goto(f"{back_office.url}/admin/today?office=fairfax&day={day}")
    expect(page.locator("#today-board tr", has_text="Nora Quinn")).to_contain_text("Call first")

    page.goto(f"{back_office.url}/admin/today/sheet?office=fairfax&day={day}")
    expect(page.locator(".sheet-page")).to_have_count(2)
    pdf = page.pdf(format="Letter")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 2  # one printed page per clinician
    assert [url for url in requests if not url.startswith(back_office.url + "/")] == []
    assert errors == []


def test_an_admin_invites_a_colleague_who_sets_a_password_signs_in_and_is_signed_out_when_turned_off(
    page, page_nojs, back_office
):
    """Users in Chromium: the invitation's link works once; turning the account off ends the
    colleague's session at their next click."""
    app = back_office.app
    sign_in(page, back_office.url, app)
    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_role("button", name="Send the invitation").click()  # empty: every problem in place
    expect(page.locator(".error-summary")).to_contain_text("Please enter their email address.")
    expect(page.locator(".error-summary-region")).to_be_focused()  # read out first
    page.get_by_label("Email").fill("colleen.desk@example.org")
    page.get_by_label("Name").fill("Colleen Desk")
    page.get_by_label("Front desk: the offices chosen below").check()
    page.get_by_label("Fairfax, VA").check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("main")).to_contain_text("Invited colleen.desk@example.org")

    with app.app_context():
        (invitation,) = db.session.scalars(select(OutboxMessage).filter_by(kind="account.password_link")).all()
        link = re.search(r"https?://[^/\s]+(/admin/welcome/[\w-]+)", invitation.text_body).group(1)
    colleague = page_nojs  # a second browser, without JavaScript: the page needs none
    colleague.goto(back_office.url + link)
    colleague.get_by_label("New password", exact=True).fill("harbor quilt meadow saffron")
    colleague.get_by_label("New password again").fill("harbor quilt meadow saffron")
    colleague.get_by_role("button", name="Set password").click()
    expect(colleague.locator("main")).to_contain_text("Your password is set. Please sign in.")
    colleague.goto(back_office.url + link)
    expect(colleague.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    colleague.goto(back_office.url + "/admin/login")
    colleague.get_by_label("Email").fill("colleen.desk@example.org")
    colleague.get_by_label("Password").fill("harbor quilt meadow saffron")
    colleague.get_by_role("button", name="Sign in").click()
    expect(colleague.get_by_role("heading", name="Set up a second step for signing in")).to_be_visible()
    key = colleague.locator("#totp-key").inner_text().replace(" ", "")
    colleague.get_by_label("Code").fill(pyotp.TOTP(key).now())
    colleague.get_by_role("button", name="Turn on the second step").click()
    colleague.get_by_role("link", name=re.compile("continue to the back office")).click()
    expect(colleague.get_by_role("heading", level=1)).to_contain_text("at Fairfax, VA")  # her Today board

    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("link", name="Colleen Desk").click()
    page.get_by_role("button", name="Turn off the account").click()
    expect(page.locator("main")).to_contain_text("Turned off colleen.desk@example.org")
    colleague.get_by_role("link", name="Calendar", exact=True).click()
    expect(colleague).to_have_url(re.compile(r"/admin/login"))


def test_a_practice_admin_adds_a_clinician_lengthens_a_visit_and_publishes_new_questions(page, browser, back_office):
    """Issue 13 as an admin tries it: a clinician with Tuesday hours at Potomac is bookable on
    Tuesdays at once; a longer follow-up shows at step 1 while the booked one keeps its length; a
    new screening version brings the banner back and its question to step 3."""
    app = back_office.app
    requests, errors = watch_requests_and_errors(page)
    patient = browser.new_context().new_page()
    patient.goto(back_office.url + "/locations/")
    patient.get_by_role("button", name="Hide").click()  # this patient has read the office update
    expect(patient.get_by_text("Office Update:")).to_have_count(0)

    sign_in(page, back_office.url, app)
    page.get_by_role("link", name="Clinicians", exact=True).click()
    page.get_by_role("link", name="Add a clinician").click()
    page.get_by_label("Name").fill("Dr. Priya Natarajan")
    page.get_by_label("Credentials").fill("MD")
    page.locator("fieldset#offices").get_by_label("Potomac, MD").check()
    page.get_by_role("button", name="Add the clinician").click()
    expect(page.locator("main")).to_contain_text("Added Dr. Priya Natarajan, MD. Now give them their weekly hours.")
    page.get_by_label("Tuesday at Potomac, MD, first period, from").fill("09:00")
    page.get_by_label("Tuesday at Potomac, MD, first period, until").fill("12:00")
    page.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.locator("main")).to_contain_text("Saved the weekly hours of Dr. Priya Natarajan, MD")

    patient.goto(back_office.url + "/book/?location=potomac&reason=leg-weakness")
    patient.locator("fieldset#visit_type").get_by_label("New-patient consultation").check()
    patient.locator("fieldset#provider").get_by_label("Dr. Priya Natarajan, MD").check()
    patient.get_by_role("button", name="Continue to date and time").click()
    days = patient.locator("#day-times a.day-link")
    expect(days.first).to_be_visible()
    labels = [link.inner_text() for link in days.all()]
    assert labels and all(label.strip().startswith("Tue") for label in labels), labels
    expect(patient.locator("#slot-list")).to_contain_text("9:00 AM")

    page.get_by_role("link", name="Kinds of visit", exact=True).click()
    page.get_by_role("link", name="Follow-up visit").click()
    page.get_by_label("Length in minutes").fill("45")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Saved Follow-up visit.")
    patient.goto(back_office.url + "/book/?location=fairfax&reason=leg-weakness")
    expect(patient.locator("fieldset#visit_type")).to_contain_text("Follow-up visit (45 minutes)")
    with app.app_context():
        booked = db.session.scalars(select(Appointment).filter_by(reference="TEST0002")).one()
        assert booked.ends_at - booked.starts_at == timedelta(minutes=30)  # booked before: kept

    page.get_by_role("link", name="Screening", exact=True).click()
    page.get_by_role("button", name="Edit a new version").click()
    page.get_by_label("Question 6", exact=True).fill("Have you had a new rash with a fever this week?")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("main")).to_contain_text("every form asks these questions and the banner shows again")
    patient.goto(back_office.url + "/locations/")
    expect(patient.get_by_text("Office Update:")).to_have_count(1)
    patient.goto(back_office.url + "/book/?location=fairfax&reason=leg-weakness")
    patient.locator("fieldset#visit_type").get_by_label("New-patient consultation").check()
    patient.locator("fieldset#provider").get_by_label("First available", exact=True).check()
    patient.get_by_role("button", name="Continue to date and time").click()
    patient.locator("#slot-list button.time-button").first.click()
    expect(patient.get_by_role("radiogroup", name="Have you had a new rash with a fever this week?")).to_be_visible()
    patient.context.close()
    assert [url for url in requests if not url.startswith(back_office.url + "/")] == []
    assert errors == []
