"""Error pages in the site's layout: a full page, or a fragment for htmx requests."""

import time
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import current_app, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db, limiter
from .htmx import is_htmx, render
from .offices import forget_offices

MESSAGES = {
    400: (_l("Something went wrong with that request"), _l("Please go back and try again.")),
    403: (_l("Not allowed"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("We could not find that page. It may have moved.")),
    405: (_l("Not allowed"), _l("That action is not available on this page.")),
    413: (
        _l("That was too much to send"),
        _l(
            "Our forms only take text, and what was sent was far larger. "
            "Please go back, shorten what you wrote, and send it again, or call the office."
        ),
    ),
    429: (_l("Too many attempts"), _l("Please wait a while before trying again.")),
    500: (_l("Something went wrong on our side"), _l("Please try again in a moment, or call the office.")),
    503: (_l("Temporarily unavailable"), _l("Please try again in a moment, or call the office.")),
}


def render_error(code, title=None, detail=None, next_step=None):
    """The error page for ``code`` with a friendly title and explanation, and where to go next
    (``(label, url)``) when there is somewhere better than the home page.

    Answering htmx, the message goes into the page's error region above what the person was
    doing (which stays: nothing typed is swapped away), takes focus (site.js) and links back to a
    fresh load of the page they are on."""
    default_title, default_detail = MESSAGES.get(code, MESSAGES[500])
    context = {"code": code, "title": title or default_title, "detail": detail or default_detail}
    if not is_htmx():
        return render("errors/error.html", "errors/_error.html", status=code, next_step=next_step, **context)
    response = make_response(
        render_template("errors/_htmx_error.html", next_step=next_step, back_url=page_shown(), **context), code
    )
    response.headers.update(
        {
            "HX-Retarget": "#htmx-error",
            "HX-Reswap": "innerHTML",
            "HX-Reselect": "#htmx-error-message",  # (not the hx-select of the element that asked)
            "HX-Push-Url": "false",
        }
    )
    return response


def page_shown() -> str:
    """The address of the page an htmx request came from (``HX-Current-URL``), as a path on this
    site; the home page when it is missing or elsewhere."""
    shown = urlsplit(request.headers.get("HX-Current-URL", ""))
    path = shown.path
    if (
        shown.netloc
        and shown.netloc != request.host
        or not path.startswith("/")
        or path.startswith("//")
        or "\\" in path
    ):
        return url_for("pages.home")  # (//host/… and /\host/… would lead off the site)
    return shown.path + (f"?{shown.query}" if shown.query else "")


def wait_in_words(seconds: float) -> str:
    """How long to wait, as a patient would say it: "a minute", "a few minutes", "about 20
    minutes", "about an hour", "about 3 hours"."""
    minutes = seconds / 60
    if minutes <= 1.5:
        return _("a minute")
    if minutes <= 10:
        return _("a few minutes")
    if minutes <= 45:
        return ngettext("about %(num)s minute", "about %(num)s minutes", 5 * round(minutes / 5))
    if minutes <= 90:
        return _("about an hour")
    return ngettext("about %(num)s hour", "about %(num)s hours", round(minutes / 60))


def seconds_until_retry(error: HTTPException) -> float | None:
    """How long until the rate limit behind a 429 lets this client in again: what the
    ``Retry-After`` header says (the time left in the limit's window), or the whole window when the
    limit store cannot tell; None for a 429 that no limit raised."""
    limit = getattr(error, "limit", None)  # Flask-Limiter's RateLimitExceeded
    if limit is None:
        return None
    hit = limiter.current_limit
    if hit is not None and hit.breached:
        try:
            return max(hit.reset_at - time.time(), 0)  # the limiter's own clock, as Retry-After
        except Exception:  # the store is unreachable: the window's length is still true
            pass
    return limit.limit.get_expiry()


def retry_wait(error: HTTPException) -> str | None:
    """How long to wait before trying again, in words ("about an hour"), when a limit said so."""
    seconds = seconds_until_retry(error)
    return None if seconds is None else wait_in_words(seconds)


def too_many_requests_detail(error: HTTPException) -> str | None:
    """The 429 page's explanation, saying how long to wait for the limit that was hit."""
    wait = retry_wait(error)
    if wait is None:
        return None
    return _(
        "To keep the site safe for everyone, we limit how often this can be done. Please try again in %(wait)s.",
        wait=wait,
    )


def handle_http_error(error: HTTPException):
    """Any HTTP error from a view, shown in the layout."""
    detail = too_many_requests_detail(error) if error.code == 429 else None
    response = render_error(error.code or 500, detail=detail)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


class FormRefusal(NamedTuple):
    """Why a form was refused, in words for the person who sent it."""

    title: str
    detail: str
    timed_out: bool


def csrf_failure(error: CSRFError) -> FormRefusal:
    """A plain title and explanation for a refused form: an old token, or no sign of this site.

    Over HTTPS a form is accepted only when the browser says it came from this site (the
    ``Referer`` header); a browser or extension that strips it gets told so instead of "expired".
    """
    if "referrer" in (error.description or "").lower():
        return FormRefusal(
            _("This form could not be sent"),
            _(
                "Your browser did not say which page the form came from, which we check to keep your "
                "information safe. Please reload the page and try again; if this keeps happening, a "
                "privacy setting or extension may be removing that information, or call the office."
            ),
            timed_out=False,
        )
    return FormRefusal(
        _("This form has expired"),
        _("For your security, forms time out. Please reload the page and submit it again."),
        timed_out=True,
    )


def handle_csrf_error(error: CSRFError):
    """A refused form token: explain it plainly instead of a bare 400."""
    refusal = csrf_failure(error)
    return render_error(400, title=refusal.title, detail=refusal.detail)


def handle_unexpected_error(error: Exception):
    """A bug: log it without request data and show the 500 page."""
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    current_app.logger.exception("Unhandled error: %s", type(error).__name__)
    db.session.rollback()  # a failed transaction must not break the error page itself
    forget_offices()
    return render_error(InternalServerError.code)


def register_errorhandlers(app):
    """Route every error through the layout-aware handlers."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
