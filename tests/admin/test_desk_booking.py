"""The front desk books for a patient on the phone or at the desk: the same free times and the same
database guarantee as online, no minimum notice, the screening asked aloud and recorded."""

import re
import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from clinic_app import create_app
from clinic_app.admin.desk.service import book_for_patient
from clinic_app.booking import service
from clinic_app.booking.availability import slots_by_day
from clinic_app.booking.screening import FIRST
from clinic_app.extensions import db
from clinic_app.models import Appointment, AuditEntry, Office, OutboxMessage, Provider, StaffUser, VisitType
from tests.booking.racing import NOW, Confirm, all_at_once
from tests.booking.test_race import ready_drafts
from tests.conftest import csrf_token_from, make_staff_user

UTC = NOW.tzinfo
NO = {q.key: "no" for q in FIRST.questions}
PATIENT = {
    "first_name": "Walter",
    "last_name": "Ferreira",
    "date_of_birth": "1949-08-02",
    "phone": "703 555 0199",
    "patient_status": "returning",
    "consent": "y",
}
HADDAD = "1"  # Dr. Amira Haddad, seeded first
TEN_AM = "2026-12-07T15:00Z|1"  # Monday 10:00 in Fairfax with Dr. Haddad
QUARTER_PAST_EIGHT = "2026-12-07T13:15Z|1"  # within the online minimum notice (2 hours)


def html_of(response):
    return response.get_data(as_text=True)


def desk_page(client, **args):
    query = {"office": "fairfax", "visit_type": "new-patient", "provider": HADDAD, "day": "2026-12-07", **args}
    return client.get("/admin/bookings/new", query_string=query)


def book(client, slot=TEN_AM, visit_type="new-patient", provider=HADDAD, office="fairfax", **fields):
    page = html_of(desk_page(client, visit_type=visit_type, provider=provider, office=office))
    key = re.search(r'name="booking_key" type="hidden" value="([0-9a-f]{32})"', page)
    data = {
        "csrf_token": csrf_token_from(page),
        "booking_key": key.group(1) if key else uuid.uuid4().hex,
        "office": office,
        "visit_type": visit_type,
        "provider": provider,
        "day": "2026-12-07",
        "slot": slot,
        "source": "phone",
        "reason": "sciatica",
        "acknowledged": "y",
        **NO,
        **PATIENT,
        **fields,
    }
    return client.post("/admin/bookings/new", data={k: v for k, v in data.items() if v is not None})


def appointments(app):
    with app.app_context():
        return db.session.scalars(select(Appointment).order_by(Appointment.id)).all()


def online_times(app, provider_slug="amira-haddad", day=date(2026, 12, 7)):
    """The times a patient sees online that day with that clinician (the website's own rules)."""
    with app.app_context():
        office = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        visit = db.session.scalars(select(VisitType).filter_by(slug="new-patient")).one()
        provider = db.session.scalars(select(Provider).filter_by(slug=provider_slug)).one()
        slots = slots_by_day(
            db.session,
            office=office,
            visit_type=visit,
            provider_id=provider.id,
            days=[day],
            now=NOW,
            rules=service.BookingRules(),
        )[day]
        return {slot.value for slot in slots}


def test_a_phone_booking_takes_the_time_off_the_website_at_once(app, desk):
    assert TEN_AM in online_times(app)
    response = book(desk)
    assert response.status_code == 303
    [appointment] = appointments(app)
    assert response.headers["Location"] == f"/admin/appointments/{appointment.id}"
    assert TEN_AM not in online_times(app)
    with app.app_context():
        appointment = db.session.get(Appointment, appointment.id)
        assert (appointment.source, appointment.status) == ("phone", "confirmed")
        assert appointment.booked_by.email == "fairfax.desk@example.org"
        assert appointment.starts_at == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
        assert appointment.clinician_chosen and appointment.phone == "(703) 555-0199"
        assert appointment.screening["asked"] == "phone"
        assert appointment.screening["by"] == "Fairfax.Desk"
        assert appointment.screening_outcome == "clear" and appointment.email == ""
        emails = db.session.scalars(select(OutboxMessage)).all()
        assert [e.kind for e in emails] == ["booking.office"]  # no address, no patient email
        assert emails[0].subject.startswith("New booking (phone):")
        entry = db.session.scalars(select(AuditEntry).filter_by(action="booked")).one()
        assert entry.changes == {"source": "phone"} and entry.user.email == "fairfax.desk@example.org"
    page = html_of(desk.get(response.headers["Location"]))
    assert "Booked: reference" in page
    assert "Phone, by Fairfax.Desk" in page and "Asked by phone by Fairfax.Desk" in page


