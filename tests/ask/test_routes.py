"""The "Ask us a question" form: success, every kind of bad input, CSRF and rate limiting."""

import time
from types import SimpleNamespace

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from clinic_app.extensions import db
from clinic_app.models import OutboxMessage, PatientQuestion
from tests.conftest import csrf_token_from

VALID = {
    "name": "María José O'Neil",
    "email": "maria@example.org",
    "phone": "703-555-0123",
    "office": "fairfax",
    "message": "My left leg has felt weak for two weeks. Can I be seen soon?",
}
HTMX = {"HX-Request": "true"}


@pytest.fixture
def ask(client, offices):
    """Post the form with a real CSRF token, as a browser would after loading it."""

    def post(overrides=None, headers=None, **kwargs):
        token = csrf_token_from(client.get("/ask").get_data(as_text=True))
        data = {**VALID, **(overrides or {}), "csrf_token": token}
        data = {key: value for key, value in data.items() if value is not None}
        return client.post("/ask", data=data, headers=headers or {}, **kwargs)

    return post


def stored(app):
    """(questions stored, office emails queued)."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(PatientQuestion)),
            db.session.scalar(select(func.count()).select_from(OutboxMessage).filter_by(kind="question.office")),
        )


def test_form_has_every_field_labelled(client, offices):
    html = client.get("/ask").get_data(as_text=True)
    for field_id, label in [
        ("name", "Your name"),
        ("email", "Email address"),
        ("phone", "Phone (optional)"),
        ("message", "Your question or appointment request"),
    ]:
        assert f'<label for="{field_id}">{label}</label>' in html
    assert '<legend id="office-legend">Which office?</legend>' in html
    assert 'name="csrf_token"' in html


def test_location_in_the_link_preselects_the_office(client, offices):
    html = client.get("/ask?location=potomac").get_data(as_text=True)
    assert '<input checked id="office-1" name="office" type="radio" value="potomac">' in html


def test_a_question_is_stored_and_the_office_email_queued(app, client, ask):
    response = ask()
    assert response.status_code == 303
    assert response.headers["Location"] == "/ask/thanks"
    with app.app_context():
        question = db.session.scalars(select(PatientQuestion)).one()
        assert (question.name, question.email, question.phone) == (VALID["name"], VALID["email"], "(703) 555-0123")
        assert question.office.slug == "fairfax" and question.status == "new"
        email = db.session.scalars(select(OutboxMessage).filter_by(kind="question.office")).one()
        assert email.status == "pending"
        assert email.recipients == ["fairfax-frontdesk@example.org"]
        assert email.reply_to == "maria@example.org"
        assert email.subject == f"Website question #{question.id} for the Fairfax, VA office"
        assert VALID["message"] in email.text_body and "María José O&#39;Neil" in email.html_body
        # The patient hears it arrived and when to expect a reply, never what they wrote.
        receipt = db.session.scalars(select(OutboxMessage).filter_by(kind="question.patient")).one()
        assert receipt.recipients == ["maria@example.org"] and receipt.reply_to is None
        assert receipt.subject == "We received your question for the Fairfax, VA office"
        assert f"question #{question.id}" in receipt.text_body and "In an emergency, call 911." in receipt.text_body
        for body in (receipt.text_body, receipt.html_body):
            assert VALID["message"] not in body and VALID["message"][:20] not in body
    thanks = client.get("/ask/thanks").get_data(as_text=True)
    assert "Thank you" in thanks and "Fairfax, VA" in thanks and "What happens next" in thanks


def test_the_personal_details_never_appear_in_the_thank_you_address(ask):
    response = ask()
    assert "maria" not in response.headers["Location"].lower()


def test_with_htmx_success_redirects_the_browser(client, ask):
    response = ask(headers=HTMX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/ask/thanks"


def test_thank_you_without_a_question_goes_back_to_the_form(client, offices):
    response = client.get("/ask/thanks")
    assert response.status_code == 302 and response.headers["Location"] == "/ask"


BAD_INPUT = [
    ({"name": ""}, "Please tell us your name."),
    ({"name": "   "}, "Please tell us your name."),
    ({"email": ""}, "Please enter your email address so we can reply."),
    ({"email": "maria@"}, "Please enter an email address like name@example.com."),
    ({"email": "maria@example.org\r\nBcc: victim@example.org"}, "Please enter an email address like name@example.com."),
    ({"phone": "12345"}, "Please enter a US phone number with area code"),
    ({"office": None}, "Please choose an office."),
    ({"office": "richmond"}, "Not a valid choice"),
    ({"message": ""}, "Please write your question."),
    ({"message": "x" * 10_000}, "Please shorten your message to 3,000 characters or fewer."),
    ({"message": "Hello <script>alert(1)</script>"}, "Please remove the HTML tags"),
    ({"message": 'See <a href="http://spam.example">this</a>'}, "Please remove the HTML tags"),
    ({"name": "<b>Maria</b>"}, "Please remove the &lt; and &gt; characters from your name."),
    ({"name": "Maria\r\nBcc: victim@example.org"}, "line breaks and special characters are not allowed"),
    ({"name": "Maria\u202eevil"}, "line breaks and special characters are not allowed"),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("overrides,error", BAD_INPUT)
def test_bad_input_is_explained_on_the_same_form_and_nothing_is_stored(app, ask, overrides, error, htmx):
    response = ask(overrides, headers=HTMX if htmx else None)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error in html
    assert "Please check this answer" in html
    assert 'aria-invalid="true"' in html
    assert ("<html" in html) is not htmx
    assert stored(app) == (0, 0)
    # What the patient typed is kept (and escaped, never executed).
    message = overrides.get("message", VALID["message"])
    assert f"{escape(message)}</textarea>" in html
    if "email" not in overrides:
        assert 'value="maria@example.org"' in html


def test_a_less_than_sign_in_a_message_is_fine(app, ask):
    assert ask({"message": "My pain is < 5 out of 10 most days."}).status_code == 303
    assert stored(app) == (1, 1)


def test_a_missing_csrf_token_keeps_the_message_and_stores_nothing(app, client, offices):
    response = client.post("/ask", data=VALID)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "this form timed out" in html and VALID["message"] in html
    assert stored(app) == (0, 0)
    token = csrf_token_from(html)  # the re-rendered form carries a fresh token that works
    assert client.post("/ask", data={**VALID, "csrf_token": token}).status_code == 303


def test_too_many_messages_are_slowed_down_without_losing_the_text(app, ask):
    for _ in range(5):
        assert ask().status_code == 303
    response = ask({"message": "One more question about my appointment."})
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Please wait a minute" in html and "One more question about my appointment." in html
    assert stored(app) == (5, 5)


def test_after_the_hourly_limit_the_wait_is_about_an_hour_not_a_minute(app, ask, monkeypatch):
    """30 messages an hour, 5 a minute: the rate-limit store's clock moves a minute after every 5."""
    import limits.storage.memory

    moment = {"now": time.time()}
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=lambda: moment["now"]))
    for _ in range(6):
        for _ in range(5):
            assert ask().status_code == 303
        moment["now"] += 61
    response = ask({"message": "One more question about my appointment."})
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Please wait about an hour" in html and "minute" not in html
    assert "One more question about my appointment." in html
    assert int(response.headers["Retry-After"]) > 3000
    assert stored(app) == (30, 30)


def test_a_question_sent_from_the_spanish_page_is_acknowledged_in_spanish(app, client, offices):
    """The patient hears back in the page's language; the front desk reads its copy in English."""
    token = csrf_token_from(client.get("/es/ask").get_data(as_text=True))
    response = client.post("/es/ask", data={**VALID, "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].startswith("/es/")
    with app.app_context():
        messages = {m.kind: m for m in db.session.scalars(select(OutboxMessage))}
    patient = messages["question.patient"]
    assert patient.subject == "Recibimos su pregunta para el consultorio de Fairfax, VA"
    assert "Gracias por enviar su pregunta" in patient.text_body and "911" in patient.text_body
    assert messages["question.office"].subject.startswith("Website question #")
