"""The waitlist pages: join from step 2 or from a booking's manage page, see or leave an entry,
and claim an offered time through its one-time link."""

from datetime import timedelta

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from .. import clock
from ..errors import render_error
from ..extensions import db, limiter
from ..htmx import render
from ..i18n import page_language
from ..models import OfferStatus, WaitlistEntry
from ..texting.messages import texts_enabled
from ..texting.numbers import texting_number
from . import bp, screening, service, waitlist
from .forms import ClaimOfferForm, ConfirmForm, ManageWaitlistForm, WaitlistForm, with_questions
from .manage_routes import MANAGE_LIMIT, appointment_or_404
from .notifications import queue_waitlist_booking, queue_waitlist_joined, queue_waitlist_taken
from .presenters import appointment_summary, when
from .questionnaires import in_force
from .routes import STEP_LIMIT, booking_step
from .steps import booking_rules, manage_cutoff

JOINED = "waitlist_joined"  # the session keeps only the new entry's id, for its thank-you page


def join_or_refusal(**wish):
    """Put the patient on the list and go to the thank-you page (the session keeps only the
    entry's id); or the refusal to show on the form."""
    try:
        entry, _created = waitlist.join(
            db.session, now=clock.now(), notify=queue_waitlist_joined, language=page_language(), **wish
        )
    except waitlist.WaitlistRefused as refused:
        return None, str(refused)
    session[JOINED] = entry.id
    return redirect(url_for("booking.waitlist_joined"), 303), None


def join_page(form, problem, **context):
    return render(
        "booking/waitlist_join.html",
        "booking/_waitlist_join.html",
        status=422 if form.errors or problem else 200,
        form=form,
        problem=problem,
        **context,
    )


def sms_number(form) -> str | None:
    if not (texts_enabled() and form.text_messages.data):
        return None
    return texting_number(form.phone.data)[0]


@bp.route("/book/waitlist", methods=["GET", "POST"])
@limiter.limit(STEP_LIMIT, methods=["POST"])
@booking_step("time")
def waitlist_join(draft):
    """Step 2's "Tell me if an earlier time opens", for the office, visit and clinician of step 1."""
    view = service.resolve(db.session, draft)
    form = WaitlistForm()
    form.horizon_days = current_app.config["BOOKING_HORIZON_DAYS"]
    form.today = clock.now().astimezone(view.office.tz).date()  # the office's day, not UTC's
    if request.method == "GET":
        form.last_day.data = clock.now().astimezone(view.office.tz).date() + timedelta(days=30)
        stored = (draft.data or {}).get("details") or {}
        for name in ("first_name", "last_name", "phone", "email", "patient_status"):
            if stored.get(name):
                getattr(form, name).data = stored[name]
    if not texts_enabled():
        form.text_messages.data = False
    problem = None
    if form.validate_on_submit():
        details = {
            "first_name": form.first_name.data,
            "last_name": form.last_name.data,
            "date_of_birth": form.date_of_birth.data,
            "phone": form.phone.data,
            "email": form.email.data,
            "is_new_patient": form.patient_status.data == "new",
            "sms_phone": sms_number(form),
            "reason": view.reason,
        }
        done, problem = join_or_refusal(
            office=view.office,
            visit_type=view.visit_type,
            provider=view.provider,
            last_day=form.last_day.data,
            details=details,
        )
        if done:
            return done
    return join_page(form, problem, view=view)


@bp.route("/booking/<token>/waitlist", methods=["GET", "POST"])
@limiter.limit(MANAGE_LIMIT)
def waitlist_join_from_booking(token):
    """From the manage page: tell me if a time opens earlier than my visit (a claim moves it)."""
    appointment = appointment_or_404(token)
    summary = appointment_summary(appointment)
    if not service.can_change(appointment, clock.now(), manage_cutoff()):
        flash(_("Online changes are closed for this visit. Please call the office."), "error")
        return redirect(url_for("booking.manage", token=token), 303)
    form = ManageWaitlistForm()
    form.clinician.choices = [
        SelectChoice("same", _("%(clinician)s only", clinician=appointment.provider.display_name)),
        SelectChoice("any", _("Any clinician at this office")),
    ]
    if request.method == "GET":
        form.clinician.data = "same" if appointment.clinician_chosen else "any"
        form.text_messages.data = bool(appointment.sms_phone)
    if not texts_enabled():
        form.text_messages.data = False
    problem = None
    if form.validate_on_submit():
        sms = texting_number(appointment.phone)[0] if form.text_messages.data else None
        if form.text_messages.data and sms is None:
            form.text_messages.errors = [_("Texts go to US numbers only; your booking's phone number is not one.")]
        else:
            details = {
                "first_name": appointment.first_name,
                "last_name": appointment.last_name,
                "date_of_birth": appointment.date_of_birth,
                "phone": appointment.phone,
                "email": appointment.email,
                "is_new_patient": appointment.is_new_patient,
                "sms_phone": sms,
                "reason": appointment.reason,
            }
            done, problem = join_or_refusal(
                office=appointment.office,
                visit_type=appointment.visit_type,
                provider=appointment.provider if form.clinician.data == "same" else None,
                last_day=appointment.starts_at.astimezone(appointment.office.tz).date(),
                details=details,
                appointment=appointment,
            )
            if done:
                return done
    return join_page(form, problem, appointment=appointment, summary=summary, token=token)