def test_a_patient_with_an_email_address_gets_the_confirmation(app, desk):
    assert book(desk, email="walter@example.org", source="walk_in").status_code == 303
    with app.app_context():
        kinds = sorted(db.session.scalars(select(OutboxMessage.kind)))
        appointment = db.session.scalars(select(Appointment)).one()
    assert kinds == ["booking.office", "booking.patient"] and appointment.source == "walk_in"


def test_the_desk_books_a_spanish_speaking_patient_who_then_hears_in_spanish(app, desk):
    """The desk chooses the patient's language (English unless changed); the confirmation is
    written in it, with links to the Spanish pages, and the office's copy stays English."""
    form = html_of(desk_page(desk))
    assert re.search(
        r'<input[^>]*checked[^>]*name="language"[^>]*value="en"|<input[^>]*name="language"[^>]*value="en"[^>]*checked',
        form,
    )
    assert "The patient&#39;s language" in form or "The patient's language" in form
    assert book(desk, email="walter@example.org", language="es").status_code == 303
    with app.app_context():
        appointment = db.session.scalars(select(Appointment)).one()
        messages = {m.kind: m for m in db.session.scalars(select(OutboxMessage))}
    assert appointment.language == "es"
    patient = messages["booking.patient"]
    assert patient.subject.startswith("Su cita del lunes 7 de diciembre de 2026 a las 10:00 a.m. EST")
    assert "Su cita está reservada." in patient.text_body and "http://localhost/es/booking/" in patient.text_body
    assert messages["booking.office"].subject.startswith("New booking (phone): Monday, December 7, 2026")


def test_a_patient_who_agrees_on_the_phone_gets_texts_without_an_email_address(app, desk):
    app.config["SMS_BACKEND"] = "file"
    assert "agrees to text messages" in html_of(desk_page(desk))
    refused = book(desk, phone="(416) 967-1111", text_messages="y")
    assert refused.status_code == 422 and "Text messages go to US numbers only" in html_of(refused)
    assert book(desk, text_messages="y").status_code == 303
    with app.app_context():
        appointment = db.session.scalars(select(Appointment)).one()
        assert appointment.sms_phone == "+17035550199" and appointment.sms_consent_at == NOW
        kinds = sorted(db.session.scalars(select(OutboxMessage.kind)))
    assert kinds == ["booking.office", "booking.text"]


def test_the_desk_may_book_without_notice_where_the_website_may_not(app, desk):
    assert QUARTER_PAST_EIGHT not in online_times(app)
    assert QUARTER_PAST_EIGHT in html_of(desk_page(desk))
    assert book(desk, slot=QUARTER_PAST_EIGHT).status_code == 303


def test_held_time_is_never_offered_nor_booked(app, desk):
    assert book(desk).status_code == 303
    assert TEN_AM not in html_of(desk_page(desk))
    again = book(desk, first_name="Other")
    assert again.status_code == 422 and "That time is no longer free" in html_of(again)
    assert len(appointments(app)) == 1


def test_a_yes_in_the_screening_books_nothing_and_says_what_to_offer(app, desk):
    response = book(desk, fever="yes")
    assert response.status_code == 422
    assert "Offer a video visit or a date after they have recovered" in html_of(response)
    assert appointments(app) == []


@pytest.mark.parametrize(
    "change, message",
    [
        ({"first_name": ""}, "Please enter the patient&#39;s first name."),
        ({"date_of_birth": "2030-01-01"}, "it must be in the past"),
        ({"email": "walter@"}, "Please enter an email address like name@example.com."),
        ({"slot": None}, "Please choose a time."),
        ({"cough": None}, "Please answer yes or no."),
        ({"acknowledged": None}, "Please tell the patient about the safety policy"),
        ({"consent": None}, "Please ask the patient whether we may contact them"),
        ({"slot": "tomorrow at ten"}, "That time is not available."),
        ({"source": "online"}, "Not a valid choice"),
    ],
)
def test_bad_input_is_explained_in_place_and_nothing_is_stored(app, desk, change, message):
    response = book(desk, **change)
    html = html_of(response)
    assert response.status_code == 422 and message in html, message
    assert 'value="Walter"' in html or change.get("first_name") == ""  # what was typed stays
    assert appointments(app) == []


def test_a_double_submission_books_once(app, desk):
    key = uuid.uuid4().hex
    assert book(desk, booking_key=key).status_code == 303
    assert book(desk, booking_key=key).status_code == 303
    assert len(appointments(app)) == 1


def test_a_video_visit_asks_no_screening(app, desk):
    page = html_of(desk_page(desk, visit_type="video-consultation"))
    assert "A video visit needs no health screening." in page and 'name="fever"' not in page
    slot = re.search(r'name="slot" value="([^"]+)"', page).group(1)
    response = book(desk, slot=slot, visit_type="video-consultation", acknowledged=None, **dict.fromkeys(NO))
    assert response.status_code == 303
    assert appointments(app)[0].screening_outcome == "not_required"


