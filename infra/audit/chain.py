"""The hash chain over stored events, the ``event_chain`` table, and the sealer.

Each link is ``SHA-256(previous link || canonical bytes of one stored event)``, where the
canonical bytes are the stored row exactly as the database holds it: notification id,
originator (stream) id, originator version, topic and state, each typed and
length-prefixed so no two different rows encode alike. The first link's "previous link" is
a fixed genesis value. Nothing outside the events table enters a link: a household's
personal data lives encrypted under its own key outside the event store, so erasing it (by
destroying the key) changes no stored event and never breaks the chain.

Since issue 13 every event is linked *as it is written*: ``infra.audit.sealing`` extends
eventsourcing's recorders so the links of a transaction's events are inserted in that very
transaction, under the lock that already serialises writers. The sealer below remains for
stores written before that (``cocagne seal``, and the catch-up a sealing recorder runs when
it opens a store), and its links are the same: a store sealed by it continues unchanged.

The sealer follows the notification log (the same ``SELECT … ORDER BY notification id``
query eventsourcing's ``select_notifications`` runs, through a connection of its own) and
appends one row per event to ``event_chain`` in the same database: SQLite or PostgreSQL.
It reads the rows itself rather than through the recorder so that verification can still
read a row the application could no longer parse (a mangled stream id, say), and so both
sealing and verification see the very same bytes.

Notification ids may have gaps (a PostgreSQL sequence skips ids of rolled-back inserts):
links record the ids they cover, so gaps are harmless and an event that appears in one
later is reported, not silently chained.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple, Protocol
from uuid import UUID

import psycopg

from infra.store import (
    APPLICATION_NAME,
    POSTGRES_CONNECT_TIMEOUT_S,
    SQLITE_LOCK_TIMEOUT_S,
    StoreLocation,
)

CHAIN_TABLE = "event_chain"
ALGORITHM = "sha256-chain-v1"
"""Names the link formula; a checkpoint records it so a later formula cannot be confused."""
GENESIS_LINK = hashlib.sha256(b"cocagne-ledger event chain v1").digest()
PAGE_SIZE_MAX = 1_000
"""Rows read per query: events are a few hundred bytes, so a page stays well under a few MB."""
SEAL_BATCH_MAX = 1_000
"""Links written per transaction: keeps the sealer's write lock to a few milliseconds."""
SEAL_BATCHES_PER_CALL_MAX = 10_000
"""Batches one ``seal`` call writes (ten million events) before handing back control."""
POSTGRES_SEALER_LOCK_KEY = 0x636F6361676E65  # "cocagne": serialises concurrent sealers.
SQLITE_EVENTS_TABLE = "stored_events"
POSTGRES_EVENTS_TABLE = f"{APPLICATION_NAME.lower()}_events"
"""eventsourcing names the PostgreSQL table after the application: ``ledger_events``."""

SETTINGS_TABLE = "event_chain_settings"
"""One small table of named integers beside the chain (``SEALED_SINCE``)."""
SEALED_SINCE = "sealed_as_written_since"
"""The first notification id linked by the write transaction itself. Its presence means every
later event is linked as it is written, so an event found without a link after it was slipped
in behind the ledger's back: it is never chained silently (see ``infra.audit.sealing``)."""
CHECKPOINTS_TABLE = "chain_checkpoints"
"""Signed checkpoints kept in the store's database, for ``/api/checkpoints`` and exports."""
CHECKPOINTS_LISTED_MAX = 1_000
"""Checkpoints one listing returns: at one every ten minutes, a week of them."""

SQLITE_CHAIN_DDL = (
    f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} ("
    "notification_id INTEGER PRIMARY KEY, "
    "sequence INTEGER NOT NULL UNIQUE, "
    "originator_id TEXT NOT NULL, "
    "originator_version INTEGER NOT NULL, "
    "topic TEXT NOT NULL, "
    "link BLOB NOT NULL, "
    "sealed_at TEXT NOT NULL)")
SQLITE_SETTINGS_DDL = (f"CREATE TABLE IF NOT EXISTS {SETTINGS_TABLE} ("
                       "name TEXT PRIMARY KEY, value INTEGER)")
SQLITE_CHECKPOINTS_DDL = (
    f"CREATE TABLE IF NOT EXISTS {CHECKPOINTS_TABLE} ("
    "notification_id INTEGER PRIMARY KEY, sequence INTEGER NOT NULL, head TEXT NOT NULL, "
    "key_id TEXT NOT NULL, created_at TEXT NOT NULL, document BLOB NOT NULL)")