@bp.get("/book/waitlist/joined")
def waitlist_joined():
    """Thank you: what happens next."""
    entry = db.session.get(WaitlistEntry, session.get(JOINED) or 0)
    if entry is None:
        return redirect(url_for("booking.start"), 303)
    return render("booking/waitlist_joined.html", "booking/_waitlist_joined.html", entry=entry)


def entry_or_404(token):
    entry = waitlist.find_entry(db.session, token)
    if entry is None:
        abort_link(_("This waitlist link does not work"), _("The link may be incomplete."))
    return entry


def abort_link(title, detail):
    abort(
        render_error(404, title=title, detail=detail, next_step=(_("Request an appointment"), url_for("booking.start")))
    )


@bp.route("/waitlist/<token>", methods=["GET", "POST"])
@limiter.limit(MANAGE_LIMIT)
def waitlist_entry(token):
    """A patient's place on the waitlist, with "Leave the waitlist"."""
    entry = entry_or_404(token)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        waitlist.leave(db.session, entry, clock.now())
        flash(_("You have left the waitlist. We will not contact you about earlier times."), "info")
        return redirect(url_for("booking.waitlist_entry", token=token), 303)
    return render(
        "booking/waitlist_entry.html",
        "booking/_waitlist_entry.html",
        entry=entry,
        token=token,
        form=form,
        last_day=entry.last_day,
    )


OFFER_GONE = {
    OfferStatus.CLAIMED: (
        _l("You have already booked this time"),
        _l("This link was used. We have emailed you the details."),
    ),
    OfferStatus.TAKEN: (
        _l("Sorry — another patient booked this time first"),
        _l("You are still on the waitlist, and we will tell you when another time opens."),
    ),
    OfferStatus.EXPIRED: (
        _l("This offer has ended"),
        _l(
            "Offered times are held for a short while only. You are still on the waitlist; "
            "we will tell you when another time opens."
        ),
    ),
    OfferStatus.WITHDRAWN: (
        _l("This offer is no longer open"),
        _l("You left the waitlist, or your request ended, so this time was not kept for you."),
    ),
}


@bp.route("/offer/<token>", methods=["GET", "POST"])
@limiter.limit(MANAGE_LIMIT)
def waitlist_offer(token):
    """A freed time offered to a waitlisted patient: see it, answer the health questions, book it.
    Opening the link changes nothing (mail scanners open links too)."""
    offer = waitlist.find_offer(db.session, token)
    if offer is None:
        abort_link(_("This offer link does not work"), _("The link may be incomplete."))
    entry, now = offer.entry, clock.now()
    in_person = not entry.visit_type.is_telehealth
    form = with_questions(ClaimOfferForm, in_force())() if in_person else ConfirmForm()
    context = {
        "offer": offer,
        "entry": entry,
        "token": token,
        "when": when(offer.starts_at, entry.office),
        "expires": when(offer.expires_at, entry.office),
        "in_person": in_person,
        "screening": in_force(),
        "form": form,
    }
    state = waitlist.offer_state(offer, now)
    status, outcome, booked = 200, None, None
    if state == OfferStatus.OPEN and request.method == "POST" and form.validate_on_submit():
        record = None
        if in_person:
            record = screening.answers_record(form.answers(), form.acknowledged.data, in_force())
        try:
            booked = waitlist.claim_offer(
                db.session,
                offer,
                answers_record=record,
                now=now,
                rules=booking_rules(),
                notify_booked=queue_waitlist_booking,
                notify_taken=queue_waitlist_taken,
            )
        except service.ScreeningFlagged:
            outcome = "flagged"
        except service.SlotTaken:
            state = OfferStatus.TAKEN
        except waitlist.OfferGone as gone:
            state = gone.why
        else:
            state = "booked"
        offer = waitlist.find_offer(db.session, token)
    elif request.method == "POST" and state == OfferStatus.OPEN:
        status = 422
    if state in OFFER_GONE:
        context["gone"] = OFFER_GONE[state]
        status = 200 if state == OfferStatus.CLAIMED else 410 if request.method == "GET" else 409
    return render(
        "booking/waitlist_offer.html",
        "booking/_waitlist_offer.html",
        status=status,
        state=state,
        outcome=outcome,
        booked=appointment_summary(booked) if booked else None,
        **context,
    )
