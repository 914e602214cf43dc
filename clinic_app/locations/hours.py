"""Opening hours as patients read them: consecutive days with the same hours grouped."""

from urllib.parse import quote_plus

from ..formatting import time_of_day
from ..models.office import WEEKDAY_NAMES


def weekly_hours(opening_hours) -> list[dict]:
    """Rows like ``{"days": "Monday – Friday", "hours": "8:00 AM – 5:00 PM"}``, Monday first.

    Days without hours read "Closed"; neighbouring days with identical hours share a row.
    """
    by_day = {day: [] for day in range(7)}
    for interval in opening_hours:
        by_day[interval.weekday].append((interval.opens, interval.closes))
    rows = []
    for day in range(7):
        intervals = sorted(by_day[day])
        text = ", ".join(f"{time_of_day(o)} – {time_of_day(c)}" for o, c in intervals) or "Closed"
        if rows and rows[-1]["hours"] == text:
            rows[-1]["last"] = day
        else:
            rows.append({"first": day, "last": day, "hours": text})
    return [
        {
            "days": WEEKDAY_NAMES[row["first"]]
            if row["first"] == row["last"]
            else f"{WEEKDAY_NAMES[row['first']]} – {WEEKDAY_NAMES[row['last']]}",
            "hours": row["hours"],
        }
        for row in rows
    ]


def directions_url(office) -> str:
    """A maps link with the office's address as the destination."""
    address = ", ".join(office.address_lines)
    return "https://www.google.com/maps/dir/?api=1&destination=" + quote_plus(address)