def postgres_chain_ddl(schema: str) -> list[str]:
    """The chain, settings and checkpoint tables in ``schema`` (PostgreSQL)."""
    return [
        f'CREATE TABLE IF NOT EXISTS "{schema}"."{CHAIN_TABLE}" ('
        "notification_id bigint PRIMARY KEY, "
        "sequence bigint NOT NULL UNIQUE, "
        "originator_id text NOT NULL, "
        "originator_version bigint NOT NULL, "
        "topic text NOT NULL, "
        "link bytea NOT NULL, "
        "sealed_at text NOT NULL)",
        f'CREATE TABLE IF NOT EXISTS "{schema}"."{SETTINGS_TABLE}" ('
        "name text PRIMARY KEY, value bigint)",
        f'CREATE TABLE IF NOT EXISTS "{schema}"."{CHECKPOINTS_TABLE}" ('
        "notification_id bigint PRIMARY KEY, sequence bigint NOT NULL, head text NOT NULL, "
        "key_id text NOT NULL, created_at text NOT NULL, document bytea NOT NULL)",
    ]


StoredValue = UUID | str | bytes | int | None
_HEX_UUID = re.compile(r"[0-9a-f]{32}")


class ChainError(Exception):
    """The chain cannot be read or extended (no event store, a concurrent sealer…)."""


class StoredRow(NamedTuple):
    """One row of the events table, each value exactly as the database driver gave it.

    A named tuple rather than a dataclass: one is made per event written, and building a
    tuple costs a fifth of a frozen dataclass.
    """

    notification_id: int
    originator_id: StoredValue
    originator_version: StoredValue
    topic: StoredValue
    state: StoredValue


@dataclass(frozen=True)
class Link:
    """One row of ``event_chain``: the link over one event and who that event was."""

    sequence: int
    """Position in the chain, from 1: the number of events sealed up to this one."""
    notification_id: int
    originator_id: str
    originator_version: int
    topic: str
    link: bytes
    sealed_at: str
    redacted: bool = False
    """Only in an exported file scoped to one member: the event itself is left out (it does
    not concern that member), so this link is taken as given, not recomputed."""


_LENGTH_32 = struct.Struct(">I").pack
_LENGTH_64 = struct.Struct(">Q").pack


def _field(value: StoredValue) -> bytes:
    """A typed, length-prefixed encoding: a change of type is a change of bytes."""
    # The exact types the drivers return first (this runs five times per event written),
    # then the general rules, which also cover subclasses (a bool is encoded as an int).
    kind = type(value)
    if kind is bytes:
        assert isinstance(value, bytes)
        return b"B" + _LENGTH_64(len(value)) + value
    if kind is str:
        assert isinstance(value, str)
        data = value.encode("utf-8", "surrogatepass")
        return b"S" + _LENGTH_64(len(data)) + data
    if kind is int:
        text = str(value).encode()
        return b"I" + _LENGTH_32(len(text)) + text
    if value is None:
        return b"N"
    if isinstance(value, UUID):
        return b"U" + value.bytes
    if isinstance(value, int):
        text = str(value).encode()
        return b"I" + _LENGTH_32(len(text)) + text
    if isinstance(value, bytes):
        return b"B" + _LENGTH_64(len(value)) + value
    data = value.encode("utf-8", "surrogatepass")
    return b"S" + _LENGTH_64(len(data)) + data


def compute_link(previous: bytes, row: StoredRow) -> bytes:
    """The link over ``row`` following ``previous``.

    ``SHA-256(previous || field(notification id) || field(stream id) || field(version) ||
    field(topic) || field(state))``: one hash over the concatenation, as it always was.
    """
    return hashlib.sha256(b"".join((
        previous, _field(row.notification_id), _field(row.originator_id),
        _field(row.originator_version), _field(row.topic), _field(row.state)))).digest()


def _text(value: StoredValue) -> str:
    if isinstance(value, bytes):
        return value.hex()
    return "" if value is None else str(value)


def _integer(value: StoredValue) -> int:
    return value if isinstance(value, int) else -1


def link_for(sequence: int, row: StoredRow, link: bytes, sealed_at: str) -> Link:
    """The chain row recording ``link`` over ``row``."""
    return Link(sequence=sequence, notification_id=row.notification_id,
                originator_id=_text(row.originator_id),
                originator_version=_integer(row.originator_version), topic=_text(row.topic),
                link=link, sealed_at=sealed_at)


ChainRow = tuple[int, int, str, int, str, bytes, str]
"""An ``event_chain`` row as inserted: notification id, position, stream id, version, topic,
link, sealed at."""


