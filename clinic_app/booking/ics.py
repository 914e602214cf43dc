"""The calendar invitation for an appointment: one iCalendar (RFC 5545) event.

The same document serves three purposes, told apart by the iTIP method (RFC 5546): the
"add to calendar" download on the website (PUBLISH), the invitation emailed on booking or
reschedule (REQUEST) and the notice emailed on cancellation (CANCEL). Calendar apps match the
three by UID and keep the copy with the highest SEQUENCE, so the caller keeps the UID stable
for an appointment and raises the sequence on every change.

Times are written in the office's own zone with a VTIMEZONE, not in UTC: a patient who travels
still sees "9:00" for a 9:00 visit, and apps that do not know IANA names still get the offsets.
Pure data and functions: no request, no database, no clock (the caller passes the stamp).
"""

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Event, vCalAddress

METHODS = ("PUBLISH", "REQUEST", "CANCEL")
REMINDER_BEFORE = timedelta(hours=2)


@dataclass(frozen=True)
class CalendarEvent:
    """One appointment as it appears in the patient's calendar."""

    uid: str  # stable per appointment, e.g. "appointment-7K3M9QXA@clinic.example"
    sequence: int  # 0 on booking, +1 on each reschedule or cancellation
    start: datetime  # aware, any zone
    end: datetime  # aware, any zone
    timezone: str  # the office's IANA zone, e.g. "America/New_York"
    summary: str
    location: str  # one line
    description: str  # plain text, may contain newlines
    organizer_email: str
    organizer_name: str
    attendee_email: str | None = None
    attendee_name: str | None = None
    cancelled: bool = False
    url: str | None = None  # e.g. the patient's manage link


def build_calendar(event: CalendarEvent, method: str, stamp: datetime) -> bytes:
    """An iCalendar (RFC 5545) document with one VEVENT, as bytes ready to attach or download.

    :param event: the appointment.
    :param method: ``"PUBLISH"`` (the download from the website), ``"REQUEST"`` (the
        invitation emailed on booking or reschedule) or ``"CANCEL"`` (emailed on
        cancellation); exactly these spellings.
    :param stamp: when this version of the document was made (DTSTAMP); aware, any zone.
    :return: the document with CRLF line endings, which ``icalendar.Calendar.from_ical``
        reads back. Its rules:

        - VCALENDAR: VERSION 2.0, PRODID ``-//<organizer_name>//Online booking//EN``,
          CALSCALE GREGORIAN and METHOD.
        - VEVENT: UID, SEQUENCE, DTSTAMP (the stamp in UTC), DTSTART and DTEND converted to
          the office zone and written with its TZID, SUMMARY, LOCATION, DESCRIPTION,
          ORGANIZER (``mailto:``, CN = organizer name), TRANSP OPAQUE and STATUS.
        - STATUS is CANCELLED for a cancelled event, otherwise CONFIRMED.
        - ATTENDEE (``mailto:``, CN when the name is given, ROLE=REQ-PARTICIPANT,
          PARTSTAT=ACCEPTED, RSVP=FALSE) only when ``attendee_email`` is given; the patient
          booked the visit, so there is nothing to accept. URL only when given.
        - A VALARM (DISPLAY, 2 hours before the start, "Reminder: <summary>") unless the
          event is cancelled.
        - One VTIMEZONE for the office zone, covering the year before the start to the year
          after the end, so every calendar app shows the right local time.

    :raises ValueError: when ``method`` is not one of the three; when ``method`` is
        ``"CANCEL"`` but the event is not cancelled, or ``"REQUEST"`` but it is (an
        invitation would put a cancelled visit back in the calendar); when ``start``,
        ``end`` or ``stamp`` is naive; when ``end`` is not after ``start``; when
        ``sequence`` is negative; when ``timezone`` is not a known IANA zone; when the
        uid, summary, location, url or an organizer or attendee field contains CR or LF
        (only the description may span lines).
    """
    office_zone = _check(event, method, stamp)
    local_start = event.start.astimezone(office_zone)
    local_end = event.end.astimezone(office_zone)

    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", f"-//{event.organizer_name}//Online booking//EN")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    # icalendar writes a UTC datetime with the "Z" suffix, as RFC 5545 requires for DTSTAMP.
    vevent.add("dtstamp", stamp.astimezone(UTC))
    # A zoneinfo datetime is written as local time with TZID=<its key>.
    vevent.add("dtstart", local_start)
    vevent.add("dtend", local_end)
    vevent.add("summary", event.summary)
    vevent.add("location", event.location)
    vevent.add("description", event.description)
    vevent.add("organizer", _address(event.organizer_email, event.organizer_name))
    if event.attendee_email is not None:
        attendee = _address(event.attendee_email, event.attendee_name)
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        attendee.params["PARTSTAT"] = "ACCEPTED"
        attendee.params["RSVP"] = "FALSE"
        vevent.add("attendee", attendee)
    if event.url is not None:
        vevent.add("url", event.url)
    vevent.add("transp", "OPAQUE")
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if not event.cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Reminder: {event.summary}")
        alarm.add("trigger", -REMINDER_BEFORE)
        vevent.add_component(alarm)
    calendar.add_component(vevent)

    # The default range (1970 to 2038) lists every transition since 1970 and stops working in
    # 2038; a few years around the visit is short and right for any date. The zone was
    # checked above, so add_missing_timezones cannot silently skip it as an unknown one.
    calendar.add_missing_timezones(
        first_date=date(local_start.year - 1, 1, 1),
        last_date=date(local_end.year + 2, 1, 1),
    )
    return calendar.to_ical()


