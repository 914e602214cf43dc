"""Issue 17's quicker booking on the server, on SQLite and PostgreSQL: step 2's soonest times
(one tap each), its strip of days (real links; for htmx the days and times only, the address
replaced), its friendly errors; step 1 offering only the chosen office's clinicians (with and
without JavaScript); step 4 asking "new or returning" only when the kind of visit does not say;
step 5's statement of agreement to be contacted, recorded as before; the new words in Spanish.

The clock is Monday 2026-12-07 08:00 in New York (see ``test_routes``): the first new-patient
time at Fairfax is 10:00 AM with Dr. Amira Haddad.
"""

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.models import Appointment, BookingDraft
from tests.booking.test_routes import (
    ALL_NO,
    DETAILS,
    FIRST_SLOT,
    HTMX,
    NOW,
    UTC,
    VISIT,
    csrf,
    html_of,
    offered_days,
    offered_slots,
    post,
    provider_id,
    redirects_to,
    soonest_slots,
    walk,
)
from tests.conftest import set_clock


@pytest.fixture
def app(each_database_app):
    return each_database_app


@pytest.fixture(autouse=True)
def monday_8am(monkeypatch):
    set_clock(monkeypatch, NOW)


NEW_PATIENT_DETAILS = {key: value for key, value in DETAILS.items() if key not in ("patient_status", "consent")}
# The offered clinicians at step 1: the value of each clinician radio.
CLINICIAN_RADIO = re.compile(r'<input[^>]*id="provider-\d+" name="provider"[^>]*value="([^"]+)"')
CHECKED_CLINICIAN = re.compile(r'<input checked id="provider-\d+" name="provider"[^>]*value="([^"]+)"')


def offered_clinicians(html) -> set:
    return set(CLINICIAN_RADIO.findall(html))


def ids(app, *slugs) -> dict:
    return {slug: str(provider_id(app, slug)) for slug in slugs}


def the_appointment(app) -> Appointment:
    with app.app_context():
        appointment = db.session.scalars(select(Appointment)).one()
        db.session.expunge(appointment)
        return appointment


# --- step 2: the soonest times ------------------------------------------------------------------


def test_the_three_soonest_times_come_first_as_one_tap_buttons_of_a_post_form(client, clinic):
    walk(client, "visit")
    html = html_of(client.get("/book/time"))
    soonest = soonest_slots(html)
    assert soonest == [
        (FIRST_SLOT, "Monday, December 7 at 10:00 AM with Dr. Amira Haddad, MD"),
        ("2026-12-07T15:15Z|1", "Monday, December 7 at 10:15 AM with Dr. Amira Haddad, MD"),
        ("2026-12-07T15:30Z|1", "Monday, December 7 at 10:30 AM with Dr. Amira Haddad, MD"),
    ]
    section = html.split('<section class="soonest"')[1].split("</section>")[0]
    assert '<form method="post" action="/book/time"' in section and 'name="csrf_token"' in section
    assert section.count('<button type="submit"') == 3  # each time is the form's button: one tap
    assert html.index("Soonest times") < html.index("Or choose a day")
    assert "Show times for this day" not in html  # the days are links: no button to press


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_one_tap_on_a_soonest_time_saves_it_and_goes_to_step_3(app, client, clinic, htmx):
    walk(client, "visit")
    second = soonest_slots(html_of(client.get("/book/time")))[1][0]
    assert redirects_to(post(client, "/book/time", {"slot": second}, htmx), "/book/screening")
    with app.app_context():
        draft = db.session.scalars(select(BookingDraft)).one()
        assert draft.data["time"] == {"starts_at": "2026-12-07T15:15:00+00:00", "provider_id": 1}
    html = html_of(client.get("/book/time"))  # back at step 2: the time chosen is marked
    assert '<button type="submit" class="time-button time-button--soonest is-chosen" name="slot"' in html
    assert "(your choice)" in html


def test_the_soonest_times_run_on_into_the_next_day_across_clinicians(client, clinic, monkeypatch):
    set_clock(monkeypatch, datetime(2026, 12, 7, 19, 0, tzinfo=UTC))  # 2 PM: with the notice, from 4 PM
    walk(client, "visit")
    soonest = soonest_slots(html_of(client.get("/book/time")))
    assert [label for _, label in soonest] == [
        "Monday, December 7 at 4:00 PM with Dr. Amira Haddad, MD",
        "Monday, December 7 at 4:15 PM with Dr. Amira Haddad, MD",
        "Tuesday, December 8 at 8:00 AM with Dr. Daniel Okafor, MD",
    ]


