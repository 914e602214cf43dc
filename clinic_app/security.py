"""Protections every response gets: a strict content policy, no framing, no MIME sniffing, HTTPS
remembered (production), no NUL bytes, real client IPs."""

from itertools import chain

from flask import abort, current_app, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
BODY_HEADERS = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})  # the headers WSGI keeps without HTTP_


def refuse_nul_bytes():
    """A NUL byte has no place in an address, a header or anything sent; PostgreSQL refuses it in
    text, so refuse it first (400): raw or percent-encoded in the path, the query string and the
    headers, and in the body of a state-changing request as a raw byte, in a form or as a JSON
    ``\\u0000`` escape (in a multipart form: in its fields and file names, not in a file's bytes).
    The body is read whole, which ``MAX_CONTENT_LENGTH`` bounds (413 beyond)."""
    environ = request.environ
    query = environ.get("QUERY_STRING", "")
    # A name or value of the query holds a NUL exactly when the raw query holds one, raw or "%00".
    if "\x00" in request.path or "\x00" in query or "%00" in query:
        abort(400)
    values = [value for name, value in environ.items() if name.startswith("HTTP_") or name in BODY_HEADERS]
    if request.method in STATE_CHANGING and request.mimetype == "multipart/form-data":
        # An uploaded file (a clinician's photo) is binary: its bytes may hold NULs. Every text
        # field and every file's name still may not.
        values += chain.from_iterable(request.form.items(multi=True))
        values += [upload.filename or "" for upload in request.files.values()]
    elif request.method in STATE_CHANGING:
        if b"\x00" in request.get_data():  # cached: the form or JSON is parsed from this copy
            abort(400)
        if request.mimetype in FORM_TYPES:
            values += chain.from_iterable(request.form.items(multi=True))
        elif request.is_json:
            values += json_form_strings()
    if any("\x00" in value for value in values):
        abort(400)


def json_form_strings() -> list[str]:
    """The keys and values of a JSON body, which Flask-WTF reads as a form: only an object of
    strings (or of lists of strings) can be one, anything else is a clear 400, not a crash."""
    try:
        data = request.get_json()  # invalid JSON: a 400 already; the result is cached for the form
    except RecursionError:  # nested too deep for the parser
        abort(400)
    if not isinstance(data, dict):
        abort(400)
    strings = []
    for key, value in data.items():
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, str) for item in items):
            abort(400)
        strings += [key, *items]
    return strings


# Pages holding health information or a private link: the browser still sends our own address as
# ``Referer`` on same-origin requests (Flask-WTF's strict HTTPS check needs it on every form post),
# and nothing at all to another site, so a manage link's token never leaves the clinic's origin.
PRIVATE_REFERRER_POLICY = "same-origin"


def private_page(response):
    """Never kept by browsers or proxies; the address is only ever sent back to this site."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = PRIVATE_REFERRER_POLICY
    return response


# Only this site's own files run or style a page: no inline script or style, no plug-ins, no
# <base> rewriting, forms post only here, and no other site may frame a page. (htmx 4 keeps its
# indicator style in a constructed style sheet, which this policy allows; JSON-LD blocks are data,
# never run.)
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Powerful browser features a clinic website never uses, switched off for it and anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


EVERY_RESPONSE = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)


def security_headers(response):
    """Set the content and permissions policies (and, when configured, HSTS) on every response,
    each unless the view set its own."""
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    headers.extend([(name, value) for name, value in EVERY_RESPONSE if name.lower() not in present])
    hsts_seconds = current_app.config["HSTS_SECONDS"]
    if hsts_seconds > 0 and "strict-transport-security" not in present:
        headers["Strict-Transport-Security"] = f"max-age={hsts_seconds}; includeSubDomains"
    return response


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, their signer made once per key rather than per request."""

    def get_signing_serializer(self, app):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = app.extensions.get("session_signer")
        if kept is not None and kept[0] == key:
            return kept[1]
        signer = super().get_signing_serializer(app)
        app.extensions["session_signer"] = (key, signer)  # replaced whole: safe between threads
        return signer


def register_security(app):
    """Install the protections; behind ``PROXY_HOPS`` proxies, trust their forwarded headers."""
    app.session_interface = SignedCookieSessions()
    if app.config["PROXY_HOPS"] > 0:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.before_request(refuse_nul_bytes)
    app.after_request(security_headers)
