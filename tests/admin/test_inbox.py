"""The back office's questions inbox and email outbox: who sees what, state changes, retrying email."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from clinic_app.clock import system_time
from clinic_app.extensions import db
from clinic_app.formatting import local_time
from clinic_app.models import AuditEntry, OutboxMessage, OutboxStatus, PatientQuestion
from clinic_app.notify.outbox import send_pending
from tests.conftest import ACCESS_ACTIONS, csrf_token_from, free_port


@pytest.fixture
def app(each_database_app):
    """Every test here runs on SQLite and on PostgreSQL."""
    return each_database_app


HTMX = {"HX-Request": "true"}


def ask(client, office="fairfax", message="My left leg feels weak.\nCan I be seen this week?", name="Dana Whitfield"):
    """Send a question through the real public form; return its id. The patient's acknowledgement
    is taken out of the outbox: the tests here are about the office's email and what staff do
    with it (``tests/ask`` checks the acknowledgement)."""
    token = csrf_token_from(client.get("/ask").get_data(as_text=True))
    response = client.post(
        "/ask",
        data={
            "csrf_token": token,
            "name": name,
            "email": "dana@example.org",
            "phone": "703-555-0123",
            "office": office,
            "message": message,
        },
    )
    assert response.status_code == 303
    with client.application.app_context():
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.kind == "question.patient"))
        db.session.commit()
        return db.session.scalars(select(PatientQuestion).order_by(PatientQuestion.id.desc())).first().id


def post(client, url, page="/admin/outbox"):
    """Press a button on ``page``: a POST with the CSRF token that page carries."""
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token})


def question_status(app, question_id):
    with app.app_context():
        return db.session.get(PatientQuestion, question_id).status


def audit_actions(app):
    with app.app_context():
        changes = select(AuditEntry).where(AuditEntry.action.not_in(ACCESS_ACTIONS)).order_by(AuditEntry.id)
        return [(e.action, e.changes) for e in db.session.scalars(changes)]


def add_email(app, topic="", status=OutboxStatus.FAILED, subject="Your appointment", **values):
    """An outbox row as the sender leaves it (failed by default); return its id."""
    with app.app_context():
        row = OutboxMessage(
            kind="booking.patient",
            topic=topic,
            recipients=["patient@example.org"],
            subject=subject,
            text_body="Body",
            status=status,
            attempts=values.pop("attempts", 8),
            last_error=values.pop("last_error", "SMTPRecipientsRefused"),
            **values,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def email(app, row_id):
    with app.app_context():
        row = db.session.get(OutboxMessage, row_id)
        db.session.expunge(row)
        return row


def only_email_id(app):
    with app.app_context():
        return db.session.scalars(select(OutboxMessage.id)).one()


def fail_every_email(app):
    """Point mail at a port where nothing listens and let each queued email fail for good."""
    app.config.update(MAIL_BACKEND="smtp", OUTBOX_MAX_ATTEMPTS=1)
    app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", free_port()
    with app.app_context():
        while send_pending().failed:  # each run stops at the first refused connection
            pass


# Sign-in


@pytest.mark.parametrize("url", ["/admin/questions", "/admin/questions/1", "/admin/outbox"])
def test_inbox_pages_need_sign_in(client, offices, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")


@pytest.mark.parametrize("url", ["/admin/questions/1/answered", "/admin/questions/1/unread", "/admin/outbox/1/retry"])
def test_inbox_buttons_need_sign_in(client, offices, url):
    token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")


# Questions


def test_a_question_to_fairfax_reaches_admin_and_fairfax_staff(client, admin_client, fairfax_staff_client):
    question_id = ask(client, "fairfax", name="Dana Whitfield")
    for staff in (admin_client, fairfax_staff_client):
        html = staff.get("/admin/questions").get_data(as_text=True)
        assert "Dana Whitfield" in html and f"/admin/questions/{question_id}" in html
        assert "(1 new)" in html and "Fairfax, VA" in html


def test_a_question_to_potomac_is_hidden_from_fairfax_staff(client, admin_client, fairfax_staff_client):
    question_id = ask(client, "potomac", name="Lee Potomac")
    assert "Lee Potomac" in admin_client.get("/admin/questions").get_data(as_text=True)
    html = fairfax_staff_client.get("/admin/questions?state=all").get_data(as_text=True)
    assert "Lee Potomac" not in html and "(0 new)" in html and "0 questions" in html
    assert fairfax_staff_client.get(f"/admin/questions/{question_id}").status_code == 404
    token = csrf_token_from(fairfax_staff_client.get("/admin/questions").get_data(as_text=True))
    assert (
        fairfax_staff_client.post(f"/admin/questions/{question_id}/answered", data={"csrf_token": token}).status_code
        == 404
    )


def test_a_question_shows_every_detail_with_the_message_escaped(app, client, admin_client):
    question_id = ask(client, message='Pain is < 5 most days.\nWorse at night & "sharp"?')
    html = admin_client.get(f"/admin/questions/{question_id}").get_data(as_text=True)
    assert '<a href="mailto:dana@example.org">dana@example.org</a>' in html
    assert "(703) 555-0123" in html and "Fairfax, VA" in html
    assert "Pain is &lt; 5 most days.\nWorse at night &amp; &#34;sharp&#34;?" in html
    assert 'class="pre"' in html
    with app.app_context():
        question = db.session.get(PatientQuestion, question_id)
        received = local_time(question.created_at, question.office.tz)  # office time, e.g. "Tue Mar 4, 2031 10:00 AM"
    assert f"{received} (Fairfax, VA time)" in html


def test_opening_a_new_question_marks_it_read_and_records_it(app, client, admin_client):
    question_id = ask(client)
    assert question_status(app, question_id) == "new"
    html = admin_client.get(f"/admin/questions/{question_id}").get_data(as_text=True)
    assert "Read" in html
    assert question_status(app, question_id) == "read"
    admin_client.get(f"/admin/questions/{question_id}")  # opening it again changes nothing
    assert audit_actions(app) == [("question_read", {"question": question_id, "status": ["new", "read"]})]
    assert "(0 new)" in admin_client.get("/admin/questions").get_data(as_text=True)


def test_mark_answered_then_unread_with_audit_entries(app, client, admin_client):
    question_id = ask(client)
    page = f"/admin/questions/{question_id}"
    response = post(admin_client, f"/admin/questions/{question_id}/answered", page=page)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/questions"
    assert question_status(app, question_id) == "answered"
    assert f"Question #{question_id} marked answered." in admin_client.get("/admin/questions").get_data(as_text=True)
    response = post(admin_client, f"/admin/questions/{question_id}/unread", page=page)
    assert response.status_code == 303
    assert question_status(app, question_id) == "new"
    assert [action for action, _ in audit_actions(app)] == ["question_read", "question_answered", "question_unread"]
    assert audit_actions(app)[1][1] == {"question": question_id, "status": ["read", "answered"]}
    assert audit_actions(app)[2][1] == {"question": question_id, "status": ["answered", "new"]}


def test_the_list_filters_by_state_and_hides_answered_by_default(app, client, admin_client):
    new_id = ask(client, name="Nora New")
    read_id = ask(client, name="Rita Read")
    answered_id = ask(client, name="Andy Answered")
    admin_client.get(f"/admin/questions/{read_id}")
    post(admin_client, f"/admin/questions/{answered_id}/answered", page=f"/admin/questions/{answered_id}")
    expected = {
        "": {"Nora New", "Rita Read"},
        "?state=new": {"Nora New"},
        "?state=read": {"Rita Read"},
        "?state=answered": {"Andy Answered"},
        "?state=all": {"Nora New", "Rita Read", "Andy Answered"},
        "?state=nonsense": {"Nora New", "Rita Read"},
    }
    for query, names in expected.items():
        html = admin_client.get(f"/admin/questions{query}").get_data(as_text=True)
        assert {n for n in ("Nora New", "Rita Read", "Andy Answered") if n in html} == names, query
    html = admin_client.get("/admin/questions?state=all").get_data(as_text=True)
    assert html.index("Andy Answered") < html.index("Rita Read") < html.index("Nora New")  # newest first
    assert '<label for="state">Show</label>' in html and new_id


def test_the_question_list_pages_by_25_and_answers_htmx_with_the_table_only(app, admin_client, offices):
    with app.app_context():
        for number in range(30):
            db.session.add(
                PatientQuestion(
                    office_id=offices["fairfax"].id,
                    name=f"Patient {number:02d}",
                    email="p@example.org",
                    message="Hi",
                    created_at=system_time() - timedelta(minutes=60 - number),
                )
            )
        db.session.commit()
    first = admin_client.get("/admin/questions").get_data(as_text=True)
    assert "30 questions — page 1 of 2" in first and "Patient 29" in first and "Patient 04" not in first
    second = admin_client.get("/admin/questions?page=2", headers=HTMX).get_data(as_text=True)
    assert "<html" not in second and 'id="questions-table"' in second and "Patient 04" in second


# Outbox


def test_a_failed_email_is_listed_as_failed_with_its_error(app, client, admin_client):
    ask(client)
    fail_every_email(app)
    html = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert "Emails — <strong" in html and "1 failed</strong>" in html
    assert '<strong class="flag">Failed</strong>' in html
    assert "ConnectionRefusedError" in html and "Website question #" in html
    assert "fairfax-frontdesk@example.org" in html and "Retry now" in html


def test_sent_emails_are_listed_only_when_asked_for(app, admin_client):
    sent_id = add_email(
        app, status=OutboxStatus.SENT, subject="Already delivered", last_error=None, sent_at=system_time()
    )
    add_email(app, subject="Stuck one")
    default = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert "Stuck one" in default and "Already delivered" not in default
    sent = admin_client.get("/admin/outbox?status=sent").get_data(as_text=True)
    assert "Already delivered" in sent and "Stuck one" not in sent
    assert f"/admin/outbox/{sent_id}/retry" not in sent  # nothing to retry
    fragment = admin_client.get("/admin/outbox?status=sent", headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="outbox-table"' in fragment and "Already delivered" in fragment


def test_an_email_about_an_appointment_links_to_it(app, admin_client, make_appointment):
    appointment_id = make_appointment(datetime(2031, 3, 4, 15, tzinfo=UTC))
    add_email(app, topic=f"appointment:{appointment_id}")
    html = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert f'<a href="/admin/appointments/{appointment_id}">' in html


def test_retry_now_delivers_a_failed_email_once_the_server_is_up(app, client, admin_client, smtp_server):
    ask(client)
    fail_every_email(app)
    row_id = only_email_id(app)
    assert email(app, row_id).status == OutboxStatus.FAILED
    app.extensions["mail"].port = smtp_server.port  # the mail server is back
    response = post(admin_client, f"/admin/outbox/{row_id}/retry")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/outbox"
    [received] = smtp_server.messages
    assert received["to"] == ["fairfax-frontdesk@example.org"]
    row = email(app, row_id)
    assert row.status == OutboxStatus.SENT and row.sent_at
    html = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert "Sent." in html and "No emails here." in html and "(none failed)" in html
    [(action, changes)] = [entry for entry in audit_actions(app) if entry[0] == "email_retry"]
    assert changes["email"] == row_id and changes["email_status"] == ["failed", "pending"]
    assert changes["attempts"] == [1, 0]


def test_retry_while_the_server_is_down_keeps_the_email_and_says_so(app, client, admin_client):
    ask(client)
    fail_every_email(app)  # OUTBOX_MAX_ATTEMPTS=1, nothing listening
    row_id = only_email_id(app)
    response = post(admin_client, f"/admin/outbox/{row_id}/retry")
    assert response.status_code == 303
    row = email(app, row_id)
    assert row.status == OutboxStatus.FAILED and row.attempts == 1  # exactly one more attempt
    html = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert "Still failing: ConnectionRefusedError" in html and "1 failed</strong>" in html


def test_retrying_a_pending_email_skips_its_wait_and_keeps_its_attempts(app, client, admin_client):
    ask(client)
    app.config.update(MAIL_BACKEND="smtp", OUTBOX_MAX_ATTEMPTS=5)
    app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", free_port()
    with app.app_context():
        send_pending()
    waiting = email(app, only_email_id(app))
    assert waiting.status == OutboxStatus.PENDING and waiting.attempts == 1
    post(admin_client, f"/admin/outbox/{waiting.id}/retry")
    row = email(app, waiting.id)
    assert row.status == OutboxStatus.PENDING and row.attempts == 2  # tried once more, still waiting
    html = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert "Still failing: ConnectionRefusedError. It will be tried again automatically at" in html


def test_retry_sends_only_that_email_not_the_whole_backlog(app, admin_client, smtp_server):
    earlier = add_email(
        app,
        status=OutboxStatus.PENDING,
        attempts=0,
        last_error=None,
        next_attempt_at=system_time() - timedelta(hours=1),
    )
    failed = add_email(app)  # attempts 8 of 8
    post(admin_client, f"/admin/outbox/{failed}/retry")
    assert email(app, failed).status == OutboxStatus.SENT
    assert email(app, earlier).attempts == 0  # left to the worker
    assert len(smtp_server.messages) == 1


def test_retry_never_overrides_a_sender_that_just_claimed_the_email(app, make_user):
    from sqlalchemy import update

    from clinic_app.admin.inbox.service import RetryRefused, retry_email
    from clinic_app.models import StaffUser

    user_id = make_user("admin@example.org", "admin")
    row_id = add_email(app)
    with app.app_context():
        message = db.session.get(OutboxMessage, row_id)  # read as "failed" by the retrying view ...
        db.session.expunge(message)  # (kept as read: SQLite allows one writer, so end this transaction)
        db.session.commit()
        with db.engine.begin() as other:  # ... while a sender claims it on another connection
            other.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(status="sending"))
        with pytest.raises(RetryRefused):
            retry_email(db.session, db.session.get(StaffUser, user_id), message, system_time(), max_attempts=8)
    assert email(app, row_id).status == OutboxStatus.SENDING
    assert audit_actions(app) == []


def test_a_sent_email_cannot_be_retried(app, admin_client):
    row_id = add_email(app, status=OutboxStatus.SENT, last_error=None, sent_at=system_time())
    response = post(admin_client, f"/admin/outbox/{row_id}/retry")
    assert response.status_code == 303
    assert "This email was already sent." in admin_client.get("/admin/outbox").get_data(as_text=True)
    assert email(app, row_id).attempts == 8
    assert [a for a, _ in audit_actions(app)] == []


def test_staff_see_only_their_offices_emails_and_cannot_retry_others(
    app, client, fairfax_staff_client, admin_client, make_appointment
):
    fairfax_visit = make_appointment(datetime(2031, 3, 4, 15, tzinfo=UTC), office="fairfax")
    potomac_visit = make_appointment(datetime(2031, 3, 4, 16, tzinfo=UTC), office="potomac")
    ask(client, "fairfax")
    ask(client, "potomac")
    fail_every_email(app)  # the two question emails fail
    add_email(app, topic=f"appointment:{fairfax_visit}", subject="Fairfax visit email")
    potomac_email = add_email(app, topic=f"appointment:{potomac_visit}", subject="Potomac visit email")
    system_email = add_email(app, topic="", subject="Email about nothing in particular")
    html = fairfax_staff_client.get("/admin/outbox").get_data(as_text=True)
    assert "Fairfax visit email" in html and "for the Fairfax, VA office" in html
    assert "Potomac visit email" not in html and "Potomac, MD office" not in html
    assert "Email about nothing in particular" not in html
    assert "2 failed</strong>" in html
    assert "5 failed</strong>" in admin_client.get("/admin/outbox").get_data(as_text=True)
    with app.app_context():
        potomac_question_email = db.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.subject.like("%Potomac, MD%"))
        ).one()
    for row_id in (potomac_email, system_email, potomac_question_email):
        assert post(fairfax_staff_client, f"/admin/outbox/{row_id}/retry").status_code == 404
        assert email(app, row_id).status == OutboxStatus.FAILED


@pytest.mark.parametrize(
    "url", ["/admin/questions/{question}/answered", "/admin/questions/{question}/unread", "/admin/outbox/{email}/retry"]
)
def test_buttons_need_the_csrf_token(app, client, admin_client, url):
    question_id = ask(client)
    email_id = only_email_id(app)
    response = admin_client.post(url.format(question=question_id, email=email_id), data={})
    assert response.status_code == 400
    assert question_status(app, question_id) == "new"
    assert email(app, email_id).attempts == 0 and audit_actions(app) == []