def test_a_chosen_clinicians_soonest_times_are_theirs_without_their_name(app, client, clinic):
    lauren = ids(app, "lauren-whitfield")["lauren-whitfield"]
    walk(client, "visit", visit={"provider": lauren})
    soonest = soonest_slots(html_of(client.get("/book/time")))
    assert len(soonest) == 3 and all(value.endswith(f"|{lauren}") for value, _ in soonest)
    assert soonest[0][1] == "Monday, December 7 at 10:00 AM"


def test_later_dates_show_no_soonest_times(client, clinic):
    walk(client, "visit")
    html = html_of(client.get("/book/time?after=2026-12-24"))
    assert "Soonest times" not in html and "Choose a day" in html
    assert offered_days(html)[0][0] >= "2026-12-24"


def test_a_soonest_time_taken_meanwhile_is_explained_on_the_same_step(app, client, clinic):
    walk(client, "visit")
    assert soonest_slots(html_of(client.get("/book/time")))[0][0] == FIRST_SLOT
    other = app.test_client()
    walk(other, "review")  # someone else books 10:00 first
    for htmx in (False, True):
        response = post(client, "/book/time", {"slot": FIRST_SLOT}, htmx)
        html = html_of(response)
        assert response.status_code == 422
        assert "That time is not available. Please choose one of the times shown." in html
        assert "Step 2 of 5" in html and ("<html" in html) is not htmx
        assert FIRST_SLOT not in html  # the times still open, soonest first: 10:00 with another clinician
        assert soonest_slots(html)[0] == (
            "2026-12-07T15:00Z|3",
            "Monday, December 7 at 10:00 AM with Lauren Whitfield, PA-C",
        )
        if htmx:
            assert response.headers["HX-Push-Url"] == "false"


def test_a_time_taken_after_choosing_it_brings_the_patient_back_with_a_friendly_word(app, client, clinic):
    walk(client, "screening")
    walk(app.test_client(), "review")  # the same 10:00 booked by someone else
    assert redirects_to(client.get("/book/details"), "/book/time")
    response = client.get("/book/time")
    assert response.status_code == 200
    assert "That time was just taken — here are the times still open." in html_of(response)


# --- step 2: the strip of days -----------------------------------------------------------------


def test_each_day_is_a_real_link_to_the_step_for_that_day(client, clinic):
    walk(client, "visit")
    html = html_of(client.get("/book/time"))
    days = offered_days(html)
    assert days[0] == ("2026-12-07", "Mon Dec 7", True) and len(days) == 14
    assert 'href="/book/time?day=2026-12-08"' in html and 'hx-get="/book/time/slots?day=2026-12-08"' in html
    page = html_of(client.get("/book/time?day=2026-12-08"))  # without JavaScript: the link's page
    assert ("2026-12-08", "Tue Dec 8", True) in offered_days(page)
    assert "open times on Tuesday, December 8" in page
    assert offered_slots(page)[0][0] == "2026-12-08T13:00Z|2"


def test_choosing_a_day_with_htmx_replaces_the_address_and_announces_the_times(client, clinic):
    walk(client, "visit")
    for day in ("2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11", "2026-12-14"):
        response = client.get(f"/book/time/slots?day={day}", headers=HTMX)
        assert response.headers["HX-Replace-Url"] == f"/book/time?day={day}"
        assert "HX-Push-Url" not in response.headers  # five days looked at: still one entry in history
        html = html_of(response)
        assert [d for d, _, current in offered_days(html) if current] == [day]
        assert re.search(r'<p id="day-times-status" hx-swap-oob="innerHTML">\d+ open times on ', html)
        assert 'name="csrf_token"' in html and offered_slots(html)
    kept = client.get("/book/time/slots?day=2026-12-14", headers=HTMX)  # served kept: the same headers
    assert kept.headers["HX-Replace-Url"] == "/book/time?day=2026-12-14"


def test_a_day_among_later_dates_keeps_them(client, clinic):
    walk(client, "visit")
    page = html_of(client.get("/book/time?after=2026-12-24"))
    later = offered_days(page)[1][0]
    assert f'href="/book/time?day={later}&amp;after=2026-12-24"' in page
    response = client.get(f"/book/time/slots?day={later}&after=2026-12-24", headers=HTMX)
    assert response.headers["HX-Replace-Url"] == f"/book/time?day={later}&after=2026-12-24"
    assert offered_days(html_of(response))[0][0] == offered_days(page)[0][0]


# --- step 1: the clinicians of the chosen office ---------------------------------------------------


