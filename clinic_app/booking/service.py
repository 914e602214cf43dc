"""The booking in progress and the booking itself: each function is one transaction.

The browser keeps only a random key to its draft; every choice is stored and re-checked here, so
skipped steps, edited URLs and altered form values lead back to the first step that is not done.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..models import (
    Appointment,
    AppointmentStatus,
    BookingDraft,
    Office,
    Provider,
    ProviderTimeBlock,
    VisitType,
)
from ..reasons import VISIT_REASONS
from . import screening
from .availability import find_slot
from .slots import BookingRules, time_blocks

DRAFT_LIFETIME = timedelta(hours=2)
STEPS = ("visit", "time", "screening", "details", "review")
# No 0/O, 1/I/L or 5/S: a code read out over the phone is never misheard or mistyped.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXYZ2346789"


class BookingError(Exception):
    """A booking that cannot go ahead, with a message for the patient."""


class SlotTaken(BookingError):
    """Someone else booked the time first."""


class ScreeningFlagged(BookingError):
    """A "yes" to a screening question: no in-person visit can be moved online."""


def token_hash(raw: str) -> str:
    """Drafts and manage links are stored by hash, so the database never holds a usable key."""
    return hashlib.sha256(raw.encode()).hexdigest()


def new_reference() -> str:
    """An 8-character booking reference without look-alike characters."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


# --- drafts -----------------------------------------------------------------------------------


def start_draft(session, now: datetime) -> tuple[BookingDraft, str]:
    """A new empty draft and the raw key the browser keeps; expired drafts are cleared on the way."""
    purge_expired_drafts(session, now)
    raw = secrets.token_urlsafe(32)
    draft = BookingDraft(
        token_hash=token_hash(raw),
        booking_key=uuid.uuid4().hex,
        data={},
        created_at=now,
        updated_at=now,
        expires_at=now + DRAFT_LIFETIME,
    )
    session.add(draft)
    session.commit()
    return draft, raw


def find_draft(session, raw: str | None, now: datetime) -> BookingDraft | None:
    """The draft behind a browser's key, or None when there is none or it expired."""
    if not raw:
        return None
    draft = session.scalars(select(BookingDraft).filter_by(token_hash=token_hash(raw))).one_or_none()
    if draft is None or (draft.expires_at <= now and draft.appointment_id is None):
        return None
    return draft


def purge_expired_drafts(session, now: datetime) -> int:
    """Delete abandoned drafts (they hold what patients typed); the caller commits."""
    return session.execute(delete(BookingDraft).where(BookingDraft.expires_at <= now)).rowcount


def _save(session, draft, now, **changes):
    data = dict(draft.data)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    draft.data = data
    draft.updated_at = now
    draft.expires_at = now + DRAFT_LIFETIME
    session.commit()


@dataclass
class DraftView:
    """A draft's choices resolved against the database (None where a step is not done or no longer valid)."""

    office: Office | None = None
    visit_type: VisitType | None = None
    provider: Provider | None = None  # None means "first available"
    reason: str | None = None
    starts_at: datetime | None = None
    slot_provider: Provider | None = None
    screening: dict | None = None
    details: dict | None = None

    @property
    def in_person(self) -> bool:
        return self.visit_type is not None and not self.visit_type.is_telehealth


def resolve(session, draft) -> DraftView:
    """Look the draft's stored ids up again; anything that no longer exists counts as not chosen."""
    data = draft.data or {}
    view = DraftView()
    visit = data.get("visit") or {}
    view.office = session.scalars(select(Office).filter_by(slug=visit.get("office"))).one_or_none()
    view.visit_type = session.scalars(
        select(VisitType).filter_by(slug=visit.get("visit_type"), active=True)
    ).one_or_none()
    if visit.get("provider") not in (None, "any"):
        view.provider = session.get(Provider, visit["provider"])
    view.reason = visit.get("reason") if visit.get("reason") in VISIT_REASONS else None
    time_choice = data.get("time") or {}
    if time_choice:
        view.starts_at = datetime.fromisoformat(time_choice["starts_at"])
        view.slot_provider = session.get(Provider, time_choice["provider_id"])
    view.screening = data.get("screening")
    view.details = data.get("details")
    return view


