"""The accessibility checker itself finds what it must: a control with no label, with
JavaScript on and (through the stand-in page) off."""

import pytest

from tests.browser.accessibility import serious_problems, serious_problems_without_javascript

pytestmark = pytest.mark.browser

UNLABELLED = '<!doctype html><html lang="es"><title>x</title><main><input name="email"></main></html>'


def test_an_unlabelled_field_is_a_serious_problem(page, browser, live_server):
    page.route(live_server.url + "/bare", lambda route: route.fulfill(content_type="text/html", body=UNLABELLED))
    page.goto(live_server.url + "/bare")
    assert any(problem.startswith("label (critical)") for problem in serious_problems(page))

    no_js = browser.new_context(java_script_enabled=False)
    checker = browser.new_context().new_page()
    try:
        shown = no_js.new_page()
        shown.route(live_server.url + "/bare", lambda route: route.fulfill(content_type="text/html", body=UNLABELLED))
        shown.goto(live_server.url + "/bare")
        assert any(p.startswith("label (critical)") for p in serious_problems_without_javascript(shown, checker))
    finally:
        no_js.close()
        checker.context.close()