def _check(event: CalendarEvent, method: str, stamp: datetime) -> ZoneInfo:
    """Raise ValueError for anything ``build_calendar`` refuses; return the office zone."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if method == "CANCEL" and not event.cancelled:
        raise ValueError("a CANCEL needs a cancelled event")
    if method == "REQUEST" and event.cancelled:
        raise ValueError("a cancelled event is sent with CANCEL, not REQUEST")
    for name, value in (("start", event.start), ("end", event.end), ("stamp", stamp)):
        if value.tzinfo is None or value.utcoffset() is None:
            # icalendar would write a naive DTSTAMP as UTC and a naive DTSTART as floating
            # time, both silently wrong for a clinic in one particular zone.
            raise ValueError(f"{name} must be timezone-aware")
    if event.end <= event.start:
        raise ValueError("end must be after start")
    if event.sequence < 0:
        raise ValueError("sequence must not be negative")
    one_line = {
        "uid": event.uid,
        "summary": event.summary,
        "location": event.location,
        "url": event.url,
        "organizer_email": event.organizer_email,
        "organizer_name": event.organizer_name,
        "attendee_email": event.attendee_email,
        "attendee_name": event.attendee_name,
    }
    for name, value in one_line.items():
        # icalendar escapes a newline in text as "\n", but these are one-line fields and a
        # line break in one is a bug upstream (or an attempt to smuggle in a property).
        if value is not None and ("\r" in value or "\n" in value):
            raise ValueError(f"{name} must not contain a line break")
    try:
        return ZoneInfo(event.timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {event.timezone!r}") from error


def _address(email: str, name: str | None) -> vCalAddress:
    """A ``mailto:`` calendar address, with the name as CN when there is one."""
    address = vCalAddress(f"mailto:{email}")
    if name is not None:
        # icalendar quotes the value when it holds ",;:" and writes '"' as ^' (RFC 6868).
        address.params["CN"] = name
    return address


# The links go into emails, whose lines must stay under 998 characters.
MAX_LINK = 900


@dataclass(frozen=True)
class WebCalendarLinks:
    """Links that open the event in a web calendar, for phones without a calendar-file reader."""

    google: str
    outlook: str


def web_calendar_links(event: CalendarEvent, details: str) -> WebCalendarLinks:
    """The "Add to Google Calendar" and "Add to Outlook.com" links for ``event``: times in UTC,
    the calendar file's title and place, and ``details`` (a line or two: the links go into
    emails, whose lines must stay under 998 characters; nothing private either)."""
    start, end = event.start.astimezone(UTC), event.end.astimezone(UTC)
    google = "https://calendar.google.com/calendar/render?" + urlencode(
        {
            "action": "TEMPLATE",
            "text": event.summary,
            "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}",
            "details": details,
            "location": event.location,
            "ctz": event.timezone,
        }
    )
    outlook = "https://outlook.live.com/calendar/0/action/compose?" + urlencode(
        {
            "rru": "addevent",
            "subject": event.summary,
            "startdt": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "enddt": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "body": details,
            "location": event.location,
        }
    )
    links = WebCalendarLinks(google=google, outlook=outlook)
    if details and max(len(google), len(outlook)) > MAX_LINK:  # long names and addresses, URL-encoded
        return web_calendar_links(dataclasses.replace(event, location=event.location[:120]), "")
    return links
