"""The online booking flow over HTTP: five steps, confirmation, the manage link, cancel and reschedule.

Availability depends on the clock, so every test freezes it (``frozen_now``) at Monday
2026-12-07 13:00 UTC, 08:00 in New York: with two hours' notice the first new-patient time at
Fairfax that day is 10:00 AM, with Dr. Amira Haddad (first by name of the two clinicians there on
Mondays). Each step is tried as a plain page and as an htmx request where both exist.
"""

import base64
import logging
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select, text

from clinic_app.booking.service import REFERENCE_ALPHABET
from clinic_app.extensions import db
from clinic_app.models import Appointment, OutboxMessage, Provider, ProviderTimeBlock
from tests.conftest import csrf_token_from, set_clock

UTC = UTC
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # Monday, 08:00 in New York
HTMX = {"HX-Request": "true"}
PAGE_OR_HTMX = pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])


VISIT = {"office": "fairfax", "visit_type": "new-patient", "reason": "leg-weakness", "provider": "any"}
QUESTIONS = ("fever", "cough", "taste_smell", "close_contact", "positive_test")
ALL_NO = {**{key: "no" for key in QUESTIONS}, "acknowledged": "y"}
DETAILS = {
    "first_name": "Marisol",
    "last_name": "Okonkwo",
    "date_of_birth": "1962-05-17",
    "phone": "703-555-0123",
    "email": "marisol.okonkwo@example.org",
    "patient_status": "new",
    "insurance": "Blue Cross",
    "notes": "My left leg has felt weak for two weeks.",
    "consent": "y",
}
FAIRFAX_PHONE = "(703) 555-0142"

# The first free new-patient time at Fairfax today (10:00 EST) with Dr. Haddad (id 1, seeded first).
FIRST_SLOT = "2026-12-07T15:00Z|1"
# Wednesday 2026-12-09 08:00 EST with Dr. Haddad: more than 24 hours ahead, so it can still be changed.
LATER_DAY = "2026-12-09"
LATER_SLOT = "2026-12-09T13:00Z|1"

# A time: a radio with its label (rescheduling), or a button of the day's times (booking step 2;
# the soonest times up front are ``SOONEST_BUTTON``).
SLOT_INPUT = re.compile(
    r'(?:<input type="radio" name="slot" value="([^"]+)"[^>]*>'
    r'|<button type="submit" class="time-button(?: is-chosen)?" name="slot" value="([^"]+)">)\s*([^<]+?)\s*<'
)
SOONEST_BUTTON = re.compile(
    r'<button type="submit" class="time-button time-button--soonest[^"]*" name="slot" value="([^"]+)">\s*([^<]+?)\s*<'
)
# A day of the strip at step 2: its date, its short label ("Mon Dec 7"), whether it is the one shown.
DAY_LINK = re.compile(
    r'<a id="day-([0-9-]+)" class="day-link" href="[^"]*"\s+hx-get="[^"]*"[^>]*?( aria-current="true")?>'
    r'<span class="day-link__weekday">([^<]+)</span> <span class="day-link__date">([^<]+)</span></a>'
)
MANAGE_LINK = re.compile(r'href="http://localhost/booking/([A-Za-z0-9_-]+)"')


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def frozen_now(monkeypatch):
    """The clock stopped at Monday 2026-12-07 08:00 in New York (13:00 UTC)."""
    set_clock(monkeypatch, NOW)
    return NOW


def html_of(response):
    return response.get_data(as_text=True)


def csrf(client):
    """The client's CSRF token (one per session, so it is fetched once)."""
    if not hasattr(client, "booking_csrf"):
        client.booking_csrf = csrf_token_from(html_of(client.get("/book/")))
    return client.booking_csrf


def post(client, url, data=None, htmx=False, with_token=True):
    """POST as the browser would: a plain form carries the token as a field, htmx as a header."""
    form = dict(data or {})
    headers = dict(HTMX) if htmx else {}
    if with_token:
        if htmx:
            headers["X-CSRFToken"] = csrf(client)
        else:
            form["csrf_token"] = csrf(client)
    form = {key: value for key, value in form.items() if value is not None}
    return client.post(url, data=form, headers=headers)


def get(client, url, htmx=False):
    return client.get(url, headers=HTMX if htmx else {})


def offered_slots(html):
    """[(slot value, label)] of the times on a page (at booking step 2, the chosen day's)."""
    return [(radio or button, label) for radio, button, label in SLOT_INPUT.findall(html)]


def soonest_slots(html):
    """[(slot value, label)] of the soonest times step 2 offers up front."""
    return SOONEST_BUTTON.findall(html)


def offered_days(html):
    """[(iso day, short label, shown)] of the strip of days on the time step."""
    return [(day, f"{weekday} {date}", bool(current)) for day, current, weekday, date in DAY_LINK.findall(html)]


def cases(items, htmx, few=3):
    """Every case for the page; for htmx, whose errors come from the same code, the first few."""
    items = list(items.items()) if isinstance(items, dict) else list(items)
    return items[:few] if htmx else items


def redirects_to(response, location):
    return response.status_code == 303 and response.headers["Location"] == location


STEPS = ("visit", "time", "screening", "details", "review")


def walk(client, until="review", visit=None, slot=FIRST_SLOT, answers=None, details=None):
    """Do the booking steps up to and including ``until`` (each POST must succeed); the slot chosen.

    ``slot`` defaults to the first new-patient time at Fairfax (checked by its own test).
    """
    done = STEPS[: STEPS.index(until) + 1]
    assert redirects_to(post(client, "/book/", {**VISIT, **(visit or {})}), "/book/time")
    if "time" not in done:
        return None
    assert redirects_to(post(client, "/book/time", {"slot": slot}), "/book/screening")
    if "screening" in done:
        assert redirects_to(post(client, "/book/screening", answers or ALL_NO), "/book/details")
    if "details" in done:
        response = post(client, "/book/details", {**DETAILS, **(details or {})})
        assert redirects_to(response, "/book/review"), html_of(response)
    if "review" in done:
        assert redirects_to(post(client, "/book/review"), "/book/confirmed")
    return slot


def book(client, **choices):
    """A whole booking; the manage token from the confirmation page and the slot booked."""
    slot = walk(client, "review", **choices)
    match = MANAGE_LINK.search(html_of(client.get("/book/confirmed")))
    assert match, "the confirmation carries no manage link"
    return match.group(1), slot


def appointment_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Appointment))


def the_appointment(app):
    """The one appointment, with what the tests look at (read inside a context, returned as data)."""
    with app.app_context():
        appointment = db.session.scalars(select(Appointment)).one()
        return {
            "reference": appointment.reference,
            "status": appointment.status,
            "starts_at": appointment.starts_at,
            "ends_at": appointment.ends_at,
            "sequence": appointment.sequence,
            "visit_type": appointment.visit_type.slug,
            "office": appointment.office.slug,
            "provider": appointment.provider.slug,
            "first_name": appointment.first_name,
            "email": appointment.email,
            "phone": appointment.phone,
            "screening_outcome": appointment.screening_outcome,
            "cancellation_reason": appointment.cancellation_reason,
            "blocks": sorted(b.starts_at for b in appointment.blocks),
        }


