"""``flask users create|set-password|list|disable|enable``: back-office accounts from the command line."""

import pytest
from sqlalchemy import func, select

from clinic_app.extensions import db
from clinic_app.models import AuditEntry, StaffUser
from tests.conftest import PASSWORD, sign_in

GOOD_PASSWORD = "a long enough passphrase"


def users(runner, *args, password=GOOD_PASSWORD, **kwargs):
    return runner.invoke(args=["users", *args], env={"CLINIC_USER_PASSWORD": password}, **kwargs)


def stored_user(app, email):
    """The user with the office slugs they may see, or None."""
    with app.app_context():
        user = db.session.scalars(select(StaffUser).filter_by(email=email)).one_or_none()
        if user is None:
            return None
        slugs = [office.slug for office in user.offices]
        db.session.expunge(user)
        user.office_slugs = slugs
        return user


def user_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StaffUser))


def test_users_create_makes_an_admin(app, runner, offices):
    result = users(runner, "create", "--email", " Boss@Example.ORG ", "--name", "Dr. Boss", "--role", "admin")
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.org" in result.output
    user = stored_user(app, "boss@example.org")
    assert (user.role, user.name, user.active, user.session_version) == ("admin", "Dr. Boss", True, 1)
    assert user.office_slugs == []
    assert user.password_hash.startswith("scrypt:") and GOOD_PASSWORD not in user.password_hash
    assert user.check_password(GOOD_PASSWORD)


def test_users_create_makes_staff_for_an_office(app, runner, offices):
    result = users(runner, "create", "--email", "desk@example.org", "--role", "staff", "--office", "fairfax")
    assert result.exit_code == 0, result.output
    assert "Created staff desk@example.org for fairfax" in result.output
    user = stored_user(app, "desk@example.org")
    assert (user.role, user.office_slugs) == ("staff", ["fairfax"])


def test_users_create_gives_staff_several_offices(app, runner, offices):
    result = users(
        runner,
        "create",
        "--email",
        "float@example.org",
        "--role",
        "staff",
        "--office",
        "potomac",
        "--office",
        "fairfax",
    )
    assert result.exit_code == 0, result.output
    assert sorted(stored_user(app, "float@example.org").office_slugs) == ["fairfax", "potomac"]


def test_users_create_refuses_staff_without_an_office(app, runner, offices):
    result = users(runner, "create", "--email", "desk@example.org", "--role", "staff")
    assert result.exit_code == 2
    assert "staff need at least one --office" in result.output
    assert user_count(app) == 0


def test_users_create_refuses_an_unknown_office(app, runner, offices):
    result = users(
        runner,
        "create",
        "--email",
        "desk@example.org",
        "--role",
        "staff",
        "--office",
        "fairfax",
        "--office",
        "richmond",
    )
    assert result.exit_code == 2
    assert "unknown office; use fairfax, potomac" in result.output
    assert user_count(app) == 0


def test_users_create_refuses_an_unknown_role(app, runner, offices):
    result = users(runner, "create", "--email", "desk@example.org", "--role", "superuser")
    assert result.exit_code == 2
    assert user_count(app) == 0


def test_users_create_refuses_a_duplicate_email_whatever_its_case(app, runner, make_user):
    make_user("desk@example.org", "admin")
    result = users(runner, "create", "--email", "DESK@example.org", "--role", "admin")
    assert result.exit_code == 2
    assert "desk@example.org already has an account" in result.output
    assert user_count(app) == 1
    assert stored_user(app, "desk@example.org").check_password(PASSWORD)


def test_users_create_refuses_a_short_password(app, runner, offices):
    result = users(runner, "create", "--email", "desk@example.org", "--role", "admin", password="short pass")
    assert result.exit_code == 2
    assert "Please use at least 12 characters." in result.output
    assert user_count(app) == 0


