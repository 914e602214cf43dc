"""Patients' questions and the email outbox."""

from . import routes  # noqa: F401  (registers the views on the admin blueprint)
