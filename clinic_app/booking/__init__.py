"""Online booking: five steps under /book/, and the patient's private manage link under /booking/."""

from flask import Blueprint

bp = Blueprint("booking", __name__)

from . import draft_expiry, manage_routes, routes, waitlist_routes  # noqa: E402,F401
