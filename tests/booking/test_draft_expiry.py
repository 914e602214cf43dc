"""A booking in progress says how long its answers are kept, and "Keep my answers" keeps them
(issue 17; WCAG 2.2.1 Timing Adjustable).

Every step (page and htmx fragment) carries the box of ``booking/draft_expiry.py``: the time left
(in words, and in seconds for site.js's warning), and a form that gives the draft its 30 minutes
again and comes back to the same step. Steps 1 and 2 may be served from a kept copy: the box in
it is each browser's own, made from its draft's print without reading the database. Once the
answers are cleared, the next page says so once and starts again. On SQLite and PostgreSQL; the
clock stopped on Monday 2026-12-07 at 8:00 AM in Fairfax.
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.models import BookingDraft
from tests.booking.test_routes import DETAILS, LATER_SLOT, csrf, html_of, post, redirects_to, walk
from tests.conftest import MONDAY_8AM, csrf_token_from
from tests.test_statement_counts import counted

HTMX = {"HX-Request": "true"}
PAGE_OR_HTMX = pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
EXPIRED = "For your privacy, we cleared the answers you left for 30 minutes. Please start again below."
KEPT = "Done: we keep your answers for 30 more minutes."
STEP_PAGES = ("/book/", "/book/time", "/book/screening", "/book/details", "/book/review")


@pytest.fixture
def app(each_database_app):
    return each_database_app


@pytest.fixture
def booking(app, clinic, frozen):
    """The clock, stopped at Monday 8:00 AM; ``booking["now"] = moment`` moves it."""
    return frozen


def get(client, url, htmx=False):
    return client.get(url, headers=HTMX if htmx else {})


def box(html) -> dict | None:
    """The "Keep my answers" box on a page: seconds left, when site.js warns, what it says, its form."""
    start = html.find('<div class="draft-keep" id="draft-keep">')
    if start < 0:
        return None
    part = html[start : html.index("</template>\n</div>", start)]
    left = re.search(r'<span data-draft-expires-in="(\d+)" data-draft-warn-before="(\d+)">([^<]*)</span>', part)
    return {
        "seconds": int(left.group(1)),
        "warn_before": int(left.group(2)),
        "says": left.group(3),
        "back": re.search(r'name="back" value="([^"]*)"', part).group(1),
        "token": re.search(r'name="csrf_token" value="([^"]+)"', part).group(1),
        "action": re.search(
            r'<form class="draft-keep__form" id="draft-keep-form" hidden method="post" action="([^"]+)"', part
        ).group(1),
        "html": part,
    }


def expires_at(app):
    with app.app_context():
        return db.session.scalars(select(BookingDraft.expires_at)).one()


def keep(client, back="/book/time", htmx=False, token=None):
    token = token or csrf(client)
    if htmx:
        return client.post("/book/keep", data={"back": back}, headers={**HTMX, "X-CSRFToken": token})
    return client.post("/book/keep", data={"csrf_token": token, "back": back})


@PAGE_OR_HTMX
def test_every_step_says_how_long_the_answers_are_kept_with_keep_my_answers(app, client, booking, htmx):
    assert box(html_of(get(client, "/book/", htmx))) is None  # nothing kept yet, nothing to say
    walk(client, "details")
    for path in STEP_PAGES:
        html = html_of(get(client, path, htmx))
        found = box(html)
        assert found is not None, path
        assert found["seconds"] == 30 * 60 and found["warn_before"] == 300
        assert found["says"] == "For your privacy, we keep your answers for about 30 more minutes."
        assert found["action"] == "/book/keep" and 'hx-post="/book/keep"' in found["html"]
        assert 'hx-target="#draft-keep-left" hx-swap="innerHTML"' in found["html"]
        assert found["back"] == path and found["token"] == csrf_token_from(html)
        assert '<button type="submit" class="button--secondary">Keep my answers</button>' in found["html"]
        # What site.js shows before and after: the warning with the same button, then the way back.
        assert "Your answers will be cleared in less than 5 minutes, for your privacy." in found["html"]
        assert '<button type="submit" form="draft-keep-form">Keep my answers</button>' in found["html"]
        assert "we cleared the answers you left for 30 minutes. Please start again." in found["html"]
        assert '<a class="button" href="/book/">Start again</a>' in found["html"]
        assert '<div class="draft-keep__alert" role="alert" data-draft-alert></div>' in found["html"]
        assert html.count('id="draft-keep"') == 1


def test_the_time_left_counts_down_and_each_saved_step_starts_it_again(app, client, booking):
    walk(client, "visit")
    booking["now"] = MONDAY_8AM + timedelta(minutes=10, seconds=30)
    found = box(html_of(client.get("/book/time")))
    assert found["seconds"] == 19 * 60 + 30 and found["says"].endswith("about 20 more minutes.")
    booking["now"] = MONDAY_8AM + timedelta(minutes=29, seconds=30)
    assert box(html_of(client.get("/book/time")))["says"].endswith("about 1 more minute.")
    assert redirects_to(post(client, "/book/time", {"slot": LATER_SLOT}), "/book/screening")
    assert box(html_of(client.get("/book/screening")))["seconds"] == 30 * 60


def test_the_warnings_lead_time_is_a_setting(app, client, booking):
    app.config["BOOKING_DRAFT_WARNING_SECONDS"] = 90
    walk(client, "visit")
    found = box(html_of(client.get("/book/time")))
    assert found["warn_before"] == 90 and "cleared in less than 2 minutes" in found["html"]


def test_a_kept_step_shows_each_browser_its_own_time_left_without_reading_the_draft(app, booking):
    early, late = app.test_client(), app.test_client()
    walk(early, "visit")
    booking["now"] = MONDAY_8AM + timedelta(minutes=12)
    walk(late, "visit")  # the same choices: the same kept time step
    late_page = html_of(late.get("/book/time"))
    with counted(app) as seen:
        early_page = html_of(early.get("/book/time"))
    assert len([statement for statement in seen if not statement.startswith("BEGIN")]) == 1  # the versions
    assert "\x00" not in early_page
    mine, theirs = box(early_page), box(late_page)
    assert (mine["seconds"], theirs["seconds"]) == (18 * 60, 30 * 60)
    assert mine["token"] == csrf_token_from(early_page) != theirs["token"]
    assert early_page.replace(mine["html"], "").replace(csrf_token_from(early_page), "") == late_page.replace(
        theirs["html"], ""
    ).replace(csrf_token_from(late_page), "")


@pytest.mark.parametrize("back", ["/book/time?day=2026-12-09", "/book/details"])
def test_keep_my_answers_without_javascript_keeps_them_30_minutes_more_and_comes_back(app, client, booking, back):
    walk(client, "screening", slot=LATER_SLOT)
    booking["now"] = MONDAY_8AM + timedelta(minutes=25)
    response = keep(client, back)
    assert redirects_to(response, back)
    assert expires_at(app) == booking["now"] + timedelta(minutes=30)
    html = html_of(client.get(back))
    assert KEPT in html and box(html)["seconds"] == 30 * 60
    assert box(html_of(client.get("/book/time")))["seconds"] == 30 * 60  # served kept: the print is renewed
    booking["now"] = MONDAY_8AM + timedelta(minutes=54)  # 29 minutes after "Keep my answers"
    assert client.get("/book/details").status_code == 200
    assert redirects_to(post(client, "/book/details", DETAILS), "/book/review")  # nothing was lost
    booking["now"] = MONDAY_8AM + timedelta(minutes=85)
    assert redirects_to(client.get("/book/review"), "/book/")


def test_keep_my_answers_with_htmx_answers_only_the_new_time_left(app, client, booking):
    walk(client, "visit")
    booking["now"] = MONDAY_8AM + timedelta(minutes=26)
    response = keep(client, htmx=True)
    assert response.status_code == 200 and "HX-Redirect" not in response.headers
    assert html_of(response).strip() == (
        f'<span data-draft-expires-in="1800" data-draft-warn-before="300">{KEPT}</span>'
    )
    assert expires_at(app) == booking["now"] + timedelta(minutes=30)
    assert KEPT not in html_of(client.get("/book/time"))  # said in place, not again on the next page
    assert box(html_of(client.get("/book/time")))["seconds"] == 30 * 60


@pytest.mark.parametrize(
    "back", ["https://elsewhere.example/book/time", "//elsewhere.example/book/", "/admin/", "javascript:alert(1)", ""]
)
def test_keep_my_answers_comes_back_only_to_a_booking_step(app, client, booking, back):
    walk(client, "visit")
    assert redirects_to(keep(client, back), "/book/time")  # the first step still to do


def test_keep_my_answers_needs_the_forms_token_and_a_draft(app, client, booking):
    walk(client, "visit")
    before = expires_at(app)
    booking["now"] = MONDAY_8AM + timedelta(minutes=5)
    response = client.post("/book/keep", data={"back": "/book/time"})
    assert response.status_code == 400 and "This form has expired" in html_of(response)
    assert expires_at(app) == before
    stranger = app.test_client()  # no booking in progress: nothing to keep, step 1
    assert redirects_to(keep(stranger), "/book/")
    assert EXPIRED not in html_of(stranger.get("/book/"))


@PAGE_OR_HTMX
def test_keep_my_answers_after_they_were_cleared_says_so_and_starts_again(app, client, booking, htmx):
    walk(client, "visit")
    booking["now"] = MONDAY_8AM + timedelta(minutes=31)
    response = keep(client, htmx=htmx)
    if htmx:  # the whole page goes to step 1, not a step into the box
        assert response.status_code == 204 and response.headers["HX-Redirect"] == "/book/"
    else:
        assert redirects_to(response, "/book/")
    html = html_of(client.get("/book/"))
    assert EXPIRED in html and box(html) is None


@PAGE_OR_HTMX
def test_after_they_are_cleared_the_next_page_says_so_once_and_starts_again(app, client, booking, htmx):
    walk(client, "details")
    booking["now"] = MONDAY_8AM + timedelta(minutes=31)
    assert redirects_to(get(client, "/book/review", htmx), "/book/")
    html = html_of(get(client, "/book/", htmx))
    assert EXPIRED in html and '<div class="flashes" role="status">' in html
    assert ("<html" in html) is not htmx and box(html) is None
    assert EXPIRED not in html_of(get(client, "/book/", htmx))  # said once
    with app.app_context():  # what was typed is no longer a booking in progress (the worker deletes it)
        assert all(draft.expires_at <= booking["now"] for draft in db.session.scalars(select(BookingDraft)))


def test_a_step_sent_after_they_are_cleared_says_so_and_keeps_nothing(app, client, booking):
    walk(client, "screening")
    booking["now"] = MONDAY_8AM + timedelta(minutes=45)  # typing the details took too long
    assert redirects_to(post(client, "/book/details", DETAILS), "/book/")
    assert EXPIRED in html_of(client.get("/book/"))
    with app.app_context():
        assert all("details" not in (draft.data or {}) for draft in db.session.scalars(select(BookingDraft)))


def test_step_one_sent_after_they_are_cleared_starts_again_without_the_message(app, client, booking):
    csrf(client)
    walk(client, "visit")
    booking["now"] = MONDAY_8AM + timedelta(minutes=31)  # step 1 was open all along: it sends its answers
    assert redirects_to(
        post(
            client,
            "/book/",
            {"office": "fairfax", "visit_type": "new-patient", "reason": "sciatica", "provider": "any"},
        ),
        "/book/time",
    )
    html = html_of(client.get("/book/time"))
    assert EXPIRED not in html and box(html)["seconds"] == 30 * 60


def test_once_booked_no_step_offers_to_keep_the_answers(app, client, booking):
    walk(client, "review", slot=LATER_SLOT)
    assert box(html_of(client.get("/book/"))) is None


def test_the_box_and_its_messages_read_in_spanish(app, client, booking):
    token = csrf_token_from(html_of(client.get("/es/book/")))
    visit = {"office": "fairfax", "visit_type": "new-patient", "reason": "sciatica", "provider": "any"}
    assert redirects_to(client.post("/es/book/", data={"csrf_token": token, **visit}), "/es/book/time")
    found = box(html_of(client.get("/es/book/time")))
    assert found["says"] == "Para proteger su privacidad, guardamos sus respuestas alrededor de 30 minutos más."
    assert found["action"] == "/es/book/keep" and found["back"] == "/es/book/time"
    assert ">Conservar mis respuestas</button>" in found["html"]
    assert "borraremos sus respuestas en menos de 5 minutos. ¿Necesita más tiempo?" in found["html"]
    assert '<a class="button" href="/es/book/">Empezar de nuevo</a>' in found["html"]
    assert redirects_to(
        client.post("/es/book/keep", data={"csrf_token": token, "back": "/es/book/time"}), "/es/book/time"
    )
    assert "Listo: guardamos sus respuestas 30 minutos más." in html_of(client.get("/es/book/time"))
    booking["now"] = MONDAY_8AM + timedelta(minutes=31)
    client.get("/es/book/time")
    assert "borramos las respuestas que dejó sin continuar durante 30 minutos" in html_of(client.get("/es/book/"))
