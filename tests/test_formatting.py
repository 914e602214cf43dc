"""Dates and times as people read them, each in its office's own time zone."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from clinic_app.formatting import local_time, long_date, long_day, time_of_day, time_range, zone_name

NOON_UTC = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "name", "shown"),
    [
        ("America/New_York", "Eastern Time", "Mon Dec 7, 2026 12:00 PM"),
        ("America/Chicago", "Central Time", "Mon Dec 7, 2026 11:00 AM"),
        ("America/Los_Angeles", "Pacific Time", "Mon Dec 7, 2026 9:00 AM"),
        ("Europe/Paris", "Europe/Paris", "Mon Dec 7, 2026 6:00 PM"),
    ],
)
def test_a_moment_reads_in_the_offices_own_zone(zone, name, shown):
    assert zone_name(ZoneInfo(zone)) == name
    assert local_time(NOON_UTC, ZoneInfo(zone)) == shown


def test_the_small_pieces():
    assert time_of_day(datetime(2026, 1, 1, 0, 5)) == "12:05 AM"
    assert long_date(date(2026, 3, 10)) == "March 10, 2026"
    assert long_day(date(2026, 12, 7)) == "Monday, December 7, 2026"
    ny = ZoneInfo("America/New_York")
    assert (
        time_range(datetime(2026, 12, 7, 10, 0, tzinfo=ny), datetime(2026, 12, 7, 10, 30, tzinfo=ny))
        == "10:00–10:30 AM"
    )
    assert time_range(datetime(2026, 12, 7, 11, 45, tzinfo=ny), datetime(2026, 12, 7, 12, 15, tzinfo=ny)) == (
        "11:45 AM–12:15 PM"
    )