def outbox(app):
    """[(kind, recipients, subject, attachments)] in the order queued."""
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [(row.kind, row.recipients, row.subject, row.attachments) for row in rows]


def ics_event(attachment):
    """The calendar method and VEVENT of an outbox attachment."""
    calendar = Calendar.from_ical(base64.b64decode(attachment["data"]))
    (event,) = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), event


def provider_id(app, slug):
    with app.app_context():
        return db.session.scalars(select(Provider.id).filter_by(slug=slug)).one()


# --- step 1: the visit ---------------------------------------------------------------------------


@PAGE_OR_HTMX
def test_step_one_link_preselects_office_and_reason(client, clinic, frozen_now, htmx):
    html = html_of(get(client, "/book/?location=fairfax&reason=leg-weakness", htmx))
    assert '<input checked id="office-0" name="office" type="radio" value="fairfax">' in html
    assert '<input checked id="reason-0" name="reason" type="radio" value="leg-weakness">' in html
    assert '<input checked id="provider-0" name="provider" type="radio" value="any">' in html
    assert ("<html" in html) is not htmx


def test_step_one_ignores_unknown_values_in_the_link(client, clinic, frozen_now):
    html = html_of(client.get("/book/?location=richmond&reason=<script>"))
    assert 'checked id="office-' not in html and 'checked id="reason-' not in html
    assert "<script>" not in html


@PAGE_OR_HTMX
def test_step_one_valid_choice_goes_to_the_time_step(client, clinic, frozen_now, htmx):
    response = post(client, "/book/", VISIT, htmx)
    assert redirects_to(response, "/book/time")
    assert client.get("/book/time").status_code == 200


STEP_ONE_ERRORS = [
    ({"office": None}, "Please choose an office."),
    ({"visit_type": None}, "Please choose the type of visit."),
    ({"reason": None}, "Please choose the main reason for your visit."),
    ({"office": "richmond"}, "Not a valid choice"),
    ({"provider": "michael-brenner"}, "Dr. Michael Brenner, DO does not see patients at the Fairfax, VA office."),
    ({"provider": "999"}, "Not a valid choice"),
]


@PAGE_OR_HTMX
def test_step_one_errors_are_explained_on_the_same_step_and_nothing_is_saved(app, client, clinic, frozen_now, htmx):
    brenner = str(provider_id(app, "michael-brenner"))
    for overrides, message in cases(STEP_ONE_ERRORS, htmx):
        overrides = {key: brenner if value == "michael-brenner" else value for key, value in overrides.items()}
        response = post(client, "/book/", {**VISIT, **overrides}, htmx)
        html = html_of(response)
        assert response.status_code == 422, overrides
        assert message in html, overrides
        assert "Please check this answer" in html and 'aria-invalid="true"' in html
        assert "Request an appointment" in html and "Step 1 of 5" in html
        assert ("<html" in html) is not htmx
        if htmx:
            assert response.headers["HX-Push-Url"] == "false"
        assert redirects_to(client.get("/book/time"), "/book/"), overrides


# --- step 2: date and time ---------------------------------------------------------------------


@PAGE_OR_HTMX
def test_time_step_shows_step_2_of_5_as_page_or_fragment(client, clinic, frozen_now, htmx):
    walk(client, "visit")
    response = get(client, "/book/time", htmx)
    html = html_of(response)
    assert response.status_code == 200
    assert '<p class="progress__count" id="step-count">Step 2 of 5</p>' in html
    assert '<li aria-current="step" class="is-current">Date and time</li>' in html
    if htmx:  # the fragment carries its title in a head of its own, which htmx puts in the tab
        assert "<html" not in html and "<body" not in html
        assert "<head><title>Step 2 of 5: Date and time — Request an appointment · Spine &amp; Nerve Clinic" in html
        assert html.lstrip().startswith('<section id="booking-step"')
    else:
        assert html.lstrip().lower().startswith("<!doctype html>")
        assert "<title>Step 2 of 5: Date and time" in html
    assert "HX-Request" in response.headers["Vary"]


def test_time_step_lists_days_and_the_first_days_times_in_office_time(client, clinic, frozen_now):
    walk(client, "visit")
    html = html_of(client.get("/book/time"))
    days = offered_days(html)
    assert days[0] == ("2026-12-07", "Mon Dec 7", True)
    assert ("2026-12-08", "Tue Dec 8", False) in days
    assert all(day not in {"2026-12-12", "2026-12-13"} for day, _, _ in days)  # the weekend is closed
    assert len(days) == 14
    slots = offered_slots(html)
    # 08:00 now + 2 h notice: 10:00 is the first; the 45-minute visit must be over by noon (11:15)
    # and by 5 PM (4:15); the 15-minute pause after it may run past the end of the shift.
    assert slots[0] == (FIRST_SLOT, "10:00 AM with Dr. Amira Haddad, MD")
    assert "9:45 AM" not in html and "8:00 AM" not in html
    assert "11:15 AM with" in html and "11:30 AM with" not in html
    assert "1:00 PM with" in html and "4:15 PM with" in html and "4:30 PM with" not in html
    assert "open times on Monday, December 7" in html
    assert "Times are shown in the office's local time (Eastern Time)" in html


def test_choosing_a_day_by_address_shows_that_days_times(client, clinic, frozen_now):
    walk(client, "visit")
    html = html_of(client.get("/book/time?day=2026-12-08"))
    assert ("2026-12-08", "Tue Dec 8", True) in offered_days(html)
    assert "open times on Tuesday, December 8" in html
    slots = offered_slots(html)
    assert slots[0][0].startswith("2026-12-08T13:00Z|")  # 08:00 EST on a day with no notice limit
    assert slots[0][1].startswith("8:00 AM with ")


def test_an_unavailable_day_in_the_address_falls_back_to_the_first_day(client, clinic, frozen_now):
    walk(client, "visit")
    for day in ("2026-12-12", "not-a-day", "2027-12-31", "2026-12-01"):  # weekend, garbage, too far, past
        response = client.get(f"/book/time?day={day}")
        assert response.status_code == 200
        assert "open times on Monday, December 7" in html_of(response), day


def test_day_times_for_htmx_are_only_the_days_and_times_and_replace_the_address(client, clinic, frozen_now):
    walk(client, "visit")
    response = client.get("/book/time/slots?day=2026-12-08", headers=HTMX)
    html = html_of(response)
    assert response.status_code == 200
    assert response.headers["HX-Replace-Url"] == "/book/time?day=2026-12-08"  # Back leaves the step
    assert "HX-Push-Url" not in response.headers
    assert "<html" not in html and "Step 2 of 5" not in html and "Soonest times" not in html
    assert ("2026-12-08", "Tue Dec 8", True) in offered_days(html)
    assert "open times on Tuesday, December 8" in html
    assert offered_slots(html)[0][0].startswith("2026-12-08T13:00Z|")
    assert 'name="csrf_token"' in html  # the list is a form the patient can submit


def test_day_times_without_htmx_redirect_to_the_time_step_for_that_day(client, clinic, frozen_now):
    walk(client, "visit")
    response = client.get("/book/time/slots?day=2026-12-08")
    assert redirects_to(response, "/book/time?day=2026-12-08")


