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
sealing and verification see the very same bytes. Those reads and writes, for SQLite and
PostgreSQL, are ``infra.audit.chain_stores``; this module holds the formula, the tables, the
store's interface and the sealer.

Notification ids may have gaps (a PostgreSQL sequence skips ids of rolled-back inserts):
links record the ids they cover, so gaps are harmless and an event that appears in one
later is reported, not silently chained.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple, Protocol
from uuid import UUID

from infra.store import APPLICATION_NAME, StoreLocation

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
