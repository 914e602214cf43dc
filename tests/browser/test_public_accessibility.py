"""Every public page, in English and in Spanish, with JavaScript and without: axe-core finds no
serious or critical WCAG 2.2 AA problem (the booking steps and the back office have tests of
their own: test_spanish.py, test_fewer_taps.py, test_back_office_pages.py)."""

import pytest

from clinic_app.extensions import db
from tests.browser.accessibility import serious_problems, serious_problems_without_javascript

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/articles/",
    "/articles/?tag=legs",
    "/articles/leg-weakness-symptoms-causes-treatment",
    "/articles/spinal-stenosis",
    "/locations/",
    "/locations/fairfax",
    "/ask",
    "/ask?office=potomac",
    "/office-update",
    "/booking/find",
    "/book/?reason=leg-weakness",
    "/no-such-page",
]


@pytest.mark.parametrize("language", ["", "/es"], ids=["English", "Spanish"])
def test_every_public_page_passes_axe_with_and_without_javascript(browser, clinic, language):
    with_js = browser.new_context().new_page()
    without_js = browser.new_context(java_script_enabled=False).new_page()
    problems = []
    try:
        for path in PAGES:
            status = with_js.goto(clinic.url + language + path).status
            assert status == (404 if path == "/no-such-page" else 200), path
            problems += serious_problems(with_js)
            without_js.goto(clinic.url + language + path)
            problems += serious_problems_without_javascript(without_js, with_js)
    finally:
        with_js.context.close()
        without_js.context.close()
    assert problems == []


def test_a_patients_own_pages_pass_axe_with_and_without_javascript(browser, clinic):
    """The private pages a booked patient opens from their emails: manage, reschedule, cancel,
    "are you coming?" and the health questions again."""
    from datetime import UTC, datetime, timedelta

    from tests.conftest import add_appointment

    visit = (datetime.now(UTC) + timedelta(days=6)).replace(hour=15, minute=0, second=0, microsecond=0)
    with clinic.app.app_context():
        add_appointment(db.session, visit, token="a-private-manage-token-for-axe")
        db.session.commit()
    with_js = browser.new_context().new_page()
    without_js = browser.new_context(java_script_enabled=False).new_page()
    problems = []
    try:
        for language in ("", "/es"):
            for path in ("", "/reschedule", "/cancel", "/confirm", "/screening"):
                url = f"{clinic.url}{language}/booking/a-private-manage-token-for-axe{path}"
                assert with_js.goto(url).status == 200, url
                problems += serious_problems(with_js)
                without_js.goto(url)
                problems += serious_problems_without_javascript(without_js, with_js)
    finally:
        with_js.context.close()
        without_js.context.close()
    assert problems == []