@PAGE_OR_HTMX
def test_a_valid_time_goes_to_screening(client, clinic, frozen_now, htmx):
    walk(client, "visit")
    assert FIRST_SLOT in dict(offered_slots(html_of(client.get("/book/time"))))
    response = post(client, "/book/time", {"slot": FIRST_SLOT}, htmx)
    assert redirects_to(response, "/book/screening")
    assert get(client, "/book/screening", htmx).status_code == 200


TAMPERED_SLOTS = {
    "2026-12-07T08:00Z|1": "03:00 local time",
    "2026-12-04T15:00Z|1": "a past time",
    "2026-12-07T13:00Z|1": "now, within the two hours' notice",
    "2026-12-07T15:05Z|1": "off the quarter-hour grid",
    "2026-12-07T15:00Z|4": "a clinician who works at the other office",
    "2026-12-07T15:00Z|2": "a clinician not at Fairfax on Mondays",
    "2026-12-07T15:00Z|999": "no such clinician",
    "2027-03-01T15:00Z|1": "beyond the booking horizon",
    "2026-12-07T15:00Z": "no clinician",
    "tomorrow at ten": "garbage",
    "2026-12-07T15:00Z|1|1": "an extra part",
}


@PAGE_OR_HTMX
def test_a_tampered_time_is_refused(client, clinic, frozen_now, htmx):
    walk(client, "visit")
    for slot, what in cases(TAMPERED_SLOTS, htmx):
        response = post(client, "/book/time", {"slot": slot}, htmx)
        html = html_of(response)
        assert response.status_code == 422, what
        assert "That time is not available. Please choose one of the times shown." in html, what
        assert ("<html" in html) is not htmx
        if htmx:
            assert response.headers["HX-Push-Url"] == "false"
        assert FIRST_SLOT in dict(offered_slots(html)), what  # the real times are offered again
    assert redirects_to(client.get("/book/screening"), "/book/time")


def test_no_time_chosen_asks_for_one(client, clinic, frozen_now):
    walk(client, "visit")
    response = post(client, "/book/time", {})
    assert response.status_code == 422
    assert "Please choose a time." in html_of(response)


def test_a_chosen_provider_only_gets_their_own_times(app, client, clinic, frozen_now):
    lauren = provider_id(app, "lauren-whitfield")
    walk(client, "visit", visit={"provider": str(lauren)})
    html = html_of(client.get("/book/time"))
    assert "with Lauren Whitfield, PA-C" in html
    slots = offered_slots(html)
    assert slots[0] == (f"2026-12-07T15:00Z|{lauren}", "10:00 AM")  # no name when the patient chose one
    assert all(value.endswith(f"|{lauren}") for value, _ in slots)
    assert post(client, "/book/time", {"slot": FIRST_SLOT}).status_code == 422  # Dr. Haddad's time


# --- skipping steps ----------------------------------------------------------------------------


def test_skipping_ahead_after_step_one_goes_to_the_time_step(client, clinic, frozen_now):
    walk(client, "visit")
    for url in ("/book/screening", "/book/details", "/book/review"):
        assert redirects_to(client.get(url), "/book/time"), url
        assert redirects_to(post(client, url, {}), "/book/time"), url


def test_skipping_ahead_after_step_two_goes_to_screening(client, clinic, frozen_now):
    walk(client, "time")
    for url in ("/book/details", "/book/review"):
        assert redirects_to(client.get(url), "/book/screening"), url


@PAGE_OR_HTMX
def test_without_a_booking_in_progress_every_step_goes_to_step_one(client, clinic, frozen_now, htmx):
    for url in ("/book/time", "/book/screening", "/book/details", "/book/review"):
        assert redirects_to(get(client, url, htmx), "/book/"), url


def test_day_times_without_a_booking_in_progress_go_to_step_one(client, clinic, frozen_now):
    assert redirects_to(client.get("/book/time/slots?day=2026-12-08", headers=HTMX), "/book/")


def test_confirmation_without_a_booking_goes_to_step_one(client, clinic, frozen_now):
    response = client.get("/book/confirmed")
    assert response.status_code in (302, 303) and response.headers["Location"] == "/book/"


# --- step 3: screening -------------------------------------------------------------------------


@PAGE_OR_HTMX
def test_screening_shows_every_question(client, clinic, frozen_now, htmx):
    walk(client, "time")
    html = html_of(get(client, "/book/screening", htmx))
    assert "Step 3 of 5" in html and "Health screening before your visit" in html
    for key in QUESTIONS:
        assert f'name="{key}" type="radio" value="yes"' in html
        assert f'name="{key}" type="radio" value="no"' in html
    assert 'name="acknowledged"' in html


@PAGE_OR_HTMX
def test_screening_with_an_unanswered_question_is_refused(client, clinic, frozen_now, htmx):
    walk(client, "time")
    for missing in cases(QUESTIONS, htmx, few=2):
        response = post(client, "/book/screening", {**ALL_NO, missing: None}, htmx)
        html = html_of(response)
        assert response.status_code == 422, missing
        assert f'<p class="field-error" id="{missing}-error">Please answer yes or no.</p>' in html
        assert ("<html" in html) is not htmx
        if htmx:
            assert response.headers["HX-Push-Url"] == "false"
        assert redirects_to(client.get("/book/details"), "/book/screening")


@PAGE_OR_HTMX
def test_screening_without_the_acknowledgement_is_refused(client, clinic, frozen_now, htmx):
    walk(client, "time")
    response = post(client, "/book/screening", {**ALL_NO, "acknowledged": None}, htmx)
    assert response.status_code == 422
    assert "Please confirm that you have read the safety policy." in html_of(response)
    assert redirects_to(client.get("/book/details"), "/book/screening")


@PAGE_OR_HTMX
def test_screening_all_no_goes_to_details(client, clinic, frozen_now, htmx):
    walk(client, "time")
    assert redirects_to(post(client, "/book/screening", ALL_NO, htmx), "/book/details")
    assert "Step 4 of 5" in html_of(get(client, "/book/details", htmx))


@PAGE_OR_HTMX
def test_any_yes_offers_video_a_later_date_and_the_office_phone(client, clinic, frozen_now, htmx):
    walk(client, "time")
    for yes in cases(QUESTIONS, htmx, few=2):
        response = post(client, "/book/screening", {**ALL_NO, yes: "yes"}, htmx)
        assert redirects_to(response, "/book/screening"), yes
        html = html_of(get(client, "/book/screening", htmx))
        assert "We can’t see you in person right now" in html, yes
        assert 'action="/book/screening/video"' in html and "Book a video visit instead" in html
        assert "Come in on a later date" in html and 'action="/book/restart"' in html
        assert FAIRFAX_PHONE in html
        assert redirects_to(client.get("/book/details"), "/book/screening")  # no in-person booking


