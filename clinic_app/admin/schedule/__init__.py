"""Closures and clinicians' weekly hours."""

from . import routes  # noqa: F401  (registers the views on the admin blueprint)
