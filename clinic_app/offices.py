"""The clinic's offices, read once per request and shared by the page, its forms and its footer."""

from flask import has_request_context, request

from .extensions import db
from .models import Office
from .models.office import offices_by_name

OFFICES_KEY = "clinic_app.offices"


def forget_offices() -> None:
    """Drop this request's copy (after a failed transaction its objects can no longer be read)."""
    if has_request_context():
        request.environ.pop(OFFICES_KEY, None)


def clinic_offices() -> list[Office]:
    """Every office by name; within a request the first call reads them and the rest reuse it."""
    if not has_request_context():
        return offices_by_name(db.session)
    offices = request.environ.get(OFFICES_KEY)
    if offices is None:
        offices = request.environ[OFFICES_KEY] = offices_by_name(db.session)
    return offices
