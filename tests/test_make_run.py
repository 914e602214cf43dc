"""``make run``: one command serves the site and runs the outbox worker that delivers its email."""

import http.cookiejar
import os
import signal
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

from tests.conftest import answers, csrf_token_from, free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def test_make_run_serves_and_delivers_a_question_by_its_worker_then_stops_both(tmp_path):
    port, sink = free_port(), tmp_path / "mail"
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}",
        "MAIL_SINK_DIR": str(sink),
        "CLINIC_ENV": "development",
        "FORM_MIN_FILL_SECONDS": "0",  # the test posts the question as soon as the form is shown
    }
    env.pop("MAKEFLAGS", None)
    env.pop("MFLAGS", None)
    run = subprocess.Popen(
        ["make", "-s", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: answers(base + "/healthz"), 60), "make run did not start serving"
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with opener.open(base + "/ask", timeout=5) as page:
            token = csrf_token_from(page.read().decode())
        form = urllib.parse.urlencode(
            {
                "csrf_token": token,
                "name": "Ada Lovelace",
                "email": "ada@example.org",
                "office": "potomac",
                "message": "Do you see patients with neck pain?",
            }
        )
        with opener.open(base + "/ask", data=form.encode(), timeout=5) as sent:
            assert sent.url.endswith("/ask/thanks")
        assert wait_for(lambda: len(list(sink.glob("*.eml"))) == 2, 15), "the worker did not deliver the emails"
        emails = [path.read_text() for path in sink.glob("*.eml")]
        assert len([text for text in emails if "Do you see patients with neck pain?" in text]) == 1  # the office's
        (receipt,) = [text for text in emails if "We received your question" in text]  # the patient's
        assert "neck pain" not in receipt
    finally:
        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C in the terminal
        output, _ = run.communicate(timeout=20)
    assert wait_for(lambda: not group_alive(run.pid), 10), "a process of make run outlived Ctrl-C"
    assert "Outbox worker started" in output and "Outbox worker stopped" in output, output
