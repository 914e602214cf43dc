"""Links into the booking form from the rest of the site."""

from flask import url_for


def booking_url(**prefill) -> str:
    """The booking form, with ``reason`` and/or ``location`` filled in when given."""
    return url_for("booking.start", **{key: value for key, value in prefill.items() if value})
