"""The staff calendar: a day or a week of one office."""

from . import routes  # noqa: F401  (registers the views on the admin blueprint)
