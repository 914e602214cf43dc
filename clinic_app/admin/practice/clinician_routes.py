"""Clinicians, kinds of visit and offices: admins add and change them; front-desk staff read them
(those of their offices). Thin views over ``settings.py``."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ... import clock
from ...database import found_or_404
from ...extensions import db
from ...models import Office, Provider, VisitType
from .. import bp
from ..auth.access import visible_offices, visible_providers
from ..auth.forms import ActionForm
from ..schedule.blocks import booking_line
from .forms import ClinicianForm, OfficeForm, VisitTypeForm
from .photos import MAX_UPLOAD_BYTES, PhotoRefused, portrait
from .settings import (
    ClinicianRequest,
    OfficeRequest,
    SettingsInvalid,
    VisitTypeRequest,
    add_clinician,
    add_visit_type,
    coming_of_type,
    offered_by,
    set_clinician_active,
    spanish,
    update_clinician,
    update_office,
    update_visit_type,
)
from .user_routes import admins_only, show_problems


def all_visit_types() -> list[VisitType]:
    return list(db.session.scalars(select(VisitType).order_by(VisitType.sort_order, VisitType.id)))


def clinician_form(provider=None) -> ClinicianForm:
    form = ClinicianForm(obj=provider if request.method == "GET" else None)
    form.offices.choices = [
        SelectChoice(o.id, o.name) for o in db.session.scalars(select(Office).order_by(Office.name))
    ]
    form.visit_types.choices = [
        SelectChoice(v.id, v.name + ("" if v.active else " (not offered now)")) for v in all_visit_types()
    ]
    if request.method == "GET" and provider is not None:
        form.offices.data = [office.id for office in provider.offices]
        form.visit_types.data = [visit.id for visit in provider.visit_types]
        form.spanish_specialty.data, form.spanish_bio.data = spanish(provider, "specialty"), spanish(provider, "bio")
    elif request.method == "GET":
        form.visit_types.data = [v.id for v in all_visit_types() if v.active]
    return form


def valid_photo(form) -> bool:
    """Re-encode an uploaded portrait (kept on the form as ``portrait``); false, with the problem
    on the field, when it is not a usable photo. No upload is fine."""
    form.portrait = None
    upload = form.photo.data
    if not upload or not getattr(upload, "filename", ""):
        return True
    try:
        form.portrait = portrait(upload.stream.read(MAX_UPLOAD_BYTES + 1))
    except PhotoRefused as refused:
        form.photo.errors = [*form.photo.errors, str(refused)]
        return False
    return True


def clinician_request(form) -> ClinicianRequest:
    return ClinicianRequest(
        name=form.name.data,
        credentials=form.credentials.data or "",
        specialty=form.specialty.data or "",
        bio=form.bio.data or "",
        office_ids=tuple(form.offices.data or ()),
        visit_type_ids=tuple(form.visit_types.data or ()),
        accepts_new_patients=bool(form.accepts_new_patients.data),
        photo=getattr(form, "portrait", None),
        remove_photo=bool(form.remove_photo.data),
        spanish_specialty=form.spanish_specialty.data or "",
        spanish_bio=form.spanish_bio.data or "",
    )


@bp.route("/providers/new", methods=["GET", "POST"])
def add_provider():
    """Add a clinician; they can be booked once they have weekly hours at an office."""
    admins_only()
    form = clinician_form()
    if form.validate_on_submit() and valid_photo(form):
        try:
            provider = add_clinician(db.session, current_user, clinician_request(form), clock.now())
        except SettingsInvalid as invalid:
            show_problems(form, invalid.problems)
        else:
            db.session.commit()
            flash(f"Added {provider.display_name}. Now give them their weekly hours.", "info")
            return redirect(url_for("admin.provider_hours", provider_id=provider.id), 303)
    status = 422 if form.errors else 200
    context = {"form": form, "provider": None, "affected": [], "booking_line": booking_line}
    return render_template("admin/practice/clinician.html", **context), status


@bp.route("/providers/<int(max=2147483647):provider_id>/edit", methods=["GET", "POST"])
def edit_provider(provider_id):
    """Change a clinician's details, offices and kinds of visit."""
    admins_only()
    provider = found_or_404(db.session.get(Provider, provider_id))
    form, affected = clinician_form(provider), []
    if form.validate_on_submit() and valid_photo(form):
        try:
            changed = update_clinician(db.session, current_user, provider, clinician_request(form), clock.now())
        except SettingsInvalid as invalid:
            show_problems(form, invalid.problems)
            affected = invalid.affected
        else:
            db.session.commit()
            flash(f"Saved {provider.display_name}." if changed else "Nothing changed.", "info")
            return redirect(url_for("admin.providers"), 303)
    status = 422 if form.errors else 200
    context = {"form": form, "provider": provider, "affected": affected, "booking_line": booking_line}
    return render_template("admin/practice/clinician.html", **context), status


