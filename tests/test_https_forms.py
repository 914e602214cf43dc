"""Forms over HTTPS behind the TLS proxy, posted the way a browser posts them.

Over HTTPS Flask-WTF also checks that ``Referer`` names this site. A browser sends that header
only when the page's ``Referrer-Policy`` allows it, so a page whose policy withholds it turns every
form into "This form has expired" in production, while plain-HTTP tests pass. The client here
plays the browser: it reads the policy of the page a form came from (header, then ``<meta>``) and
sends exactly the ``Referer`` that policy allows.
"""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic_app.extensions import db
from clinic_app.models import Appointment, PatientQuestion
from tests.conftest import (
    PASSWORD,
    book_online,
    build_app,
    csrf_token_from,
    enter_code,
    make_staff_user,
    seed_clinic,
)

SITE = "https://clinic.example"
META_POLICY = re.compile(r'<meta name="referrer" content="([^"]+)"')


def origin(url):
    parts = urlsplit(url)
    return (parts.scheme, parts.hostname, parts.port)


def referer_for(policy, page_url, target_url):
    """The ``Referer`` a browser sends from ``page_url`` to ``target_url`` under ``policy``."""
    same_origin = origin(page_url) == origin(target_url)
    downgrade = urlsplit(page_url).scheme == "https" and urlsplit(target_url).scheme != "https"
    page_origin = "{}://{}/".format(*urlsplit(page_url)[:2])
    rules = {
        "no-referrer": None,
        "same-origin": page_url if same_origin else None,
        "origin": page_origin,
        "strict-origin": None if downgrade else page_origin,
        "origin-when-cross-origin": page_url if same_origin else page_origin,
        "strict-origin-when-cross-origin": page_url if same_origin else (None if downgrade else page_origin),
        "no-referrer-when-downgrade": None if downgrade else page_url,
        "unsafe-url": page_url,
    }
    return rules[policy]


class BrowserBehindProxy(FlaskClient):
    """A test client that arrives through nginx over HTTPS and sends the Referer a browser would."""

    page_url = None
    page_policy = "strict-origin-when-cross-origin"  # browsers' default

    def open(self, path, *args, method="GET", headers=None, **kwargs):
        target = urljoin(SITE, path)
        headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "clinic.example",
            "X-Forwarded-For": "198.51.100.7",
            **(headers or {}),
        }
        if self.page_url and "Referer" not in headers:
            referer = referer_for(self.page_policy, self.page_url, target)
            if referer:
                headers["Referer"] = referer
        response = super().open(path, *args, method=method, headers=headers, **kwargs)
        if method == "GET" and response.status_code == 200 and response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            meta = META_POLICY.search(html)
            self.page_url = target
            self.page_policy = (
                meta.group(1) if meta else response.headers.get("Referrer-Policy", "strict-origin-when-cross-origin")
            )
        return response


@pytest.fixture
def https_app(tmp_path):
    """The app as deployed behind one TLS proxy: HTTPS cookies, trusted forwarded headers."""
    app = build_app(
        f"sqlite:///{tmp_path / 'clinic.sqlite3'}",
        tmp_path,
        PROXY_HOPS=1,
        SESSION_COOKIE_SECURE=True,
        PUBLIC_BASE_URL=SITE,
    )
    app.test_client_class = BrowserBehindProxy
    seed_clinic(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_strict_referrer_checking_is_on(https_app):
    assert https_app.config.get("WTF_CSRF_SSL_STRICT", True) is True


def test_a_patient_books_over_https_with_the_referer_their_browser_sends(https_app, frozen):
    client = https_app.test_client()
    page = book_online(client)
    assert "You’re booked" in page
    assert count(https_app, Appointment) == 1


@pytest.mark.parametrize("url", ["/book/", "/ask", "/admin/login"])
def test_every_page_with_a_form_lets_the_browser_send_this_sites_address(https_app, url):
    client = https_app.test_client()
    client.get(url)
    assert referer_for(client.page_policy, client.page_url, SITE + url) == SITE + url


def test_a_question_over_https_is_stored_and_without_a_referer_it_is_explained(https_app):
    client = https_app.test_client()
    token = csrf_token_from(client.get("/ask?location=fairfax").get_data(as_text=True))
    question = {
        "csrf_token": token,
        "name": "Rosa Parkes",
        "email": "rosa@example.org",
        "office": "fairfax",
        "message": "Do you treat foot drop?",
    }

    refused = client.post("/ask", data=question, headers={"Referer": ""})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "did not say which page" in text and "Do you treat foot drop?" in text
    assert count(https_app, PatientQuestion) == 0

    accepted = client.post("/ask", data=question)
    assert accepted.status_code == 303
    assert count(https_app, PatientQuestion) == 1


def test_another_sites_referer_is_refused(https_app):
    client = https_app.test_client()
    token = csrf_token_from(client.get("/book/").get_data(as_text=True))
    response = client.post(
        "/book/",
        data={
            "csrf_token": token,
            "office": "fairfax",
            "visit_type": "new-patient",
            "reason": "sciatica",
            "provider": "any",
        },
        headers={"Referer": "https://evil.example/book/"},
    )
    assert response.status_code == 400


def test_staff_sign_in_over_https_and_not_without_a_referer(https_app):
    make_staff_user(https_app, "admin@example.org", "admin")
    client = https_app.test_client()
    token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
    form = {"csrf_token": token, "email": "admin@example.org", "password": PASSWORD}
    assert client.post("/admin/login", data=form, headers={"Referer": ""}).status_code == 400
    password_step = client.post("/admin/login", data=form)
    assert password_step.status_code == 303 and "Secure" in password_step.headers["Set-Cookie"]
    code_step = enter_code(client, "admin@example.org")  # the second step's form, over HTTPS too
    assert code_step.status_code == 303
    assert "Secure" in code_step.headers["Set-Cookie"]
    assert client.get("/admin/").status_code == 200
