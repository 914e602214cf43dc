"""No double booking, whatever the concurrency: 20 patients confirm the same slot at once."""

import pytest
from sqlalchemy import func, select

from clinic_app import create_app
from clinic_app.booking import service
from clinic_app.booking.availability import slots_by_day
from clinic_app.booking.screening import FIRST
from clinic_app.extensions import db
from clinic_app.models import Appointment, Office, Provider, ProviderTimeBlock, VisitType
from tests.booking.racing import NOW, confirm_all_at_once
from tests.conftest import seed_clinic

PATIENTS = 20


def ready_drafts(app, count, same_draft=False):
    """``count`` drafts (or one) completed up to the review step, all for the same first slot."""
    seed_clinic(app)
    with app.app_context():
        office = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        visit = db.session.scalars(select(VisitType).filter_by(slug="new-patient")).one()
        provider = db.session.scalars(select(Provider).filter_by(slug="amira-haddad")).one()
        day = NOW.astimezone(office.tz).date()
        slot = slots_by_day(
            db.session,
            office=office,
            visit_type=visit,
            provider_id=provider.id,
            days=[day],
            now=NOW,
            rules=service.BookingRules(),
        )[day][0]
        ids = []
        for number in range(1 if same_draft else count):
            draft, _ = service.start_draft(db.session, NOW)
            service.save_visit(
                db.session, draft, office=office, visit_type=visit, reason="sciatica", provider=provider, now=NOW
            )
            service.save_time(db.session, draft, slot=slot, now=NOW)
            service.save_screening(
                db.session, draft, answers={q.key: False for q in FIRST.questions}, acknowledged=True, now=NOW
            )
            service.save_details(
                db.session,
                draft,
                now=NOW,
                details={
                    "first_name": f"Patient{number}",
                    "last_name": "Race",
                    "date_of_birth": "1970-01-01",
                    "phone": "(703) 555-0123",
                    "email": f"p{number}@example.org",
                    "patient_status": "new",
                    "insurance": "",
                    "notes": "",
                },
            )
            assert service.first_incomplete_step(db.session, draft, NOW) == "review"
            ids.append(draft.id)
        db.engine.dispose()
        return ids * (count if same_draft else 1), slot.starts_at


def confirm_all(url, draft_ids):
    return confirm_all_at_once(url, draft_ids, {service.SlotTaken: "taken"})


def counts(url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        appointments = db.session.scalar(select(func.count()).select_from(Appointment))
        blocks = db.session.scalar(select(func.count()).select_from(ProviderTimeBlock))
        db.engine.dispose()
        return appointments, blocks


def check_one_winner(url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    draft_ids, _ = ready_drafts(app, PATIENTS)
    outcomes = confirm_all(url, draft_ids)
    kinds = [kind for kind, _ in outcomes]
    assert kinds.count("error") == 0, outcomes
    assert kinds.count("booked") == 1
    assert kinds.count("taken") == PATIENTS - 1
    assert all(
        detail == "That time was just taken — here are the times still open."
        for kind, detail in outcomes
        if kind == "taken"
    )
    assert counts(url) == (1, 4)  # one 45-minute visit + 15-minute pause = four blocks


def check_same_draft_books_once(url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    draft_ids, _ = ready_drafts(app, 10, same_draft=True)
    outcomes = confirm_all(url, draft_ids)
    assert {kind for kind, _ in outcomes} == {"booked"}, outcomes
    assert len({appointment for _, appointment in outcomes}) == 1
    assert counts(url) == (1, 4)


def test_twenty_patients_racing_for_one_slot_on_sqlite_get_one_booking(tmp_path):
    check_one_winner(f"sqlite:///{tmp_path / 'race.sqlite3'}")


@pytest.mark.postgres
def test_twenty_patients_racing_for_one_slot_on_postgresql_get_one_booking(postgres_url):
    check_one_winner(postgres_url)


def test_one_draft_confirmed_ten_times_at_once_books_once_on_sqlite(tmp_path):
    check_same_draft_books_once(f"sqlite:///{tmp_path / 'replay.sqlite3'}")


@pytest.mark.postgres
def test_one_draft_confirmed_ten_times_at_once_books_once_on_postgresql(postgres_url):
    check_same_draft_books_once(postgres_url)
