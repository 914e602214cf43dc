"""The outbox: email queued with the change, delivered by real SMTP, retried, never sent twice."""

import email
import threading
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import select

from clinic_app import create_app
from clinic_app.clock import system_time
from clinic_app.extensions import db
from clinic_app.models import OutboxMessage, OutboxStatus
from clinic_app.notify.outbox import Attachment, Email, enqueue, retry_delay, send_pending
from tests.conftest import free_port


@pytest.fixture
def app(each_database_app):
    """Every test here runs on SQLite and on PostgreSQL."""
    return each_database_app


def queue(app, count=1, **overrides):
    """Queue ``count`` staff emails and commit; return their ids."""
    with app.app_context():
        rows = []
        for number in range(count):
            values = {
                "kind": "question.office",
                "recipients": ("desk@example.org",),
                "subject": f"Website question #{number + 1} for the Fairfax, VA office",
                "text": "Plain text body",
                "html": "<p>HTML body</p>",
                "reply_to": "patient@example.org",
            }
            values.update(overrides)
            rows.append(enqueue(db.session, Email(**values)))
        db.session.commit()
        return [row.id for row in rows]


def row(app, row_id):
    with app.app_context():
        found = db.session.get(OutboxMessage, row_id)
        db.session.expunge(found)
        return found


def test_a_queued_email_reaches_a_real_smtp_server(app, smtp_server):
    [row_id] = queue(app, attachments=(Attachment("visit.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n"),))
    with app.app_context():
        report = send_pending()
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [received] = smtp_server.messages
    assert received["to"] == ["desk@example.org"]
    assert received["from"] == "appointments@example.org"
    message = received["message"]
    assert message["Subject"] == "Website question #1 for the Fairfax, VA office"
    assert message["Reply-To"] == "patient@example.org"
    assert message["Message-ID"].startswith(f"<outbox-{row_id}.")
    assert message.get_body(("plain",)).get_content().strip() == "Plain text body"
    assert message.get_body(("html",)).get_content().strip() == "<p>HTML body</p>"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "visit.ics"
    stored = row(app, row_id)
    assert stored.status == OutboxStatus.SENT and stored.attempts == 1 and stored.sent_at


def test_the_mail_server_being_down_delays_the_email_and_never_loses_it(app, smtp_server):
    up_port = smtp_server.port
    app.extensions["mail"].port = free_port()  # nothing listens there
    [row_id] = queue(app)
    with app.app_context():
        report = send_pending()
    assert (report.sent, report.retrying) == (0, 1)
    waiting = row(app, row_id)
    assert waiting.status == OutboxStatus.PENDING and waiting.attempts == 1
    assert waiting.last_error == "ConnectionRefusedError"
    assert waiting.next_attempt_at > system_time()

    app.extensions["mail"].port = up_port  # the server comes back
    with app.app_context():
        assert send_pending().sent == 0  # not due yet: backoff is respected
        assert send_pending(now=system_time() + timedelta(minutes=2)).sent == 1
        assert send_pending(now=system_time() + timedelta(days=1)).sent == 0
    assert len(smtp_server.messages) == 1
    assert row(app, row_id).status == OutboxStatus.SENT


def test_after_the_last_attempt_the_email_is_marked_failed_for_staff(app):
    app.config.update(MAIL_BACKEND="smtp", OUTBOX_MAX_ATTEMPTS=3)
    app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", free_port()
    [row_id] = queue(app)
    moment = system_time()
    with app.app_context():
        for _ in range(3):
            send_pending(now=moment)
            moment += timedelta(hours=7)
    failed = row(app, row_id)
    assert failed.status == OutboxStatus.FAILED and failed.attempts == 3


def test_retries_back_off_exponentially_up_to_six_hours():
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert retry_delay(20) == timedelta(hours=6)


def test_a_sender_that_died_mid_send_does_not_strand_the_email(app, smtp_server):
    [row_id] = queue(app)
    with app.app_context():
        stuck = db.session.get(OutboxMessage, row_id)
        stuck.status, stuck.claimed_at, stuck.attempts = OutboxStatus.SENDING, system_time(), 1
        db.session.commit()
        assert send_pending().sent == 0  # another sender may still be working on it
        assert send_pending(now=system_time() + timedelta(minutes=11)).sent == 1
    assert len(smtp_server.messages) == 1


def test_the_development_sink_writes_readable_eml_files(app, tmp_path):
    [row_id] = queue(app)
    with app.app_context():
        assert send_pending().sent == 1
    [path] = (tmp_path / "mail").glob("*.eml")
    assert f"-{row_id:06d}-question.office" in path.name
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "desk@example.org"
    assert message.get_body(("plain",)).get_content().strip() == "Plain text body"


@pytest.mark.parametrize(
    "field,value",
    [
        ("subject", "Hello\r\nBcc: victim@example.org"),
        ("recipients", ("a@example.org\nb@example.org",)),
        ("reply_to", "x@example.org\r\nBcc: y@example.org"),
        ("recipients", ()),
    ],
)
def test_no_email_with_a_line_break_in_a_header_or_without_recipient_is_queued(app, field, value):
    values = {"kind": "k", "recipients": ("a@example.org",), "subject": "s", "text": "t", field: value}
    with app.app_context(), pytest.raises(ValueError):
        enqueue(db.session, Email(**values))


def test_flask_outbox_send_delivers_and_reports(app, runner, smtp_server):
    queue(app, count=2)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0
    assert "reminders queued 0; waitlist ran; sent 2, will retry 0, failed 0" in result.output
    assert len(smtp_server.messages) == 2


def run_senders(url, smtp_port, sink_dir, senders=4):
    """Several senders at once, each with its own app and connection, like separate processes."""
    apps = [
        create_app(
            "testing",
            SQLALCHEMY_DATABASE_URI=url,
            MAIL_BACKEND="smtp",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp_port,
            MAIL_SINK_DIR=sink_dir,
        )
        for _ in range(senders)
    ]
    start = threading.Barrier(senders)
    reports = []

    def work(sender_app):
        with sender_app.app_context():
            start.wait()
            reports.append(send_pending())
            db.session.remove()
            db.engine.dispose()

    threads = [threading.Thread(target=work, args=(a,)) for a in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return reports


def check_each_email_sent_once(url, smtp_server, tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.create_all()
    ids = queue(app, count=40)
    reports = run_senders(url, smtp_server.port, str(tmp_path / "mail"))
    assert sum(r.sent for r in reports) == 40
    subjects = [m["message"]["Subject"] for m in smtp_server.messages]
    assert len(subjects) == 40 and len(set(subjects)) == 40
    with app.app_context():
        statuses = db.session.scalars(select(OutboxMessage.status).where(OutboxMessage.id.in_(ids))).all()
        assert set(statuses) == {OutboxStatus.SENT}
        db.engine.dispose()


def test_concurrent_senders_deliver_each_email_once(app, smtp_server, tmp_path):
    check_each_email_sent_once(app.config["SQLALCHEMY_DATABASE_URI"], smtp_server, tmp_path)


def test_a_silent_mail_server_cannot_hang_the_sender(app):
    import socket
    import time as clock

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts connections, never says a word
    app.config.update(MAIL_BACKEND="smtp", MAIL_TIMEOUT=1)
    app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", silent.getsockname()[1]
    [row_id] = queue(app)
    try:
        started = clock.monotonic()
        with app.app_context():
            report = send_pending()
        elapsed = clock.monotonic() - started
    finally:
        silent.close()
    assert elapsed < 10
    assert report.retrying == 1
    assert row(app, row_id).last_error in {"TimeoutError", "SMTPServerDisconnected"}
