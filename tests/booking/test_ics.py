"""The calendar invitation: built, then read back with icalendar as a calendar app would."""

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from clinic_app.booking.ics import CalendarEvent, build_calendar

NEW_YORK = ZoneInfo("America/New_York")
STAMP = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)

EVENT = CalendarEvent(
    uid="appointment-7K3M9QXA@clinic.example",
    sequence=0,
    start=datetime(2026, 12, 3, 14, 0, tzinfo=UTC),
    end=datetime(2026, 12, 3, 15, 0, tzinfo=UTC),
    timezone="America/New_York",
    summary="New-patient consultation — Spine & Nerve Clinic",
    location="Spine & Nerve Clinic, 4001 Fair Ridge Dr, Suite 202, Fairfax, VA 22033",
    description="Please arrive 15 minutes early.\nBring your imaging; a list of medications.",
    organizer_email="appointments@clinic.example",
    organizer_name="Spine & Nerve Clinic",
    attendee_email="pat.doe@example.org",
    attendee_name="Pat Doe",
    url="https://clinic.example/appointments/manage/abc123",
)
CANCELLED = dataclasses.replace(EVENT, sequence=1, cancelled=True)


def parse(document):
    """The calendar and its one VEVENT."""
    calendar = Calendar.from_ical(document)
    (vevent,) = calendar.walk("VEVENT")
    return calendar, vevent


def test_the_calendar_header_names_the_clinic_and_the_method():
    calendar, _ = parse(build_calendar(EVENT, "REQUEST", STAMP))
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Spine & Nerve Clinic//Online booking//EN"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "REQUEST"


@pytest.mark.parametrize("method", ["PUBLISH", "REQUEST"])
def test_publish_and_request_carry_their_method(method):
    calendar, _ = parse(build_calendar(EVENT, method, STAMP))
    assert str(calendar["METHOD"]) == method


def test_uid_and_sequence_are_written():
    _, vevent = parse(build_calendar(EVENT, "REQUEST", STAMP))
    assert str(vevent["UID"]) == "appointment-7K3M9QXA@clinic.example"
    assert vevent["SEQUENCE"] == 0


def test_a_reschedule_keeps_the_uid_and_raises_the_sequence():
    rescheduled = dataclasses.replace(
        EVENT,
        sequence=1,
        start=datetime(2026, 12, 4, 15, 0, tzinfo=UTC),
        end=datetime(2026, 12, 4, 16, 0, tzinfo=UTC),
    )
    _, first = parse(build_calendar(EVENT, "REQUEST", STAMP))
    _, second = parse(build_calendar(rescheduled, "REQUEST", STAMP + timedelta(days=1)))
    assert str(second["UID"]) == str(first["UID"])
    assert second["SEQUENCE"] > first["SEQUENCE"]
    assert second["DTSTART"].dt == rescheduled.start


@pytest.mark.parametrize(
    "start,local_hour,tzname",
    [
        (datetime(2026, 12, 3, 14, 0, tzinfo=UTC), 9, "EST"),
        (datetime(2026, 7, 1, 13, 0, tzinfo=UTC), 9, "EDT"),
    ],
)
def test_start_and_end_are_written_in_the_office_zone(start, local_hour, tzname):
    event = dataclasses.replace(EVENT, start=start, end=start + timedelta(minutes=45))
    document = build_calendar(event, "REQUEST", STAMP)
    _, vevent = parse(document)
    for name, instant in (("DTSTART", event.start), ("DTEND", event.end)):
        assert vevent[name].params["TZID"] == "America/New_York"
        assert vevent[name].dt == instant  # aware datetimes compare as instants
    assert vevent["DTSTART"].dt.hour == local_hour
    assert vevent["DTSTART"].dt.tzname() == tzname
    assert f"DTSTART;TZID=America/New_York:{start:%Y%m%d}T0{local_hour}0000".encode() in document


def test_start_given_in_another_zone_is_converted_to_the_office_zone():
    start = datetime(2026, 12, 3, 15, 0, tzinfo=ZoneInfo("America/Chicago"))  # 16:00 in NY
    event = dataclasses.replace(EVENT, start=start, end=start + timedelta(hours=1))
    _, vevent = parse(build_calendar(event, "PUBLISH", STAMP))
    assert vevent["DTSTART"].params["TZID"] == "America/New_York"
    assert vevent["DTSTART"].dt == start
    assert vevent["DTSTART"].dt.hour == 16


