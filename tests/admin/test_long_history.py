"""Years of history in the bookings list: every page of it (first, deep, last) is read in order
from an index, never sorted or counted whole, on SQLite and PostgreSQL."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from clinic_app.extensions import db
from tests.booking.racing import NOW
from tests.conftest import add_appointment, set_clock


@pytest.fixture
def app(each_database_app):
    return each_database_app


@pytest.fixture(autouse=True)
def monday(monkeypatch):
    set_clock(monkeypatch, NOW)


@contextmanager
def sent(app):
    """The statements ``app`` sends meanwhile, with their parameters."""
    seen = []
    with app.app_context():
        engine = db.engine

    def note(conn, cursor, statement, parameters, *args):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def effort(statement, parameters) -> int:
    """How much work the database does for a statement, in a measure that does not depend on the
    machine's speed: PostgreSQL's rows read (kept or filtered out, from EXPLAIN ANALYZE), SQLite's
    virtual-machine steps in thousands (counted by a progress handler). Call in an app context."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).scalar()
        nodes, total = [plan[0]["Plan"]], 0
        while nodes:
            node = nodes.pop()
            total += (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
            nodes.extend(node.get("Plans", []))
        return total
    raw = connection.connection.dbapi_connection
    steps = []
    raw.set_progress_handler(lambda: steps.append(1) and 0, 1000)
    try:
        connection.exec_driver_sql(statement, parameters).all()
    finally:
        raw.set_progress_handler(None, 1000)
    return len(steps)


def provider_id(app, slug) -> int:
    from sqlalchemy import select

    from clinic_app.models import Provider

    with app.app_context():
        return db.session.scalars(select(Provider.id).filter_by(slug=slug)).one()


def history(app, count):
    """``count`` past visits, half an hour apart going back from yesterday (a bulk insert)."""
    from sqlalchemy import insert, select

    from clinic_app.models import Appointment

    table = Appointment.__table__
    with app.app_context():
        add_appointment(db.session, NOW - timedelta(days=1), status="completed")
        db.session.commit()
        template = dict(db.session.execute(select(table)).mappings().one())
        del template["id"]
        rows = []
        for number in range(1, count):
            earlier = timedelta(days=1, minutes=30 * number)
            rows.append(
                {
                    **template,
                    "reference": f"H{number:07d}",
                    "manage_token_hash": f"{number:064d}",
                    "booking_key": f"{number:064d}",
                    "starts_at": NOW - earlier,
                    "ends_at": template["ends_at"] - earlier + timedelta(days=1),
                }
            )
        db.session.execute(insert(table), rows)
        db.session.commit()


def test_any_page_of_years_of_history_is_read_in_order_from_an_index(app, clinic, tmp_path):
    """The bookings list is paged by time then id, never by offset or a sort of every match: the
    first, a deep and the last page of 4,000 past visits, and one clinician's, are each read from
    an index in order, from the page's place on (SQLite as it plans them without statistics,
    PostgreSQL with autovacuum's, here ANALYZE), in the same few statements."""
    from sqlalchemy import text

    from tests.conftest import build_app, dispose, make_staff_user, sign_in

    history(app, 4000)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    fresh = build_app(url, tmp_path / "fresh", has_schema=True)  # a new process: its first connection
    try:
        with fresh.app_context():
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE appointment"))
                db.session.commit()
        make_staff_user(fresh, "plans@example.org", role="admin")
        client = fresh.test_client()
        sign_in(client, "plans@example.org")
        fresh.config["RENDERED_PAGE_CACHE"] = False
        paths = [
            "/admin/?date_from=2000-01-01",
            f"/admin/?date_from=2000-01-01&after={int((NOW - timedelta(days=40)).timestamp() * 1e6)}_0&page=40",
            "/admin/?date_from=2000-01-01&before=4102444800000000_0&page=161",
            f"/admin/?date_from=2000-01-01&provider={provider_id(fresh, 'amira-haddad')}",  # one clinician's
        ]
        plans, counts, efforts = [], [], []
        for path in paths:
            client.get(path)
            with sent(fresh) as seen:
                page = client.get(path)
            assert page.status_code == 200 and "More than 1,000 bookings" in page.get_data(as_text=True)
            counts.append(len(seen))
            with fresh.app_context():
                explain = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
                for statement, parameters in seen:
                    if "FROM appointment" in statement and "ORDER BY" in statement:
                        rows = db.session.connection().exec_driver_sql(explain + statement, parameters)
                        plans.append("\n".join(str(row[-1]) for row in rows))
                    if "FROM appointment" in statement and "count(*)" not in statement:
                        efforts.append(effort(statement, parameters))
        assert len(plans) == 6  # each page's rows; for the deep and last pages, is there one beyond?
        for plan in plans:
            assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan
            assert "ix_appointment_starts_id" in plan or "ix_appointment_provider_starts" in plan, plan
        # Each reads about a page's worth, however deep: never the history up to it (a page of 25
        # rows with their clinician and kind of visit is ~160 rows read on PostgreSQL, ~2,000
        # steps on SQLite; walking to the 40th day back would be ~1,900 rows, ~21,000 steps).
        assert max(efforts) <= (200 if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else 5), efforts
        assert counts[1] == counts[2] <= counts[0] + 1  # a deep page: one more, to know a page lies before
    finally:
        dispose(fresh)
