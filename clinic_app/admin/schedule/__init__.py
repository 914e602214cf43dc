"""Closures, blocked time within a day, and clinicians' weekly hours."""

from . import block_routes, routes  # noqa: F401  (registers the views on the admin blueprint)
