"""The booking's transactions, each one function, each committed here.

``drafts`` holds the booking in progress, ``confirm`` turns a draft into an appointment (the one
place a provider's time is taken), ``manage`` is what a patient does afterwards with the private
link. Callers use them as ``service.<function>``.

The browser keeps only a random key to its draft; every choice is stored and re-checked here, so
skipped steps, edited URLs and altered form values lead back to the first step that is not done.
"""

import hashlib
import secrets
from datetime import timedelta

from ...database import lock_provider_time
from ..availability import time_is_blocked

DRAFT_LIFETIME = timedelta(minutes=30)  # without a step saved, what a patient typed is deleted
STEPS = ("visit", "time", "screening", "details", "review")
# No 0/O, 1/I/L or 5/S: a code read out over the phone is never misheard or mistyped.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXYZ2346789"


class BookingError(Exception):
    """A booking that cannot go ahead, with a message for the patient."""


class SlotTaken(BookingError):
    """Someone else booked the time first."""


class TooManyUpcoming(BookingError):
    """The patient's email address already has as many upcoming appointments as one may hold."""


class ScreeningFlagged(BookingError):
    """A "yes" to a screening question: no in-person visit can be moved online."""


def token_hash(raw: str) -> str:
    """Drafts and manage links are stored by hash, so the database never holds a usable key."""
    return hashlib.sha256(raw.encode()).hexdigest()


def lock_clear_time(session, *, office, provider, visit_type, starts_at) -> bool:
    """Take the clinician's time lock until the transaction ends (so a new block and this booking
    or move happen one after the other), then whether the visit and its pause from ``starts_at``
    are still clear of blocked time; the caller writes the appointment only when they are."""
    lock_provider_time(session, [provider.id])
    held_until = starts_at + timedelta(minutes=visit_type.duration_minutes + visit_type.buffer_minutes)
    return not time_is_blocked(session, office=office, provider=provider, starts_at=starts_at, ends_at=held_until)


def new_reference() -> str:
    """An 8-character booking reference without look-alike characters."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


# The three parts, re-exported so that callers say ``service.save_visit`` etc.
from .confirm import *  # noqa: E402,F403
from .drafts import *  # noqa: E402,F403
from .manage import *  # noqa: E402,F403
