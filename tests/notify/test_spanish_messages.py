"""Messages in the patient's language: a patient who booked in Spanish gets every email, calendar
file and text in Spanish, with links to the Spanish pages, whoever or whatever sends it (the
booking page, the back office, the reminder job, a text reply); the office always reads English
and is told the patient's language. Through a real SMTP server, on SQLite and PostgreSQL."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from clinic_app.booking.notifications import queue_reminder_email
from clinic_app.booking.reminders import queue_due_reminders
from clinic_app.extensions import db
from clinic_app.models import Appointment
from clinic_app.notify.outbox import send_pending
from tests.conftest import MONDAY_8AM, book_online, csrf_token_from, set_clock
from tests.notify.test_booking_emails import parts
from tests.texting.test_texts import reply

VISIT = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)  # Monday 10:00 AM in Fairfax
ENGLISH_WORDS = ["Your appointment", "Dear ", "Please bring", "Questions?", "Reference"]


@pytest.fixture
def app(each_database_app):
    return each_database_app


def sent_to(smtp_server, address):
    return [m for m in smtp_server.messages if m["to"] == [address]]


def test_a_booking_made_in_spanish_is_confirmed_in_spanish_and_the_office_reads_english(
    app, clinic, smtp_server, frozen
):
    book_online(app.test_client(), language_prefix="/es")
    with app.app_context():
        assert send_pending(now=MONDAY_8AM).sent == 2

    [patient] = sent_to(smtp_server, "rosa@example.org")
    subject, text, html, [ics] = parts(patient)
    assert subject == "Su cita del lunes 7 de diciembre de 2026 a las 10:00 a.m. EST - Spine & Nerve Clinic"
    assert text.startswith("Hola, Rosa:") and "Su cita está reservada." in text
    assert "Por favor, traiga:" in text and "Una identificación con foto" in text
    assert not [word for word in ENGLISH_WORDS if word in text]
    # Every link goes to the Spanish pages: the private manage link and the policy.
    assert re.search(r"http://localhost/es/booking/[\w-]{40,}", text)
    assert "http://localhost/es/office-update" in text
    assert '<html lang="es">' in html and "Su cita está reservada." in html
    event = next(iter(Calendar.from_ical(ics.get_content()).walk("VEVENT")))
    assert "Número de referencia:" in str(event["DESCRIPTION"]) and "Para cambiarla o cancelarla" in str(
        event["DESCRIPTION"]
    )
    assert str(event["URL"]) == "http://localhost/es/booking/find"

    [office] = sent_to(smtp_server, "fairfax-frontdesk@example.org")
    office_subject, office_text, office_html, _ = parts(office)
    assert office_subject.startswith("New booking: Monday, December 7, 2026 10:00 AM EST - Fairfax, VA - ")
    assert "Language:   Spanish (booked in Spanish" in office_text
    assert '<th align="left">Language</th><td><strong>Spanish</strong>' in office_html
    assert "Call needed before the visit: no" in office_text and "lunes" not in office_text


def test_an_english_booking_says_nothing_of_language_to_the_office(app, clinic, smtp_server, frozen):
    book_online(app.test_client())
    with app.app_context():
        send_pending(now=MONDAY_8AM)
    [patient] = sent_to(smtp_server, "rosa@example.org")
    assert parts(patient)[1].startswith("Dear Rosa,")
    [office] = sent_to(smtp_server, "fairfax-frontdesk@example.org")
    assert "Language" not in parts(office)[1]


def test_staff_cancelling_in_the_back_office_write_to_the_patient_in_spanish(
    app, make_appointment, admin_client, smtp_server
):
    appointment_id = make_appointment(VISIT, language="es")
    page = admin_client.get(f"/admin/appointments/{appointment_id}").get_data(as_text=True)
    response = admin_client.post(
        f"/admin/appointments/{appointment_id}/cancel",
        data={"csrf_token": csrf_token_from(page), "reason": "La doctora está enferma."},
    )
    assert response.status_code == 303
    with app.app_context():
        send_pending()
    [patient] = sent_to(smtp_server, "patient@example.org")
    subject, text, _, [ics] = parts(patient)
    assert subject.startswith("Cancelada: su cita del lunes 14 de diciembre de 2026 a las 10:00 a.m. EST")
    assert "está cancelada" in text and "Motivo: La doctora está enferma." in text
    assert "http://localhost/es/book/" in text  # to book again, in Spanish
    assert str(Calendar.from_ical(ics.get_content())["METHOD"]) == "CANCEL"
    [office] = sent_to(smtp_server, "fairfax-frontdesk@example.org")
    assert parts(office)[0].startswith("Cancelled: Monday, December 14, 2026 10:00 AM EST")


def test_the_reminder_its_text_and_the_reply_to_c_are_in_spanish(
    app, client, make_appointment, smtp_server, fake_twilio, monkeypatch
):
    """The reminder job runs outside any page; it still writes in Spanish and links to the
    Spanish health questions, which ask in Spanish."""
    app.config.update(fake_twilio.settings())
    set_clock(monkeypatch, VISIT - timedelta(hours=24))
    appointment_id = make_appointment(
        VISIT, language="es", sms_phone="+17035550188", created_at=VISIT - timedelta(days=5)
    )
    with app.app_context():
        assert queue_due_reminders(db.session, VISIT - timedelta(hours=24), (72, 24), queue_reminder_email) == 1
        send_pending()
    [reminder] = sent_to(smtp_server, "patient@example.org")
    subject, text, html, _ = parts(reminder)
    assert subject == "Recordatorio: su cita del lunes 14 de diciembre de 2026 a las 10:00 a.m. EST"
    assert "Le recordamos su cita:" in text and not [word for word in ENGLISH_WORDS if word in text]
    screening_link = re.search(r"http://localhost(/es/booking/[\w-]+/screening)", text).group(1)
    questions = client.get(screening_link).get_data(as_text=True)
    assert '<html lang="es">' in questions and "¿Tiene fiebre o escalofríos?" in questions

    (texted,) = fake_twilio.messages
    body = texted["Body"]
    assert "Recordatorio de Spine & Nerve Clinic: su cita es el lun, 14 dic a las 10:00 a.m." in body
    assert "Responda C para confirmar que vendrá." in body and "Responda STOP" in body
    assert "http://localhost/es/booking/" in body and "reminder" not in body

    answer = reply(client, "C").get_data(as_text=True)
    assert "gracias, su cita del lun, 14 dic a las 10:00 a.m." in answer and "está confirmada" in answer
    with app.app_context():
        assert db.session.get(Appointment, appointment_id).confirmed_by_patient_at is not None


def test_find_my_appointment_warns_a_spanish_speaking_patient_in_spanish(app, make_appointment, smtp_server):
    """Opened from the English "Find my appointment" page, the notice still goes out in the
    language the patient booked in."""
    make_appointment(VISIT, language="es")
    client = app.test_client()
    with app.app_context():
        reference = db.session.scalars(select(Appointment.reference)).one()
    form = client.get("/booking/find").get_data(as_text=True)
    found = client.post(
        "/booking/find",
        data={"csrf_token": csrf_token_from(form), "reference": reference, "date_of_birth": "1970-01-01"},
    )
    assert found.status_code == 303
    with app.app_context():
        send_pending()
    [notice] = sent_to(smtp_server, "patient@example.org")
    subject, text, _, _ = parts(notice)
    assert subject == "Alguien abrió su cita en nuestro sitio web"
    assert 'con "Buscar mi cita"' in text and "Si fue usted, no tiene que hacer nada." in text


def test_a_reply_from_a_number_with_no_coming_visit_is_answered_in_its_patients_language(
    app, client, make_appointment, fake_twilio
):
    """HELP from the number of a patient whose only visit (booked in Spanish) is over."""
    app.config.update(fake_twilio.settings())
    make_appointment(VISIT - timedelta(days=30), status="completed", language="es", sms_phone="+17035550188")
    assert "Si necesita ayuda, llame al" in reply(client, "help").get_data(as_text=True)
    assert "For help call" in reply(client, "help", sender="+17035550199").get_data(as_text=True)
