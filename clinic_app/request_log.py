"""One log line per request: method, path without query string, status and duration.

Nothing a patient typed is logged: no query string, no form data, no headers, and the secret
token of a manage link is replaced by the route's placeholder.
"""

import logging
import time

from flask import g, request

logger = logging.getLogger("clinic_app.requests")

# View arguments that are secrets: their value never reaches the log.
SECRET_VIEW_ARGS = frozenset({"token"})


def loggable_path() -> str:
    """The request path, with secret view arguments replaced by the route's placeholders."""
    if request.url_rule is not None and SECRET_VIEW_ARGS & set(request.view_args or {}):
        return request.url_rule.rule
    return request.path


def _start_timer():
    g.request_started = time.perf_counter()


def _log_request(response):
    started = g.pop("request_started", None)
    duration_ms = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    logger.info(
        "%s %s %s %.1fms", request.method, loggable_path(), response.status_code, duration_ms
    )
    return response


def register_request_log(app):
    """Time and log every request."""
    app.before_request(_start_timer)
    app.after_request(_log_request)
