"""The one clock: what time it is, for a request, a command or a test.

Nothing else reads the system clock. ``now()`` gives every part of one request the same instant
(read once, on first use), a command or the email worker the current time, and the test suite
freezes it for every app at once by replacing ``system_time`` (the ``frozen_clock`` fixture).
Services never call it: they take ``now`` as an argument, so they can run without a request.
"""

from datetime import UTC, datetime, timedelta

from flask import has_request_context, request

REQUEST_KEY = "clinic_app.now"


def system_time() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def now() -> datetime:
    """This request's instant (the same on every call), or the current time outside a request."""
    if not has_request_context():
        return system_time()
    moment = request.environ.get(REQUEST_KEY)
    if moment is None:
        moment = request.environ[REQUEST_KEY] = system_time()
    return moment


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
QUARTER_HOUR = timedelta(minutes=15)


def quarter_hour(moment: datetime) -> int:
    """Which quarter hour (counted in UTC) ``moment`` falls in. Every office's midnight starts one
    (time zones differ from UTC by whole quarter hours), so two moments in the same quarter hour
    are on the same date in every office: a page that shows days may be kept for the quarter."""
    return (moment.astimezone(UTC) - EPOCH) // QUARTER_HOUR
