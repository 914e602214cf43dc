"""SQLite in development: a page view reads beside a writer instead of queueing for the write
lock, while forms and page views that write still take it first (and a page view that writes
without saying so fails under test)."""

import sqlite3
import time
from datetime import timedelta

import psycopg
import pytest
from flask import request
from sqlalchemy import select, text

from clinic_app.extensions import db
from clinic_app.models import AuditEntry
from tests.booking.racing import NOW
from tests.conftest import build_app, dispose


@pytest.fixture
def app(tmp_path):
    # A writer holding the lock makes a waiting transaction fail after 200 ms instead of 5 s.
    app = build_app(f"sqlite:///{tmp_path / 'clinic.sqlite3'}", tmp_path, SQLITE_BUSY_TIMEOUT_MS=200)
    yield app
    dispose(app)


@pytest.fixture
def write_lock(app):
    """Another connection (a booking being confirmed, the outbox worker) holding the write lock."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    other.execute("ROLLBACK")
    other.close()


def test_page_views_read_while_another_connection_writes(app, clinic, admin_client, write_lock):
    client = app.test_client()
    assert client.get("/book/").status_code == 200
    assert client.get("/locations/fairfax").status_code == 200
    assert admin_client.get("/admin/").status_code == 200


def test_a_page_view_that_writes_takes_the_lock_and_records_its_audit_entry(
    app, clinic, admin_client, make_appointment
):
    appointment_id = make_appointment(NOW + timedelta(days=1))
    assert admin_client.get(f"/admin/appointments/{appointment_id}").status_code == 200
    with app.app_context():
        viewed = db.session.scalars(select(AuditEntry).filter_by(action="appointment.viewed")).all()
    assert [entry.appointment_id for entry in viewed] == [appointment_id]


@pytest.mark.parametrize("testing", [True, False], ids=["under test", "as deployed"])
def test_a_page_view_that_writes_without_saying_so_is_refused(app, clinic, testing):
    """Found by the suite, and never a silent half-write in production either."""

    @app.get("/test-sneaky-write")
    def sneaky_write():
        db.session.add(AuditEntry(action="sneaky", changes={}))
        db.session.commit()
        return "written"

    app.config["TESTING"] = testing
    response = app.test_client().get("/test-sneaky-write")
    assert response.status_code == 500
    with app.app_context():
        assert db.session.scalars(select(AuditEntry).filter_by(action="sneaky")).all() == []


@pytest.mark.postgres
def test_on_postgresql_page_views_read_without_a_transaction_and_writes_get_one(postgres_url_with_schema, tmp_path):
    """A page view's reads need no BEGIN and ROLLBACK round trips (autocommit: each statement sees
    the latest commits, as in READ COMMITTED); a form, and a page view after ``writing()``, write
    in a transaction."""
    from clinic_app.database import writing

    app = build_app(postgres_url_with_schema, tmp_path, has_schema=True)

    def in_transaction():
        """Whether two statements share a transaction: the second then started after it began."""
        db.session.execute(text("SELECT pg_sleep(0.01)"))
        return db.session.execute(text("SELECT now() < statement_timestamp()")).scalar()

    @app.route("/test-transaction", methods=["GET", "POST"])
    def transaction_kind():
        before = in_transaction()
        if request.args.get("write"):
            writing(db.session)
        after = in_transaction()
        return {"reading": not before, "after_writing": after, "connections": db.engine.pool.checkedout()}

    try:
        client = app.test_client()
        assert client.get("/test-transaction").json == {"reading": True, "after_writing": False, "connections": 1}
        # writing() ends the reading connection's use: one connection, now in a transaction
        assert client.get("/test-transaction?write=1").json == {
            "reading": True,
            "after_writing": True,
            "connections": 1,
        }
        with app.test_request_context(method="POST"):
            assert in_transaction()
    finally:
        dispose(app)


@pytest.mark.postgres
def test_on_postgresql_a_connection_lost_while_idle_is_replaced_before_a_page_uses_it(
    postgres_url_with_schema, postgres_server, tmp_path
):
    """A database restart (or a firewall dropping idle connections) costs no patient an error: a
    pooled connection idle longer than DATABASE_PING_AFTER_IDLE_SECONDS is tested first and
    replaced if dead; one used moments ago is not tested (no extra round trip per page)."""
    app = build_app(postgres_url_with_schema, tmp_path, has_schema=True, DATABASE_PING_AFTER_IDLE_SECONDS=0.3)
    pings = []
    real_ping = None

    @app.route("/test-backend")
    def backend():
        return {"pid": db.session.execute(text("SELECT pg_backend_pid()")).scalar()}

    try:
        with app.app_context():
            dialect = db.engine.dialect
        real_ping = dialect.do_ping

        def db_ping(connection):
            pings.append(1)
            return real_ping(connection)

        dialect.do_ping = db_ping
        client = app.test_client()
        first = client.get("/test-backend").json["pid"]
        assert client.get("/test-backend").json["pid"] == first
        assert len(pings) == 1  # the new connection's first use only

        with psycopg.connect(postgres_server, autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", (first,)).fetchone()[0]
        time.sleep(0.4)
        response = client.get("/test-backend")
        assert response.status_code == 200
        assert response.json["pid"] != first
    finally:
        if real_ping is not None:
            dialect.do_ping = real_ping
        dispose(app)


@pytest.mark.postgres
def test_on_postgresql_statements_are_planned_for_the_values_at_hand(postgres_url_with_schema, tmp_path):
    """psycopg prepares a statement run five times, and PostgreSQL may then reuse one plan made
    for any values: for the bookings list's "from today" that plan counted every appointment
    ever made. The app's connections ask for plans made for each statement's values."""
    url = f"{postgres_url_with_schema}?options=-c%20statement_timeout%3D12345"  # the URL's own settings stay
    app = build_app(url, tmp_path, has_schema=True)
    try:
        with app.app_context():
            assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
            assert db.session.execute(text("SHOW statement_timeout")).scalar() == "12345ms"
    finally:
        dispose(app)
