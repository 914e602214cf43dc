"""The screening questionnaire as data: admins edit a draft and publish it; from then on the
booking form, the desk, the door and the office-update page ask the new questions, the banner
shows again, and answers already given keep the wording they answered."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.models import Appointment, AuditEntry, ScreeningVersion
from tests.conftest import book_online, csrf_token_from, set_clock

NOW = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
NEW_QUESTION = "Have you had a rash with a fever in the past week?"


@pytest.fixture
def app(each_database_app):
    return each_database_app


@pytest.fixture(autouse=True)
def friday_morning(monkeypatch, request):
    set_clock(monkeypatch, NOW)
    if "app" in request.fixturenames:
        request.getfixturevalue("clinic")


def post(client, url, data, form_url):
    token = csrf_token_from(client.get(form_url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def start_draft(admin_client) -> str:
    response = post(admin_client, "/admin/screening/draft", {}, "/admin/screening")
    assert response.status_code == 303
    return response.headers["Location"]


def draft_fields(page: str) -> dict:
    """The draft form's values as the page shows them (what a browser would send back)."""
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    fields.update({name: "" for name in re.findall(r'<input[^>]*name="(q\d+_\w+)"(?![^>]*value=)', page)})
    fields["policy"] = re.search(r'<textarea[^>]*name="policy"[^>]*>\n?(.*?)</textarea>', page, re.S).group(1)
    fields.pop("csrf_token", None)
    return {
        key: value.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&") for key, value in fields.items()
    }


def edited_draft(admin_client, url, **changes):
    fields = draft_fields(admin_client.get(url).get_data(as_text=True))
    fields.update(changes)
    return fields


def submit(admin_client, draft, fields, action):
    """Send the draft form as its page would, with "Save the draft" or "Publish"."""
    token = csrf_token_from(admin_client.get(draft).get_data(as_text=True))
    return admin_client.post(draft, data={"csrf_token": token, **fields, "action": action})


def banner_shown(client) -> bool:
    return "Office Update:" in client.get("/locations/").get_data(as_text=True)


def dismiss_banner(client):
    client.post("/office-update/dismiss", data={"next": "/locations/"})


def test_publishing_a_new_version_asks_its_questions_everywhere_and_shows_the_banner_again(app, admin_client, client):
    dismiss_banner(client)
    assert not banner_shown(client)
    draft = start_draft(admin_client)
    fields = edited_draft(
        admin_client,
        draft,
        q0_text="Do you have a fever (100.4 °F or higher) or chills?",
        q3_text="",  # the close-contact question is dropped
        q5_text=NEW_QUESTION,
        q5_help="Any new rash counts.",
        q5_yes="We will see you by video instead.",
        policy="Our offices keep visits safe.\n\n## What we ask of you\n\n- Stay home when **unwell**",
    )
    saved = submit(admin_client, draft, fields, "save")
    assert saved.status_code == 303
    assert NEW_QUESTION not in client.get("/office-update").get_data(as_text=True)  # a draft is not in force
    assert banner_shown(client) is False

    published = submit(admin_client, draft, fields, "publish")
    assert published.status_code == 303
    assert banner_shown(client)  # a new version: the banner again
    policy_page = client.get("/office-update").get_data(as_text=True)
    assert NEW_QUESTION in policy_page and "Any new rash counts." in policy_page
    assert "If yes: We will see you by video instead." in policy_page
    assert "<h2>What we ask of you</h2>" in policy_page
    assert "<li>Stay home when <strong>unwell</strong></li>" in policy_page
    assert "close contact" not in policy_page

    desk = admin_client.get("/admin/bookings/new").get_data(as_text=True)
    assert NEW_QUESTION in desk and "close contact" not in desk
    (entry,) = [e.changes for e in db_entries(app, "screening.published")]
    assert NEW_QUESTION in entry["after"]["questions"] and NEW_QUESTION not in entry["before"]["questions"]


def db_entries(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEntry).filter_by(action=action)).all()


def test_answers_given_under_an_old_version_keep_its_wording(app, admin_client, client):
    book_online(client)  # answered under the first version
    draft = start_draft(admin_client)
    fields = edited_draft(admin_client, draft, q0_text="A reworded first question?")
    submit(admin_client, draft, fields, "publish")
    with app.app_context():
        (appointment,) = db.session.scalars(select(Appointment)).all()
        record = appointment.screening
    assert record["version"] == "2026-11-01"
    assert record["answers"][0]["question"] == "Do you have a fever or chills?"
    page = admin_client.get(f"/admin/appointments/{appointment.id}").get_data(as_text=True)
    assert "Do you have a fever or chills?" in page
    history = admin_client.get("/admin/screening").get_data(as_text=True)
    assert "2026-11-01" in history and "2026-12-04" in history
    with app.app_context():
        first = db.session.scalars(select(ScreeningVersion).filter_by(version="2026-11-01")).one()
    assert "Do you have a fever or chills?" in admin_client.get(f"/admin/screening/{first.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({f"q{i}_text": "" for i in range(7)}, "q0_text", "Please keep at least one question"),
        ({"policy": ""}, "policy", "Please write the policy"),
        ({"acknowledgement": ""}, "acknowledgement", "Please write what the patient confirms."),
        ({"q5_text": "", "q5_help": "Help without a question"}, "q5_text", "Please write the question"),
        ({"policy": "Stay home <script>x</script>"}, "policy", "Please remove the HTML tags"),
    ],
)
def test_a_questionnaire_without_questions_or_policy_is_refused_in_place(app, admin_client, changes, field, message):
    draft = start_draft(admin_client)
    fields = edited_draft(admin_client, draft, **changes)
    response = submit(admin_client, draft, fields, "publish")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and f'href="#{field}"' in html
    with app.app_context():
        assert (
            db.session.scalars(
                select(ScreeningVersion).where(ScreeningVersion.published_at > NOW - timedelta(days=1))
            ).all()
            == []
        )


