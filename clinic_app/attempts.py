"""Counting attempts at guessing a secret (a staff password, a patient's date of birth), so that
guessing is slow and one person's mistakes do not lock out anyone else.

Each kind of attempt has limits per subject *and* address (one person's typos, or a stranger trying
someone else's account, touch nobody else), optional limits per subject from anywhere (against
guessing spread over many addresses; whoever knows the subject can use these up, so they are only
for secrets with another way in) and a ceiling per address (against trying many subjects).
Every counter is one atomic increment in the shared store (Redis in production), made *before*
the secret is checked, so a burst of parallel guesses is counted one by one; when the store
cannot be reached each process counts for itself rather than fail or let everything through.
"""

import logging

from flask import request
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from .extensions import limiter

logger = logging.getLogger(__name__)

_this_process = FixedWindowRateLimiter(MemoryStorage())  # when the shared store cannot be reached


def _shared():
    """The shared store's counter, or this process's when rate limits are off (benchmarks only:
    production refuses RATELIMIT_ENABLED=false)."""
    return limiter.limiter if limiter.enabled else _this_process


def client_address() -> str:
    """The client's address (the proxy's forwarded one, where the app trusts a proxy)."""
    return request.remote_addr or "unknown"


class AttemptLimits:
    """The limits on one kind of attempt, named ``name`` in the store."""

    def __init__(self, name: str, *, per_subject_and_address: str, per_address: str, per_subject: str = ""):
        self.name = name
        self.per_subject_and_address = parse_many(per_subject_and_address)
        self.per_subject = parse_many(per_subject) if per_subject else []
        self.per_address = parse_many(per_address)

    def _pair_checks(self, subject: str, address: str):
        pair = (self.name, subject.strip().lower(), address)
        return [(item, pair) for item in self.per_subject_and_address]

    def _checks(self, subject: str, address: str):
        return (
            self._pair_checks(subject, address)
            + [(item, (f"{self.name}-of", subject.strip().lower())) for item in self.per_subject]
            + [(item, (f"{self.name}-from", address)) for item in self.per_address]
        )

    def allowed(self, subject: str, address: str) -> bool:
        """Count one attempt, before the secret is checked; False once a limit is used up."""
        checks = self._checks(subject, address)
        try:
            return _counted(_shared(), checks)
        except Exception:  # the shared store (Redis) is down: count in this process rather than fail
            logger.warning("%s attempts counted in this process: the rate-limit store cannot be reached", self.name)
            return _counted(_this_process, checks)

    def forget(self, subject: str, address: str) -> None:
        """The right secret: this subject's failed attempts from this address no longer count
        (those from elsewhere, and the per-address ceiling, still do)."""
        for strategy in {_shared(), _this_process}:
            try:
                for item, identifiers in self._pair_checks(subject, address):
                    strategy.clear(item, *identifiers)
            except Exception:
                logger.warning("Could not clear %s attempts: the rate-limit store cannot be reached", self.name)


def _counted(strategy, checks) -> bool:
    return all([strategy.hit(item, *identifiers) for item, identifiers in checks])  # every one counted
