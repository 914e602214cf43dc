"""Closures (holidays, vacations) and clinicians' weekly hours: thin views over ``schedule.py``."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ... import clock
from ...extensions import db
from ...htmx import hx_redirect, render
from ...models import Provider
from ...models.office import WEEKDAY_NAMES
from .. import bp
from ..auth.access import offices_today, visible_offices, visible_providers
from ..auth.forms import ActionForm
from .forms import ClosureForm, chosen_id, hours_form, hours_from, hours_grid, show_hours_problems
from .service import (
    ScheduleError,
    add_closure,
    booked_in_closure,
    closure_for,
    closure_manageable,
    closures_for,
    hours_by_office,
    interval_label,
    manageable_offices,
    remove_closure,
    set_working_hours,
)


def clinic_today() -> date:
    """Today's date at the user's offices (each in its own zone)."""
    return offices_today(db.session, current_user, clock.now())


def day_label(day: date, today: date) -> str:
    """Thursday, November 26 (the year added when it is not this year's)."""
    label = f"{day:%A, %B} {day.day}"
    return label if day.year == today.year else f"{label}, {day.year}"


def closure_subject(closure) -> str:
    """Fairfax, VA / Dr. Amira Haddad, MD (every office) / Dr. Amira Haddad, MD at Fairfax, VA."""
    if closure.provider and closure.office:
        return f"{closure.provider.display_name} at {closure.office.name}"
    if closure.provider:
        return f"{closure.provider.display_name} (every office)"
    return closure.office.name


def closure_days(closure, today) -> str:
    """from Thursday, November 26 to Friday, November 27 / on Thursday, November 26."""
    if closure.starts_on == closure.ends_on:
        return f"on {day_label(closure.starts_on, today)}"
    return f"from {day_label(closure.starts_on, today)} to {day_label(closure.ends_on, today)}"


def bookings_url(closure) -> str:
    """The bookings list narrowed to the closure's days, office and clinician."""
    args = {"date_from": closure.starts_on.isoformat(), "date_to": closure.ends_on.isoformat()}
    if closure.office:
        args["office"] = closure.office.slug
    if closure.provider:
        args["provider"] = closure.provider.id
    return url_for("admin.bookings", **args)


def booked_notice(count: int) -> str:
    """1 booked appointment falls / 3 booked appointments fall in this closure."""
    if count == 1:
        return "1 booked appointment falls in this closure"
    return f"{count} booked appointments fall in this closure"


def closure_rows(closures, today) -> list[dict]:
    """Table rows, ready to show."""
    rows = []
    for closure in closures:
        booked = len(booked_in_closure(db.session, closure))
        rows.append(
            {
                "id": closure.id,
                "subject": closure_subject(closure),
                "first": day_label(closure.starts_on, today),
                "last": day_label(closure.ends_on, today),
                "reason": closure.reason,
                "booked": booked,
                "bookings_url": bookings_url(closure),
                "can_remove": closure_manageable(db.session, current_user, closure),
            }
        )
    return rows


def closure_form():
    """The add-closure form with the user's offices and their clinicians as choices."""
    form = ClosureForm()
    offices = visible_offices(db.session, current_user)
    form.office.choices = [SelectChoice("", "No office: the clinician at every office")] + [
        SelectChoice(str(o.id), o.name) for o in offices
    ]
    form.provider.choices = [SelectChoice("", "No clinician: the whole office")] + [
        SelectChoice(str(p.id), p.display_name) for p in visible_providers(db.session, current_user) if p.active
    ]
    return form


def closures_page(form, status=200, notice=None):
    """The closures page (or, for htmx, the form fragment) with the list as it is now."""
    today = clinic_today()
    return render(
        "admin/schedule/closures.html",
        "admin/schedule/_closure_form.html",
        status=status,
        form=form,
        notice=notice,
        rows=closure_rows(closures_for(db.session, current_user, today), today),
        remove_form=ActionForm(),
    )


@bp.route("/closures", methods=["GET", "POST"])
def closures():
    """Current and coming closures, and a form to add one."""
    form = closure_form()
    if request.method == "GET":
        return closures_page(form, notice=added_notice(request.args.get("added", type=int)))
    if form.validate_on_submit():
        today = clinic_today()
        try:
            closure = add_closure(
                db.session,
                current_user,
                office_id=chosen_id(form.office.data),
                provider_id=chosen_id(form.provider.data),
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                reason=form.reason.data,
                today=today,
            )
        except ScheduleError as refused:
            for name, message in refused.problems.items():
                form[name].errors = [message]
        else:
            flash(f"Closed: {closure_subject(closure)} {closure_days(closure, today)} ({closure.reason}).", "info")
            return hx_redirect(url_for("admin.closures", added=closure.id))
    return closures_page(form, status=422)


def added_notice(closure_id):
    """After adding a closure: how many booked appointments it covers, and where to see them."""
    closure = closure_for(db.session, current_user, closure_id) if closure_id else None
    if closure is None:
        return None
    count = len(booked_in_closure(db.session, closure))
    if not count:
        return None
    return {"text": booked_notice(count), "url": bookings_url(closure)}


@bp.post("/closures/<int(max=2147483647):closure_id>/remove")
def remove_closure_view(closure_id):
    """Remove a closure: its days can be booked again at once."""
    closure = closure_for(db.session, current_user, closure_id)
    if closure is None or not closure_manageable(db.session, current_user, closure):
        abort(404)
    if ActionForm().validate_on_submit():
        today = clinic_today()
        message = f"Reopened: {closure_subject(closure)} {closure_days(closure, today)}."
        remove_closure(db.session, current_user, closure)
        flash(message, "info")
    return redirect(url_for("admin.closures"), 303)


def weekly_hours(provider, office) -> list[dict]:
    """Monday … Sunday at one office: ``{"day": "Monday", "hours": "8:00 AM – 12:00 PM, 1:00 PM – 5:00 PM"}``."""
    days = hours_by_office(provider).get(office.id, {})
    return [
        {"day": name, "hours": ", ".join(interval_label(s, e) for s, e in days.get(weekday, []))}
        for weekday, name in enumerate(WEEKDAY_NAMES)
    ]


@bp.get("/providers")
def providers():
    """Clinicians at the user's offices: what they offer and their weekly hours at each office
    (admins add and change clinicians from here)."""
    rows = []
    for provider in visible_providers(db.session, current_user):
        rows.append(
            {
                "id": provider.id,
                "name": provider.display_name,
                "specialty": provider.specialty,
                "active": provider.active,
                "visit_types": [visit.name for visit in provider.visit_types],
                "accepts_new_patients": provider.accepts_new_patients,
                "offices": [
                    {"name": office.name, "days": weekly_hours(provider, office)} for office in provider.offices
                ],
            }
        )
    return render_template("admin/schedule/providers.html", rows=rows, weekdays=WEEKDAY_NAMES)


def provider_or_404(provider_id):
    """The provider and the offices whose hours the user may change; 404 when there are none."""
    provider = db.session.get(Provider, provider_id)
    offices = manageable_offices(db.session, current_user, provider) if provider else []
    if not offices:
        abort(404)
    return provider, offices


def hours_page(provider, offices, form, status=200):
    """The hours page (or, for htmx, the form fragment); the provider's other offices are shown read-only."""
    others = [
        {"name": office.name, "days": [d for d in weekly_hours(provider, office) if d["hours"]]}
        for office in provider.offices
        if office not in offices
    ]
    return render(
        "admin/schedule/provider_hours.html",
        "admin/schedule/_provider_hours_form.html",
        status=status,
        provider=provider,
        form=form,
        grid=hours_grid(form, offices),
        others=others,
    )


@bp.route("/providers/<int(max=2147483647):provider_id>/hours", methods=["GET", "POST"])
def provider_hours(provider_id):
    """A clinician's weekly hours at the offices the user manages: two periods a day at most."""
    provider, offices = provider_or_404(provider_id)
    if request.method == "GET":
        return hours_page(provider, offices, hours_form(offices, hours_by_office(provider)))
    form = hours_form(offices)
    if form.validate_on_submit():
        try:
            changed = set_working_hours(db.session, current_user, provider, hours_from(form, offices))
        except ScheduleError as refused:
            show_hours_problems(form, refused.problems)
            return hours_page(provider, offices, form, status=422)
        else:
            where = " and ".join(office.name for office in offices)
            if changed:
                flash(
                    f"Saved the weekly hours of {provider.display_name} at {where}. "
                    "Appointments already booked are unchanged.",
                    "info",
                )
            else:
                flash(f"Nothing changed in the hours of {provider.display_name}.", "info")
            return hx_redirect(url_for("admin.providers"))
    show_hours_problems(form, {})
    return hours_page(provider, offices, form, status=422)
