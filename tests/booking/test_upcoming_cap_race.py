"""The cap on upcoming bookings per email holds when one address confirms several visits at once."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from clinic_app import create_app
from clinic_app.booking import service
from clinic_app.booking.availability import slots_by_day
from clinic_app.booking.screening import FIRST
from clinic_app.extensions import db
from clinic_app.models import Appointment, Office, Provider, VisitType
from tests.booking.racing import NOW, confirm_all_at_once
from tests.conftest import seed_clinic

DRAFTS = 6
CAP = 3


def drafts_for_one_email(app):
    """``DRAFTS`` drafts at the review step, each for a time on a different day, one email address."""
    seed_clinic(app)
    with app.app_context():
        office = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        visit = db.session.scalars(select(VisitType).filter_by(slug="new-patient")).one()
        provider = db.session.scalars(select(Provider).filter_by(slug="amira-haddad")).one()
        first_day = NOW.astimezone(office.tz).date()
        by_day = slots_by_day(
            db.session,
            office=office,
            visit_type=visit,
            provider_id=provider.id,
            days=[first_day + timedelta(days=n) for n in range(21)],
            now=NOW,
            rules=service.BookingRules(),
        )
        slots = [day_slots[0] for day_slots in by_day.values() if day_slots][:DRAFTS]
        assert len(slots) == DRAFTS
        ids = []
        for number, slot in enumerate(slots):
            draft, _ = service.start_draft(db.session, NOW)
            service.save_visit(
                db.session, draft, office=office, visit_type=visit, reason="sciatica", provider=provider, now=NOW
            )
            service.save_time(db.session, draft, slot=slot, now=NOW)
            service.save_screening(
                db.session, draft, answers={q.key: False for q in FIRST.questions}, acknowledged=True, now=NOW
            )
            details = {
                "first_name": "Same",
                "last_name": "Patient",
                "date_of_birth": "1970-01-01",
                "phone": "(703) 555-0123",
                "email": "Same.Patient@example.org" if number % 2 else "same.patient@EXAMPLE.org",
                "patient_status": "new",
                "insurance": "",
                "notes": "",
            }
            service.save_details(db.session, draft, now=NOW, details=details)
            assert service.first_incomplete_step(db.session, draft, NOW) == "review"
            ids.append(draft.id)
        db.engine.dispose()
        return ids


def check_cap_holds(url):
    drafts = drafts_for_one_email(create_app("testing", SQLALCHEMY_DATABASE_URI=url))
    refusals = {service.TooManyUpcoming: "refused"}
    outcomes = [outcome for outcome, _ in confirm_all_at_once(url, drafts, refusals, max_upcoming=CAP)]
    assert sorted(outcomes) == ["booked"] * CAP + ["refused"] * (DRAFTS - CAP), outcomes
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == CAP
        db.engine.dispose()


def test_one_email_confirming_six_visits_at_once_gets_three_on_sqlite(tmp_path):
    check_cap_holds(f"sqlite:///{tmp_path / 'cap.sqlite3'}")


@pytest.mark.postgres
def test_one_email_confirming_six_visits_at_once_gets_three_on_postgresql(postgres_url):
    check_cap_holds(postgres_url)
