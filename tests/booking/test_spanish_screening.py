"""The safety screening in Spanish, on SQLite and PostgreSQL: a Spanish page asks the questions
in force in Spanish (the office-update policy too), the answers keep the version and the language
the patient answered in with both wordings, staff read the English beside the Spanish, and a
version with no Spanish yet is asked in English on the Spanish pages, with a note in Spanish."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from clinic_app.booking.screening import FIRST, FIRST_TRANSLATIONS, Outcome, translated
from clinic_app.extensions import db
from clinic_app.models import Appointment, ScreeningVersion
from tests.conftest import book_online, csrf_token_from, set_clock

NOW = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # Friday 9:00 AM in Fairfax
ALL_NO = {key: "no" for key in ("fever", "cough", "taste_smell", "close_contact", "positive_test")}
FEVER_EN = "Do you have a fever or chills?"
FEVER_ES = "¿Tiene fiebre o escalofríos?"
ACKNOWLEDGEMENT_ES = FIRST_TRANSLATIONS["es"]["acknowledgement"]
MANAGE_TOKEN = "manage-token-for-the-spanish-screening-tests-0123"


@pytest.fixture
def app(each_database_app):
    return each_database_app


@pytest.fixture(autouse=True)
def friday_morning(monkeypatch, request):
    set_clock(monkeypatch, NOW)
    if "app" in request.fixturenames:
        request.getfixturevalue("clinic")


def screening_step(client, prefix="") -> str:
    """Steps 1 and 2 of an in-person booking, then step 3 as the patient sees it."""
    token = csrf_token_from(client.get(f"{prefix}/book/").get_data(as_text=True))
    choices = {"office": "fairfax", "visit_type": "new-patient", "reason": "sciatica", "provider": "any"}
    client.post(f"{prefix}/book/", data={"csrf_token": token, **choices})
    slot = re.search(r'name="slot" value="([^"]+)"', client.get(f"{prefix}/book/time").get_data(as_text=True))
    client.post(f"{prefix}/book/time", data={"csrf_token": token, "slot": slot.group(1)})
    response = client.get(f"{prefix}/book/screening")
    assert response.status_code == 200
    return step(response.get_data(as_text=True))


def step(page: str) -> str:
    """The booking step itself, without the site's header (its language switch says "English")."""
    return re.search(r'<section id="booking-step".*?</section>', page, re.S).group(0)


def publish_english_only(app, **english):
    """A version published yesterday with no Spanish (as one published before translations were)."""
    with app.app_context():
        db.session.add(
            ScreeningVersion(
                version="2026-12-03",
                questions=[{"key": "fever", "text": english.get("fever", "Any fever since Monday?")}],
                acknowledgement="I will follow the policy.",
                policy="Our offices keep every visit safe.",
                translations=english.get("translations", {}),
                published_at=NOW - timedelta(days=1),
            )
        )
        db.session.commit()


def stored_screening(app) -> dict:
    with app.app_context():
        return db.session.scalars(select(Appointment)).one().screening


def test_step_3_asks_in_the_language_of_the_page(app):
    spanish = screening_step(app.test_client(), "/es")
    assert FEVER_ES in spanish and ACKNOWLEDGEMENT_ES in spanish
    assert "En los últimos 10 días, ¿le ha salido positiva una prueba" in spanish
    assert FEVER_EN not in spanish and "Safe Patient Appointments policy and I will" not in spanish
    assert 'lang="en"' not in spanish  # nothing on it is English
    assert "todavía no están disponibles en español" not in spanish

    english = screening_step(app.test_client())
    assert FEVER_EN in english and FIRST.acknowledgement.replace("'", "&#39;") in english
    assert FEVER_ES not in english


