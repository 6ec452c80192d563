"""How the portal talks to its databases: SQLite's pragmas and transaction modes, UTC timestamps.

SQLite serialises writers. A transaction that reads and then writes must hold the write lock from its
first statement (`BEGIN IMMEDIATE`), or two gunicorn workers can both read the same row and one update
is silently lost (or fails with "database is locked" at commit). Read-only requests keep a plain
`BEGIN` so readers never queue behind a writer. `write_intent()` says which one the current unit of
work needs: requests that may write set it in `before_request`; everything outside a request (CLI,
worker) writes by default.

PostgreSQL (psycopg 3) costs a round trip per statement, and the server parses and plans each one anew unless
the connection has prepared it. psycopg prepares a statement after its fifth use on a connection, but forgets
them all at every ROLLBACK — and a read-only request ends with one, so nothing was ever prepared. A transaction
whose statements were all SELECTs is therefore ended with COMMIT instead (the same for the server: nothing to
keep), and the connection's prepared statements survive from request to request. A transaction that did
anything else (a write, a DDL statement, a failed statement) is rolled back as asked. A connection the server
closed is replaced at checkout by looking at its socket, instead of `pool_pre_ping`'s round trip.
"""

import contextlib
import contextvars
import select
import sqlite3
from datetime import UTC, datetime

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

_begins_immediate = contextvars.ContextVar("begins_immediate", default=True)
# How long a statement may wait for a lock, when shorter than the database's default (`lock_wait`).
_lock_wait_ms = contextvars.ContextVar("lock_wait_ms", default=None)

SQLITE_BUSY_TIMEOUT_MS = 10_000


def set_write_intent(will_write: bool) -> contextvars.Token:
    return _begins_immediate.set(will_write)


def reset_write_intent(token: contextvars.Token) -> None:
    _begins_immediate.reset(token)


@contextlib.contextmanager
def write_intent(will_write: bool = True):
    token = set_write_intent(will_write)
    try:
        yield
    finally:
        reset_write_intent(token)


@contextlib.contextmanager
def lock_wait(seconds: float):
    """Transactions begun inside wait at most `seconds` for a lock (SQLite's busy timeout, PostgreSQL's
    lock_timeout), then fail: for the outbox worker, which must hear SIGTERM within seconds, and tries again."""
    token = _lock_wait_ms.set(max(int(seconds * 1000), 1))
    try:
        yield
    finally:
        _lock_wait_ms.reset(token)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Take over BEGIN from the driver so that we choose DEFERRED or IMMEDIATE ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection):
    if connection.dialect.name != "sqlite":
        return
    # The busy timeout belongs to the connection: set before BEGIN (which may wait), put back for the next user.
    wait = _lock_wait_ms.get() or SQLITE_BUSY_TIMEOUT_MS
    if connection.connection.info.get("busy_timeout_ms", SQLITE_BUSY_TIMEOUT_MS) != wait:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={wait}")
        connection.connection.info["busy_timeout_ms"] = wait
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _begins_immediate.get() else "BEGIN")


# PostgreSQL --------------------------------------------------------------------------------------------

_ONLY_READ = "portal.only_read"  # in Connection.info: every statement of the open transaction was a SELECT


@event.listens_for(Engine, "begin")
def _begin_reading(connection):
    connection.info[_ONLY_READ] = True
    wait = _lock_wait_ms.get()
    if wait is not None and connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {wait}")


@event.listens_for(Engine, "after_cursor_execute")
def _note_writes(connection, cursor, statement, parameters, context, executemany):
    # The server's own word on what the statement was ("SELECT 20", "INSERT 0 1", "DROP TRIGGER"…).
    if connection.dialect.name == "postgresql" and not (cursor.statusmessage or "").startswith("SELECT"):
        connection.info[_ONLY_READ] = False


@event.listens_for(Engine, "rollback")
def _end_reads_with_commit(connection):
    """Before SQLAlchemy rolls back a transaction that only read, commit it: psycopg's ROLLBACK would drop the
    connection's prepared statements; its rollback() then has nothing left to do."""
    if connection.dialect.name != "postgresql" or not connection.info.get(_ONLY_READ) or connection.invalidated:
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection.info.transaction_status == TransactionStatus.INTRANS:
        with contextlib.suppress(psycopg.Error):  # then the rollback that follows deals with the connection
            dbapi_connection.commit()


@event.listens_for(Pool, "checkout")
def _replace_closed_postgresql(dbapi_connection, connection_record, connection_proxy):
    """An idle connection has nothing to read unless the server hung up (restart, terminated backend, idle
    timeout of a proxy): then the pool opens a new one instead, and the request never sees the dead one."""
    if not isinstance(dbapi_connection, psycopg.Connection):
        return
    if dbapi_connection.closed or dbapi_connection.broken or _has_input(dbapi_connection.fileno()):
        raise DisconnectionError("the database server closed the connection")


def _has_input(fileno: int) -> bool:
    poller = select.poll()
    poller.register(fileno, select.POLLIN)
    return bool(poller.poll(0))


def one_of(column: str, values) -> str:
    """The SQL of a check constraint: `column IN ('a', 'b')`, from an enum or any iterable of strings."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC on every database, returned as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous: give a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


_clock = contextvars.ContextVar("clock", default=None)


@contextlib.contextmanager
def clock_at(moment: datetime):
    """Inside, `utcnow()` answers `moment` (aware): seed-demo tells a past through the ordinary operations, so each
    record, its audit event and its notifications carry the date the story gives them."""
    token = _clock.set(moment)
    try:
        yield
    finally:
        _clock.reset(token)


def utcnow() -> datetime:
    moment = _clock.get()
    return moment if moment is not None else datetime.now(UTC)
