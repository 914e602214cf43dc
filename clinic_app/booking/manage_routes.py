"""The patient's private manage link: see, cancel or reschedule, and download the calendar file."""

from flask import abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from .. import clock
from ..attempts import AttemptLimits, client_address
from ..errors import render_error
from ..extensions import db, limiter
from ..htmx import render
from ..models import AppointmentStatus
from . import bp, service
from .availability import find_slot, parse_slot_value
from .forms import CancelForm, ConfirmForm, FindAppointmentForm, ScreeningStepForm, TimeStepForm, with_questions
from .ics import build_calendar
from .notifications import (
    calendar_event,
    queue_cancellation_emails,
    queue_found_notice,
    queue_reschedule_emails,
    queue_screening_flag_email,
)
from .presenters import appointment_summary
from .questionnaires import in_force
from .service.manage import record_patient_action
from .steps import booking_rules, manage_cutoff, parse_day, time_picker

MANAGE_LIMIT = "60 per hour"
# Guessing a date of birth for a known reference: a few tries per reference and address, then
# waits that grow; a ceiling per reference from anywhere (whoever knows a reference can use it up
# for the day: the emailed link and the phone still work, and the patient hears of each opening),
# and one per address across references.
FIND_ATTEMPTS = AttemptLimits(
    "find-appointment",
    per_subject_and_address="5 per 15 minutes; 10 per hour",
    per_subject="10 per day",
    per_address="30 per hour",
)


def appointment_or_404(token):
    """The appointment behind the link; a wrong or expired link is a 404 that says where to go."""
    appointment = service.find_by_manage_token(db.session, token, clock.now())
    if appointment is None:
        abort(
            render_error(
                404,
                title=_("This link does not open an appointment"),
                detail=_(
                    "The link may be incomplete, the visit may be over, or it came from “Find my appointment”, "
                    "whose links work for one hour. Your booking reference and date of birth open your appointment."
                ),
                next_step=(_("Find my appointment"), url_for("booking.find_appointment")),
            )
        )
    return appointment


def show_visit_page(name, appointment, token, form=None, **context):
    """A page about a booked visit (``booking/<name>.html``, or its fragment for htmx), with the
    visit's summary; 422 when ``form`` has errors."""
    return render(
        f"booking/{name}.html",
        f"booking/_{name}.html",
        status=422 if form is not None and form.errors else 200,
        appointment=appointment,
        summary=appointment_summary(appointment),
        token=token,
        form=form,
        **context,
    )


@bp.route("/booking/find", methods=["GET", "POST"])
def find_appointment():
    """Find my appointment: the booking reference and date of birth open the manage page for an
    hour (the calendar file links here: it is shared and synced, so it carries no private link)."""
    form = FindAppointmentForm()
    status, notice = 200, None
    if form.validate_on_submit():
        reference = service.clean_reference(form.reference.data)
        if not FIND_ATTEMPTS.allowed(reference, client_address()):
            status = 429
            notice = _(
                "Too many tries. For your security, Find my appointment is paused for this booking reference "
                "for now. The link in your confirmation email still works, or please call the office."
            )
        else:
            token = service.open_by_reference(
                db.session,
                reference,
                form.date_of_birth.data,
                clock.now(),
                address=client_address(),
                notify=queue_found_notice,
            )
            if token is not None:
                FIND_ATTEMPTS.forget(reference, client_address())
                return redirect(url_for("booking.manage", token=token), 303)
            status = 422
            notice = _(
                "We could not find an upcoming appointment with that booking reference and date of birth. "
                "Please check both and try again, or call the office."
            )
    elif form.errors:
        status = 422
    return render_template("booking/find.html", form=form, notice=notice), status


@bp.get("/v/<token>")
@limiter.limit(MANAGE_LIMIT)
def short_link(token):
    """The short form of a manage link, for text messages."""
    appointment_or_404(token)
    return redirect(url_for("booking.manage", token=token), 303)


