"""Dates and times as patients read them, in the office's own time zone."""

from datetime import date, datetime, time

from babel.dates import format_datetime, format_time, get_timezone_name
from flask_babel import format_date, get_locale

from . import i18n


def time_of_day(moment) -> str:
    """10:00 AM, for a time or a datetime already in office time (on a Spanish page or message,
    the language's 12-hour clock as Babel writes it: 10:00 a.m.)."""
    if i18n.page_language() != i18n.ENGLISH:
        return format_time(moment if isinstance(moment, time) else moment.time(), "h:mm a", locale=get_locale())
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def long_date(value: date) -> str:
    """March 10, 2026 (on a Spanish page, as Babel writes it there: 10 de marzo de 2026)."""
    if i18n.page_language() != i18n.ENGLISH:
        return format_date(value, "long")
    return f"{value:%B} {value.day}, {value.year}"


# How a moment reads on a page in another language (Babel patterns; the zone is added after it).
MOMENT_PATTERNS = {i18n.SPANISH: "EEEE d 'de' MMMM 'de' y, 'a las' h:mm a"}


def office_time(moment: datetime, office) -> str:
    """A UTC moment in the office's zone: Friday, November 27, 2026 at 5:53 PM EST (on a Spanish
    page: viernes 27 de noviembre de 2026, a las 5:53 p.m. EST)."""
    local = moment.astimezone(office.tz)
    pattern = MOMENT_PATTERNS.get(i18n.page_language())
    if pattern:
        return f"{format_datetime(local, pattern, tzinfo=office.tz, locale=get_locale())} {local:%Z}"
    return f"{local:%A, %B} {local.day}, {local.year} at {time_of_day(local)} {local:%Z}"


def local_time(moment, zone) -> str:
    """Mon Dec 7, 2026 10:00 AM in ``zone`` (an office's ``tz``), for tables and exports."""
    local = moment.astimezone(zone)
    return f"{local:%a %b} {local.day}, {local.year} {time_of_day(local)}"


def time_range(starts: datetime, ends: datetime) -> str:
    """10:00–10:30 AM, or 11:45 AM–12:15 PM when noon falls between (both in office time)."""
    first, last = time_of_day(starts), time_of_day(ends)
    if first[-2:] == last[-2:]:
        return f"{first[:-3]}–{last}"
    return f"{first}–{last}"


def long_day(day: date) -> str:
    """Monday, December 7, 2026 (on a Spanish page or message: lunes 7 de diciembre de 2026)."""
    if i18n.page_language() != i18n.ENGLISH:
        return format_date(day, "EEEE d 'de' MMMM 'de' y")
    return f"{day:%A, %B} {day.day}, {day.year}"


def short_day(day: date) -> str:
    """Monday, Dec 7."""
    return f"{day:%A, %b} {day.day}"


ZONE_NAMES = {
    "America/New_York": "Eastern Time",
    "America/Chicago": "Central Time",
    "America/Denver": "Mountain Time",
    "America/Phoenix": "Mountain Time",
    "America/Los_Angeles": "Pacific Time",
    "America/Anchorage": "Alaska Time",
    "Pacific/Honolulu": "Hawaii Time",
}


def zone_name(zone) -> str:
    """Eastern Time, for an office's ``tz`` (on a Spanish page as Babel names it: hora oriental);
    the zone's own name where no common one is known."""
    if i18n.page_language() != i18n.ENGLISH:
        return get_timezone_name(str(zone), width="long", locale=get_locale())
    return ZONE_NAMES.get(str(zone), str(zone).replace("_", " "))
