"""What the booking views share: the draft behind the browser's key, the rules, step navigation."""

import hashlib
import json
from datetime import date, timedelta

from flask import current_app, flash, redirect, request, session, url_for

from .. import clock, kept_pages
from ..extensions import db
from ..stamps import kept, recent_versions, versions
from . import service
from .availability import day_with_slots, moment_key
from .presenters import day_label, slot_label
from .slots import BookingRules

DRAFT_KEY = "booking_draft"

STEP_TITLES = {
    "visit": "Your visit",
    "time": "Date and time",
    "screening": "Health screening",
    "details": "Your details",
    "review": "Review and confirm",
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


def step_page_key(view: str, draft, rules) -> tuple | None:
    """The key a booking page that shows nothing personal (steps 1 and 2) is kept under
    (``kept_pages``): the view, the address, the draft's choices, the calendar and set-up
    versions, the quarter hour and the banner's state; None for a request whose page may not be
    kept."""
    if not kept_pages.usable():
        return None
    from ..pages.banner import BANNER_COOKIE  # (the pages package imports this package)

    if view == "start":  # step 1 shows the set-up only: another process's change shows within seconds
        data = recent_versions(db.session, current_app.config["SETUP_RECHECK_SECONDS"]).reference
    else:
        data = versions(db.session).free_times
    chosen = json.dumps(draft.data if draft is not None else None, sort_keys=True, default=str)
    return (
        view,
        *kept_pages.request_key(),
        request.cookies.get(BANNER_COOKIE, ""),
        draft is not None and draft.appointment_id is not None,
        hashlib.blake2b(chosen.encode(), digest_size=16).digest(),
        data,
        moment_key(clock.now(), rules),
    )


def time_picker(office, visit_type, provider_id, *, chosen_day=None, earliest=None, chosen_starts_at=None) -> dict:
    """What the slot picker shows (booking step 2 and reschedule): the days with open times, the
    day on screen and its times, each naming its clinician unless the patient chose one.
    Computed again only when the calendar or the set-up changed, or time moved on."""
    now, rules = clock.now(), booking_rules()
    key = (versions(db.session).free_times, office.id, visit_type.id, provider_id, chosen_day, earliest, rules)
    key += (moment_key(now, rules),)
    pickers = kept("time_pickers", 1024)
    picker = pickers.get(key)
    if picker is None:
        days, day, slots = day_with_slots(
            db.session,
            office=office,
            visit_type=visit_type,
            provider_id=provider_id,
            now=now,
            rules=rules,
            chosen_day=chosen_day,
            earliest=earliest,
        )
        picker = {
            "days": [{"value": d.isoformat(), "label": day_label(d), "checked": d == day} for d in days],
            "day": day,
            "day_label": day_label(day) if day else None,
            "slots": [
                {
                    "value": slot.value,
                    "label": slot_label(slot, office, show_provider=provider_id is None),
                    "starts_at": slot.starts_at.isoformat(),
                }
                for slot in slots
            ],
            "later_from": days[-1].isoformat() if len(days) >= 14 else None,
        }
        pickers.put(key, picker)
    slots = [{**slot, "checked": slot["starts_at"] == chosen_starts_at} for slot in picker["slots"]]
    return {**picker, "slots": slots}


def current_draft(create=False):
    """This browser's booking in progress; a new one when ``create`` and there is none (or it is booked)."""
    now = clock.now()
    draft = service.find_draft(db.session, session.get(DRAFT_KEY), now)
    if draft is None and session.pop(DRAFT_KEY, None):
        flash(
            "For your privacy, a booking left for 30 minutes without a step saved is cleared. Please start again.",
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
    return {
        "number": steps.index(step) + 1,
        "title": STEP_TITLES[step],
        "total": len(steps),
        "steps": [{"key": key, "title": STEP_TITLES[key], "current": key == step} for key in steps],
    }