@bp.get("/booking/<token>")
@limiter.limit(MANAGE_LIMIT)
def manage(token):
    """The appointment, with cancel and reschedule until the cut-off, the phone number after it."""
    appointment = appointment_or_404(token)
    return show_visit_page(
        "manage",
        appointment,
        token,
        can_change=service.can_change(appointment, clock.now(), manage_cutoff()),
        cutoff_hours=cutoff_hours(),
    )


def cutoff_hours() -> int:
    return int(manage_cutoff().total_seconds() // 3600)


def cancel_refused(appointment, token):
    """Why the appointment cannot be cancelled online now, as a redirect to its manage page (which
    says it); None when it can. Already cancelled (just now, by a second submission, in another
    tab or by the desk): nothing to do; a form sent hears that it is cancelled (once). After the
    cut-off: the office's phone number."""
    if appointment.status == AppointmentStatus.CANCELLED:
        message = _("Your appointment is cancelled. We have emailed you a confirmation.")
        if request.method == "POST" and message not in [text for _category, text in session.get("_flashes", [])]:
            flash(message, "info")
    elif not service.can_change(appointment, clock.now(), manage_cutoff()):
        flash(
            ngettext(
                "Online changes close %(num)d hour before the visit. Please call the %(office)s office at %(phone)s.",
                "Online changes close %(num)d hours before the visit. Please call the %(office)s office at %(phone)s.",
                cutoff_hours(),
                office=appointment.office.name,
                phone=appointment.office.phone,
            ),
            "error",
        )
    else:
        return None
    return redirect(url_for("booking.manage", token=token), 303)


@bp.route("/booking/<token>/cancel", methods=["GET", "POST"])
@limiter.limit(MANAGE_LIMIT)
def cancel(token):
    """Cancel, on a step of its own: what happens next, an optional reason for the desk, then "Yes,
    cancel my appointment" (the POST) or "Keep my appointment". The time is free for others at once."""
    appointment = appointment_or_404(token)
    refused = cancel_refused(appointment, token)
    if refused is not None:
        return refused
    form = CancelForm()
    if form.validate_on_submit():
        before = appointment.status

        def notify(cancelled):  # in the cancellation's transaction
            record_patient_action(
                db.session,
                cancelled,
                "patient.cancelled",
                by=service.acting_patient(cancelled, token),
                status=[before, cancelled.status],
            )
            queue_cancellation_emails(cancelled, by_patient=True)

        cancelled = service.cancel_appointment(
            db.session, appointment, now=clock.now(), reason=form.reason_for_staff(), notify=notify
        )
        # Cancelled now (here or meanwhile): the manage page says so, with the message once.
        return cancel_refused(cancelled, token) or redirect(url_for("booking.manage", token=token), 303)
    return show_visit_page("cancel", appointment, token, form=form)


def kept_clinician(appointment) -> int | None:
    """Who a move may go to: the same clinician when the patient chose one, anyone at the office
    when they booked "first available"."""
    return appointment.provider_id if appointment.clinician_chosen else None


def reschedule_context(appointment, token, day=None, form=None, screening_form=None):
    picker = time_picker(appointment.office, appointment.visit_type, kept_clinician(appointment), chosen_day=day)
    return {
        "appointment": appointment,
        "summary": appointment_summary(appointment),
        "token": token,
        **picker,
        "form": form or TimeStepForm(),
        "screening_form": screening_form or with_questions(ScreeningStepForm, in_force())(),
        "screening": in_force(),
        "needs_screening": not appointment.visit_type.is_telehealth,
    }


@bp.route("/booking/<token>/reschedule", methods=["GET", "POST"])
@limiter.limit(MANAGE_LIMIT)
def reschedule(token):
    """Choose a new day and time and answer the screening again; one click moves the visit."""
    appointment = appointment_or_404(token)
    now = clock.now()
    if not service.can_change(appointment, now, manage_cutoff()):
        return redirect(url_for("booking.manage", token=token), 303)
    form, screening_form = TimeStepForm(), with_questions(ScreeningStepForm, in_force())()
    day = parse_day(request.args.get("day"))
    if request.method == "POST":
        slot_ok = form.validate_on_submit()
        needs_screening = not appointment.visit_type.is_telehealth
        screening_ok = screening_form.validate() if needs_screening else True
        parsed = parse_slot_value(form.slot.data) if slot_ok else None
        slot = None
        if slot_ok and parsed is None:
            form.slot.errors.append(_("That time is not available. Please choose one of the times shown."))
        if parsed:
            day = parsed[0].astimezone(appointment.office.tz).date()
            slot = find_slot(
                db.session,
                office=appointment.office,
                visit_type=appointment.visit_type,
                provider_id=kept_clinician(appointment),
                starts_at=parsed[0],
                chosen_provider_id=parsed[1],
                now=now,
                rules=booking_rules(),
            )
            if slot is None:
                form.slot.errors.append(_("That time is not available. Please choose one of the times shown."))
        if slot is not None and screening_ok:
            answers = screening_form.answers() if needs_screening else {}
            try:
                service.reschedule_appointment(
                    db.session,
                    appointment,
                    slot=slot,
                    answers=answers,
                    acknowledged=screening_form.acknowledged.data if needs_screening else True,
                    now=now,
                    by=service.acting_patient(appointment, token),
                    # The email gets this link only if it lasts (not the hour-long one from "Find").
                    notify=lambda moved: queue_reschedule_emails(
                        moved, token if service.is_lasting_link(moved, token) else None
                    ),
                )
            except service.SlotTaken as taken:
                form.slot.errors.append(str(taken))
            except service.ScreeningFlagged:
                flash(
                    _(
                        "Because you answered “yes” to a health question, we cannot move your visit online. "
                        "Please call the %(office)s office at %(phone)s; "
                        "we can switch you to a video visit or find a later date.",
                        office=appointment.office.name,
                        phone=appointment.office.phone,
                    ),
                    "error",
                )
                return redirect(url_for("booking.manage", token=token), 303)
            except service.BookingError as refused:
                flash(str(refused), "error")
                return redirect(url_for("booking.manage", token=token), 303)
            else:
                flash(_("Your appointment has moved. We have emailed you the new time."), "info")
                return redirect(url_for("booking.manage", token=token), 303)
    status = 422 if (form.errors or screening_form.errors) else 200
    return render(
        "booking/reschedule.html",
        "booking/_reschedule.html",
        status=status,
        **reschedule_context(appointment, token, day, form, screening_form),
    )


@bp.get("/booking/<token>/calendar.ics")
@limiter.limit(MANAGE_LIMIT)
def calendar_file(token):
    """The appointment as a calendar file ("Add to calendar")."""
    appointment = appointment_or_404(token)
    event = calendar_event(appointment)
    response = make_response(build_calendar(event, "PUBLISH", clock.now()))
    response.mimetype = "text/calendar"
    response.headers["Content-Disposition"] = f'attachment; filename="appointment-{appointment.reference}.ics"'
    return response


@bp.route("/booking/<token>/confirm", methods=["GET", "POST"])
@limiter.limit(MANAGE_LIMIT)
def confirm_visit(token):
    """The reminder's Confirm: a page with one button (opening the link changes nothing, since
    mail scanners open links too), then the visit is confirmed."""
    appointment = appointment_or_404(token)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        service.confirm_by_patient(db.session, appointment, clock.now(), by=service.acting_patient(appointment, token))
    return show_visit_page("confirm_visit", appointment, token, form=form)


@bp.route("/booking/<token>/screening", methods=["GET", "POST"])
@limiter.limit(MANAGE_LIMIT)
def rescreen(token):
    """The health questions again, from the reminder; a "yes" flags the visit and tells the office."""
    appointment = appointment_or_404(token)
    form = with_questions(ScreeningStepForm, in_force())()
    outcome = None
    if appointment.is_active and not appointment.visit_type.is_telehealth and form.validate_on_submit():
        outcome = service.record_rescreening(
            db.session,
            appointment,
            answers=form.answers(),
            acknowledged=form.acknowledged.data,
            now=clock.now(),
            notify=queue_screening_flag_email,
            by=service.acting_patient(appointment, token),
        )
    return show_visit_page(
        "rescreen",
        appointment,
        token,
        form=form,
        screening=in_force(),
        outcome=outcome,
    )
