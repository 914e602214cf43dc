"""Signing in (password, then a code from an authenticator app) and out. Sessions are tied to a
per-user version, so logout ends them all."""

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import generate_password_hash
from wtforms import SelectChoice

from ... import clock
from ...attempts import client_address
from ...database import requested_page, writing
from ...extensions import db, limiter, login_manager
from ...formatting import local_time
from ...htmx import hx_redirect, is_htmx, render
from ...models import StaffUser
from ...security import private_page
from .. import bp
from . import accounts, audit_log, second_factor
from .access import BY_SIGN_IN_PAGE, audit, home_zone
from .attempts import SIGN_IN
from .forms import AuditFilterForm, CodeForm, LoginForm, PasswordForm
from .sessions import IDLE, TOO_LONG, seen, session_end, start_session
from .signed_in import signed_in_user

# Wrong codes and wrong current passwords only are counted (a success answers 303); sign-in
# attempts are counted in attempts.py.
FAILED_LOGIN_LIMIT = "5 per 15 minutes"
PUBLIC_ENDPOINTS = {"admin.login", "admin.second_step", "admin.password_link"}
PENDING = "pending_sign_in"
SECOND_STEP_SECONDS = 5 * 60
DUMMY_USER = StaffUser(password_hash=generate_password_hash("not a real password", method="scrypt"))

login_manager.login_view = "admin.login"
login_manager.login_message = "Please sign in to see this page."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str, kept: bool = True):
    """The signed-in user, if the session still carries their current session version (the
    account as this process keeps it, or, not ``kept``, as the database has it now)."""
    try:
        raw_id, version = user_id.split(":")
        user_id = int(raw_id)
    except (ValueError, TypeError):
        return None
    user = signed_in_user(db.session, user_id) if kept else db.session.get(StaffUser, user_id)
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


SESSION_TIMEOUTS = {IDLE: "idle", TOO_LONG: "absolute"}
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
        user = current_user._get_current_object()
        audit(db.session, user, "session.ended", account=user.email, timeout=SESSION_TIMEOUTS[ended])
        db.session.commit()
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


def _failed(response):
    return response.status_code != 303


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password; the session is renewed on success. Attempts are counted
    per account and address (see attempts.py)."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.bookings"), 303)
    form = LoginForm()
    if form.validate_on_submit():
        if not SIGN_IN.allowed(form.email.data, client_address()):
            return too_many_sign_ins()
        user = db.session.scalars(select(StaffUser).filter_by(email=form.email.data.lower())).one_or_none()
        # Always one hash check, so an unknown email, a wrong password and a disabled account
        # take the same time to answer and cannot be told apart.
        matches = (user or DUMMY_USER).check_password(form.password.data)
        if user is not None and user.active and matches:
            # Half signed in: nothing of the back office opens until the second step.
            SIGN_IN.forget(form.email.data, client_address())
            session.clear()  # a fresh session: nothing from before sign-in carries over
            session[PENDING] = {
                "user": user.get_id(),
                "at": clock.now().timestamp(),
                "next": safe_admin_next(request.args.get("next")),
            }
            return redirect(url_for("admin.second_step"), 303)
        record_failed_sign_in(user)
        form.password.errors.append("That email and password do not match an account.")
    return render_template("admin/auth/login.html", form=form), 422 if form.errors else 200


def record_failed_sign_in(user):
    """A refused password step in the audit log, committed now (nothing else is): the account
    only when it exists (never what was typed otherwise), and the client's address."""
    if user is None:
        account, why = "unknown account", "unknown account"
    else:
        account, why = user.email, "account disabled" if not user.active else "wrong password"
    audit(db.session, None, "sign_in.failed", by=BY_SIGN_IN_PAGE, account=account, why=why, address=client_address())
    db.session.commit()


def record_wrong_code(user):
    """A wrong code at the second step (the password was right), committed now."""
    audit(db.session, user, "sign_in.wrong_code", account=user.email, address=client_address())
    db.session.commit()


