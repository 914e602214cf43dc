"""What SQLAlchemy leaves to us: SQLite pragmas for safe concurrent use, paged lists, and 404s."""

import math
import time
import weakref

from flask import abort, g, has_app_context, has_request_context, request
from flask_sqlalchemy.pagination import SelectPagination
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, exc, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session


def found_or_404(row):
    """``row``, or a plain 404 when a look-up found nothing (or nothing this user may see)."""
    if row is None:
        abort(404)
    return row


def requested_page() -> int:
    """The page a paged list's ``?page=`` asks for: 1 when absent, unreadable or below 1."""
    try:
        return max(int(request.args.get("page", 1)), 1)
    except ValueError:
        return 1


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def ping_after_idle(engine: Engine, seconds: float) -> None:
    """Test a pooled connection before use when it sat idle more than ``seconds``: a database
    restart or a dropped idle connection then costs no request an error. SQLAlchemy's
    ``pool_pre_ping`` tests before every use, a round trip that doubled the cost of a page that
    reads once; a connection used moments ago is alive but for a restart in those moments.
    A failed test makes the pool replace the connection (SQLAlchemy's documented ``checkout``
    event recipe); a file (SQLite) has no connection to lose."""
    if engine.dialect.name == "sqlite":
        return

    @event.listens_for(engine, "checkout")
    def _test_if_idle(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("returned_at", -math.inf) <= seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.DisconnectionError() from error
            raise

    @event.listens_for(engine, "checkin")
    def _note_return(_dbapi_connection, record):
        record.info["returned_at"] = time.monotonic()


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Turn on foreign keys, WAL and a busy timeout; let page views read side by side, and begin
    every transaction that may write IMMEDIATE.

    A SQLite transaction that reads first and writes later fails at once with "database is
    locked" when another connection wrote in between (the busy timeout does not help there).
    Taking the write lock when the transaction begins makes concurrent writers wait their turn
    (up to the busy timeout) instead, so concurrent confirmations, outbox senders and draft saves
    never fail. A page view (GET, HEAD) writes nothing, so its transaction begins DEFERRED and
    reads beside the others in WAL mode, never queueing behind a writer; a page view that does
    write (an audit entry, say) calls ``writing()`` first, and a write without it is refused
    (``_refuse_unannounced_writes``). Commands and the outbox worker outside a request
    always begin IMMEDIATE. The driver's own transaction handling is switched off so that
    SQLAlchemy emits the ``BEGIN`` (SQLAlchemy's documented recipe). Production uses PostgreSQL.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        reading = has_request_context() and request.method in SAFE_METHODS and not g.get("database_writes")
        connection.info["reads_only"] = reading
        connection.exec_driver_sql("BEGIN DEFERRED" if reading else "BEGIN IMMEDIATE")


def _reading_request() -> bool:
    """A page view (GET, HEAD) that has not said it will write."""
    return has_request_context() and request.method in SAFE_METHODS and not g.get("database_writes")


class ClinicSession(FlaskSession):
    """``db.session``: on PostgreSQL a page view reads in autocommit mode (no BEGIN, no ROLLBACK
    round trip; each statement sees the latest commits, exactly as READ COMMITTED statements in a
    transaction would); a form, a command, the worker and a page view after ``writing()`` get
    transactions. (SQLite's page views begin DEFERRED instead: ``configure_sqlite``.)"""

    def get_bind(self, *args, **kwargs):
        engine = super().get_bind(*args, **kwargs)
        if engine.dialect.name == "postgresql" and _reading_request():
            return _autocommit(engine)
        return engine


_autocommit_engines: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # {engine: its autocommit view}


def _autocommit(engine):
    reading = _autocommit_engines.get(engine)
    if reading is None:
        reading = _autocommit_engines[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return reading


def _reads_only(connection) -> bool:
    """Whether ``connection`` serves a page view's reads (SQLite DEFERRED, PostgreSQL autocommit)."""
    return (
        bool(connection.info.get("reads_only"))
        or connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    )


def writing(session) -> None:
    """Say, before changing anything, that this page view is about to write: on SQLite the
    transaction it began for reading ends (nothing is written yet) and the next one begins
    IMMEDIATE, holding the write lock. Nothing to do in a form's POST, a command or on PostgreSQL."""
    if not has_request_context() or g.get("database_writes"):
        return
    session = session() if isinstance(session, scoped_session) else session
    reading = session.in_transaction() and _reads_only(session.connection())  # (before the flag)
    g.database_writes = True
    if reading:
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("database.writing() must come before the first change")
        session.commit()


@event.listens_for(Session, "before_flush")
def _refuse_unannounced_flush(session, _context, _instances):
    if session.new or session.dirty or session.deleted:
        _refuse_unannounced_writes(session)


@event.listens_for(Session, "do_orm_execute")
def _refuse_unannounced_dml(state):
    if state.is_insert or state.is_update or state.is_delete:
        _refuse_unannounced_writes(state.session)


def _refuse_unannounced_writes(session) -> None:
    """A write in a SQLite transaction begun for reading may fail with "database is locked" under
    load, and on PostgreSQL a page view's writes would each commit alone (and raise no cache
    version): such a write is refused every time, in every environment, so that the view is found
    (the suite covers every page view that writes) and calls ``writing()``."""
    if not session.in_transaction() or not has_app_context():
        return
    if _reads_only(session.connection()):
        raise RuntimeError(f"{request.method} {request.path} writes to SQLite without database.writing()")


PROVIDER_TIME_LOCK = 1001  # the first key of PostgreSQL advisory locks on a clinician's time


def lock_provider_time(session, provider_ids) -> None:
    """Hold, until the transaction ends, the lock on these clinicians' time: a booking or a move
    and a new block of that time then happen one after the other, each seeing the other's result.
    On PostgreSQL an advisory lock per clinician (in id order, so two holders never deadlock); on
    SQLite every transaction already holds the one write lock from its start."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for provider_id in sorted(set(provider_ids)):
        session.execute(
            text("SELECT pg_advisory_xact_lock(:kind, :id)"), {"kind": PROVIDER_TIME_LOCK, "id": provider_id}
        )


def paginate(session, query, page: int, per_page: int) -> SelectPagination:
    """One page of ``query`` as Flask-SQLAlchemy's pagination (``items``, ``total``, ``page``,
    ``pages``); a page number past the last shows the last page, never an error."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    last = max(1, math.ceil(total / per_page))
    result = SelectPagination(
        select=query,
        session=session,
        page=min(max(page, 1), last),
        per_page=per_page,
        max_per_page=None,
        error_out=False,
        count=False,
    )
    result.total = total
    return result