def test_a_version_published_for_a_later_day_takes_over_that_day(app, admin_client, client, monkeypatch):
    draft = start_draft(admin_client)
    fields = edited_draft(admin_client, draft, q5_text=NEW_QUESTION, publish_on="2026-12-07")
    submit(admin_client, draft, fields, "publish")
    assert NEW_QUESTION not in client.get("/office-update").get_data(as_text=True)
    set_clock(monkeypatch, datetime(2026, 12, 7, 5, 1, tzinfo=UTC))  # just after midnight in New York
    assert NEW_QUESTION in client.get("/office-update").get_data(as_text=True)


def test_front_desk_staff_read_the_questions_but_cannot_start_or_edit_a_version(app, fairfax_staff_client):
    page = fairfax_staff_client.get("/admin/screening").get_data(as_text=True)
    assert "Do you have a fever or chills?" in page and "Edit a new version" not in page
    token = csrf_token_from(
        page.replace("Edit", "")
        if "csrf_token" in page
        else fairfax_staff_client.get("/admin/today").get_data(as_text=True)
    )
    assert fairfax_staff_client.post("/admin/screening/draft", data={"csrf_token": token}).status_code == 404


def test_the_policy_shows_html_as_text_and_drops_unsafe_links():
    from clinic_app.booking.questionnaires import policy_html

    html = str(policy_html("Hi <script>alert(1)</script> [x](javascript:alert(1)) [book](/book/)\n\n# Top"))
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "<a>x</a>" in html and '<a href="/book/">book</a>' in html
    assert "<h2>Top</h2>" in html  # under the page's own h1


def test_a_version_waiting_for_a_later_day_is_copied_can_be_withdrawn_and_blocks_publishing_over_it(
    app, admin_client, client
):
    draft = start_draft(admin_client)
    submit(
        admin_client, draft, edited_draft(admin_client, draft, q5_text=NEW_QUESTION, publish_on="2026-12-07"), "publish"
    )
    second = start_draft(admin_client)
    assert NEW_QUESTION in admin_client.get(second).get_data(as_text=True)  # copied from the waiting version
    refused = submit(admin_client, second, edited_draft(admin_client, second, q0_text="Reworded?"), "publish")
    assert refused.status_code == 422 and "is already waiting to take over later" in refused.get_data(as_text=True)
    with app.app_context():
        waiting = db.session.scalars(select(ScreeningVersion).where(ScreeningVersion.published_at > NOW)).one()
    page = admin_client.get("/admin/screening").get_data(as_text=True)
    assert "Waiting: from" in page
    post(admin_client, f"/admin/screening/{waiting.id}/withdraw", {}, "/admin/screening")
    assert "Waiting: from" not in admin_client.get("/admin/screening").get_data(as_text=True)
    assert (
        submit(admin_client, second, edited_draft(admin_client, second, q0_text="Reworded?"), "publish").status_code
        == 303
    )
    assert "Reworded?" in client.get("/office-update").get_data(as_text=True)


def test_a_tampered_question_key_is_replaced_and_odd_field_names_are_ignored(app, admin_client, client):
    draft = start_draft(admin_client)
    fields = edited_draft(admin_client, draft, q5_text=NEW_QUESTION, q5_key="errors", q1_key="fever")
    fields["q²_text"] = "odd"
    assert submit(admin_client, draft, fields, "publish").status_code == 303
    with app.app_context():
        keys = [
            q["key"]
            for q in db.session.scalars(select(ScreeningVersion).where(ScreeningVersion.version == "2026-12-04"))
            .one()
            .questions
        ]
    assert keys[0] == "fever" and "errors" not in keys and len(set(keys)) == len(keys)
    assert keys[-1].startswith("q_")
    token = csrf_token_from(client.get("/book/").get_data(as_text=True))
    client.post(
        "/book/",
        data={
            "csrf_token": token,
            "office": "fairfax",
            "visit_type": "new-patient",
            "reason": "sciatica",
            "provider": "any",
        },
    )
    slot = re.search(r'name="slot" value="([^"]+)"', client.get("/book/time").get_data(as_text=True)).group(1)
    client.post("/book/time", data={"csrf_token": token, "slot": slot})
    screening = client.get("/book/screening")
    assert screening.status_code == 200 and NEW_QUESTION in screening.get_data(as_text=True)
