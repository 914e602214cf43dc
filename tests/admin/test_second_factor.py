"""The second step of signing in: a code from an authenticator app (set up at the first sign-in),
or a one-time recovery code. A password alone opens nothing."""

import html
import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.models import AuditEntry, RecoveryCode, StaffUser
from tests.conftest import ACCESS_ACTIONS, PASSWORD, authenticator_code, csrf_token_from, forget_last_code, sign_in

EMAIL = "desk@example.org"


def password_step(client, email=EMAIL, password=PASSWORD):
    token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
    return client.post("/admin/login", data={"csrf_token": token, "email": email, "password": password})


def post_code(client, code):
    page = client.get("/admin/login/code").get_data(as_text=True)
    return client.post("/admin/login/code", data={"csrf_token": csrf_token_from(page), "code": code})


def user(app, email=EMAIL) -> StaffUser:
    with app.app_context():
        found = db.session.scalars(select(StaffUser).filter_by(email=email)).one()
        db.session.expunge(found)
        return found


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def desk(frozen, make_user, make_appointment):
    """A front-desk user with an authenticator app, and a patient's appointment to protect; the
    clock stopped (``desk["now"]`` moves it)."""
    make_user(EMAIL, "staff", ["fairfax"])
    make_appointment(frozen["now"] + timedelta(days=2, hours=2), first_name="Priya", last_name="Private")
    return frozen


def test_a_password_alone_opens_nothing(app, client, desk):
    response = password_step(client)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/login/code"
    for path in ("/admin/", "/admin/appointments/1", "/admin/bookings.csv", "/admin/calendar"):
        assert client.get(path).status_code == 302, path
    page = text_of(client.get("/admin/login/code"))
    assert 'autocomplete="one-time-code"' in page
    assert "Priya" not in page and "Private" not in page


def test_the_apps_code_completes_the_sign_in(app, client, desk):
    password_step(client)
    response = post_code(client, authenticator_code(app, EMAIL))
    # Front-desk staff start on the Today board (admins on the bookings list: test_auth.py).
    assert response.status_code == 303 and response.headers["Location"] == "/admin/today"
    assert "Priya Private" in text_of(client.get("/admin/"))


@pytest.mark.parametrize("code", ["000000", "12345", "abcdef", ""])
def test_a_wrong_code_is_refused_on_the_same_page(app, client, desk, code):
    password_step(client)
    if code == "000000" and authenticator_code(app, EMAIL) == code:
        code = "000001"
    response = post_code(client, code)
    assert response.status_code == 422
    assert ("That code is not right" if code else "Please enter the code") in text_of(response)
    assert client.get("/admin/").status_code == 302


def test_the_code_of_the_step_before_is_accepted_but_not_an_older_one(app, client, desk):
    password_step(client)
    assert post_code(client, authenticator_code(app, EMAIL, step=-2)).status_code == 422  # a minute old
    assert post_code(client, authenticator_code(app, EMAIL, step=-1)).status_code == 303  # a phone a little slow


def test_a_code_works_once(app, desk):
    first, second = app.test_client(), app.test_client()
    code = authenticator_code(app, EMAIL)
    password_step(first)
    assert post_code(first, code).status_code == 303
    password_step(second)
    assert post_code(second, code).status_code == 422  # overheard or replayed: refused
    desk["now"] += timedelta(seconds=30)
    assert post_code(second, authenticator_code(app, EMAIL)).status_code == 303  # the next code works


def test_a_code_is_taken_once_even_by_a_server_that_has_not_seen_it_used(app, desk):
    """Two servers given the same code at the same moment: each may hold the account as it was
    before either took it, and still only one takes it (the database decides)."""
    from clinic_app.admin.auth import second_factor

    code = authenticator_code(app, EMAIL)
    with app.app_context():
        first = db.session.scalars(select(StaffUser).filter_by(email=EMAIL)).one()
        assert second_factor.accept_code(db.session, first, code, desk["now"])
        db.session.commit()
        stale = user(app)  # another server's copy from before the code was taken
        stale.totp_last_step = None
        assert not second_factor.accept_code(db.session, db.session.merge(stale, load=False), code, desk["now"])