def first_incomplete_step(session, draft, now, rules=BookingRules()) -> str:
    """The first step whose answer is missing or no longer valid; "review" when all are done.

    The chosen time is checked again against the calendar, so a time someone else took in the
    meantime sends the patient back to choose another.
    """
    view = resolve(session, draft)
    visit = (draft.data or {}).get("visit") or {}
    if not (view.office and view.visit_type and view.reason) or (
        visit.get("provider") not in (None, "any") and view.provider is None
    ):
        return "visit"
    if (
        view.starts_at is None
        or view.slot_provider is None
        or find_slot(
            session,
            office=view.office,
            visit_type=view.visit_type,
            provider_id=view.provider.id if view.provider else None,
            starts_at=view.starts_at,
            chosen_provider_id=view.slot_provider.id,
            now=now,
            rules=rules,
        )
        is None
    ):
        return "time"
    expected = screening.Outcome.CLEAR if view.in_person else screening.Outcome.NOT_REQUIRED
    if not view.screening or view.screening.get("outcome") != expected:
        return "screening"
    if not view.details:
        return "details"
    return "review"


def step_allowed(session, draft, step, now, rules=BookingRules()) -> str | None:
    """None when ``step`` may be shown, otherwise the step the patient must finish first."""
    first = first_incomplete_step(session, draft, now, rules)
    return None if STEPS.index(step) <= STEPS.index(first) else first


def save_visit(session, draft, *, office, visit_type, reason, provider, now):
    """Store step 1; a different office, visit or provider clears the chosen time (and screening
    when the visit switches between in person and video)."""
    previous = resolve(session, draft)
    changes = {
        "visit": {
            "office": office.slug,
            "visit_type": visit_type.slug,
            "reason": reason,
            "provider": provider.id if provider else "any",
        }
    }
    if (previous.office, previous.visit_type, previous.provider) != (office, visit_type, provider):
        changes["time"] = None
        changes["time_taken"] = None
    if previous.visit_type is not None and previous.visit_type.is_telehealth != visit_type.is_telehealth:
        changes["screening"] = None
    _save(session, draft, now, **changes)


def save_time(session, draft, *, slot, now):
    """Store step 2 (a slot the caller found free)."""
    _save(
        session,
        draft,
        now,
        time={"starts_at": slot.starts_at.isoformat(), "provider_id": slot.provider.id},
        time_taken=None,
    )


def save_screening(session, draft, *, answers: dict, acknowledged: bool, now) -> screening.Outcome:
    """Store the answers with the questionnaire's version and wording; return the outcome."""
    record = screening.answers_record(answers, acknowledged)
    _save(session, draft, now, screening=record)
    return screening.Outcome.of(record["outcome"])


def skip_screening(session, draft, now):
    """Video visits need no screening; the step is recorded as not required."""
    _save(session, draft, now, screening={"outcome": screening.Outcome.NOT_REQUIRED})


def switch_to_telehealth(session, draft, now) -> bool:
    """After a "yes", turn the visit into a video consultation; False when the office has none.

    The flagged answers are kept so staff see them; a new time must be chosen, since a video
    visit has its own length.
    """
    view = resolve(session, draft)
    video = session.scalars(
        select(VisitType).filter_by(is_telehealth=True, active=True).order_by(VisitType.sort_order)
    ).first()
    if video is None or view.office is None or not view.office.offers_telehealth:
        return False
    visit = dict(draft.data["visit"], visit_type=video.slug)
    if view.provider is not None and not view.provider.offers_telehealth:
        visit["provider"] = "any"
    flagged = dict(view.screening or {}, switched_to_telehealth=True)
    data = dict(draft.data, visit=visit, screening_before_switch=flagged)
    data.pop("time", None)
    data["screening"] = {"outcome": screening.Outcome.NOT_REQUIRED}
    draft.data = data
    _save(session, draft, now)
    return True


def save_details(session, draft, *, details: dict, now):
    """Store step 4: the patient's details as validated by the form."""
    _save(session, draft, now, details=details)


def restart(session, draft, now):
    """Forget everything chosen so far."""
    draft.data = {}
    _save(session, draft, now)


# --- booking ----------------------------------------------------------------------------------


@dataclass
class Booked:
    """A confirmed booking and the private key to its manage page (known only at this moment)."""

    appointment: Appointment
    manage_token: str | None  # None when this was a replay of a booking already made