def test_switching_to_video_after_a_yes_books_a_flagged_video_consultation(app, client, clinic, frozen_now):
    walk(client, "time")
    assert redirects_to(post(client, "/book/screening", {**ALL_NO, "cough": "yes"}), "/book/screening")

    assert redirects_to(post(client, "/book/screening/video"), "/book/time")
    html = html_of(client.get("/book/time"))
    assert "Video consultation at the Fairfax, VA office" in html
    assert "Your visit is now a video consultation. Please choose a time." in html
    slots = offered_slots(html)
    assert slots[0][1] == "10:00 AM with Dr. Amira Haddad, MD"

    assert redirects_to(post(client, "/book/time", {"slot": slots[0][0]}), "/book/details")
    screening = html_of(client.get("/book/screening"))
    assert "you do not need to answer the health questions" in screening
    assert 'name="fever"' not in screening
    assert redirects_to(post(client, "/book/screening"), "/book/details")
    assert redirects_to(post(client, "/book/details", DETAILS), "/book/review")
    assert "Not needed for a video visit" in html_of(client.get("/book/review"))
    assert redirects_to(post(client, "/book/review"), "/book/confirmed")

    appointment = the_appointment(app)
    assert appointment["visit_type"] == "video-consultation"
    assert appointment["screening_outcome"] == "flagged"
    assert appointment["ends_at"] - appointment["starts_at"] == timedelta(minutes=30)
    office_email = next(row for row in outbox(app) if row[0] == "booking.office")
    assert office_email[2].startswith("Call first - New booking:")  # what to do, not why
    assert "screening" not in office_email[2].lower()
    patient_email = next(row for row in outbox(app) if row[0] == "booking.patient")
    assert "Call first" not in patient_email[2]


def test_changing_a_mistaken_yes_shows_the_questions_again(client, clinic, frozen_now):
    walk(client, "time")
    post(client, "/book/screening", {**ALL_NO, "fever": "yes"})
    html = html_of(client.get("/book/screening?change=1"))
    assert "Health screening before your visit" in html and 'name="fever"' in html
    assert redirects_to(post(client, "/book/screening", ALL_NO), "/book/details")


# --- step 4: details ---------------------------------------------------------------------------


DETAIL_ERRORS = [
    ({"first_name": ""}, "Please enter your first name."),
    ({"first_name": "Marisol\r\nBcc: victim@example.org"}, "line breaks and special characters are not allowed"),
    ({"last_name": "<b>Okonkwo</b>"}, "Please remove the &lt; and &gt; characters from your name."),
    ({"email": "marisol@"}, "Please enter an email address like name@example.com."),
    ({"phone": "12345"}, "Please enter a US phone number with area code"),
    ({"phone": "+44 20 7946 0958"}, "Please enter a US phone number with area code"),
    ({"date_of_birth": "2999-01-01"}, "Please check the date of birth: it must be in the past."),
    ({"date_of_birth": "1862-01-01"}, "Please check the year of birth."),
    ({"date_of_birth": "17/05/1962"}, "Not a valid date value"),
]  # (agreeing to be contacted is step 5's statement; new or returning: tests/booking/test_quick_time_step.py)


@PAGE_OR_HTMX
def test_details_errors_are_explained_and_what_was_typed_is_kept(client, clinic, frozen_now, htmx):
    walk(client, "screening")
    kept = {**DETAILS, "phone": "(703) 555-0123"}  # a valid number is already tidied
    for overrides, message in cases(DETAIL_ERRORS, htmx):
        response = post(client, "/book/details", {**DETAILS, **overrides}, htmx)
        html = html_of(response)
        assert response.status_code == 422, overrides
        assert message in html, overrides
        assert 'aria-invalid="true"' in html and "Step 4 of 5" in html
        assert ("<html" in html) is not htmx
        if htmx:
            assert response.headers["HX-Push-Url"] == "false"
        for name in ("first_name", "last_name", "email", "phone", "insurance"):
            if name not in overrides:
                assert f'value="{kept[name]}"' in html, (overrides, name)
        for name in ("email", "phone", "date_of_birth"):
            if name in overrides:
                assert f'value="{overrides[name]}"' in html, overrides  # the wrong value stays for correcting
        assert f"{DETAILS['notes']}</textarea>" in html
        assert redirects_to(client.get("/book/review"), "/book/details")


def test_a_trailing_line_break_in_a_name_is_only_whitespace(client, clinic, frozen_now):
    walk(client, "screening")
    assert redirects_to(post(client, "/book/details", {**DETAILS, "last_name": "Okonkwo\r\n"}), "/book/review")
    assert "<dd>Marisol Okonkwo</dd>" in html_of(client.get("/book/review"))


@PAGE_OR_HTMX
@pytest.mark.parametrize("insurance", ["Blue Cross\nBlue Shield", "Blue Cross\r\nID 123", "Aetna\u2028PPO"])
def test_a_line_break_in_the_one_line_insurance_field_is_explained_on_the_same_step(
    app, client, clinic, frozen_now, htmx, insurance
):
    walk(client, "screening")
    response = post(client, "/book/details", {**DETAILS, "insurance": insurance}, htmx)
    html = html_of(response)
    assert response.status_code == 422
    assert "Please keep this on one line." in html and "Step 4 of 5" in html
    assert 'aria-invalid="true"' in html
    assert redirects_to(client.get("/book/review"), "/book/details")  # nothing was saved
    one_line = {**DETAILS, "insurance": "Blue Cross Blue Shield"}
    assert redirects_to(post(client, "/book/details", one_line), "/book/review")


def test_names_in_other_scripts_are_accepted(app, client, clinic, frozen_now):
    walk(client, "screening")
    for first, last in [("José-María", "O'Neil"), ("Zoë", "Ångström"), ("小龍", "李")]:
        response = post(client, "/book/details", {**DETAILS, "first_name": first, "last_name": last})
        assert redirects_to(response, "/book/review"), first
        assert f"<dd>{first} {last}</dd>".replace("'", "&#39;") in html_of(client.get("/book/review"))
    assert redirects_to(post(client, "/book/review"), "/book/confirmed")
    with app.app_context():
        appointment = db.session.scalars(select(Appointment)).one()
        assert (appointment.first_name, appointment.last_name) == ("小龍", "李")


def test_details_are_normalised_and_shown_again_when_editing(client, clinic, frozen_now):
    walk(client, "details", details={"phone": "7035550123", "email": "  marisol.okonkwo@example.org "})
    html = html_of(client.get("/book/details"))
    assert 'value="(703) 555-0123"' in html and 'value="marisol.okonkwo@example.org"' in html
    assert 'value="1962-05-17"' in html


# --- step 5: review and confirm ----------------------------------------------------------------


def test_review_lists_every_choice_in_office_time_with_edit_links(client, clinic, frozen_now):
    walk(client, "details")
    for htmx in (False, True):  # the page, then the fragment htmx swaps in
        html = html_of(get(client, "/book/review", htmx))
        assert "Step 5 of 5" in html and ("<html" in html) is not htmx
        assert "<dd>Fairfax, VA — 4001 Fair Ridge Dr, Suite 202, Fairfax, VA 22033</dd>" in html
        assert "<dd>New-patient consultation (45 minutes)</dd>" in html
        assert "<dd>Leg weakness</dd>" in html
        assert "<dd>Monday, December 7, 2026</dd>" in html
        assert "<dd>10:00 AM EST</dd>" in html
        assert "<dd>Dr. Amira Haddad, MD</dd>" in html
        assert "<dd>Marisol Okonkwo</dd>" in html
        assert "<dd>(703) 555-0123</dd>" in html and "<dd>marisol.okonkwo@example.org</dd>" in html
        assert "<dd>May 17, 1962</dd>" in html
        for link, words in (
            ("/book/", "Change the office, visit or reason"),
            ("/book/time", "Change the date and time"),
            ("/book/screening?change=1", "Change your health answers"),
            ("/book/details", "Change your details"),
        ):  # each link says what it changes (not "Edit"), as read out of context too
            assert f'<a class="edit-link" href="{link}">{words}</a>' in html
        assert "Confirm appointment" in html


