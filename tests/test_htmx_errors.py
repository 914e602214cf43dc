"""Errors answering htmx: the message goes above the page (which stays), and its way back is a
path on this site only."""

import pytest

from clinic_app.errors import page_shown, render_error

HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize(
    ("shown", "back"),
    [
        ("http://localhost/book/details", "/book/details"),
        ("http://localhost/es/book/?reason=leg-weakness", "/es/book/?reason=leg-weakness"),
        ("https://evil.example/book/", "/"),  # another site
        ("http://localhost//evil.example/x", "/"),  # //host: another site to a browser
        ("http://localhost/\\evil.example/x", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_the_way_back_is_the_page_shown_and_only_on_this_site(app, shown, back):
    with app.test_request_context("/book/details", method="POST", headers={**HTMX, "HX-Current-URL": shown}):
        assert page_shown() == back


def test_an_error_answering_htmx_goes_above_the_page_with_focus_and_a_way_back(app):
    headers = {**HTMX, "HX-Current-URL": "http://localhost/book/details"}
    with app.test_request_context("/book/details", method="POST", headers=headers):
        response = render_error(400, title="This form has expired", detail="Please reload the page.")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#htmx-error" and response.headers["HX-Reswap"] == "innerHTML"
    assert response.headers["HX-Reselect"] == "#htmx-error-message" and 'id="htmx-error-message"' in html
    assert '<h2 id="htmx-error-heading" tabindex="-1" data-focus-on-swap>This form has expired</h2>' in html
    assert '<a class="button" href="/book/details">Reload this page</a>' in html
    assert "<html" not in html


def test_without_htmx_an_error_is_a_whole_page(app):
    with app.test_request_context("/book/details", method="POST"):
        response = render_error(400, title="This form has expired")
    assert "<!doctype html>" in response.get_data(as_text=True).lower() and "HX-Retarget" not in response.headers
