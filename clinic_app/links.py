"""Links between features that may not all be mounted yet."""

from flask import current_app, url_for


def booking_url(**prefill) -> str:
    """Where "Request an appointment" leads, with ``reason``/``location`` filled in.

    The online booking form when it is mounted; otherwise the "Ask us a question or request an
    appointment" form, which the front desk answers by phone or email.
    """
    prefill = {key: value for key, value in prefill.items() if value}
    if "booking.start" in current_app.view_functions:
        return url_for("booking.start", **prefill)
    return url_for("ask.question", **prefill)
