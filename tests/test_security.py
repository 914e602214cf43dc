"""Protections on every response: framing, sniffing, NUL bytes, proxies."""

import pytest

from clinic_app import create_app

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@pytest.mark.parametrize("url", ["/", "/book/", "/admin/login", "/no-such-page", "/static/css/site.css"])
def test_every_response_has_the_strict_content_policy_and_no_framing(client, offices, url):
    response = client.get(url)
    assert response.headers["Content-Security-Policy"] == STRICT_CSP
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


def test_hsts_is_sent_only_when_configured(client, app, offices):
    assert "Strict-Transport-Security" not in client.get("/").headers  # development and tests: plain http
    app.config["HSTS_SECONDS"] = 31536000
    assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("url", ["/locations/a%00", "/admin/login?next=%00", "/articles/?tag=a%00"])
def test_a_nul_byte_in_the_address_is_a_clear_400(client, offices, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "Something went wrong with that request" in response.get_data(as_text=True)


def test_a_nul_byte_in_a_form_is_a_clear_400_and_nothing_is_stored(client, offices):
    response = client.post("/ask", data={"name": "A\x00B"})
    assert response.status_code == 400


def test_behind_a_proxy_the_patients_address_is_the_one_rate_limits_see(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.sqlite3'}", PROXY_HOPS=1)

    @app.get("/whoami-test")
    def whoami():
        from flask import request

        return request.remote_addr

    client = app.test_client()
    assert client.get("/whoami-test", headers={"X-Forwarded-For": "203.0.113.9"}).data == b"203.0.113.9"


@pytest.mark.parametrize("url", ["/ask", "/book/", "/admin/login"])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_huge_request_body_is_a_clear_413_and_nothing_is_stored(app, client, clinic, url, htmx):
    from sqlalchemy import func, select

    from clinic_app.extensions import db
    from clinic_app.models import OutboxMessage, PatientQuestion

    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(url, data={"message": "x" * 12_000_000, "office": "fairfax"}, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "That was too much to send" in html and ("<html" in html) is not htmx
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PatientQuestion)) == 0
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_the_body_limit_is_a_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "2048")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'limit.sqlite3'}")
    assert app.config["MAX_CONTENT_LENGTH"] == 2048
    assert app.test_client().post("/ask", data={"message": "x" * 4096}).status_code == 413