@PAGE_OR_HTMX
def test_confirming_books_one_appointment_in_utc_and_queues_two_emails(app, client, clinic, frozen_now, htmx):
    walk(client, "details")
    assert redirects_to(post(client, "/book/review", htmx=htmx), "/book/confirmed")

    appointment = the_appointment(app)
    assert re.fullmatch(f"[{REFERENCE_ALPHABET}]{{8}}", appointment["reference"])
    assert appointment["status"] == "booked"
    assert appointment["office"] == "fairfax" and appointment["provider"] == "amira-haddad"
    assert appointment["starts_at"] == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    assert appointment["ends_at"] == datetime(2026, 12, 7, 15, 45, tzinfo=UTC)
    assert appointment["screening_outcome"] == "clear"
    assert (appointment["first_name"], appointment["email"], appointment["phone"]) == (
        "Marisol",
        "marisol.okonkwo@example.org",
        "(703) 555-0123",
    )
    # 45 minutes plus the 15-minute pause hold four quarter-hour blocks.
    assert appointment["blocks"] == [datetime(2026, 12, 7, 15, m, tzinfo=UTC) for m in (0, 15, 30, 45)]
    with app.app_context():  # what the database holds is the UTC wall time, not New York's
        raw = db.session.execute(text("SELECT starts_at FROM appointment")).scalar_one()
    assert str(raw).startswith("2026-12-07 15:00")

    emails = outbox(app)
    assert [(kind, recipients) for kind, recipients, _, _ in emails] == [
        ("booking.office", ["fairfax-frontdesk@example.org"]),
        ("booking.patient", ["marisol.okonkwo@example.org"]),
    ]
    assert emails[0][2].startswith("New booking: Monday, December 7, 2026 10:00 AM EST")
    assert emails[0][3] == []
    (attachment,) = emails[1][3]
    assert attachment["filename"] == f"appointment-{appointment['reference']}.ics"
    method, event = ics_event(attachment)
    assert method == "REQUEST"
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    start = event.decoded("DTSTART")
    assert start.replace(tzinfo=None) == datetime(2026, 12, 7, 10, 0)
    assert start == datetime(2026, 12, 7, 10, 0, tzinfo=NEW_YORK)
    assert str(event["UID"]).startswith(f"appointment-{appointment['reference']}@")


@PAGE_OR_HTMX
def test_confirmation_shows_reference_time_address_what_to_bring_calendar_and_manage_link_once(
    app, client, clinic, frozen_now, htmx
):
    walk(client, "review")
    reference = the_appointment(app)["reference"]
    response = get(client, "/book/confirmed", htmx)  # the page, or the fragment htmx swaps in
    html = html_of(response)
    assert response.status_code == 200 and ("<html" in html) is not htmx
    assert "You’re booked" in html
    assert f'<dd class="reference">{reference}</dd>' in html
    assert "<dd>Monday, December 7, 2026</dd>" in html and "<dd>10:00 AM EST</dd>" in html
    assert "4001 Fair Ridge Dr, Suite 202<br>Fairfax, VA 22033<br>" in html
    assert ">Directions</a>" in html
    assert "What to bring" in html and "A photo ID and your insurance card" in html
    token = MANAGE_LINK.search(html).group(1)
    assert f'<a href="http://localhost/booking/{token}">http://localhost/booking/{token}</a>' in html
    calendar_link = re.search(r'<a class="button button--secondary" href="([^"]+)">Add to calendar', html).group(1)
    assert calendar_link == f"/booking/{token}/calendar.ics"
    # Beside the file, web calendars (phones without a calendar-file reader); no private link in them.
    google = re.search(r'href="(https://calendar\.google\.com/[^"]+)"[^>]*>Add to Google Calendar</a>', html).group(1)
    outlook = re.search(r'href="(https://outlook\.live\.com/[^"]+)"[^>]*>Add to Outlook\.com</a>', html).group(1)
    assert "dates=20261207T150000Z%2F" in google and "startdt=2026-12-07T15%3A00%3A00Z" in outlook.replace("&amp;", "&")
    assert token not in google and token not in outlook

    # Shown once: a reload (or the next person at a shared computer) sees the booking, not the link.
    again = html_of(get(client, "/book/confirmed", htmx))
    assert f'<dd class="reference">{reference}</dd>' in again
    assert token not in again and MANAGE_LINK.search(again) is None
    assert 'href="/booking/find">find your appointment</a>' in again

    ics = client.get(calendar_link)
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    manage = html_of(client.get(f"/booking/{token}"))
    assert f'<dd class="reference">{reference}</dd>' in manage
    # Today's visit is within 24 hours: the patient calls instead of cancelling online.
    assert "Cancel this appointment" not in manage and FAIRFAX_PHONE in manage


# --- replays and races -------------------------------------------------------------------------


def book_first_free_time(client, email, htmx=False):
    """Steps 1-4 with the first time still free, then Confirm; the response to Confirm."""
    assert redirects_to(post(client, "/book/", VISIT), "/book/time")
    slot = offered_slots(html_of(client.get("/book/time")))[0][0]
    assert redirects_to(post(client, "/book/time", {"slot": slot}), "/book/screening")
    assert redirects_to(post(client, "/book/screening", ALL_NO), "/book/details")
    assert redirects_to(post(client, "/book/details", {**DETAILS, "email": email}), "/book/review")
    return post(client, "/book/review", htmx=htmx)


@PAGE_OR_HTMX
def test_only_bookings_made_count_toward_the_hourly_limit_which_says_to_wait_about_an_hour(
    app, client, clinic, frozen_now, htmx
):
    app.config["CONFIRMATIONS_PER_HOUR"] = 2
    for _ in range(25):  # Confirm with nothing to book books nothing, and is not counted
        assert post(client, "/book/review", htmx=htmx).status_code == 303
    for number in range(2):
        assert book_first_free_time(client, f"patient{number}@example.org").status_code == 303
    response = book_first_free_time(client, "patient2@example.org", htmx=htmx)
    html = html_of(response)
    assert response.status_code == 429
    assert "Too many attempts" in html and "Please try again in about an hour." in html
    assert "minute" not in html
    assert 3000 < int(response.headers["Retry-After"]) <= 3600
    assert ("<html" in html) is not htmx
    assert appointment_count(app) == 2


def test_the_hourly_limit_also_counts_per_email_address_whatever_the_client_address(app, clinic, frozen_now, caplog):
    app.config["CONFIRMATIONS_PER_HOUR"] = 2
    for number in range(2):
        elsewhere = app.test_client()
        elsewhere.environ_base["REMOTE_ADDR"] = f"192.0.2.{number + 1}"
        assert book_first_free_time(elsewhere, "same.person@example.org").status_code == 303
    third = app.test_client()
    third.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    assert book_first_free_time(third, "Same.Person@example.org").status_code == 429
    assert "same.person" not in caplog.text.lower()  # the limit's key is a keyed hash, not the address
    fourth = app.test_client()
    fourth.environ_base["REMOTE_ADDR"] = "192.0.2.9"  # the same address, another patient: books
    assert book_first_free_time(fourth, "someone.else@example.org").status_code == 303


