"""The second factor: a six-digit code from an authenticator app (TOTP, RFC 6238) or, when the
phone is lost, one of ten one-time recovery codes. Plain functions over a ``StaffUser``; the
caller commits."""

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from sqlalchemy import or_, update

from ...models import RecoveryCode, StaffUser
from .access import audit

STEP_SECONDS = 30  # a code lasts 30 seconds, as every authenticator app expects
ACCEPTED_STEPS = (-1, 0, 1)  # the code before and after too: a phone's clock may be a little off
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def start_enrolment(user: StaffUser) -> None:
    """Give a user without a confirmed second factor a new key to add to their app."""
    if not user.has_second_factor and not user.totp_secret:
        user.totp_secret = pyotp.random_base32()


def key_for_typing(user: StaffUser) -> str:
    """The key in groups of four, for apps where it is typed rather than scanned."""
    return " ".join(user.totp_secret[i : i + 4] for i in range(0, len(user.totp_secret), 4))


def qr_code_svg(user: StaffUser, issuer: str) -> str:
    """An inline SVG QR code of the key (made here: the key never leaves the site)."""
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=issuer)
    return segno.make(uri, error="m").svg_inline(scale=5, title="QR code of your sign-in key")


def _digits(code: str) -> str:
    return "".join(char for char in code if not char.isspace())


def accept_code(session, user: StaffUser, code: str, now: datetime) -> bool:
    """Whether ``code`` is the app's code for now (or the step either side) and newer than the
    last one accepted; an accepted code can never be used again, even sent twice at once to two
    servers: the database takes it only if no code as new was taken before (one conditional
    update, whatever this process knew of the account)."""
    code = _digits(code)
    if not user.totp_secret or len(code) != 6 or not code.isdigit():
        return False
    totp, current = pyotp.TOTP(user.totp_secret), int(now.timestamp()) // STEP_SECONDS
    for step in (current + offset for offset in ACCEPTED_STEPS):
        if hmac.compare_digest(totp.generate_otp(step), code):
            newer = or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step)
            taken = session.execute(
                update(StaffUser).where(StaffUser.id == user.id, newer).values(totp_last_step=step)
            ).rowcount
            return taken == 1
    return False


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").lower().encode()).hexdigest()


def new_recovery_codes(user: StaffUser) -> list[str]:
    """Ten fresh recovery codes (the old ones stop working), to be shown once: only hashes are kept.
    Each has 50 random bits, so a plain SHA-256 is enough to keep them."""
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)]
    user.recovery_codes = [RecoveryCode(code_hash=_hash(code)) for code in codes]
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def use_recovery_code(user: StaffUser, code: str, now: datetime) -> bool:
    """Whether ``code`` is one of the user's unused recovery codes; it is used up if so."""
    wanted = _hash(_digits(code))
    for recovery in user.recovery_codes:
        if recovery.used_at is None and hmac.compare_digest(recovery.code_hash, wanted):
            recovery.used_at = now
            return True
    return False


def unused_recovery_codes(user: StaffUser) -> int:
    return sum(1 for recovery in user.recovery_codes if recovery.used_at is None)


def confirm_enrolment(session, user: StaffUser, code: str, now: datetime) -> list[str] | None:
    """The first code from the app confirms the key: the second factor is on. Returns the
    recovery codes to show once, or None when the code is wrong."""
    if user.has_second_factor or not accept_code(session, user, code, now):
        return None
    user.totp_confirmed_at = now
    audit(session, user, "second_factor.enrolled", account=user.email)
    return new_recovery_codes(user)


def reset_second_factor(session, user: StaffUser, by: StaffUser | None = None) -> None:
    """Forget the key and the recovery codes (a lost phone): the next sign-in enrols again. Every
    session of the user ends."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    user.recovery_codes = []
    user.session_version += 1
    audit(session, by, "second_factor.reset", account=user.email)
