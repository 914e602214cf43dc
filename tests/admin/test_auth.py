"""Back-office sign-in: the login wall, sessions that end everywhere, rate limiting, passwords."""

import html
import re
from datetime import UTC, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from clinic_app.extensions import db
from clinic_app.models import StaffUser
from clinic_app.seed import seed_offices
from tests.conftest import (
    PASSWORD,
    QUICK_HASH,
    authenticator_set_up,
    build_app,
    csrf_token_from,
    dispose,
    enter_code,
    make_staff_user,
    sign_in,
)

HTMX = {"HX-Request": "true"}
WRONG_CREDENTIALS = "That email and password do not match an account."
NEW_PASSWORD = "a brand new passphrase for 2026"
ADMIN_PAGES = [
    "/admin/",
    "/admin/appointments/1",
    "/admin/bookings.csv",
    "/admin/calendar",
    "/admin/questions",
    "/admin/outbox",
    "/admin/closures",
    "/admin/providers",
    "/admin/password",
]


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory):
    """One app for the tests that only read or sign in successfully (failed sign-ins would share the
    rate limiter, so those tests get their own app); each test still uses a fresh client."""
    path = tmp_path_factory.mktemp("auth")
    app = build_app(f"sqlite:///{path / 'clinic.sqlite3'}", path)
    with app.app_context():
        seed_offices(db.session, app.config["OFFICE_SETTINGS"])
        db.session.add(
            StaffUser(
                email="desk@example.org",
                name="Desk",
                role="admin",
                password_hash=generate_password_hash(PASSWORD, QUICK_HASH),
                **authenticator_set_up(),
            )
        )
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def is_signed_in(client) -> bool:
    """Whether the back office opens for this client (a signed-out client is sent to the login page)."""
    response = client.get("/admin/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/admin/login"
    return False


def user_row(app, email):
    with app.app_context():
        user = db.session.scalars(select(StaffUser).filter_by(email=email)).one()
        db.session.expunge(user)
        return user


def session_of(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def page_token(client, path="/admin/"):
    return csrf_token_from(client.get(path).get_data(as_text=True))


def log_out(client):
    return client.post("/admin/logout", data={"csrf_token": page_token(client)})


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    token = page_token(client, "/admin/password")
    return client.post(
        "/admin/password",
        data={
            "csrf_token": token,
            "current_password": current,
            "new_password": new,
            "confirm": new if confirm is None else confirm,
        },
    )


# --- the login wall ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_every_admin_page_redirects_to_the_login_page_when_signed_out(shared_app, path):
    client = shared_app.test_client()
    response = client.get(path)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/admin/login"
    assert parse_qs(location.query)["next"] == [path]
    assert "Please sign in to see this page." in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_an_htmx_request_when_signed_out_gets_hx_redirect_to_the_login_page(shared_app, path):
    client = shared_app.test_client()
    response = client.get(path, headers=HTMX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/admin/login"
    assert "Location" not in response.headers
    assert response.get_data() == b""


def test_the_login_page_itself_is_open_when_signed_out(shared_app):
    response = shared_app.test_client().get("/admin/login")
    html_text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sign in to the back office" in html_text and 'name="csrf_token"' in html_text
    assert "Sign out" not in html_text


# --- signing in -------------------------------------------------------------------------------


def test_sign_in_with_the_right_password_redirects_to_the_bookings_list(app, client, make_user):
    make_user("desk@example.org", "admin")
    response = sign_in(client, "desk@example.org")
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Sign out" in page.get_data(as_text=True)
    assert user_row(app, "desk@example.org").last_login_at is not None


def test_sign_in_ignores_the_case_and_spaces_of_the_email(shared_app):
    client = shared_app.test_client()
    assert sign_in(client, "  Desk@Example.ORG ").status_code == 303
    assert is_signed_in(client)


def test_the_login_form_keeps_the_page_asked_for_and_returns_there_after_sign_in(shared_app):
    client = shared_app.test_client()
    login_url = client.get("/admin/appointments/7").headers["Location"]
    page = client.get(login_url).get_data(as_text=True)
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))
    assert parse_qs(urlsplit(action).query)["next"] == ["/admin/appointments/7"]
    response = client.post(
        action, data={"csrf_token": csrf_token_from(page), "email": "desk@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/admin/login/code"  # the page waits for the second step
    response = enter_code(client, "desk@example.org")
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/appointments/7"


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/admin/appointments/7", "/admin/appointments/7"),
        ("/admin/bookings.csv?office=fairfax", "/admin/bookings.csv?office=fairfax"),
        ("https://evil.example/admin/", "/admin/"),
        ("//evil.example/admin/", "/admin/"),
        ("/\\evil.example/admin/", "/admin/"),
        ("/admin/\\\\evil.example", "/admin/"),
        ("javascript:alert(1)//admin/", "/admin/"),
        ("/booking", "/admin/"),
        ("/admin", "/admin/"),
    ],
    ids=[
        "admin-page",
        "admin-with-query",
        "external",
        "scheme-relative",
        "backslash",
        "admin-backslash",
        "javascript",
        "public-page",
        "no-trailing-slash",
    ],
)
def test_the_next_target_is_honoured_only_for_admin_paths(shared_app, target, expected):
    client = shared_app.test_client()
    token = csrf_token_from(client.get("/admin/login", query_string={"next": target}).get_data(as_text=True))
    response = client.post(
        "/admin/login",
        query_string={"next": target},
        data={"csrf_token": token, "email": "desk@example.org", "password": PASSWORD},
    )
    response = enter_code(client, "desk@example.org")
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_a_next_target_with_a_line_break_goes_to_the_bookings_list(shared_app):
    client = shared_app.test_client()
    target = "/admin/\r\nX-Injected: 1"
    token = csrf_token_from(client.get("/admin/login", query_string={"next": target}).get_data(as_text=True))
    response = client.post(
        "/admin/login",
        query_string={"next": target},
        data={"csrf_token": token, "email": "desk@example.org", "password": PASSWORD},
    )
    response = enter_code(client, "desk@example.org")
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"


def test_a_wrong_password_is_refused_with_422_and_no_session(app, client, make_user):
    make_user("desk@example.org", "admin")
    response = sign_in(client, "desk@example.org", "not the password at all")
    html_text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert WRONG_CREDENTIALS in html_text
    assert 'value="desk@example.org"' in html_text  # the email is kept, the password is not
    assert "not the password at all" not in html_text
    assert "_user_id" not in session_of(client)
    assert not is_signed_in(client)
    assert user_row(app, "desk@example.org").last_login_at is None


def test_an_unknown_email_gets_the_same_message_as_a_wrong_password(client, make_user):
    make_user("desk@example.org", "admin")
    response = sign_in(client, "nobody@example.org")
    assert response.status_code == 422
    assert WRONG_CREDENTIALS in response.get_data(as_text=True)
    assert not is_signed_in(client)


def test_an_empty_form_asks_for_email_and_password(client, offices):
    token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
    response = client.post("/admin/login", data={"csrf_token": token, "email": "", "password": ""})
    html_text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please enter your email." in html_text and "Please enter your password." in html_text


def test_an_inactive_user_cannot_sign_in(app, client, make_user):
    user_id = make_user("former@example.org", "admin")
    with app.app_context():
        db.session.get(StaffUser, user_id).active = False
        db.session.commit()
    response = sign_in(client, "former@example.org")
    assert response.status_code == 422
    assert WRONG_CREDENTIALS in response.get_data(as_text=True)
    assert not is_signed_in(client)


def test_deactivating_a_user_ends_their_open_session(app, admin_client):
    assert is_signed_in(admin_client)
    with app.app_context():
        db.session.scalars(select(StaffUser).filter_by(email="admin@example.org")).one().active = False
        db.session.commit()
    assert not is_signed_in(admin_client)


def test_the_session_is_renewed_at_sign_in(client, make_user):
    user_id = make_user("desk@example.org", "admin")
    client.get("/admin/login")
    with client.session_transaction() as session:
        session["planted_before_sign_in"] = "fixation"
    cookie_before = client.get_cookie("session").value
    assert sign_in(client, "desk@example.org").status_code == 303
    cookie_after = client.get_cookie("session").value
    assert cookie_after != cookie_before
    after = session_of(client)
    assert "planted_before_sign_in" not in after
    assert after["_user_id"] == f"{user_id}:1"


def test_sign_in_without_a_csrf_token_is_refused_with_400(client, make_user):
    make_user("desk@example.org", "admin")
    response = client.post("/admin/login", data={"email": "desk@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert not is_signed_in(client)


# --- too many failed sign-ins -----------------------------------------------------------------


def test_after_five_failed_sign_ins_even_the_right_password_gets_429(client, make_user):
    make_user("desk@example.org", "admin")
    for _ in range(5):
        assert sign_in(client, "desk@example.org", "wrong password!").status_code == 422
    response = sign_in(client, "desk@example.org")
    assert response.status_code == 429
    assert "Too many failed sign-ins for this account from here" in response.get_data(as_text=True)
    assert not is_signed_in(client)


def test_successful_sign_ins_do_not_count_towards_the_limit(app, make_user):
    make_user("desk@example.org", "admin")
    for _ in range(6):
        assert sign_in(app.test_client(), "desk@example.org").status_code == 303
    client = app.test_client()
    for _ in range(5):  # still five failures allowed: the six sign-ins above were not counted
        assert sign_in(client, "desk@example.org", "wrong password!").status_code == 422
    assert sign_in(client, "desk@example.org").status_code == 429


def test_a_strangers_failures_do_not_lock_the_account_for_its_owner_elsewhere(app, make_user):
    make_user("desk@example.org", "admin")
    attacker = app.test_client()
    for _ in range(6):
        sign_in(attacker, "desk@example.org", "guess")
    assert sign_in(attacker, "desk@example.org").status_code == 429  # the guesser waits...
    at_the_desk = app.test_client()
    at_the_desk.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert sign_in(at_the_desk, "desk@example.org").status_code == 303  # ...the owner does not


def test_one_persons_typos_do_not_lock_colleagues_behind_the_same_address(app, make_user):
    make_user("desk@example.org", "admin")
    make_user("other@example.org", "admin")
    client = app.test_client()
    for _ in range(5):
        assert sign_in(client, "desk@example.org", "typo typo").status_code == 422
    assert sign_in(app.test_client(), "other@example.org").status_code == 303  # same office address


def test_trying_many_accounts_from_one_address_is_stopped_too(app, make_user):
    from clinic_app.admin.auth.attempts import SIGN_IN

    make_user("other@example.org", "admin")
    with app.test_request_context():
        for index in range(100):  # a hundred accounts tried once each from one address
            assert SIGN_IN.allowed(f"guess{index}@example.org", "127.0.0.1")
    assert sign_in(app.test_client(), "other@example.org").status_code == 429


def test_the_wait_grows_with_more_failures(frozen_clock, app, make_user, monkeypatch):
    import limits.storage.memory

    clock = {"now": 1_000_000.0}
    monkeypatch.setattr(limits.storage.memory.time, "time", lambda: clock["now"])
    make_user("desk@example.org", "admin")
    client = app.test_client()
    for _ in range(5):
        assert sign_in(client, "desk@example.org", "wrong wrong").status_code == 422
    assert sign_in(client, "desk@example.org", "wrong wrong").status_code == 429
    clock["now"] += 16 * 60  # the first wait is over (refused tries count too: six so far)
    for _ in range(4):
        assert sign_in(client, "desk@example.org", "wrong wrong").status_code == 422
    assert sign_in(client, "desk@example.org", "wrong wrong").status_code == 429  # ten in the hour
    clock["now"] += 16 * 60
    assert sign_in(client, "desk@example.org").status_code == 429  # now it is the hour that counts
    clock["now"] += 60 * 60
    assert sign_in(client, "desk@example.org").status_code == 303


def test_a_burst_of_parallel_guesses_gets_no_more_than_five_tries(tmp_path, redis_server):
    """Counted in Redis, as deployed (its INCR is atomic; the in-memory store of development is
    not strictly so under contention). Ten guesses, because every attempt also counts towards the
    10-an-hour limit: with more, a guess among the first five of the quarter hour could come after
    the tenth in the hour's count and be refused too (never more than five tries, sometimes fewer)."""
    import threading

    import redis

    redis.Redis.from_url(redis_server).flushdb()
    app = build_app(
        f"sqlite:///{tmp_path / 'burst.sqlite3'}",
        tmp_path,
        RATELIMIT_STORAGE_URI=redis_server,
        # Production gives up on Redis after half a second and counts in process memory; on a busy
        # test machine that fallback would split the count, so this test waits for Redis.
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 5, "socket_timeout": 5},
    )
    make_staff_user(app, "desk@example.org", "admin")
    clients = [app.test_client() for _ in range(10)]
    tokens = [csrf_token_from(c.get("/admin/login").get_data(as_text=True)) for c in clients]
    start, statuses = threading.Barrier(len(clients)), []

    def guess(client, token):
        start.wait()
        form = {"csrf_token": token, "email": "desk@example.org", "password": "parallel guess"}
        statuses.append(client.post("/admin/login", data=form).status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    dispose(app)
    assert sorted(statuses) == [422] * 5 + [429] * 5  # each attempt counted before its password check


# --- signing out ------------------------------------------------------------------------------


def test_logout_ends_the_session(client, make_user):
    make_user("desk@example.org", "admin")
    assert sign_in(client, "desk@example.org").status_code == 303
    response = log_out(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/login"
    assert "You are signed out." in client.get("/admin/login").get_data(as_text=True)
    assert "_user_id" not in session_of(client)
    assert not is_signed_in(client)


def test_logout_signs_out_every_other_session_of_the_same_user(app, make_user):
    make_user("desk@example.org", "admin")
    laptop, phone = app.test_client(), app.test_client()
    assert sign_in(laptop, "desk@example.org").status_code == 303
    assert sign_in(phone, "desk@example.org").status_code == 303
    assert is_signed_in(phone)
    assert log_out(laptop).status_code == 303
    assert not is_signed_in(phone)
    assert phone.get("/admin/", headers=HTMX).headers["HX-Redirect"] == "/admin/login"


def test_logout_does_not_touch_other_users_sessions(app, make_user):
    make_user("desk@example.org", "admin")
    make_user("other@example.org", "admin")
    desk, other = app.test_client(), app.test_client()
    assert sign_in(desk, "desk@example.org").status_code == 303
    assert sign_in(other, "other@example.org").status_code == 303
    log_out(desk)
    assert is_signed_in(other)


def test_logout_without_a_csrf_token_is_refused_and_keeps_the_session(admin_client):
    response = admin_client.post("/admin/logout")
    assert response.status_code == 400
    assert is_signed_in(admin_client)


def test_logout_by_get_is_not_allowed(admin_client):
    assert admin_client.get("/admin/logout").status_code == 405
    assert is_signed_in(admin_client)


# --- passwords --------------------------------------------------------------------------------


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, make_user):
    make_user("desk@example.org", "admin")
    here, elsewhere = app.test_client(), app.test_client()
    assert sign_in(here, "desk@example.org").status_code == 303
    assert sign_in(elsewhere, "desk@example.org").status_code == 303
    response = change_password(here)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"
    page = here.get("/admin/")
    assert page.status_code == 200
    assert "Your password is changed. Other devices are signed out." in page.get_data(as_text=True)
    assert not is_signed_in(elsewhere)
    assert user_row(app, "desk@example.org").session_version == 2


def test_after_a_password_change_the_new_password_works_and_the_old_does_not(app, client, make_user):
    make_user("desk@example.org", "admin")
    assert sign_in(client, "desk@example.org").status_code == 303
    assert change_password(client).status_code == 303
    old = sign_in(app.test_client(), "desk@example.org", PASSWORD)
    assert old.status_code == 422 and WRONG_CREDENTIALS in old.get_data(as_text=True)
    assert sign_in(app.test_client(), "desk@example.org", NEW_PASSWORD).status_code == 303


@pytest.mark.parametrize(
    "current,new,confirm,message",
    [
        ("not my password", NEW_PASSWORD, None, "Your current password is not correct."),
        (PASSWORD, "too short", None, "Please use at least 12 characters."),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", "The two new passwords differ."),
        (PASSWORD, "password1234", None, "That password is too easy to guess (This is a very common password)"),
        (PASSWORD, " " * 12, None, "Please choose a new password."),
        (PASSWORD, "qwertyuiop12", None, "That password is too easy to guess"),
        (PASSWORD, "Admin@Example.org", None, "Please do not use your email address as your password."),
        (PASSWORD, PASSWORD, None, "Please choose a password different from your current one."),
    ],
    ids=["wrong-current", "short", "mismatch", "common", "spaces", "keyboard-run", "own-email", "unchanged"],
)
def test_a_refused_password_change_explains_why_and_changes_nothing(app, admin_client, current, new, confirm, message):
    before = user_row(app, "admin@example.org")
    response = change_password(admin_client, current, new, confirm)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    after = user_row(app, "admin@example.org")
    assert (after.password_hash, after.session_version) == (before.password_hash, before.session_version)
    assert is_signed_in(admin_client)


def test_a_password_change_without_a_csrf_token_is_refused(app, admin_client):
    before = user_row(app, "admin@example.org").password_hash
    response = admin_client.post(
        "/admin/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert user_row(app, "admin@example.org").password_hash == before


def test_passwords_are_stored_as_scrypt_hashes_never_in_clear(real_password_hashing, app, admin_client):
    stored = user_row(app, "admin@example.org").password_hash
    assert stored.startswith("scrypt:")
    assert PASSWORD not in stored
    assert change_password(admin_client).status_code == 303
    changed = user_row(app, "admin@example.org").password_hash
    assert changed.startswith("scrypt:") and changed != stored
    assert NEW_PASSWORD not in changed


# --- caching ----------------------------------------------------------------------------------


def test_admin_pages_are_never_cached(make_appointment, admin_client):
    from datetime import datetime, timedelta

    appointment_id = make_appointment(datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2))
    for path in [p.replace("/appointments/1", f"/appointments/{appointment_id}") for p in ADMIN_PAGES]:
        response = admin_client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        if path in ("/admin/", f"/admin/appointments/{appointment_id}", "/admin/bookings.csv", "/admin/password"):
            assert response.status_code == 200, path  # (the other pages are being written elsewhere)
    assert admin_client.get("/admin/", headers=HTMX).headers["Cache-Control"] == "no-store"
    assert admin_client.get("/admin/appointments/999").headers["Cache-Control"] == "no-store"


def test_the_login_page_and_the_signed_out_redirect_are_never_cached(shared_app):
    client = shared_app.test_client()
    assert client.get("/admin/login").headers["Cache-Control"] == "no-store"
    assert client.get("/admin/").headers["Cache-Control"] == "no-store"


# --- automatic sign-out ---------------------------------------------------------------------------

IDLE_MESSAGE = "you were signed out after 30 minutes without activity"


def flashed_on_login_page(client, response) -> str:
    assert response.status_code in (302, 303)
    assert urlsplit(response.headers["Location"]).path == "/admin/login"
    return html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))


def test_a_session_left_alone_for_30_minutes_ends_and_says_why(frozen_clock, client, make_user):
    make_user("desk@example.org", "staff", ["fairfax"])
    start = frozen_clock["now"]
    assert sign_in(client, "desk@example.org").status_code == 303
    frozen_clock["now"] = start + timedelta(minutes=29)
    assert client.get("/admin/").status_code == 200  # still there, and the idle time restarts
    frozen_clock["now"] = start + timedelta(minutes=58)
    assert client.get("/admin/").status_code == 200
    frozen_clock["now"] = start + timedelta(minutes=88)
    response = client.get("/admin/calendar?view=week")
    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == ["/admin/calendar?view=week"]
    assert IDLE_MESSAGE in flashed_on_login_page(client, response)
    assert not is_signed_in(client)  # signed out for good, not just for that request


def test_pages_within_half_a_minute_do_not_send_the_session_cookie_again(frozen_clock, client, make_user):
    """The idle time is recorded at most every 30 seconds: most pages send no cookie back."""
    make_user("desk@example.org", "staff", ["fairfax"])
    start = frozen_clock["now"]
    assert sign_in(client, "desk@example.org").status_code == 303
    client.get("/admin/")  # (the first page's forms add their token to the session)
    frozen_clock["now"] = start + timedelta(seconds=10)
    assert "Set-Cookie" not in client.get("/admin/").headers
    frozen_clock["now"] = start + timedelta(seconds=31)
    assert "Set-Cookie" in client.get("/admin/").headers  # the idle time restarts from here
    frozen_clock["now"] = start + timedelta(seconds=31, minutes=29, microseconds=1)
    assert client.get("/admin/").status_code == 200


def test_a_session_ends_12_hours_after_sign_in_however_busy(frozen_clock, client, make_user):
    make_user("desk@example.org", "staff", ["fairfax"])
    start = frozen_clock["now"]
    assert sign_in(client, "desk@example.org").status_code == 303
    for minutes in range(20, 12 * 60, 20):  # a request every 20 minutes all day
        frozen_clock["now"] = start + timedelta(minutes=minutes)
        assert client.get("/admin/").status_code == 200, minutes
    frozen_clock["now"] = start + timedelta(hours=12)
    page = flashed_on_login_page(client, client.get("/admin/"))
    assert "Your session reached its 12-hour limit" in page
    assert sign_in(client, "desk@example.org").status_code == 303  # signing in again starts afresh
    assert is_signed_in(client)


def test_an_htmx_request_after_the_idle_limit_sends_the_whole_page_to_sign_in(frozen_clock, client, make_user):
    make_user("desk@example.org", "staff", ["fairfax"])
    start = frozen_clock["now"]
    assert sign_in(client, "desk@example.org").status_code == 303
    frozen_clock["now"] = start + timedelta(minutes=31)
    response = client.get("/admin/?q=x", headers=HTMX)
    assert response.headers["HX-Redirect"] == "/admin/login"
    assert IDLE_MESSAGE in html.unescape(client.get("/admin/login").get_data(as_text=True))


def test_the_limits_are_settings(frozen_clock, app, client, make_user):
    app.config.update(ADMIN_IDLE_MINUTES=5, ADMIN_SESSION_HOURS=1)
    make_user("desk@example.org", "staff", ["fairfax"])
    start = frozen_clock["now"]
    assert sign_in(client, "desk@example.org").status_code == 303
    frozen_clock["now"] = start + timedelta(minutes=6)
    assert "after 5 minutes without activity" in flashed_on_login_page(client, client.get("/admin/"))


def test_wrong_current_passwords_on_the_change_page_are_limited(app, admin_client):
    for _ in range(5):
        assert change_password(admin_client, "not my password", NEW_PASSWORD).status_code == 422
    response = change_password(admin_client, PASSWORD, NEW_PASSWORD)  # even the right one waits now
    assert response.status_code == 429
    assert "Too many wrong current passwords" in html.unescape(response.get_data(as_text=True))
    assert 'name="new_password"' in response.get_data(as_text=True)  # still the password page
    assert is_signed_in(admin_client)


@pytest.mark.parametrize("case", ["unknown", "wrong", "disabled"])
def test_every_refused_sign_in_costs_one_password_hash_check(app, client, make_user, monkeypatch, case):
    """So an unknown email, a wrong password and a disabled account answer in the same time."""
    import clinic_app.models.staff as staff_model

    user_id = make_user("desk@example.org", "staff", ["fairfax"])
    if case == "disabled":
        with app.app_context():
            db.session.get(StaffUser, user_id).active = False
            db.session.commit()
    checks = []
    real_check = staff_model.check_password_hash
    monkeypatch.setattr(staff_model, "check_password_hash", lambda *a: checks.append(1) or real_check(*a))
    email = "nobody@example.org" if case == "unknown" else "desk@example.org"
    password = "not the password" if case == "wrong" else PASSWORD
    response = sign_in(client, email, password)
    assert response.status_code == 422 and WRONG_CREDENTIALS in response.get_data(as_text=True)
    assert len(checks) == 1


@pytest.mark.parametrize("role, home", [("staff", "/admin/today"), ("admin", "/admin/")])
def test_staff_start_on_the_today_board_and_admins_on_the_bookings(app, make_user, role, home):
    make_user("someone@example.org", role, ["fairfax"])
    response = sign_in(app.test_client(), "someone@example.org")
    assert response.status_code == 303 and response.headers["Location"] == home
