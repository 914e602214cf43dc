"""The SMS provider's webhook for patients' replies (signed by the provider, so no CSRF token)."""

from flask import abort, current_app, request
from markupsafe import escape

from .. import clock
from ..extensions import csrf, db, limiter
from . import bp
from .numbers import texting_number
from .providers import signature_matches
from .replies import answer_reply


def signed_url() -> str:
    """The address the provider called, as it signed it: the public address (behind the proxy
    this app sees another), with the query string if any."""
    query = request.query_string.decode()
    return current_app.config["PUBLIC_BASE_URL"] + request.path + (f"?{query}" if query else "")


def twiml(text: str | None):
    """The provider's reply format: one message back to the patient, or nothing."""
    message = f"<Message>{escape(text)}</Message>" if text else ""
    body = f'<?xml version="1.0" encoding="UTF-8"?><Response>{message}</Response>'
    return body, 200, {"Content-Type": "text/xml; charset=utf-8", "Cache-Control": "no-store"}


@bp.route("/texts/inbound", methods=["POST"])
@csrf.exempt
@limiter.limit("120 per minute")
def inbound():
    """A patient replied to a text: check the provider's signature, then act on the reply."""
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    if not token:
        abort(404)
    fields = list(request.form.items(multi=True))
    if not signature_matches(token, signed_url(), fields, request.headers.get("X-Twilio-Signature")):
        abort(403)
    number, problem = texting_number(request.form.get("From", ""))
    if problem:
        return twiml(None)
    return twiml(answer_reply(db.session, number, request.form.get("Body", ""), clock.now()))
