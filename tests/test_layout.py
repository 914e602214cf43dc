"""The site layout: header, banner slot, footer, error pages, vendored htmx, no other hosts."""

import base64
import hashlib
import re
from pathlib import Path

import pytest
from flask import Blueprint

from clinic_app import assets

STATIC = Path(__file__).resolve().parent.parent / "static"


def test_every_page_has_header_navigation_banner_and_footer_addresses(client, offices):
    html = client.get("/").get_data(as_text=True)
    assert '<a class="brand" href="/">Spine &amp; Nerve Clinic</a>' in html
    assert '<nav aria-label="Main">' in html
    assert "Office Update:" in html and "Safe Patient Appointments" in html
    assert "4001 Fair Ridge Dr, Suite 202" in html and "Fairfax, VA 22033" in html
    assert "7811 Montrose Rd, Suite 220" in html and "Potomac, MD 20854" in html
    assert "In an emergency, call 911" in html
    assert 'href="#main"' in html and '<main id="main"' in html


def test_the_clinic_name_is_a_setting(app, offices):
    app.config["CLINIC_NAME"] = "Capital Spine Partners"
    html = app.test_client().get("/").get_data(as_text=True)
    assert "<title>" in html and "Capital Spine Partners</title>" in html
    assert "Spine &amp; Nerve Clinic" not in html


def test_htmx_is_served_locally_with_a_matching_integrity_hash(client):
    html = client.get("/").get_data(as_text=True)
    tag = re.search(r'<script src="(/static/vendor/htmx-([\d.]+)\.min\.[0-9a-f]{12}\.js)" integrity="([^"]+)"', html)
    assert tag, "htmx script tag with integrity missing"
    url, version, integrity = tag.groups()
    assert version == assets.HTMX_VERSION
    body = client.get(url).data
    digest = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    assert integrity == digest
    assert (STATIC / "vendor" / f"htmx-{version}.LICENSE").read_text().startswith("Zero-Clause BSD")


def test_pages_load_nothing_from_another_host(client, offices):
    html = client.get("/").get_data(as_text=True)
    external = re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="((?:https?:)?//[^"]+)"', html)
    assert [url for url in external if not url.startswith("http://localhost/")] == []


def test_htmx_requests_carry_the_csrf_token_through_inherited_headers(client, offices):
    html = client.get("/ask").get_data(as_text=True)  # a page with forms (public pages have none that need it)
    assert re.search(r'<body hx-headers:inherited=\'\{"X-CSRFToken": "[^"]+"\}\'>', html)


def test_unknown_page_is_a_404_in_the_site_layout(client, offices):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html
    assert "4001 Fair Ridge Dr" in html  # footer of the layout


def test_unknown_page_for_htmx_is_a_fragment(client):
    response = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]


@pytest.fixture
def broken_app(app):
    """The app with one view that fails, as a bug would."""
    broken = Blueprint("broken_test", __name__)

    @broken.get("/broken")
    def fail():
        raise ValueError("patient Jane Doe")

    app.register_blueprint(broken)
    return app


def test_a_bug_shows_the_500_page_in_the_layout_and_logs_no_details(broken_app, caplog, offices):
    response = broken_app.test_client().get("/broken?name=Jane")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong on our side" in html
    assert "4001 Fair Ridge Dr" in html
    assert "Unhandled error: ValueError" in caplog.text


def test_the_500_page_renders_even_when_the_database_is_down(tmp_path):
    from clinic_app import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    response = app.test_client().get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)


def test_a_failed_save_after_the_offices_were_read_still_shows_the_500_page(app, client, offices):
    from sqlalchemy import text

    from clinic_app.extensions import db
    from tests.conftest import csrf_token_from

    token = csrf_token_from(client.get("/ask").get_data(as_text=True))
    with app.app_context():  # the save of the question will fail at the database
        db.session.execute(text("DROP TABLE patient_question"))
        db.session.commit()
    response = client.post(
        "/ask",
        data={
            "csrf_token": token,
            "name": "Ada Lovelace",
            "email": "ada@example.org",
            "office": "potomac",
            "message": "Do you see patients with neck pain?",
        },
    )
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong on our side" in html and "4001 Fair Ridge Dr" in html  # the footer too