def pending_user():
    """The user who gave the right password in the last few minutes, or None."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int | float):
        return None
    if clock.now().timestamp() - pending["at"] > SECOND_STEP_SECONDS:
        return None
    return load_user(str(pending.get("user")), kept=False)  # (the code step reads the account afresh)


def _pending_key():
    pending = session.get(PENDING)
    return "second-step:" + str(pending.get("user") if isinstance(pending, dict) else request.remote_addr)


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(FAILED_LOGIN_LIMIT, methods=["POST"], key_func=_pending_key, deduct_when=_failed)
def second_step():
    """After the password: the code from the authenticator app (or a recovery code); on first
    sign-in, adding the key to the app first. Only then is the user signed in."""
    user = pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash("Please sign in again: the code step waits five minutes at most.", "info")
        return redirect(url_for("admin.login"), 303)
    form, now = CodeForm(), clock.now()
    if not user.has_second_factor:
        writing(db.session)  # the page (a GET too) gives the user their new key
        second_factor.start_enrolment(user)
        db.session.commit()
        if form.validate_on_submit():
            codes = second_factor.confirm_enrolment(db.session, user, form.code.data, now)
            if codes:
                next_url = finish_sign_in(user, "authenticator app (first code)")
                return render_template("admin/auth/recovery_codes.html", codes=codes, next_url=next_url)
            record_wrong_code(user)
            form.code.errors.append("That code is not right. Check the time on your phone and try the newest code.")
        issuer = current_app.config["CLINIC_NAME"]
        context = {"key": second_factor.key_for_typing(user), "qr_code": second_factor.qr_code_svg(user, issuer)}
        return render_template("admin/auth/enrol.html", form=form, **context), 422 if form.errors else 200
    if form.validate_on_submit():
        code = form.code.data
        if second_factor.accept_code(db.session, user, code, now):
            return redirect(finish_sign_in(user, "authenticator app"), 303)
        if second_factor.use_recovery_code(user, code, now):
            return redirect(finish_sign_in(user, "recovery code"), 303)
        record_wrong_code(user)
        form.code.errors.append("That code is not right. Try the newest code in your app, or a recovery code.")
    return render_template("admin/auth/code.html", form=form), 422 if form.errors else 200


def finish_sign_in(user, second_step: str) -> str:
    """Sign the user in (a fresh session, stamped for its time limits), recorded in the audit
    log with how the second step was passed; where to go next."""
    # Front-desk staff start their day on the Today board; admins on the bookings list.
    next_url = session[PENDING]["next"] or url_for("admin.bookings" if user.is_admin else "admin.today")
    session.clear()
    user.last_login_at = clock.now()
    audit(db.session, user, "signed_in", account=user.email, second_step=second_step, address=client_address())
    db.session.commit()
    login_user(user)
    start_session(session, clock.now())
    return next_url


@bp.errorhandler(429)
def too_many_attempts(_error):
    """Too many failed sign-ins (or wrong current passwords): say so plainly and keep the page."""
    if request.endpoint == "admin.second_step":
        form = CodeForm()
        form.code.errors = ["Too many wrong codes. Please wait 15 minutes, then sign in again."]
        return render_template("admin/auth/code.html", form=form), 429
    if request.endpoint == "admin.change_password":
        form = PasswordForm()
        form.current_password.errors = [
            "Too many wrong current passwords. Please wait 15 minutes and try again, or ask an admin for help."
        ]
        return render_template("admin/auth/password.html", form=form), 429
    return too_many_sign_ins()


def too_many_sign_ins():
    """The sign-in page, saying why it waits (for this account from this address only)."""
    form = LoginForm()
    form.password.errors = [
        "Too many failed sign-ins for this account from here. Please wait 15 minutes and try again "
        "(longer after more failures), or ask an admin to reset your password."
    ]
    return render_template("admin/auth/login.html", form=form), 429


def safe_admin_next(target):
    """Only a back-office path is a valid place to return to after sign-in (None: the home page)."""
    if (
        target
        and target.startswith("/admin/")
        and "\\" not in target
        and not any(ord(char) < 0x20 or ord(char) == 0x7F for char in target)
    ):
        return target
    return None


@bp.post("/logout")
@login_required
def logout():
    """Sign out here and on every other device."""
    current_user.session_version += 1
    audit(db.session, current_user._get_current_object(), "signed_out", account=current_user.email)
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
                accounts.change_password(user, form.new_password.data, by=user)
            except accounts.AccountRefused as refused:
                form.new_password.errors.append(str(refused))
            else:
                db.session.commit()
                login_user(user)  # this session continues under the new version
                flash("Your password is changed. Other devices are signed out.", "info")
                return redirect(url_for("admin.bookings"), 303)
    return render_template("admin/auth/password.html", form=form), 422 if form.errors else 200


def audit_filters(form) -> audit_log.AuditFilters:
    """The filters from the query string: a value not among the choices, or an unreadable date,
    is ignored, never an error."""
    form.validate()
    actions = audit_log.logged_actions(db.session)
    accounts_ = audit_log.staff_accounts(db.session)
    form.action.choices = [SelectChoice("", "Every action")] + [SelectChoice(a, a) for a in actions]
    form.user.choices = [SelectChoice("", "Everyone")] + [SelectChoice(str(u.id), u.email) for u in accounts_]
    action = form.action.data if form.action.data in actions else ""
    user = form.user.data if form.user.data in {str(u.id) for u in accounts_} else ""
    form.action.data, form.user.data = action, user
    return audit_log.AuditFilters(
        action=action,
        user_id=int(user) if user else None,
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None,
        page=requested_page(),
    )


@bp.get("/audit", endpoint="audit")
def audit_log_page():
    """The audit log, admins only (staff get 404, like anything they may not see): newest first,
    filtered by action, staff account and dates (days in the admin's home zone)."""
    if not current_user.is_admin:
        abort(404)
    form = AuditFilterForm(request.args)
    filters = audit_filters(form)
    zone = home_zone(db.session, current_user)
    page = audit_log.audit_page(db.session, filters, zone)
    rows = [
        {
            "when": local_time(entry.created_at, zone),
            "who": audit_log.who(entry),
            "action": entry.action,
            "appointment_id": entry.appointment_id,
            "details": audit_log.shown_details(entry),
        }
        for entry in page.items
    ]
    return render(
        "admin/auth/audit.html",
        "admin/auth/_audit_table.html",
        form=form,
        filters=filters,
        page=page,
        rows=rows,
        zone_name=zone.key,
    )
