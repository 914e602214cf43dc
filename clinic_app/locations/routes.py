"""Views of the offices: the list and one office."""

from flask import abort, render_template
from sqlalchemy import select

from ..extensions import db
from ..links import booking_url
from ..models import Office
from ..offices import clinic_offices
from . import bp
from .hours import directions_url, weekly_hours


def office_card(office) -> dict:
    """What an office page shows, ready for the template."""
    return {
        "office": office,
        "hours": weekly_hours(office.opening_hours),
        "directions_url": directions_url(office),
        "book_url": booking_url(location=office.slug),
    }


@bp.get("/")
def index():
    """Both offices with address, phone and hours."""
    offices = clinic_offices()
    return render_template("locations/index.html", cards=[office_card(o) for o in offices])


@bp.get("/<slug>")
def detail(slug):
    """One office: address, phone, opening hours, directions and booking."""
    office = db.session.scalars(select(Office).filter_by(slug=slug)).one_or_none()
    if office is None:
        abort(404)
    return render_template("locations/detail.html", card=office_card(office))
