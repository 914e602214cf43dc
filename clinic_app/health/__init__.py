"""Health for load balancers and monitoring: the database, Redis and the email outbox, each named.

Only a database that cannot be reached makes the instance unhealthy (503): without it nothing
works. Redis down (rate limits fall back to this process's memory) or email piling up in the
outbox still answer 200, as ``degraded`` with the detail, so the load balancer keeps the instance
while monitoring tells someone.
"""

from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from .. import clock
from ..extensions import db, limiter
from ..models import OutboxMessage, OutboxStatus

bp = Blueprint("health", __name__)

WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)


def database_ok() -> bool:
    """True when a real round-trip to the database succeeds."""
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
        return True
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("Health check: database unreachable (%s)", type(error).__name__)
        return False


def redis_state() -> str:
    """``ok`` or ``error`` for the shared rate-limit store; ``not used`` when limits live in memory."""
    if current_app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return "not used"
    try:
        return "ok" if limiter.storage.check() else "error"
    except Exception:  # noqa: BLE001  (any failure to answer is "error"; the page must not fail)
        return "error"


@dataclass(frozen=True)
class OutboxHealth:
    """How the email outbox is doing: what waits, for how long, what gave up."""

    waiting: int
    oldest_waiting_seconds: int | None
    failed: int
    stuck_after_seconds: int

    @property
    def stuck(self) -> bool:
        """True when an email has waited longer than anyone should (no worker, or no mail server)."""
        return self.oldest_waiting_seconds is not None and self.oldest_waiting_seconds > self.stuck_after_seconds

    def as_json(self):
        return {
            "waiting": self.waiting,
            "oldest_waiting_seconds": self.oldest_waiting_seconds,
            "failed": self.failed,
            "stuck": self.stuck,
        }


def outbox_health(session, now, stuck_after_seconds: int) -> OutboxHealth:
    """Count waiting and failed emails and the age of the oldest waiting one, in one query."""
    waiting, oldest, failed = session.execute(
        select(
            func.count().filter(OutboxMessage.status.in_(WAITING)),
            func.min(OutboxMessage.created_at).filter(OutboxMessage.status.in_(WAITING)),
            func.count().filter(OutboxMessage.status == OutboxStatus.FAILED),
        )
    ).one()
    if oldest is not None and oldest.tzinfo is None:  # SQLite's MIN() returns a naive UTC value
        oldest = oldest.replace(tzinfo=now.tzinfo)
    age = None if oldest is None else max(int((now - oldest).total_seconds()), 0)
    return OutboxHealth(waiting, age, failed, stuck_after_seconds)


@bp.get("/healthz")
def healthz():
    """200 ``ok`` or ``degraded`` (Redis or the outbox) with details; 503 when the database is down."""
    if not database_ok():
        return jsonify(status="error", db="error", redis=redis_state()), 503
    redis = redis_state()
    try:
        outbox = outbox_health(db.session, clock.now(), current_app.config["OUTBOX_STUCK_AFTER_SECONDS"])
        outbox_ok, outbox_detail = not outbox.stuck, outbox.as_json()
    except SQLAlchemyError as error:  # e.g. a database not migrated yet
        current_app.logger.warning("Health check: outbox unreadable (%s)", type(error).__name__)
        outbox_ok, outbox_detail = False, "error"
    db.session.rollback()
    healthy = redis != "error" and outbox_ok
    return jsonify(status="ok" if healthy else "degraded", db="ok", redis=redis, outbox=outbox_detail)
