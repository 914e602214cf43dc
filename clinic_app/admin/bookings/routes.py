"""The bookings list (filters, search, pages, CSV export) and one appointment with its actions."""

import csv
import io
from datetime import datetime

from flask import abort, current_app, flash, make_response, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ... import clock, kept_pages
from ...booking.presenters import appointment_summary
from ...booking.screening import Outcome, asked_label
from ...clock import quarter_hour
from ...database import found_or_404, read_cursor
from ...extensions import db
from ...formatting import local_time
from ...htmx import render
from ...i18n import LANGUAGE_NAMES
from ...models import AppointmentNote, AppointmentSource, AppointmentStatus, AuditEntry, Office, OutboxMessage
from ...reasons import reason_label
from ...stamps import recent_versions
from ...texting.opt_outs import opted_out
from .. import bp
from ..auth.access import audit, offices_today, visible_offices, visible_providers
from ..auth.forms import ActionForm
from .forms import BookingFilterForm, NoteForm, ReasonForm
from .queries import CURSOR_KINDS, BookingFilters, appointment_for, bookings_page, bookings_query
from .service import ActionRefused, add_note, allowed_actions, change_status

MAX_ID = 2**31 - 1  # the database's integer range: larger ids cannot exist
ASKED_HOW = {"phone": "by phone", "walk_in": "at the desk", "staff": "in person"}
ACTION_LABELS = {"confirm": "Confirm", "complete": "Mark completed", "no_show": "Mark no-show", "cancel": "Cancel"}