@bp.post("/providers/<int(max=2147483647):provider_id>/<any(deactivate, activate):change>")
def provider_active(provider_id, change):
    """Take a clinician off the schedule, or back on."""
    admins_only()
    provider = found_or_404(db.session.get(Provider, provider_id))
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        set_clinician_active(db.session, current_user, provider, change == "activate", clock.now())
    except SettingsInvalid as invalid:
        form = clinician_form(provider)
        form.offices.data = [office.id for office in provider.offices]
        form.visit_types.data = [visit.id for visit in provider.visit_types]
        context = {"form": form, "provider": provider, "affected": invalid.affected, "booking_line": booking_line}
        context["notice"] = invalid.problems["active"]
        return render_template("admin/practice/clinician.html", **context), 422
    db.session.commit()
    if change == "activate":
        flash(f"{provider.display_name} is on the schedule again.", "info")
    else:
        flash(f"{provider.display_name} is off the schedule: no new bookings.", "info")
    return redirect(url_for("admin.providers"), 303)


# Kinds of visit


def visit_type_form(visit_type=None) -> VisitTypeForm:
    form = VisitTypeForm(obj=visit_type if request.method == "GET" else None)
    clinicians = list(db.session.scalars(select(Provider).order_by(Provider.name)))
    form.provider_ids.choices = [
        SelectChoice(p.id, p.display_name + ("" if p.active else " (off the schedule)")) for p in clinicians
    ]
    if request.method == "GET" and visit_type is not None:
        form.is_telehealth.data = "video" if visit_type.is_telehealth else "in-person"
        form.provider_ids.data = [p.id for p in offered_by(db.session, visit_type)]
        form.spanish_name.data = spanish(visit_type, "name")
        form.spanish_description.data = spanish(visit_type, "description")
    return form


def visit_type_request(form) -> VisitTypeRequest:
    return VisitTypeRequest(
        name=form.name.data,
        description=form.description.data or "",
        duration_minutes=form.duration_minutes.data,
        buffer_minutes=form.buffer_minutes.data,
        is_telehealth=form.is_telehealth.data == "video",
        patients=form.patients.data,
        active=bool(form.active.data),
        provider_ids=tuple(form.provider_ids.data or ()),
        spanish_name=form.spanish_name.data or "",
        spanish_description=form.spanish_description.data or "",
    )


@bp.get("/visit-types")
def visit_types():
    """Every kind of visit with its length, pause, place, patients and clinicians (staff read it)."""
    shown = {p.id for p in visible_providers(db.session, current_user)}
    rows = [
        {"visit": visit, "clinicians": [p.display_name for p in offered_by(db.session, visit) if p.id in shown]}
        for visit in all_visit_types()
    ]
    return render_template("admin/practice/visit_types.html", rows=rows, patients=VisitType.PATIENTS)


