"""Kinds of visit and clinicians read in Spanish on the Spanish pages (booking steps, review,
confirmation, office pages), in the wording admins give in the back office, on SQLite and
PostgreSQL; English where no Spanish is given; an admin's change shows at once, kept pages too."""

import re

import pytest
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.i18n import LANGUAGE_KEY
from clinic_app.models import Appointment, AuditEntry, Provider, VisitType
from clinic_app.seed import seed_scheduling
from tests.conftest import book_online, csrf_token_from


@pytest.fixture
def app(each_database_app):
    return each_database_app


def set_translations(app, model, slug, translations):
    with app.app_context():
        row = db.session.scalars(select(model).filter_by(slug=slug)).one()
        row.translations = translations
        db.session.commit()


def row_id(app, model, slug):
    with app.app_context():
        return db.session.scalars(select(model.id).filter_by(slug=slug)).one()


def visit_choices(page: str) -> str:
    """Step 1's kinds of visit, as the patient reads them."""
    return page[page.index('name="visit_type"') - 200 : page.index('id="reason"')]


def post_form(client, url, data, form_url=None):
    token = csrf_token_from(client.get(form_url or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


# The plain function


def test_wording_is_the_translation_or_else_the_english():
    visit = VisitType(
        name="Follow-up visit",
        description="For patients already under our care.",
        translations={"es": {"name": "Visita de seguimiento", "description": "  "}},
    )
    assert visit.wording("name", "es") == "Visita de seguimiento"
    assert visit.wording("name", "en") == "Follow-up visit"
    assert visit.wording("description", "es") == "For patients already under our care."  # blank: English
    assert visit.wording("name") == "Follow-up visit"  # outside a request: English
    clinician = Provider(name="Lauren Whitfield", specialty="Spine care", bio="", translations={})
    assert clinician.wording("specialty", "es") == "Spine care"
    assert Provider(specialty="Spine care", translations=None).wording("specialty", "es") == "Spine care"


# Step 1, the review and the confirmation


def test_step_one_names_and_describes_the_kinds_of_visit_in_the_pages_language(app, client, clinic):
    spanish = visit_choices(client.get("/es/book/").get_data(as_text=True))
    assert "Consulta para pacientes nuevos (45 minutos)" in spanish
    assert "Su primera visita: le preguntamos por sus síntomas" in spanish
    assert "Visita de seguimiento (30 minutos)" in spanish
    assert "Consulta por video (30 minutos, por video)" in spanish
    assert "Una visita por video segura, desde su casa." in spanish
    assert not re.search("New-patient consultation|Follow-up visit|Video consultation|arrive", spanish)
    english = visit_choices(client.get("/book/").get_data(as_text=True))
    assert "New-patient consultation (45 minutes)" in english
    assert "A first visit: history, examination and a plan. Please arrive 15 minutes early." in english
    assert "Follow-up visit (30 minutes)" in english
    assert "Consulta" not in english and "Visita" not in english


def test_a_kind_of_visit_without_spanish_wording_reads_in_english_on_spanish_pages(app, client, clinic):
    set_translations(app, VisitType, "follow-up", {})
    set_translations(app, VisitType, "video-consultation", {"es": {"name": "Consulta por video", "description": " "}})
    spanish = visit_choices(client.get("/es/book/").get_data(as_text=True))
    assert "Follow-up visit (30 minutos)" in spanish
    assert "For patients already under our care." in spanish
    assert "Consulta por video (30 minutos, por video)" in spanish
    assert "A secure video visit from home." in spanish  # a blank Spanish description: the English
    assert "Consulta para pacientes nuevos (45 minutos)" in spanish


def walk_to_review(client, prefix="/es"):
    """Steps 1 to 4 through the real pages (a new-patient visit at Fairfax); the review page."""
    token = csrf_token_from(client.get(f"{prefix}/book/").get_data(as_text=True))

    def post(url, **data):
        response = client.post(prefix + url, data={"csrf_token": token, **data})
        assert response.status_code == 303, response.get_data(as_text=True)

    post("/book/", office="fairfax", visit_type="new-patient", reason="sciatica", provider="any")
    time_page = client.get(f"{prefix}/book/time").get_data(as_text=True)
    assert "Consulta para pacientes nuevos en el consultorio de Fairfax, VA." in time_page
    post("/book/time", slot=re.search(r'name="slot" value="([^"]+)"', time_page).group(1))
    screening = client.get(f"{prefix}/book/screening").get_data(as_text=True)
    questions = set(re.findall(r'name="([^"]+)"[^>]*type="radio" value="no"', screening))
    post("/book/screening", acknowledged="y", **dict.fromkeys(questions, "no"))
    details = {"first_name": "Rosa", "last_name": "Parkes", "date_of_birth": "1961-02-03", "phone": "703 555 0188"}
    post("/book/details", email="rosa@example.org", patient_status="new", consent="y", **details)
    return client.get(f"{prefix}/book/review").get_data(as_text=True), post


def test_the_review_and_the_confirmation_name_the_visit_in_spanish(app, clinic):
    client = app.test_client()
    review, post = walk_to_review(client)
    assert "<dd>Consulta para pacientes nuevos (45 minutos)</dd>" in review
    assert "New-patient consultation" not in review
    post("/book/review")
    confirmed = client.get("/es/book/confirmed").get_data(as_text=True)
    assert "<dd>Consulta para pacientes nuevos (45 minutos)</dd>" in confirmed
    english = book_online(app.test_client(), first_name="Edith")
    assert "<dd>New-patient consultation (45 minutes)</dd>" in english


def test_the_appointment_summary_for_messages_names_the_visit_in_the_patients_language(app, clinic):
    """Messages are written inside a request in the patient's language: the summary they use
    names the visit in it."""
    from clinic_app.booking.presenters import appointment_summary

    book_online(app.test_client(), language_prefix="/es")
    with app.app_context():
        appointment = db.session.scalars(select(Appointment)).one()
        with app.test_request_context("/", environ_overrides={LANGUAGE_KEY: "es"}):
            assert appointment_summary(appointment)["visit"] == "Consulta para pacientes nuevos"
        with app.test_request_context("/"):
            assert appointment_summary(appointment)["visit"] == "New-patient consultation"


# Office pages


def test_the_office_page_gives_the_clinicians_specialty_in_the_pages_language(app, client, clinic):
    spanish = client.get("/es/locations/fairfax").get_data(as_text=True)
    assert '<p class="small">Medicina física y rehabilitación</p>' in spanish
    assert '<p class="small">Atención de la columna</p>' in spanish
    assert "Ofrece: Consulta para pacientes nuevos, Visita de seguimiento, Consulta por video." in spanish
    english = client.get("/locations/fairfax").get_data(as_text=True)
    assert '<p class="small">Physical medicine and rehabilitation</p>' in english
    assert "Offers: New-patient consultation, Follow-up visit, Video consultation." in english
    set_translations(app, Provider, "lauren-whitfield", {})
    assert '<p class="small">Spine care</p>' in client.get("/es/locations/fairfax").get_data(as_text=True)


# The back office


def test_admins_write_the_spanish_wording_of_a_kind_of_visit_and_spanish_pages_show_it_at_once(
    app, admin_client, client, clinic
):
    follow_up = row_id(app, VisitType, "follow-up")
    url = f"/admin/visit-types/{follow_up}"
    form = admin_client.get(url).get_data(as_text=True)
    assert re.search(r'<input[^>]*id="spanish_name"[^>]*lang="es"[^>]*value="Visita de seguimiento"', form)
    assert re.search(r'<textarea[^>]*id="spanish_description"[^>]*lang="es"', form)
    assert "Name in Spanish (optional)" in form
    assert "Visita de seguimiento (30 minutos)" in client.get("/es/book/").get_data(as_text=True)
    providers = [row_id(app, Provider, slug) for slug in ("amira-haddad", "daniel-okafor", "lauren-whitfield")]
    data = {
        "name": "Follow-up visit",
        "description": "For patients already under our care.",
        "spanish_name": "Consulta de control",
        "spanish_description": "Para pacientes que ya vemos aquí.",
        "duration_minutes": "30",
        "buffer_minutes": "0",
        "is_telehealth": "in-person",
        "patients": "returning",
        "active": "y",
        "provider_ids": providers,
    }
    assert post_form(admin_client, url, data).status_code == 303
    spanish = visit_choices(client.get("/es/book/").get_data(as_text=True))
    assert "Consulta de control (30 minutos)" in spanish and "Para pacientes que ya vemos aquí." in spanish
    assert "Follow-up visit (30 minutes)" in client.get("/book/").get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).filter_by(action="visit_type.changed")).one()
        assert entry.changes["before"]["spanish_name"] == "Visita de seguimiento"
        assert entry.changes["after"]["spanish_name"] == "Consulta de control"
        assert entry.changes["after"]["spanish_description"] == "Para pacientes que ya vemos aquí."

    # A blank field takes that Spanish wording away: the English shows in its place.
    assert post_form(admin_client, url, {**data, "spanish_name": " "}).status_code == 303
    with app.app_context():
        assert db.session.get(VisitType, follow_up).translations == {
            "es": {"description": "Para pacientes que ya vemos aquí."}
        }
    spanish = visit_choices(client.get("/es/book/").get_data(as_text=True))
    assert "Follow-up visit (30 minutos)" in spanish and "Para pacientes que ya vemos aquí." in spanish
    assert post_form(admin_client, url, {**data, "spanish_name": "", "spanish_description": ""}).status_code == 303
    with app.app_context():
        assert db.session.get(VisitType, follow_up).translations == {}
    audit_page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "spanish name: Consulta de control → (empty)" in audit_page


