"""What a process may keep between requests, and how it learns that it changed.

Busy pages are computed from data that changes far less often than it is read: the practice's
set-up (offices, clinicians, kinds of visit, hours: ``reference``), the calendar (booked and
blocked time, closures: ``calendar``), the appointments themselves (``appointments``) and the
back-office accounts (``staff``: who may sign in, with which role and offices). Each has
a version number in the ``cache_stamp`` table, raised in the same transaction as any change to
that data: SQLAlchemy's session events see every write made through the ORM, whichever process or
host makes it. A request reads the numbers in one statement, and a result kept under other
numbers is never used. So no process serves a result computed before a change that committed before its request
began, and one change costs every process one recomputation.

A write that bypasses the ORM (``psql``, a bulk load) is not seen: restart the app after one.
"""

import threading
import time

from cachetools import LRUCache
from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import CacheStamp
from .models.cache_stamp import STAMP_NAMES, first_version

APPOINTMENTS = "appointments"
CALENDAR = "calendar"
REFERENCE = "reference"
STAFF = "staff"

# The tables each version stands for.
WATCHED = {
    "appointment": APPOINTMENTS,
    "provider_time_block": CALENDAR,
    "time_block": CALENDAR,
    "closure": CALENDAR,
    "office": REFERENCE,
    "opening_hours": REFERENCE,
    "provider": REFERENCE,
    "provider_office": REFERENCE,
    "provider_visit_type": REFERENCE,
    "screening_version": REFERENCE,  # the office-update banner shows until its version is hidden
    "visit_type": REFERENCE,
    "working_hours": REFERENCE,
    "staff_user": STAFF,  # accounts: roles, offices, deactivation, signing out everywhere
    "staff_office": STAFF,
}
_TOUCHED = "cache_stamps_touched"
_RAISED = "cache_stamps_raised"


class Stamps(tuple):
    """The versions a request saw: ``(appointments, calendar, reference, staff)``, as ``STAMP_NAMES``."""

    @property
    def appointments(self) -> int:
        return self[0]

    @property
    def calendar(self) -> int:
        return self[1]

    @property
    def reference(self) -> int:
        return self[2]

    @property
    def staff(self) -> int:
        return self[3]

    @property
    def free_times(self) -> tuple[int, int]:
        """What free times follow from: the calendar and the set-up."""
        return self[1], self[2]


def versions(session) -> Stamps:
    """The current versions, read once per request (again after a transaction ends)."""
    if has_request_context() and "cache_stamps" in g:
        return g.cache_stamps
    read_at = time.monotonic()
    rows = dict(session.execute(select(CacheStamp.name, CacheStamp.version)).all())
    return _remember(Stamps(rows.get(name, 0) for name in STAMP_NAMES), read_at)


def with_versions(statement):
    """``statement`` and, if this request has not read them yet, the versions as more columns
    (one per ``STAMP_NAMES``): a request's first read fetches them in the same round trip. Returns the statement
    and how many columns were added, for ``remember_versions``. Pass a statement built once, with
    bound parameters: the extended statement is then built once too, and SQLAlchemy's compiled
    form is found without building a new statement on every request."""
    if not has_request_context() or "cache_stamps" in g:
        return statement, 0
    g.versions_asked_at = time.monotonic()
    extended = _extended.get(id(statement))
    if extended is None or extended[0] is not statement:
        columns = [select(CacheStamp.version).where(CacheStamp.name == name).scalar_subquery() for name in STAMP_NAMES]
        extended = _extended[id(statement)] = (statement, statement.add_columns(*columns))
    return extended[1], len(STAMP_NAMES)


_extended: dict[int, tuple] = {}  # id of a statement built once → (it, it with the versions)


def remember_versions(row, added: int):
    """The row of a ``with_versions`` statement without the versions, which this request keeps."""
    if row is None or not added:
        return row
    _remember(Stamps(version or 0 for version in row[-added:]), g.pop("versions_asked_at", time.monotonic()))
    return row[:-added]