def confirm_booking(session, draft, now, *, notify=None, rules=BookingRules()) -> Booked:
    """Book the draft's slot in one transaction; the same draft never books twice.

    In a fresh transaction (on SQLite it holds the write lock from its first statement), the
    slot is checked again, the appointment and the blocks of
    provider time it holds are inserted, and ``notify(appointment, manage_token)`` queues its
    emails, all committed together. The primary key on provider time blocks refuses a second
    booking of overlapping time however many requests race; the loser gets ``SlotTaken``. The
    unique booking key refuses a second appointment from the same draft (a double click, a replay):
    the first appointment is returned instead.

    :raise SlotTaken: the time was taken by someone else; the draft's time is cleared.
    :raise BookingError: the draft is not complete.
    """
    if draft.appointment_id is not None:
        return Booked(draft.appointment, None)
    booking_key = draft.booking_key
    session.rollback()  # start a fresh transaction, so every check below sees the latest data
    draft = session.get(BookingDraft, draft.id, populate_existing=True)
    existing = session.scalars(select(Appointment).filter_by(booking_key=booking_key)).one_or_none()
    if existing is not None:
        session.commit()
        return Booked(existing, None)
    step = first_incomplete_step(session, draft, now, rules)
    if step != "review":
        session.rollback()
        # On PostgreSQL each statement sees the latest commits: a parallel confirmation of this
        # same draft may have just booked the slot, which then looks taken. Same booking, not a loss.
        existing = session.scalars(select(Appointment).filter_by(booking_key=booking_key)).one_or_none()
        if existing is not None:
            return Booked(existing, None)
        if step == "time":
            release_taken_time(session, draft, now)
            raise SlotTaken("That time was just taken — here are the times still open.")
        raise BookingError("Please complete every step before confirming.")

    view = resolve(session, draft)
    details = view.details
    raw_token = secrets.token_urlsafe(32)
    length = timedelta(minutes=view.visit_type.duration_minutes)
    buffer = timedelta(minutes=view.visit_type.buffer_minutes)
    appointment = Appointment(
        reference=_unused_reference(session),
        office=view.office,
        provider=view.slot_provider,
        visit_type=view.visit_type,
        starts_at=view.starts_at,
        ends_at=view.starts_at + length,
        status=AppointmentStatus.BOOKED,
        first_name=details["first_name"],
        last_name=details["last_name"],
        date_of_birth=date.fromisoformat(details["date_of_birth"]),
        phone=details["phone"],
        email=details["email"],
        is_new_patient=details["patient_status"] == "new",
        insurance=details.get("insurance", ""),
        notes=details.get("notes", ""),
        reason=view.reason,
        consent_to_contact=True,
        screening=_screening_for_appointment(draft),
        screening_outcome=_screening_outcome(draft),
        manage_token_hash=token_hash(raw_token),
        booking_key=booking_key,
        created_at=now,
        updated_at=now,
    )
    appointment.blocks = [
        ProviderTimeBlock(provider_id=view.slot_provider.id, starts_at=block)
        for block in time_blocks(view.starts_at, length, buffer)
    ]
    session.add(appointment)
    try:
        session.flush()
        draft.appointment_id = appointment.id
        draft.data = {}  # the appointment holds the details now; the draft keeps none
        if notify is not None:
            notify(appointment, raw_token)
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = session.scalars(select(Appointment).filter_by(booking_key=booking_key)).one_or_none()
        if existing is not None:  # the same draft was confirmed by a parallel request
            return Booked(existing, None)
        release_taken_time(session, session.get(BookingDraft, draft.id), now)
        raise SlotTaken("That time was just taken — here are the times still open.") from None
    return Booked(appointment, raw_token)


def release_taken_time(session, draft, now):
    """Forget a chosen time that someone else booked, and remember to tell the patient why."""
    data = dict(draft.data or {})
    data.pop("time", None)
    data["time_taken"] = True
    draft.data = data
    draft.updated_at = now
    session.commit()


def _screening_for_appointment(draft) -> dict:
    data = draft.data
    record = dict(data.get("screening") or {})
    if data.get("screening_before_switch"):
        record["before_switch_to_telehealth"] = data["screening_before_switch"]
    return record


def _screening_outcome(draft) -> screening.Outcome:
    if (draft.data.get("screening_before_switch") or {}).get("outcome") == screening.Outcome.FLAGGED:
        return screening.Outcome.FLAGGED
    return screening.Outcome.of(draft.data["screening"]["outcome"])