def test_step_one_offers_only_the_clinicians_of_the_office_in_the_link(app, client, clinic):
    people = ids(app, "amira-haddad", "daniel-okafor", "lauren-whitfield", "michael-brenner")
    everyone = offered_clinicians(html_of(client.get("/book/?reason=leg-weakness")))
    assert everyone == {"any", *people.values()}  # no office chosen yet
    fairfax = offered_clinicians(html_of(client.get("/book/?location=fairfax&reason=leg-weakness")))
    assert fairfax == {"any", people["amira-haddad"], people["daniel-okafor"], people["lauren-whitfield"]}
    potomac = offered_clinicians(html_of(client.get("/book/?location=potomac")))
    assert potomac == {"any", people["amira-haddad"], people["daniel-okafor"], people["michael-brenner"]}


def test_changing_the_office_with_htmx_brings_that_offices_clinicians(app, client, clinic):
    people = ids(app, "amira-haddad", "lauren-whitfield", "michael-brenner")
    html = html_of(client.get(f"/book/?office=potomac&provider={people['lauren-whitfield']}", headers=HTMX))
    assert '<fieldset class="field" id="provider"' in html  # what hx-select takes from the step
    assert people["lauren-whitfield"] not in offered_clinicians(html)  # not at Potomac, so not offered
    assert people["michael-brenner"] in offered_clinicians(html)
    assert CHECKED_CLINICIAN.findall(html) == ["any"]  # "First available" in their place
    kept = html_of(client.get(f"/book/?office=potomac&provider={people['amira-haddad']}", headers=HTMX))
    assert CHECKED_CLINICIAN.findall(kept) == [people["amira-haddad"]]  # at both offices: still chosen
    step = html_of(client.get("/book/?reason=leg-weakness"))
    assert 'hx-get="/book/" hx-trigger="change" hx-include="#office, #provider"' in step
    assert 'hx-target="#provider" hx-select="#provider" hx-swap="outerHTML"' in step


def test_without_javascript_a_button_shows_the_offices_clinicians_and_keeps_the_answers(app, client, clinic):
    people = ids(app, "lauren-whitfield", "michael-brenner")
    step = html_of(client.get("/book/?reason=leg-weakness"))
    assert re.search(r"<noscript>.*Show clinicians for this office.*</noscript>", step, re.DOTALL)
    answers = {**VISIT, "office": "potomac", "provider": people["lauren-whitfield"], "show_clinicians": "show"}
    response = post(client, "/book/", answers)
    html = html_of(response)
    assert response.status_code == 200 and "Please check" not in html
    assert offered_clinicians(html) >= {"any", people["michael-brenner"]}
    assert people["lauren-whitfield"] not in offered_clinicians(html)
    assert CHECKED_CLINICIAN.findall(html) == ["any"]
    for name, value in (("office", "potomac"), ("visit_type", "new-patient"), ("reason", "leg-weakness")):
        assert re.search(rf'<input checked id="{name}-\d+" name="{name}"[^>]*value="{value}"', html), name
    assert redirects_to(client.get("/book/time"), "/book/")  # nothing saved


def test_a_clinician_of_another_office_sent_anyway_is_explained_and_not_offered(app, client, clinic):
    brenner = ids(app, "michael-brenner")["michael-brenner"]
    response = post(client, "/book/", {**VISIT, "provider": brenner})
    html = html_of(response)
    assert response.status_code == 422
    assert "Dr. Michael Brenner, DO does not see patients at the Fairfax, VA office." in html
    assert brenner not in offered_clinicians(html)


# --- step 4: new or returning, asked only when the visit does not say -------------------------------


def test_a_new_patient_visit_does_not_ask_again_and_books_a_new_patient(app, client, clinic):
    walk(client, "screening")
    html = html_of(client.get("/book/details"))
    assert "Have you been seen at our clinic before?" not in html and 'name="patient_status"' not in html
    assert 'name="consent"' not in html  # agreeing to be contacted is said at step 5
    assert redirects_to(post(client, "/book/details", NEW_PATIENT_DETAILS), "/book/review")
    review = html_of(client.get("/book/review"))
    assert "<dd>New patient</dd>" in review
    assert redirects_to(post(client, "/book/review"), "/book/confirmed")
    appointment = the_appointment(app)
    assert appointment.is_new_patient is True and appointment.consent_to_contact is True


