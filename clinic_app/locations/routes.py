"""Views of the offices: the list and one office."""

import hashlib

from flask import abort, make_response, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..links import booking_url
from ..models import Office, Provider
from ..offices import clinic_offices
from ..page_cache import public_page
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
@public_page
def index():
    """Both offices with address, phone and hours."""
    offices = clinic_offices()
    return render_template("locations/index.html", cards=[office_card(o) for o in offices])


def office_clinicians(office) -> list[dict]:
    """The clinicians on the schedule at ``office``, by name: who they are, what they offer, and
    a link that books with them there; in the page's language."""
    providers = db.session.scalars(
        select(Provider)
        .where(Provider.active, Provider.offices.contains(office))
        .order_by(Provider.name)
        .options(selectinload(Provider.visit_types))  # one query for all, not one per clinician
    )
    return [
        {
            "provider": provider,
            "specialty": provider.wording("specialty"),
            "bio": provider.wording("bio"),
            "offers": [visit.wording("name") for visit in provider.visit_types if visit.active],
            "book_url": url_for("booking.start", location=office.slug, provider=provider.id),
        }
        for provider in providers
    ]


@bp.get("/<slug>")
@public_page
def detail(slug):
    """One office: address, phone, opening hours, directions, booking, and its clinicians."""
    office = db.session.scalars(select(Office).filter_by(slug=slug)).one_or_none()
    if office is None:
        abort(404)
    return render_template("locations/detail.html", card=office_card(office), clinicians=office_clinicians(office))


@bp.get("/clinicians/<int(max=2147483647):provider_id>/photo.jpg")
def clinician_photo(provider_id):
    """A clinician's portrait (its address changes with it, so browsers may keep it a day)."""
    provider = db.session.get(Provider, provider_id)
    if provider is None or provider.photo_updated_at is None:
        abort(404)
    response = make_response(provider.photo)
    response.headers["Content-Type"] = "image/jpeg"
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.set_etag(hashlib.sha256(provider.photo).hexdigest()[:32])
    return response.make_conditional(request)