@pytest.mark.parametrize("second_htmx", [False, True], ids=["page-replay", "htmx-replay"])
def test_confirming_twice_books_once(app, client, clinic, frozen_now, second_htmx):
    walk(client, "details")
    assert redirects_to(post(client, "/book/review"), "/book/confirmed")
    reference = the_appointment(app)["reference"]
    assert redirects_to(post(client, "/book/review", htmx=second_htmx), "/book/confirmed")
    assert appointment_count(app) == 1
    assert len(outbox(app)) == 2
    assert f'<dd class="reference">{reference}</dd>' in html_of(client.get("/book/confirmed"))


def test_after_booking_the_steps_start_a_new_booking(app, client, clinic, frozen_now):
    walk(client, "review")
    for url in ("/book/time", "/book/screening", "/book/details"):
        assert redirects_to(client.get(url), "/book/")
    assert redirects_to(client.get("/book/review"), "/book/confirmed")
    walk(client, "review", slot=LATER_SLOT)  # a second, separate booking from the same browser
    assert appointment_count(app) == 2


def test_a_time_taken_before_confirming_books_nothing_and_a_new_time_can_be_chosen(app, clinic, frozen_now):
    first, second = app.test_client(), app.test_client()
    slot = walk(first, "details")
    assert walk(second, "review") == slot == FIRST_SLOT  # someone else books the same time first

    assert redirects_to(post(first, "/book/review"), "/book/time")
    assert appointment_count(app) == 1
    assert redirects_to(first.get("/book/review"), "/book/time")
    assert post(first, "/book/time", {"slot": slot}).status_code == 422  # no longer offered

    later = "2026-12-07T15:15Z|3"  # 10:15 with Lauren Whitfield, still free
    # Screening and details are kept, so the patient goes straight back to the review.
    assert redirects_to(post(first, "/book/time", {"slot": later}), "/book/review")
    assert "That time was just taken" not in html_of(first.get("/book/time"))  # "Edit" the time later
    assert "<dd>10:15 AM EST</dd>" in html_of(first.get("/book/review"))
    assert redirects_to(post(first, "/book/review"), "/book/confirmed")
    assert appointment_count(app) == 2


def test_a_time_taken_before_confirming_is_explained_on_the_time_step(app, clinic, frozen_now):
    first, second = app.test_client(), app.test_client()
    walk(first, "details")
    walk(second, "review")
    assert redirects_to(post(first, "/book/review"), "/book/time")
    for htmx in (False, True):  # the page, then the fragment htmx swaps in
        response = get(first, "/book/time", htmx)
        html = html_of(response)
        assert response.status_code == 200
        assert ("<html" in html) is not htmx
        assert "That time was just taken — here are the times still open" in html
        assert FIRST_SLOT not in dict(offered_slots(html))  # Dr. Haddad's 10:00 is gone
        assert "2026-12-07T15:00Z|3" in dict(offered_slots(html))  # 10:00 with Lauren Whitfield is open


def drafts(app):
    """Every draft as stored: (updated_at, data)."""
    from clinic_app.models import BookingDraft

    with app.app_context():
        return [(d.updated_at, d.data) for d in db.session.scalars(select(BookingDraft).order_by(BookingDraft.id))]


def test_a_time_someone_else_took_is_explained_without_any_get_changing_the_draft(app, clinic, frozen_now):
    first, second = app.test_client(), app.test_client()
    walk(first, "details")
    walk(second, "review")  # takes the same 10:00
    before = drafts(app)
    for url in ("/book/review", "/book/details", "/book/screening", "/book/time"):  # all GETs
        response = get(first, url)
        assert response.status_code in (200, 303), url
    assert "That time was just taken" in html_of(get(first, "/book/time"))
    assert drafts(app) == before  # reading never writes


@PAGE_OR_HTMX
def test_an_invalid_first_step_stores_no_draft(app, client, clinic, frozen_now, htmx):
    response = post(client, "/book/", {**VISIT, "visit_type": ""}, htmx)
    assert response.status_code == 422
    assert drafts(app) == []
    assert redirects_to(post(client, "/book/", VISIT, htmx), "/book/time")
    assert len(drafts(app)) == 1


# --- expiry ------------------------------------------------------------------------------------


EXPIRED = "For your privacy, we cleared the answers you left for 30 minutes. Please start again below."


def test_a_draft_is_expired_31_minutes_after_step_one(client, clinic, frozen_now, monkeypatch):
    walk(client, "visit")
    set_clock(monkeypatch, NOW + timedelta(minutes=31))
    assert redirects_to(client.get("/book/time"), "/book/")
    assert EXPIRED in html_of(client.get("/book/"))
    assert EXPIRED not in html_of(client.get("/book/"))  # said once


@PAGE_OR_HTMX
def test_an_unfinished_booking_expires_30_minutes_after_its_last_step(client, clinic, frozen_now, monkeypatch, htmx):
    walk(client, "visit")
    set_clock(monkeypatch, NOW + timedelta(minutes=29))
    assert get(client, "/book/time", htmx).status_code == 200  # looking does not keep it alive …
    assert redirects_to(post(client, "/book/time", {"slot": LATER_SLOT}, htmx), "/book/screening")  # … a step does
    set_clock(monkeypatch, NOW + timedelta(minutes=58))
    assert get(client, "/book/screening", htmx).status_code == 200
    set_clock(monkeypatch, NOW + timedelta(minutes=59))
    assert redirects_to(get(client, "/book/screening", htmx), "/book/")
    html = html_of(get(client, "/book/", htmx))
    assert EXPIRED in html and ("<html" in html) is not htmx


# --- the manage link ---------------------------------------------------------------------------


def test_manage_link_shows_the_appointment_with_change_and_cancel(app, client, clinic, frozen_now):
    token, _ = book(client, slot=LATER_SLOT)
    for htmx in (False, True):  # the page, then the fragment htmx swaps in
        response = get(client, f"/booking/{token}", htmx)
        html = html_of(response)
        assert response.status_code == 200 and ("<html" in html) is not htmx
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert f'<dd class="reference">{the_appointment(app)["reference"]}</dd>' in html
        assert "<dd>Wednesday, December 9, 2026</dd>" in html and "<dd>8:00 AM EST</dd>" in html
        assert "<dd>Dr. Amira Haddad, MD</dd>" in html
        assert f'href="/booking/{token}/reschedule"' in html
        # Cancelling is a step of its own (tests/booking/test_cancel_confirmation.py), with
        # rescheduling offered beside it.
        assert f'<a class="button button--secondary" href="/booking/{token}/cancel"' in html
        assert "Cancel this appointment" in html and "Reschedule instead" in html
        assert f'action="/booking/{token}/cancel"' not in html


def test_a_wrong_manage_token_is_404(app, client, clinic, frozen_now):
    token, _ = book(client, slot=LATER_SLOT)
    for wrong in ("Zx8Yq2vR7nL0pT4mW6sK1bJ3hD5fG9aC", token[:-1], token.upper(), "x" * 200):
        for path in ("", "/calendar.ics", "/reschedule"):
            assert client.get(f"/booking/{wrong}{path}").status_code == 404, path
        assert post(client, f"/booking/{wrong}/cancel").status_code == 404
    assert the_appointment(app)["status"] == "booked"
    assert client.get(f"/booking/{token}").status_code == 200