def test_answers_given_in_spanish_keep_the_version_the_language_and_both_wordings(app, admin_client):
    book_online(app.test_client(), language_prefix="/es")
    record = stored_screening(app)
    assert record["version"] == FIRST.version and record["language"] == "es"
    assert record["answers"][0] == {"key": "fever", "question": FEVER_EN, "answer": False, "as_shown": FEVER_ES}
    assert record["acknowledgement"] == {"text": FIRST.acknowledgement, "given": True, "as_shown": ACKNOWLEDGEMENT_ES}
    assert record["outcome"] == Outcome.CLEAR

    with app.app_context():
        appointment_id = db.session.scalars(select(Appointment.id)).one()
    page = admin_client.get(f"/admin/appointments/{appointment_id}").get_data(as_text=True)
    row = re.search(r"<tr><td>Do you have a fever or chills\?.*?</tr>", page).group(0)
    assert f'The patient read, in Spanish: “<span lang="es">{FEVER_ES}</span>”' in row
    assert "<td>No</td>" in row  # the answer, in English, beside both wordings
    assert f"Questionnaire version {FIRST.version}, answered in Spanish." in page


def test_answers_given_in_english_are_stored_as_english_with_one_wording(app, admin_client):
    book_online(app.test_client())
    record = stored_screening(app)
    assert record["language"] == "en"
    assert record["answers"][0] == {"key": "fever", "question": FEVER_EN, "answer": False}
    assert "as_shown" not in record["acknowledgement"]
    with app.app_context():
        appointment_id = db.session.scalars(select(Appointment.id)).one()
    page = admin_client.get(f"/admin/appointments/{appointment_id}").get_data(as_text=True)
    assert "The patient read" not in page and "answered in Spanish" not in page


def test_the_review_step_says_the_outcome_in_spanish(app):
    client = app.test_client()
    screening_step(client, "/es")
    token = csrf_token_from(client.get("/es/book/screening").get_data(as_text=True))
    client.post("/es/book/screening", data={"csrf_token": token, "acknowledged": "y", **ALL_NO})
    details = {
        "first_name": "Rosa",
        "last_name": "Parkes",
        "date_of_birth": "1961-02-03",
        "phone": "703 555 0188",
        "email": "rosa@example.org",
        "patient_status": "new",
        "consent": "y",
    }
    client.post("/es/book/details", data={"csrf_token": token, **details})
    review = client.get("/es/book/review").get_data(as_text=True)
    assert "Respondió “no” a todas las preguntas y confirmó la política de seguridad" in review
    assert "All answers “no”" not in review


def test_the_reminder_rescreen_asks_in_spanish_and_keeps_the_language(app, admin_client, make_appointment):
    appointment_id = make_appointment(NOW + timedelta(days=3), visit="new-patient", token=MANAGE_TOKEN)
    url = f"/es/booking/{MANAGE_TOKEN}/screening"
    page = step(app.test_client().get(url).get_data(as_text=True))
    assert FEVER_ES in page and ACKNOWLEDGEMENT_ES in page and FEVER_EN not in page

    client = app.test_client()
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    answered = client.post(url, data={"csrf_token": token, "acknowledged": "y", **{**ALL_NO, "cough": "yes"}})
    assert answered.status_code == 200 and "Por ahora, por favor no venga al consultorio" in answered.get_data(
        as_text=True
    )
    (later,) = stored_screening(app)["rescreenings"]
    assert later["language"] == "es" and later["version"] == FIRST.version and later["asked"] == "reminder"
    assert later["answers"][1]["as_shown"].startswith("¿Le ha empezado una tos nueva")
    assert later["answers"][1]["answer"] is True

    staff_page = admin_client.get(f"/admin/appointments/{appointment_id}").get_data(as_text=True)
    answers_after_reminder = staff_page.split("Answers after the reminder", 1)[1]
    assert "Do you have a new cough or new shortness of breath?" in answers_after_reminder
    assert '<span lang="es">¿Le ha empezado una tos nueva' in answers_after_reminder


