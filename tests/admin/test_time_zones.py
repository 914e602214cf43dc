"""Each office keeps its own time zone in the back office: "today" and date filters follow it."""

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from clinic_app.admin.auth.access import offices_today
from tests.conftest import set_clock


@pytest.fixture
def app(each_database_app):
    """Every test here runs on SQLite and on PostgreSQL."""
    return each_database_app


# 06:00 UTC on Monday, December 7: already Monday in New York, still Sunday evening in Los Angeles.
NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
SUNDAY_EVENING_IN_LA = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)  # 8 PM Sunday in Los Angeles


@pytest.fixture
def monday_morning(monkeypatch):
    """The clock at NOW; asked for before the signed-in client, so it signs in then."""
    set_clock(monkeypatch, NOW)


def test_upcoming_starts_at_midnight_of_each_offices_own_day(
    monday_morning, app, admin_client, make_office, make_appointment
):
    make_office(slug="pasadena", name="Pasadena, CA", timezone="America/Los_Angeles")
    make_appointment(SUNDAY_EVENING_IN_LA, office="pasadena", first_name="Lena", last_name="West")
    make_appointment(
        SUNDAY_EVENING_IN_LA, office="fairfax", first_name="Ezra", last_name="East", provider="lauren-whitfield"
    )
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert "Lena West" in html  # still today (Sunday) in Los Angeles
    assert "Ezra East" not in html  # yesterday in Fairfax


def test_a_date_filter_means_that_day_in_each_offices_zone(
    monday_morning, app, admin_client, make_office, make_appointment
):
    make_office(slug="pasadena", name="Pasadena, CA", timezone="America/Los_Angeles")
    make_appointment(SUNDAY_EVENING_IN_LA, office="pasadena", first_name="Lena", last_name="West")
    sunday = admin_client.get("/admin/?date_from=2026-12-06&date_to=2026-12-06").get_data(as_text=True)
    monday = admin_client.get("/admin/?date_from=2026-12-07&date_to=2026-12-07").get_data(as_text=True)
    assert "Lena West" in sunday and "Lena West" not in monday


def test_today_for_a_user_of_offices_in_two_zones_is_the_earliest():
    offices = [SimpleNamespace(tz=ZoneInfo("America/New_York")), SimpleNamespace(tz=ZoneInfo("America/Los_Angeles"))]
    user = SimpleNamespace(is_admin=False, offices=offices)
    assert offices_today(None, user, NOW).isoformat() == "2026-12-06"
