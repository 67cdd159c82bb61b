"""Dead letters: the records a consumer could not decode or apply, set aside with the reason.

A poison record (garbage bytes, a truncated event, a record without the relay's headers, an
event of a type or version this code does not know, an event the view cannot apply) must
neither stop the consumer nor vanish. The projection consumer stores it here, in the same
transaction as the batch's other effects and offsets, logs it with its topic, partition and
offset, and goes on: the consumer's position passes it.

**Table** ``consumer_dead_letters`` (prefixed like every view table, in the consumer's own
view database: the SQLite file or the PostgreSQL tables of ``cocagne consume``), one row per
record and view: view, topic, partition, offset, what could be read of it (stream id, event
type, notification id, stream version), the error, the record's value (its first
``VALUE_BYTES_MAX`` bytes) with its full length and a digest, and when it was set aside.
A redelivered poison record (after a rebalance or a crash before the offset commit) is the
same row again: the key includes the value's digest, so it is stored once, yet a different
record at the same offset of a republished topic is stored too.

**What it means for the view.** A dead-lettered event is not applied and its stream's
version does not advance, so the stream's later events are held back as gaps (logged) rather
than applied past a hole. Once the cause is fixed (a consumer upgraded to know a newer event
type, a view bug fixed), ``cocagne relay --from N`` republishes the stream from the store,
the one source of truth, and the view applies it in order.

**Listing**: :func:`list_dead_letters` (what ``cocagne consume VIEW --dead-letters`` prints),
newest first, bounded by ``LIST_LIMIT_MAX``.

**Rebuild from zero**: the table belongs to the consumer views; dropping the view database
drops it too (the records are still on the topic, or in the store).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from projections.view_store import ViewDatabase, ViewTransaction

TABLE = "consumer_dead_letters"
VALUE_BYTES_MAX = 65_536
"""Bytes of a dead record's value kept: a relayed event is about 300 bytes, so a whole one
is always kept; garbage up to the fetch size (1 MiB) is cut, its length and digest kept."""
ERROR_LENGTH_MAX = 2_000  # Characters of the error kept: the first line says it all.
LIST_LIMIT_DEFAULT = 100
LIST_LIMIT_MAX = 10_000  # Rows one listing returns: more is an export, not a listing.


class DeadLetter(msgspec.Struct, frozen=True, kw_only=True):
    """A record set aside by a consumer, and why (also the JSON of a listing line)."""

    view: str
    topic: str
    partition: int
    offset: int
    error: str
    """What failed: ``not a relayed event: …``, ``cannot decode …``, ``cannot apply …``."""
    stream_id: str | None = None
    event_type: str | None = None
    notification_id: int | None = None
    stream_version: int | None = None
    value: bytes = b""
    """The record's value, cut at ``VALUE_BYTES_MAX`` bytes."""
    value_length: int = 0
    """The value's full length in bytes."""
    value_sha256: str = ""
    recorded_at_us: int = 0
    """When the consumer set it aside, in microseconds since the epoch (0: not stored yet)."""


def dead_letter(*, view: str, topic: str, partition: int, offset: int, error: str,
                value: bytes | None, stream_id: str | None = None,
                event_type: str | None = None, notification_id: int | None = None,
                stream_version: int | None = None) -> DeadLetter:
    """A dead letter for one record (value cut and digested here)."""
    raw = value or b""
    return DeadLetter(view=view, topic=topic, partition=partition, offset=offset,
                      error=error[:ERROR_LENGTH_MAX], stream_id=stream_id,
                      event_type=event_type, notification_id=notification_id,
                      stream_version=stream_version, value=raw[:VALUE_BYTES_MAX],
                      value_length=len(raw), value_sha256=hashlib.sha256(raw).hexdigest())


_COLUMNS = ("view", "topic", "partition_id", "record_offset", "value_sha256", "error",
            "stream_id", "event_type", "notification_id", "stream_version", "value",
            "value_length", "recorded_at_us")