def test_the_office_vtimezone_is_included():
    calendar, _ = parse(build_calendar(EVENT, "REQUEST", STAMP))
    assert [tz.tz_name for tz in calendar.timezones] == ["America/New_York"]
    assert calendar.get_missing_tzids() == set()


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 12, 3, 14, 0, tzinfo=UTC),
        datetime(2026, 7, 1, 13, 0, tzinfo=UTC),
    ],
)
def test_the_vtimezone_alone_gives_the_right_offsets(start):
    # An app that does not know IANA names goes by the VTIMEZONE's own rules: 09:00 local
    # must still be the booked instant, in winter and in summer.
    event = dataclasses.replace(EVENT, start=start, end=start + timedelta(hours=1))
    calendar, _ = parse(build_calendar(event, "REQUEST", STAMP))
    (vtimezone,) = calendar.timezones
    embedded = vtimezone.to_tz(lookup_tzid=False)
    assert datetime(start.year, start.month, start.day, 9, 0, tzinfo=embedded) == start


def test_dtstamp_is_the_stamp_in_utc():
    stamp = datetime(2026, 11, 20, 10, 30, tzinfo=NEW_YORK)
    document = build_calendar(EVENT, "REQUEST", stamp)
    _, vevent = parse(document)
    assert vevent["DTSTAMP"].dt == stamp
    assert vevent["DTSTAMP"].dt.utcoffset() == timedelta(0)
    assert b"DTSTAMP:20261120T153000Z\r\n" in document


def test_organizer_and_attendee_are_mailto_addresses_with_names():
    _, vevent = parse(build_calendar(EVENT, "REQUEST", STAMP))
    organizer = vevent["ORGANIZER"]
    assert str(organizer) == "mailto:appointments@clinic.example"
    assert organizer.params["CN"] == "Spine & Nerve Clinic"
    attendee = vevent["ATTENDEE"]
    assert str(attendee) == "mailto:pat.doe@example.org"
    assert attendee.params["CN"] == "Pat Doe"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert attendee.params["RSVP"] == "FALSE"


def test_a_name_with_punctuation_round_trips_in_cn():
    event = dataclasses.replace(EVENT, attendee_name='Doe, Pat "PJ"; Jr.')
    _, vevent = parse(build_calendar(event, "REQUEST", STAMP))
    assert vevent["ATTENDEE"].params["CN"] == 'Doe, Pat "PJ"; Jr.'


def test_no_attendee_and_no_url_when_not_given():
    event = dataclasses.replace(EVENT, attendee_email=None, attendee_name=None, url=None)
    _, vevent = parse(build_calendar(event, "PUBLISH", STAMP))
    assert "ATTENDEE" not in vevent
    assert "URL" not in vevent


def test_text_fields_url_and_transparency_are_written():
    _, vevent = parse(build_calendar(EVENT, "REQUEST", STAMP))
    assert str(vevent["SUMMARY"]) == EVENT.summary
    assert str(vevent["LOCATION"]) == EVENT.location
    assert str(vevent["URL"]) == EVENT.url
    assert str(vevent["TRANSP"]) == "OPAQUE"


def test_a_description_with_newlines_round_trips():
    description = "Line one.\nLine two; with, punctuation \\ and a backslash.\r\n\nLast line."
    event = dataclasses.replace(EVENT, description=description)
    document = build_calendar(event, "REQUEST", STAMP)
    _, vevent = parse(document)
    assert str(vevent["DESCRIPTION"]) == description.replace("\r\n", "\n")


def test_the_output_uses_crlf_line_endings():
    document = build_calendar(EVENT, "REQUEST", STAMP)
    assert document.startswith(b"BEGIN:VCALENDAR\r\n")
    assert document.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in document.replace(b"\r\n", b"")


