"""The patient's private manage link: see, cancel or reschedule, and download the calendar file."""

from flask import flash, make_response, redirect, request, url_for

from .. import clock
from ..database import found_or_404
from ..extensions import db, limiter
from ..htmx import render
from . import bp, service
from .availability import find_slot, parse_slot_value
from .forms import CancelForm, ScreeningStepForm, TimeStepForm
from .ics import build_calendar
from .notifications import (
    calendar_event,
    queue_cancellation_emails,
    queue_reschedule_emails,
    queue_screening_flag_email,
)
from .presenters import appointment_summary, public_url
from .screening import CURRENT as SCREENING
from .service.manage import record_patient_action
from .steps import booking_rules, manage_cutoff, parse_day, time_picker

MANAGE_LIMIT = "60 per hour"


def appointment_or_404(token):
    """The appointment behind the link; a wrong or expired link is a plain 404."""
    return found_or_404(service.find_by_manage_token(db.session, token, clock.now()))


@bp.get("/booking/<token>")
@limiter.limit(MANAGE_LIMIT)
def manage(token):
    """The appointment, with cancel and reschedule until the cut-off, the phone number after it."""
    appointment = appointment_or_404(token)
    return render(
        "booking/manage.html",
        "booking/_manage.html",
        appointment=appointment,
        summary=appointment_summary(appointment),
        token=token,
        can_change=service.can_change(appointment, clock.now(), manage_cutoff()),
        cutoff_hours=int(manage_cutoff().total_seconds() // 3600),
        cancel_form=CancelForm(),
    )


@bp.post("/booking/<token>/cancel")
@limiter.limit(MANAGE_LIMIT)
def cancel(token):
    """Cancel the appointment; its time is free for others at once."""
    appointment = appointment_or_404(token)
    form = CancelForm()
    if not service.can_change(appointment, clock.now(), manage_cutoff()):
        flash(
            f"Online changes close {int(manage_cutoff().total_seconds() // 3600)} hours before the visit. "
            f"Please call the {appointment.office.name} office at {appointment.office.phone}.",
            "error",
        )
        return redirect(url_for("booking.manage", token=token), 303)
    if not form.validate_on_submit():
        return render(
            "booking/manage.html",
            "booking/_manage.html",
            status=422,
            appointment=appointment,
            summary=appointment_summary(appointment),
            token=token,
            can_change=True,
            cutoff_hours=int(manage_cutoff().total_seconds() // 3600),
            cancel_form=form,
        )
    before = appointment.status

    def notify(cancelled):  # in the cancellation's transaction
        record_patient_action(db.session, cancelled, "patient.cancelled", status=[before, cancelled.status])
        queue_cancellation_emails(cancelled)

    service.cancel_appointment(db.session, appointment, now=clock.now(), reason=form.reason.data or "", notify=notify)
    flash("Your appointment is cancelled. We have emailed you a confirmation.", "info")
    return redirect(url_for("booking.manage", token=token), 303)


def reschedule_context(appointment, token, day=None, form=None, screening_form=None):
    picker = time_picker(appointment.office, appointment.visit_type, None, chosen_day=day)
    return {
        "appointment": appointment,
        "summary": appointment_summary(appointment),
        "token": token,
        **picker,
        "form": form or TimeStepForm(),
        "screening_form": screening_form or ScreeningStepForm(),
        "screening": SCREENING,
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
    form, screening_form = TimeStepForm(), ScreeningStepForm()
    day = parse_day(request.args.get("day"))
    if request.method == "POST":
        slot_ok = form.validate_on_submit()
        needs_screening = not appointment.visit_type.is_telehealth
        screening_ok = screening_form.validate() if needs_screening else True
        parsed = parse_slot_value(form.slot.data) if slot_ok else None
        slot = None
        if slot_ok and parsed is None:
            form.slot.errors.append("That time is not available. Please choose one of the times shown.")
        if parsed:
            day = parsed[0].astimezone(appointment.office.tz).date()
            slot = find_slot(
                db.session,
                office=appointment.office,
                visit_type=appointment.visit_type,
                provider_id=None,
                starts_at=parsed[0],
                chosen_provider_id=parsed[1],
                now=now,
                rules=booking_rules(),
            )
            if slot is None:
                form.slot.errors.append("That time is not available. Please choose one of the times shown.")
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
                    notify=lambda moved: queue_reschedule_emails(moved, token),
                )
            except service.SlotTaken as taken:
                form.slot.errors.append(str(taken))
            except service.ScreeningFlagged:
                flash(
                    "Because you answered “yes” to a health question, we cannot move your visit online. "
                    f"Please call the {appointment.office.name} office at {appointment.office.phone}; "
                    "we can switch you to a video visit or find a later date.",
                    "error",
                )
                return redirect(url_for("booking.manage", token=token), 303)
            except service.BookingError as refused:
                flash(str(refused), "error")
                return redirect(url_for("booking.manage", token=token), 303)
            else:
                flash("Your appointment has moved. We have emailed you the new time.", "info")
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
    event = calendar_event(appointment, public_url("booking.manage", token=token))
    response = make_response(build_calendar(event, "PUBLISH", clock.now()))
    response.mimetype = "text/calendar"
    response.headers["Content-Disposition"] = f'attachment; filename="appointment-{appointment.reference}.ics"'
    return response


@bp.route("/booking/<token>/screening", methods=["GET", "POST"])
@limiter.limit(MANAGE_LIMIT)
def rescreen(token):
    """The health questions again, from the reminder; a "yes" flags the visit and tells the office."""
    appointment = appointment_or_404(token)
    form = ScreeningStepForm()
    outcome = None
    if appointment.is_active and not appointment.visit_type.is_telehealth and form.validate_on_submit():
        outcome = service.record_rescreening(
            db.session,
            appointment,
            answers=form.answers(),
            acknowledged=form.acknowledged.data,
            now=clock.now(),
            notify=queue_screening_flag_email,
        )
    return render(
        "booking/rescreen.html",
        "booking/_rescreen.html",
        status=422 if form.errors else 200,
        appointment=appointment,
        summary=appointment_summary(appointment),
        token=token,
        form=form,
        screening=SCREENING,
        outcome=outcome,
    )
