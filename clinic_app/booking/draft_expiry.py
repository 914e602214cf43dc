"""How long a booking in progress is kept, on every step (WCAG 2.2.1 Timing Adjustable).

A draft is cleared ``DRAFT_LIFETIME`` after its last saved step. Every step says how long its
answers are still kept and offers "Keep my answers", a form (``keep_answers``) that gives the
draft its whole lifetime again and comes back to the same step; with JavaScript (site.js, "Booking
in progress") a warning with the same button shows ``BOOKING_DRAFT_WARNING_SECONDS`` before the
answers are cleared, and what the step's next request shows once they are is ``steps.current_draft``'s.

The box is made for each browser: steps 1 and 2 may be served from a copy kept for every draft
with the same choices (``kept_pages``), so it is cut out of that copy (``per_browser``) and made
again each time the copy is served, from this browser's draft as this request knows it (saved or
read by it, otherwise the print in the session: ``steps.draft_print``), without a database read.
"""

import math
from datetime import datetime
from urllib.parse import urlsplit

from cachetools import LRUCache
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import ngettext
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import inspect

from .. import clock, i18n, kept_pages
from ..extensions import db, limiter
from ..htmx import hx_redirect, is_htmx
from . import bp, service
from .forms import ConfirmForm
from .routes import STEP_LIMIT
from .steps import DRAFT_KEY, booking_rules, current_draft, go_to, printed_draft

STEP_ENDPOINTS = ("booking.start", "booking.time", "booking.screening", "booking.details", "booking.review")


def lifetime_minutes() -> int:
    return int(service.DRAFT_LIFETIME.total_seconds() // 60)


def draft_expires_at(now: datetime) -> datetime | None:
    """When this browser's booking in progress is cleared, as this request knows it without
    reading the database: as it saved or read the draft, else as the session's print says; None
    without a draft (or a booked one)."""
    raw = session.get(DRAFT_KEY)
    if not raw:
        return None
    hashed = service.token_hash(raw)
    state = db.session.info.get("drafts_saved", {}).get(hashed)
    if state is not None:
        booked, expires_at = state.booked, state.expires_at
    else:
        found = db.session.info.get("drafts_found", {}).get(hashed)
        if found is not None and not inspect(found).unloaded & {"appointment_id", "expires_at"}:
            booked, expires_at = found.appointment_id is not None, found.expires_at
        else:
            printed = printed_draft(raw, now)
            if printed is None:
                return None
            booked, expires_at = printed.booked, printed.expires_at
    return None if booked or expires_at <= now else expires_at


def time_left(now: datetime) -> dict | None:
    """What the box says and site.js counts down from; None without a draft."""
    expires_at = draft_expires_at(now)
    if expires_at is None:
        return None
    seconds = int((expires_at - now).total_seconds())
    warn_before = current_app.config["BOOKING_DRAFT_WARNING_SECONDS"]
    return {
        "seconds_left": seconds,
        "minutes_left": max(math.ceil(seconds / 60), 1),
        "warn_before": warn_before,
        "warn_minutes": max(math.ceil(warn_before / 60), 1),
        "lifetime": lifetime_minutes(),
    }


def step_address(value: str | None) -> str | None:
    """``value`` when it is the address of a booking step on this site (with its query), else None."""
    parts = urlsplit(value or "")
    if parts.scheme or parts.netloc or parts.path not in {url_for(endpoint) for endpoint in STEP_ENDPOINTS}:
        return None
    return value


# Stand-ins for the two parts of the box that differ from one browser to the next.
TOKEN_MARK, SECONDS_MARK = "--csrf-token-here--", "--seconds-left-here--"


def keeper_html() -> str:
    """The box for this browser's draft, rendered ("" without a draft). It is served on every kept
    step page, so its shape (by language, step and whole minutes left) is rendered once per
    process and only this browser's form token and seconds left are put in."""
    left = time_left(clock.now())
    if left is None:
        return ""
    language = i18n.page_language()  # the step being shown, to come back to after "Keep my answers"
    key = (language, i18n.page_in(language), left["minutes_left"], left["warn_before"], left["lifetime"])
    shapes = current_app.extensions.setdefault("clinic_draft_keeper", LRUCache(maxsize=512))
    shape = shapes.get(key)
    if shape is None:
        shape = shapes[key] = render_template(
            "booking/_draft_keep.html", back=key[1], token=TOKEN_MARK, **{**left, "seconds_left": SECONDS_MARK}
        )
    return shape.replace(TOKEN_MARK, generate_csrf()).replace(SECONDS_MARK, str(left["seconds_left"]))


@bp.app_template_global()
def draft_keeper() -> Markup:
    """The "Keep my answers" box (``_step_start.html``), made again for each browser a kept copy
    of the page is served to."""
    html = keeper_html()
    return Markup(kept_pages.per_browser(html, keeper_html) if html else "")


@bp.post("/book/keep")
@limiter.limit(STEP_LIMIT)
def keep_answers():
    """ "Keep my answers": the draft is kept its whole lifetime again from now. Back to the step
    it was pressed on; for htmx, only the time left (the box's count, restarted in site.js)."""
    draft = current_draft()  # an expired one: it says so on the next page, step 1
    if draft is None or draft.appointment_id is not None or not ConfirmForm().validate_on_submit():
        return hx_redirect(url_for("booking.start"))
    now = clock.now()
    service.keep_draft(db.session, draft, now)
    if is_htmx():
        return render_template("booking/_draft_left.html", kept=True, **time_left(now))
    flash(
        ngettext(
            "Done: we keep your answers for %(num)d more minute.",
            "Done: we keep your answers for %(num)d more minutes.",
            lifetime_minutes(),
        ),
        "info",
    )
    back = step_address(request.form.get("back"))
    if back is None:
        return go_to(service.first_incomplete_step(db.session, draft, now, booking_rules()))
    return redirect(back, 303)