def test_a_follow_up_visit_books_a_returning_patient_without_asking(app, client, clinic):
    walk(client, "screening", visit={"visit_type": "follow-up"}, slot="2026-12-07T15:00Z|1")
    assert "Have you been seen at our clinic before?" not in html_of(client.get("/book/details"))
    assert redirects_to(post(client, "/book/details", NEW_PATIENT_DETAILS), "/book/review")
    assert "<dd>Returning patient</dd>" in html_of(client.get("/book/review"))
    assert redirects_to(post(client, "/book/review"), "/book/confirmed")
    assert the_appointment(app).is_new_patient is False


def video_visit(client):
    assert redirects_to(post(client, "/book/", {**VISIT, "visit_type": "video-consultation"}), "/book/time")
    slot = offered_slots(html_of(client.get("/book/time")))[0][0]
    assert redirects_to(post(client, "/book/time", {"slot": slot}), "/book/screening")
    assert redirects_to(post(client, "/book/screening", {}), "/book/details")  # no screening by video


@pytest.mark.parametrize("status, is_new", [("new", True), ("returning", False)])
def test_a_visit_for_any_patient_asks_and_records_the_answer(app, client, clinic, status, is_new):
    video_visit(client)
    assert "Have you been seen at our clinic before?" in html_of(client.get("/book/details"))
    response = post(client, "/book/details", NEW_PATIENT_DETAILS)
    assert response.status_code == 422
    assert "Please tell us whether you are a new or returning patient." in html_of(response)
    assert redirects_to(
        post(client, "/book/details", {**NEW_PATIENT_DETAILS, "patient_status": status}), "/book/review"
    )
    assert redirects_to(post(client, "/book/review"), "/book/confirmed")
    assert the_appointment(app).is_new_patient is is_new


def test_switching_to_a_visit_for_any_patient_asks_the_question_before_review(app, client, clinic):
    walk(client, "details", details={"patient_status": None})  # a new-patient visit: not asked
    with app.app_context():
        assert "patient_status" not in db.session.scalars(select(BookingDraft)).one().data["details"]
    assert redirects_to(post(client, "/book/", {**VISIT, "visit_type": "video-consultation"}), "/book/time")
    slot = offered_slots(html_of(client.get("/book/time")))[0][0]
    assert redirects_to(post(client, "/book/time", {"slot": slot}), "/book/screening")
    assert redirects_to(post(client, "/book/screening", {}), "/book/details")  # the one thing not yet known
    assert redirects_to(client.get("/book/review"), "/book/details")
    html = html_of(client.get("/book/details"))
    assert "Have you been seen at our clinic before?" in html and 'value="Marisol"' in html


# --- step 5: the agreement to be contacted ----------------------------------------------------------


def test_review_states_the_agreement_to_be_contacted_above_the_button(client, clinic):
    walk(client, "details", details={"patient_status": None, "consent": None})
    html = html_of(client.get("/book/review"))
    statement = (
        '<p id="contact-consent" class="consent-statement">By confirming, you agree that we contact you about this '
        "appointment by email or phone (and by text only if you asked for texts).</p>"
    )
    assert statement in html
    assert html.index(statement) < html.index('<button type="submit" aria-describedby="contact-consent">')


# --- in Spanish -------------------------------------------------------------------------------------


def test_the_new_controls_read_in_spanish(app, client, clinic):
    step_one = html_of(client.get("/es/book/?reason=leg-weakness"))
    assert "Ver los profesionales de este consultorio" in step_one
    token = csrf(client)
    data = {**VISIT, "csrf_token": token}
    assert client.post("/es/book/", data=data).headers["Location"] == "/es/book/time"
    html = html_of(client.get("/es/book/time"))
    assert "Horas más próximas" in html and "O elija un día" in html
    assert "Al elegir una hora, pasará al paso siguiente." in html
    assert '<span class="day-link__weekday">lun</span> <span class="day-link__date">7 dic</span>' in html
    assert "lunes 7 de diciembre, 10:00 a." in html and "con Dr. Amira Haddad, MD" in html
    slots = html_of(client.get("/es/book/time/slots?day=2026-12-08", headers=HTMX))
    assert "horas disponibles el martes 8 de diciembre" in slots
    assert client.post("/es/book/time", data={"csrf_token": token, "slot": FIRST_SLOT}).status_code == 303
    assert client.post("/es/book/screening", data={"csrf_token": token, **ALL_NO}).status_code == 303
    details = html_of(client.get("/es/book/details"))
    assert "primera visita" not in details  # a new-patient visit: not asked
    assert client.post("/es/book/details", data={"csrf_token": token, **NEW_PATIENT_DETAILS}).status_code == 303
    review = html_of(client.get("/es/book/review"))
    assert "Al confirmar, usted acepta que nos comuniquemos con usted sobre esta cita por correo electrónico" in review