@dataclass(frozen=True)
class DeadLetterTable:
    """The dead-letter table of one view database."""

    database: ViewDatabase

    @property
    def name(self) -> str:
        """The table's full (prefixed) name."""
        return self.database.table(TABLE)

    def create_statements(self) -> list[str]:
        """DDL of the table and its listing index."""
        blob = "BLOB" if self.database.dialect == "sqlite" else "BYTEA"
        # "offset" and "partition" are reserved words in SQL: suffixed names avoid quoting.
        return [
            f"CREATE TABLE IF NOT EXISTS {self.name} ("
            "view TEXT NOT NULL, topic TEXT NOT NULL, partition_id INTEGER NOT NULL, "
            "record_offset BIGINT NOT NULL, value_sha256 TEXT NOT NULL, error TEXT NOT NULL, "
            "stream_id TEXT, event_type TEXT, notification_id BIGINT, stream_version BIGINT, "
            f"value {blob} NOT NULL, value_length BIGINT NOT NULL, "
            "recorded_at_us BIGINT NOT NULL, "
            "PRIMARY KEY (view, topic, partition_id, record_offset, value_sha256))",
            f"CREATE INDEX IF NOT EXISTS {self.name}_recorded "
            f"ON {self.name} (view, recorded_at_us)",
        ]

    def create(self, transaction: ViewTransaction) -> None:
        """Create the table if missing."""
        for statement in self.create_statements():
            transaction.execute(statement)

    def record(self, transaction: ViewTransaction, letters: Sequence[DeadLetter]) -> None:
        """Store dead letters (a repeat of a stored one changes nothing)."""
        if not letters:
            return
        now_us = time.time_ns() // 1_000
        transaction.executemany(
            f"INSERT INTO {self.name} ({', '.join(_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(_COLUMNS))}) "
            "ON CONFLICT (view, topic, partition_id, record_offset, value_sha256) DO NOTHING",
            [(letter.view, letter.topic, letter.partition, letter.offset, letter.value_sha256,
              letter.error, letter.stream_id, letter.event_type, letter.notification_id,
              letter.stream_version, letter.value, letter.value_length, now_us)
             for letter in letters])

    def count(self, view: str | None = None) -> int:
        """Dead letters stored (for one view, or all)."""
        where, params = (" WHERE view = ?", (view,)) if view is not None else ("", ())
        rows = self.database.query(f"SELECT COUNT(*) FROM {self.name}{where}", params)
        return int(rows[0][0])

    def list(self, view: str | None = None, *,
             limit: int = LIST_LIMIT_DEFAULT) -> list[DeadLetter]:
        """Dead letters, newest first (then by topic, partition, offset)."""
        if not 1 <= limit <= LIST_LIMIT_MAX:
            raise ValueError(f"a listing shows 1 to {LIST_LIMIT_MAX} dead letters, not {limit}")
        where, params = (" WHERE view = ?", (view,)) if view is not None else ("", ())
        rows = self.database.query(
            f"SELECT {', '.join(_COLUMNS)} FROM {self.name}{where} "
            "ORDER BY recorded_at_us DESC, topic, partition_id, record_offset "
            f"LIMIT {int(limit)}", params)
        return [DeadLetter(view=row[0], topic=row[1], partition=int(row[2]),
                           offset=int(row[3]), value_sha256=row[4], error=row[5],
                           stream_id=row[6], event_type=row[7],
                           notification_id=None if row[8] is None else int(row[8]),
                           stream_version=None if row[9] is None else int(row[9]),
                           value=bytes(row[10]), value_length=int(row[11]),
                           recorded_at_us=int(row[12]))
                for row in rows]


def list_dead_letters(database: ViewDatabase, view: str | None = None, *,
                      limit: int = LIST_LIMIT_DEFAULT) -> list[DeadLetter]:
    """The dead letters of a consumer view database, newest first.

    An empty list when no consumer ever ran on it (the table does not exist yet).
    """
    table = DeadLetterTable(database)
    if table.name not in database.table_names():
        return []
    return table.list(view, limit=limit)