def _unused_reference(session) -> str:
    while True:
        reference = new_reference()
        if session.scalars(select(Appointment.id).filter_by(reference=reference)).first() is None:
            return reference


# --- after booking ----------------------------------------------------------------------------


def find_by_manage_token(session, raw: str, now: datetime) -> Appointment | None:
    """The appointment behind a manage link (from the confirmation or the reminder), or None when
    the link is wrong or the visit is over."""
    if not raw or len(raw) > 100:
        return None
    hashed = token_hash(raw)
    appointment = session.scalars(
        select(Appointment).where(
            (Appointment.manage_token_hash == hashed) | (Appointment.reminder_token_hash == hashed)
        )
    ).one_or_none()
    if appointment is None or appointment.ends_at <= now:
        return None
    return appointment


def can_change(appointment, now, cutoff: timedelta) -> bool:
    """Whether the patient may still cancel or reschedule online (active and before the cut-off)."""
    return appointment.is_active and appointment.starts_at - cutoff > now


def cancel_appointment(session, appointment, *, now, reason="", notify=None):
    """Cancel and free the time at once; ``notify(appointment)`` queues the emails in the same commit."""
    session.rollback()
    appointment = session.get(Appointment, appointment.id, populate_existing=True)
    if not appointment.is_active:
        session.rollback()
        return appointment
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = now
    appointment.cancellation_reason = reason[:300]
    appointment.sequence += 1
    appointment.updated_at = now
    appointment.blocks = []
    if notify is not None:
        notify(appointment)
    session.commit()
    return appointment


def reschedule_appointment(session, appointment, *, slot, answers, acknowledged, now, notify=None):
    """Move an appointment to a new free slot, screening answered again, in one transaction.

    :raise SlotTaken: the new time was taken meanwhile; nothing changed.
    :raise ScreeningFlagged: the new screening has a "yes".
    :raise BookingError: the screening is incomplete, or the appointment was cancelled meanwhile.
    """
    record = (
        screening.answers_record(answers, acknowledged)
        if not appointment.visit_type.is_telehealth
        else {"outcome": screening.Outcome.NOT_REQUIRED}
    )
    if record["outcome"] == screening.Outcome.FLAGGED:
        raise ScreeningFlagged("A screening answer was yes.")
    if record["outcome"] == screening.Outcome.INCOMPLETE:
        raise BookingError("Please answer every screening question.")
    session.rollback()
    appointment = session.get(Appointment, appointment.id, populate_existing=True)
    if not appointment.is_active:  # cancelled meanwhile (by staff, or in another tab)
        session.rollback()
        raise BookingError("This appointment was cancelled, so it cannot be moved.")
    length = timedelta(minutes=appointment.visit_type.duration_minutes)
    buffer = timedelta(minutes=appointment.visit_type.buffer_minutes)
    appointment.blocks = []
    session.flush()
    appointment.provider_id = slot.provider.id
    appointment.starts_at = slot.starts_at
    appointment.ends_at = slot.starts_at + length
    appointment.screening = record
    appointment.screening_outcome = record["outcome"]
    appointment.sequence += 1
    appointment.updated_at = now
    appointment.reminder_sent_at = None  # the new time gets its own reminder
    appointment.blocks = [
        ProviderTimeBlock(provider_id=slot.provider.id, starts_at=block)
        for block in time_blocks(slot.starts_at, length, buffer)
    ]
    try:
        session.flush()
        if notify is not None:
            notify(appointment)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise SlotTaken("That time was just taken — please choose another.") from None
    return appointment


def record_rescreening(session, appointment, *, answers, acknowledged, now, notify=None) -> screening.Outcome:
    """Store the answers given after the reminder; a "yes" flags the visit and tells the office.

    The first answers stay on record next to the new ones. Returns the new outcome.
    """
    record = screening.answers_record(answers, acknowledged)
    session.rollback()
    appointment = session.get(Appointment, appointment.id, populate_existing=True)
    history = dict(appointment.screening or {})
    history.setdefault("rescreenings", [])
    history["rescreenings"] = [*history["rescreenings"], {**record, "answered_at": now.isoformat()}]
    appointment.screening = history
    if record["outcome"] == screening.Outcome.FLAGGED:
        appointment.screening_outcome = screening.Outcome.FLAGGED
        if notify is not None:
            notify(appointment)
    appointment.updated_at = now
    session.commit()
    return screening.Outcome.of(record["outcome"])
