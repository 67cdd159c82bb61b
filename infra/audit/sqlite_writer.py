"""The SQLite sealing recorder's writer connection: opened like eventsourcing's pool opens
its connections, but keeping the write path's statements prepared; and its driver errors
turned into eventsourcing's, as the pool's transactions turn them (the ledger retries on
``IntegrityError``)."""

from __future__ import annotations

import sqlite3

from eventsourcing import persistence
from eventsourcing.sqlite import SQLITE3_DEFAULT_LOCK_TIMEOUT

WRITER_STATEMENTS_CACHED = 32
"""Statements the writer keeps prepared: the write path runs about six, every time (the
pool's connections keep one, ``cached_statements=True``)."""

_ERRORS: tuple[tuple[type[sqlite3.Error], type[persistence.PersistenceError]], ...] = (
    (sqlite3.IntegrityError, persistence.IntegrityError),
    (sqlite3.OperationalError, persistence.OperationalError),
    (sqlite3.InterfaceError, persistence.InterfaceError),
    (sqlite3.DataError, persistence.DataError),
    (sqlite3.InternalError, persistence.InternalError),
    (sqlite3.ProgrammingError, persistence.ProgrammingError),
    (sqlite3.NotSupportedError, persistence.NotSupportedError),
    (sqlite3.DatabaseError, persistence.DatabaseError),
)


def open_writer(db_name: str, lock_timeout: float | None) -> sqlite3.Connection:
    """A connection to the store for writing: autocommit (transactions begun explicitly),
    usable from any thread (its recorder serialises writers with a lock), waiting as long
    as the pool's for another writer's lock, and SQLite's defaults otherwise (the journal
    mode is the file's, WAL; ``synchronous`` stays FULL)."""
    return sqlite3.connect(db_name, uri=True, isolation_level=None, check_same_thread=False,
                           timeout=lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT,
                           cached_statements=WRITER_STATEMENTS_CACHED)


def persistence_error(error: sqlite3.Error) -> persistence.PersistenceError:
    """eventsourcing's error for a driver error."""
    for driver_error, mapped in _ERRORS:
        if isinstance(error, driver_error):
            return mapped(error)
    return persistence.PersistenceError(error)