def _as_id(value):
    """A positive whole number within the database's range, or None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def read_filters(form) -> BookingFilters:
    """The filters from the query string; anything unreadable is ignored, never an error."""
    return BookingFilters(
        q=(form.q.data or "")[:100],
        office=form.office.data or "",
        provider=_as_id(form.provider.data),
        status=form.status.data or "",
        source=form.source.data or "",
        language=form.language.data or "",
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None,
        flagged=bool(form.flagged.data),
        page=_as_id(request.args.get("page")) or 1,
        after=read_cursor(request.args.get("after"), CURSOR_KINDS),
        before=read_cursor(request.args.get("before"), CURSOR_KINDS),
    )


def filter_form():
    """The filter form; an office or clinician the user may not see is a 404, as by URL."""
    form = BookingFilterForm(request.args)
    form.validate()
    form.office.choices = [SelectChoice("", "All my offices")] + [
        SelectChoice(o.slug, o.name) for o in visible_offices(db.session, current_user)
    ]
    form.provider.choices = [SelectChoice("", "All clinicians")] + [
        SelectChoice(str(p.id), p.display_name) for p in visible_providers(db.session, current_user)
    ]
    form.status.choices = [SelectChoice("", "Any status")] + [
        SelectChoice(key, label) for key, label in AppointmentStatus.LABELS.items()
    ]
    form.language.choices = [SelectChoice("", "Any language")] + [
        SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGE_NAMES
    ]
    form.source.choices = [SelectChoice("", "Any way")] + [
        SelectChoice(key, label) for key, label in AppointmentSource.LABELS.items()
    ]
    office_slugs = set(db.session.scalars(select(Office.slug)))
    if form.office.data in office_slugs and form.office.data not in {c.value for c in form.office.choices}:
        abort(404)
    provider = _as_id(form.provider.data)
    if provider is not None and str(provider) not in {c.value for c in form.provider.choices}:
        abort(404)
    return form


def booking_rows(appointments):
    """Table rows, ready to show, times in office time."""
    return [
        {
            "id": a.id,
            "reference": a.reference,
            "when": local_time(a.starts_at, a.office.tz),
            "patient": a.patient_name,
            "office": a.office.name,
            "clinician": a.provider.display_name,
            "visit": a.visit_type.name,
            "status": AppointmentStatus.LABELS[a.status],
            "source": AppointmentSource.LABELS.get(a.source, a.source),
            "language": LANGUAGE_NAMES.get(a.language, a.language) if a.language != "en" else "",
            "flagged": Outcome.of(a.screening_outcome).is_flagged,
        }
        for a in appointments
    ]


def kept_list_key() -> tuple | None:
    """The key the list is kept under (``kept_pages``): the address, the user and the offices
    they see, the versions of appointments and set-up, and the quarter hour ("today")."""
    if not kept_pages.usable():
        return None
    user = current_user
    offices = () if user.is_admin else tuple(sorted(office.id for office in user.offices))
    stamps = recent_versions(db.session, current_app.config["VERSION_RECHECK_SECONDS"])
    who = (user.id, user.is_admin, user.label, offices)
    return (
        "bookings",
        *kept_pages.request_key(),
        *who,
        stamps.appointments,
        stamps.reference,
        quarter_hour(clock.now()),
    )


@bp.get("/")
def bookings():
    """Upcoming bookings; filters and search update the list (htmx) and stay in the URL."""
    key = kept_list_key()
    return kept_pages.kept_page(key) or kept_pages.keep(key, bookings_list())


def bookings_list():
    form = filter_form()
    filters = read_filters(form)
    page = bookings_page(db.session, current_user, filters, clock.now())
    return render(
        "admin/bookings/bookings.html",
        "admin/bookings/_bookings_table.html",
        form=form,
        filters=filters,
        page=page,
        rows=booking_rows(page.items),
    )


@bp.get("/bookings.csv")
def export_bookings():
    """The filtered list as CSV (every page); the export itself goes in the audit log."""
    filters = read_filters(filter_form())
    appointments = list(db.session.scalars(bookings_query(db.session, current_user, filters, clock.now())))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Reference",
            "Date and time",
            "Office",
            "Clinician",
            "Visit",
            "Status",
            "First name",
            "Last name",
            "Phone",
            "Email",
            "New patient",
            "Reason",
            "Screening",
            "Booked",
        ]
    )
    for a in appointments:
        writer.writerow(
            [
                a.reference,
                local_time(a.starts_at, a.office.tz),
                a.office.name,
                a.provider.display_name,
                a.visit_type.name,
                AppointmentStatus.LABELS[a.status],
                _cell(a.first_name),
                _cell(a.last_name),
                _cell(a.phone),
                _cell(a.email),
                "yes" if a.is_new_patient else "no",
                reason_label(a.reason),
                a.screening_outcome,
                AppointmentSource.LABELS.get(a.source, a.source),
            ]
        )
    # The search may hold a patient's name: only whether one was used is recorded.
    audit(
        db.session,
        current_user,
        "export",
        None,
        filters=filters.as_args(page="", q=""),
        search=bool(filters.q),
        rows=len(appointments),
    )
    db.session.commit()
    response = make_response(out.getvalue())
    response.mimetype = "text/csv"
    today = offices_today(db.session, current_user, clock.now())
    response.headers["Content-Disposition"] = f'attachment; filename="bookings-{today.isoformat()}.csv"'
    return response


def _cell(value: str) -> str:
    """A spreadsheet never runs a patient's text as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def later_screenings(appointment) -> list[dict]:
    """Each set of answers after booking, oldest first: why asked, when (office time), by whom."""
    entries = []
    for entry in (appointment.screening or {}).get("rescreenings", []):
        answered_at = entry.get("answered_at")
        when = local_time(datetime.fromisoformat(answered_at), appointment.office.tz) if answered_at else ""
        entries.append({"heading": asked_label(entry), "when": when, "by": entry.get("by"), "record": entry})
    return entries