def test_a_booking_is_confirmed_with_a_two_hour_reminder():
    _, vevent = parse(build_calendar(EVENT, "REQUEST", STAMP))
    assert str(vevent["STATUS"]) == "CONFIRMED"
    (alarm,) = vevent.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == timedelta(hours=-2)
    assert alarm["TRIGGER"].to_ical() == b"-PT2H"
    assert str(alarm["DESCRIPTION"]) == f"Reminder: {EVENT.summary}"


def test_a_cancellation_is_cancelled_without_a_reminder():
    calendar, vevent = parse(build_calendar(CANCELLED, "CANCEL", STAMP))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert str(vevent["UID"]) == EVENT.uid
    assert vevent["SEQUENCE"] == 1
    assert vevent.walk("VALARM") == []


@pytest.mark.parametrize(
    "event,method",
    [
        (EVENT, "INVITE"),
        (EVENT, "request"),
        (EVENT, ""),
        (EVENT, "CANCEL"),
        (CANCELLED, "REQUEST"),
        (dataclasses.replace(EVENT, start=datetime(2026, 12, 3, 14, 0)), "REQUEST"),
        (dataclasses.replace(EVENT, end=datetime(2026, 12, 3, 15, 0)), "REQUEST"),
        (dataclasses.replace(EVENT, end=EVENT.start - timedelta(minutes=30)), "REQUEST"),
        (dataclasses.replace(EVENT, end=EVENT.start), "REQUEST"),
        (dataclasses.replace(EVENT, sequence=-1), "REQUEST"),
        (dataclasses.replace(EVENT, timezone="America/Fairfax"), "REQUEST"),
        (dataclasses.replace(EVENT, summary="Visit\r\nX-INJECTED:1"), "REQUEST"),
        (dataclasses.replace(EVENT, summary="Visit\nagain"), "REQUEST"),
        (dataclasses.replace(EVENT, uid="appointment-1\r\n@clinic.example"), "REQUEST"),
        (dataclasses.replace(EVENT, location="Suite 202\nFairfax"), "REQUEST"),
        (dataclasses.replace(EVENT, url="https://clinic.example/\r\nX-EVIL:1"), "REQUEST"),
        (dataclasses.replace(EVENT, organizer_email="a@clinic.example\r\nX:1"), "REQUEST"),
        (dataclasses.replace(EVENT, organizer_name="Spine\rNerve"), "REQUEST"),
        (dataclasses.replace(EVENT, attendee_email="pat@example.org\nX:1"), "REQUEST"),
        (dataclasses.replace(EVENT, attendee_name="Pat\r\nDoe"), "REQUEST"),
    ],
)
def test_bad_input_is_refused(event, method):
    with pytest.raises(ValueError):
        build_calendar(event, method, STAMP)


def test_a_naive_stamp_is_refused():
    with pytest.raises(ValueError):
        build_calendar(EVENT, "REQUEST", datetime(2026, 11, 20, 15, 30))


def test_web_calendar_links_carry_the_times_in_utc_the_title_place_and_details_but_no_patient():
    from urllib.parse import parse_qs, urlsplit

    from clinic_app.booking.ics import web_calendar_links

    links = web_calendar_links(EVENT, "Booking reference: 7K3M9QXA.")
    google, outlook = urlsplit(links.google), urlsplit(links.outlook)
    assert (google.scheme, google.netloc, google.path) == ("https", "calendar.google.com", "/calendar/render")
    assert {key: value[0] for key, value in parse_qs(google.query).items()} == {
        "action": "TEMPLATE",
        "text": EVENT.summary,
        "dates": "20261203T140000Z/20261203T150000Z",
        "details": "Booking reference: 7K3M9QXA.",
        "location": EVENT.location,
        "ctz": "America/New_York",
    }
    query = {key: value[0] for key, value in parse_qs(outlook.query).items()}
    assert (outlook.netloc, query["rru"], query["startdt"], query["enddt"]) == (
        "outlook.live.com",
        "addevent",
        "2026-12-03T14:00:00Z",
        "2026-12-03T15:00:00Z",
    )
    for link in (links.google, links.outlook):
        assert "Pat" not in link and "pat.doe" not in link and "abc123" not in link
        assert len(link) < 900  # it goes into emails, whose lines must stay under 998 characters
