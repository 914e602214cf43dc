"""Admins write the Spanish of a screening version in the same draft as the English; it is
published (and then never changes) with the version, and the Spanish pages ask it. A version may
be published with its Spanish incomplete: the editor says clearly what is missing and what the
Spanish pages do meanwhile (ask in English, with a note in Spanish)."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from clinic_app.booking.screening import FIRST, FIRST_TRANSLATIONS
from clinic_app.extensions import db
from clinic_app.models import ScreeningVersion
from tests.admin.test_screening_versions import draft_fields, start_draft, submit
from tests.conftest import set_clock

NOW = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
RASH = "Have you had a rash with a fever in the past week?"
RASH_ES = "¿Ha tenido un sarpullido con fiebre en la última semana?"
RASH_HELP_ES = "Cualquier sarpullido nuevo cuenta."
RASH_YES_ES = "Le atenderemos por video."
FEVER_ES_NEW = "¿Tiene fiebre (38 °C o más) o escalofríos?"
SPANISH_POLICY = "Cuidamos cada visita.\n\n## Lo que le pedimos\n\n- Quédese en casa si se siente **mal**"


@pytest.fixture
def app(each_database_app):
    return each_database_app


@pytest.fixture(autouse=True)
def friday_morning(monkeypatch, request):
    set_clock(monkeypatch, NOW)
    if "app" in request.fixturenames:
        request.getfixturevalue("clinic")


def form_of(admin_client, draft, **changes) -> dict:
    """The draft form as its page shows it (the Spanish policy too), with ``changes`` typed in."""
    page = admin_client.get(draft).get_data(as_text=True)
    fields = draft_fields(page)
    spanish_policy = re.search(r'<textarea[^>]*name="spanish_policy"[^>]*>\n?(.*?)</textarea>', page, re.S).group(1)
    fields["spanish_policy"] = spanish_policy.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
    return {**fields, **changes}


def stored(app, version) -> ScreeningVersion:
    with app.app_context():
        row = db.session.scalars(select(ScreeningVersion).filter_by(version=version)).one()
        db.session.expunge(row)
        return row


def with_a_rash_question(**more) -> dict:
    return {
        "q5_text": RASH,
        "q5_help": "Any new rash counts.",
        "q5_yes": "We will see you by video instead.",
        **more,
    }


def test_the_first_version_is_stored_with_its_spanish(app, admin_client):
    draft = start_draft(admin_client)  # stores the built-in first version, then copies it
    assert stored(app, FIRST.version).translations == FIRST_TRANSLATIONS
    page = admin_client.get(draft).get_data(as_text=True)
    assert re.search(r'<input[^>]*lang="es"[^>]*name="q0_spanish_text"[^>]*value="¿Tiene fiebre o escalofríos\?"', page)
    assert "Lo que hacemos en cada consultorio" in page  # the Spanish policy, ready to edit
    assert "The Spanish is incomplete" not in page


def test_an_admin_writes_the_spanish_of_a_draft_and_spanish_pages_ask_it_once_published(app, admin_client, client):
    draft = start_draft(admin_client)
    fields = form_of(
        admin_client,
        draft,
        q0_text="Do you have a fever (100.4 °F or higher) or chills?",
        q0_spanish_text=FEVER_ES_NEW,
        spanish_policy=SPANISH_POLICY,
        **with_a_rash_question(q5_spanish_text=RASH_ES, q5_spanish_help=RASH_HELP_ES, q5_spanish_yes=RASH_YES_ES),
    )
    assert submit(admin_client, draft, fields, "save").status_code == 303
    editor = admin_client.get(draft).get_data(as_text=True)
    assert RASH_ES in editor and "The Spanish is incomplete" not in editor
    assert RASH_ES not in client.get("/es/office-update").get_data(as_text=True)  # a draft is not in force

    assert submit(admin_client, draft, fields, "publish").status_code == 303
    policy = client.get("/es/office-update").get_data(as_text=True)
    assert (
        "<h2>Lo que le pedimos</h2>" in policy
        and "<li>Quédese en casa si se siente <strong>mal</strong></li>" in policy
    )
    assert FEVER_ES_NEW in policy and RASH_ES in policy and RASH_HELP_ES in policy
    assert f"Si responde que sí: {RASH_YES_ES}" in policy
    assert "todavía no" not in policy
    english = client.get("/office-update").get_data(as_text=True)
    assert RASH in english and RASH_ES not in english and "Lo que le pedimos" not in english

    row = stored(app, "2026-12-04")
    rash_key = row.questions[-1]["key"]
    assert row.translations["es"]["questions"][rash_key] == {
        "text": RASH_ES,
        "help": RASH_HELP_ES,
        "yes_means": RASH_YES_ES,
    }
    assert row.translations["es"]["policy"] == SPANISH_POLICY
    version_page = admin_client.get(f"/admin/screening/{row.id}").get_data(as_text=True)
    assert f'In Spanish: <span lang="es">{RASH_ES}</span>' in version_page
    assert "<h2>The policy in Spanish</h2>" in version_page
    history = admin_client.get("/admin/screening").get_data(as_text=True)
    assert re.search(r"2026-12-04</a></th>.*?<td>Complete</td>", history, re.S)


def test_a_version_can_be_published_with_its_spanish_incomplete_after_a_clear_warning(app, admin_client, client):
    draft = start_draft(admin_client)
    fields = form_of(admin_client, draft, spanish_policy="", **with_a_rash_question())
    assert submit(admin_client, draft, fields, "save").status_code == 303
    editor = admin_client.get(draft).get_data(as_text=True)
    assert "The Spanish is incomplete" in editor
    lacking = "question 6, question 6: help, question 6: what a “yes” means, the policy"
    assert f"As saved, the Spanish lacks: {lacking}." in editor
    assert "Spanish pages ask the questions in English, with a note in Spanish" in editor
    assert "The Spanish office-update page shows the policy in English" in editor

    published = submit(admin_client, draft, fields, "publish")
    assert published.status_code == 303
    history = admin_client.get(published.headers["Location"]).get_data(as_text=True)
    assert "Published version 2026-12-04" in history
    assert "Spanish pages ask the questions in English, with a note in Spanish" in history
    assert f"Missing: {lacking}" in history

    spanish = client.get("/es/office-update").get_data(as_text=True)
    assert "Estas preguntas todavía no están disponibles en español" in spanish
    assert "Nuestra política todavía no está disponible en español" in spanish
    assert f'<span lang="en">{RASH}</span>' in spanish
    assert "¿Tiene fiebre o escalofríos?" not in spanish  # never half Spanish, half English


def test_a_published_version_keeps_its_spanish_while_the_next_draft_changes_it(app, admin_client, client):
    first_draft = start_draft(admin_client)
    submit(admin_client, first_draft, form_of(admin_client, first_draft, q0_spanish_text=FEVER_ES_NEW), "publish")
    published = stored(app, "2026-12-04")

    second = start_draft(admin_client)
    assert FEVER_ES_NEW in admin_client.get(second).get_data(as_text=True)  # copied from the version in force
    changed = form_of(admin_client, second, q0_spanish_text="¿Ha tenido fiebre hoy?")
    assert submit(admin_client, second, changed, "save").status_code == 303
    assert stored(app, "2026-12-04").translations == published.translations
    assert submit(admin_client, f"/admin/screening/{published.id}", changed, "publish").status_code == 404
    assert FEVER_ES_NEW in client.get("/es/office-update").get_data(as_text=True)


def test_a_new_question_only_in_spanish_is_refused_and_a_removed_one_takes_its_spanish(app, admin_client):
    draft = start_draft(admin_client)
    refused = submit(admin_client, draft, form_of(admin_client, draft, q5_spanish_text=RASH_ES), "save")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Please write the question in English too: the Spanish translates it." in html
    assert 'href="#q5_text"' in html

    removed = form_of(admin_client, draft, q3_text="")  # the close-contact question, Spanish still filled in
    assert submit(admin_client, draft, removed, "publish").status_code == 303
    row = stored(app, "2026-12-04")
    assert "close_contact" not in {q["key"] for q in row.questions}
    assert "close_contact" not in row.translations["es"]["questions"]
    history = admin_client.get("/admin/screening").get_data(as_text=True)
    assert re.search(r"2026-12-04</a></th>.*?<td>Complete</td>", history, re.S)


def test_the_spanish_wording_is_checked_like_the_english(app, admin_client):
    draft = start_draft(admin_client)
    response = submit(admin_client, draft, form_of(admin_client, draft, q1_spanish_help="<b>Importante</b>"), "save")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#q1_spanish_help"' in html
    assert "Please remove the HTML tags" in html


def test_changing_a_questions_english_alone_clears_its_stale_spanish(app, admin_client, client):
    """A Spanish question that translates the old English would ask Spanish-speaking patients
    the old question: it is dropped (and listed as missing) unless its Spanish changes too."""
    draft = start_draft(admin_client)
    new_fever = "Have you had a fever of 100.4 °F or more in the last three days?"
    fields = form_of(admin_client, draft, q0_text=new_fever, acknowledgement="I will follow the policy today.")
    assert submit(admin_client, draft, fields, "save").status_code == 303
    editor = admin_client.get(draft).get_data(as_text=True)
    assert "The Spanish is incomplete" in editor
    assert not re.search(r'name="q0_spanish_text"[^>]*value="¿Tiene fiebre o escalofríos\?"', editor)
    assert re.search(r'name="q1_spanish_text"[^>]*value="[^"]+"', editor)  # untouched questions keep theirs

    fields = form_of(admin_client, draft, q0_spanish_text="¿Ha tenido fiebre de 38 °C o más en los últimos tres días?")
    assert submit(admin_client, draft, fields, "save").status_code == 303
    assert "¿Ha tenido fiebre de 38 °C" in admin_client.get(draft).get_data(as_text=True)
