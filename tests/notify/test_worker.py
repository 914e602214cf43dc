"""``flask outbox work``: a real process that delivers queued email and stops cleanly on SIGTERM."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from clinic_app import create_app
from clinic_app.extensions import db
from clinic_app.notify.outbox import Email, enqueue
from tests.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]


def start_worker(url, **settings):
    """``flask outbox work`` as a real process on ``url``, polling every 0.2 s."""
    env = {
        **os.environ,
        "CLINIC_ENV": "development",
        "DATABASE_URL": url,
        "FLASK_APP": "wsgi",
        "PYTHONUNBUFFERED": "1",
        **settings,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "outbox", "work", "--poll", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def app_with_questions(url, count):
    """An app on ``url`` with ``count`` office emails queued (the worker process reads the same file)."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.create_all()
        for number in range(count):
            enqueue(
                db.session,
                Email(
                    kind="question.office", recipients=("desk@example.org",), subject=f"Question {number}", text="Body"
                ),
            )
        db.session.commit()
        db.engine.dispose()
    return app


def test_the_worker_delivers_queued_email_and_stops_cleanly_on_sigterm(tmp_path):
    url, sink = f"sqlite:///{tmp_path / 'worker.sqlite3'}", tmp_path / "mail"
    app = app_with_questions(url, 3)

    worker = start_worker(url, MAIL_SINK_DIR=str(sink))
    try:
        assert wait_for(lambda: len(list(sink.glob("*.eml"))) == 3), "the worker did not deliver"
        with app.app_context():  # a new email while it runs is picked up on the next round
            enqueue(
                db.session,
                Email(kind="question.office", recipients=("desk@example.org",), subject="Question 3", text="Body"),
            )
            db.session.commit()
            db.engine.dispose()
        assert wait_for(lambda: len(list(sink.glob("*.eml"))) == 4)
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=15)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert "Outbox worker stopped after" in output


class SlowMailServer:
    """An aiosmtpd handler that takes ``seconds`` to accept each message."""

    def __init__(self, seconds):
        self.seconds, self.started, self.accepted = seconds, 0, []

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        self.started += 1
        await asyncio.sleep(self.seconds)
        self.accepted.append(envelope.content)
        return "250 Message accepted for delivery"


def test_on_sigterm_the_worker_finishes_the_email_in_hand_and_leaves_the_rest_queued(tmp_path):
    from aiosmtpd.controller import Controller
    from sqlalchemy import select

    from clinic_app.models import OutboxMessage
    from tests.conftest import free_port

    handler, port = SlowMailServer(seconds=2), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    app = app_with_questions(url, 3)
    worker = start_worker(url, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port))
    try:
        assert wait_for(lambda: handler.started == 1), "the first email never reached the server"
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=15)
    finally:
        if worker.poll() is None:
            worker.kill()
        controller.stop()
    assert worker.returncode == 0, output
    # The one in hand went and no other began (so it did not wait for the whole batch of 3 x 2 s;
    # no wall-clock bound here: a loaded machine would make one flaky).
    assert len(handler.accepted) == 1 and handler.started == 1
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(row.status, row.attempts) for row in rows] == [("sent", 1), ("pending", 0), ("pending", 0)]
