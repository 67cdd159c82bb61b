"""Where a relay keeps its progress: the last acknowledged notification and record, in the store."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

POSITION_TABLE = "relay_position"
LAST_RECORD_TABLE = "relay_last_record"


class PositionStore(Protocol):
    """Where a relay keeps the last notification id the broker acknowledged."""

    def read(self) -> int:
        """The stored position, 0 when none was stored yet."""
        ...

    def write(self, notification_id: int) -> None:
        """Store the position durably."""
        ...

    def read_last_record(self) -> LastRecord | None:
        """Where the last acknowledged record was written, if known."""
        ...

    def write_last_record(self, last: LastRecord | None) -> None:
        """Store (or forget, with None) where the last acknowledged record was written."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


@dataclass(frozen=True)
class LastRecord:
    """Where the broker put the last record it acknowledged, and which notification it was."""

    partition: int
    offset: int
    notification_id: int


_CREATE_POSITION_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {POSITION_TABLE} ("
    "relay_name TEXT PRIMARY KEY, notification_id BIGINT NOT NULL)"
)
# Upsert syntax shared by SQLite (3.24 and later) and PostgreSQL; only the placeholder differs.
_UPSERT_POSITION = (
    f"INSERT INTO {POSITION_TABLE} (relay_name, notification_id) VALUES ({{p}}, {{p}}) "
    "ON CONFLICT (relay_name) DO UPDATE SET notification_id = excluded.notification_id"
)
_SELECT_POSITION = f"SELECT notification_id FROM {POSITION_TABLE} WHERE relay_name = {{p}}"
_CREATE_LAST_RECORD_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {LAST_RECORD_TABLE} (relay_name TEXT PRIMARY KEY, "
    "partition_id INTEGER NOT NULL, record_offset BIGINT NOT NULL, "
    "notification_id BIGINT NOT NULL)"
)
_UPSERT_LAST_RECORD = (
    f"INSERT INTO {LAST_RECORD_TABLE} (relay_name, partition_id, record_offset, "
    "notification_id) VALUES ({p}, {p}, {p}, {p}) ON CONFLICT (relay_name) DO UPDATE SET "
    "partition_id = excluded.partition_id, record_offset = excluded.record_offset, "
    "notification_id = excluded.notification_id"
)
_DELETE_LAST_RECORD = f"DELETE FROM {LAST_RECORD_TABLE} WHERE relay_name = {{p}}"
_SELECT_LAST_RECORD = (f"SELECT partition_id, record_offset, notification_id "
                       f"FROM {LAST_RECORD_TABLE} WHERE relay_name = {{p}}")


def _last_record(row: Sequence[Any] | None) -> LastRecord | None:
    if row is None:
        return None
    return LastRecord(partition=int(row[0]), offset=int(row[1]), notification_id=int(row[2]))


class SQLitePositionStore:
    """The relay's position in the SQLite file of the event store."""

    def __init__(self, path: str, relay_name: str, *, lock_timeout_s: int = 10) -> None:
        if path in {"", ":memory:"} or path.startswith("file::memory:"):
            raise ValueError("the relay needs an SQLite file shared with the ledger, "
                             f"not {path!r}")
        self.relay_name = relay_name
        # Autocommit: each write is its own transaction, committed before write() returns.
        self._connection = sqlite3.connect(path, timeout=lock_timeout_s, isolation_level=None,
                                           check_same_thread=False)
        self._connection.execute(_CREATE_POSITION_TABLE)
        self._connection.execute(_CREATE_LAST_RECORD_TABLE)

    def read(self) -> int:
        """The stored position, 0 when none was stored yet."""
        row = self._connection.execute(_SELECT_POSITION.format(p="?"),
                                       (self.relay_name,)).fetchone()
        return int(row[0]) if row is not None else 0

    def write(self, notification_id: int) -> None:
        """Store the position durably."""
        self._connection.execute(_UPSERT_POSITION.format(p="?"),
                                 (self.relay_name, notification_id))

    def read_last_record(self) -> LastRecord | None:
        """Where the last acknowledged record was written, if known."""
        return _last_record(self._connection.execute(_SELECT_LAST_RECORD.format(p="?"),
                                                     (self.relay_name,)).fetchone())

    def write_last_record(self, last: LastRecord | None) -> None:
        """Store (or forget, with None) where the last acknowledged record was written."""
        if last is None:
            self._connection.execute(_DELETE_LAST_RECORD.format(p="?"), (self.relay_name,))
            return
        self._connection.execute(_UPSERT_LAST_RECORD.format(p="?"), (
            self.relay_name, last.partition, last.offset, last.notification_id))

    def close(self) -> None:
        """Release the connection."""
        self._connection.close()


