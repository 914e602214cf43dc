"""Each request is logged with method, path, status and time, and nothing a patient typed."""

import logging
import re


def request_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "clinic_app.requests"]


def test_a_request_is_logged_without_its_query_string(client, caplog):
    caplog.set_level(logging.INFO, logger="clinic_app.requests")
    client.get("/healthz?email=jane.doe@example.org&name=Jane")
    [line] = request_lines(caplog)
    assert re.fullmatch(r"GET /healthz 200 \d+\.\dms", line)
    assert "jane" not in caplog.text.lower()


def test_a_manage_link_token_in_the_path_is_never_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="clinic_app.requests")
    client.get("/booking/s3cr3t-t0ken-value")
    client.get("/booking/s3cr3t-t0ken-value/calendar.ics")
    assert "s3cr3t" not in caplog.text
    assert request_lines(caplog)[0].startswith("GET /booking/<token> 404")
    assert request_lines(caplog)[1].startswith("GET /booking/<token>/calendar.ics 404")


def test_the_find_my_appointment_page_is_logged_by_name(client, caplog):
    caplog.set_level(logging.INFO, logger="clinic_app.requests")
    client.get("/booking/find")
    client.get("/booking/findings-token")
    assert request_lines(caplog)[0].startswith("GET /booking/find 200")
    assert request_lines(caplog)[1].startswith("GET /booking/<token> 404")


def test_a_post_body_is_never_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    client.post("/", data={"first_name": "Zebulon", "phone": "7035550123"})
    assert "Zebulon" not in caplog.text
    assert "7035550123" not in caplog.text
    assert any(line.startswith("POST / ") for line in request_lines(caplog))


def test_a_token_in_a_path_that_matches_no_route_is_never_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="clinic_app.requests")
    client.delete("/booking/s3cr3t-t0ken-value/cancel")  # a method the route does not take: 405
    client.get("/booking/s3cr3t-t0ken-value/no-such-page")
    assert "s3cr3t" not in caplog.text
    assert request_lines(caplog)[0].startswith("DELETE /booking/<token>/cancel 405")


def test_control_characters_in_the_path_cannot_forge_a_log_line(client, caplog):
    caplog.set_level(logging.INFO, logger="clinic_app.requests")
    client.get("/abc%0aFORGED%0dGET%20/admin%1b[2K")
    client.get("/a%5Cnb")  # a real backslash before "n" stays different from a line break
    first, second = request_lines(caplog)
    assert first == first.splitlines()[0] and "\x1b" not in first
    assert re.fullmatch(r"GET /abc\\nFORGED\\rGET /admin\\x1b\[2K 404 \d+\.\dms", first)
    assert re.fullmatch(r"GET /a\\\\nb 404 \d+\.\dms", second)


def test_the_app_time_is_sent_only_when_the_benchmark_asks(app, client, offices):
    assert "Server-Timing" not in client.get("/").headers
    app.config["SERVER_TIMING"] = True
    timing = client.get("/").headers["Server-Timing"]
    assert timing.startswith("app;dur=") and float(timing.removeprefix("app;dur=")) >= 0
