"""The Today board: arrivals in time order, check-in with the door re-screen, no-show and
completed, the lists to act on, live refresh, and the printable day sheet per clinician."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.models import Appointment, AuditEntry
from tests.booking.racing import NOW
from tests.conftest import csrf_token_from, set_clock

UTC = NOW.tzinfo
NO = {key: "no" for key in ("fever", "cough", "taste_smell", "close_contact", "positive_test")}


def at(hour, minute=0, days=0):
    """Monday (plus ``days``) at hour:minute in Fairfax (EST, UTC-5)."""
    return datetime(2026, 12, 7, hour + 5, minute, tzinfo=UTC) + timedelta(days=days)


@pytest.fixture
def clock(monkeypatch):
    set_clock(monkeypatch, NOW)  # Monday 8:00 in Fairfax
    return lambda moment: set_clock(monkeypatch, moment)


@pytest.fixture
def desk(clock, clinic, fairfax_staff_client):
    return fairfax_staff_client


def later(client, clock, moment):
    """Move the clock to ``moment`` a quarter of an hour at a time, the desk using the board on the
    way (a back-office session ends after 30 idle minutes)."""
    step = NOW
    while step < moment:
        step = min(step + timedelta(minutes=15), moment)
        clock(step)
        client.get("/admin/today")


@pytest.fixture
def day(desk, make_appointment):
    """Monday at Fairfax: 9:00 Nora (online, unconfirmed), 10:30 Omar (confirmed, notes), 11:00 a
    video visit, a cancelled one; Potomac's visit; Thursday a flagged visit."""
    return {
        "nora": make_appointment(at(9), first_name="Nora", status="booked"),
        "omar": make_appointment(
            at(10, 30), first_name="Omar", provider="lauren-whitfield", status="confirmed", notes="Left knee too"
        ),
        "video": make_appointment(at(11), first_name="Vera", visit="video-consultation", status="confirmed"),
        "gone": make_appointment(at(12), first_name="Gus", status="cancelled"),
        "potomac": make_appointment(at(9), first_name="Paula", office="potomac", provider="daniel-okafor"),
        "flagged": make_appointment(at(9, days=3), first_name="Fiona", screening_outcome="flagged"),
    }


def html_of(response):
    return response.get_data(as_text=True)


def board(client, **args):
    return html_of(client.get("/admin/today", query_string=args))


def test_arrivals_in_time_order_with_state_and_the_lists_to_act_on(desk, day):
    html = board(desk)
    assert "Monday, December 7, 2026 at Fairfax, VA" in html
    arrivals = html.split('id="arrivals-heading"')[1].split('id="call-heading"')[0]
    assert re.findall(r">(\w+) Patient</a>", arrivals) == ["Nora", "Omar", "Vera"]  # no cancelled, no Potomac
    assert "Check in Vera Patient" not in arrivals  # a video visit does not come to the door
    assert "Check in Nora Patient" in arrivals and "<td>Booked</td>" in arrivals
    calls = html.split('id="call-heading"')[1].split('id="confirm-heading"')[0]
    assert "Fiona Patient" in calls
    confirm = html.split('id="confirm-heading"')[1]
    assert "Nora Patient" in confirm and "Omar Patient" not in confirm


def test_the_board_refreshes_itself_and_works_as_a_plain_page(desk, day):
    fragment = html_of(desk.get("/admin/today", headers={"HX-Request": "true"}))
    assert fragment.startswith("{# Refreshed") is False and '<div id="today-board"' in fragment
    assert 'hx-trigger="every 30s"' in fragment and "<html" not in fragment
    assert '<a href="/admin/today?office=fairfax">Refresh</a>' in board(desk)


def check_in(client, appointment_id, **answers):
    page = html_of(client.get(f"/admin/appointments/{appointment_id}/check-in"))
    data = {"csrf_token": csrf_token_from(page), **NO, "acknowledged": "y", **answers}
    return client.post(f"/admin/appointments/{appointment_id}/check-in", data={k: v for k, v in data.items() if v})


def test_check_in_after_the_door_re_screen_records_time_and_who(app, desk, day, clock):
    later(desk, clock, at(8, 52))
    response = check_in(desk, day["nora"])
    assert response.status_code == 303 and response.headers["Location"] == "/admin/today?office=fairfax"
    html = board(desk)
    assert "Checked in: reference" in html and "Checked in 8:52 AM by Fairfax.Desk" in html
    with app.app_context():
        nora = db.session.get(Appointment, day["nora"])
        assert nora.checked_in_at == at(8, 52) and nora.checked_in_by.email == "fairfax.desk@example.org"
        door = nora.screening["rescreenings"][-1]
        assert (door["asked"], door["by"], door["outcome"]) == ("door", "Fairfax.Desk", "clear")
        assert db.session.scalars(select(AuditEntry.action).filter_by(appointment_id=day["nora"])).all() == [
            "checked_in"
        ]
    assert check_in(desk, day["nora"]).status_code == 422  # once is enough


def test_a_yes_at_the_door_flags_the_visit_checks_nobody_in_and_says_what_to_do(app, desk, day):
    response = check_in(desk, day["omar"], cough="yes")
    html = html_of(response)
    assert response.status_code == 200 and "Not checked in: the patient answered “yes”" in html
    assert "a video visit, often the same day" in html and f"/admin/appointments/{day['omar']}/move" in html
    with app.app_context():
        omar = db.session.get(Appointment, day["omar"])
        assert omar.checked_in_at is None and omar.screening_outcome == "flagged"
    assert 'Omar Patient</a> <strong class="flag">Call first</strong>' in board(desk)


def test_an_unanswered_question_checks_nobody_in(app, desk, day):
    response = check_in(desk, day["nora"], fever=None)
    assert response.status_code == 422 and "Please answer yes or no." in html_of(response)
    with app.app_context():
        assert db.session.get(Appointment, day["nora"]).checked_in_at is None


def test_no_show_and_completed_from_the_board_come_back_to_it(app, desk, day, clock):
    later(desk, clock, at(11, 30))
    html = board(desk)
    assert "No-show: Nora Patient" in html and "Completed: Omar Patient" in html
    token = csrf_token_from(html)
    response = desk.post(f"/admin/appointments/{day['nora']}/no_show", data={"csrf_token": token, "back": "today"})
    assert response.headers["Location"] == "/admin/today?office=fairfax"
    assert "<td>No-show</td>" in board(desk)


def test_the_day_sheet_has_a_page_per_clinician_and_notes_only_when_asked(desk, day):
    sheet = html_of(desk.get("/admin/today/sheet?office=fairfax&day=2026-12-07"))
    assert sheet.count('class="sheet-page"') == 2  # Dr. Haddad (Nora, Vera) and Lauren Whitfield (Omar)
    assert "Left knee too" not in sheet
    with_notes = html_of(desk.get("/admin/today/sheet?office=fairfax&day=2026-12-07&notes=yes"))
    assert "Left knee too" in with_notes


def test_another_offices_day_and_visits_are_not_found(desk, day):
    assert desk.get("/admin/today?office=potomac").status_code == 404
    assert desk.get("/admin/today/sheet?office=potomac").status_code == 404
    assert desk.get(f"/admin/appointments/{day['potomac']}/check-in").status_code == 404
