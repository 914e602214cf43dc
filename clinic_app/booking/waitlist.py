"""The waitlist: "tell me if an earlier time opens", and offering freed time in turn.

A patient joins from step 2 of the booking (with their details: a claim books a new visit) or
from a booking's manage page (a claim moves that visit earlier). Time that a clinician gets back
(a cancellation, a move, blocked time removed, an offer left unused) is recorded as ``FreedTime``
in the same transaction; the worker's ``offer_freed_time`` job then offers each freed slot to the
first ``batch`` matching entries in the order they joined, each through a one-time link valid for
``lifetime``. The first claim books the slot through the same ``insert_appointment`` or
``move_appointment`` as every booking (the database refuses a second holder of the time); the
other patients offered it are told it was taken and stay on the list.
"""

import secrets
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..models import (
    FreedTime,
    OfferStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from . import screening
from .availability import find_slot, slots_by_day
from .freed_time import end_entry, record_freed_time, withdraw_open_offers
from .service import (
    BookingError,
    ScreeningFlagged,
    SlotTaken,
    add_screening,
    insert_appointment,
    move_appointment,
    record_patient_action,
    token_hash,
)
from .slots import BookingRules

# One address may wait for this many different things at once (each office and kind of visit).
MAX_WAITING_PER_EMAIL = 3


class WaitlistRefused(BookingError):
    """The patient cannot join (too many entries already), with a message for them."""


def join(
    session,
    *,
    office,
    visit_type,
    provider,
    last_day: date,
    now,
    details: dict,
    appointment=None,
    notify=None,
    language="en",
) -> tuple[WaitlistEntry, str]:
    """Put the patient on the waitlist (the same wish again only moves its last day); committed
    here with ``notify(entry, raw_token)`` (the acknowledgement). Returns the entry and the raw
    token of its private page (to see it and to leave the list).

    ``details``: first_name, last_name, date_of_birth (date or None), phone, email,
    is_new_patient, sms_phone (E.164 or None), reason. ``language``: the one the patient joined
    in (the same wish again takes the latest), which every message about it is written in.

    :raise WaitlistRefused: the address already waits for ``MAX_WAITING_PER_EMAIL`` things.
    """
    email = details["email"]
    # The same patient: by email address, or (booked at the desk without one) by their visit.
    same_patient = (
        func.lower(WaitlistEntry.email) == email.strip().lower()
        if email
        else WaitlistEntry.appointment_id == (appointment.id if appointment else -1)
    )
    waiting = session.scalars(
        select(WaitlistEntry).where(same_patient, WaitlistEntry.status == WaitlistStatus.WAITING)
    ).all()
    same = next(
        (
            e
            for e in waiting
            if (e.office_id, e.visit_type_id, e.provider_id, e.appointment_id)
            == (office.id, visit_type.id, provider.id if provider else None, appointment.id if appointment else None)
        ),
        None,
    )
    raw = secrets.token_urlsafe(32)
    if same is not None:
        same.last_day = last_day
        same.manage_token_hash = token_hash(raw)
        same.sms_phone = details.get("sms_phone")
        same.language = language
        entry = same
    else:
        if len(waiting) >= MAX_WAITING_PER_EMAIL:
            session.rollback()
            raise WaitlistRefused(
                ngettext(
                    "This email address is already on our waitlist for %(num)d visit, the most we keep. "
                    "Please call the %(office)s office at %(phone)s and we will help.",
                    "This email address is already on our waitlist for %(num)d visits, the most we keep. "
                    "Please call the %(office)s office at %(phone)s and we will help.",
                    len(waiting),
                    office=office.name,
                    phone=office.phone,
                )
            )
        entry = WaitlistEntry(
            office=office,
            visit_type=visit_type,
            provider=provider,
            appointment=appointment,
            last_day=last_day,
            manage_token_hash=token_hash(raw),
            created_at=now,
            language=language,
            **details,
        )
        session.add(entry)
    session.flush()
    if notify is not None:
        notify(entry, raw)
    session.commit()
    return entry, raw


def find_entry(session, raw: str) -> WaitlistEntry | None:
    """The entry behind a private waitlist link, or None."""
    if not raw or len(raw) > 100:
        return None
    return session.scalars(select(WaitlistEntry).filter_by(manage_token_hash=token_hash(raw))).one_or_none()


def find_offer(session, raw: str) -> WaitlistOffer | None:
    """The offer behind a one-time link, or None."""
    if not raw or len(raw) > 100:
        return None
    return session.scalars(select(WaitlistOffer).filter_by(token_hash=token_hash(raw))).one_or_none()


def leave(session, entry, now) -> None:
    """Take the entry off the list (the patient, or staff); its open offers are withdrawn."""
    end_entry(session, entry.id, WaitlistStatus.LEFT, now)
    session.commit()
    session.expire_all()


def waiting_entries(session, office_id, now_day: date, provider_id=None) -> list[WaitlistEntry]:
    """Entries still waiting at the office (for this clinician or any), in the order they joined."""
    query = (
        select(WaitlistEntry)
        .where(
            WaitlistEntry.office_id == office_id,
            WaitlistEntry.status == WaitlistStatus.WAITING,
            WaitlistEntry.last_day >= now_day,
        )
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
    )
    if provider_id is not None:
        query = query.where((WaitlistEntry.provider_id.is_(None)) | (WaitlistEntry.provider_id == provider_id))
    return list(session.scalars(query))


# --- time freed, and offered ----------------------------------------------------------------


def _overlaps(slot, length, freed) -> bool:
    return slot.starts_at < freed.ends_at and slot.starts_at + length > freed.starts_at


def offers_for(session, freed, now, *, batch, rules) -> list[tuple[WaitlistEntry, object]]:
    """Which waiting entries get which slot of the freed time: in the order they joined, the
    earliest free slot of their kind of visit that touches the freed time, before their last day
    (and before their own visit, for a move), never one overlapping a time offered to them before; the first
    ``batch`` entries that fit (their slots overlap: one booking takes the freed time)."""
    office = freed.office
    local = [freed.starts_at.astimezone(office.tz).date(), freed.ends_at.astimezone(office.tz).date()]
    days = sorted(set(local))
    entries = waiting_entries(session, office.id, now.astimezone(office.tz).date(), freed.provider_id)
    offered_before = {}  # entry id: the starts of the times it was offered with this clinician
    for offer in session.scalars(
        select(WaitlistOffer).where(
            WaitlistOffer.entry_id.in_([e.id for e in entries]), WaitlistOffer.provider_id == freed.provider_id
        )
    ):
        offered_before.setdefault(offer.entry_id, []).append(offer.starts_at)
    slots_cache, chosen = {}, []
    for entry in entries:
        if entry.appointment is not None and not entry.appointment.is_active:
            continue
        if entry.visit_type_id not in slots_cache:
            by_day = slots_by_day(
                session,
                office=office,
                visit_type=entry.visit_type,
                provider_id=freed.provider_id,
                days=days,
                now=now,
                rules=rules,
            )
            slots_cache[entry.visit_type_id] = [s for day in days for s in by_day[day]]
        length = timedelta(minutes=entry.visit_type.duration_minutes)
        for slot in slots_cache[entry.visit_type_id]:
            if not _overlaps(slot, length, freed):
                continue
            if any(abs(slot.starts_at - before) < length for before in offered_before.get(entry.id, ())):
                continue  # this time (or one overlapping it) was offered to them already
            if slot.starts_at.astimezone(office.tz).date() > entry.last_day:
                continue
            if entry.appointment is not None and slot.starts_at >= entry.appointment.starts_at:
                continue
            chosen.append((entry, slot))
            break
        if len(chosen) >= batch:
            break
    return chosen


def offer_freed_time(session, now, *, batch, lifetime: timedelta, rules=BookingRules(), notify=None) -> int:
    """The worker's job: end what has run out, then offer every freed time not yet handled;
    ``notify(entry, offer, raw_token)`` sends each offer in the same commit. How many offers."""
    expire(session, now)
    made = 0
    freed_ids = session.scalars(select(FreedTime.id).where(FreedTime.handled_at.is_(None)).order_by(FreedTime.id))
    for freed_id in list(freed_ids):
        claimed = session.execute(
            update(FreedTime)
            .where(FreedTime.id == freed_id, FreedTime.handled_at.is_(None))
            .values(handled_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:  # another worker took it
            session.rollback()
            continue
        freed = session.get(FreedTime, freed_id)
        for entry, slot in offers_for(session, freed, now, batch=batch, rules=rules):
            raw = secrets.token_urlsafe(32)
            offer = WaitlistOffer(
                entry_id=entry.id,
                provider_id=slot.provider.id,
                starts_at=slot.starts_at,
                token_hash=token_hash(raw),
                offered_at=now,
                expires_at=min(now + lifetime, slot.starts_at - rules.min_notice),
            )
            try:
                with session.begin_nested():  # another run offered it this very moment: skip it
                    session.add(offer)
                    session.flush()
            except IntegrityError:
                continue
            if notify is not None:
                notify(entry, offer, raw)
            made += 1
        session.commit()
    return made


def expire(session, now) -> None:
    """Offers past their time expire (an unclaimed slot is freed again, for the next in line);
    entries past their last day, or whose visit was cancelled, end."""
    stale = session.scalars(
        select(WaitlistOffer).where(WaitlistOffer.status == OfferStatus.OPEN, WaitlistOffer.expires_at <= now)
    ).all()
    again = {}
    for offer in stale:
        expired = session.execute(  # only the run that expires an offer frees its time again
            update(WaitlistOffer)
            .where(WaitlistOffer.id == offer.id, WaitlistOffer.status == OfferStatus.OPEN)
            .values(status=OfferStatus.EXPIRED)
            .execution_options(synchronize_session=False)
        ).rowcount
        if expired:
            again[(offer.entry.office_id, offer.provider_id, offer.starts_at)] = offer.entry.visit_type
    for (office_id, provider_id, starts_at), visit_type in again.items():
        booked = session.scalar(
            select(func.count())
            .select_from(WaitlistOffer)
            .where(
                WaitlistOffer.provider_id == provider_id,
                WaitlistOffer.starts_at == starts_at,
                WaitlistOffer.status.in_([OfferStatus.CLAIMED, OfferStatus.OPEN]),
            )
        )
        if not booked:
            ends_at = starts_at + timedelta(minutes=visit_type.duration_minutes)
            record_freed_time(
                session, office_id=office_id, provider_id=provider_id, starts_at=starts_at, ends_at=ends_at, now=now
            )
    for entry in session.scalars(select(WaitlistEntry).where(WaitlistEntry.status == WaitlistStatus.WAITING)):
        past = entry.last_day < now.astimezone(entry.office.tz).date()
        visit_gone = entry.appointment_id is not None and (
            entry.appointment is None or not entry.appointment.is_active or entry.appointment.starts_at <= now
        )
        if past or visit_gone:
            end_entry(session, entry.id, WaitlistStatus.ENDED, now)
    session.commit()
    session.expire_all()


# --- claiming an offer -------------------------------------------------------------------------


class OfferGone(BookingError):
    """The offer can no longer be used: ``why`` is claimed, taken, expired or withdrawn."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def offer_state(offer, now) -> str:
    """open, or why it cannot be used: claimed, taken, expired, withdrawn."""
    if offer.status == OfferStatus.OPEN and offer.expires_at <= now:
        return OfferStatus.EXPIRED
    return offer.status


def claim_offer(session, offer, *, answers_record, now, rules=BookingRules(), notify_booked=None, notify_taken=None):
    """Book (or move the visit to) the offered time for the offer's patient, in one transaction
    with the offer marked claimed, the entry booked and the others offered this time told it is
    taken. ``answers_record``: the health screening just answered (None for a video visit).
    ``notify_booked(appointment, raw_token)`` and ``notify_taken(entry, offer)`` queue messages.

    :raise OfferGone: used already, expired, withdrawn or taken (``why`` says which).
    :raise SlotTaken: someone else booked the time first (this offer is marked taken).
    :raise ScreeningFlagged: a "yes" in the screening: nothing is booked.
    """
    offer_id = offer.id
    session.rollback()
    offer = session.get(WaitlistOffer, offer_id, populate_existing=True)
    state = offer_state(offer, now)
    if state != OfferStatus.OPEN:
        session.rollback()
        raise OfferGone(state)
    entry = offer.entry
    visit = entry.appointment
    if entry.status != WaitlistStatus.WAITING or (
        entry.appointment_id is not None
        and (visit is None or not visit.is_active or offer.starts_at >= visit.starts_at)
    ):
        session.rollback()
        raise OfferGone(OfferStatus.WITHDRAWN)
    if answers_record is not None and answers_record["outcome"] == screening.Outcome.FLAGGED:
        raise ScreeningFlagged("A screening answer was yes.")
    slot = find_slot(
        session,
        office=entry.office,
        visit_type=entry.visit_type,
        provider_id=offer.provider_id,
        starts_at=offer.starts_at,
        chosen_provider_id=offer.provider_id,
        now=now,
        rules=rules,
    )
    if slot is None:
        _mark_taken(session, offer_id, now)
        raise SlotTaken(_("That time was just taken by another patient."))

    def settle(appointment, *_):
        """In the booking's transaction: this offer claimed (once), the entry done, others told."""
        won = session.execute(
            update(WaitlistOffer)
            .where(WaitlistOffer.id == offer_id, WaitlistOffer.status == OfferStatus.OPEN)
            .values(status=OfferStatus.CLAIMED, answered_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not won:
            raise OfferGone(OfferStatus.CLAIMED)
        booked_entry = session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id == entry.id, WaitlistEntry.status == WaitlistStatus.WAITING)
            .values(status=WaitlistStatus.BOOKED, ended_at=now, booked_appointment_id=appointment.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not booked_entry:  # the patient left the list a moment ago
            raise OfferGone(OfferStatus.WITHDRAWN)
        withdraw_open_offers(session, entry.id, now, keep_id=offer_id)
        for other in overlapping_open_offers(session, offer_id, appointment):
            other.status, other.answered_at = OfferStatus.TAKEN, now
            if notify_taken is not None:
                notify_taken(other.entry, other)

    try:
        if entry.appointment is None:
            booked = insert_appointment(
                session,
                provider=slot.provider,
                visit_type=entry.visit_type,
                starts_at=slot.starts_at,
                booking_key=token_hash(f"waitlist-entry:{entry.id}"),
                now=now,
                notify=notify_booked,
                before_commit=settle,
                office=entry.office,
                first_name=entry.first_name,
                last_name=entry.last_name,
                date_of_birth=entry.date_of_birth,
                phone=entry.phone,
                email=entry.email,
                is_new_patient=entry.is_new_patient,
                reason=entry.reason,
                clinician_chosen=entry.provider_id is not None,
                consent_to_contact=True,
                sms_phone=entry.sms_phone,
                sms_consent_at=now if entry.sms_phone else None,
                language=entry.language,
                screening=answers_record or {},
                screening_outcome=(answers_record or {}).get("outcome", screening.Outcome.NOT_REQUIRED),
            )
            if booked.manage_token is None:  # the entry had booked already (a replayed claim)
                raise OfferGone(OfferStatus.CLAIMED)
            return booked.appointment
        appointment = entry.appointment

        def before_commit(moved):
            if answers_record is not None:
                add_screening(moved, answers_record, now, asked="reschedule")
            record_patient_action(session, moved, "patient.rescheduled", by="patient (waitlist offer)")
            settle(moved)

        return move_appointment(
            session,
            appointment,
            slot=slot,
            now=now,
            before_commit=before_commit,
            notify=(lambda moved: notify_booked(moved, None)) if notify_booked else None,
        )
    except OfferGone:
        session.rollback()
        raise
    except SlotTaken:
        _mark_taken(session, offer_id, now)
        raise
    except BookingError:  # the visit to move was cancelled meanwhile
        session.rollback()
        raise OfferGone(OfferStatus.WITHDRAWN) from None


def overlapping_open_offers(session, offer_id, appointment) -> list[WaitlistOffer]:
    """The other open offers whose time the booked ``appointment`` now holds (any length of visit)."""
    held_until = appointment.ends_at + timedelta(minutes=appointment.visit_type.buffer_minutes)
    candidates = session.scalars(
        select(WaitlistOffer).where(
            WaitlistOffer.id != offer_id,
            WaitlistOffer.provider_id == appointment.provider_id,
            WaitlistOffer.status == OfferStatus.OPEN,
            WaitlistOffer.starts_at < held_until,
            WaitlistOffer.starts_at > appointment.starts_at - timedelta(hours=12),
        )
    )
    overlapping = []
    for other in candidates:
        kind = other.entry.visit_type
        other_until = other.starts_at + timedelta(minutes=kind.duration_minutes + kind.buffer_minutes)
        if other_until > appointment.starts_at:
            overlapping.append(other)
    return overlapping


def _mark_taken(session, offer_id, now):
    session.rollback()
    session.execute(
        update(WaitlistOffer)
        .where(WaitlistOffer.id == offer_id, WaitlistOffer.status == OfferStatus.OPEN)
        .values(status=OfferStatus.TAKEN, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def entries_for_staff(session, office_id, statuses=(WaitlistStatus.WAITING,)) -> list[WaitlistEntry]:
    """The office's waitlist as the front desk reads it: in the order patients joined."""
    return list(
        session.scalars(
            select(WaitlistEntry)
            .where(WaitlistEntry.office_id == office_id, WaitlistEntry.status.in_(statuses))
            .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
        )
    )
