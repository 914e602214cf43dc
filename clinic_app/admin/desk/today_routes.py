"""The Today board per office (refreshing itself with htmx every 30 seconds; a plain page without
JavaScript), check-in with the door re-screen, and the printable day sheet per clinician."""

from datetime import date

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from ... import clock
from ...booking.forms import with_questions
from ...booking.questionnaires import in_force
from ...booking.screening import Outcome
from ...booking.service import BookingError
from ...database import found_or_404
from ...extensions import db
from ...formatting import local_time, long_day, time_of_day
from ...htmx import is_htmx
from ...models import AppointmentStatus
from .. import bp
from ..auth.access import visible_offices
from ..auth.forms import ActionForm
from ..bookings.queries import appointment_for
from ..bookings.service import allowed_actions
from .forms import DoorScreenForm
from .today import arrivals, check_in, to_call, to_confirm

REFRESH_SECONDS = 30


def chosen_office():
    """The office asked for (``?office=``), or the user's first; another's is a 404."""
    offices = visible_offices(db.session, current_user)
    if not offices:
        abort(404)
    slug = request.args.get("office")
    if not slug:
        return offices[0], offices
    return found_or_404(next((o for o in offices if o.slug == slug), None)), offices


def chosen_day(office) -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return clock.now().astimezone(office.tz).date()


def arrival_rows(visits, now) -> list[dict]:
    rows = []
    for visit in visits:
        actions = allowed_actions(visit, now)
        if visit.checked_in_at:
            state = f"Checked in {time_of_day(visit.checked_in_at.astimezone(visit.office.tz))}"
            if visit.checked_in_by:
                state += f" by {visit.checked_in_by.label}"
        else:
            state = AppointmentStatus.LABELS[visit.status]
        rows.append(
            {
                "visit": visit,
                "time": time_of_day(visit.starts_at.astimezone(visit.office.tz)),
                "state": state,
                "flagged": Outcome.of(visit.screening_outcome).is_flagged,
                "can_check_in": visit.is_active and not visit.checked_in_at and not visit.visit_type.is_telehealth,
                "actions": [name for name in ("complete", "no_show") if name in actions],
            }
        )
    return rows


@bp.get("/today")
def today():
    """Today at one office: arrivals in time order with their state and actions, the flagged
    visits to call about and the online bookings to confirm."""
    office, offices = chosen_office()
    day, now = chosen_day(office), clock.now()
    context = {
        "office": office,
        "offices": offices,
        "day": day,
        "day_label": long_day(day),
        "rows": arrival_rows(arrivals(db.session, office, day), now),
        "to_call": to_call(db.session, office, now),
        "to_confirm": to_confirm(db.session, office, now),
        "updated": time_of_day(now.astimezone(office.tz)),
        "refresh_seconds": REFRESH_SECONDS,
        "local_time": local_time,
        "action_form": ActionForm(),
    }
    template = "admin/desk/_today_board.html" if is_htmx() else "admin/desk/today.html"
    return render_template(template, **context)


@bp.route("/appointments/<int(max=2147483647):appointment_id>/check-in", methods=["GET", "POST"])
def check_in_visit(appointment_id):
    """The door re-screen with the current questions; all "no" checks the patient in, a "yes"
    flags the visit and says what the policy asks for."""
    appointment = found_or_404(appointment_for(db.session, current_user, appointment_id))
    form = with_questions(DoorScreenForm, in_force())()
    outcome, notice = None, None
    if form.validate_on_submit():
        try:
            outcome = check_in(
                db.session,
                current_user,
                appointment,
                answers=form.answers(),
                acknowledged=form.acknowledged.data,
                now=clock.now(),
            )
        except BookingError as refused:
            notice = str(refused)
        else:
            if outcome == Outcome.CLEAR:
                flash(f"Checked in: reference {appointment.reference}.", "info")
                return redirect(url_for("admin.today", office=appointment.office.slug), 303)
    status = 422 if (form.errors or notice) else 200
    page = render_template(
        "admin/desk/check_in.html",
        appointment=appointment,
        form=form,
        outcome=outcome,
        notice=notice,
        local_time=local_time,
    )
    return make_response(page, status)


@bp.get("/today/sheet")
def day_sheet():
    """The day's visits per clinician, one printed page each; patients' notes only when asked."""
    office, _ = chosen_office()
    day = chosen_day(office)
    by_clinician = {}
    for visit in arrivals(db.session, office, day):
        by_clinician.setdefault(visit.provider, []).append(visit)
    return render_template(
        "admin/desk/day_sheet.html",
        office=office,
        day_label=long_day(day),
        day=day,
        sheets=sorted(by_clinician.items(), key=lambda pair: pair[0].name),
        with_notes=request.args.get("notes") == "yes",
        time_of_day=time_of_day,
        screening=in_force(),
    )
