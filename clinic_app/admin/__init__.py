"""The back office: staff and admins sign in, see and manage bookings."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import auth, calendar_routes, inbox_routes, routes, schedule_routes  # noqa: E402,F401