def detail_context(appointment, reason_form=None, note_form=None):
    history = db.session.scalars(
        select(AuditEntry)
        .filter_by(appointment_id=appointment.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    ).all()
    emails = db.session.scalars(
        select(OutboxMessage)
        .filter_by(topic=f"appointment:{appointment.id}")
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    ).all()
    notes = db.session.scalars(
        select(AppointmentNote)
        .filter_by(appointment_id=appointment.id)
        .order_by(AppointmentNote.created_at.desc(), AppointmentNote.id.desc())
    ).all()
    return {
        "appointment": appointment,
        "texts_stopped": bool(appointment.sms_phone) and opted_out(db.session, appointment.sms_phone),
        "summary": appointment_summary(appointment),
        "reason": reason_label(appointment.reason),
        "status_label": AppointmentStatus.LABELS[appointment.status],
        "source_label": AppointmentSource.LABELS.get(appointment.source, appointment.source),
        "language_name": LANGUAGE_NAMES.get(appointment.language, appointment.language),
        "asked_how": ASKED_HOW.get((appointment.screening or {}).get("asked"), ""),
        "outcome": Outcome.of(appointment.screening_outcome),
        "later_screenings": later_screenings(appointment),
        "actions": [
            (name, ACTION_LABELS[name]) for name in allowed_actions(appointment, clock.now()) if name != "cancel"
        ],
        "can_cancel": "cancel" in allowed_actions(appointment, clock.now()),
        "history": history,
        "emails": emails,
        "notes": notes,
        "local_time": local_time,
        "action_form": ActionForm(),
        "reason_form": reason_form or ReasonForm(),
        "note_form": note_form or NoteForm(),
    }


def visible_or_404(appointment_id):
    return found_or_404(appointment_for(db.session, current_user, appointment_id))


@bp.get("/appointments/<int(max=2147483647):appointment_id>")
def appointment(appointment_id):
    """One appointment: patient, reason, notes, screening, emails, history, and actions. Each
    opening is recorded in the audit log (who saw whose health information, and when)."""
    appointment = visible_or_404(appointment_id)
    audit(db.session, current_user, "appointment.viewed", appointment)
    db.session.commit()
    return render(
        "admin/bookings/appointment.html",
        "admin/bookings/_appointment.html",
        **detail_context(appointment),
    )


@bp.post("/appointments/<int(max=2147483647):appointment_id>/<any(confirm, complete, no_show):action>")
def appointment_action(appointment_id, action):
    """Confirm, mark completed or mark no-show."""
    appointment = visible_or_404(appointment_id)
    if ActionForm().validate_on_submit():
        try:
            change_status(db.session, current_user, appointment, action, clock.now())
            flash(f"{ACTION_LABELS[action]}: done.", "info")
        except ActionRefused as refused:
            flash(str(refused), "error")
    if request.form.get("back") == "today":  # done from the Today board: back to it
        return redirect(url_for("admin.today", office=appointment.office.slug), 303)
    return redirect(url_for("admin.appointment", appointment_id=appointment_id), 303)


@bp.post("/appointments/<int(max=2147483647):appointment_id>/cancel")
def cancel_appointment(appointment_id):
    """Cancel with a reason; the time is freed and the patient is emailed."""
    appointment = visible_or_404(appointment_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            change_status(db.session, current_user, appointment, "cancel", clock.now(), reason=form.reason.data)
            flash("The appointment is cancelled and the patient has been emailed.", "info")
        except ActionRefused as refused:
            flash(str(refused), "error")
        return redirect(url_for("admin.appointment", appointment_id=appointment_id), 303)
    return render(
        "admin/bookings/appointment.html",
        "admin/bookings/_appointment.html",
        status=422,
        **detail_context(appointment, reason_form=form),
    )


@bp.post("/appointments/<int(max=2147483647):appointment_id>/notes")
def add_appointment_note(appointment_id):
    """Add an internal note."""
    appointment = visible_or_404(appointment_id)
    form = NoteForm()
    if form.validate_on_submit():
        add_note(db.session, current_user, appointment, form.text.data, clock.now())
        flash("Note added.", "info")
        return redirect(url_for("admin.appointment", appointment_id=appointment_id), 303)
    return render(
        "admin/bookings/appointment.html",
        "admin/bookings/_appointment.html",
        status=422,
        **detail_context(appointment, note_form=form),
    )
