"""Every back-office page as staff meet it in Chromium: axe-core finds no serious or critical
WCAG 2.2 AA problem, and at 375 px wide (a phone, or a desk zoomed to 400 %) nothing makes the
page scroll sideways (WCAG 1.4.10): wide tables scroll inside their own box."""

import pytest
from sqlalchemy import select

from clinic_app.booking.notifications import queue_booking_emails
from clinic_app.extensions import db
from clinic_app.models import Appointment, Provider
from tests.browser.accessibility import serious_problems
from tests.browser.test_admin import BACK_OFFICE_PAGES, back_office, sign_in  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
               && !(e.parentElement && e.parentElement.closest('.table-scroll')))
  .slice(-3).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))"""


def widest(page) -> list[str]:
    """The innermost elements reaching past the window's right edge (outside a scrolling table)."""
    return page.evaluate(WIDEST)


def test_every_back_office_page_passes_axe_and_fits_a_narrow_screen(browser, back_office):  # noqa: F811
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    sign_in(page, back_office.url, back_office.app)
    with back_office.app.app_context():
        appointment = db.session.scalars(select(Appointment)).first()
        queue_booking_emails(appointment, None)  # its page lists these emails and their delivery
        db.session.commit()
        ids = {"provider": db.session.scalars(select(Provider.id)).first(), "appointment": appointment.id}
    problems, too_wide = [], []
    for path in BACK_OFFICE_PAGES:
        response = page.goto(back_office.url + path.format(**ids))
        assert response.status == 200, path
        problems += serious_problems(page)
        if overflow(page) > 0:
            too_wide.append(f"{path}: {overflow(page)} px: {widest(page)}")
    context.close()
    assert problems == []
    assert too_wide == []
