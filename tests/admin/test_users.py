"""Users, managed by admins in the back office: invite with a one-time password link by email,
change role and offices, turn off and on, reset the second step; staff never see any of it."""

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from clinic_app import clock
from clinic_app.extensions import db
from clinic_app.models import AuditEntry, Office, OutboxMessage, StaffUser
from clinic_app.notify.outbox import send_pending
from tests.conftest import csrf_token_from, set_clock, sign_in

GOOD_PASSWORD = "copper lantern orchard velvet"


@pytest.fixture
def app(each_database_app):
    return each_database_app


def page(client, url):
    response = client.get(url)
    return response, response.get_data(as_text=True)


def post(client, url, data, form_url=None):
    """POST ``data`` with the CSRF token of the page at ``form_url`` (``url`` by default)."""
    token = csrf_token_from(client.get(form_url or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def office_id(app, slug):
    with app.app_context():
        return db.session.scalars(select(Office.id).filter_by(slug=slug)).one()


def account(app, email) -> StaffUser:
    with app.app_context():
        user = db.session.scalars(select(StaffUser).filter_by(email=email)).one_or_none()
        if user is not None:
            db.session.expunge(user)
        return user


def user_id(app, email):
    return account(app, email).id


def audit_entries(app, action):
    with app.app_context():
        return [e.changes for e in db.session.scalars(select(AuditEntry).filter_by(action=action))]


def link_from_email(app, email) -> str:
    """The path of the newest password link emailed to ``email`` (waiting in the outbox)."""
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        (message,) = [m for m in messages if m.recipients == [email]][-1:]
        return re.search(r"http://localhost(/admin/welcome/[\w-]+)", message.text_body).group(1)


def invite(client, app, email="new.desk@example.org", role="staff", offices=("fairfax",), name="Nadia Desk"):
    return post(
        client,
        "/admin/users/new",
        {"email": email, "name": name, "role": role, "offices": [office_id(app, slug) for slug in offices]},
    )


# Who may


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/admin/users"),
        ("get", "/admin/users/new"),
        ("post", "/admin/users/new"),
        ("get", "/admin/users/1"),
        ("post", "/admin/users/1/disable"),
        ("post", "/admin/users/1/reset-second-step"),
        ("post", "/admin/users/1/password-link"),
    ],
)
def test_front_desk_staff_get_404_for_every_users_page(fairfax_staff_client, method, url):
    token = csrf_token_from(fairfax_staff_client.get("/admin/today").get_data(as_text=True))
    data = {"csrf_token": token} if method == "post" else None
    assert getattr(fairfax_staff_client, method)(url, data=data).status_code == 404


def test_users_pages_need_sign_in(client, clinic):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_only_admins_see_users_in_the_menu(admin_client, fairfax_staff_client):
    assert 'href="/admin/users"' in page(admin_client, "/admin/")[1]
    assert 'href="/admin/users"' not in page(fairfax_staff_client, "/admin/today")[1]


# The list


def test_the_list_shows_each_account_with_its_role_offices_second_step_and_last_sign_in(app, admin_client, make_user):
    make_user("potomac.desk@example.org", "staff", ["potomac"], name="Paula Potomac", second_factor=False)
    response, html = page(admin_client, "/admin/users")
    assert response.status_code == 200
    rows = {
        m.group(1): m.group(0) for m in re.finditer(r"<tr>\s*<th scope=\"row\"><a[^>]*>([^<]+)</a>.*?</tr>", html, re.S)
    }
    assert set(rows) == {"Admin", "Paula Potomac"}
    paula = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rows["Paula Potomac"]))
    assert "potomac.desk@example.org" in paula and "Front desk" in paula and "Potomac, MD" in paula
    assert "Not yet" in paula and "Never" in paula and "Active" in paula
    admin = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rows["Admin"]))
    assert "All offices" in admin and "Set up" in admin and "Never" not in admin  # signed in for this test


# Inviting


