"""Protections every response gets: no framing, no MIME sniffing, no NUL bytes, real client IPs."""

from flask import abort, request
from werkzeug.middleware.proxy_fix import ProxyFix


def refuse_nul_bytes():
    """A NUL byte has no place in a URL or a form; PostgreSQL refuses it, so refuse it first (400)."""
    values = [request.path, *request.args.values()]
    if request.method in {"POST", "PUT", "PATCH", "DELETE"} and request.mimetype in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        values += request.form.values()
    if any("\x00" in value for value in values):
        abort(400)


# Pages holding health information or a private link: the browser still sends our own address as
# ``Referer`` on same-origin requests (Flask-WTF's strict HTTPS check needs it on every form post),
# and nothing at all to another site, so a manage link's token never leaves the clinic's origin.
PRIVATE_REFERRER_POLICY = "same-origin"


def private_page(response):
    """Never kept by browsers or proxies; the address is only ever sent back to this site."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = PRIVATE_REFERRER_POLICY
    return response


def security_headers(response):
    """Pages cannot be framed by another site (clickjacking) or sniffed into another type."""
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    return response


def register_security(app):
    """Install the protections; behind ``PROXY_HOPS`` proxies, trust their forwarded headers."""
    if app.config["PROXY_HOPS"] > 0:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.before_request(refuse_nul_bytes)
    app.after_request(security_headers)
