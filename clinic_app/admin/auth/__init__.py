"""Signing in and out, sessions, and who may see what."""

from . import routes  # noqa: F401  (registers the views on the admin blueprint)
