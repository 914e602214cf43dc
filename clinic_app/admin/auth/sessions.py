"""How long a back-office session lasts: it ends after a spell without requests (idle) and a
fixed time after sign-in (absolute), whatever the browser does with its cookie."""

from datetime import datetime, timedelta

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"

IDLE = "idle"
TOO_LONG = "too_long"


def start_session(session, now: datetime) -> None:
    """Stamp a new sign-in."""
    session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = now.timestamp()


def session_end(session, now: datetime, *, idle: timedelta, longest: timedelta) -> str | None:
    """Why this session is over (``IDLE`` or ``TOO_LONG``), or None while it lasts.

    A session without stamps (signed in before these limits existed) is treated as too long.
    """
    signed_in_at, last_seen_at = session.get(SIGNED_IN_AT), session.get(LAST_SEEN_AT)
    if not isinstance(signed_in_at, int | float) or not isinstance(last_seen_at, int | float):
        return TOO_LONG
    moment = now.timestamp()
    if moment - signed_in_at >= longest.total_seconds():
        return TOO_LONG
    if moment - last_seen_at >= idle.total_seconds():
        return IDLE
    return None


SEEN_EVERY = timedelta(seconds=30)


def seen(session, now: datetime) -> None:
    """Record a request: the idle limit counts from here. Recorded at most every 30 seconds,
    so most pages need not sign and send the session cookie again (the idle limit then runs
    out up to 30 seconds early, never late)."""
    if now.timestamp() - session.get(LAST_SEEN_AT, 0) >= SEEN_EVERY.total_seconds():
        session[LAST_SEEN_AT] = now.timestamp()
