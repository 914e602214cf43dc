"""What the booking views share: the draft behind the browser's key, the rules, step navigation."""

from datetime import date, timedelta

from flask import current_app, flash, redirect, session, url_for

from .. import clock
from ..extensions import db
from . import service
from .availability import day_with_slots
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


def time_picker(office, visit_type, provider_id, *, chosen_day=None, earliest=None, chosen_starts_at=None) -> dict:
    """What the slot picker shows (booking step 2 and reschedule): the days with open times, the
    day on screen and its times, each naming its clinician unless the patient chose one."""
    days, day, slots = day_with_slots(
        db.session,
        office=office,
        visit_type=visit_type,
        provider_id=provider_id,
        now=clock.now(),
        rules=booking_rules(),
        chosen_day=chosen_day,
        earliest=earliest,
    )
    return {
        "days": [{"value": d.isoformat(), "label": day_label(d), "checked": d == day} for d in days],
        "day": day,
        "day_label": day_label(day) if day else None,
        "slots": [
            {
                "value": slot.value,
                "label": slot_label(slot, office, show_provider=provider_id is None),
                "checked": slot.starts_at.isoformat() == chosen_starts_at,
            }
            for slot in slots
        ],
        "later_from": days[-1].isoformat() if len(days) >= 14 else None,
    }


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
