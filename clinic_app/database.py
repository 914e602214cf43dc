"""Engine set-up that SQLAlchemy leaves to us: SQLite pragmas for safe concurrent use."""

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Turn on foreign keys, WAL and a busy timeout on every new SQLite connection.

    WAL lets readers continue while one writer works; the busy timeout makes a second writer
    wait its turn instead of failing at once with "database is locked". The driver's own
    transaction handling is switched off so that ``BEGIN`` is emitted by SQLAlchemy, which lets a
    booking transaction start with ``BEGIN IMMEDIATE`` (SQLAlchemy's documented recipe).
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
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())
