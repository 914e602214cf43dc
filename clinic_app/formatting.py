"""Dates and times as patients read them, in the office's own time zone."""

from datetime import date, datetime


def long_date(value: date) -> str:
    """March 10, 2026."""
    return f"{value:%B} {value.day}, {value.year}"


def office_time(moment: datetime, office) -> str:
    """A UTC moment in the office's zone: Friday, November 27, 2026 at 5:53 PM EST."""
    local = moment.astimezone(office.tz)
    hour = local.hour % 12 or 12
    return f"{local:%A, %B} {local.day}, {local.year} at {hour}:{local:%M} {local:%p} {local:%Z}"
