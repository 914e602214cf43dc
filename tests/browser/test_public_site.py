"""The public site in a real browser: what a patient sees and does, with and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from clinic_app.extensions import db
from clinic_app.models import OutboxMessage, PatientQuestion
from tests.browser.conftest import marker_survived, set_marker, watch_requests_and_errors

pytestmark = pytest.mark.browser

CSRF_TIMEOUT_NOTICE = "For your security this form timed out. Your message is still here: please press “Send” again."
MESSAGE = "My left leg has felt weak for two weeks. Could I have an appointment next week?"
LEG_ARTICLES = {
    "Leg Weakness: Symptoms, Causes, Treatment",
    "Sciatica: Causes, Symptoms and Treatment",
    "Spinal Stenosis in the Low Back and Neck",
}
ALL_ARTICLES = LEG_ARTICLES | {"Herniated Disc in the Low Back and Neck"}


# --- helpers ---------------------------------------------------------------------------------


def is_ask_post(response) -> bool:
    return response.request.method == "POST" and response.url.split("?")[0].endswith("/ask")


def fill_question(page, *, name="Jane Patient", email="jane@example.org", office="Fairfax, VA", message=MESSAGE):
    form = page.locator("#question-form")
    if name is not None:
        form.get_by_label("Your name").fill(name)
    if email is not None:
        form.get_by_label("Email address").fill(email)
    if office is not None:
        form.get_by_label(office).check()
    if message is not None:
        form.get_by_label("Your question or appointment request").fill(message)


def send(page):
    page.locator("#question-form").get_by_role("button", name="Send").click()


def stored_counts(live_server):
    """(questions, office emails) in the live app's database."""
    with live_server.app.app_context():
        questions = db.session.scalar(select(func.count()).select_from(PatientQuestion))
        emails = db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "question.office")
        )
        return questions, emails


def banner(page):
    return page.locator('[aria-label="Office update"]')


def article_titles(page) -> set[str]:
    return set(page.locator("#article-browser .card h3").all_inner_texts())


# --- the question form ------------------------------------------------------------------------


def test_ask_with_htmx_shows_errors_in_place_then_sends(page, live_server):
    page.goto(live_server.url + "/ask")
    set_marker(page)

    with page.expect_response(is_ask_post) as empty:
        send(page)
    assert empty.value.status == 422
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Please tell us your name.")
    assert marker_survived(page), "the empty submission reloaded the whole page"
    # Focus follows the swap (site.js on htmx:after:settle): the first field with an error.
    expect(page.locator("#name")).to_be_focused(timeout=2_000)

    fill_question(page)
    with page.expect_response(is_ask_post) as valid:
        send(page)
    assert valid.value.status == 204
    page.wait_for_url(live_server.url + "/ask/thanks")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you — your message was sent")
    expect(page.locator("main .lead")).to_contain_text("Fairfax, VA")
    assert stored_counts(live_server) == (1, 1)


def test_ask_with_htmx_refuses_a_post_without_csrf_token(page, live_server):
    page.goto(live_server.url + "/ask")
    page.evaluate(
        """() => {
            document.querySelectorAll('#question-form input[name="csrf_token"]').forEach((el) => el.remove());
            document.body.setAttribute("hx-headers:inherited", "{}");
        }"""
    )
    set_marker(page)
    fill_question(page)

    with page.expect_response(is_ask_post) as refused:
        send(page)
    assert refused.value.status == 400
    sent = refused.value.request
    assert sent.header_value("x-csrftoken") is None
    assert "csrf_token" not in (sent.post_data or "")
    expect(page.locator("#question-form")).to_contain_text(CSRF_TIMEOUT_NOTICE)
    expect(page.get_by_label("Your question or appointment request")).to_have_value(MESSAGE)
    assert marker_survived(page)
    assert page.url == live_server.url + "/ask"
    assert stored_counts(live_server) == (0, 0)


def test_ask_without_javascript_posts_the_plain_form(page_nojs, live_server):
    page = page_nojs
    page.goto(live_server.url + "/ask")
    fill_question(page)
    with page.expect_navigation():
        send(page)
    assert page.url == live_server.url + "/ask/thanks"
    expect(page.locator("main .lead")).to_contain_text("Fairfax, VA")
    assert stored_counts(live_server) == (1, 1)

    page.goto(live_server.url + "/ask")
    fill_question(page, email=None, office=None)
    with page.expect_response(is_ask_post) as invalid:
        send(page)
    assert invalid.value.status == 422
    page.wait_for_load_state()
    assert page.url == live_server.url + "/ask"
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Please enter your email address so we can reply.")
    expect(summary).to_contain_text("Please choose an office.")
    expect(page.get_by_label("Your name")).to_have_value("Jane Patient")
    expect(page.get_by_label("Your question or appointment request")).to_have_value(MESSAGE)
    assert stored_counts(live_server) == (1, 1)


# --- the office-update banner -----------------------------------------------------------------


def test_banner_hides_in_place_and_stays_hidden(page, live_server):
    page.goto(live_server.url + "/")
    expect(banner(page)).to_be_visible()
    set_marker(page)

    banner(page).get_by_role("button", name=re.compile("^Hide this notice")).click()
    expect(banner(page)).to_have_count(0)
    assert marker_survived(page), "hiding the notice reloaded the page"

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(banner(page)).to_have_count(0)


def test_banner_hides_without_javascript(page_nojs, live_server):
    page = page_nojs
    page.goto(live_server.url + "/articles/")
    expect(banner(page)).to_be_visible()

    with page.expect_navigation():
        banner(page).get_by_role("button", name=re.compile("^Hide this notice")).click()
    assert page.url == live_server.url + "/articles/"
    expect(banner(page)).to_have_count(0)

    page.goto(live_server.url + "/")
    expect(banner(page)).to_have_count(0)


# --- the article list -------------------------------------------------------------------------


def test_article_tag_filter_updates_the_list_in_place(page, live_server):
    page.goto(live_server.url + "/articles/")
    assert article_titles(page) == ALL_ARTICLES
    set_marker(page)

    page.get_by_role("navigation", name="Filter articles by topic").get_by_role("link", name="Legs", exact=True).click()
    page.wait_for_url(live_server.url + "/articles/?tag=legs")
    heading = page.locator("#article-list-heading")
    expect(heading).to_have_text("3 articles on “legs”")
    expect(heading).to_be_focused()
    assert article_titles(page) == LEG_ARTICLES
    assert marker_survived(page), "choosing a topic reloaded the whole page"

    page.go_back()
    page.wait_for_url(live_server.url + "/articles/")
    expect(page.locator("#article-list-heading")).to_have_text("All 4 articles")
    assert article_titles(page) == ALL_ARTICLES


# --- privacy: nothing from other hosts, no script errors --------------------------------------


def test_pages_load_only_from_this_site_without_errors(page, live_server):
    requests, errors = watch_requests_and_errors(page)

    for path in (
        "/",
        "/articles/leg-weakness-symptoms-causes-treatment",
        "/locations/fairfax",
        "/office-update",
        "/ask",
    ):
        response = page.goto(live_server.url + path, wait_until="load")
        assert response.status == 200, path
        # Let late requests (the browser's own, such as /favicon.ico) finish and report errors.
        page.wait_for_load_state("networkidle")
        # htmx ran (an integrity mismatch would block it and log an error).
        assert page.evaluate("typeof window.htmx") == "object", path

    assert requests, "no requests were seen"
    foreign = [url for url in requests if not url.startswith(live_server.url + "/")]
    assert foreign == []
    assert errors == []
