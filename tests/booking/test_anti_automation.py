"""Anti-automation on booking steps 1 and 4 and the question form: the honeypot, the minimum fill
time (``FORM_MIN_FILL_SECONDS``, read from a signed timestamp in the form, measured by the frozen
clock), and the rate limits on each step's POST. Every refusal is the same page, 422 (429 for a
limit), with a message that says what to do, and nothing is stored."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from clinic_app.extensions import db
from clinic_app.models import BookingDraft, OutboxMessage, PatientQuestion
from tests.booking.test_routes import (
    DETAILS,
    HTMX,
    LATER_SLOT,
    NOW,
    VISIT,
    csrf,
    html_of,
    post,
    redirects_to,
    walk,
)
from tests.conftest import csrf_token_from

TOO_QUICK = "That was quicker than we expected. Please check your answers and press Continue again."
SHOWN_AT = re.compile(r'name="shown_at" type="hidden" value="([^"]+)"')
PAGE_OR_HTMX = pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
QUESTION = {
    "name": "María José O'Neil",
    "email": "maria@example.org",
    "office": "fairfax",
    "message": "My left leg has felt weak for two weeks. Can I be seen soon?",
}


@pytest.fixture
def timed(app, frozen):
    """The timing check on (3 seconds, as in production) and the clock stopped at ``NOW``."""
    app.config["FORM_MIN_FILL_SECONDS"] = 3
    assert frozen["now"] == NOW
    return frozen


def later(clock, seconds):
    clock["now"] = NOW + timedelta(seconds=seconds)


def shown_at(html):
    match = SHOWN_AT.search(html)
    assert match, "the form carries no shown-at timestamp"
    return match.group(1)


def drafts(app):
    with app.app_context():
        return db.session.scalars(select(BookingDraft)).all()


def draft_data(app):
    (draft,) = drafts(app)
    return dict(draft.data or {})


def questions_and_emails(app):
    """(questions stored, office emails queued)."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(PatientQuestion)),
            db.session.scalar(select(func.count()).select_from(OutboxMessage).filter_by(kind="question.office")),
        )


def assert_refused(response, message=TOO_QUICK, htmx=False, booking=True):
    html = html_of(response)
    assert response.status_code == 422
    assert message in html
    assert ("<html" in html) is not htmx
    if htmx and booking:
        assert response.headers["HX-Push-Url"] == "false"
    return html


# --- what the forms carry ----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/book/", "/ask"])
def test_honeypot_is_hidden_unfocusable_and_labelled_leave_empty(client, clinic, url):
    html = html_of(client.get(url))
    block = re.search(r'<div class="visually-hidden" aria-hidden="true">(.*?)</div>', html, re.S)
    assert block, "no hidden honeypot block"
    assert '<label for="website">Leave this field empty</label>' in block.group(1)
    field = re.search(r"<input[^>]*name=\"website\"[^>]*>", block.group(1)).group(0)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field and 'type="text"' in field
    assert 'value=""' in field
    shown_at(html)


def test_details_step_carries_the_honeypot_too(client, clinic, frozen):
    walk(client, "screening")
    html = html_of(client.get("/book/details"))
    assert 'name="website"' in html and shown_at(html)


# --- step 1 ------------------------------------------------------------------------------------


@PAGE_OR_HTMX
def test_step_one_sent_too_quickly_is_refused_then_accepted_after_a_moment(app, client, clinic, timed, htmx):
    stamp = shown_at(html_of(client.get("/book/")))
    later(timed, 1)
    html = assert_refused(post(client, "/book/", {**VISIT, "shown_at": stamp}, htmx=htmx), htmx=htmx)
    assert drafts(app) == []  # no draft for a refused first step
    assert 'value="fairfax"' in html and "checked" in html  # the answers are kept
    assert shown_at(html) == stamp  # when it was first shown, so pressing again soon goes through

    later(timed, 3)
    assert redirects_to(post(client, "/book/", {**VISIT, "shown_at": shown_at(html)}, htmx=htmx), "/book/time")
    assert draft_data(app)["visit"]["office"] == "fairfax"


def test_step_one_without_or_with_an_altered_timestamp_is_refused(app, client, clinic, timed):
    stamp = shown_at(html_of(client.get("/book/")))
    later(timed, 60)
    assert_refused(post(client, "/book/", VISIT))
    assert_refused(post(client, "/book/", {**VISIT, "shown_at": stamp[:-2] + "xx"}))
    ask_stamp = shown_at(html_of(client.get("/ask")))  # signed, but for another form
    later(timed, 120)
    assert_refused(post(client, "/book/", {**VISIT, "shown_at": ask_stamp}))
    assert drafts(app) == []
    # The refusal carries a fresh timestamp: pressing Continue again after a moment works.
    fresh = shown_at(html_of(post(client, "/book/", VISIT)))
    later(timed, 124)
    assert redirects_to(post(client, "/book/", {**VISIT, "shown_at": fresh}), "/book/time")


