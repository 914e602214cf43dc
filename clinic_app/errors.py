"""Error pages in the site's layout: a full page, or a fragment for htmx requests."""

from flask import current_app
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .htmx import render

MESSAGES = {
    400: ("Something went wrong with that request", "Please go back and try again."),
    403: ("Not allowed", "You do not have access to this page."),
    404: ("Page not found", "We could not find that page. It may have moved."),
    405: ("Not allowed", "That action is not available on this page."),
    429: ("Too many attempts", "Please wait a minute before trying again."),
    500: ("Something went wrong on our side", "Please try again in a moment, or call the office."),
    503: ("Temporarily unavailable", "Please try again in a moment, or call the office."),
}


def render_error(code, title=None, detail=None):
    """The error page for ``code`` with a friendly title and explanation."""
    default_title, default_detail = MESSAGES.get(code, MESSAGES[500])
    return render(
        "errors/error.html",
        "errors/_error.html",
        status=code,
        code=code,
        title=title or default_title,
        detail=detail or default_detail,
    )


def handle_http_error(error: HTTPException):
    """Any HTTP error from a view, shown in the layout."""
    response = render_error(error.code or 500)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_csrf_error(_error: CSRFError):
    """An expired or missing form token: explain it plainly instead of a bare 400."""
    return render_error(
        400,
        title="This form has expired",
        detail="For your security, forms time out. Please reload the page and submit it again.",
    )


def handle_unexpected_error(error: Exception):
    """A bug: log it without request data and show the 500 page."""
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    current_app.logger.exception("Unhandled error: %s", type(error).__name__)
    return render_error(InternalServerError.code)


def register_errorhandlers(app):
    """Route every error through the layout-aware handlers."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
