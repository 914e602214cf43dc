"""Reminders on a schedule: 72 hours before a visit with Confirm and Change (online changes still
open), 24 hours before with the health questions; each once, for the time the visit is at."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from clinic_app.booking.notifications import queue_reminder_email
from clinic_app.booking.reminders import DueReminder, due_reminders, queue_due_reminders, reminder_for, send_reminder
from clinic_app.extensions import db
from clinic_app.models import Appointment, AppointmentReminder, AuditEntry, OutboxMessage
from config import ConfigError, reminder_hours
from tests.conftest import csrf_token_from, set_clock

SCHEDULE = (72, 24)
VISIT = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)  # Monday 10:00 AM in Fairfax
BOOKED = VISIT - timedelta(days=5)  # booked five days ahead (not "now": these tests never read the clock)


@pytest.fixture
def app(each_database_app):
    return each_database_app


@pytest.fixture(autouse=True)
def three_days_before(monkeypatch):
    """The pages' clock at the first reminder's moment (the reminder functions take "now")."""
    set_clock(monkeypatch, VISIT - timedelta(hours=72))


def at(hours_before: float) -> datetime:
    return VISIT - timedelta(hours=hours_before)


def run(app, now) -> int:
    with app.app_context():
        return queue_due_reminders(db.session, now, SCHEDULE, queue_reminder_email)


def reminders(app) -> list[str]:
    """The text of each reminder email queued, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            select(OutboxMessage).filter_by(kind="reminder.patient").order_by(OutboxMessage.id)
        ).all()
        return [row.text_body for row in rows]


def link(text, what) -> str:
    return re.search(rf"{what}.*?(http://localhost\S+)", text, re.S).group(1).replace("http://localhost", "")


@pytest.mark.parametrize(
    "hours_before, expected", [(100, None), (72.01, None), (72, 72), (50, 72), (24, 24), (2, 24), (0, None), (-1, None)]
)
def test_the_reminder_due_is_the_latest_whose_moment_has_come(hours_before, expected):
    assert reminder_for(VISIT, at(hours_before), SCHEDULE) == expected


def test_a_visit_booked_five_days_ahead_gets_a_confirm_reminder_then_the_health_questions(app, make_appointment):
    make_appointment(VISIT, visit="new-patient", created_at=BOOKED)
    assert run(app, at(96)) == 0
    assert run(app, at(72)) == 1 and run(app, at(71)) == 0  # once
    (first,) = reminders(app)
    assert "Are you coming? Please confirm with one click:" in first
    assert "Change or cancel your appointment:" in first and "health questions" not in first
    assert run(app, at(24)) == 1 and run(app, at(3)) == 0
    second = reminders(app)[1]
    assert "answer our short health questions again" in second and "/screening" in second


def test_confirm_records_it_for_staff_and_the_first_reminders_change_link_still_works(
    app, client, admin_client, make_appointment
):
    appointment_id = make_appointment(VISIT, created_at=BOOKED)
    run(app, at(72))
    (first,) = reminders(app)
    confirm = link(first, "Please confirm with one click:")
    page = client.get(confirm)
    assert page.status_code == 200 and "Are you coming to your appointment?" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Appointment, appointment_id).confirmed_by_patient_at is None  # opening is not confirming
    token = csrf_token_from(page.get_data(as_text=True))
    done = client.post(confirm, data={"csrf_token": token})
    assert "Thank you — your visit is confirmed" in done.get_data(as_text=True)
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        assert appointment.status == "confirmed" and appointment.confirmed_by_patient_at is not None
        actions = [e.action for e in db.session.scalars(select(AuditEntry).filter_by(appointment_id=appointment_id))]
    assert "patient.confirmed" in actions
    assert "confirmed by the patient" in admin_client.get(f"/admin/appointments/{appointment_id}").get_data(
        as_text=True
    )

    run(app, at(24))
    last = reminders(app)[1]
    assert "Are you coming?" not in last  # already confirmed
    change = link(first, "Change or cancel your appointment:")
    assert client.get(change).status_code == 200  # the first reminder's link still opens the visit


