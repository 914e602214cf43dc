"""Opening hours as patients read them: consecutive days with the same hours grouped."""

from urllib.parse import quote_plus

from babel import Locale
from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import gettext as _

from ..formatting import time_of_day


def weekly_hours(opening_hours) -> list[dict]:
    """Rows like ``{"days": "Monday – Friday", "hours": "8:00 AM – 5:00 PM"}``, Monday first, in
    the page's language (English outside a request).

    Days without hours read "Closed"; neighbouring days with identical hours share a row.
    """
    locale = get_locale() or Locale("en")
    day_names = get_day_names("wide", context="stand-alone", locale=locale)  # 0 is Monday
    by_day = {day: [] for day in range(7)}
    for interval in opening_hours:
        by_day[interval.weekday].append((interval.opens, interval.closes))
    rows = []
    for day in range(7):
        intervals = sorted(by_day[day])
        text = ", ".join(f"{time_of_day(o)} – {time_of_day(c)}" for o, c in intervals) or _("Closed")
        if rows and rows[-1]["hours"] == text:
            rows[-1]["last"] = day
        else:
            rows.append({"first": day, "last": day, "hours": text})
    return [
        {
            "days": _capitalized(
                day_names[row["first"]]
                if row["first"] == row["last"]
                else _("%(first)s – %(last)s", first=day_names[row["first"]], last=day_names[row["last"]])
            ),
            "hours": row["hours"],
        }
        for row in rows
    ]


def _capitalized(text: str) -> str:
    """The first letter upper case (Spanish day names are lower case): it starts a table row."""
    return text[:1].upper() + text[1:]


def directions_url(office) -> str:
    """A maps link with the office's address as the destination."""
    address = ", ".join(office.address_lines)
    return "https://www.google.com/maps/dir/?api=1&destination=" + quote_plus(address)
