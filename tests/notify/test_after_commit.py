"""``make run`` delivers queued email right after the request that queued it."""

import email
from email import policy

from tests.conftest import csrf_token_from


def test_a_question_reaches_the_development_sink_right_after_the_request(app, client, offices, tmp_path):
    app.config["OUTBOX_SEND_AFTER_COMMIT"] = True
    token = csrf_token_from(client.get("/ask").get_data(as_text=True))
    response = client.post("/ask", data={
        "csrf_token": token, "name": "Ada Lovelace", "email": "ada@example.org",
        "office": "potomac", "message": "Do you see patients with neck pain?",
    })
    assert response.status_code == 303
    response.close()
    [path] = (tmp_path / "mail").glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "potomac-frontdesk@example.org"
    assert message["Reply-To"] == "ada@example.org"
    assert "Do you see patients with neck pain?" in message.get_body(("plain",)).get_content()
    assert "Potomac, MD office" in message["Subject"]


def test_without_after_commit_delivery_the_email_waits_in_the_outbox(app, client, offices, tmp_path):
    app.config["OUTBOX_SEND_AFTER_COMMIT"] = False
    token = csrf_token_from(client.get("/ask").get_data(as_text=True))
    client.post("/ask", data={
        "csrf_token": token, "name": "Ada Lovelace", "email": "ada@example.org",
        "office": "potomac", "message": "Hello",
    }).close()
    assert not (tmp_path / "mail").exists()