def test_changing_the_visit_with_htmx_refreshes_only_the_times(app, desk):
    response = desk.get(
        "/admin/bookings/new",
        query_string={"office": "fairfax", "visit_type": "follow-up", "day": "2026-12-08"},
        headers={"HX-Request": "true"},
    )
    html = html_of(response)
    assert html.startswith('<div id="desk-times">') and "<html" not in html
    assert "Follow-up visit at Fairfax, VA" in html and "Tuesday, December 8, 2026" in html
    assert '<input type="hidden" name="visit_type" value="follow-up">' in html


def test_staff_of_one_office_cannot_book_at_another(app, desk):
    assert desk_page(desk, office="potomac").status_code == 404
    response = book(desk, office="potomac", slot="2026-12-07T15:00Z|2")
    assert response.status_code == 404 and appointments(app) == []


# --- the desk and the website racing for one time ------------------------------------------------


class DeskBooks:
    """A front-desk worker booking the slot for a patient on the phone."""

    def __init__(self, user_id, slot, number):
        self.user_id, self.slot, self.number = user_id, slot, number

    def prepare(self, session):
        return {
            "user": session.get(StaffUser, self.user_id),
            "office": session.scalars(select(Office).filter_by(slug="fairfax")).one(),
            "visit_type": session.scalars(select(VisitType).filter_by(slug="new-patient")).one(),
        }

    def __call__(self, session, ready):
        return book_for_patient(
            session,
            ready["user"],
            office=ready["office"],
            visit_type=ready["visit_type"],
            provider_id=self.slot.provider.id,
            starts_at=self.slot.starts_at,
            slot_provider_id=self.slot.provider.id,
            source="phone",
            reason="sciatica",
            answers={q.key: False for q in FIRST.questions},
            acknowledged=True,
            details={
                "first_name": f"Caller{self.number}",
                "last_name": "Race",
                "date_of_birth": date(1960, 1, 1),
                "phone": "(703) 555-0100",
                "email": "",
                "is_new_patient": True,
                "insurance": "",
                "notes": "",
            },
            booking_key=uuid.uuid4().hex,
            now=NOW,
        )


def race_desk_and_website(url, tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, MAIL_SINK_DIR=str(tmp_path))
    draft_ids, starts_at = ready_drafts(app, 6)
    user = make_staff_user(app, "desk@example.org", "admin")
    with app.app_context():
        office = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        visit = db.session.scalars(select(VisitType).filter_by(slug="new-patient")).one()
        day = starts_at.astimezone(office.tz).date()
        slot = next(
            s
            for s in slots_by_day(
                db.session,
                office=office,
                visit_type=visit,
                provider_id=1,
                days=[day],
                now=NOW,
                rules=service.BookingRules(),
            )[day]
            if s.starts_at == starts_at
        )
        db.engine.dispose()
    jobs = [Confirm(draft_id) for draft_id in draft_ids] + [DeskBooks(user, slot, n) for n in range(6)]
    outcomes = all_at_once(url, jobs, {service.SlotTaken: "taken"})
    kinds = [kind for kind, _ in outcomes]
    assert kinds.count("error") == 0, outcomes
    assert kinds.count("booked") == 1 and kinds.count("taken") == 11, outcomes
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 1
        db.engine.dispose()


def test_the_desk_and_six_patients_racing_for_one_time_on_sqlite_book_it_once(tmp_path):
    race_desk_and_website(f"sqlite:///{tmp_path / 'race.sqlite3'}", tmp_path)


@pytest.mark.postgres
def test_the_desk_and_six_patients_racing_for_one_time_on_postgresql_book_it_once(postgres_url, tmp_path):
    race_desk_and_website(postgres_url, tmp_path)


@pytest.mark.parametrize("day", ["9999-12-31", "2031-01-01", "0001-01-01", "not-a-day"])
def test_any_day_in_the_address_shows_a_page(desk, day):
    response = desk_page(desk, day=day)
    assert response.status_code == 200


def test_a_booking_key_reused_for_another_patient_books_nobody_else(app, desk):
    key = uuid.uuid4().hex
    assert book(desk, booking_key=key).status_code == 303
    other = book(desk, booking_key=key, slot="2026-12-07T16:00Z|1", last_name="Someone", date_of_birth="1960-01-01")
    assert other.status_code == 422 and "This form was already used for a booking." in html_of(other)
    assert len(appointments(app)) == 1


def test_screening_answers_stay_outside_the_part_htmx_refreshes(desk):
    page = html_of(desk_page(desk))
    times = page.split('<div id="desk-times">')[1].split("</fieldset>")[0]
    assert 'name="fever"' not in times and 'name="fever"' in page