def test_users_create_prompts_for_the_password_twice_when_not_in_the_environment(app, runner, offices):
    result = users(
        runner,
        "create",
        "--email",
        "desk@example.org",
        "--role",
        "admin",
        password="",
        input=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert GOOD_PASSWORD not in result.output  # hidden input
    assert stored_user(app, "desk@example.org").check_password(GOOD_PASSWORD)


def test_a_user_created_on_the_command_line_can_sign_in(app, runner, offices):
    assert (
        users(runner, "create", "--email", "desk@example.org", "--role", "staff", "--office", "fairfax").exit_code == 0
    )
    client = app.test_client()
    response = sign_in(client, "desk@example.org", GOOD_PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/login/code"
    assert client.get("/admin/").status_code == 302  # the first sign-in sets up the second step first
    assert "Set up a second step" in client.get("/admin/login/code").get_data(as_text=True)


def test_users_set_password_changes_it_and_ends_that_users_sessions(app, runner, make_user):
    make_user("desk@example.org", "admin")
    make_user("other@example.org", "admin")
    desk, other = app.test_client(), app.test_client()
    assert sign_in(desk, "desk@example.org").status_code == 303
    assert sign_in(other, "other@example.org").status_code == 303
    result = users(runner, "set-password", "--email", "Desk@Example.org", password=GOOD_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Password changed for desk@example.org; their sessions are ended." in result.output
    user = stored_user(app, "desk@example.org")
    assert user.session_version == 2
    assert user.check_password(GOOD_PASSWORD) and not user.check_password(PASSWORD)
    assert desk.get("/admin/").status_code == 302  # signed out
    assert other.get("/admin/").status_code == 200  # someone else's session is untouched
    assert stored_user(app, "other@example.org").session_version == 1
    assert sign_in(app.test_client(), "desk@example.org", PASSWORD).status_code == 422
    assert sign_in(app.test_client(), "desk@example.org", GOOD_PASSWORD).status_code == 303


def test_users_set_password_refuses_an_unknown_email(app, runner, offices):
    result = users(runner, "set-password", "--email", "nobody@example.org")
    assert result.exit_code == 2
    assert "no account for nobody@example.org" in result.output


def test_users_set_password_refuses_a_short_password_and_changes_nothing(app, runner, make_user):
    make_user("desk@example.org", "admin")
    result = users(runner, "set-password", "--email", "desk@example.org", password="too short")
    assert result.exit_code == 2
    assert "Please use at least 12 characters." in result.output
    user = stored_user(app, "desk@example.org")
    assert user.session_version == 1 and user.check_password(PASSWORD)


@pytest.mark.parametrize(
    "password,message",
    [
        ("password1234", "too easy to guess"),
        (" " * 12, "too easy to guess"),
        ("desk@example.org", "Please do not use your email address"),
    ],
    ids=["common", "twelve-spaces", "own-email"],
)
def test_users_create_refuses_a_weak_password(app, runner, offices, password, message):
    result = users(runner, "create", "--email", "desk@example.org", "--role", "admin", password=password)
    assert result.exit_code == 2
    assert message in result.output
    assert user_count(app) == 0


def test_users_set_password_refuses_the_current_password(app, runner, make_user):
    make_user("desk@example.org", "admin")
    result = users(runner, "set-password", "--email", "desk@example.org", password=PASSWORD)
    assert result.exit_code == 2
    assert "different from your current one" in result.output
    assert stored_user(app, "desk@example.org").session_version == 1


def test_users_list_shows_every_account_its_offices_state_and_last_sign_in(app, runner, make_user):
    make_user("boss@example.org", "admin")
    make_user("desk@example.org", "staff", ["fairfax", "potomac"])
    assert sign_in(app.test_client(), "desk@example.org").status_code == 303
    lines = users(runner, "list").output.splitlines()
    assert lines[0].split("\t")[:4] == ["boss@example.org", "admin", "every office", "active"]
    assert lines[0].endswith("never signed in")
    assert lines[1].split("\t")[:4] == ["desk@example.org", "staff", "fairfax, potomac", "active"]
    assert lines[1].endswith(" UTC")


def test_disabling_an_account_ends_its_sessions_at_once_and_enabling_restores_it(app, runner, make_user):
    make_user("boss@example.org", "admin")
    make_user("desk@example.org", "staff", ["fairfax"])
    desk = app.test_client()
    assert sign_in(desk, "desk@example.org").status_code == 303
    result = users(runner, "disable", "--email", "DESK@example.org")
    assert result.exit_code == 0 and "Disabled desk@example.org" in result.output
    assert desk.get("/admin/").status_code == 302  # the open session is over
    refused = sign_in(app.test_client(), "desk@example.org")
    assert refused.status_code == 422  # and it cannot sign in, with the same answer as a wrong password
    assert "DISABLED" in users(runner, "list").output
    with app.app_context():
        [entry] = db.session.scalars(select(AuditEntry).filter_by(action="account.disabled")).all()
        assert entry.changes == {"account": "desk@example.org"}
    assert users(runner, "enable", "--email", "desk@example.org").exit_code == 0
    assert sign_in(app.test_client(), "desk@example.org").status_code == 303


def test_the_last_active_admin_cannot_be_disabled(app, runner, make_user):
    make_user("boss@example.org", "admin")
    make_user("desk@example.org", "staff", ["fairfax"])
    result = users(runner, "disable", "--email", "boss@example.org")
    assert result.exit_code == 1
    assert "boss@example.org is the last active admin" in result.output
    assert stored_user(app, "boss@example.org").active
    make_user("second@example.org", "admin")
    assert users(runner, "disable", "--email", "boss@example.org").exit_code == 0


def test_disable_refuses_an_unknown_email(app, runner, offices):
    result = users(runner, "disable", "--email", "nobody@example.org")
    assert result.exit_code == 2 and "no account for nobody@example.org" in result.output
