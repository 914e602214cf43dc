"""The calendar: one office's appointments by day or by week, with previous / today / next."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from flask import abort, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import clock
from ...extensions import db
from ...htmx import render
from ...models import Appointment, Closure, WorkingHours
from .. import bp
from ..auth.access import visible_offices
from .address import days_shown, navigation, office_today, read_day, read_view
from .view import caption, day_grid, heading, week_grid

VIEW_CHOICES = (("day", "Day"), ("week", "Week"))


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
    build = week_grid if view == "week" else day_grid
    grid = build(
        office=office,
        day=day,
        now=now,
        appointments=appointments_between(db.session, office, first, last),
        working_hours=office_hours(db.session, office),
        closures=closures_between(db.session, office, first, last),
    )

    def address(**changes):
        args = {"office": office.slug, "date": day.isoformat(), "view": view}
        args.update(changes)
        return url_for("admin.calendar", **args)

    return render(
        "admin/calendar/calendar.html",
        "admin/calendar/_calendar.html",
        office=office,
        day=day,
        view=view,
        grid=grid,
        heading=heading(office, day, view),
        caption=caption(office, day, view),
        links=[(link.label, address(date=link.day.isoformat())) for link in navigation(day, view, today)],
        day_addresses={d.day: address(date=d.day.isoformat(), view="day") for d in grid.days} if view == "week" else {},
        office_choices=[Choice(o.slug, o.name, o.id == office.id) for o in offices],
        view_choices=[Choice(value, label, value == view) for value, label in VIEW_CHOICES],
    )
