"""Confirming a draft: the appointment and its provider's time, in one transaction."""

import base64
import secrets
from dataclasses import dataclass
from datetime import date

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from ...database import writing
from ...models import (
    Appointment,
    AppointmentStatus,
    BookingDraft,
)
from ...texting.numbers import texting_number
from .. import screening
from ..slots import BookingRules
from . import (
    DRAFT_LIFETIME,
    BookingError,
    SlotTaken,
    TooManyUpcoming,
    lock_clear_time,
    new_reference,
    token_hash,
)
from .drafts import first_incomplete_step, resolve


@dataclass
class Booked:
    """A confirmed booking and the private key to its manage page (known only at this moment)."""

    appointment: Appointment
    manage_token: str | None  # None when this was a replay of a booking already made


def confirm_booking(
    session, draft, now, *, notify=None, rules=BookingRules(), max_upcoming=None, draft_key=None, language="en"
) -> Booked:
    """Book the draft's slot in one transaction; the same draft never books twice.

    In a fresh transaction (on SQLite it holds the write lock from its first statement), the
    slot is checked again, the appointment and the blocks of
    provider time it holds are inserted, and ``notify(appointment, manage_token)`` queues its
    emails, all committed together. The primary key on provider time blocks refuses a second
    booking of overlapping time however many requests race; the loser gets ``SlotTaken``. The
    unique booking key refuses a second appointment from the same draft (a double click, a replay):
    the first appointment is returned instead. An email address (any capitalisation) that already
    has ``max_upcoming`` upcoming active appointments books no more (None: no cap), checked in the
    same transaction (on PostgreSQL under a lock per address, so parallel confirmations queue).
    Given the browser's ``draft_key``, the draft keeps the manage token sealed for the
    confirmation page to show once (see ``take_manage_token``). ``language``: the one the patient
    booked in (their messages are written in it).

    :raise SlotTaken: the time was taken by someone else; the draft's time is cleared.
    :raise TooManyUpcoming: the address holds ``max_upcoming`` upcoming appointments; nothing changed.
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
            raise SlotTaken(_("That time was just taken — here are the times still open."))
        raise BookingError(_("Please complete every step before confirming."))

    view = resolve(session, draft)
    details = view.details
    if max_upcoming is not None:
        held = upcoming_count(session, details["email"], now)
        if held >= max_upcoming:
            session.rollback()
            raise TooManyUpcoming(
                ngettext(
                    "You already have %(num)d upcoming appointment booked with this email address, the most "
                    "we can accept online. To book another visit, please call the %(office)s office at "
                    "%(phone)s.",
                    "You already have %(num)d upcoming appointments booked with this email address, the most "
                    "we can accept online. To book another visit, please call the %(office)s office at "
                    "%(phone)s.",
                    held,
                    office=view.office.name,
                    phone=view.office.phone,
                )
            )
    try:
        booked = insert_appointment(
            session,
            provider=view.slot_provider,
            visit_type=view.visit_type,
            starts_at=view.starts_at,
            booking_key=booking_key,
            now=now,
            notify=notify,
            office=view.office,
            first_name=details["first_name"],
            last_name=details["last_name"],
            date_of_birth=date.fromisoformat(details["date_of_birth"]),
            phone=details["phone"],
            email=details["email"],
            is_new_patient=view.patient_status == "new",
            insurance=details.get("insurance", ""),
            notes=details.get("notes", ""),
            reason=view.reason,
            language=language,
            clinician_chosen=view.provider is not None,
            consent_to_contact=True,
            sms_phone=texting_number(details["phone"])[0] if details.get("text_messages") else None,
            sms_consent_at=now if details.get("text_messages") else None,
            screening=_screening_for_appointment(draft),
            screening_outcome=_screening_outcome(draft),
            before_commit=lambda appointment, raw_token: _keep_on_draft(draft, appointment, raw_token, draft_key, now),
        )
    except SlotTaken:
        release_taken_time(session, session.get(BookingDraft, draft.id), now)
        raise
    return booked


def insert_appointment(
    session, *, provider, visit_type, starts_at, booking_key, now, notify=None, before_commit=None, **values
) -> Booked:
    """The one place a provider's time is taken (online and by staff): the appointment and its
    time blocks, ``notify(appointment, manage_token)`` (the emails) and ``before_commit`` in one
    commit. The blocks' primary key refuses any overlap however requests race; the unique
    ``booking_key`` makes a repeated request (double click, replay) find the first appointment,
    returned with no token. Under the clinician's time lock, blocked time saved meanwhile is
    checked again.

    :raise SlotTaken: another booking holds some of that time; nothing was stored.
    """
    if not lock_clear_time(
        session, office=values["office"], provider=provider, visit_type=visit_type, starts_at=starts_at
    ):
        session.rollback()
        raise SlotTaken(_("That time was just taken — here are the times still open."))
    raw_token = secrets.token_urlsafe(32)
    appointment = Appointment.hold(
        provider=provider,
        visit_type=visit_type,
        starts_at=starts_at,
        reference=_unused_reference(session),
        manage_token_hash=token_hash(raw_token),
        booking_key=booking_key,
        created_at=now,
        updated_at=now,
        **values,
    )
    session.add(appointment)
    try:
        session.flush()
        if before_commit is not None:
            before_commit(appointment, raw_token)
        if notify is not None:
            notify(appointment, raw_token)
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = session.scalars(select(Appointment).filter_by(booking_key=booking_key)).one_or_none()
        if existing is not None:  # the same booking, confirmed by a parallel request
            return Booked(existing, None)
        raise SlotTaken(_("That time was just taken — here are the times still open.")) from None
    return Booked(appointment, raw_token)


def _keep_on_draft(draft, appointment, raw_token, draft_key, now):
    """The draft now points at its appointment and keeps none of the details, only the sealed
    link for the confirmation page; it lives 30 more minutes for that page."""
    draft.appointment_id = appointment.id
    draft.data = {"manage_link": seal_manage_token(draft_key, raw_token)} if draft_key else {}
    draft.expires_at = now + DRAFT_LIFETIME


def _sealing_key(draft_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"booking confirmation").derive(draft_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal_manage_token(draft_key: str, manage_token: str) -> str:
    """The manage token encrypted under a key derived from the browser's draft key. The database
    holds only the draft key's hash, the browser only the draft key: neither alone opens it."""
    return _sealing_key(draft_key).encrypt(manage_token.encode()).decode()


def take_manage_token(session, draft, draft_key: str | None) -> str | None:
    """The manage token kept for the confirmation page, once: it is deleted as it is read (a
    reload, or the next person at a shared computer, finds only the booking's summary). The row
    is locked while it is read, so two requests at the same moment cannot both have it."""
    writing(session)  # the confirmation page (a GET) clears the link it shows
    session.rollback()
    draft = session.get(BookingDraft, draft.id, with_for_update=True, populate_existing=True)
    sealed = (draft.data or {}).get("manage_link") if draft is not None else None
    if not sealed or not draft_key:
        session.rollback()
        return None
    draft.data = {}
    session.commit()
    try:
        return _sealing_key(draft_key).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def upcoming_count(session, email, now) -> int:
    """Active appointments from ``now`` on booked with ``email`` (any capitalisation). On
    PostgreSQL this first takes a transaction lock on the address, so two confirmations for it
    cannot both count before either books (SQLite holds its one write lock already)."""
    address = email.strip().lower()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": "upcoming:" + address})
    return session.scalar(
        select(func.count())
        .select_from(Appointment)
        .where(
            func.lower(Appointment.email) == address,
            Appointment.status.in_(AppointmentStatus.ACTIVE),
            Appointment.starts_at >= now,
        )
    )


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