def test_no_reminder_for_a_cancelled_visit_or_for_the_old_time_of_a_moved_one(app, make_appointment):
    cancelled = make_appointment(VISIT, status="cancelled", provider="lauren-whitfield", created_at=BOOKED)
    moved = make_appointment(VISIT, created_at=BOOKED)
    with app.app_context():
        appointment = db.session.get(Appointment, moved)
        appointment.blocks = []
        db.session.flush()
        appointment.hold_time(appointment.provider, VISIT + timedelta(days=2))  # moved two days later
        db.session.commit()
    assert run(app, at(72)) == 0  # the old time's reminder moment: nothing
    assert run(app, at(72) + timedelta(days=2)) == 1
    with app.app_context():
        (row,) = db.session.scalars(select(AppointmentReminder)).all()
        assert row.appointment_id == moved and row.for_starts_at == VISIT + timedelta(days=2)
        assert not db.session.scalars(select(AppointmentReminder).filter_by(appointment_id=cancelled)).all()


def test_two_workers_at_once_send_one_reminder(app, make_appointment):
    make_appointment(VISIT, created_at=BOOKED)
    now = at(72)
    with app.app_context():
        (due,) = due_reminders(db.session, now, SCHEDULE)
    results, barrier = [], threading.Barrier(2)

    def worker():
        with app.app_context():
            barrier.wait()
            results.append(send_reminder(db.session, due, now, queue_reminder_email))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert len(reminders(app)) == 1


def test_a_reminder_claimed_again_is_not_sent_twice(app, make_appointment):
    appointment_id = make_appointment(VISIT, created_at=BOOKED)
    due = DueReminder(appointment_id, 72, VISIT, last=False)
    with app.app_context():
        assert send_reminder(db.session, due, at(72), queue_reminder_email) is True
        assert send_reminder(db.session, due, at(71), queue_reminder_email) is False
    assert len(reminders(app)) == 1


@pytest.mark.parametrize(
    "values, cutoff, message",
    [
        (["24"], 24, "must come before online changes close"),
        (["12", "6"], 24, "must come before online changes close"),
        (["72", "soon"], 24, "must be whole hours"),
        (["0"], 0, "at least one positive"),
    ],
)
def test_a_schedule_whose_first_reminder_comes_after_the_cut_off_is_refused(values, cutoff, message):
    with pytest.raises(ConfigError, match=message):
        reminder_hours(values, cutoff)
    assert reminder_hours(["24", "72", "72"], 24) == (72, 24)


def test_a_visit_moved_or_cancelled_after_the_due_list_was_made_gets_no_reminder(app, make_appointment):
    moved, cancelled = (
        make_appointment(VISIT, created_at=BOOKED),
        make_appointment(VISIT, provider="lauren-whitfield", created_at=BOOKED),
    )
    with app.app_context():
        due = {d.appointment_id: d for d in due_reminders(db.session, at(72), SCHEDULE)}
        appointment = db.session.get(Appointment, moved)
        appointment.blocks = []
        db.session.flush()
        appointment.hold_time(appointment.provider, VISIT + timedelta(hours=1))
        db.session.get(Appointment, cancelled).status = "cancelled"
        db.session.commit()
        assert send_reminder(db.session, due[moved], at(72), queue_reminder_email) is False
        assert send_reminder(db.session, due[cancelled], at(72), queue_reminder_email) is False
    assert reminders(app) == []


def test_a_confirmation_sent_after_staff_cancelled_leaves_the_visit_cancelled(app, client, make_appointment):
    appointment_id = make_appointment(VISIT, created_at=BOOKED)
    run(app, at(72))
    confirm = link(reminders(app)[0], "Please confirm with one click:")
    token = csrf_token_from(client.get(confirm).get_data(as_text=True))
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        appointment.status, appointment.blocks = "cancelled", []
        db.session.commit()
    page = client.post(confirm, data={"csrf_token": token}).get_data(as_text=True)
    assert "This appointment is no longer active" in page
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        assert (appointment.status, appointment.confirmed_by_patient_at) == ("cancelled", None)


def test_the_old_single_reminder_setting_is_refused_with_its_replacement_named(monkeypatch):
    from config import DevelopmentConfig

    monkeypatch.setenv("REMINDER_LEAD_HOURS", "24")
    with pytest.raises(ConfigError, match="replaced by REMINDER_HOURS"):
        DevelopmentConfig()


def test_a_visit_booked_late_gets_only_the_reminders_whose_moment_came_after_booking(app, make_appointment):
    make_appointment(VISIT, created_at=at(30))  # booked 30 hours ahead: no "72 hours" reminder
    make_appointment(VISIT, created_at=at(10), provider="lauren-whitfield")  # 10 hours ahead: none at all
    assert run(app, at(30)) == 0 and run(app, at(25)) == 0
    assert run(app, at(24)) == 1
    assert run(app, at(2)) == 0
    (only,) = reminders(app)
    assert "health questions" in only
