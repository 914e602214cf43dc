"""The back office: staff and admins sign in, see and manage bookings.

One blueprint; each feature is a package with its routes, forms and service (its transactions).
"""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import auth, bookings, calendar, desk, inbox, practice, schedule  # noqa: E402,F401
