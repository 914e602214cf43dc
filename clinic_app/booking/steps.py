"""What the booking views share: the draft behind the browser's key, the rules, step navigation."""

import hashlib
from datetime import UTC, date, datetime, timedelta

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import inspect

from .. import clock, i18n, kept_pages
from ..extensions import db
from ..stamps import kept, recent_versions, versions
from . import service
from .availability import day_with_slots, moment_key
from .presenters import day_label, day_short, slot_label, soonest_label
from .slots import BookingRules

DRAFT_KEY = "booking_draft"
DRAFT_PRINT = "booking_draft_print"

STEP_TITLES = {
    "visit": _l("Your visit"),
    "time": _l("Date and time"),
    "screening": _l("Health screening"),
    "details": _l("Your details"),
    "review": _l("Review and confirm"),
}


def booking_rules() -> BookingRules:
    """The clinic's booking rules from the settings."""
    config = current_app.config
    return BookingRules(
        min_notice=timedelta(minutes=config["BOOKING_MIN_NOTICE_MINUTES"]),
        horizon_days=config["BOOKING_HORIZON_DAYS"],
    )


def manage_cutoff() -> timedelta:
    """How long before a visit the patient can still change it online."""
    return timedelta(hours=current_app.config["BOOKING_CHANGE_CUTOFF_HOURS"])


