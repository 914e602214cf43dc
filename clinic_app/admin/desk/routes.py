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
from ...booking.availability import parse_slot_value, providers_for, slots_by_day
from ...booking.notifications import queue_booking_emails
from ...booking.presenters import slot_label
from ...booking.screening import CURRENT as SCREENING
from ...booking.service import BookingError, SlotTaken
from ...extensions import db
from ...formatting import long_day
from ...htmx import is_htmx
from ...models import Office, VisitType
from .. import bp
from ..auth.access import visible_offices
from .forms import FindTimeForm, StaffBookingForm
from .service import DESK_RULES, ScreeningSaysNo, book_for_patient


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
    clinicians = providers_for(db.session, office, visit_type)
    provider = next((p for p in clinicians if str(p.id) == form.provider.data), None)
    today = clock.now().astimezone(office.tz).date()
    day = form.day.data if form.day.data and not form.day.errors and form.day.data >= today else today
    form.office.choices = [SelectChoice(o.slug, o.name) for o in offices]
    form.visit_type.choices = [SelectChoice(v.slug, v.name) for v in visit_types]
    form.provider.choices = [SelectChoice("any", "First available")] + [
        SelectChoice(str(p.id), p.display_name) for p in clinicians
    ]
    form.office.data, form.visit_type.data = office.slug, visit_type.slug
    form.provider.data, form.day.data = str(provider.id) if provider else "any", day
    return office, visit_type, provider, day


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
    form = StaffBookingForm()
    if visit_type.is_telehealth:  # no screening for a video visit
        for name in [q.key for q in SCREENING.questions] + ["acknowledged"]:
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
            flash(f"Booked: {appointment.patient_name}, reference {appointment.reference}.{emailed}", "info")
            return redirect(url_for("admin.appointment", appointment_id=appointment.id), 303)
    form.booking_key.data = fresh_key(form.booking_key.data)
    times = free_times(office, visit_type, provider, day, chosen=form.slot.data or request.args.get("at"))
    context = {
        "finder": finder,
        "form": form,
        "notice": notice,
        "office": office,
        "visit_type": visit_type,
        "provider": provider,
        "day": day,
        "day_label": long_day(day),
        "times": times,
        "earlier_url": day_url(finder, day - timedelta(days=1))
        if day > clock.now().astimezone(office.tz).date()
        else None,
        "later_url": day_url(finder, day + timedelta(days=1)),
        "screening": SCREENING,
    }
    # htmx asks for the free times (and the screening) alone when the visit or day changes.
    template = "admin/desk/_times.html" if is_htmx() and request.method == "GET" else "admin/desk/new_booking.html"
    return make_response(render_template(template, **context), 422 if (form.errors or notice) else 200)


def day_url(finder, day: date) -> str:
    """This page with the same choices on another day."""
    return url_for(
        "admin.new_booking",
        office=finder.office.data,
        visit_type=finder.visit_type.data,
        provider=finder.provider.data,
        day=day.isoformat(),
    )