def test_an_invitation_emails_a_one_time_link_that_sets_the_password_then_sign_in_works(app, admin_client):
    response = invite(admin_client, app)
    assert response.status_code == 303
    invited = account(app, "new.desk@example.org")
    assert (invited.name, invited.role, invited.active) == ("Nadia Desk", "staff", True)
    assert sign_in(app.test_client(), "new.desk@example.org", GOOD_PASSWORD).status_code == 422  # no password yet
    assert audit_entries(app, "account.invited") == [
        {
            "account": "new.desk@example.org",
            "after": {"name": "Nadia Desk", "role": "staff", "offices": ["Fairfax, VA"]},
        }
    ]
    _, user_page = page(admin_client, response.headers["Location"])
    assert "Invited new.desk@example.org: the link in their email works once, until" in user_page
    assert "a password link is waiting to be used" in user_page

    link = link_from_email(app, "new.desk@example.org")
    newcomer = app.test_client()
    response, html = page(newcomer, link)
    assert response.status_code == 200 and "Set your password" in html and "new.desk@example.org" in html
    weak = post(newcomer, link, {"new_password": "password1234", "confirm": "password1234"})
    assert weak.status_code == 422 and "too easy to guess" in weak.get_data(as_text=True)
    differ = post(newcomer, link, {"new_password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD + "x"})
    assert differ.status_code == 422 and "The two passwords differ." in differ.get_data(as_text=True)
    done = post(newcomer, link, {"new_password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"].endswith("/admin/login")

    assert page(newcomer, link)[0].status_code == 404  # once only
    assert "This link no longer works" in page(newcomer, link)[1]
    signing_in = sign_in(newcomer, "new.desk@example.org", GOOD_PASSWORD)
    assert signing_in.headers["Location"].endswith("/admin/login/code")
    assert "Set up a second step" in page(newcomer, "/admin/login/code")[1]  # the first sign-in enrols the app
    assert audit_entries(app, "password.set_with_link") == [{"account": "new.desk@example.org"}]


def test_the_invitation_reaches_the_person_by_smtp_with_the_link_and_no_other_secret(app, admin_client, smtp_server):
    invite(admin_client, app)
    with app.app_context():
        assert send_pending(now=clock.now()).sent == 1
    (sent,) = smtp_server.messages
    message = sent["message"]
    text = message.get_body(("plain",)).get_content()
    assert message["To"] == "new.desk@example.org"
    assert message["Subject"] == "Your account for the back office"
    assert re.search(r"http://localhost/admin/welcome/[\w-]{40,}", text)
    assert "Admin has made you an account" in text and "authenticator app" in text


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"email": "not an email"}, "email", "Please enter an email address like name@example.com."),
        ({"email": "ADMIN@example.org"}, "email", "That email address already has an account."),
        ({"offices": ()}, "offices", "Front-desk staff need at least one office"),
        ({"name": ""}, "name", "Please enter their name."),
        ({"role": "owner"}, "role", "Not a valid choice"),
    ],
)
def test_a_bad_invitation_is_refused_in_place_and_creates_nothing(app, admin_client, changes, field, message):
    values = {"email": "new.desk@example.org", "name": "Nadia Desk", "role": "staff", "offices": ("fairfax",)}
    values.update(changes)
    response = invite(admin_client, app, **values)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and f'href="#{field}"' in html  # in the error summary, linked to the field
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(StaffUser)) == 1
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_an_admin_is_invited_without_offices_and_sees_every_office(app, admin_client):
    invite(admin_client, app, email="second.admin@example.org", role="admin", offices=("potomac",))
    invited = account(app, "second.admin@example.org")
    assert invited.role == "admin"
    with app.app_context():
        assert db.session.get(StaffUser, invited.id).offices == []


def test_a_link_stops_working_after_its_hours_and_when_a_newer_one_is_sent(app, admin_client, monkeypatch):
    invite(admin_client, app)
    first = link_from_email(app, "new.desk@example.org")
    newcomer = app.test_client()
    new_id = user_id(app, "new.desk@example.org")
    post(admin_client, f"/admin/users/{new_id}/password-link", {}, form_url=f"/admin/users/{new_id}")
    second = link_from_email(app, "new.desk@example.org")
    assert first != second
    assert page(newcomer, first)[0].status_code == 404
    assert page(newcomer, second)[0].status_code == 200
    set_clock(monkeypatch, clock.now() + timedelta(hours=app.config["STAFF_PASSWORD_LINK_HOURS"], minutes=1))
    assert page(newcomer, second)[0].status_code == 404


def test_a_turned_off_accounts_link_does_nothing(app, admin_client):
    invite(admin_client, app)
    link = link_from_email(app, "new.desk@example.org")
    new_id = user_id(app, "new.desk@example.org")
    post(admin_client, f"/admin/users/{new_id}/disable", {}, form_url=f"/admin/users/{new_id}")
    assert page(app.test_client(), link)[0].status_code == 404


def test_the_link_never_reaches_the_request_log(app, admin_client, caplog):
    invite(admin_client, app)
    link = link_from_email(app, "new.desk@example.org")
    caplog.set_level(logging.INFO, logger="clinic_app.requests")
    app.test_client().get(link)
    token = link.rsplit("/", 1)[1]
    assert token not in caplog.text and "GET /admin/welcome/<token> 200" in caplog.text


# Changing an account


def test_changing_offices_takes_effect_at_the_next_page_and_is_audited_before_and_after(
    app, admin_client, fairfax_staff_client
):
    assert fairfax_staff_client.get("/admin/calendar?office=potomac").status_code == 404
    desk_id = user_id(app, "fairfax.desk@example.org")
    response = post(
        admin_client,
        f"/admin/users/{desk_id}",
        {"name": "Fairfax Desk", "role": "staff", "offices": [office_id(app, "potomac")]},
    )
    assert response.status_code == 303
    assert fairfax_staff_client.get("/admin/calendar?office=potomac").status_code == 200
    assert fairfax_staff_client.get("/admin/calendar?office=fairfax").status_code == 404
    (entry,) = audit_entries(app, "account.changed")
    assert entry["before"]["offices"] == ["Fairfax, VA"] and entry["after"]["offices"] == ["Potomac, MD"]
    assert entry["before"]["name"] == "Fairfax.Desk" and entry["after"]["name"] == "Fairfax Desk"