def test_admins_write_a_clinicians_spanish_specialty_and_biography(app, admin_client, client, clinic):
    whitfield = row_id(app, Provider, "lauren-whitfield")
    url = f"/admin/providers/{whitfield}/edit"
    form = admin_client.get(url).get_data(as_text=True)
    assert re.search(r'<input[^>]*id="spanish_specialty"[^>]*lang="es"[^>]*value="Atención de la columna"', form)
    assert re.search(r'<textarea[^>]*id="spanish_bio"[^>]*lang="es"', form)
    with app.app_context():
        offices = [o.id for o in db.session.get(Provider, whitfield).offices]
    data = {
        "name": "Lauren Whitfield",
        "credentials": "PA-C",
        "specialty": "Spine care",
        "bio": "Helps patients back to walking after sciatica.",
        "spanish_specialty": "Cuidado de la columna",
        "spanish_bio": "Ayuda a sus pacientes a volver a caminar después de una ciática.",
        "offices": offices,
        "visit_types": [row_id(app, VisitType, slug) for slug in ("follow-up", "video-consultation")],
        "accepts_new_patients": "y",
    }
    assert post_form(admin_client, url, data).status_code == 303
    spanish = client.get("/es/locations/fairfax").get_data(as_text=True)
    section = spanish[spanish.index(f'id="clinician-{whitfield}"') :]
    section = section[: section.index("</section>")]
    assert '<p class="small">Cuidado de la columna</p>' in section
    assert "<p>Ayuda a sus pacientes a volver a caminar después de una ciática.</p>" in section
    assert "Ofrece: Visita de seguimiento, Consulta por video." in section
    english = client.get("/locations/fairfax").get_data(as_text=True)
    assert "<p>Helps patients back to walking after sciatica.</p>" in english and "ciática" not in english
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).filter_by(action="clinician.changed")).one()
        assert entry.changes["before"]["spanish_bio"] == ""
        assert entry.changes["after"]["spanish_specialty"] == "Cuidado de la columna"


