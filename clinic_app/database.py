"""What SQLAlchemy leaves to us: SQLite pragmas for safe concurrent use, paged lists, and 404s."""

import math
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import abort, g, has_app_context, has_request_context, request
from flask_sqlalchemy.pagination import SelectPagination
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, exc, func, literal, select, text, tuple_
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
        reading = _reading_request()
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


COUNT_UP_TO = 1000  # a keyset-paged list counts its rows up to this many ("more than 1,000")


@dataclass
class KeysetPage:
    """One page of a list paged by its sort key, not by offset: page 4,000 of a long history
    costs what page 1 costs. ``total`` is exact up to ``COUNT_UP_TO`` (``more_than`` beyond);
    ``page`` is the number the links counted, for showing only; ``previous_args`` and ``next_args`` are the
    URL arguments of the pages either side (None at either end)."""

    items: list
    total: int
    more_than: bool
    page: int
    per_page: int
    previous_args: dict | None
    next_args: dict | None

    @property
    def pages(self) -> int | None:
        return None if self.more_than else max(1, math.ceil(self.total / self.per_page))


def keyset_page(
    session, query, key, *, beside_cursor=None, after=None, before=None, number=1, per_page: int
) -> KeysetPage:
    """One page of ``query`` (ordered by the columns ``key``, ascending, the last one unique):
    the first page, the one after the row whose key is ``after``, or the one before ``before``
    (cursors made by ``cursor``). A cursor whose neighbours are gone shows the first page.
    ``beside_cursor``: the same query written for use beside a cursor's condition, if it must
    differ (the bookings list's, on SQLite)."""
    counted = session.scalar(select(func.count()).select_from(query.order_by(None).limit(COUNT_UP_TO + 1).subquery()))
    backwards = before is not None and after is None
    cursor_values = before if backwards else after
    base = beside_cursor if cursor_values is not None and beside_cursor is not None else query
    rows_query = base.order_by(None)
    if cursor_values is not None:
        mark = _place(cursor_values, key)
        rows_query = rows_query.where(tuple_(*key) < mark if backwards else tuple_(*key) > mark)
    ordered = [column.desc() for column in key] if backwards else list(key)
    items = list(session.scalars(rows_query.order_by(*ordered).limit(per_page + 1)))
    more = len(items) > per_page
    items = items[:per_page]
    if backwards:
        items.reverse()
    if cursor_values is not None and not items:
        return keyset_page(session, query, key, beside_cursor=beside_cursor, per_page=per_page)
    if cursor_values is None:
        has_previous, has_next = False, more
    elif backwards:
        has_previous, has_next = more, _any_beyond(session, base, key, items[-1], after=True)
    else:
        has_previous, has_next = _any_beyond(session, base, key, items[0], after=False), more
    number = max(number, 2) if has_previous else 1
    if counted <= COUNT_UP_TO:  # a label from an old link never reads "page 7 of 2"
        last = max(1, math.ceil(counted / per_page))
        number = last if not has_next else min(number, last - 1)
    return KeysetPage(
        items=items,
        total=min(counted, COUNT_UP_TO),
        more_than=counted > COUNT_UP_TO,
        page=number,
        per_page=per_page,
        previous_args=_previous_args(has_previous, number, items, key),
        next_args={"after": cursor(items[-1], key), "page": number + 1} if has_next else None,
    )


def _previous_args(has_previous: bool, number: int, items, key) -> dict | None:
    return {"before": cursor(items[0], key), "page": number - 1} if has_previous else None


def cursor(row, key) -> str:
    """A row's place in a keyset-paged list, for a URL: its key's values joined by "_" (a moment
    as microseconds since 1970)."""
    return "_".join(
        str((value - EPOCH) // timedelta(microseconds=1)) if isinstance(value, datetime) else str(value)
        for value in (getattr(row, column.key) for column in key)
    )


def read_cursor(text: str | None, kinds: tuple) -> tuple | None:
    """The key values a ``cursor`` holds (``kinds``: ``datetime`` or ``int`` each), or None for
    a missing or unreadable one (the list then shows its first page)."""
    parts = (text or "").split("_")
    if len(parts) != len(kinds):
        return None
    try:
        numbers = [int(part) for part in parts]
        if any(abs(number) > LARGEST_INTEGER for number in numbers):
            return None
        return tuple(
            EPOCH + timedelta(microseconds=number) if kind is datetime else number
            for number, kind in zip(numbers, kinds, strict=True)
        )
    except (ValueError, OverflowError):
        return None


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LARGEST_INTEGER = 2**63 - 1  # what SQLite and PostgreSQL hold; a larger id cannot exist


def _any_beyond(session, query, key, row, *, after: bool) -> bool:
    """Whether ``query`` has a row after (or before) ``row``: the index walked from ``row`` on."""
    mark = _place([getattr(row, column.key) for column in key], key)
    beyond = tuple_(*key) > mark if after else tuple_(*key) < mark
    ordered = list(key) if after else [column.desc() for column in key]
    found = query.order_by(None).where(beyond).order_by(*ordered).with_only_columns(literal(1)).limit(1)
    return session.scalar(found) is not None


def _place(values, key):
    """A place in the list's order (``values`` of the ``key`` columns), to compare ``key`` with."""
    return tuple_(*(literal(value, column.type) for value, column in zip(values, key, strict=True)))
