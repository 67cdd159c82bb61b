"""Sealed as written: every event is linked into the hash chain by the transaction storing it.

eventsourcing's application recorders insert a command's events in one transaction, and the
transaction already holds the lock that serialises writers: SQLite's single write lock
(taken by the first ``INSERT``), PostgreSQL's ``EXCLUSIVE`` lock on the events table (taken
before the insert so that notification ids follow commit order). The two recorders below
extend that transaction: once the events are in, they read the chain head, compute the links
of the new events (``infra.audit.chain.compute_link``, the very formula ``verify`` and the
old sealer use) and insert them into ``event_chain``. The head is read under the writers'
lock, so two writers can never link after the same head: the chain cannot fork, and no
event exists unsealed, even for an instant.

They are chosen through eventsourcing's ``APPLICATION_RECORDER_TOPIC`` setting, which
``infra.store.StoreLocation.eventsourcing_env`` names, so ``PERSISTENCE_MODULE`` stays
``eventsourcing.sqlite`` / ``eventsourcing.postgres`` (the relay and the governance module
read it) and ``POSTGRES_ENABLE_DB_FUNCTIONS`` stays unset.

Stores written before: when a sealing recorder opens a store whose chain is not sealed as
written yet (no ``SEALED_SINCE`` marker), it links every event after the chain head (a
store sealed by ``cocagne seal`` continues from its head; one never sealed is sealed from
the first event), in bounded batches under the same locks, then leaves the marker. From
then on an event found without a link between the head and a new transaction's own events
was put there behind the ledger's back: it is *not* chained (that would seal a forgery); a
warning is logged and ``cocagne verify`` names it (``unsealed_insert``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Any, cast

from eventsourcing.persistence import PersistenceError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from infra.audit.chain import (
    CHAIN_TABLE,
    GENESIS_LINK,
    PAGE_SIZE_MAX,
    POSTGRES_EVENTS_TABLE,
    POSTGRES_SEALER_LOCK_KEY,
    SEAL_BATCH_MAX,
    SEAL_BATCHES_PER_CALL_MAX,
    SEALED_SINCE,
    SETTINGS_TABLE,
    SQLITE_CHAIN_DDL,
    SQLITE_CHECKPOINTS_DDL,
    SQLITE_SETTINGS_DDL,
    ChainRow,
    StoredRow,
    chain_rows,
    postgres_chain_ddl,
    utc_timestamp,
)
from infra.audit.chain_stores import sqlite_stream_id
from infra.audit.sqlite_writer import open_writer, persistence_error
from infra.audit.written_links import AnyRow, EventRow, sqlite_event_rows, written_links
from infra.logs import get_logger

log = get_logger("cocagne.audit.sealing")

FOREIGN_PAGES_MAX = 10_000
"""Pages of unlinked events one write transaction reads before its own (ten million events):
only a store never sealed, opened by an older process, has that many; beyond, refuse."""


class SealingError(PersistenceError):
    """The chain cannot be extended: the events table was cut below the chain head."""


class Head:
    """The chain's last link (or the genesis value before the first)."""

    __slots__ = ("link", "notification_id", "sequence")

    def __init__(self, sequence: int = 0, notification_id: int = 0,
                 link: bytes = GENESIS_LINK) -> None:
        self.sequence = sequence
        self.notification_id = notification_id
        self.link = link


