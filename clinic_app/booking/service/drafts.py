"""The booking in progress: a draft per browser, each step saved and re-checked."""

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, event, select
from sqlalchemy.orm import Session

from ...models import (
    BookingDraft,
    Office,
    Provider,
    VisitType,
)
from ...reasons import VISIT_REASONS
from ...stamps import remember_versions, with_versions
from .. import questionnaires, screening
from ..availability import time_still_free
from ..slots import BookingRules
from . import (
    DRAFT_LIFETIME,
    STEPS,
    token_hash,
)


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


_DRAFT_BY_KEY = select(BookingDraft).where(BookingDraft.token_hash == bindparam("key"))


def draft_choices(data) -> bytes:
    """A digest of a draft's choices: drafts with equal choices see equal step 1 and 2 pages."""
    return hashlib.blake2b(json.dumps(data, sort_keys=True, default=str).encode(), digest_size=16).digest()


def note_written_drafts(session, _flush_context) -> None:
    """After a flush, note what each draft written holds (its choices, booked or not, when it
    expires) while it is still loaded; once committed it is ``drafts_saved``, from which the
    booking views renew the browser's draft print (``steps.draft_print``) without reading the
    draft again. A rollback forgets it: the print never describes what was not saved."""
    for draft in (*session.new, *session.dirty):
        if isinstance(draft, BookingDraft):
            session.info.setdefault("drafts_written", {})[draft.token_hash] = DraftState.of(draft)


def keep_saved_drafts(session) -> None:
    session.info.setdefault("drafts_saved", {}).update(session.info.pop("drafts_written", {}))


def forget_unsaved_drafts(session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended; after a commit nothing is left
        session.info.pop("drafts_written", None)


event.listen(Session, "after_flush", note_written_drafts)
event.listen(Session, "after_commit", keep_saved_drafts)
event.listen(Session, "after_transaction_end", forget_unsaved_drafts)


@dataclass(frozen=True)
class DraftState:
    """What a booking page's kept copy depends on in a draft."""

    choices: bytes
    booked: bool
    expires_at: datetime

    @classmethod
    def of(cls, draft: BookingDraft) -> "DraftState":
        return cls(draft_choices(draft.data), draft.appointment_id is not None, draft.expires_at)


def find_draft(session, raw: str | None, now: datetime) -> BookingDraft | None:
    """The draft behind a browser's key, or None when there is none or it expired (looked up
    once per session: a request asks again from its rate limit, its guard and its view)."""
    if not raw:
        return None
    found = session.info.setdefault("drafts_found", {})
    key = token_hash(raw)
    draft = found.get(key)
    if draft is None:
        statement, added = with_versions(_DRAFT_BY_KEY)
        row = remember_versions(session.execute(statement, {"key": key}).one_or_none(), added)
        draft = found[key] = row[0] if row is not None else None
    if draft is None or (draft.expires_at <= now and draft.appointment_id is None):
        return None
    return draft


def discard_draft(session, raw: str | None) -> None:
    """Delete the draft behind a browser's key, with what the patient typed ("Start over"); a
    draft that became a booking stays (it guards that booking against a repeated confirm)."""
    if raw:
        session.execute(
            delete(BookingDraft).where(
                BookingDraft.token_hash == token_hash(raw), BookingDraft.appointment_id.is_(None)
            )
        )
        session.commit()


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

    @property
    def patient_status(self) -> str | None:
        """ "new" or "returning": as the kind of visit says when it is for new or for returning
        patients, else as the patient answered at step 4; None while not known."""
        if self.visit_type is not None and self.visit_type.patients in (VisitType.NEW, VisitType.RETURNING):
            return self.visit_type.patients
        return (self.details or {}).get("patient_status")


def resolve(session, draft) -> DraftView:
    """Look the draft's stored ids up again; anything that no longer exists counts as not chosen.
    The same choices are looked up once per session (a request's guard, checks and view)."""
    data = draft.data or {}
    view = DraftView()
    visit = data.get("visit") or {}
    time_choice = data.get("time") or {}
    chosen = (visit.get("office"), visit.get("visit_type"), visit.get("provider"), time_choice.get("provider_id"))
    looked_up = session.info.setdefault("draft_choices", {})
    if chosen not in looked_up:
        looked_up[chosen] = _look_up(session, *chosen)
    view.office, view.visit_type, view.provider, view.slot_provider = looked_up[chosen]
    view.reason = visit.get("reason") if visit.get("reason") in VISIT_REASONS else None
    if time_choice:
        view.starts_at = datetime.fromisoformat(time_choice["starts_at"])
    else:
        view.slot_provider = None
    view.screening = data.get("screening")
    view.details = data.get("details")
    return view


def _look_up(session, office_slug, visit_type_slug, provider_id, slot_provider_id) -> tuple:
    office = session.scalars(select(Office).filter_by(slug=office_slug)).one_or_none()
    visit_type = session.scalars(select(VisitType).filter_by(slug=visit_type_slug, active=True)).one_or_none()
    provider = session.get(Provider, provider_id) if provider_id not in (None, "any") else None
    slot_provider = session.get(Provider, slot_provider_id) if slot_provider_id is not None else None
    return office, visit_type, provider, slot_provider


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
        or not time_still_free(
            session,
            office=view.office,
            visit_type=view.visit_type,
            provider_id=view.provider.id if view.provider else None,
            starts_at=view.starts_at,
            chosen_provider_id=view.slot_provider.id,
            now=now,
            rules=rules,
        )
    ):
        return "time"
    expected = screening.Outcome.CLEAR if view.in_person else screening.Outcome.NOT_REQUIRED
    if not view.screening or view.screening.get("outcome") != expected:
        return "screening"
    if not view.details or view.patient_status is None:  # (a visit for any patient asks it at step 4)
        return "details"
    return "review"


def chosen_time_lost(session, draft, now, rules=BookingRules()) -> bool:
    """True when the draft holds a time that is no longer free (someone else booked it)."""
    return bool((draft.data or {}).get("time")) and first_incomplete_step(session, draft, now, rules) == "time"


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
    record = screening.answers_record(answers, acknowledged, questionnaires.current(session, now))
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
    if view.provider is not None and not view.provider.offers(video):
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


def keep_draft(session, draft, now):
    """ "Keep my answers": the draft is kept its whole lifetime again from ``now``, nothing else
    changes (the browser's print is renewed from ``drafts_saved``, like after a step)."""
    draft.expires_at = now + DRAFT_LIFETIME
    session.commit()


def restart(session, draft, now):
    """Forget everything chosen so far."""
    draft.data = {}
    _save(session, draft, now)
