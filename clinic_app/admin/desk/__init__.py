"""The front desk: booking for a patient on the phone or at the desk."""

from . import routes  # noqa: F401