class _Sealing:
    """The logic both recorders share; each says how to read and write its own database."""

    def _head(self, cursor: Any) -> Head:
        raise NotImplementedError

    def _rows_between(self, cursor: Any, after: int, before: int | None,
                      limit: int) -> list[StoredRow]:
        raise NotImplementedError

    def _insert_links(self, cursor: Any, links: Sequence[ChainRow]) -> None:
        raise NotImplementedError

    def _sealed_since(self, cursor: Any) -> int | None:
        raise NotImplementedError

    def _mark_sealed_since(self, cursor: Any, notification_id: int) -> None:
        raise NotImplementedError

    def _seal_written(self, cursor: Any, own: list[StoredRow], head: Head | None = None) -> None:
        """Link this transaction's own events (in notification order) after the head (read
        here unless the caller did, in this transaction)."""
        if not own:
            return
        if head is None:
            head = self._head(cursor)
        first = own[0].notification_id
        if first <= head.notification_id:
            raise SealingError(
                f"new event got notification id {first}, at or below the chain head "
                f"({head.notification_id}): events were deleted from the end of the store "
                "after they were sealed; run `cocagne verify`")
        rows = own
        if first > head.notification_id + 1:
            foreign = self._foreign(cursor, head.notification_id, first)
            if foreign and self._sealed_since(cursor) is None:
                rows = foreign + own  # A store not caught up yet: link its backlog first.
            elif foreign:
                log.warning("events stored without a link are left out of the chain",
                            count=len(foreign), first_notification_id=foreign[0].notification_id,
                            last_notification_id=foreign[-1].notification_id)
        self._insert_links(cursor, chain_rows(head.link, head.sequence, rows, utc_timestamp()))

    def _foreign(self, cursor: Any, after: int, before: int) -> list[StoredRow]:
        """Events between the head and this transaction's own: none unless something is off."""
        found: list[StoredRow] = []
        position = after
        for _ in range(FOREIGN_PAGES_MAX):
            page = self._rows_between(cursor, position, before, PAGE_SIZE_MAX)
            found.extend(page)
            if len(page) < PAGE_SIZE_MAX:
                return found
            position = page[-1].notification_id
        raise SealingError(f"more than {FOREIGN_PAGES_MAX * PAGE_SIZE_MAX} events without a "
                           f"link before notification {before}: run `cocagne seal` first")

    def _catch_up_batch(self, cursor: Any) -> tuple[int, bool]:
        """Link up to ``SEAL_BATCH_MAX`` events after the head; the caller holds the lock.

        Returns how many were linked and whether the store is now sealed as written.
        """
        if self._sealed_since(cursor) is not None:
            return 0, True
        head = self._head(cursor)
        rows = self._rows_between(cursor, head.notification_id, None, SEAL_BATCH_MAX)
        if rows:
            self._insert_links(cursor, chain_rows(head.link, head.sequence, rows,
                                                  utc_timestamp()))
        if len(rows) < SEAL_BATCH_MAX:
            last = rows[-1].notification_id if rows else head.notification_id
            self._mark_sealed_since(cursor, last + 1)
            return len(rows), True
        return len(rows), False


def _log_catch_up(linked: int) -> None:
    if linked:
        log.info("events stored before sealing was on are now sealed", events=linked)


# --------------------------------------------------------------------------------- SQLite

_SQLiteCursor = SQLiteCursor | sqlite3.Cursor
"""The pool's cursor (catching up a store) or the writer connection's (writing events)."""



