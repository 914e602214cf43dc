"""Booking for a patient on the phone or at the desk: one page, a GET part (which visit, with whom,
which day: kept in the URL) and the booking form; with htmx, changing the visit or the day
refreshes only the free times and the screening, keeping what was typed."""

import re
import uuid
from datetime import date, timedelta

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ... import clock
from ...booking.availability import find_slot, parse_slot_value, providers_for, slots_by_day
from ...booking.forms import with_questions
from ...booking.notifications import queue_booking_emails, queue_reschedule_emails
from ...booking.presenters import slot_label
from ...booking.questionnaires import in_force
from ...booking.service import BookingError, SlotTaken
from ...database import found_or_404
from ...extensions import db
from ...formatting import local_time, long_day, office_time, time_of_day
from ...htmx import is_htmx
from ...models import AppointmentStatus, Office, VisitType
from ...texting.messages import texts_enabled
from .. import bp
from ..auth.access import audit, visible_offices
from ..bookings.queries import appointment_for
from .forms import FindTimeForm, MoveForm, StaffBookingForm
from .patients import find_patients, read_search
from .service import DESK_RULES, ScreeningSaysNo, book_for_patient, move_for_patient


def desk_choice(form):
    """The office, visit type, clinician (None: first available) and day asked for, each read
    leniently (an unknown value falls back to the first choice); an office the user may not see is a 404."""
    offices = visible_offices(db.session, current_user)
    if not offices:
        abort(404)
    by_slug = {office.slug: office for office in offices}
    if form.office.data and form.office.data not in by_slug:
        if db.session.scalars(select(Office.id).filter_by(slug=form.office.data)).first() is not None:
            abort(404)
    office = by_slug.get(form.office.data, offices[0])
    visit_types = list(
        db.session.scalars(select(VisitType).filter_by(active=True).order_by(VisitType.sort_order, VisitType.id))
    )
    visit_type = next((v for v in visit_types if v.slug == form.visit_type.data), visit_types[0])
    form.office.choices = [SelectChoice(o.slug, o.name) for o in offices]
    form.visit_type.choices = [SelectChoice(v.slug, v.name) for v in visit_types]
    form.office.data, form.visit_type.data = office.slug, visit_type.slug
    return office, visit_type, *clinician_and_day(form, office, visit_type)


def clinician_and_day(form, office, visit_type, default_provider=None, default_day=None):
    """The clinician (None: first available) and the day asked for at this office and visit type;
    when none was asked, the defaults; never a day before today."""
    clinicians = providers_for(db.session, office, visit_type)
    wanted = form.provider.data if form.provider.raw_data else str(default_provider or "any")
    provider = next((p for p in clinicians if str(p.id) == wanted), None)
    today = clock.now().astimezone(office.tz).date()
    day = form.day.data if form.day.data and not form.day.errors else default_day
    day = day if day and day >= today else today
    day = min(day, today + timedelta(days=DESK_RULES.horizon_days))  # nothing is offered beyond
    form.provider.choices = [SelectChoice("any", "First available")] + [
        SelectChoice(str(p.id), p.display_name) for p in clinicians
    ]
    form.provider.data, form.day.data = str(provider.id) if provider else "any", day
    return provider, day


def free_times(office, visit_type, provider, day, chosen=None) -> list[dict]:
    slots = slots_by_day(
        db.session,
        office=office,
        visit_type=visit_type,
        provider_id=provider.id if provider else None,
        days=[day],
        now=clock.now(),
        rules=DESK_RULES,
    )[day]
    return [
        {
            "value": slot.value,
            "label": slot_label(slot, office, show_provider=provider is None),
            "checked": slot.value == chosen,
        }
        for slot in slots
    ]


def fill_from_earlier_visit(form, appointment_id) -> None:
    """A follow-up: the patient's details from an earlier visit the user may see (the id in the
    URL names a visit, never the patient)."""
    earlier = appointment_for(db.session, current_user, appointment_id) if appointment_id else None
    if earlier is None:
        return
    for name in ("first_name", "last_name", "date_of_birth", "phone", "email", "insurance", "language"):
        getattr(form, name).data = getattr(earlier, name)
    form.patient_status.data = "returning"
    form.reason.data = earlier.reason


