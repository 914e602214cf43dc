"""Back-office accounts, managed by admins: invite (a one-time link to set the password, by
email), change the name, role and offices, turn off and on, reset the second step, send a new
password link. Plain functions over a session; each records its change in the audit log (who,
what, before and after) and the caller commits.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ...models import Office, StaffUser
from ...models.staff import Role
from ...notify.messages import one_line, render_pair
from ...notify.outbox import Email
from ..auth.access import audit
from ..auth.accounts import AccountRefused, change_password, find_account, other_working_admins


class AccountInvalid(Exception):
    """The form's answers cannot make this account: ``problems`` by field name, for the form."""

    def __init__(self, problems: dict):
        super().__init__(", ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class AccountRequest:
    """What the invite and edit forms send."""

    email: str
    name: str
    role: str
    office_ids: tuple


def link_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def accounts(session) -> list[StaffUser]:
    """Every account: active ones first, then admins first, then by name or email."""
    users = session.scalars(select(StaffUser)).all()
    return sorted(users, key=lambda u: (not u.active, u.role != Role.ADMIN, (u.name or u.email).lower(), u.id))


def account_snapshot(user: StaffUser) -> dict:
    """What the audit log keeps of an account's settings, before and after a change."""
    return {"name": user.name, "role": user.role, "offices": [office.name for office in user.offices]}


def _offices(session, request: AccountRequest) -> tuple[list[Office], dict]:
    problems = {}
    if request.role not in Role.ALL:
        problems["role"] = "Please choose admin or front desk."
    chosen = list(session.scalars(select(Office).where(Office.id.in_(request.office_ids)).order_by(Office.name)))
    if len(chosen) != len(set(request.office_ids)):
        problems["offices"] = "Please choose offices from the list."
    elif request.role == Role.STAFF and not chosen:
        problems["offices"] = "Front-desk staff need at least one office: choose the offices they work at."
    return chosen, problems


def issue_password_link(user: StaffUser, now: datetime, hours: int) -> str:
    """A new one-time link token for ``user`` (any earlier link stops working); the token, which
    only the email holds (the database keeps its hash)."""
    token = secrets.token_urlsafe(32)
    user.password_link_hash = link_hash(token)
    user.password_link_expires_at = now + timedelta(hours=hours)
    return token


def invite(session, by: StaffUser, request: AccountRequest) -> StaffUser:
    """A new account, which cannot sign in until its owner sets a password with a link (see
    ``issue_password_link``).

    :raise AccountInvalid: with ``problems`` by field name.
    """
    offices, problems = _offices(session, request)
    if find_account(session, request.email):
        problems["email"] = "That email address already has an account."
    if problems:
        raise AccountInvalid(problems)
    user = StaffUser(
        email=request.email.lower(),
        name=request.name,
        role=request.role,
        offices=offices if request.role == Role.STAFF else [],
    )
    user.set_password(secrets.token_urlsafe(32))  # nobody knows it: the link sets the real one
    session.add(user)
    session.flush()
    audit(session, by, "account.invited", account=user.email, after=account_snapshot(user))
    return user


def update_account(session, by: StaffUser, user: StaffUser, request: AccountRequest) -> bool:
    """Change the name, role and offices; whether anything changed. The last active admin stays
    an admin; an admin's offices are all of them (none are stored)."""
    offices, problems = _offices(session, request)
    if user.is_admin and user.active and request.role != Role.ADMIN and not other_working_admins(session, user):
        problems["role"] = f"{user.email} is the last active admin; make another admin first."
    if problems:
        raise AccountInvalid(problems)
    before = account_snapshot(user)
    user.name, user.role = request.name, request.role
    user.offices = offices if request.role == Role.STAFF else []
    after = account_snapshot(user)
    if before == after:
        return False
    audit(session, by, "account.changed", account=user.email, before=before, after=after)
    return True


def user_for_link(session, token: str, now: datetime) -> StaffUser | None:
    """The active account whose unexpired password link this is; None for any other token (a
    turned-off account's link does nothing)."""
    if not token or len(token) > 100:
        return None
    user = session.scalars(select(StaffUser).filter_by(password_link_hash=link_hash(token))).first()
    if user is None or not user.active or user.password_link_expires_at is None or user.password_link_expires_at <= now:
        return None
    return user


def set_password_with_link(session, user: StaffUser, token: str, password: str) -> None:
    """Set the password chosen on the link's page (the password rules apply); the link then
    stops working (taken in one conditional update, so two submissions cannot both use it) and
    every session of the account ends."""
    taken = session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id, StaffUser.password_link_hash == link_hash(token))
        .values(password_link_hash=None, password_link_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise AccountRefused("This link was just used. Please sign in, or ask an admin for a new link.")
    change_password(user, password, by=user, action="password.set_with_link")
    user.password_link_hash = user.password_link_expires_at = None


def link_state(user: StaffUser, now: datetime) -> str:
    """ "", "sent" (a link is waiting to be used) or "expired"."""
    if user.password_link_expires_at is None:
        return ""
    return "sent" if user.password_link_expires_at > now else "expired"


def password_link_email(user: StaffUser, *, link: str, expires: str, by: StaffUser, invited: bool) -> Email:
    """To the account's owner: the one-time link to set their password (no other secret in it)."""
    text, html = render_pair("password_link_staff", user=user, link=link, expires=expires, by=by.label, invited=invited)
    subject = "Your account for the back office" if invited else "A link to set your back-office password"
    return Email(
        kind="account.password_link",
        topic=f"account:{user.id}",
        recipients=(user.email,),
        subject=one_line(subject),
        text=text,
        html=html,
    )
