"""Users, for admins: the list, inviting someone, changing an account, and the one-time page a
new (or locked-out) user opens from their email to set a password."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ... import clock
from ...database import found_or_404
from ...extensions import db
from ...formatting import local_time
from ...models import Office, StaffUser
from ...notify.outbox import enqueue
from .. import bp
from ..auth.access import audit, home_zone
from ..auth.accounts import AccountRefused, disable_account, enable_account
from ..auth.forms import ActionForm
from ..auth.second_factor import reset_second_factor
from .forms import AccountForm, InviteForm, LinkPasswordForm
from .users import (
    AccountInvalid,
    AccountRequest,
    accounts,
    invite,
    issue_password_link,
    link_state,
    password_link_email,
    set_password_with_link,
    update_account,
    user_for_link,
)


def admins_only() -> None:
    """Settings pages answer 404 to anyone but an admin (as for a page that does not exist)."""
    if not current_user.is_admin:
        abort(404)


def with_offices(form):
    offices = list(db.session.scalars(select(Office).order_by(Office.name)))
    form.offices.choices = [SelectChoice(office.id, office.name) for office in offices]
    return form


def account_request(form, email) -> AccountRequest:
    return AccountRequest(
        email=email, name=form.name.data, role=form.role.data, office_ids=tuple(form.offices.data or ())
    )


def show_problems(form, problems: dict) -> None:
    for name, message in problems.items():
        form[name].errors = [*form[name].errors, message]


def when(moment) -> str:
    """A moment in the admin's own offices' time: Mon Dec 7, 2026 10:00 AM."""
    return local_time(moment, home_zone(db.session, current_user)) if moment else ""


def send_password_link(user: StaffUser, *, invited: bool) -> str:
    """Queue the email with a new one-time link (in this transaction); when the link stops working."""
    now = clock.now()
    token = issue_password_link(user, now, current_app.config["STAFF_PASSWORD_LINK_HOURS"])
    link = current_app.config["PUBLIC_BASE_URL"] + url_for("admin.password_link", token=token)
    expires = when(user.password_link_expires_at)
    enqueue(
        db.session,
        password_link_email(user, link=link, expires=expires, by=current_user, invited=invited),
    )
    return expires


LINK_STATES = {"sent": "Active; a password link is waiting to be used", "expired": "Active; the password link expired"}


def account_status(user: StaffUser, now) -> str:
    if not user.active:
        return "Turned off"
    return LINK_STATES.get(link_state(user, now), "Active")


def user_rows(users) -> list[dict]:
    now = clock.now()
    return [
        {
            "user": user,
            "offices": "All offices" if user.is_admin else ", ".join(o.name for o in user.offices) or "None",
            "status": account_status(user, now),
            "second_step": "Set up" if user.has_second_factor else "Not yet",
            "last_sign_in": when(user.last_login_at) or "Never",
        }
        for user in users
    ]


@bp.get("/users")
def users():
    """Every back-office account, with what it may do and when it last signed in."""
    admins_only()
    return render_template("admin/practice/users.html", rows=user_rows(accounts(db.session)))


@bp.route("/users/new", methods=["GET", "POST"])
def invite_user():
    """Invite someone: their account, and an email with a link to set their password."""
    admins_only()
    form = with_offices(InviteForm())
    if form.validate_on_submit():
        try:
            user = invite(db.session, current_user, account_request(form, form.email.data))
        except AccountInvalid as invalid:
            show_problems(form, invalid.problems)
        else:
            expires = send_password_link(user, invited=True)
            db.session.commit()
            flash(f"Invited {user.email}: the link in their email works once, until {expires}.", "info")
            return redirect(url_for("admin.user", user_id=user.id), 303)
    return render_template("admin/practice/invite.html", form=form), 422 if form.errors else 200


def _account(user_id: int) -> StaffUser:
    """The account as the database has it now (one's own may be held as this process keeps it,
    up to a second behind another server's change to it)."""
    account = found_or_404(db.session.get(StaffUser, user_id))
    db.session.refresh(account)
    return account


@bp.route("/users/<int(max=2147483647):user_id>", methods=["GET", "POST"])
def user(user_id):
    """One account: its name, role and offices, and what can be done to it."""
    admins_only()
    account = _account(user_id)
    form = with_offices(AccountForm(obj=account if request.method == "GET" else None))
    if request.method == "GET":
        form.offices.data = [office.id for office in account.offices]
    elif form.validate_on_submit():
        try:
            changed = update_account(db.session, current_user, account, account_request(form, account.email))
        except AccountInvalid as invalid:
            show_problems(form, invalid.problems)
        else:
            db.session.commit()
            flash(f"Saved {account.label}." if changed else "Nothing changed.", "info")
            if not current_user.is_admin:  # they made themselves front desk: no users page now
                return redirect(url_for("admin.today"), 303)
            return redirect(url_for("admin.user", user_id=account.id), 303)
    (row,) = user_rows([account])
    status = 422 if form.errors else 200
    return render_template("admin/practice/user.html", account=account, row=row, form=form, action=ActionForm()), status


ACTIONS = {
    "disable": (disable_account, "Turned off {email}: they are signed out and cannot sign in."),
    "enable": (enable_account, "Turned on {email}: they can sign in again."),
    "reset-second-step": (
        reset_second_factor,
        "Reset the second step of {email}: they are signed out and set up their authenticator app again "
        "at the next sign-in.",
    ),
}


@bp.post("/users/<int(max=2147483647):user_id>/<any(disable, enable, 'reset-second-step'):action>")
def user_action(user_id, action):
    """Turn an account off or on, or reset its second step (a lost phone)."""
    admins_only()
    account = _account(user_id)
    if action == "disable" and account.id == current_user.id:
        flash("You cannot turn off your own account; ask another admin.", "error")
    elif ActionForm().validate_on_submit():
        change, done = ACTIONS[action]
        try:
            change(db.session, account, by=current_user)
        except AccountRefused as refused:
            flash(str(refused), "error")
        else:
            db.session.commit()
            flash(done.format(email=account.email), "info")
    return redirect(url_for("admin.user", user_id=user_id), 303)


@bp.post("/users/<int(max=2147483647):user_id>/password-link")
def send_user_password_link(user_id):
    """Email a new one-time link to set a password (a forgotten password); any earlier link stops."""
    admins_only()
    account = _account(user_id)
    if not account.active:
        flash("Turn the account on first.", "error")
    elif ActionForm().validate_on_submit():
        invited = account.last_login_at is None
        expires = send_password_link(account, invited=invited)
        audit(db.session, current_user, "account.password_link_sent", account=account.email)
        db.session.commit()
        flash(f"Sent {account.email} a link to set a password; it works once, until {expires}.", "info")
    return redirect(url_for("admin.user", user_id=user_id), 303)


@bp.route("/welcome/<token>", methods=["GET", "POST"], endpoint="password_link")
def password_link(token):
    """The page an emailed link opens: choose a password, then sign in (no sign-in needed here;
    the link is the proof, once, until it expires)."""
    account = user_for_link(db.session, token, clock.now())
    if account is None:
        return render_template("admin/practice/link_expired.html"), 404
    form = LinkPasswordForm()
    if form.validate_on_submit():
        try:
            set_password_with_link(db.session, account, token, form.new_password.data)
        except AccountRefused as refused:
            db.session.rollback()
            form.new_password.errors.append(str(refused))
        else:
            db.session.commit()
            flash("Your password is set. Please sign in.", "info")
            return redirect(url_for("admin.login"), 303)
    return render_template("admin/practice/set_password.html", form=form, account=account), 422 if form.errors else 200
