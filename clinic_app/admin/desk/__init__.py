"""The front desk: booking for a patient on the phone or at the desk, moving visits, finding
patients, and the day at the door (the Today board, check-in, the day sheet)."""

from . import routes, today_routes, waitlist_routes  # noqa: F401
