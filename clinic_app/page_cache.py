"""Public pages (home, articles, offices, the office update) as every visitor without a session
sees them: kept rendered in this process for ``PAGE_CACHE_SECONDS`` and sent with
``Cache-Control: public`` and an ETag, so a repeat visit or a proxy costs nothing.

Such a page holds nothing of one visitor: no session is read or created, no CSRF token is put in
it (the banner's "Hide" is a plain preference cookie), and the one per-visitor difference, whether
the banner was hidden, is part of the key (with ``Vary: Cookie`` for caches downstream). A visitor
who has a session (a booking in progress, a message to show) gets the page rendered for them. An
office's details changed in the back office reach every page within ``PAGE_CACHE_SECONDS``.
"""

import functools
import hashlib
import threading
import time

from flask import current_app, g, make_response, request, session

from .htmx import is_htmx
from .i18n import suggested_language

VARY = "Cookie, HX-Request, HX-Boosted, HX-History-Restore-Request"
MAX_PAGES = 512  # far more than the site's public pages; a flood of odd URLs only empties it

_pages: dict = {}
_lock = threading.Lock()


def clear() -> None:
    """Forget every kept page (tests; and after a change that must show at once)."""
    with _lock:
        _pages.clear()


def degraded() -> None:
    """Say that this page was rendered without some of its data (the database could not be
    read): it is then neither kept nor cacheable."""
    g.page_degraded = True


def _store(key, entry) -> None:
    """Keep a page; when full, drop the pages whose time is up, and keep nothing new if none
    is (odd URLs can fill the cache for a minute at most, never empty it)."""
    with _lock:
        if len(_pages) >= MAX_PAGES:
            now = time.monotonic()
            for stale in [k for k, kept in _pages.items() if kept[0] <= now]:
                del _pages[stale]
        if len(_pages) < MAX_PAGES:
            _pages[key] = entry


def _key():
    from .pages.banner import BANNER_COOKIE  # (the pages package itself uses this module)

    return (
        request.root_path,
        request.path,
        request.query_string,
        is_htmx(),
        request.cookies.get(BANNER_COOKIE, ""),
        suggested_language(),
    )


def _anonymous() -> bool:
    return current_app.config["SESSION_COOKIE_NAME"] not in request.cookies


def public_page(view):
    """Serve ``view`` as a public page (see the module's description)."""

    @functools.wraps(view)
    def serve(*args, **kwargs):
        g.public_page = True  # the layout then carries no CSRF token, so no session is made
        seconds = current_app.config["PAGE_CACHE_SECONDS"]
        usable = seconds > 0 and _anonymous()
        key = _key() if usable else None
        kept = _pages.get(key) if usable else None
        now = time.monotonic()
        response = None
        if kept is not None and kept[0] > now:
            body, content_type, etag = kept[1], kept[2], kept[3]
        else:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
            if g.get("page_degraded"):
                response.headers["Cache-Control"] = "no-store"
                return response
            body, content_type = response.get_data(), response.headers["Content-Type"]
            etag = hashlib.blake2b(body, digest_size=16).hexdigest()
            # A page that wrote to the session (a form token, a message) belongs to one visitor.
            if usable and not session.modified and not response.headers.getlist("Set-Cookie"):
                _store(key, (now + seconds, body, content_type, etag))
        if _anonymous() and not is_htmx():
            cache_control = f"public, max-age={max(seconds, 0)}"
        else:
            # An htmx fragment must never stand in for the page when the browser goes Back, and a
            # visitor with a session may see their own messages: check again each time (the ETag
            # keeps that cheap).
            cache_control = "private, no-cache"
        headers = {"Cache-Control": cache_control, "Vary": VARY, "ETag": f'"{etag}"'}
        if request.if_none_match.contains_weak(etag):  # (a proxy that compresses weakens the ETag)
            return make_response("", 304, headers)
        if response is None:  # served kept
            return make_response(body, 200, {"Content-Type": content_type, **headers})
        response.headers.update(headers)  # rendered now: with whatever else the view said
        return response

    return serve