def test_a_change_of_spanish_wording_is_not_hidden_by_a_kept_booking_page(app, admin_client, clinic):
    """Steps 1 and 2 are kept rendered (and served from versions read up to a minute ago here):
    an admin's new Spanish name raises the set-up's version, so the next page shows it."""
    app.config.update(RENDERED_PAGE_CACHE=True, VERSION_RECHECK_SECONDS=60)
    patient = app.test_client()
    assert "Consulta para pacientes nuevos (45 minutos)" in patient.get("/es/book/").get_data(as_text=True)
    token = csrf_token_from(patient.get("/es/book/").get_data(as_text=True))  # the kept page, served again
    visit = {"office": "fairfax", "visit_type": "new-patient", "reason": "sciatica", "provider": "any"}
    assert patient.post("/es/book/", data={"csrf_token": token, **visit}).status_code == 303
    assert "Consulta para pacientes nuevos en el consultorio" in patient.get("/es/book/time").get_data(as_text=True)
    newcomer = app.test_client()
    assert "Consulta para pacientes nuevos (45 minutos)" in newcomer.get("/es/book/").get_data(as_text=True)

    new_patient = row_id(app, VisitType, "new-patient")
    with app.app_context():
        providers = [p.id for p in db.session.scalars(select(Provider)) if p.accepts_new_patients]
    data = {
        "name": "New-patient consultation",
        "description": "A first visit: history, examination and a plan. Please arrive 15 minutes early.",
        "spanish_name": "Primera consulta",
        "spanish_description": "Su primera visita con nosotros.",
        "duration_minutes": "45",
        "buffer_minutes": "15",
        "is_telehealth": "in-person",
        "patients": "new",
        "active": "y",
        "provider_ids": providers,
    }
    assert post_form(admin_client, f"/admin/visit-types/{new_patient}", data).status_code == 303

    step_one = newcomer.get("/es/book/").get_data(as_text=True)
    assert "Primera consulta (45 minutos)" in step_one and "Su primera visita con nosotros." in step_one
    assert "Primera consulta en el consultorio" in patient.get("/es/book/time").get_data(as_text=True)


# The seed


def test_the_seed_gives_spanish_wording_to_rows_it_made_before_that_still_read_as_seeded(app, clinic):
    set_translations(app, VisitType, "follow-up", {})
    set_translations(app, Provider, "daniel-okafor", {})
    set_translations(app, Provider, "amira-haddad", {})
    with app.app_context():
        db.session.scalars(select(Provider).filter_by(slug="amira-haddad")).one().specialty = "Rehabilitation"
        db.session.commit()
        changes = seed_scheduling(db.session)
        db.session.commit()
        assert changes == [
            "added the Spanish wording of visit type follow-up",
            "added the Spanish wording of provider daniel-okafor",
        ]
        translations = {
            row.slug: row.translations for model in (VisitType, Provider) for row in db.session.scalars(select(model))
        }
    assert translations["follow-up"] == {
        "es": {"name": "Visita de seguimiento", "description": "Para pacientes que ya atendemos en la clínica."}
    }
    assert translations["daniel-okafor"] == {"es": {"specialty": "Cirugía ortopédica de la columna"}}
    assert translations["amira-haddad"] == {}  # rewritten by the clinic: no Spanish guessed for it
    with app.app_context():
        assert seed_scheduling(db.session) == []
