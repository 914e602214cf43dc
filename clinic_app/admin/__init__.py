"""The back office: staff and admins sign in, see and manage bookings.

One blueprint; each feature is a package with its routes, forms and service (its transactions).
"""

from flask import Blueprint

from ..i18n import english_only

bp = Blueprint("admin", __name__)
bp.before_request(english_only)  # the back office is in English: /es/admin/ is not a page

from . import auth, bookings, calendar, desk, inbox, practice, schedule  # noqa: E402,F401