def test_calendar_file_from_the_manage_link(app, client, clinic, frozen_now):
    token, _ = book(client, slot=LATER_SLOT)
    response = client.get(f"/booking/{token}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    reference = the_appointment(app)["reference"]
    assert response.headers["Content-Disposition"] == f'attachment; filename="appointment-{reference}.ics"'
    assert response.headers["Cache-Control"] == "no-store"
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["METHOD"]) == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2026, 12, 9, 8, 0, tzinfo=NEW_YORK)
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    # Calendar services sync and share events: the file links to "Find my appointment" and holds
    # no private link anywhere.
    assert str(event["URL"]) == "http://localhost/booking/find"
    assert "http://localhost/booking/find" in str(event["DESCRIPTION"])
    assert token not in response.get_data(as_text=True)


def cancel(client, token, data=None, htmx=False, with_token=True):
    """Cancel as the patient does: the manage page's "Cancel this appointment" opens the
    confirmation step, whose "Yes, cancel my appointment" sends the form."""
    page = html_of(get(client, f"/booking/{token}/cancel", htmx))
    assert "Yes, cancel my appointment" in page and f'action="/booking/{token}/cancel"' in page
    return post(client, f"/booking/{token}/cancel", data, htmx, with_token)


def test_cancel_without_csrf_token_or_with_markup_is_refused_and_changes_nothing(app, client, clinic, frozen_now):
    token, _ = book(client, slot=LATER_SLOT)
    response = cancel(client, token, {"reason": "Feeling better"}, with_token=False)
    assert response.status_code == 400
    assert "This form has expired" in html_of(response)
    response = cancel(client, token, {"reason": "<script>alert(1)</script>"})
    assert response.status_code == 422 and "Please remove the HTML tags" in html_of(response)
    appointment = the_appointment(app)
    assert appointment["status"] == "booked" and len(appointment["blocks"]) == 4
    assert len(outbox(app)) == 2


@PAGE_OR_HTMX
def test_cancel_frees_the_time_and_queues_emails(app, client, clinic, frozen_now, htmx):
    token, slot = book(client, slot=LATER_SLOT)
    assert slot == LATER_SLOT
    other = app.test_client()
    walk(other, "visit")
    assert LATER_SLOT not in dict(offered_slots(html_of(other.get(f"/book/time?day={LATER_DAY}"))))

    response = cancel(client, token, {"reason": "Feeling better"}, htmx)
    assert redirects_to(response, f"/booking/{token}")
    appointment = the_appointment(app)
    assert appointment["status"] == "cancelled"
    assert appointment["cancellation_reason"] == "Feeling better"
    assert appointment["blocks"] == [] and appointment["sequence"] == 1
    html = html_of(get(client, f"/booking/{token}", htmx))
    assert "This appointment is cancelled." in html
    assert "Your appointment is cancelled. We have emailed you a confirmation." in html
    assert "Cancel this appointment" not in html

    # The same time with the same clinician is offered again to a new booking.
    assert LATER_SLOT in dict(offered_slots(html_of(other.get(f"/book/time?day={LATER_DAY}"))))

    emails = outbox(app)[2:]
    assert [(kind, recipients) for kind, recipients, _, _ in emails] == [
        ("cancellation.office", ["fairfax-frontdesk@example.org"]),
        ("cancellation.patient", ["marisol.okonkwo@example.org"]),
    ]
    (attachment,) = emails[1][3]
    method, event = ics_event(attachment)
    assert method == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1

    # Cancelling again (a double click, the back button) changes and sends nothing more.
    assert redirects_to(post(client, f"/booking/{token}/cancel", htmx=htmx), f"/booking/{token}")
    assert the_appointment(app)["sequence"] == 1 and len(outbox(app)) == 4


def test_manage_link_is_404_once_the_visit_has_ended(app, client, clinic, frozen_now, monkeypatch):
    token, _ = book(client, slot=LATER_SLOT)
    ends_at = the_appointment(app)["ends_at"]
    set_clock(monkeypatch, ends_at - timedelta(minutes=1))
    assert client.get(f"/booking/{token}").status_code == 200
    set_clock(monkeypatch, ends_at)
    assert client.get(f"/booking/{token}").status_code == 404
    assert client.get(f"/booking/{token}/calendar.ics").status_code == 404


def test_within_24_hours_the_manage_page_gives_the_phone_and_refuses_cancel_and_reschedule(
    app, client, clinic, frozen_now, monkeypatch
):
    token, _ = book(client, slot=LATER_SLOT)
    starts_at = the_appointment(app)["starts_at"]
    set_clock(monkeypatch, starts_at - timedelta(hours=23))
    html = html_of(client.get(f"/booking/{token}"))
    assert "Online changes close 24 hours before your visit" in html
    assert FAIRFAX_PHONE in html
    assert "Cancel this appointment" not in html and f'href="/booking/{token}/reschedule"' not in html

    assert redirects_to(client.get(f"/booking/{token}/cancel"), f"/booking/{token}")  # no confirmation step
    response = post(client, f"/booking/{token}/cancel")  # a confirmation page opened before the cut-off
    assert redirects_to(response, f"/booking/{token}")
    assert the_appointment(app)["status"] == "booked"
    assert len(outbox(app)) == 2
    assert f"Please call the Fairfax, VA office at {FAIRFAX_PHONE}" in html_of(client.get(f"/booking/{token}"))
    assert redirects_to(client.get(f"/booking/{token}/reschedule"), f"/booking/{token}")
    response = post(client, f"/booking/{token}/reschedule", {"slot": "2026-12-10T15:00Z|3", **ALL_NO})
    assert redirects_to(response, f"/booking/{token}")
    assert the_appointment(app)["starts_at"] == starts_at


# --- reschedule --------------------------------------------------------------------------------


THURSDAY_SLOT_LAUREN = "2026-12-10T13:00Z|3"  # Thursday 08:00 EST, Lauren Whitfield (Dr. Haddad is at Potomac)


def test_reschedule_page_shows_days_times_and_screening(client, clinic, frozen_now):
    token, _ = book(client, slot=LATER_SLOT)
    for htmx in (False, True):  # the page, then the fragment htmx swaps in
        response = get(client, f"/booking/{token}/reschedule?day=2026-12-10", htmx)
        html = html_of(response)
        assert response.status_code == 200 and ("<html" in html) is not htmx
        assert response.headers["Cache-Control"] == "no-store"
        assert "Choose a new date and time" in html and "Days with open times" in html
        assert "Now: Wednesday, December 9, 2026 at 8:00 AM EST" in html
        assert (THURSDAY_SLOT_LAUREN, "8:00 AM with Lauren Whitfield, PA-C") in offered_slots(html)
        assert "Do you have a fever or chills?" in html and 'name="acknowledged"' in html
        assert "Move my appointment" in html


