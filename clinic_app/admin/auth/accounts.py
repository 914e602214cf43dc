"""Staff accounts: passwords strong enough for health data, and turning an account off and on."""

from sqlalchemy import func, select
from sqlalchemy.orm import object_session
from zxcvbn import zxcvbn

from ...models import StaffUser
from ...models.staff import Role
from .access import audit

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
# zxcvbn's scale: 3 is "safely unguessable: moderate protection from offline slow-hash scenario".
MIN_PASSWORD_SCORE = 3


class AccountRefused(Exception):
    """A change to an account that is not allowed; the message says why, for the person asking."""


def password_problem(password: str, *, email: str, name: str = "", current_hash_matches=None) -> str | None:
    """Why ``password`` will not do for the account ``email`` (None when it will).

    At least 12 characters, not guessable (zxcvbn, which knows common passwords, keyboard runs,
    dates and the user's own email and name), not the email itself, and not the current password
    (``current_hash_matches(password)`` answers that, when there is one).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Please use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Please use at most {MAX_PASSWORD_LENGTH} characters."
    if password.strip().lower() == email.strip().lower():
        return "Please do not use your email address as your password."
    if current_hash_matches is not None and current_hash_matches(password):
        return "Please choose a password different from your current one."
    words = [email, email.split("@")[0], name, *name.split()]
    strength = zxcvbn(password, user_inputs=[word for word in words if word])
    if strength["score"] < MIN_PASSWORD_SCORE:
        warning = strength["feedback"]["warning"]
        because = f" ({warning.rstrip('.')})" if warning else ""
        return f"That password is too easy to guess{because}. Try four or more unrelated words together."
    return None


def change_password(user: StaffUser, password: str, by: StaffUser | None = None, action="password.changed") -> None:
    """Set a new password after checking it; every other session of the user ends. Recorded in
    the audit log as ``action`` (``by`` None: from the command line); the caller commits."""
    problem = password_problem(password, email=user.email, name=user.name, current_hash_matches=user.check_password)
    if problem:
        raise AccountRefused(problem)
    user.set_password(password)
    user.session_version += 1
    audit(object_session(user), by, action, account=user.email)


def find_account(session, email: str) -> StaffUser | None:
    return session.scalars(select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())).first()


def disable_account(session, user: StaffUser, by: StaffUser | None = None) -> None:
    """Turn an account off: it cannot sign in and its open sessions end at once. The last active
    admin cannot be turned off (nobody could manage the accounts then)."""
    if not user.active:
        return
    if user.is_admin and not other_working_admins(session, user):
        raise AccountRefused(f"{user.email} is the last active admin; make another admin first.")
    user.active = False
    user.session_version += 1
    user.password_link_hash = user.password_link_expires_at = None  # turned on again, no old link works
    audit(session, by, "account.disabled", account=user.email)


def other_working_admins(session, user: StaffUser) -> list[int]:
    """The other admins who could manage the accounts: active, with a password of their own (an
    invited admin who has not yet used their link, which may expire, does not count unless they
    signed in before). Their rows stay locked until the transaction ends, so two admins demoting
    or turning off each other at once cannot both."""
    return list(
        session.scalars(
            select(StaffUser.id)
            .where(
                StaffUser.role == Role.ADMIN,
                StaffUser.active.is_(True),
                StaffUser.password_link_hash.is_(None) | StaffUser.last_login_at.is_not(None),
                StaffUser.id != user.id,
            )
            .with_for_update()
        )
    )


def enable_account(session, user: StaffUser, by: StaffUser | None = None) -> None:
    """Turn an account back on (with the password it had)."""
    if user.active:
        return
    user.active = True
    audit(session, by, "account.enabled", account=user.email)


def all_accounts(session) -> list[StaffUser]:
    """Every account, admins first, then by email."""
    return list(session.scalars(select(StaffUser).order_by(StaffUser.role, StaffUser.email)))
