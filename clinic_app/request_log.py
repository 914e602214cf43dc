"""One log line per request: method, path without query string, status and duration.

Nothing a patient typed is logged: no query string, no form data, no headers, and the secret
token of a manage link is replaced by a placeholder. What the client sent (method and path) is
logged with its control characters escaped, so a line break in an address cannot forge a line.
"""

import logging
import re
import time

from flask import current_app, g, request

from .i18n import language_prefix

logger = logging.getLogger("clinic_app.requests")

# Paths that carry a secret (a manage or reminder link token, its short form in texts, a waitlist
# entry's or offer's link, a staff member's password link) after their first segments.
SECRET_PATH = re.compile(r"^/(booking|v|waitlist|offer|admin/welcome)/(?!find$)[^/]+")


def escaped(text: str) -> str:
    """``text`` on one unambiguous line: a backslash doubled, and every control, format or
    line-separator character written as its escape (``\\n``, ``\\x1b``, ``\\u2028``)."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(
        "\\\\" if char == "\\" else char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


def loggable_path() -> str:
    """The request path (with its language prefix: ``/es/book/``) with any link token replaced
    by ``<token>``, matched route or not."""
    return language_prefix() + SECRET_PATH.sub(r"/\1/<token>", request.path)


def _start_timer():
    g.request_started = time.perf_counter()


def _log_request(response):
    started = g.pop("request_started", None)
    duration_ms = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    if logger.isEnabledFor(logging.INFO):
        method, path = escaped(request.method), escaped(loggable_path())
        logger.info("%s %s %s %.1fms", method, path, response.status_code, duration_ms)
    if current_app.config["SERVER_TIMING"]:  # the benchmark sums a whole booking's server time
        response.headers["Server-Timing"] = f"app;dur={duration_ms:.1f}"
    return response


def register_request_log(app):
    """Time and log every request."""
    app.before_request(_start_timer)
    app.after_request(_log_request)
