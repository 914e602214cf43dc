"""Practice settings, for admins: users (and the page a password link opens), clinicians, kinds
of visit."""

from . import clinician_routes, user_routes  # noqa: F401  (registers the views on the admin blueprint)