def test_the_code_step_waits_five_minutes_at_most(app, client, desk):
    password_step(client)
    token = csrf_token_from(client.get("/admin/login/code").get_data(as_text=True))
    desk["now"] += timedelta(minutes=6)
    response = client.post("/admin/login/code", data={"csrf_token": token, "code": authenticator_code(app, EMAIL)})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/login"
    assert "Please sign in again" in text_of(client.get("/admin/login"))
    assert client.get("/admin/").status_code == 302


def test_the_code_step_without_the_password_step_sends_to_sign_in(client, desk):
    assert client.get("/admin/login/code").headers["Location"] == "/admin/login"


def test_wrong_codes_are_limited(app, client, desk):
    password_step(client)
    for _ in range(5):
        assert post_code(client, "000000" if authenticator_code(app, EMAIL) != "000000" else "111111").status_code
    response = post_code(client, authenticator_code(app, EMAIL))
    assert response.status_code == 429
    assert "Too many wrong codes" in text_of(response)
    assert client.get("/admin/").status_code == 302


# --- setting up the app at the first sign-in ------------------------------------------------------


def test_the_first_sign_in_sets_up_the_app_and_shows_recovery_codes_once(app, client, frozen_clock, make_user):
    make_user(EMAIL, "staff", ["fairfax"], second_factor=False)
    assert password_step(client).headers["Location"] == "/admin/login/code"
    page = text_of(client.get("/admin/login/code"))
    secret = user(app).totp_secret
    assert "<svg" in page and "QR code of your sign-in key" in page  # made here, no image from elsewhere
    shown_key = re.search(r'<code class="reference-small" id="totp-key">([A-Z2-7 ]+)</code>', page).group(1)
    assert shown_key.replace(" ", "") == secret  # for typing into the app by hand
    assert client.get("/admin/").status_code == 302  # nothing opens before the app is confirmed
    assert post_code(client, "123456" if pyotp.TOTP(secret).now() != "123456" else "654321").status_code == 422

    response = post_code(client, authenticator_code(app, EMAIL))
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/admin/").status_code == 200  # signed in
    with app.app_context():
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and not any(code.replace("-", "") in stored for code in codes)  # hashes only
        assert db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all() == [
            "sign_in.wrong_code",
            "second_factor.enrolled",
            "signed_in",
        ]
    assert user(app).has_second_factor


def test_a_recovery_code_signs_in_once(app, client, frozen_clock, make_user):
    make_user(EMAIL, "staff", ["fairfax"], second_factor=False)
    password_step(client)
    client.get("/admin/login/code")  # the key is made when the set-up page is first shown
    codes = re.findall(
        r"<li><code>([a-z2-9-]{11})</code></li>",
        post_code(client, authenticator_code(app, EMAIL)).get_data(as_text=True),
    )
    lost_phone = app.test_client()
    password_step(lost_phone)
    assert post_code(lost_phone, f" {codes[3].upper()} ").status_code == 303  # as read aloud or typed
    again = app.test_client()
    password_step(again)
    assert post_code(again, codes[3]).status_code == 422  # used up
    with app.app_context():
        assert db.session.scalar(select(RecoveryCode.used_at).where(RecoveryCode.used_at.is_not(None))) is not None


def test_resetting_the_second_factor_ends_sessions_and_the_next_sign_in_sets_it_up_again(app, client, runner, desk):
    assert sign_in(client, EMAIL).status_code == 303
    result = runner.invoke(args=["users", "reset-second-factor", "--email", EMAIL])
    assert result.exit_code == 0 and "Second step reset for desk@example.org" in result.output
    assert client.get("/admin/").status_code == 302
    forget_last_code(app, EMAIL)
    again = app.test_client()
    password_step(again)
    assert "Set up a second step" in text_of(again.get("/admin/login/code"))
    with app.app_context():
        changes = select(AuditEntry.action).where(AuditEntry.action.not_in(ACCESS_ACTIONS))
        assert db.session.scalars(changes).all() == ["second_factor.reset"]
