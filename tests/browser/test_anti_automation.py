"""The honeypot field in a real browser: not seen, not reached with the keyboard, not in the
accessibility tree; people who fill the form quickly still get through (testing config: no
minimum fill time)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def focus_order(page, presses=40) -> list[str]:
    """What Tab reaches, as ``id or name`` of each focused element, from the top of the page."""
    page.locator("body").focus()
    reached = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("(() => { const e = document.activeElement; return e.id || e.name || e.tagName })()")
        )
    return reached


@pytest.mark.parametrize("path", ["/book/", "/ask"])
def test_honeypot_is_not_reachable_by_keyboard_or_announced(page, live_server, path):
    page.goto(live_server.url + path)
    honeypot = page.locator("#website")
    expect(honeypot).to_have_count(1)
    expect(honeypot).to_have_value("")
    box = honeypot.locator("xpath=..").bounding_box()  # its wrapper is 1px and clips it: out of sight
    assert box["width"] <= 1 and box["height"] <= 1
    field = honeypot.bounding_box()
    at_its_place = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.id", [field["x"] + 2, field["y"] + field["height"] / 2]
    )
    assert at_its_place != "website"  # nothing of it can be clicked
    reached = focus_order(page)
    assert "website" not in reached
    assert any(name in reached for name in ("office-0", "name")), reached  # Tab did go through the form
    # Not a field for assistive technology: no textbox by that name in the accessibility tree.
    expect(page.get_by_role("textbox", name="Leave this field empty")).to_have_count(0)
    expect(page.get_by_label("Leave this field empty")).to_have_count(1)  # the label is tied to it in the DOM


def test_question_sent_at_once_without_javascript_goes_through(page_nojs, live_server):
    page = page_nojs
    page.goto(live_server.url + "/ask")
    page.get_by_label("Your name").fill("Ana Pérez")
    page.get_by_label("Email address").fill("ana@example.org")
    page.get_by_label("Fairfax, VA").check()
    page.get_by_label("Your question or appointment request").fill("Do you see patients on Saturdays?")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(live_server.url + "/ask/thanks")
