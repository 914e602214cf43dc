"""Protections on every response: framing, sniffing, NUL bytes, proxies."""

import json

import flask
import pytest
from sqlalchemy import func, select

from clinic_app import create_app
from clinic_app.extensions import db
from clinic_app.models import Appointment, BookingDraft, PatientQuestion
from tests.conftest import csrf_token_from, seed_clinic

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


def test_in_a_multipart_form_a_nul_byte_is_refused_in_fields_and_file_names_but_not_in_file_bytes(client, offices):
    import io

    token = csrf_token_from(client.get("/ask").get_data(as_text=True))

    def send(**data):
        return client.post("/ask", data={"csrf_token": token, **data}, content_type="multipart/form-data")

    assert send(name="A\x00B").status_code == 400
    assert send(photo=(io.BytesIO(b"x"), "a\x00.png")).status_code == 400
    assert send(photo=(io.BytesIO(b"\x89PNG\x00\x00"), "a.png")).status_code == 422  # the form's own errors


@pytest.mark.parametrize(
    "url", ["/articles/?tag=a&tag=b%00", "/articles/?a%00=1", "/ask?office=fairfax&office=%00&x=1"]
)
def test_a_nul_byte_in_any_value_or_name_of_the_query_is_a_clear_400(client, offices, url):
    assert client.get(url).status_code == 400


def test_a_nul_byte_in_a_header_is_a_clear_400(client, offices):
    assert client.get("/", headers={"Accept-Language": "en\x00"}).status_code == 400


def test_a_nul_byte_in_a_second_value_of_a_form_field_is_a_clear_400(client, offices):
    token = csrf_token_from(client.get("/ask").get_data(as_text=True))
    response = client.post("/ask", data={"csrf_token": token, "office": ["fairfax", "fair\x00fax"]})
    assert response.status_code == 400


QUESTION = {
    "name": "Maria Lopez",
    "email": "maria@example.org",
    "phone": "703-555-0123",
    "office": "fairfax",
    "message": "My left leg has felt weak for two weeks.",
}
VISIT = {"office": "fairfax", "visit_type": "new-patient", "reason": "leg-weakness", "provider": "any"}


def post_body(client, url, body, content_type="application/json"):
    """POST ``body`` (str or bytes) as it is, with the page's CSRF token in the header, as htmx would."""
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data=body, content_type=content_type, headers={"X-CSRFToken": token})


def saved(app):
    """(questions, appointments, booking drafts) in the database."""
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(m)) for m in (PatientQuestion, Appointment, BookingDraft)
        )


def json_with_nul(fields, name):
    """``fields`` as JSON with a ``\\u0000`` escape inside the value of ``name``."""
    return json.dumps({**fields, name: fields[name][:2] + "\x00" + fields[name][2:]})


@pytest.mark.parametrize(
    ("url", "fields", "name"),
    [
        ("/ask", QUESTION, "message"),
        ("/ask", QUESTION, "name"),
        ("/book/", VISIT, "office"),
        ("/book/", VISIT, "reason"),
    ],
)
def test_a_nul_escape_in_a_json_body_is_a_clear_400_and_nothing_is_stored(app, client, clinic, url, fields, name):
    body = json_with_nul(fields, name)
    assert "\\u0000" in body
    response = post_body(client, url, body)
    assert response.status_code == 400
    assert "Something went wrong with that request" in response.get_data(as_text=True)
    assert saved(app) == (0, 0, 0)


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/octet-stream"])
@pytest.mark.parametrize("url", ["/ask", "/book/"])
def test_a_raw_nul_byte_in_any_request_body_is_a_clear_400(app, client, clinic, url, content_type):
    response = post_body(client, url, b'{"name": "a\x00b"}', content_type)
    assert response.status_code == 400
    assert saved(app) == (0, 0, 0)


@pytest.mark.parametrize(
    "body",
    ["[1]", '"fairfax"', "null", '{"message": 1}', '{"message": true}', '{"message": {"a": "b"}}', "[" * 100_000],
    ids=["list", "string", "null", "number", "boolean", "object", "nested-too-deep"],
)
@pytest.mark.parametrize("url", ["/ask", "/book/"])
def test_a_json_body_that_cannot_be_a_form_is_a_clear_400(app, client, clinic, url, body):
    response = post_body(client, url, body)
    assert response.status_code == 400
    assert saved(app) == (0, 0, 0)


def test_a_json_body_shaped_like_the_form_is_still_read_as_the_form(app, client, clinic):
    assert post_body(client, "/ask", json.dumps(QUESTION)).status_code == 303
    assert saved(app) == (1, 0, 0)


def test_a_nul_escape_in_json_is_a_clear_400_on_every_database(each_database_app):
    """PostgreSQL refuses a NUL in text: it is refused before any query could send one, on SQLite alike."""
    seed_clinic(each_database_app)
    client = each_database_app.test_client()
    for url, fields in [("/ask", QUESTION), ("/book/", VISIT)]:
        for name in fields:
            response = post_body(client, url, json_with_nul(fields, name))
            assert response.status_code == 400, (url, name)
    assert post_body(client, "/book/", json.dumps(VISIT)).status_code == 303  # the same, without the NUL
    assert saved(each_database_app) == (0, 0, 1)


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


def test_the_session_signer_follows_a_changed_secret_key_and_its_fallbacks(app, clinic):
    """The session's signer is made once per key, never kept past a key change."""
    client = app.test_client()
    client.get("/book/")  # a session with a form token
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    with app.test_request_context(headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"}):
        assert "csrf_token" in app.session_interface.open_session(app, flask.request)
    old_key = app.secret_key
    app.secret_key = app.config["SECRET_KEY"] = "another-testing-secret-key"
    with app.test_request_context(headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"}):
        assert "csrf_token" not in app.session_interface.open_session(app, flask.request)
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    with app.test_request_context(headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"}):
        assert "csrf_token" in app.session_interface.open_session(app, flask.request)