@PAGE_OR_HTMX
def test_step_one_with_the_honeypot_filled_is_refused_however_slow(app, client, clinic, timed, htmx):
    stamp = shown_at(html_of(client.get("/book/")))
    later(timed, 30)
    response = post(client, "/book/", {**VISIT, "shown_at": stamp, "website": "http://spam.example"}, htmx=htmx)
    html = assert_refused(response, htmx=htmx)
    assert "spam.example" not in html  # emptied, so a person who somehow filled it gets through
    assert drafts(app) == []


def test_honeypot_still_refuses_with_the_timing_off(app, client, clinic, frozen):
    assert app.config["FORM_MIN_FILL_SECONDS"] == 0
    assert_refused(post(client, "/book/", {**VISIT, "website": "x"}))
    assert drafts(app) == []
    assert redirects_to(post(client, "/book/", VISIT), "/book/time")


def test_step_one_errors_and_the_timing_message_show_together(app, client, clinic, timed):
    html = assert_refused(
        post(client, "/book/", {"office": "fairfax", "shown_at": shown_at(html_of(client.get("/book/")))})
    )
    assert "Please choose the type of visit." in html


def test_a_refused_step_one_leaves_an_existing_draft_unchanged(app, client, clinic, timed):
    app.config["FORM_MIN_FILL_SECONDS"] = 0
    walk(client, "time")
    app.config["FORM_MIN_FILL_SECONDS"] = 3
    before = draft_data(app)
    stamp = shown_at(html_of(client.get("/book/")))
    assert_refused(post(client, "/book/", {**VISIT, "office": "potomac", "shown_at": stamp}))
    assert draft_data(app) == before


# --- step 4 ------------------------------------------------------------------------------------


@PAGE_OR_HTMX
def test_details_sent_too_quickly_are_refused_then_accepted_after_a_moment(app, client, clinic, frozen, htmx):
    walk(client, "screening", slot=LATER_SLOT)  # the first time today would be too soon a moment later
    app.config["FORM_MIN_FILL_SECONDS"] = 3
    before = draft_data(app)
    stamp = shown_at(html_of(client.get("/book/details")))
    later(frozen, 2)
    html = assert_refused(post(client, "/book/details", {**DETAILS, "shown_at": stamp}, htmx=htmx), htmx=htmx)
    assert draft_data(app) == before and "details" not in before
    assert 'value="Marisol"' in html  # what was typed is still there
    assert shown_at(html) == stamp

    later(frozen, 3)
    response = post(client, "/book/details", {**DETAILS, "shown_at": stamp}, htmx=htmx)
    assert redirects_to(response, "/book/review")
    assert draft_data(app)["details"]["first_name"] == "Marisol"


def test_details_with_the_honeypot_filled_are_refused(app, client, clinic, frozen):
    walk(client, "screening")
    before = draft_data(app)
    assert_refused(post(client, "/book/details", {**DETAILS, "website": "buy now"}))
    assert draft_data(app) == before


# --- the question form -------------------------------------------------------------------------


def post_question(client, data, htmx=False):
    token = csrf_token_from(html_of(client.get("/ask")))
    return client.post("/ask", data={**data, "csrf_token": token}, headers=HTMX if htmx else {})


@PAGE_OR_HTMX
def test_question_sent_too_quickly_is_refused_then_sent_after_a_moment(app, client, clinic, timed, htmx):
    stamp = shown_at(html_of(client.get("/ask")))
    later(timed, 1)
    message = "That was quicker than we expected. Please check your answers and press Send again."
    html = assert_refused(post_question(client, {**QUESTION, "shown_at": stamp}, htmx), message, htmx, booking=False)
    assert questions_and_emails(app) == (0, 0)  # nothing saved, no email queued
    assert "My left leg has felt weak" in html
    assert shown_at(html) == stamp

    later(timed, 3)
    response = post_question(client, {**QUESTION, "shown_at": stamp}, htmx)
    assert response.status_code == (204 if htmx else 303)
    assert questions_and_emails(app) == (1, 1)


def test_question_with_the_honeypot_filled_is_refused(app, client, clinic, timed):
    stamp = shown_at(html_of(client.get("/ask")))
    later(timed, 30)
    message = "Please check your answers and press Send again."
    assert_refused(post_question(client, {**QUESTION, "shown_at": stamp, "website": "http://x.example"}), message)
    assert questions_and_emails(app) == (0, 0)


# --- rate limits -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/book/", "/book/time", "/book/screening", "/book/details"])
def test_each_step_allows_60_posts_an_hour_per_address_then_says_to_wait(client, clinic, frozen, url):
    csrf(client)
    for _ in range(60):
        assert post(client, url, {"website": ""}).status_code in (303, 422)  # no draft, or missing answers
    response = post(client, url)
    html = html_of(response)
    assert response.status_code == 429
    assert "Too many attempts" in html and "Please try again in about an hour." in html
    other = client.post(url, data={}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code != 429  # another address is not held back
    assert client.get(url).status_code != 429  # only sending is limited
