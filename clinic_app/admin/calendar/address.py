"""Which days the calendar shows, read from its address, and the links to move on from them.

Pure functions of the address's values and today's date in the office.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

VIEWS = ("day", "week", "list")  # a day, a clinician's week, the whole week as a list
# A date outside these years is a typo, not a day anyone schedules; it falls back to today (and
# keeps "previous" and "next" away from the ends of the calendar).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class NavLink:
    """One of the "Previous day", "Today", "Next day" links: its wording and the day it shows."""

    label: str
    day: date


def office_today(now: datetime, office) -> date:
    """Today's date at ``office``, in its own time zone.

    :raises ValueError: for a naive ``now`` (it would be read as the server's local time).
    """
    if now.tzinfo is None:
        raise ValueError("naive now: pass an aware datetime")
    return now.astimezone(office.tz).date()


def read_day(value, today: date) -> date:
    """The ``YYYY-MM-DD`` date asked for, or ``today`` when it is missing, unreadable or absurd.

    Only that one form is read (``2026-12-07``, as a date input sends it); a date outside the
    years 1900–2999 counts as unreadable, so that "previous" and "next" always exist.
    """
    value = (value or "").strip()
    if not ISO_DATE.fullmatch(value):
        return today  # fromisoformat alone would also take 20261207 and week dates like 2026-W50-1
    try:
        day = date.fromisoformat(value)
    except ValueError:  # 2026-02-30
        return today
    return day if FIRST_DAY <= day <= LAST_DAY else today


def read_view(value) -> str:
    """``day``, ``week`` or ``list``; anything else is ``day``."""
    return value if value in VIEWS else "day"


def monday_of(day: date) -> date:
    """The Monday of the week holding ``day``."""
    return day - timedelta(days=day.weekday())


def days_shown(day: date, view: str) -> tuple[date, date]:
    """The first and last office-local day on screen: the day itself, or Monday to Sunday."""
    if view in ("week", "list"):
        return monday_of(day), monday_of(day) + timedelta(days=6)
    return day, day


def navigation(day: date, view: str, today: date) -> list[NavLink]:
    """The "Previous", "Today" and "Next" links, in that order.

    Day view: the day before and after. Week view: the Mondays of the weeks before and after, so
    that the address of every week is its Monday whatever day inside it was asked for (the
    week's list alike).
    """
    if view in ("week", "list"):
        start = monday_of(day)
        return [
            NavLink("Previous week", start - timedelta(days=7)),
            NavLink("Today", today),
            NavLink("Next week", start + timedelta(days=7)),
        ]
    return [
        NavLink("Previous day", day - timedelta(days=1)),
        NavLink("Today", today),
        NavLink("Next day", day + timedelta(days=1)),
    ]