def test_the_last_admin_stays_an_admin_and_cannot_be_turned_off(app, admin_client):
    admin_id = user_id(app, "admin@example.org")
    demoted = post(
        admin_client,
        f"/admin/users/{admin_id}",
        {"name": "Admin", "role": "staff", "offices": [office_id(app, "fairfax")]},
    )
    assert demoted.status_code == 422
    assert "admin@example.org is the last active admin; make another admin first." in demoted.get_data(as_text=True)
    assert account(app, "admin@example.org").role == "admin"
    own = post(admin_client, f"/admin/users/{admin_id}/disable", {}, form_url=f"/admin/users/{admin_id}")
    assert "You cannot turn off your own account" in page(admin_client, own.headers["Location"])[1]
    assert account(app, "admin@example.org").active


def test_turning_an_account_off_ends_its_session_at_once_and_on_again_lets_it_sign_in(
    app, admin_client, fairfax_staff_client
):
    desk_id = user_id(app, "fairfax.desk@example.org")
    response = post(admin_client, f"/admin/users/{desk_id}/disable", {}, form_url=f"/admin/users/{desk_id}")
    assert "Turned off fairfax.desk@example.org" in page(admin_client, response.headers["Location"])[1]
    signed_out = fairfax_staff_client.get("/admin/today")
    assert signed_out.status_code == 302 and "/admin/login" in signed_out.headers["Location"]
    assert sign_in(app.test_client(), "fairfax.desk@example.org").status_code != 303
    post(admin_client, f"/admin/users/{desk_id}/enable", {}, form_url=f"/admin/users/{desk_id}")
    assert sign_in(app.test_client(), "fairfax.desk@example.org").status_code == 303
    assert [e["account"] for e in audit_entries(app, "account.disabled")] == ["fairfax.desk@example.org"]
    assert [e["account"] for e in audit_entries(app, "account.enabled")] == ["fairfax.desk@example.org"]


def test_resetting_the_second_step_signs_the_user_out_and_asks_them_to_set_it_up_again(
    app, admin_client, fairfax_staff_client
):
    desk_id = user_id(app, "fairfax.desk@example.org")
    assert "Reset the second step (lost phone)" in page(admin_client, f"/admin/users/{desk_id}")[1]
    post(admin_client, f"/admin/users/{desk_id}/reset-second-step", {}, form_url=f"/admin/users/{desk_id}")
    assert not account(app, "fairfax.desk@example.org").has_second_factor
    assert fairfax_staff_client.get("/admin/today").status_code == 302
    again = app.test_client()
    sign_in(again, "fairfax.desk@example.org")
    assert "Set up a second step" in page(again, "/admin/login/code")[1]
    assert [e["account"] for e in audit_entries(app, "second_factor.reset")] == ["fairfax.desk@example.org"]


def test_an_action_without_the_forms_token_changes_nothing(app, admin_client, make_user):
    desk_id = make_user("quiet.desk@example.org", "staff", ["fairfax"])
    assert admin_client.post(f"/admin/users/{desk_id}/disable", data={}).status_code == 400
    assert admin_client.post(f"/admin/users/{desk_id}", data={"name": "X", "role": "admin"}).status_code == 400
    quiet = account(app, "quiet.desk@example.org")
    assert quiet.active and quiet.role == "staff"
    assert audit_entries(app, "account.disabled") == []


def test_an_unknown_user_is_404(admin_client):
    assert admin_client.get("/admin/users/999999").status_code == 404
    token = csrf_token_from(admin_client.get("/admin/users").get_data(as_text=True))
    assert admin_client.post("/admin/users/999999/enable", data={"csrf_token": token}).status_code == 404


def test_an_invited_admin_who_never_signed_in_does_not_count_as_another_admin(app, admin_client):
    invite(admin_client, app, email="second.admin@example.org", role="admin", offices=())
    admin_id = user_id(app, "admin@example.org")
    demoted = post(
        admin_client,
        f"/admin/users/{admin_id}",
        {"name": "Admin", "role": "staff", "offices": [office_id(app, "fairfax")]},
    )
    assert demoted.status_code == 422 and "is the last active admin" in demoted.get_data(as_text=True)


def test_the_links_email_is_forgotten_once_sent_and_turning_off_ends_the_link(app, admin_client, smtp_server):
    invite(admin_client, app)
    link = link_from_email(app, "new.desk@example.org")
    with app.app_context():
        assert send_pending(now=clock.now()).sent == 1
        (sent,) = db.session.scalars(select(OutboxMessage)).all()
        assert sent.text_body == "" and sent.html_body is None  # only the mailbox has the link now
    assert "/admin/welcome/" in smtp_server.messages[0]["message"].get_body(("plain",)).get_content()
    new_id = user_id(app, "new.desk@example.org")
    post(admin_client, f"/admin/users/{new_id}/disable", {}, form_url=f"/admin/users/{new_id}")
    post(admin_client, f"/admin/users/{new_id}/enable", {}, form_url=f"/admin/users/{new_id}")
    assert app.test_client().get(link).status_code == 404  # turned on again, the old link stays dead
