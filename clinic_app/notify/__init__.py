"""Email to patients and staff: composed as data, queued in the outbox, delivered after commit."""

from flask import current_app, g

from .outbox import send_pending


def _send_after_request(response):
    """In development, deliver what this request queued once the response has gone out."""
    if g.pop("outbox_enqueued", False) and current_app.config["OUTBOX_SEND_AFTER_COMMIT"]:
        app = current_app._get_current_object()

        def deliver_now():
            with app.app_context():
                send_pending()

        response.call_on_close(deliver_now)
    return response


def init_app(app):
    """Hook the after-commit delivery used by ``make run``."""
    app.after_request(_send_after_request)
