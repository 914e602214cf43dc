"""Signing in and out. Sessions are tied to a per-user version, so logout ends them all."""

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from ... import clock
from ...extensions import db, limiter, login_manager
from ...htmx import hx_redirect, is_htmx
from ...models import StaffUser
from ...security import private_page
from .. import bp
from . import accounts
from .forms import LoginForm, PasswordForm
from .sessions import IDLE, TOO_LONG, seen, session_end, start_session

# Failed sign-ins only are counted (a successful one answers 303), per address and per account.
FAILED_LOGIN_LIMIT = "5 per 15 minutes"
PUBLIC_ENDPOINTS = {"admin.login"}
DUMMY_USER = StaffUser(password_hash=generate_password_hash("not a real password", method="scrypt"))

login_manager.login_view = "admin.login"
login_manager.login_message = "Please sign in to see this page."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str):
    """The signed-in user, if the session still carries their current session version."""
    try:
        raw_id, version = user_id.split(":")
        user = db.session.get(StaffUser, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


SIGNED_OUT_BECAUSE = {
    IDLE: "For your patients' privacy you were signed out after {idle} minutes without activity. Please sign in again.",
    TOO_LONG: "Your session reached its {hours}-hour limit. Please sign in again.",
}


@bp.before_request
def require_login():
    """Every back-office page needs a signed-in user whose session has not run out; the sign-in
    page itself excepted."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if current_user.is_authenticated:
        config, now = current_app.config, clock.now()
        idle, hours = config["ADMIN_IDLE_MINUTES"], config["ADMIN_SESSION_HOURS"]
        ended = session_end(session, now, idle=timedelta(minutes=idle), longest=timedelta(hours=hours))
        if ended is None:
            seen(session, now)
            return None
        logout_user()
        session.clear()
        flash(SIGNED_OUT_BECAUSE[ended].format(idle=idle, hours=hours), "info")
        if not is_htmx():  # back to this page after signing in again
            back = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("admin.login", next=back), 303)
    if is_htmx():  # a whole-page redirect, not a login form swapped into a table
        return hx_redirect(url_for("admin.login"))
    return login_manager.unauthorized()


# Back-office pages hold patient information: no browser or proxy may keep them.
bp.after_request(private_page)


def _account_key():
    return "login:" + (request.form.get("email") or "").strip().lower()


def _failed(response):
    return response.status_code != 303


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(FAILED_LOGIN_LIMIT, methods=["POST"], deduct_when=_failed)
@limiter.limit(FAILED_LOGIN_LIMIT, methods=["POST"], key_func=_account_key, deduct_when=_failed)
def login():
    """Sign in with email and password; the session is renewed on success."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.bookings"), 303)
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalars(select(StaffUser).filter_by(email=form.email.data.lower())).one_or_none()
        # Always one hash check, so an unknown email, a wrong password and a disabled account
        # take the same time to answer and cannot be told apart.
        matches = (user or DUMMY_USER).check_password(form.password.data)
        if user is not None and user.active and matches:
            session.clear()  # a fresh session: nothing from before sign-in carries over
            user.last_login_at = clock.now()
            db.session.commit()
            login_user(user)
            start_session(session, clock.now())
            return redirect(safe_admin_next(request.args.get("next")), 303)
        form.password.errors.append("That email and password do not match an account.")
    return render_template("admin/auth/login.html", form=form), 422 if form.errors else 200


@bp.errorhandler(429)
def too_many_attempts(_error):
    """Too many failed sign-ins (or wrong current passwords): say so plainly and keep the page."""
    if request.endpoint == "admin.change_password":
        form = PasswordForm()
        form.current_password.errors = [
            "Too many wrong current passwords. Please wait 15 minutes and try again, or ask an admin for help."
        ]
        return render_template("admin/auth/password.html", form=form), 429
    form = LoginForm()
    form.password.errors = [
        "Too many failed sign-ins. Please wait 15 minutes and try again, or ask an admin to reset your password."
    ]
    return render_template("admin/auth/login.html", form=form), 429


def safe_admin_next(target):
    """Only a back-office path is a valid place to return to after sign-in."""
    if (
        target
        and target.startswith("/admin/")
        and "\\" not in target
        and not any(ord(char) < 0x20 or ord(char) == 0x7F for char in target)
    ):
        return target
    return url_for("admin.bookings")


@bp.post("/logout")
@login_required
def logout():
    """Sign out here and on every other device."""
    current_user.session_version += 1
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("admin.login"), 303)


def _user_key():
    return f"password-change:{current_user.get_id()}"


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(FAILED_LOGIN_LIMIT, methods=["POST"], key_func=_user_key, deduct_when=_failed)
def change_password():
    """Change your own password; your other sessions end. Wrong current passwords are limited
    like failed sign-ins, so a borrowed session cannot be used to guess it."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not user.check_password(form.current_password.data):
            form.current_password.errors.append("Your current password is not correct.")
        else:
            try:
                accounts.change_password(user, form.new_password.data)
            except accounts.AccountRefused as refused:
                form.new_password.errors.append(str(refused))
            else:
                db.session.commit()
                login_user(user)  # this session continues under the new version
                flash("Your password is changed. Other devices are signed out.", "info")
                return redirect(url_for("admin.bookings"), 303)
    return render_template("admin/auth/password.html", form=form), 422 if form.errors else 200
