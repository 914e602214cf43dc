"""The calendar: one office's day (a time grid per clinician), a clinician's week (a time grid
per day), or the week as a list; with previous / today / next, all kept in the address."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from flask import abort, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import clock
from ...booking.availability import time_blocks_between
from ...extensions import db
from ...htmx import render
from ...models import Appointment, Closure, Office, ProviderTimeBlock, VisitType, WorkingHours
from .. import bp
from ..auth.access import visible_offices
from .address import days_shown, navigation, office_today, read_day, read_view
from .timegrid import BUFFER, ELSEWHERE, Held, day_time_grid, week_providers, week_time_grid
from .view import caption, heading, providers_shown, shown_appointments, week_grid

VIEW_CHOICES = (("day", "Day"), ("week", "Week of one clinician"), ("list", "Week list, all clinicians"))


@dataclass(frozen=True)
class Choice:
    """An option of the office or view switcher."""

    value: str
    label: str
    selected: bool


def appointments_between(session, office, first, last) -> list[Appointment]:
    """Every appointment at ``office`` starting on an office-local day from ``first`` to ``last``."""
    tz = office.tz
    starts = datetime.combine(first, time.min, tzinfo=tz).astimezone(UTC)
    ends = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return list(
        session.scalars(
            select(Appointment)
            .where(Appointment.office_id == office.id, Appointment.starts_at >= starts, Appointment.starts_at < ends)
            .options(selectinload(Appointment.provider), selectinload(Appointment.visit_type))
            .order_by(Appointment.starts_at, Appointment.id)
        )
    )


def closures_between(session, office, first, last) -> list[Closure]:
    """Closures overlapping ``first``–``last``: at this office, or of a provider wherever they work."""
    return list(
        session.scalars(
            select(Closure)
            .where(
                Closure.starts_on <= last,
                Closure.ends_on >= first,
                (Closure.office_id == office.id) | Closure.office_id.is_(None),
            )
            .options(selectinload(Closure.provider))
        )
    )


def held_time(session, office, providers, first, last) -> list[Held]:
    """The quarter hours the clinicians' appointments hold beyond the visits at this office: the
    pause after each visit here, and every visit at another office (from the held blocks, so a
    visit keeps the pause it was booked with)."""
    tz = office.tz
    starts = datetime.combine(first, time.min, tzinfo=tz).astimezone(UTC)
    ends = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    rows = session.execute(
        select(
            ProviderTimeBlock.provider_id,
            ProviderTimeBlock.starts_at,
            Appointment.office_id,
            Office.name,
            Appointment.starts_at,
            Appointment.ends_at,
        )
        .join(Appointment, ProviderTimeBlock.appointment_id == Appointment.id)
        .join(Office, Appointment.office_id == Office.id)
        .where(
            ProviderTimeBlock.provider_id.in_([p.id for p in providers]),
            ProviderTimeBlock.starts_at >= starts,
            ProviderTimeBlock.starts_at < ends,
        )
    )
    held = []
    for provider_id, quarter, office_id, office_name, visit_starts, visit_ends in rows:
        if office_id != office.id:
            held.append(Held(provider_id, quarter, ELSEWHERE, f"At {office_name}"))
        elif not visit_starts <= quarter < visit_ends:
            held.append(Held(provider_id, quarter, BUFFER, "Buffer"))
    return held


def visit_lengths(session) -> list[tuple[timedelta, timedelta]]:
    """The length and pause of each kind of visit offered."""
    rows = session.execute(
        select(VisitType.duration_minutes, VisitType.buffer_minutes).where(VisitType.active.is_(True))
    )
    return [(timedelta(minutes=length), timedelta(minutes=pause)) for length, pause in rows]


def office_hours(session, office) -> list[WorkingHours]:
    """The weekly working hours of every provider at ``office``."""
    return list(
        session.scalars(
            select(WorkingHours).where(WorkingHours.office_id == office.id).options(selectinload(WorkingHours.provider))
        )
    )


@bp.get("/calendar")
def calendar():
    """One office's day or week: who works, and every appointment not cancelled, in office time."""
    offices = visible_offices(db.session, current_user)
    if not offices:
        return render("admin/calendar/calendar.html", "admin/calendar/_calendar.html", office=None, heading="Calendar")
    slug = request.args.get("office")
    office = next((o for o in offices if o.slug == slug), None) if slug else offices[0]
    if office is None:
        abort(404)  # an office this user may not see is answered like one that does not exist

    now = clock.now()
    today = office_today(now, office)
    day = read_day(request.args.get("date"), today)
    view = read_view(request.args.get("view"))
    first, last = days_shown(day, view)
    appointments = appointments_between(db.session, office, first, last)
    hours = office_hours(db.session, office)
    closures = closures_between(db.session, office, first, last)
    provider, clinicians = None, []
    if view == "list":
        grid = week_grid(
            office=office, day=day, now=now, appointments=appointments, working_hours=hours, closures=closures
        )
    else:
        shown = providers_shown(
            [h for h in hours if h.weekday == day.weekday()],
            shown_appointments(appointments, office, day, day),
            {day.weekday()},
        )
        if view == "week":
            clinicians = week_providers(office=office, day=day, appointments=appointments, working_hours=hours)
            wanted = request.args.get("provider", "")
            provider = next((p for p in clinicians if str(p.id) == wanted), clinicians[0] if clinicians else None)
            shown = [provider] if provider else []
        context = {
            "office": office,
            "day": day,
            "now": now,
            "appointments": appointments,
            "working_hours": hours,
            "closures": closures,
            "blocks": time_blocks_between(db.session, office, shown, first, last),
            "held": held_time(db.session, office, shown, first, last),
            "lengths": visit_lengths(db.session),
        }
        if view == "day":
            grid = day_time_grid(**context)
        else:
            grid = week_time_grid(provider=provider, **context) if provider else None

    def address(**changes):
        args = {"office": office.slug, "date": day.isoformat(), "view": view}
        if provider is not None:
            args["provider"] = provider.id
        args.update(changes)
        if args["view"] != "week":
            args.pop("provider", None)
        return url_for("admin.calendar", **args)

    return render(
        "admin/calendar/calendar.html",
        "admin/calendar/_calendar.html",
        office=office,
        day=day,
        view=view,
        grid=grid,
        provider=provider,
        heading=heading(office, day, view, provider),
        caption=caption(office, day, view, provider),
        links=[(link.label, address(date=link.day.isoformat())) for link in navigation(day, view, today)],
        day_address=lambda other: address(date=other.isoformat(), view="day"),
        week_address=lambda provider_id: address(view="week", provider=provider_id),
        office_choices=[Choice(o.slug, o.name, o.id == office.id) for o in offices],
        view_choices=[Choice(value, label, value == view) for value, label in VIEW_CHOICES],
        clinician_choices=[Choice(str(p.id), p.display_name, p == provider) for p in clinicians],
    )
