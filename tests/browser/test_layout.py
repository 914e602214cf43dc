"""The layout in a real browser: readable at 320 px, skip link first, visible keyboard focus."""

import pytest

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/articles/",
    "/articles/leg-weakness-symptoms-causes-treatment",
    "/office-update",
    "/locations/fairfax",
    "/ask",
    "/booking/find",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_fits_a_320_pixel_screen_without_sideways_scrolling(browser, live_server, path):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.goto(live_server.url + path)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 320, f"{path} is {scroll_width}px wide"
    finally:
        context.close()


def test_the_first_tab_reaches_the_skip_link_which_moves_to_the_content(page, live_server):
    page.goto(live_server.url + "/articles/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
