"""Practice settings, for admins: users (and the page a password link opens)."""

from . import user_routes  # noqa: F401  (registers the views on the admin blueprint)