def chain_rows(previous: bytes, sequence: int, rows: Sequence[StoredRow], sealed_at: str
               ) -> list[ChainRow]:
    """The chain rows over ``rows`` (what ``link_rows`` gives, as plain tuples to insert)."""
    found = []
    sha256 = hashlib.sha256
    for row in rows:
        notification_id, stream, version, topic, state = row
        if (type(notification_id) is int and type(stream) is UUID and type(version) is int
                and type(topic) is str and type(state) is bytes):
            # What every event written by the ledger holds: ``compute_link`` inlined (the
            # same bytes, pinned by a test), a third cheaper on the write path.
            number, version_text = str(notification_id).encode(), str(version).encode()
            topic_bytes = topic.encode("utf-8", "surrogatepass")
            previous = sha256(b"".join((
                previous, b"I", _LENGTH_32(len(number)), number, b"U", stream.bytes,
                b"I", _LENGTH_32(len(version_text)), version_text,
                b"S", _LENGTH_64(len(topic_bytes)), topic_bytes,
                b"B", _LENGTH_64(len(state)), state))).digest()
            sequence += 1
            found.append((notification_id, sequence, str(stream), version, topic, previous,
                          sealed_at))
            continue
        previous = compute_link(previous, row)
        sequence += 1
        found.append((row.notification_id, sequence, _text(row.originator_id),
                      _integer(row.originator_version), _text(row.topic), previous, sealed_at))
    return found


def link_rows(previous: bytes, sequence: int, rows: Sequence[StoredRow], sealed_at: str
              ) -> list[Link]:
    """The links over ``rows``, following the link ``previous`` at chain position ``sequence``."""
    links = []
    for row in rows:
        previous = compute_link(previous, row)
        sequence += 1
        links.append(link_for(sequence, row, previous, sealed_at))
    return links


def utc_timestamp() -> str:
    """When links are sealed: ISO 8601 in UTC (stored, never shown as such to people)."""
    return datetime.now(tz=UTC).isoformat()


class ChainStore(Protocol):
    """Reads the events table and reads and extends ``event_chain`` in the same database
    (or, for an exported history file, reads both from the file)."""

    source: str
    """Where the history was read: a database URL (without password) or a file path."""

    def read_events(self, start: int, limit: int) -> list[StoredRow]:
        """Events with notification id ``>= start``, in order, at most ``limit``."""
        ...

    def read_links(self, start: int, limit: int) -> list[Link]:
        """Links with notification id ``>= start``, in order, at most ``limit``."""
        ...

    def head(self) -> Link | None:
        """The last link, or None before anything is sealed."""
        ...

    def append(self, links: Sequence[Link], expected_head_sequence: int) -> None:
        """Add links after the head at ``expected_head_sequence``, atomically."""
        ...

    def max_notification_id(self) -> int:
        """The last notification id in the events table (0 when empty)."""
        ...

    def sealed_as_written_since(self) -> int | None:
        """The first notification id linked as written, or None (not sealed as written)."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


class CheckpointArchive(Protocol):
    """Signed checkpoints kept in the store's database (the documents are opaque here)."""

    def save_checkpoint(self, notification_id: int, sequence: int, head: str, key_id: str,
                        created_at: str, document: bytes) -> bool:
        """Keep one signed checkpoint; False when one at that position is already kept."""
        ...

    def read_checkpoints(self, limit: int = CHECKPOINTS_LISTED_MAX,
                         at_or_before: int | None = None) -> list[bytes]:
        """Kept checkpoint documents, latest first."""
        ...


class DatabaseChainStore(ChainStore, CheckpointArchive, Protocol):
    """The chain and the checkpoints of a database."""

    location: StoreLocation


def iter_events(store: ChainStore, start: int = 1) -> Iterator[StoredRow]:
    """Every event from ``start`` on, a page at a time.

    The number of pages is bounded by the history itself; each page by ``PAGE_SIZE_MAX``.
    """
    position = start
    while True:
        rows = store.read_events(position, PAGE_SIZE_MAX)
        yield from rows
        if len(rows) < PAGE_SIZE_MAX:
            return
        position = rows[-1].notification_id + 1


def iter_links(store: ChainStore, start: int = 1) -> Iterator[Link]:
    """Every link from ``start`` on, a page at a time (bounded like ``iter_events``)."""
    position = start
    while True:
        links = store.read_links(position, PAGE_SIZE_MAX)
        yield from links
        if len(links) < PAGE_SIZE_MAX:
            return
        position = links[-1].notification_id + 1


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


class Sealer:
    """Follows the notification log and appends a link for every new event."""

    def __init__(self, store: ChainStore) -> None:
        self.store = store

    def seal(self, batches_max: int = SEAL_BATCHES_PER_CALL_MAX) -> int:
        """Seal the events stored since the head; returns how many were sealed."""
        head = self.store.head()
        previous = head.link if head else GENESIS_LINK
        sequence = head.sequence if head else 0
        position = head.notification_id + 1 if head else 1
        sealed = 0
        for _ in range(batches_max):
            rows = self.store.read_events(position, SEAL_BATCH_MAX)
            if not rows:
                break
            links = link_rows(previous, sequence, rows, utc_timestamp())
            self.store.append(links, expected_head_sequence=sequence)
            previous, sequence = links[-1].link, links[-1].sequence
            sealed += len(links)
            position = rows[-1].notification_id + 1
        return sealed