@PAGE_OR_HTMX
def test_reschedule_moves_the_visit_frees_the_old_time_and_queues_emails(app, client, clinic, frozen_now, htmx):
    token, old_slot = book(client, slot=LATER_SLOT)
    before = the_appointment(app)
    response = post(client, f"/booking/{token}/reschedule", {"slot": THURSDAY_SLOT_LAUREN, **ALL_NO}, htmx)
    assert redirects_to(response, f"/booking/{token}")

    after = the_appointment(app)
    new_start = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)
    assert after["starts_at"] == new_start != before["starts_at"]
    assert after["ends_at"] == new_start + timedelta(minutes=45)
    assert after["provider"] == "lauren-whitfield"
    assert after["sequence"] == before["sequence"] + 1
    assert after["reference"] == before["reference"] and after["status"] == "booked"
    assert after["screening_outcome"] == "clear"
    assert after["blocks"] == [new_start + timedelta(minutes=15 * i) for i in range(4)]
    with app.app_context():
        rows = db.session.execute(select(ProviderTimeBlock.provider_id, ProviderTimeBlock.starts_at)).all()
    assert sorted(rows) == [(3, new_start + timedelta(minutes=15 * i)) for i in range(4)]

    html = html_of(get(client, f"/booking/{token}", htmx))
    assert "Your appointment has moved." in html and "<dd>Thursday, December 10, 2026</dd>" in html

    other = app.test_client()
    walk(other, "visit")
    assert old_slot in dict(offered_slots(html_of(other.get(f"/book/time?day={LATER_DAY}"))))

    emails = outbox(app)[2:]
    assert [kind for kind, _, _, _ in emails] == ["reschedule.office", "reschedule.patient"]
    assert emails[1][1] == ["marisol.okonkwo@example.org"]
    method, event = ics_event(emails[1][3][0])
    assert method == "REQUEST" and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == datetime(2026, 12, 10, 8, 0, tzinfo=NEW_YORK)


def test_reschedule_with_a_yes_answer_does_not_move_and_asks_to_call(app, client, clinic, frozen_now):
    token, _ = book(client, slot=LATER_SLOT)
    before = the_appointment(app)
    response = post(client, f"/booking/{token}/reschedule", {"slot": THURSDAY_SLOT_LAUREN, **ALL_NO, "fever": "yes"})
    assert redirects_to(response, f"/booking/{token}")
    after = the_appointment(app)
    assert (after["starts_at"], after["sequence"], after["blocks"]) == (
        before["starts_at"],
        before["sequence"],
        before["blocks"],
    )
    assert len(outbox(app)) == 2
    html = html_of(client.get(f"/booking/{token}"))
    assert "we cannot move your visit online" in html
    assert f"Please call the Fairfax, VA office at {FAIRFAX_PHONE}" in html


def test_reschedule_is_refused_for_a_time_not_offered_missing_answers_or_no_csrf_token(app, client, clinic, frozen_now):
    token, _ = book(client, slot=LATER_SLOT)
    book(app.test_client(), slot=THURSDAY_SLOT_LAUREN)  # someone else takes Thursday 08:00
    refused = {
        THURSDAY_SLOT_LAUREN: "taken by someone else",
        "2026-12-10T08:00Z|3": "03:00 local time",
        "2026-12-04T15:00Z|1": "a past time",
        "2026-12-10T13:15Z|4": "a clinician who works at the other office",
        "tomorrow at ten": "garbage",
    }
    for slot, what in refused.items():
        response = post(client, f"/booking/{token}/reschedule", {"slot": slot, **ALL_NO})
        assert response.status_code == 422, what
        assert "That time is not available. Please choose one of the times shown." in html_of(response), what
    move = {"slot": "2026-12-10T15:00Z|3", **ALL_NO}  # Thursday 10:00 with Lauren Whitfield: free
    for missing, message in [
        ("cough", "Please answer yes or no."),
        ("acknowledged", "Please confirm that you have read the safety policy."),
    ]:
        response = post(client, f"/booking/{token}/reschedule", {**move, missing: None})
        html = html_of(response)
        assert response.status_code == 422 and message in html, missing
        assert "That time is not available" not in html  # only the screening is wrong
    assert post(client, f"/booking/{token}/reschedule", move, with_token=False).status_code == 400
    with app.app_context():
        mine = db.session.scalars(select(Appointment).order_by(Appointment.id)).first()
        assert (mine.starts_at, mine.sequence) == (datetime(2026, 12, 9, 13, 0, tzinfo=UTC), 0)


# --- privacy -----------------------------------------------------------------------------------


def test_the_request_log_holds_no_personal_details_or_manage_token(client, clinic, frozen_now, caplog):
    caplog.set_level(logging.INFO, logger="clinic_app.requests")
    walk(client, "screening", slot=LATER_SLOT)
    client.get(f"/book/time?day={LATER_DAY}")
    assert post(client, "/book/details", {**DETAILS, "email": "marisol@"}).status_code == 422
    assert redirects_to(post(client, "/book/details", DETAILS), "/book/review")
    assert redirects_to(post(client, "/book/review"), "/book/confirmed")
    token = MANAGE_LINK.search(html_of(client.get("/book/confirmed"))).group(1)
    client.get(f"/booking/{token}")
    client.get(f"/booking/{token}/calendar.ics")
    client.get(f"/booking/{token}/reschedule?day=2026-12-10")
    cancel(client, token, {"reason": "Feeling better"})

    lines = [r.getMessage() for r in caplog.records if r.name == "clinic_app.requests"]
    for expected in (
        "POST /book/details 422",
        "POST /book/details 303",
        "GET /book/time 200",
        "GET /booking/<token> 200",
        "GET /booking/<token>/calendar.ics 200",
        "GET /booking/<token>/reschedule 200",
        "GET /booking/<token>/cancel 200",
        "POST /booking/<token>/cancel 303",
    ):
        assert any(line.startswith(expected + " ") for line in lines), expected
    everything = caplog.text
    for secret in (
        DETAILS["first_name"],
        DETAILS["last_name"],
        DETAILS["email"],
        "marisol",
        DETAILS["phone"],
        "555-0123",
        "5550123",
        token,
        "Feeling better",
        "1962",
        "day=",
    ):
        assert secret not in everything, secret


# --- start over -----------------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["/book/", "/book/time", "/book/screening", "/book/details", "/book/review"])
def test_every_step_offers_to_start_over_and_clear_the_details(client, clinic, frozen_now, step):
    walk(client, "details")
    html = html_of(client.get(step))
    assert '<form method="post" action="/book/start-over" class="inline-form">' in html
    assert "Start over and clear my details" in html


def test_starting_over_deletes_what_was_typed_and_the_next_person_sees_an_empty_form(app, client, clinic, frozen_now):
    walk(client, "details")  # on the review step, not yet confirmed
    assert len(drafts(app)) == 1
    response = post(client, "/book/start-over")
    assert redirects_to(response, "/book/")
    assert drafts(app) == []  # gone from the database, not only from this browser
    html = html_of(client.get("/book/"))
    assert "Your details are cleared." in html
    assert redirects_to(client.get("/book/details"), "/book/")  # nothing left to go back to
    assert "Rosa" not in html_of(client.get("/book/"))


def test_starting_over_needs_the_form_token(app, client, clinic, frozen_now):
    walk(client, "details")
    assert post(client, "/book/start-over", with_token=False).status_code == 400
    assert len(drafts(app)) == 1
