"""The bookings list, one appointment, and what staff do to it."""

from . import routes  # noqa: F401  (registers the views on the admin blueprint)