class SealedSQLiteApplicationRecorder(_Sealing, SQLiteApplicationRecorder):
    """eventsourcing's SQLite recorder, linking each transaction's events as it writes them.

    Events are written through a connection of the recorder's own, one writer at a time
    (as eventsourcing's pool issues its one writer connection), that keeps the write path's
    statements prepared: the pool's connections cache a single statement
    (``cached_statements=True``), so each of a transaction's six statements was compiled
    again every time. Same file, same journal mode and ``synchronous`` setting (SQLite's
    defaults, as on the pool's connections), same transaction: only the preparing is saved.
    """

    def __init__(self, datastore: SQLiteDatastore,
                 events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)
        self._writer: sqlite3.Connection | None = None
        self._writer_cursor: sqlite3.Cursor | None = None
        self._writer_lock = threading.Lock()
        self._select_head = (f"SELECT sequence, notification_id, link FROM {CHAIN_TABLE} "
                             "ORDER BY notification_id DESC LIMIT 1")
        # The last rowid this transaction inserted and the chain head, in one statement.
        self._select_last_and_head = (
            "SELECT last_insert_rowid(), head.sequence, head.notification_id, head.link "
            f"FROM (SELECT 1) LEFT JOIN ({self._select_head}) AS head")
        self._insert_link = (f"INSERT INTO {CHAIN_TABLE} (notification_id, sequence, "
                             "originator_id, originator_version, topic, link, sealed_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)")

    def construct_create_table_statements(self) -> list[str]:
        """The events table, then the chain's tables."""
        return [*super().construct_create_table_statements(), SQLITE_CHAIN_DDL,
                SQLITE_SETTINGS_DDL, SQLITE_CHECKPOINTS_DDL]

    def create_table(self) -> None:
        """Create the tables, then seal what was stored before sealing was on."""
        super().create_table()
        linked = 0
        # Each batch is one short write transaction, so writers are held up only briefly.
        for _ in range(SEAL_BATCHES_PER_CALL_MAX):
            with self.datastore.transaction(commit=True) as cursor:
                # A write first: it takes the write lock before anything is read.
                cursor.execute(f"INSERT OR IGNORE INTO {SETTINGS_TABLE} (name, value) "
                               "VALUES (?, NULL)", (SEALED_SINCE,))
                count, done = self._catch_up_batch(cursor)
            linked += count
            if done:
                break
        _log_catch_up(linked)

    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        """Insert and link the events in one transaction on the writer connection."""
        if self.datastore.pool.is_sqlite_memory_mode:
            return super().insert_events(stored_events, **kwargs)  # One shared connection.
        del kwargs
        rows, linkable = sqlite_event_rows(stored_events)
        return self._write(rows, linkable)

    @property
    def writes_rows(self) -> bool:
        """Whether ``insert_rows`` may be used (not with an in-memory store)."""
        return not self.datastore.pool.is_sqlite_memory_mode

    def insert_rows(self, rows: list[EventRow]) -> list[int]:
        """``insert_events`` for the ledger's rows (``infra.audit.written_links.ledger_rows``:
        the rows ``insert_events`` makes of its stored events, without making those)."""
        return self._write(rows, linkable=True)

    def _write(self, rows: Sequence[AnyRow], linkable: bool
               ) -> list[int]:
        """Insert and link the rows in one transaction on the writer connection."""
        with self._writer_lock:
            cursor = self._writer_cursor or self._open_writer()
            try:
                cursor.execute("BEGIN")
                notification_ids = self._insert_rows(cursor, rows, linkable)
                cursor.execute("COMMIT")
            except BaseException as error:
                if self._writer is not None and self._writer.in_transaction:
                    self._writer.rollback()
                if isinstance(error, sqlite3.Error):
                    raise persistence_error(error) from error
                raise
        return notification_ids

    def max_notification_id(self) -> int:
        """The last notification id (None when nothing is stored, as eventsourcing's
        recorder answers despite its annotation).

        Read on the writer connection when no write is under way: a connection that did not
        write the last commit finds its page cache out of date and reads the table's pages
        again (25 µs after each of the ledger's commits), the writer's is current (a couple
        of microseconds). While another thread writes, a pooled connection answers rather
        than waiting for that commit.
        """
        if self.datastore.pool.is_sqlite_memory_mode or not self._writer_lock.acquire(
                blocking=False):
            return super().max_notification_id()
        try:
            cursor = self._writer_cursor or self._open_writer()
            cursor.execute(self.select_max_notification_id_statement)
            row = cursor.fetchone()
        except sqlite3.Error as error:
            raise persistence_error(error) from error
        finally:
            self._writer_lock.release()
        return cast(int, row[0])

    def _open_writer(self) -> sqlite3.Cursor:
        pool = self.datastore.pool
        self._writer = open_writer(pool.db_name, pool.lock_timeout)
        self._writer_cursor = self._writer.cursor()
        return self._writer_cursor

    def close(self) -> None:
        """Close the writer connection (the pool's are closed with the datastore)."""
        with self._writer_lock:
            if self._writer is not None:
                self._writer.close()
            self._writer, self._writer_cursor = None, None

    def _insert_events(self, c: _SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        """Insert the events and link them (eventsourcing's method, on the cursor given)."""
        del kwargs
        rows, linkable = sqlite_event_rows(stored_events)
        return self._insert_rows(c, rows, linkable)

    def _insert_rows(self, c: _SQLiteCursor, rows: Sequence[AnyRow],
                     linkable: bool) -> list[int]:
        """Insert the rows in one ``executemany``, then link them.

        eventsourcing inserts row by row to read each ``lastrowid``; one ``executemany``
        then ``last_insert_rowid()`` gives the same ids: this transaction holds SQLite's
        write lock and the table has no AUTOINCREMENT, so each new rowid is the largest so
        far plus one and the batch's ids are consecutive, ending at the last one.
        """
        if not rows:
            return []
        c.executemany(self.insert_events_statement, rows)
        c.execute(self._select_last_and_head)
        last, sequence, head_id, link = c.fetchone()
        first = last - len(rows) + 1
        head = Head() if head_id is None else Head(sequence, head_id, bytes(link))
        if linkable and first == head.notification_id + 1:
            # Nothing unlinked in between (the usual case): link the rows as inserted.
            self._insert_links(c, written_links(head.link, head.sequence, first,
                                                cast(Sequence[EventRow], rows),
                                                utc_timestamp()))
            return list(range(first, last + 1))
        own = [StoredRow(notification_id=first + index, originator_id=sqlite_stream_id(stream),
                         originator_version=version, topic=topic, state=bytes(state))
               for index, (stream, version, topic, state) in enumerate(rows)]
        self._seal_written(c, own, head)
        return list(range(first, last + 1))

    def _head(self, cursor: _SQLiteCursor) -> Head:
        cursor.execute(self._select_head)
        row = cursor.fetchone()
        return Head(row[0], row[1], bytes(row[2])) if row else Head()

    def _rows_between(self, cursor: _SQLiteCursor, after: int, before: int | None,
                      limit: int) -> list[StoredRow]:
        cursor.execute(
            f"SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {self.events_table_name} WHERE rowid > ? AND rowid < ? "
            "ORDER BY rowid LIMIT ?", (after, before if before is not None else 2**63 - 1,
                                       limit))
        return [StoredRow(notification_id=row[0], originator_id=sqlite_stream_id(row[1]),
                          originator_version=row[2], topic=row[3], state=row[4])
                for row in cursor.fetchall()]

    def _insert_links(self, cursor: _SQLiteCursor, links: Sequence[ChainRow]) -> None:
        cursor.executemany(self._insert_link, links)

    def _sealed_since(self, cursor: _SQLiteCursor) -> int | None:
        cursor.execute(f"SELECT value FROM {SETTINGS_TABLE} WHERE name = ?", (SEALED_SINCE,))
        row = cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def _mark_sealed_since(self, cursor: _SQLiteCursor, notification_id: int) -> None:
        cursor.execute(f"INSERT INTO {SETTINGS_TABLE} (name, value) VALUES (?, ?) "
                       "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                       (SEALED_SINCE, notification_id))


# ----------------------------------------------------------------------------- PostgreSQL


class SealedPostgresApplicationRecorder(_Sealing, PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL recorder, linking each transaction's events as it writes
    them, under the table lock it takes for notification order."""

    def __init__(self, datastore: PostgresDatastore, *,
                 events_table_name: str = "stored_events") -> None:
        if events_table_name != POSTGRES_EVENTS_TABLE:
            # The chain covers the ledger's events: another application's would interleave.
            raise SealingError(f"the hash chain covers {POSTGRES_EVENTS_TABLE} only, not "
                               f"{events_table_name}")
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(datastore.schema)
        self._events = Composed([schema, SQL("."), Identifier(events_table_name)])
        self._chain = Composed([schema, SQL("."), Identifier(CHAIN_TABLE)])
        self._settings = Composed([schema, SQL("."), Identifier(SETTINGS_TABLE)])
        # Each inserted row says which event it is, so links never rely on RETURNING order.
        self.insert_events_statement += SQL(", originator_id, originator_version")
        self.sql_create_statements.extend(Composed([SQL(statement)])
                                          for statement in postgres_chain_ddl(datastore.schema))
        self._select_head = SQL("SELECT sequence, notification_id, link FROM {} "
                                "ORDER BY notification_id DESC LIMIT 1").format(self._chain)
        self._queued = threading.local()
        """The cursor of the head's query queued with this thread's insert."""

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        # Ledgers opening a database at once (servers starting together) would otherwise
        # race on the catalogue: "tuple concurrently updated" on CREATE OR REPLACE FUNCTION.
        curs.execute(SQL("SELECT pg_advisory_xact_lock(%s)"), (POSTGRES_SEALER_LOCK_KEY,))
        super()._create_table(curs)

    def create_table(self) -> None:
        """Create the tables, then seal what was stored before sealing was on."""
        super().create_table()
        linked = 0
        for _ in range(SEAL_BATCHES_PER_CALL_MAX):  # Short transactions, as on SQLite.
            with self.datastore.transaction(commit=True) as cursor:
                # The old sealer's lock first, then the writers': the order it takes them in.
                cursor.execute(SQL("SELECT pg_advisory_xact_lock(%s)"),
                               (POSTGRES_SEALER_LOCK_KEY,))
                self._lock_table(cursor)
                count, done = self._catch_up_batch(cursor)
            linked += count
            if done:
                break
        _log_catch_up(linked)

    def _insert_stored_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent],
                              **kwargs: Any) -> None:
        """Lock the table and insert the events (eventsourcing's), then queue the chain
        head's query in the same pipeline: read after the lock, it arrives with the
        notification ids rather than costing a round trip of its own."""
        super()._insert_stored_events(curs, stored_events, **kwargs)
        head_cursor = curs.connection.cursor()
        head_cursor.execute(self._select_head, prepare=True)
        self._queued.cursor = head_cursor

    def _fetch_ids_after_insert_events(self, curs: Cursor[DictRow],
                                       stored_events: Sequence[StoredEvent],
                                       **kwargs: Any) -> Sequence[int] | None:
        del kwargs
        rows = curs.fetchall()
        if len(rows) != len(stored_events):
            raise SealingError(f"inserted {len(stored_events)} events but the database "
                               f"returned {len(rows)} notification ids")
        by_event = {(str(event.originator_id), event.originator_version): event
                    for event in stored_events}
        own = []
        for row in rows:
            event = by_event[(str(row["originator_id"]), row["originator_version"])]
            own.append(StoredRow(notification_id=row["notification_id"],
                                 originator_id=row["originator_id"],
                                 originator_version=row["originator_version"],
                                 topic=event.topic, state=bytes(event.state)))
        own.sort(key=lambda row: row.notification_id)
        head_cursor: Cursor[DictRow] | None = getattr(self._queued, "cursor", None)
        self._queued.cursor = None
        head = None
        if head_cursor is not None:
            with head_cursor:
                head = _postgres_head(head_cursor.fetchone())
        self._seal_written(curs, own, head)
        return [row["notification_id"] for row in rows]

    def _head(self, cursor: Cursor[DictRow]) -> Head:
        cursor.execute(self._select_head, prepare=True)
        return _postgres_head(cursor.fetchone())

    def _rows_between(self, cursor: Cursor[DictRow], after: int, before: int | None,
                      limit: int) -> list[StoredRow]:
        cursor.execute(SQL("SELECT notification_id, originator_id, originator_version, topic, "
                           "state FROM {} WHERE notification_id > %s AND notification_id < %s "
                           "ORDER BY notification_id LIMIT %s").format(self._events),
                       (after, before if before is not None else 2**63 - 1, limit),
                       prepare=True)
        return [StoredRow(notification_id=row["notification_id"],
                          originator_id=row["originator_id"],
                          originator_version=row["originator_version"], topic=row["topic"],
                          state=bytes(row["state"]) if row["state"] is not None else None)
                for row in cursor.fetchall()]

    def _insert_links(self, cursor: Cursor[DictRow], links: Sequence[ChainRow]) -> None:
        cursor.executemany(SQL("INSERT INTO {} (notification_id, sequence, originator_id, "
                               "originator_version, topic, link, sealed_at) "
                               "VALUES (%s, %s, %s, %s, %s, %s, %s)").format(self._chain),
                           links)

    def _sealed_since(self, cursor: Cursor[DictRow]) -> int | None:
        cursor.execute(SQL("SELECT value FROM {} WHERE name = %s").format(self._settings),
                       (SEALED_SINCE,))
        row = cursor.fetchone()
        return int(row["value"]) if row and row["value"] is not None else None

    def _mark_sealed_since(self, cursor: Cursor[DictRow], notification_id: int) -> None:
        cursor.execute(SQL("INSERT INTO {} (name, value) VALUES (%s, %s) ON CONFLICT (name) "
                           "DO UPDATE SET value = excluded.value").format(self._settings),
                       (SEALED_SINCE, notification_id))


def _postgres_head(row: DictRow | None) -> Head:
    """The head from its row (none before the first link)."""
    if row is None:
        return Head()
    return Head(row["sequence"], row["notification_id"], bytes(row["link"]))