@bp.route("/visit-types/new", methods=["GET", "POST"])
def add_visit_type_view():
    admins_only()
    form = visit_type_form()
    if form.validate_on_submit():
        try:
            visit_type = add_visit_type(db.session, current_user, visit_type_request(form))
        except SettingsInvalid as invalid:
            show_problems(form, invalid.problems)
        else:
            db.session.commit()
            flash(f"Added {visit_type.name}; patients can book it now.", "info")
            return redirect(url_for("admin.visit_types"), 303)
    status = 422 if form.errors else 200
    context = {"form": form, "visit_type": None, "booked": 0, "affected": []}
    return render_template("admin/practice/visit_type.html", booking_line=booking_line, **context), status


@bp.route("/visit-types/<int(max=2147483647):visit_type_id>", methods=["GET", "POST"])
def edit_visit_type(visit_type_id):
    """Change a kind of visit. Booked visits keep their times; the form says how many there are."""
    admins_only()
    visit_type = found_or_404(db.session.get(VisitType, visit_type_id))
    form, affected = visit_type_form(visit_type), []
    booked = len(coming_of_type(db.session, visit_type, clock.now()))
    if form.validate_on_submit():
        try:
            changed = update_visit_type(db.session, current_user, visit_type, visit_type_request(form), clock.now())
        except SettingsInvalid as invalid:
            show_problems(form, invalid.problems)
            affected = invalid.affected
        else:
            db.session.commit()
            kept = f" The {booked} visit(s) already booked keep their times." if changed and booked else ""
            flash((f"Saved {visit_type.name}." if changed else "Nothing changed.") + kept, "info")
            return redirect(url_for("admin.visit_types"), 303)
    status = 422 if form.errors else 200
    context = {"form": form, "visit_type": visit_type, "booked": booked, "affected": affected}
    return render_template("admin/practice/visit_type.html", booking_line=booking_line, **context), status


# Offices


@bp.get("/offices")
def offices():
    """The offices as patients find them (staff read their own; admins change them)."""
    return render_template("admin/practice/offices.html", offices=visible_offices(db.session, current_user))


@bp.route("/offices/<int(max=2147483647):office_id>", methods=["GET", "POST"])
def edit_office(office_id):
    """Change an office: address, phone, time zone, who is emailed, video visits, opening hours."""
    admins_only()
    office = found_or_404(db.session.get(Office, office_id))
    form = OfficeForm(obj=office if request.method == "GET" else None)
    affected = []
    if request.method == "GET":
        form.notify_emails.data = "\n".join(office.notify_email_list)
        for hours in office.opening_hours:
            form[f"opens_{hours.weekday}"].data, form[f"closes_{hours.weekday}"].data = hours.opens, hours.closes
    elif form.validate_on_submit():
        hours = form.opening_hours()
        if not form.errors:
            try:
                changed = update_office(db.session, current_user, office, office_request(form, hours), clock.now())
            except SettingsInvalid as invalid:
                show_problems(form, invalid.problems)
                affected = invalid.affected
            else:
                db.session.commit()
                flash(f"Saved {office.name}." if changed else "Nothing changed.", "info")
                return redirect(url_for("admin.offices"), 303)
    status = 422 if form.errors else 200
    context = {"form": form, "office": office, "affected": affected, "booking_line": booking_line}
    return render_template("admin/practice/office.html", **context), status


def office_request(form, hours) -> OfficeRequest:
    return OfficeRequest(
        name=form.name.data,
        street=form.street.data,
        suite=form.suite.data or "",
        city=form.city.data,
        state=form.state.data,
        postal_code=form.postal_code.data,
        phone=form.phone.data,
        timezone=form.timezone.data,
        notify_emails=getattr(form.notify_emails, "addresses", ()),
        offers_telehealth=bool(form.offers_telehealth.data),
        hours=hours,
        zone_change_confirmed=bool(form.zone_change_confirmed.data),
    )
