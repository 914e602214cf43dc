"""Each request is logged with method, path, status and time, and nothing a patient typed."""

import logging
import re

from flask import Blueprint


def request_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "clinic_app.requests"]


def test_a_request_is_logged_without_its_query_string(client, caplog):
    caplog.set_level(logging.INFO, logger="clinic_app.requests")
    client.get("/healthz?email=jane.doe@example.org&name=Jane")
    [line] = request_lines(caplog)
    assert re.fullmatch(r"GET /healthz 200 \d+\.\dms", line)
    assert "jane" not in caplog.text.lower()


def test_a_secret_token_in_the_path_is_never_logged(app, caplog):
    secret = Blueprint("secret_test", __name__)

    @secret.get("/booking/<token>")
    def manage(token):
        return "ok"

    app.register_blueprint(secret)
    caplog.set_level(logging.INFO, logger="clinic_app.requests")
    app.test_client().get("/booking/s3cr3t-t0ken-value")
    assert request_lines(caplog) == [line for line in request_lines(caplog) if "s3cr3t" not in line]
    assert any(line.startswith("GET /booking/<token> 200") for line in request_lines(caplog))


def test_a_post_body_is_never_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    client.post("/", data={"first_name": "Zebulon", "phone": "7035550123"})
    assert "Zebulon" not in caplog.text
    assert "7035550123" not in caplog.text
    assert any(line.startswith("POST / ") for line in request_lines(caplog))
