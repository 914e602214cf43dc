"""The retention purge: expired drafts go, old sent emails lose their content but stay in the history."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from clinic_app import retention
from clinic_app.booking.notifications import queue_booking_emails
from clinic_app.clock import system_time
from clinic_app.extensions import db as _db
from clinic_app.models import (
    Appointment,
    AppointmentNote,
    BookingDraft,
    Office,
    OutboxMessage,
    OutboxStatus,
    PatientQuestion,
)
from clinic_app.notify.outbox import Attachment, Email, enqueue, send_pending
from clinic_app.retention import CLEARED_SUBJECT, PurgeReport, RetentionPolicy, purge


@pytest.fixture
def app(each_database_app):
    """Every test here runs on SQLite and on PostgreSQL."""
    return each_database_app


POLICY = RetentionPolicy()  # 30 days
DAY = timedelta(days=1)
VISIT = datetime(2031, 3, 4, 15, tzinfo=UTC)
TEXT = "Rosa Parkes, born 1961-02-03: my left leg gives way on stairs."
HTML = "<p>Rosa Parkes, born 1961-02-03: my left leg gives way on stairs.</p>"
ICS = Attachment("visit.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nSUMMARY:Rosa Parkes\r\nEND:VCALENDAR\r\n")


def queue(session, subject="Website question #1", **overrides) -> int:
    """Queue one email through the real outbox and commit; its id."""
    values = {
        "kind": "question.office",
        "topic": "question:1",
        "recipients": ("desk@example.org",),
        "subject": subject,
        "text": TEXT,
        "html": HTML,
        "reply_to": "rosa@example.org",
        "attachments": (ICS,),
    }
    values.update(overrides)
    row = enqueue(session, Email(**values))
    session.commit()
    return row.id


def deliver(now) -> int:
    """Send every due email with the testing config's file backend; how many went."""
    report = send_pending(now=now)
    assert report.failed == report.retrying == 0
    return report.sent


def set_state(session, row_id, status, sent_at=None):
    """Put an email in a given delivery state through the model."""
    row = session.get(OutboxMessage, row_id)
    row.status, row.sent_at = status, sent_at
    session.commit()


def add_draft(session, expires_at) -> int:
    """A booking draft holding what a patient typed."""
    draft = BookingDraft(
        token_hash=f"hash-{expires_at.timestamp()}",
        booking_key=f"key-{expires_at.timestamp()}",
        data={"details": {"first_name": "Rosa", "notes": "Leg gives way"}},
        created_at=expires_at - timedelta(hours=2),
        updated_at=expires_at - timedelta(hours=2),
        expires_at=expires_at,
    )
    session.add(draft)
    session.commit()
    return draft.id


CLEARED = ("", None, [], None, CLEARED_SUBJECT)


def content(session, row_id):
    """What an email says, read fresh from the database."""
    row = session.get(OutboxMessage, row_id, populate_existing=True)
    return row.text_body, row.html_body, row.attachments, row.reply_to, row.subject


def history(session, row_id):
    """What the back office shows of an email."""
    row = session.get(OutboxMessage, row_id, populate_existing=True)
    return row.kind, row.topic, row.recipients, row.status, row.created_at, row.sent_at


# --- drafts -------------------------------------------------------------------------------------


def test_expired_drafts_are_deleted_and_live_ones_kept(db):
    now = system_time()
    expired = add_draft(db.session, now - timedelta(minutes=1))
    at_the_limit = add_draft(db.session, now)
    live = add_draft(db.session, now + timedelta(hours=1))

    report = purge(db.session, now, POLICY)

    assert report.drafts_deleted == 2
    assert db.session.get(BookingDraft, expired) is None
    assert db.session.get(BookingDraft, at_the_limit) is None
    assert db.session.get(BookingDraft, live).data["details"]["first_name"] == "Rosa"


# --- emails -------------------------------------------------------------------------------------


def test_an_old_sent_email_loses_its_content_but_keeps_its_row(db):
    email_id = queue(db.session)
    sent_at = system_time()
    assert deliver(sent_at) == 1
    before = history(db.session, email_id)
    assert before[3] == OutboxStatus.SENT and before[5] == sent_at

    report = purge(db.session, sent_at + 31 * DAY, POLICY)

    assert report.email_bodies_cleared == 1
    assert content(db.session, email_id) == CLEARED
    assert history(db.session, email_id) == before  # kind, topic, recipients, status, dates