class PostgresPositionStore:
    """The relay's position in the PostgreSQL database of the event store."""

    def __init__(self, relay_name: str, *, host: str, port: int, user: str, password: str,
                 dbname: str, connect_timeout_s: int = 10) -> None:
        import psycopg  # noqa: PLC0415 - only PostgreSQL deployments need the driver loaded.

        self.relay_name = relay_name
        self._connection = psycopg.connect(host=host, port=port, user=user, password=password,
                                           dbname=dbname, connect_timeout=connect_timeout_s,
                                           autocommit=True)
        self._connection.execute(_CREATE_POSITION_TABLE)
        self._connection.execute(_CREATE_LAST_RECORD_TABLE)

    def read(self) -> int:
        """The stored position, 0 when none was stored yet."""
        row = self._connection.execute(_SELECT_POSITION.format(p="%s"),
                                       (self.relay_name,)).fetchone()
        return int(row[0]) if row is not None else 0

    def write(self, notification_id: int) -> None:
        """Store the position durably."""
        self._connection.execute(_UPSERT_POSITION.format(p="%s"),
                                 (self.relay_name, notification_id))

    def read_last_record(self) -> LastRecord | None:
        """Where the last acknowledged record was written, if known."""
        return _last_record(self._connection.execute(_SELECT_LAST_RECORD.format(p="%s"),
                                                     (self.relay_name,)).fetchone())

    def write_last_record(self, last: LastRecord | None) -> None:
        """Store (or forget, with None) where the last acknowledged record was written."""
        if last is None:
            self._connection.execute(_DELETE_LAST_RECORD.format(p="%s"), (self.relay_name,))
            return
        self._connection.execute(_UPSERT_LAST_RECORD.format(p="%s"), (
            self.relay_name, last.partition, last.offset, last.notification_id))

    def close(self) -> None:
        """Release the connection."""
        self._connection.close()


def position_store_from_env(store_env: Mapping[str, str], relay_name: str) -> PositionStore:
    """The position store in the database named by eventsourcing's environment."""
    module = store_env.get("PERSISTENCE_MODULE", "")
    if module == "eventsourcing.sqlite":
        return SQLitePositionStore(store_env.get("SQLITE_DBNAME", ""), relay_name,
                                   lock_timeout_s=int(store_env.get("SQLITE_LOCK_TIMEOUT", "10")))
    if module == "eventsourcing.postgres":
        return PostgresPositionStore(
            relay_name,
            host=store_env.get("POSTGRES_HOST", "127.0.0.1"),
            port=int(store_env.get("POSTGRES_PORT", "5432")),
            user=store_env.get("POSTGRES_USER", "postgres"),
            password=store_env.get("POSTGRES_PASSWORD", ""),
            dbname=store_env["POSTGRES_DBNAME"],
            connect_timeout_s=int(store_env.get("POSTGRES_CONNECT_TIMEOUT", "10")),
        )
    raise ValueError(f"the relay needs PERSISTENCE_MODULE eventsourcing.sqlite or "
                     f"eventsourcing.postgres, not {module!r}")