def calendar_time_offered(context, wanted, office, visit_type, provider, day) -> None:
    """Arriving from a free time on the calendar: that time chosen when it is offered (with
    "First available" it may go to another clinician), else a notice saying it is not free."""
    times = context["times"]
    if any(time["checked"] for time in times) or wanted[0].astimezone(office.tz).date() != day:
        return
    for time in times:
        parsed = parse_slot_value(time["value"])
        if parsed and parsed[0] == wanted[0]:
            time["checked"] = True
            return
    who = f" with {provider.display_name}" if provider else ""
    context["not_free"] = (
        f"{time_of_day(wanted[0].astimezone(office.tz))} is not free for a {visit_type.name}{who}. "
        "Choose another time or visit."
    )


def first_visit_type_free_at(office, wanted) -> VisitType | None:
    """The first active visit type (in the booking form's order) that fits at a time picked on the
    calendar, ``(start, clinician id)``; None when none does."""
    starts_at, provider_id = wanted
    for visit_type in db.session.scalars(
        select(VisitType).filter_by(active=True).order_by(VisitType.sort_order, VisitType.id)
    ):
        found = find_slot(
            db.session,
            office=office,
            visit_type=visit_type,
            provider_id=provider_id,
            starts_at=starts_at,
            chosen_provider_id=provider_id,
            now=clock.now(),
            rules=DESK_RULES,
        )
        if found is not None:
            return visit_type
    return None


def visit_id(value) -> int | None:
    """An appointment id from the URL, or None when it is not one (never beyond the database's range)."""
    return int(value) if value and value.isdigit() and 0 < int(value) <= 2**31 - 1 else None


def fresh_key(value) -> str:
    """The form's booking key as sent, or a new one (a key is 32 hex digits)."""
    return value if value and re.fullmatch(r"[0-9a-f]{32}", value) else uuid.uuid4().hex


@bp.route("/bookings/new", methods=["GET", "POST"])
def new_booking():
    """Book for a patient: choose the visit and day, pick a free time, ask the screening questions
    aloud, take the details. Staff may book with no notice, never into held time."""
    finder = FindTimeForm(request.values)
    finder.validate()
    office, visit_type, provider, day = desk_choice(finder)
    wanted = parse_slot_value(request.args.get("at", ""))  # a free time chosen on the calendar
    if wanted and request.method == "GET" and not request.args.get("visit_type"):
        fitting = first_visit_type_free_at(office, wanted)
        if fitting is not None and fitting != visit_type:
            finder.visit_type.data = fitting.slug
            office, visit_type, provider, day = desk_choice(finder)
    form = with_questions(StaffBookingForm, in_force())()
    if not texts_enabled():
        form.text_messages.data = False
    if request.method == "GET":
        fill_from_earlier_visit(form, visit_id(request.args.get("from_visit")))
    if visit_type.is_telehealth:  # no screening for a video visit
        for name in [q.key for q in in_force().questions] + ["acknowledged"]:
            del form[name]
    notice = None
    if form.validate_on_submit():
        parsed = parse_slot_value(form.slot.data)
        try:
            if parsed is None:
                raise SlotTaken("That time is not available. Please choose one of the times shown.")
            booked = book_for_patient(
                db.session,
                current_user,
                office=office,
                visit_type=visit_type,
                provider_id=provider.id if provider else None,
                starts_at=parsed[0],
                slot_provider_id=parsed[1],
                source=form.source.data,
                reason=form.reason.data,
                answers=form.answers() if not visit_type.is_telehealth else {},
                acknowledged=form.acknowledged.data if not visit_type.is_telehealth else True,
                details=form.details(),
                booking_key=fresh_key(form.booking_key.data),
                now=clock.now(),
                notify=queue_booking_emails,
            )
        except SlotTaken as taken:
            form.slot.errors.append(str(taken))
        except ScreeningSaysNo as flagged:
            notice = str(flagged)
        except BookingError as refused:
            notice = str(refused)
        else:
            appointment = booked.appointment
            emailed = " The patient has been emailed a confirmation." if appointment.email else ""
            flash(f"Booked: reference {appointment.reference}.{emailed}", "info")
            return redirect(url_for("admin.appointment", appointment_id=appointment.id), 303)
    form.booking_key.data = fresh_key(form.booking_key.data)
    # A follow-up's earlier visit stays in the page's links until the booking is made.
    earlier = visit_id(request.args.get("from_visit"))
    follow_up = {"from_visit": earlier} if earlier else {}
    context = {
        **time_picker(
            finder,
            office,
            visit_type,
            provider,
            day,
            form.slot.data or request.args.get("at"),
            "admin.new_booking",
            {"office": office.slug, "visit_type": visit_type.slug, **follow_up},
        ),
        "form": form,
        "notice": notice,
        "follow_up": follow_up,
        "calendar_time": request.args.get("at") if wanted else None,
        "ask_screening": not visit_type.is_telehealth,
    }
    if wanted and request.method == "GET":
        calendar_time_offered(context, wanted, office, visit_type, provider, day)
    # htmx asks for the free times (and the screening) alone when the visit or day changes.
    template = "admin/desk/_times.html" if is_htmx() and request.method == "GET" else "admin/desk/new_booking.html"
    return make_response(render_template(template, **context), 422 if (form.errors or notice) else 200)