def _remember(stamps: Stamps, read_at: float) -> Stamps:
    """Keep the versions just read for the rest of the request, and for ``recent_versions``."""
    if has_request_context():
        g.cache_stamps = stamps
    last = _last_read()
    with _LAST_READ_LOCK:  # a reading begun before this process's own commit is not kept after it
        if read_at > last[2]:
            last[:] = [stamps, read_at, last[2]]
    return stamps


def recent_versions(session, seconds: float) -> Stamps:
    """The versions as this process last read them, if that was less than ``seconds`` ago (and
    this process committed no change since); otherwise read now. For pages that may show another
    process's change up to ``seconds`` late: what a patient sees of the practice's set-up."""
    stamps = recently_read(seconds)
    return stamps if stamps is not None else versions(session)


def recently_read(seconds: float) -> Stamps | None:
    """The versions this request read, or this process less than ``seconds`` ago (and committed
    no change since); None when they must be read."""
    if has_request_context() and "cache_stamps" in g:
        return g.cache_stamps
    stamps, read_at, _ = _last_read()
    return stamps if stamps is not None and time.monotonic() - read_at < seconds else None


def _last_read() -> list:
    """[versions, when their reading began, when this process last committed a change to them]."""
    return current_app.extensions.setdefault("clinic_versions_read", [None, 0.0, 0.0])


_LAST_READ_LOCK = threading.Lock()


def kept(name: str, size: int) -> "Kept":
    """This app's store of results called ``name`` (created on first use)."""
    stores = current_app.extensions.setdefault("clinic_kept", {})
    store = stores.get(name)
    if store is None:
        store = stores.setdefault(name, Kept(size))
    return store


class Kept:
    """Results computed from stamped data, kept in this process (least recently used dropped
    first); the caller puts the versions it read into every key."""

    def __init__(self, size: int):
        self._items = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            return self._items.get(key)

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value


def _touch(session, table_name) -> None:
    name = WATCHED.get(table_name)
    if name:
        session.info.setdefault(_TOUCHED, set()).add(name)


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session, _context):
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(obj), "__table__", None)
        if table is not None:
            _touch(session, table.name)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state):
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None:
            _touch(session=state.session, table_name=getattr(table, "name", None))


@event.listens_for(Session, "before_commit")
def _raise_versions(session):
    """Raise the versions of what this transaction changed, as its last statement (so the row
    locks are held only while committing; always in name order, so two commits never deadlock).
    A savepoint's release raises nothing: its changes count when the whole transaction commits."""
    if session.in_nested_transaction():
        return
    session.flush()
    touched = session.info.pop(_TOUCHED, None)
    if touched:
        _raise(session, sorted(touched))
        session.info[_RAISED] = True


def _raise(session, names: list[str]) -> None:
    """Each named version one up, in one statement; a missing row (a database emptied by hand)
    is made again at a random number by the same statement (so two commits never both insert it)."""
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    statement = insert(CacheStamp).values([{"name": name, "version": first_version()} for name in names])
    statement = statement.on_conflict_do_update(
        index_elements=[CacheStamp.name], set_={"version": CacheStamp.version + 1}
    )
    session.execute(statement)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session, transaction):
    """When the whole transaction ends, committed or not: what it changed is settled, and the
    request reads the versions again (a commit may have raised them; a check after a rollback,
    like the one before a booking, must see the latest)."""
    if transaction.parent is not None:  # a savepoint: what it changed is settled with the rest
        return
    session.info.pop(_TOUCHED, None)
    if session.info.pop(_RAISED, False) and has_app_context():  # this process sees its own change
        with _LAST_READ_LOCK:  # at once (cleared once committed; a reading begun earlier is not kept)
            _last_read()[:] = [None, 0.0, time.monotonic()]
    if has_request_context():
        g.pop("cache_stamps", None)
