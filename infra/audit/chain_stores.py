"""The ``event_chain`` table beside the events, in an SQLite file or a PostgreSQL database.

Events and links read a page at a time, the chain extended under a lock, signed checkpoints
kept; ``open_chain_store`` picks the store of a location.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from uuid import UUID

import psycopg

from infra.audit.chain import (
    CHAIN_TABLE,
    CHECKPOINTS_LISTED_MAX,
    CHECKPOINTS_TABLE,
    POSTGRES_EVENTS_TABLE,
    POSTGRES_SEALER_LOCK_KEY,
    SEALED_SINCE,
    SETTINGS_TABLE,
    SQLITE_CHAIN_DDL,
    SQLITE_CHECKPOINTS_DDL,
    SQLITE_EVENTS_TABLE,
    SQLITE_SETTINGS_DDL,
    ChainError,
    DatabaseChainStore,
    Link,
    StoredRow,
    StoredValue,
    postgres_chain_ddl,
)
from infra.store import POSTGRES_CONNECT_TIMEOUT_S, SQLITE_LOCK_TIMEOUT_S, StoreLocation

_HEX_UUID = re.compile(r"[0-9a-f]{32}")


class SqliteChainStore:
    """``event_chain`` beside ``stored_events`` in an SQLite file."""

    def __init__(self, location: StoreLocation, events_table: str = SQLITE_EVENTS_TABLE) -> None:
        assert location.sqlite_path is not None
        if not Path(location.sqlite_path).exists():
            raise ChainError(f"no event store at {location.url}")
        self.location = location
        self.source = location.url
        self._events_table = events_table
        # Not bound to its thread: the API reads it from worker threads, one at a time.
        self._connection = sqlite3.connect(location.sqlite_path, timeout=SQLITE_LOCK_TIMEOUT_S,
                                           isolation_level=None, check_same_thread=False)
        tables = {row[0] for row in self._connection.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")}
        if events_table not in tables:
            self._connection.close()
            raise ChainError(f"{location.url} has no table {events_table}: not an event store")
        for statement in (SQLITE_CHAIN_DDL, SQLITE_SETTINGS_DDL, SQLITE_CHECKPOINTS_DDL):
            self._connection.execute(statement)

    def read_events(self, start: int, limit: int) -> list[StoredRow]:
        """Events from ``start`` in notification (rowid) order."""
        rows = self._connection.execute(
            f"SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {self._events_table} WHERE rowid >= ? ORDER BY rowid LIMIT ?",
            (start, limit)).fetchall()
        return [StoredRow(notification_id=row[0], originator_id=sqlite_stream_id(row[1]),
                          originator_version=row[2], topic=row[3], state=row[4])
                for row in rows]

    def read_links(self, start: int, limit: int) -> list[Link]:
        """Links from ``start``."""
        rows = self._connection.execute(
            f"SELECT sequence, notification_id, originator_id, originator_version, topic, link, "
            f"sealed_at FROM {CHAIN_TABLE} WHERE notification_id >= ? "
            f"ORDER BY notification_id LIMIT ?", (start, limit)).fetchall()
        return [Link(*row) for row in rows]

    def head(self) -> Link | None:
        """The last link."""
        row = self._connection.execute(
            f"SELECT sequence, notification_id, originator_id, originator_version, topic, link, "
            f"sealed_at FROM {CHAIN_TABLE} ORDER BY notification_id DESC LIMIT 1").fetchone()
        return Link(*row) if row else None

    def append(self, links: Sequence[Link], expected_head_sequence: int) -> None:
        """Insert links in one immediate transaction, refusing if another sealer moved on."""
        self._connection.execute("BEGIN IMMEDIATE")
        try:
            row = self._connection.execute(
                f"SELECT COALESCE(MAX(sequence), 0) FROM {CHAIN_TABLE}").fetchone()
            _check_head(row[0], expected_head_sequence)
            self._connection.executemany(
                f"INSERT INTO {CHAIN_TABLE} (notification_id, sequence, originator_id, "
                f"originator_version, topic, link, sealed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(link.notification_id, link.sequence, link.originator_id,
                  link.originator_version, link.topic, link.link, link.sealed_at)
                 for link in links])
        except BaseException:
            self._connection.execute("ROLLBACK")
            raise
        self._connection.execute("COMMIT")

    def max_notification_id(self) -> int:
        """The last rowid of the events table."""
        row = self._connection.execute(f"SELECT MAX(rowid) FROM {self._events_table}").fetchone()
        return int(row[0] or 0)

    def sealed_as_written_since(self) -> int | None:
        """The marker a sealing recorder leaves (see ``SEALED_SINCE``)."""
        row = self._connection.execute(f"SELECT value FROM {SETTINGS_TABLE} WHERE name = ?",
                                       (SEALED_SINCE,)).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def save_checkpoint(self, notification_id: int, sequence: int, head: str, key_id: str,
                        created_at: str, document: bytes) -> bool:
        """Keep a checkpoint (the first one kept at a position stays)."""
        cursor = self._connection.execute(
            f"INSERT OR IGNORE INTO {CHECKPOINTS_TABLE} (notification_id, sequence, head, "
            "key_id, created_at, document) VALUES (?, ?, ?, ?, ?, ?)",
            (notification_id, sequence, head, key_id, created_at, document))
        return cursor.rowcount == 1

    def read_checkpoints(self, limit: int = CHECKPOINTS_LISTED_MAX,
                         at_or_before: int | None = None) -> list[bytes]:
        """Kept checkpoints, latest first."""
        bound = at_or_before if at_or_before is not None else 2**63 - 1
        rows = self._connection.execute(
            f"SELECT document FROM {CHECKPOINTS_TABLE} WHERE notification_id <= ? "
            "ORDER BY notification_id DESC LIMIT ?", (bound, min(limit, CHECKPOINTS_LISTED_MAX)))
        return [bytes(row[0]) for row in rows]

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()


def _check_head(actual_sequence: int, expected_sequence: int) -> None:
    """Refuse to extend a chain another sealer extended meanwhile."""
    if actual_sequence != expected_sequence:
        raise ChainError(f"another sealer moved the chain to {actual_sequence} "
                         f"(expected {expected_sequence}): nothing written, seal again")


def sqlite_stream_id(value: StoredValue) -> StoredValue:
    """eventsourcing stores a UUID stream id in SQLite as 32 lowercase hex digits.

    That exact form is read as the UUID, so an event hashes alike in SQLite and PostgreSQL
    (a store moved from one to the other keeps its chain); any other text, even the same
    UUID spelled in capitals, stays text and so breaks the link.
    """
    if isinstance(value, str) and _HEX_UUID.fullmatch(value):
        return UUID(hex=value)
    return value


class PostgresChainStore:
    """``event_chain`` beside ``ledger_events`` in the ``public`` schema of PostgreSQL."""

    def __init__(self, location: StoreLocation,
                 events_table: str = POSTGRES_EVENTS_TABLE, schema: str = "public") -> None:
        self.location = location
        self.source = location.url
        self._events = f'"{schema}"."{events_table}"'
        self._chain = f'"{schema}"."{CHAIN_TABLE}"'
        self._connection = psycopg.connect(
            host=location.postgres_host, port=location.postgres_port,
            user=location.postgres_user, password=location.postgres_password or None,
            dbname=location.postgres_dbname, connect_timeout=POSTGRES_CONNECT_TIMEOUT_S,
            autocommit=True)
        exists = self._connection.execute(
            "SELECT to_regclass(%s)", (f"{schema}.{events_table}",)).fetchone()
        if exists is None or exists[0] is None:
            self._connection.close()
            raise ChainError(f"{location.url} has no table {schema}.{events_table}: "
                             "not an event store")
        self._settings = f'"{schema}"."{SETTINGS_TABLE}"'
        self._checkpoints = f'"{schema}"."{CHECKPOINTS_TABLE}"'
        with self._connection.transaction():
            # Two processes opening a fresh database at once would race on the catalogue.
            self._connection.execute("SELECT pg_advisory_xact_lock(%s)",
                                     (POSTGRES_SEALER_LOCK_KEY,))
            for statement in postgres_chain_ddl(schema):
                self._connection.execute(statement)

    def read_events(self, start: int, limit: int) -> list[StoredRow]:
        """Events from ``start`` in notification order."""
        rows = self._connection.execute(
            f"SELECT notification_id, originator_id, originator_version, topic, state "
            f"FROM {self._events} WHERE notification_id >= %s "
            f"ORDER BY notification_id LIMIT %s", (start, limit)).fetchall()
        return [StoredRow(notification_id=row[0], originator_id=row[1],
                          originator_version=row[2], topic=row[3],
                          state=bytes(row[4]) if row[4] is not None else None)
                for row in rows]

    def read_links(self, start: int, limit: int) -> list[Link]:
        """Links from ``start``."""
        rows = self._connection.execute(
            f"SELECT sequence, notification_id, originator_id, originator_version, topic, link, "
            f"sealed_at FROM {self._chain} WHERE notification_id >= %s "
            f"ORDER BY notification_id LIMIT %s", (start, limit)).fetchall()
        return [Link(row[0], row[1], row[2], row[3], row[4], bytes(row[5]), row[6])
                for row in rows]

    def head(self) -> Link | None:
        """The last link."""
        row = self._connection.execute(
            f"SELECT sequence, notification_id, originator_id, originator_version, topic, link, "
            f"sealed_at FROM {self._chain} ORDER BY notification_id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        return Link(row[0], row[1], row[2], row[3], row[4], bytes(row[5]), row[6])

    def append(self, links: Sequence[Link], expected_head_sequence: int) -> None:
        """Insert links in one transaction under an advisory lock that serialises sealers."""
        with self._connection.transaction(), self._connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (POSTGRES_SEALER_LOCK_KEY,))
            # The lock eventsourcing's writers take (reads go on): no writer links its events
            # while this sealer extends the chain, so the two never interleave.
            cursor.execute(f"LOCK TABLE {self._events} IN EXCLUSIVE MODE")
            cursor.execute(f"SELECT COALESCE(MAX(sequence), 0) FROM {self._chain}")
            row = cursor.fetchone()
            assert row is not None
            _check_head(row[0], expected_head_sequence)
            cursor.executemany(
                f"INSERT INTO {self._chain} (notification_id, sequence, originator_id, "
                f"originator_version, topic, link, sealed_at) "
                f"VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [(link.notification_id, link.sequence, link.originator_id,
                  link.originator_version, link.topic, link.link, link.sealed_at)
                 for link in links])

    def max_notification_id(self) -> int:
        """The last notification id of the events table."""
        row = self._connection.execute(
            f"SELECT MAX(notification_id) FROM {self._events}").fetchone()
        return int(row[0] or 0) if row else 0

    def sealed_as_written_since(self) -> int | None:
        """The marker a sealing recorder leaves (see ``SEALED_SINCE``)."""
        row = self._connection.execute(f"SELECT value FROM {self._settings} WHERE name = %s",
                                       (SEALED_SINCE,)).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def save_checkpoint(self, notification_id: int, sequence: int, head: str, key_id: str,
                        created_at: str, document: bytes) -> bool:
        """Keep a checkpoint (the first one kept at a position stays)."""
        cursor = self._connection.execute(
            f"INSERT INTO {self._checkpoints} (notification_id, sequence, head, key_id, "
            "created_at, document) VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (notification_id) DO NOTHING",
            (notification_id, sequence, head, key_id, created_at, document))
        return cursor.rowcount == 1

    def read_checkpoints(self, limit: int = CHECKPOINTS_LISTED_MAX,
                         at_or_before: int | None = None) -> list[bytes]:
        """Kept checkpoints, latest first."""
        bound = at_or_before if at_or_before is not None else 2**63 - 1
        rows = self._connection.execute(
            f"SELECT document FROM {self._checkpoints} WHERE notification_id <= %s "
            "ORDER BY notification_id DESC LIMIT %s",
            (bound, min(limit, CHECKPOINTS_LISTED_MAX))).fetchall()
        return [bytes(row[0]) for row in rows]

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()


def open_chain_store(location: StoreLocation) -> DatabaseChainStore:
    """The chain store of the event store at ``location``."""
    if location.kind == "sqlite":
        return SqliteChainStore(location)
    return PostgresChainStore(location)