def time_picker(finder, office, visit_type, provider, day, chosen, endpoint, url_values) -> dict:
    """What the desk's time picker shows (booking and moving): the day's free times, and this
    page (``endpoint`` with ``url_values``) with the same choices on the day before and after."""

    def day_url(other: date) -> str:
        return url_for(endpoint, provider=finder.provider.data, day=other.isoformat(), **url_values)

    today = clock.now().astimezone(office.tz).date()
    return {
        "finder": finder,
        "office": office,
        "visit_type": visit_type,
        "provider": provider,
        "day": day,
        "day_label": long_day(day),
        "times": free_times(office, visit_type, provider, day, chosen=chosen),
        "earlier_url": day_url(day - timedelta(days=1)) if day > today else None,
        "later_url": day_url(day + timedelta(days=1)),
    }


@bp.route("/appointments/<int(max=2147483647):appointment_id>/move", methods=["GET", "POST"])
def move_booking(appointment_id):
    """Move a visit for the patient (on the phone, or at the desk), at any time before it: the
    same clinician unless another is chosen, the desk's free times; the patient is emailed."""
    appointment = found_or_404(appointment_for(db.session, current_user, appointment_id))
    if not appointment.is_active:
        flash("This appointment is no longer active, so it cannot be moved.", "error")
        return redirect(url_for("admin.appointment", appointment_id=appointment_id), 303)
    office, visit_type = appointment.office, appointment.visit_type
    finder = FindTimeForm(request.values)
    finder.validate()
    provider, day = clinician_and_day(
        finder,
        office,
        visit_type,
        default_provider=appointment.provider_id,
        default_day=appointment.starts_at.astimezone(office.tz).date(),
    )
    form = MoveForm()
    if form.validate_on_submit():
        parsed = parse_slot_value(form.slot.data)
        try:
            if parsed is None:
                raise SlotTaken("That time is not available. Please choose one of the times shown.")
            moved = move_for_patient(
                db.session,
                current_user,
                appointment,
                provider_id=provider.id if provider else None,
                starts_at=parsed[0],
                slot_provider_id=parsed[1],
                now=clock.now(),
                notify=lambda moved: queue_reschedule_emails(moved, None),
            )
        except SlotTaken as taken:
            form.slot.errors.append(str(taken))
        except BookingError as refused:
            flash(str(refused), "error")
            return redirect(url_for("admin.appointment", appointment_id=appointment_id), 303)
        else:
            emailed = " The patient has been emailed the new time." if moved.email else ""
            flash(
                f"Moved to {office_time(moved.starts_at, office)} with {moved.provider.display_name}.{emailed}", "info"
            )
            return redirect(url_for("admin.appointment", appointment_id=appointment_id), 303)
    context = {
        **time_picker(
            finder,
            office,
            visit_type,
            provider,
            day,
            form.slot.data,
            "admin.move_booking",
            {"appointment_id": appointment_id},
        ),
        "appointment": appointment,
        "now_at": office_time(appointment.starts_at, office),
        "form": form,
    }
    template = "admin/desk/_times.html" if is_htmx() and request.method == "GET" else "admin/desk/move.html"
    return make_response(render_template(template, **context), 422 if form.errors else 200)


@bp.get("/patients")
def patients():
    """Find a patient (name and date of birth, phone, email or reference) and their visits, past
    and future, with "Book a follow-up". Each search is audited (that one was made, not its text)."""
    typed = request.args.get("q", "")
    search = read_search(typed)
    found = find_patients(db.session, current_user, search)
    if not search.empty:
        audit(db.session, current_user, "patients_searched", None, rows=len(found))
        db.session.commit()
    context = {
        "q": typed[:100],
        "searched": not search.empty,
        "patients": found,
        "now": clock.now(),
        "local_time": local_time,
        "status_labels": AppointmentStatus.LABELS,
    }
    template = "admin/desk/_patients.html" if is_htmx() else "admin/desk/patients.html"
    return render_template(template, **context)
