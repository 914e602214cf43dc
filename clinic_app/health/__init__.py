"""Liveness and database health for load balancers and monitoring."""

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db

bp = Blueprint("health", __name__)


def database_ok() -> bool:
    """True when a real round-trip to the database succeeds."""
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
        return True
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("Health check: database unreachable (%s)", type(error).__name__)
        return False


@bp.get("/healthz")
def healthz():
    """200 with ``db: ok`` after a database round-trip, 503 with ``db: error`` otherwise."""
    if database_ok():
        return jsonify(status="ok", db="ok")
    return jsonify(status="error", db="error"), 503