def test_the_back_office_still_shows_cleared_booking_emails(app, admin_client, make_appointment):
    appointment_id = make_appointment(
        VISIT, first_name="Rosa", last_name="Parkes", email="rosa@example.org", notes="My left leg gives way on stairs."
    )
    # Its own app context, closed before the pages are requested (on SQLite an open transaction
    # would keep the requests' connection waiting).
    with app.app_context():
        session = _db.session
        queue_booking_emails(session.get(Appointment, appointment_id), "manage-token")  # the real emails, with .ics
        session.commit()
        sent_at = system_time()
        assert deliver(sent_at) == 2
        emails = session.scalars(select(OutboxMessage).filter_by(topic=f"appointment:{appointment_id}")).all()
        assert any(row.attachments for row in emails) and all(row.text_body for row in emails)
        subjects = [row.subject for row in emails]

        assert purge(session, sent_at + 31 * DAY, POLICY).email_bodies_cleared == 2

        for row in session.scalars(select(OutboxMessage).execution_options(populate_existing=True)):
            assert (row.text_body, row.html_body, row.attachments, row.status) == ("", None, [], OutboxStatus.SENT)

    page = admin_client.get(f"/admin/appointments/{appointment_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for subject in subjects:  # "SCREENING FLAGGED"-style subjects are gone too
        assert str(escape(subject)) not in html
    assert html.count(str(escape(CLEARED_SUBJECT))) == 2
    assert "rosa@example.org" in html and "fairfax-frontdesk@example.org" in html
    assert html.count("<td>sent (") == 2
    outbox = admin_client.get("/admin/outbox?status=sent").get_data(as_text=True)
    assert outbox.count(str(escape(CLEARED_SUBJECT))) == 2


def test_only_sent_emails_older_than_the_limit_are_cleared(db):
    now = system_time()
    ids = {
        name: queue(db.session, subject=name)
        for name in ("old", "just over", "at the limit", "recent", "pending", "sending", "failed")
    }
    set_state(db.session, ids["old"], OutboxStatus.SENT, now - 90 * DAY)
    set_state(db.session, ids["just over"], OutboxStatus.SENT, now - 30 * DAY - timedelta(seconds=1))
    set_state(db.session, ids["at the limit"], OutboxStatus.SENT, now - 30 * DAY)
    set_state(db.session, ids["recent"], OutboxStatus.SENT, now - 29 * DAY)
    # Emails not delivered still need their content, however old (even with a stray sent_at).
    set_state(db.session, ids["pending"], OutboxStatus.PENDING, now - 90 * DAY)
    set_state(db.session, ids["sending"], OutboxStatus.SENDING, now - 90 * DAY)
    set_state(db.session, ids["failed"], OutboxStatus.FAILED, now - 90 * DAY)

    report = purge(db.session, now, POLICY)

    assert report.email_bodies_cleared == 2
    for name in ("old", "just over"):
        assert content(db.session, ids[name]) == CLEARED, name
    for name in ("at the limit", "recent", "pending", "sending", "failed"):
        text, html, attachments, reply_to, _ = content(db.session, ids[name])
        assert (text, html, reply_to) == (TEXT, HTML, "rosa@example.org"), name
        assert [a["filename"] for a in attachments] == ["visit.ics"], name


def test_a_pending_email_is_still_delivered_in_full_after_a_purge(app, db, tmp_path):
    email_id = queue(db.session)
    purge(db.session, system_time() + 365 * DAY, POLICY)
    assert deliver(system_time()) == 1
    [eml] = (tmp_path / "mail").glob("*.eml")
    assert "my left leg gives way on stairs" in eml.read_text()
    assert content(db.session, email_id)[0] == TEXT


def test_a_second_purge_counts_nothing(db):
    now = system_time()
    full = queue(db.session, subject="full")
    text_only = queue(db.session, subject="text only", html=None, attachments=())
    no_text = queue(db.session, subject="html only", text="", attachments=())
    attachment_only = queue(db.session, subject="attachment only", text="", html=None)
    for row_id in (full, text_only, no_text, attachment_only):
        set_state(db.session, row_id, OutboxStatus.SENT, now - 40 * DAY)
    add_draft(db.session, now - DAY)

    first = purge(db.session, now, POLICY)
    second = purge(db.session, now, POLICY)
    later = purge(db.session, now + 100 * DAY, POLICY)

    assert (first.drafts_deleted, first.email_bodies_cleared) == (1, 4)
    assert content(db.session, attachment_only) == CLEARED
    assert (second.drafts_deleted, second.email_bodies_cleared) == (0, 0)
    assert (later.drafts_deleted, later.email_bodies_cleared) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 4


def test_an_email_with_only_a_subject_left_loses_it_and_is_counted_once(db):
    now = system_time()
    empty = queue(db.session, subject="SCREENING FLAGGED — Rosa P.", text="", html=None, attachments=())
    set_state(db.session, empty, OutboxStatus.SENT, now - 40 * DAY)
    assert purge(db.session, now, POLICY).email_bodies_cleared == 1
    assert content(db.session, empty)[4] == CLEARED_SUBJECT
    assert purge(db.session, now, POLICY).email_bodies_cleared == 0


def test_the_policy_sets_the_limit(db):
    now = system_time()
    email_id = queue(db.session)
    set_state(db.session, email_id, OutboxStatus.SENT, now - 8 * DAY)
    assert purge(db.session, now, POLICY).email_bodies_cleared == 0
    assert purge(db.session, now, RetentionPolicy(email_body_days=7)).email_bodies_cleared == 1
    assert content(db.session, email_id) == CLEARED


def test_the_policy_is_frozen_and_refuses_nonsense():
    assert RetentionPolicy().email_body_days == 30
    with pytest.raises(dataclasses.FrozenInstanceError):
        POLICY.email_body_days = 1
    with pytest.raises(ValueError):
        RetentionPolicy(email_body_days=-1)
    with pytest.raises(TypeError):
        RetentionPolicy(email_body_days="30")


# --- one transaction ----------------------------------------------------------------------------


def test_a_failure_midway_changes_nothing(db, monkeypatch):
    now = system_time()
    draft_id = add_draft(db.session, now - DAY)
    email_id = queue(db.session)
    set_state(db.session, email_id, OutboxStatus.SENT, now - 40 * DAY)

    def broken():
        raise RuntimeError("database went away")

    monkeypatch.setattr(retention, "_not_yet_cleared", broken)  # fails after the drafts were deleted
    with pytest.raises(RuntimeError):
        purge(db.session, now, POLICY)

    assert db.session.get(BookingDraft, draft_id) is not None
    assert content(db.session, email_id)[0] == TEXT


def test_purge_commits_its_work(db):
    now = system_time()
    add_draft(db.session, now - DAY)
    email_id = queue(db.session)
    set_state(db.session, email_id, OutboxStatus.SENT, now - 40 * DAY)
    purge(db.session, now, POLICY)
    db.session.rollback()  # nothing left to roll back
    with db.engine.connect() as other:  # another connection sees the result
        assert other.scalar(select(func.count()).select_from(BookingDraft)) == 0
        assert other.scalar(select(OutboxMessage.text_body).where(OutboxMessage.id == email_id)) == ""


# --- report -------------------------------------------------------------------------------------


def test_the_report_reads_as_one_line():
    assert str(
        PurgeReport(drafts_deleted=1, email_bodies_cleared=1, appointments_anonymised=1, questions_deleted=1)
    ) == (
        "retention purge: 1 expired booking draft deleted, content of 1 sent email cleared, "
        "patient details of 1 past appointment removed, 1 question deleted"
    )
    assert str(PurgeReport(drafts_deleted=0, email_bodies_cleared=12, appointments_anonymised=3)) == (
        "retention purge: 0 expired booking drafts deleted, content of 12 sent emails cleared, "
        "patient details of 3 past appointments removed, 0 questions deleted"
    )
    assert "\n" not in str(PurgeReport(3, 4, 5, 6))


# --- appointments and questions -------------------------------------------------------------------

PATIENT = {"first_name": "Ivy", "last_name": "Oldrecord", "email": "ivy@example.org", "notes": "PRIVATE-NOTE"}


def patient_details(session, appointment_id) -> dict:
    row = session.get(Appointment, appointment_id, populate_existing=True)
    return {
        "name": row.patient_name,
        "email": row.email,
        "phone": row.phone,
        "notes": row.notes,
        "born": row.date_of_birth.year,
        "screening": row.screening,
        "kept": (row.reference, row.status, row.office.slug),
    }


def test_patient_details_go_seven_years_after_the_visit_and_the_appointment_stays(app, db, clinic, make_appointment):
    now = system_time().replace(minute=0, second=0, microsecond=0)
    eight_years_ago = make_appointment(now - timedelta(days=8 * 365), status="completed", **PATIENT)
    six_years_ago = make_appointment(now - timedelta(days=6 * 365), status="completed", **PATIENT)
    db.session.add(AppointmentNote(appointment_id=eight_years_ago, text="Staff note PRIVATE"))
    db.session.commit()

    report = purge(db.session, now, POLICY)

    assert report.appointments_anonymised == 1
    old = patient_details(db.session, eight_years_ago)
    assert "Ivy" not in old["name"] and "Oldrecord" not in old["name"]
    assert (old["email"], old["phone"], old["notes"], old["born"], old["screening"]) == ("", "", "", 1900, {})
    assert old["kept"][1:] == ("completed", "fairfax")  # the practice's record of the visit stays
    assert db.session.scalar(select(func.count()).select_from(AppointmentNote)) == 0
    assert patient_details(db.session, six_years_ago)["email"] == "ivy@example.org"
    assert purge(db.session, now, POLICY).appointments_anonymised == 0  # nothing counted twice


def test_a_cancelled_visit_that_never_happened_loses_its_details_after_a_year(app, db, clinic, make_appointment):
    now = system_time().replace(minute=0, second=0, microsecond=0)
    cancelled = make_appointment(now - timedelta(days=400), status="cancelled", **PATIENT)
    recent = make_appointment(now - timedelta(days=100), status="cancelled", **PATIENT)
    seen = make_appointment(now - timedelta(days=401), status="completed", **PATIENT)
    assert purge(db.session, now, POLICY).appointments_anonymised == 1
    assert patient_details(db.session, cancelled)["email"] == ""
    assert patient_details(db.session, recent)["email"] == "ivy@example.org"
    assert patient_details(db.session, seen)["email"] == "ivy@example.org"


def test_questions_are_deleted_a_year_after_they_were_asked(app, db, offices):
    now = system_time()
    office = db.session.scalars(select(Office)).first()
    for days in (400, 10):
        db.session.add(
            PatientQuestion(
                office=office,
                name="Asker",
                email="a@example.org",
                message="About my back",
                created_at=now - timedelta(days=days),
            )
        )
    db.session.commit()
    assert purge(db.session, now, POLICY).questions_deleted == 1
    assert db.session.scalar(select(func.count()).select_from(PatientQuestion)) == 1


def test_the_policy_refuses_keeping_patient_records_for_less_than_a_year():
    with pytest.raises(ValueError, match="appointment_years"):
        RetentionPolicy(appointment_years=0)


@pytest.mark.parametrize("command", [["purge"], ["retention", "purge"]])
def test_flask_purge_runs_the_purge_and_says_what_it_did_in_counts_only(app, runner, db, caplog, command):
    expired = add_draft(db.session, system_time() - timedelta(minutes=5))
    db.session.commit()
    with caplog.at_level("INFO", logger="clinic_app.retention"):
        result = runner.invoke(args=command)
    assert result.exit_code == 0, result.output
    assert "1 expired booking draft deleted" in result.output
    assert db.session.get(BookingDraft, expired) is None
    [record] = [r for r in caplog.records if r.name == "clinic_app.retention"]
    assert record.getMessage() == result.output.strip()


def test_every_round_of_the_outbox_worker_deletes_abandoned_drafts(app, db):
    """Not only the daily purge or the next booking: within a worker round (seconds) of expiring."""
    import threading

    from clinic_app.cli import worker_tasks

    expired = add_draft(db.session, system_time() - timedelta(seconds=1))
    live = add_draft(db.session, system_time() + timedelta(minutes=29))
    db.session.commit()
    for task in worker_tasks():
        task(threading.Event())
    assert db.session.get(BookingDraft, expired) is None
    assert db.session.get(BookingDraft, live) is not None
