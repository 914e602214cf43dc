"""Counting sign-in attempts, so that guessing a password is slow and nobody can lock anyone else
out: the limits are per account *and* address (one person's typos at the front desk, or a
stranger trying a colleague's email, touch nobody else), with waits that grow (15 minutes after 5
failures, an hour after 10, a day after 20), plus a ceiling per address against trying many
accounts. The second factor stands behind all of this: a guessed password alone opens nothing."""

import logging

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from ...extensions import limiter

logger = logging.getLogger(__name__)

PER_ACCOUNT_AND_ADDRESS = parse_many("5 per 15 minutes; 10 per hour; 20 per day")
PER_ADDRESS = parse_many("100 per hour")
_this_process = FixedWindowRateLimiter(MemoryStorage())  # when the shared store cannot be reached


def _checks(email: str, address: str):
    pair = ("sign-in", email.strip().lower(), address)
    return [(item, pair) for item in PER_ACCOUNT_AND_ADDRESS] + [
        (item, ("sign-in-from", address)) for item in PER_ADDRESS
    ]


def _counted(strategy, checks) -> bool:
    return all([strategy.hit(item, *identifiers) for item, identifiers in checks])  # every one counted


def attempt_allowed(email: str, address: str) -> bool:
    """Count one attempt, before the password is checked (each counter is one atomic increment, so
    a burst of parallel guesses is counted one by one); False once a limit is used up."""
    checks = _checks(email, address)
    try:
        return _counted(limiter.limiter, checks)
    except Exception:  # the shared store (Redis) is down: count in this process rather than fail
        logger.warning("Sign-in attempts counted in this process: the rate-limit store cannot be reached")
        return _counted(_this_process, checks)


def forget_attempts(email: str, address: str) -> None:
    """A right password: this person's failed attempts from this address no longer count."""
    for strategy in (limiter.limiter, _this_process):
        try:
            for item, identifiers in _checks(email, address)[: len(PER_ACCOUNT_AND_ADDRESS)]:
                strategy.clear(item, *identifiers)
        except Exception:
            logger.warning("Could not clear sign-in attempts: the rate-limit store cannot be reached")
