"""One view, two renderings: the whole page, or only the fragment htmx asked for."""

from flask import g, make_response, render_template, request


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment (not boosted, not a history restore)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render(page: str, fragment: str, /, status: int = 200, **context):
    """Render ``fragment`` for htmx and ``page`` (which includes the fragment) otherwise."""
    template = fragment if is_htmx() else page
    return make_response(render_template(template, **context), status)


def hx_redirect(url: str, status: int = 303):
    """Send the browser to ``url``: ``HX-Redirect`` for htmx, a 303 redirect otherwise."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    response = make_response("", status)
    response.headers["Location"] = url
    return response


def add_vary_header(response):
    """Caches must keep the page and its fragment apart: both come from one URL."""
    vary_on(response, "HX-Request")
    if g.get("varies_on_language"):  # the layout offered (or could have offered) another language
        vary_on(response, "Accept-Language")
    return response


def vary_on(response, *names: str) -> None:
    """Add ``names`` to the response's ``Vary`` header (plain string work: this runs on every
    response, and parsing the header as a set costs more than the rest of a kept page)."""
    vary = response.headers.get("Vary", "")
    known = {part.strip().lower() for part in vary.split(",")}
    missing = [name for name in names if name.lower() not in known]
    if missing:
        response.headers["Vary"] = ", ".join(filter(None, [vary, *missing]))
