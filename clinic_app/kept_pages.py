"""Pages as rendered, kept in this process for the next request that would see the same page.

Used where a page is read far more often than what it shows changes: booking steps 1 and 2
(nothing personal on them) and the back office's bookings list. The caller's key names
everything the page shows: the address, the versions of the data behind it
(``clinic_app.stamps``), the quarter hour, and whose page it is where that matters; so a kept
page is exactly the page that would be rendered. The one part that differs per browser, the CSRF
token, is cut out when a page is kept and this browser's token is put in when it is served. A
page with a message to show (a flash), or any other status than 200, is never kept.
"""

from flask import current_app, g, make_response, request, session
from flask_wtf.csrf import generate_csrf

from .htmx import is_htmx
from .stamps import kept

_HOLE = "\x00csrf-token\x00"  # never in a rendered page (HTML cannot hold a NUL)


def _pages():
    return kept("rendered_pages", 2048)


def usable() -> bool:
    """Whether this request's page may be served kept or kept: a GET with no message waiting."""
    return current_app.config["RENDERED_PAGE_CACHE"] and request.method == "GET" and not session.get("_flashes")


def request_key() -> tuple:
    """What every kept page's key holds: the address, and whether htmx asked for a fragment."""
    return (request.url, is_htmx())


def kept_page(key):
    """The kept page for ``key`` with this browser's CSRF token, or None."""
    entry = _pages().get(key) if key is not None else None
    if entry is None:
        return None
    body, headers = entry
    return make_response(body.replace(_HOLE, generate_csrf()), 200, headers)


def keep(key, response):
    """Keep ``response`` under ``key`` when it is a plain page; returns it."""
    if key is None or response.status_code != 200 or response.mimetype != "text/html":
        return response
    if session.get("_flashes") or response.headers.getlist("Set-Cookie"):
        return response
    body = response.get_data(as_text=True)
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if token:
        body = body.replace(token, _HOLE)
    headers = [
        (name, value) for name, value in response.headers if name.lower() not in ("content-length", "set-cookie")
    ]
    _pages().put(key, (body, headers))
    return response