def test_the_office_update_page_shows_the_policy_and_questions_in_spanish(app):
    spanish = app.test_client().get("/es/office-update").get_data(as_text=True)
    assert "<h2>Lo que hacemos en cada consultorio</h2>" in spanish
    assert FEVER_ES in spanish and ACKNOWLEDGEMENT_ES in spanish
    assert "What we do at every office" not in spanish and FEVER_EN not in spanish
    assert 'lang="en"' not in spanish.split('<article class="prose"', 1)[1]

    english = app.test_client().get("/office-update").get_data(as_text=True)
    assert "<h2>What we do at every office</h2>" in english and FEVER_EN in english
    assert "Lo que hacemos" not in english


def test_a_version_without_spanish_is_asked_in_english_on_spanish_pages_with_a_note(app, admin_client):
    publish_english_only(app)
    page = screening_step(app.test_client(), "/es")
    assert "Estas preguntas todavía no están disponibles en español, así que se muestran en inglés." in page
    assert re.search(r'<legend id="[a-z_]+-legend" lang="en">Any fever since Monday\?</legend>', page)
    assert '<span lang="en">I will follow the policy.</span>' in page
    assert 'value="yes"> Sí</label>' in page  # the answers and the rest of the page stay Spanish

    policy = app.test_client().get("/es/office-update")
    html = policy.get_data(as_text=True)
    assert policy.status_code == 200
    assert "Nuestra política todavía no está disponible en español" in html
    assert '<div class="policy" lang="en"><p>Our offices keep every visit safe.</p>' in html
    assert '<li><span lang="en">Any fever since Monday?</span></li>' in html

    english = screening_step(app.test_client())
    assert "Any fever since Monday?" in english and "todavía no" not in english and 'lang="en"' not in english

    book = app.test_client()
    screening_step(book, "/es")
    token = csrf_token_from(book.get("/es/book/screening").get_data(as_text=True))
    assert (
        book.post("/es/book/screening", data={"csrf_token": token, "acknowledged": "y", "fever": "no"}).status_code
        == 303
    )
    with app.app_context():
        from clinic_app.models import BookingDraft

        (record,) = [d.data["screening"] for d in db.session.scalars(select(BookingDraft)) if d.data.get("screening")]
    assert record["language"] == "en"  # what the patient read, whatever the page's language
    assert record["answers"] == [{"key": "fever", "question": "Any fever since Monday?", "answer": False}]


def test_a_version_with_only_its_policy_in_spanish_shows_that_and_asks_in_english(app):
    publish_english_only(app, translations={"es": {"policy": "Cuidamos cada visita."}})
    html = app.test_client().get("/es/office-update").get_data(as_text=True)
    assert '<div class="policy"><p>Cuidamos cada visita.</p>' in html
    assert "Nuestra política todavía no" not in html
    assert "Estas preguntas todavía no están disponibles en español" in html


def test_a_half_translated_form_is_never_mixed():
    """The questions and the confirmation are asked in Spanish only when all are translated."""
    spanish = FIRST_TRANSLATIONS["es"]
    without_one = {**spanish, "questions": {k: v for k, v in spanish["questions"].items() if k != "cough"}}
    asked = translated(FIRST, without_one, "es")
    assert asked.language == "en" and asked.questions == FIRST.questions
    assert asked.policy_language == "es" and asked.policy == spanish["policy"].strip()
    assert translated(FIRST, {**spanish, "acknowledgement": " "}, "es").language == "en"
    complete = translated(FIRST, spanish, "es")
    assert complete.language == "es" and complete.english == FIRST and complete.question("fever").text == FEVER_ES
    assert translated(FIRST, spanish, "en") is FIRST and translated(FIRST, None, "es") is FIRST


def test_a_first_version_stored_before_translations_is_still_asked_in_spanish(app):
    """The built-in first version as an older install stored it (no Spanish with it)."""
    from clinic_app.booking.questionnaires import as_rows

    with app.app_context():
        db.session.add(
            ScreeningVersion(
                version=FIRST.version,
                questions=as_rows(FIRST),
                acknowledgement=FIRST.acknowledgement,
                policy=FIRST.policy,
                published_at=datetime(2026, 11, 1, tzinfo=UTC),
            )
        )
        db.session.commit()
    assert FEVER_ES in screening_step(app.test_client(), "/es")