def parse_day(value) -> date | None:
    """The day a ``?day=2026-12-07`` asks for; None when absent or unreadable."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def step_page_key(view: str, state, rules, *, recent=False) -> tuple | None:
    """The key a booking page that shows nothing personal (steps 1 and 2) is kept under
    (``kept_pages``): the view, the address, the draft's choices (``state``, a ``DraftState`` or
    None), the calendar and set-up versions, the quarter hour and the banner's state; None for a
    request whose page may not be kept. ``recent``: versions up to ``VERSION_RECHECK_SECONDS``
    old will do (a page served kept without reading the database)."""
    if not kept_pages.usable():
        return None
    from ..pages.banner import BANNER_COOKIE  # (the pages package imports this package)

    if recent or view == "start":  # step 1 shows the set-up only: another process's change shows within seconds
        stamps = recent_versions(db.session, current_app.config["VERSION_RECHECK_SECONDS"])
    else:
        stamps = versions(db.session)
    return (
        view,
        *kept_pages.request_key(),
        request.cookies.get(BANNER_COOKIE, ""),
        state is not None and state.booked,
        state.choices if state is not None else None,
        stamps.reference if view == "start" else stamps.free_times,
        moment_key(clock.now(), rules),
    )


def draft_state(draft) -> "service.DraftState | None":
    """What a kept step page depends on in ``draft`` (None for none)."""
    return service.DraftState.of(draft) if draft is not None else None


def kept_step(view: str, rules):
    """This browser's kept step page, found without reading the database (the draft as its
    print in the session says, recent versions); None when there is none or the draft must be
    read (no print, or it has expired)."""
    raw = session.get(DRAFT_KEY)
    if not raw:
        return kept_pages.kept_page(step_page_key(view, None, rules, recent=True))
    state = printed_draft(raw, clock.now())
    return kept_pages.kept_page(step_page_key(view, state, rules, recent=True)) if state is not None else None


def draft_print(raw: str, state: service.DraftState) -> str:
    """What the browser's session cookie says of its draft, so that a kept step page can be
    served without reading it: whose draft (a digest of its key), its choices, booked or not,
    and when it expires. Renewed by every response after which the draft differs
    (``renew_draft_print``); the draft itself, read whenever a form is sent, stays the truth."""
    expires = int(state.expires_at.timestamp())
    return f"{_whose(raw)}.{state.choices.hex()}.{int(state.booked)}.{expires}"


def printed_draft(raw: str, now) -> service.DraftState | None:
    """The draft as the session's print says, if it is this draft's and has not expired."""
    try:
        whose, choices, booked, expires = session.get(DRAFT_PRINT, "").split(".")
        state = service.DraftState(bytes.fromhex(choices), booked == "1", datetime.fromtimestamp(int(expires), UTC))
    except ValueError:
        return None
    return state if whose == _whose(raw) and state.expires_at > now else None


def renew_draft_print(response):
    """After a booking page: bring the session's draft print up to date with the draft as this
    request saved it (or, on a page view, read it); drop it with the draft."""
    raw = session.get(DRAFT_KEY)
    if not raw:
        if DRAFT_PRINT in session:
            session.pop(DRAFT_PRINT)
        return response
    hashed = service.token_hash(raw)
    state = db.session.info.get("drafts_saved", {}).get(hashed)
    if state is None:
        found = db.session.info.get("drafts_found", {}).get(hashed)
        if found is None or inspect(found).unloaded & {"data", "appointment_id", "expires_at"}:
            return response
        state = service.DraftState.of(found)
    printed = draft_print(raw, state)
    if session.get(DRAFT_PRINT) != printed:
        session[DRAFT_PRINT] = printed
    return response


def _whose(raw: str) -> str:
    return hashlib.blake2b(raw.encode(), digest_size=6).hexdigest()


def time_picker(office, visit_type, provider_id, *, chosen_day=None, earliest=None, chosen_starts_at=None) -> dict:
    """What the slot picker shows (booking step 2 and reschedule): the days with open times, the
    day on screen and its times, each naming its clinician unless the patient chose one.
    Computed again only when the calendar or the set-up changed, or time moved on."""
    now, rules = clock.now(), booking_rules()
    key = (versions(db.session).free_times, office.id, visit_type.id, provider_id, chosen_day, earliest, rules)
    key += (i18n.page_language(),)  # (the labels are in the page's language)
    key += (moment_key(now, rules),)
    pickers = kept("time_pickers", 1024)
    picker = pickers.get(key)
    if picker is None:
        days, day, slots, soonest = day_with_slots(
            db.session,
            office=office,
            visit_type=visit_type,
            provider_id=provider_id,
            now=now,
            rules=rules,
            chosen_day=chosen_day,
            earliest=earliest,
        )
        show_provider = provider_id is None
        picker = {
            "days": [
                {"value": d.isoformat(), "label": day_label(d), "short": day_short(d), "checked": d == day}
                for d in days
            ],
            "day": day,
            "day_label": day_label(day) if day else None,
            "slots": [
                {
                    "value": slot.value,
                    "label": slot_label(slot, office, show_provider=show_provider),
                    "starts_at": slot.starts_at.isoformat(),
                }
                for slot in slots
            ],
            "soonest": [
                {
                    "value": slot.value,
                    "label": soonest_label(slot, office, show_provider=show_provider),
                    "starts_at": slot.starts_at.isoformat(),
                }
                for slot in soonest
            ],
            "later_from": days[-1].isoformat() if len(days) >= 14 else None,
        }
        pickers.put(key, picker)
    slots = [{**slot, "checked": slot["starts_at"] == chosen_starts_at} for slot in picker["slots"]]
    soonest = [{**slot, "checked": slot["starts_at"] == chosen_starts_at} for slot in picker["soonest"]]
    return {**picker, "slots": slots, "soonest": soonest}


def current_draft(create=False):
    """This browser's booking in progress; a new one when ``create`` and there is none (or it is booked)."""
    now = clock.now()
    draft = service.find_draft(db.session, session.get(DRAFT_KEY), now)
    # Cleared (draft_expiry.py warned first): said on the next page, step 1, unless that request
    # is step 1's own form, which starts again with what it sends.
    sending_step_one = (request.endpoint, request.method) == ("booking.start", "POST")
    if draft is None and session.pop(DRAFT_KEY, None) and not sending_step_one:
        flash(
            ngettext(
                "For your privacy, we cleared the answers you left for %(num)d minute. Please start again below.",
                "For your privacy, we cleared the answers you left for %(num)d minutes. Please start again below.",
                int(service.DRAFT_LIFETIME.total_seconds() // 60),
            ),
            "info",
        )
    if create and (draft is None or draft.appointment_id is not None):
        draft, raw = service.start_draft(db.session, now)
        session[DRAFT_KEY] = raw
    return draft


def go_to(step: str):
    """Post/redirect/get to a step; htmx follows the 303 and receives the step's fragment."""
    endpoint = "booking.start" if step == "visit" else f"booking.{step}"
    return redirect(url_for(endpoint), 303)


def progress(step: str) -> dict:
    """The progress indicator: "Step 2 of 5" and every step's title."""
    steps = list(service.STEPS)
    number, title = steps.index(step) + 1, STEP_TITLES[step]
    return {
        "number": number,
        "title": title,
        "total": len(steps),
        # The tab's title (the page's and, through htmx, the fragment's): the step comes first.
        "page_title": _(
            "Step %(number)s of %(total)s: %(title)s — Request an appointment",
            number=number,
            total=len(steps),
            title=title,
        ),
        "steps": [{"key": key, "title": STEP_TITLES[key], "current": key == step} for key in steps],
    }
