"""Pages as rendered, kept in this process for the next request that would see the same page.

Used where a page is read far more often than what it shows changes: booking steps 1 and 2
(nothing personal on them) and the back office's bookings list. The caller's key names
everything the page shows: the address, the versions of the data behind it
(``clinic_app.stamps``), the quarter hour, and whose page it is where that matters; so a kept
page is exactly the page that would be rendered. The parts made for each browser (the CSRF token,
the "form shown at" stamp of the bot check) are cut out when a page is kept and made anew each
time it is served (``per_browser``). A page that showed a message (a flash), was rendered
without some of its data, or has any other status than 200 is never kept.
"""

from flask import current_app, g, make_response, request, session
from flask.globals import request_ctx
from flask_wtf.csrf import generate_csrf

from .htmx import is_htmx
from .i18n import suggested_language
from .stamps import kept


def _pages():
    return kept("rendered_pages", 2048)


def usable() -> bool:
    """Whether this request's page may be served kept or kept: a GET with no message waiting."""
    return current_app.config["RENDERED_PAGE_CACHE"] and request.method == "GET" and not session.get("_flashes")


def request_key() -> tuple:
    """What every kept page's key holds: the address, whether htmx asked for a fragment, and the
    language the layout offers."""
    return (
        request.scheme,
        request.host,
        request.root_path,
        request.path,
        request.query_string,
        is_htmx(),
        suggested_language(),
    )


def per_browser(value: str, make) -> str:
    """``value``, just made for this page; a kept copy of the page gets ``make()`` in its place
    each time it is served."""
    g.setdefault("per_browser_values", []).append((value, make))
    return value


def kept_page(key):
    """The kept page for ``key``, its per-browser parts made for this browser; or None."""
    entry = _pages().get(key) if key is not None else None
    if entry is None:
        return None
    body, headers, makers = entry
    for number, make in enumerate(makers):
        body = body.replace(_hole(number), make())
    return make_response(body, 200, headers)


def keep(key, response):
    """Keep ``response`` under ``key`` when it is a plain page; returns it."""
    if key is None or response.status_code != 200 or response.mimetype != "text/html":
        return response
    messages = request_ctx.flashes or session.get("_flashes")  # shown on this page, or waiting
    if messages or g.get("page_degraded") or response.headers.getlist("Set-Cookie"):
        return response
    body = response.get_data(as_text=True)
    parts = list(g.get("per_browser_values", []))
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if token:
        parts.append((token, generate_csrf))
    makers = []
    for value, make in parts:
        body = body.replace(value, _hole(len(makers)))
        makers.append(make)
    dropped = ("content-length", "set-cookie")
    headers = [(name, value) for name, value in response.headers if name.lower() not in dropped]
    _pages().put(key, (body, headers, makers))
    return response


def _hole(number: int) -> str:
    return f"\x00per-browser-{number}\x00"  # never in a rendered page (HTML cannot hold a NUL)
