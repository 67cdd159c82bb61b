"""Projection consumers: a consumer group that applies the relay's topic to a view.

Each process of a group (``cocagne consume stock``, ``trace``, ``balances``) polls a bounded
batch of records, hands it to :class:`ProjectionHandler` (a pure handler: records in, one
database transaction out, testable without a broker), and commits the Kafka offsets only
after that transaction committed. The view is the same :class:`projections.runner.View` the
in-process runner feeds, through the same ``View.apply(transaction, [(notification id,
event)])``, so a view built here equals the in-process one row for row.

**What one batch does, in one transaction of the view database**: lock the view's consumer
state; load the last applied version of every stream in the batch; classify each record
(:func:`plan_batch`) as new, duplicate or gap; decode the new ones the view reads with
``domain.codec.decode_event(event-type header, value)``; ``View.apply`` them in notification
order; store the streams' new versions and each partition's next offset. Then, and only then,
the Kafka offsets are committed. A crash anywhere repeats at most the uncommitted batch, and
the repeat changes nothing.

**Why the dedup key is (stream id, stream version), not the offset or the notification id.**
Offsets name a position in one incarnation of a topic: when the broker is restarted empty and
the relay republishes from zero, offsets restart at 0, and a relay killed mid-batch leaves
repeated records that shift every later offset of the new incarnation against the old one.
A per-partition "last notification id" survives that, but fails twice: when the partition
count changes (a stream moves to another partition whose last id is already past the
stream's unapplied events, which would be skipped), and when a record lands after a later
one of its partition (a failed produce retried by the relay behind records that succeeded),
which would skip the earlier one for good. A stream's versions are 1, 2, 3... with no hole,
whatever the topic, partitioning or number of republications, and each stream's records
keep their order within one relay run. So each record is applied exactly when its version
is the stream's last applied version plus one: lower is a repeat (skipped, counted), higher
is a gap (an earlier version is missing: the record is not applied and an error is logged;
the relay's retry or a republication brings both again, in order). Every stream is tracked,
including streams whose events the view ignores, so that versions stay contiguous.

**Poison records** (see ``consumers.dead_letters``): a record that is not a relayed event
(no key or headers), whose event type or version this code does not know, whose value does
not decode to the event its headers name, or that the view raises on, is stored in the
``consumer_dead_letters`` table with the error, in the batch's transaction, logged with its
topic, partition and offset, and skipped: the batch's offsets pass it, and its stream's
version does not advance (later events of that stream wait as gaps for a republication).
A record fails alone: its batch is applied in one go, and only if that raises is it applied
again record by record, each under a savepoint, to find the culprits. Database errors are
never a record's fault: they fail the batch, which is retried (``BATCH_ATTEMPTS_MAX``).

**Cost**: one row per stream in ``consumer_streams`` (about 60 bytes), the price of a dedup
that never depends on the broker's offsets.

**Tables** (in the view database, with the view's prefix): ``consumer_views`` (view, schema
version), ``consumer_streams`` (view, stream id, last applied version), ``consumer_offsets``
(view, topic, partition, next offset: what this database has consumed, per partition). They
are keyed by view, not by group: two groups feeding one view database dedupe against each
other.

**Where reading starts.** Offsets only choose where to read from; they never decide whether
a record is applied. kafka-python keeps a partition's in-memory position across a
rebalance, even one caused by the broker restarting empty, where that position points into
a topic that no longer exists. So after every rebalance each assigned partition restarts at
the lower of the group's committed offset and this database's stored one, or at the
beginning when either is missing (a new group, a broker that lost its data, a view database
deleted to be rebuilt). Whatever this reads again is recognised as a repeat. Between a
broker's empty restart and the group's rejoin, fetches may still read the new topic from
the old positions: records met there are applied only in version order (some are logged as
gaps), their offset commits fail with the lost membership, and the rejoin restarts the
partitions from the beginning, which fills every gap.

**Concurrency**: processes of one group write disjoint streams, except around a rebalance.
On SQLite ``BEGIN IMMEDIATE`` serialises writers; on PostgreSQL each batch takes a
transaction-level advisory lock per view, so two processes never read the same stream's
version at once. The lock serialises only the database writes; polling, decoding and the
network run in parallel.

**Lag** is the sum over assigned partitions of (highwater from the last fetch response minus
the consumer's position), reported through ``on_lag``; ``end_offsets()`` is not used (it is
wrong on some brokers and costs a round trip).

**Rebuild from zero**: delete the view database (SQLite) or the view's tables and consumer
rows (PostgreSQL), then start the consumer: it seeks every partition to the beginning.
A view whose ``schema_version`` changed is reset the same way at start-up.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
import structlog
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from consumers.dead_letters import DeadLetter, DeadLetterTable, dead_letter
from consumers.relay import BOOTSTRAP_SERVERS_VARIABLE, DEFAULT_BOOTSTRAP_SERVERS, DEFAULT_TOPIC
from domain import catalogue
from domain.base import Event, event_class_for_topic
from domain.codec import decode_event, split_stored_topic
from projections.runner import View
from projections.view_store import IN_LIST_SIZE_MAX, ViewDatabase, ViewTransaction, chunked

__all__ = [
    "BOOTSTRAP_SERVERS_VARIABLE",
    "DEFAULT_BOOTSTRAP_SERVERS",
    "DEFAULT_TOPIC",
    "BatchOutcome",
    "BatchPlan",
    "ConsumerError",
    "ConsumerSettings",
    "ConsumerState",
    "DeadLetter",
    "Delivered",
    "HandlerError",
    "ProjectionConsumer",
    "ProjectionHandler",
    "dead_letter_of_message",
    "delivered_from_message",
    "plan_batch",
]

# Why 1,000: a view applies a thousand events in a few tens of milliseconds, far inside the
# poll interval below, while the per-batch costs (a transaction, two small selects, an offset
# commit round trip) are spread over enough records to stay a small share.
DEFAULT_BATCH_SIZE_MAX = 1_000
BATCH_SIZE_LIMIT = 20_000  # A larger batch could outlast MAX_POLL_INTERVAL_MS on PostgreSQL.
# Why 200 ms: how long one poll waits for records when the topic is idle. The stop flag and
# the periodic work are checked between polls, so it bounds how late they run.
POLL_TIMEOUT_MS = 200
# Group timing. Group joins wait for the rebalance timeout (kafka-python sends
# max_poll_interval_ms as the rebalance timeout), and some brokers wait all of it before a
# first assignment: 6 s keeps a join short, and still leaves each batch (tens of ms) a wide
# margin. The session timeout bounds how long a killed process keeps its partitions.
MAX_POLL_INTERVAL_MS = 6_000
SESSION_TIMEOUT_MS = 6_000
HEARTBEAT_INTERVAL_MS = 2_000  # A third of the session timeout, as Kafka recommends.
REQUEST_TIMEOUT_MS = 10_000  # Above the fetch wait, below the idle-connection limit.
# Why 100 ms: the broker holds a fetch that found nothing this long; it bounds how late a
# record published into an idle partition is seen (end-to-end latency), at ten requests a
# second per broker connection when idle.
FETCH_MAX_WAIT_MS = 100
MAX_PARTITION_FETCH_BYTES = 1_048_576  # About 3,000 stored events per partition per fetch.
# Why 5 s: after a broker restart the relay recreates the topic; the consumer notices it
# (and rejoins) within one metadata refresh.
METADATA_MAX_AGE_MS = 5_000
RETRY_BACKOFF_MS = 100
RECONNECT_BACKOFF_MS = 50
RECONNECT_BACKOFF_MAX_MS = 2_000  # Reconnect to a restarted broker within two seconds.
CONNECTIONS_MAX_IDLE_MS = 540_000
CLOSE_TIMEOUT_MS = 5_000
# Why 10: a batch that fails ten times in a row (about 30 s with the backoff) will not
# succeed by waiting: the process exits non-zero so its supervisor restarts it and the
# failure shows.
BATCH_ATTEMPTS_MAX = 10
# Why 120 s: the broker itself failing (down, restarting, electing a leader) is waited for as
# long as the relay waits (SEND_ATTEMPTS_MAX with its backoff, about two minutes), counted
# in time rather than attempts; longer, the process exits and its supervisor takes over.
BROKER_UNAVAILABLE_S_MAX = 120.0
ERROR_BACKOFF_S_MIN = 0.1
ERROR_BACKOFF_S_MAX = 5.0
# Why 20: a broken republication can make every record of a batch a gap; twenty lines name
# the problem, the summary line counts the rest.
GAP_LOG_LINES_MAX = 20
# Why 100: a topic flooded with garbage must not flood the log; a hundred lines per batch name
# the records (all are in the dead-letter table), the summary line counts them.
DEAD_LETTER_LOG_LINES_MAX = 100
LAG_REPORT_INTERVAL_S = 1.0  # Lag moves with every batch; once a second is enough for a gauge.
POSITION_TIMEOUT_MS = 100  # Positions of fetched partitions are known locally: no round trip.

# Every event type the ledger writes is known to this process, whatever views it feeds: a
# type missing from the catalogue is a newer ledger's (or garbage), and is set aside.
KNOWN_STREAM_MODULES = catalogue.STREAM_MODULES
_HEADER_EVENT_TYPE = "event-type"
_HEADER_NOTIFICATION_ID = "notification-id"
_HEADER_STREAM_VERSION = "stream-version"

log = structlog.get_logger("cocagne.consumer")


class ConsumerError(RuntimeError):
    """A consumer cannot make progress; the process should exit and be restarted.

    Names the record (or the first record of the batch) that kept failing, when known.
    """

    def __init__(self, message: str, *, topic: str | None = None,
                 partition: int | None = None, offset: int | None = None) -> None:
        super().__init__(message)
        self.topic = topic
        self.partition = partition
        self.offset = offset


class HandlerError(RuntimeError):
    """A record could not be applied; names the record so the log line can."""

    def __init__(self, message: str, record: Delivered | None = None) -> None:
        super().__init__(message)
        self.record = record


# ---------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True, slots=True)
class Delivered:
    """One record of the relay's topic, as the handler sees it (no broker types)."""

    topic: str
    partition: int
    offset: int
    stream_id: str
    event_type: str
    notification_id: int
    stream_version: int
    value: bytes


def delivered_from_message(message: Any) -> Delivered:
    """A :class:`Delivered` from a kafka-python ``ConsumerRecord`` written by the relay."""
    headers = dict(message.headers or ())
    try:
        stream_id = bytes(message.key).decode("ascii")
        UUID(stream_id)  # The relay keys every record by its stream's id.
        return Delivered(
            topic=message.topic, partition=message.partition, offset=message.offset,
            stream_id=stream_id,
            event_type=headers[_HEADER_EVENT_TYPE].decode(),
            notification_id=int(headers[_HEADER_NOTIFICATION_ID]),
            stream_version=int(headers[_HEADER_STREAM_VERSION]),
            value=bytes(message.value))
    except (KeyError, ValueError, TypeError, UnicodeDecodeError) as error:
        raise HandlerError(f"record is not a relayed event (a stream id as key, headers "
                           f"{_HEADER_EVENT_TYPE}, {_HEADER_NOTIFICATION_ID}, "
                           f"{_HEADER_STREAM_VERSION} required): {error!r}") from error


def dead_letter_of_message(view: str, message: Any, error: Exception) -> DeadLetter:
    """The dead letter of a kafka-python record that is not a relayed event."""
    value = message.value if isinstance(message.value, bytes | bytearray) else None
    return dead_letter(view=view, topic=message.topic, partition=message.partition,
                       offset=message.offset, error=str(error),
                       value=None if value is None else bytes(value))


def dead_letter_of_record(view: str, record: Delivered, error: Exception) -> DeadLetter:
    """The dead letter of a relayed record that could not be decoded or applied."""
    return dead_letter(view=view, topic=record.topic, partition=record.partition,
                       offset=record.offset, error=str(error), value=record.value,
                       stream_id=record.stream_id, event_type=record.event_type,
                       notification_id=record.notification_id,
                       stream_version=record.stream_version)


def is_database_error(error: BaseException) -> bool:
    """Whether ``error`` came from the view database (never a record's fault: retried)."""
    return isinstance(error, sqlite3.Error | psycopg.Error)


@contextmanager
def savepoint(transaction: ViewTransaction, name: str) -> Iterator[None]:
    """A savepoint: what the block wrote is undone if it raises, the transaction lives on."""
    transaction.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        transaction.execute(f"ROLLBACK TO SAVEPOINT {name}")
        transaction.execute(f"RELEASE SAVEPOINT {name}")
        raise
    transaction.execute(f"RELEASE SAVEPOINT {name}")


# ---------------------------------------------------------------------------------------------
# The pure part: which records to apply


@dataclass
class BatchPlan:
    """What a batch does, decided from the records and the streams' applied versions."""

    to_apply: list[Delivered] = field(default_factory=list)
    """New records, in notification order (each stream's in version order)."""
    duplicates: list[Delivered] = field(default_factory=list)
    gaps: list[tuple[Delivered, int]] = field(default_factory=list)
    """Records whose stream misses an earlier version: (record, version expected)."""
    versions: dict[str, int] = field(default_factory=dict)
    """Streams whose applied version moves, with their new version."""


def plan_batch(records: Iterable[Delivered], applied: Mapping[str, int]) -> BatchPlan:
    """Classify records against each stream's last applied version (0: none yet).

    Records are taken in notification order, so a stream's versions come in order even when
    the batch holds a stream's records out of order (a retried produce) or twice.
    """
    plan = BatchPlan()
    ordered = sorted(records, key=lambda record: (record.notification_id, record.partition,
                                                  record.offset))
    for record in ordered:
        stream_id = record.stream_id
        last = plan.versions.get(stream_id)
        if last is None:
            last = applied.get(stream_id, 0)
        if record.stream_version <= last:
            plan.duplicates.append(record)
        elif record.stream_version == last + 1:
            plan.versions[stream_id] = record.stream_version
            plan.to_apply.append(record)
        else:
            plan.gaps.append((record, last + 1))
    return plan


# ---------------------------------------------------------------------------------------------
# The consumer's state in the view database


class ConsumerState:
    """The consumer tables of one view: schema version, streams' versions, offsets."""

    def __init__(self, database: ViewDatabase, view_name: str) -> None:
        self.database = database
        self.view_name = view_name
        self.views_table = database.table("consumer_views")
        self.streams_table = database.table("consumer_streams")
        self.offsets_table = database.table("consumer_offsets")
        self.dead_letters = DeadLetterTable(database)
        # A stable 31-bit key for PostgreSQL's advisory lock, one per view.
        self._lock_key = zlib.crc32(f"cocagne.consumer.{view_name}".encode()) & 0x7FFF_FFFF

    def create_statements(self) -> list[str]:
        """DDL of the consumer tables (shared by every view of the database)."""
        without_rowid = " WITHOUT ROWID" if self.database.dialect == "sqlite" else ""
        return [
            f"CREATE TABLE IF NOT EXISTS {self.views_table} ("
            "view TEXT PRIMARY KEY, schema_version INTEGER NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.streams_table} ("
            "view TEXT NOT NULL, stream_id TEXT NOT NULL, version BIGINT NOT NULL, "
            f"PRIMARY KEY (view, stream_id)){without_rowid}",
            f"CREATE TABLE IF NOT EXISTS {self.offsets_table} ("
            "view TEXT NOT NULL, topic TEXT NOT NULL, partition_id INTEGER NOT NULL, "
            "next_offset BIGINT NOT NULL, updated_at_us BIGINT NOT NULL, "
            f"PRIMARY KEY (view, topic, partition_id)){without_rowid}",
            *self.dead_letters.create_statements(),
        ]

    def lock(self, transaction: ViewTransaction) -> None:
        """Serialise this view's batches across processes (PostgreSQL; SQLite already does
        with ``BEGIN IMMEDIATE``)."""
        if self.database.dialect == "postgres":
            transaction.query("SELECT pg_advisory_xact_lock(?)", (self._lock_key,))

    def setup(self, view: View) -> bool:
        """Create the tables; reset the view if its schema changed. True if reset (empty)."""
        with self.database.transaction() as transaction:
            # The consumer tables are shared by every view of the database, and PostgreSQL's
            # CREATE TABLE IF NOT EXISTS is not safe against a concurrent one (two consumers
            # of different views starting together: "duplicate key ... pg_type"): one lock
            # for every view's set-up, then the view's own lock.
            if self.database.dialect == "postgres":
                transaction.query("SELECT pg_advisory_xact_lock(?)", (_SETUP_LOCK_KEY,))
            self.lock(transaction)
            for statement in self.create_statements():
                transaction.execute(statement)
            rows = transaction.query(
                f"SELECT schema_version FROM {self.views_table} WHERE view = ?",
                (self.view_name,))
            if rows and int(rows[0][0]) == view.schema_version:
                view.create(transaction)  # Tables dropped by hand come back (empty).
                return False
            view.drop(transaction)
            view.create(transaction)
            for table in (self.streams_table, self.offsets_table, self.dead_letters.name,
                          self.views_table):
                transaction.execute(f"DELETE FROM {table} WHERE view = ?", (self.view_name,))
            transaction.execute(
                f"INSERT INTO {self.views_table} (view, schema_version) VALUES (?, ?)",
                (self.view_name, view.schema_version))
            return True

    def applied_versions(self, transaction: ViewTransaction,
                         stream_ids: Sequence[str]) -> dict[str, int]:
        """Last applied version of each of ``stream_ids`` that has one."""
        versions: dict[str, int] = {}
        for chunk in chunked(stream_ids, IN_LIST_SIZE_MAX):
            marks = ",".join("?" * len(chunk))
            for stream_id, version in transaction.query(
                    f"SELECT stream_id, version FROM {self.streams_table} "
                    f"WHERE view = ? AND stream_id IN ({marks})", (self.view_name, *chunk)):
                versions[stream_id] = int(version)
        return versions

    def save(self, transaction: ViewTransaction, versions: Mapping[str, int],
             next_offsets: Mapping[tuple[str, int], int]) -> None:
        """Store streams' new versions and partitions' next offsets."""
        if versions:
            transaction.executemany(
                f"INSERT INTO {self.streams_table} (view, stream_id, version) VALUES (?, ?, ?) "
                "ON CONFLICT (view, stream_id) DO UPDATE SET version = excluded.version",
                [(self.view_name, stream_id, version)
                 for stream_id, version in versions.items()])
        if next_offsets:
            now_us = to_us_now()
            transaction.executemany(
                f"INSERT INTO {self.offsets_table} (view, topic, partition_id, next_offset, "
                "updated_at_us) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (view, topic, partition_id) DO UPDATE SET "
                "next_offset = excluded.next_offset, updated_at_us = excluded.updated_at_us",
                [(self.view_name, topic, partition, offset, now_us)
                 for (topic, partition), offset in next_offsets.items()])

    def stored_offsets(self, topic: str) -> dict[int, int]:
        """Next offset of each partition of ``topic`` this database has consumed from."""
        return {int(row[0]): int(row[1]) for row in self.database.query(
            f"SELECT partition_id, next_offset FROM {self.offsets_table} "
            "WHERE view = ? AND topic = ?", (self.view_name, topic))}

    def stream_count(self) -> int:
        """Streams tracked for this view."""
        rows = self.database.query(
            f"SELECT COUNT(*) FROM {self.streams_table} WHERE view = ?", (self.view_name,))
        return int(rows[0][0])


_SETUP_LOCK_KEY = zlib.crc32(b"cocagne.consumer.setup") & 0x7FFF_FFFF


def to_us_now() -> int:
    """Now, in microseconds since the epoch (``projections.view_store.to_us`` of now)."""
    return time.time_ns() // 1_000


# ---------------------------------------------------------------------------------------------
# The handler


@dataclass
class BatchOutcome:
    """What one handled batch did."""

    records: int = 0
    applied: int = 0
    """Records whose stream version advanced (the view's own events and the others)."""
    events_applied: int = 0
    """Events handed to ``View.apply`` (those of the view's topics)."""
    duplicates: int = 0
    gaps: int = 0
    dead_letters: int = 0
    """Records set aside in the dead-letter table (not decodable, not applicable)."""
    next_offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    notification_ids: list[int] = field(default_factory=list)
    """Notification ids whose effect the batch made durable (new records only)."""


class ProjectionHandler:
    """Applies batches of relayed records to one view, exactly once each.

    The handler knows nothing of Kafka: it takes :class:`Delivered` records and returns when
    their effect is committed, so tests drive it without a broker.
    """

    def __init__(self, view: View, *, view_name: str | None = None) -> None:
        self.view = view
        self.database = view.database
        self.state = ConsumerState(view.database, view_name or view.name)
        self._base_topics = {split_stored_topic(topic)[0] for topic in view.topics}
        self.reset_at_setup = False

    @property
    def name(self) -> str:
        """The view's name, which keys the consumer state."""
        return self.state.view_name

    def setup(self) -> None:
        """Create the view's and the consumer's tables (reset on a schema change)."""
        self.reset_at_setup = self.state.setup(self.view)
        if self.reset_at_setup:
            log.info("consumer.view_created", view=self.name,
                     schema_version=self.view.schema_version)

    def handle(self, records: Sequence[Delivered],
               rejected: Sequence[DeadLetter] = ()) -> BatchOutcome:
        """Apply a batch in one transaction; returns once it is committed.

        ``rejected``: records of the batch that are not relayed events (set aside as they
        are). Records that cannot be decoded or applied are set aside too; the offsets of
        every record, set aside or not, are stored with the batch.
        """
        outcome = BatchOutcome(records=len(records) + len(rejected))
        if not records and not rejected:
            return outcome
        places = [(record.topic, record.partition, record.offset) for record in records]
        places += [(letter.topic, letter.partition, letter.offset) for letter in rejected]
        for topic, partition, offset in places:
            key = (topic, partition)
            outcome.next_offsets[key] = max(outcome.next_offsets.get(key, 0), offset + 1)
        with self.database.transaction() as transaction:
            self.state.lock(transaction)
            stream_ids = list(dict.fromkeys(record.stream_id for record in records))
            applied = self.state.applied_versions(transaction, stream_ids)
            plan, events, dead = self._plan(records, applied)
            batch = [(record.notification_id, events[_key(record)])
                     for record in plan.to_apply if self._reads(record)]
            if batch:
                try:
                    with savepoint(transaction, "consumer_batch"):
                        self.view.apply(transaction, batch)
                except Exception as error:
                    if is_database_error(error):
                        raise
                    plan, failed = self._apply_one_by_one(transaction, plan, events, applied)
                    dead.extend(failed)
                    batch = [(record.notification_id, events[_key(record)])
                             for record in plan.to_apply if self._reads(record)]
            letters = [*rejected, *dead]
            self.state.dead_letters.record(transaction, letters)
            self.state.save(transaction, plan.versions, outcome.next_offsets)
        outcome.applied = len(plan.to_apply)
        outcome.events_applied = len(batch)
        outcome.duplicates = len(plan.duplicates)
        outcome.gaps = len(plan.gaps)
        outcome.dead_letters = len(letters)
        outcome.notification_ids = [record.notification_id for record in plan.to_apply]
        self._log_messages(plan)
        self._log_gaps(plan.gaps)
        self._log_dead_letters(letters)
        return outcome

    def _plan(self, records: Sequence[Delivered], applied: Mapping[str, int],
              ) -> tuple[BatchPlan, dict[tuple[str, int, int], Event], list[DeadLetter]]:
        """The batch's plan once records that do not decode are set aside.

        Each round decodes the records the plan would apply; one that fails is set aside
        and the batch planned again without it, so its stream's later records become gaps.
        Bounded: every round but the last sets aside at least one record.
        """
        events: dict[tuple[str, int, int], Event] = {}
        dead: list[DeadLetter] = []
        excluded: set[tuple[str, int, int]] = set()
        plan = BatchPlan()
        for _ in range(len(records) + 1):
            plan = plan_batch([record for record in records if _key(record) not in excluded],
                              applied)
            failed = False
            for record in plan.to_apply:
                key = _key(record)
                if key in events:
                    continue
                try:
                    events[key] = self._decode(record)
                except HandlerError as error:
                    excluded.add(key)
                    dead.append(dead_letter_of_record(self.name, record, error))
                    failed = True
            if not failed:
                break
        return plan, events, dead

    def _apply_one_by_one(self, transaction: ViewTransaction, plan: BatchPlan,
                          events: Mapping[tuple[str, int, int], Event],
                          applied: Mapping[str, int]) -> tuple[BatchPlan, list[DeadLetter]]:
        """Apply the plan's records one at a time (after the whole batch raised): those the
        view raises on are set aside, with their streams' later records held as gaps."""
        kept = BatchPlan(duplicates=plan.duplicates, gaps=list(plan.gaps))
        dead: list[DeadLetter] = []
        blocked: set[str] = set()
        for record in plan.to_apply:
            stream_id = record.stream_id
            if stream_id in blocked:
                expected = kept.versions.get(stream_id, applied.get(stream_id, 0)) + 1
                kept.gaps.append((record, expected))
                continue
            if self._reads(record):
                try:
                    with savepoint(transaction, "consumer_record"):
                        self.view.apply(transaction,
                                        [(record.notification_id, events[_key(record)])])
                except Exception as error:
                    if is_database_error(error):
                        raise
                    blocked.add(stream_id)
                    dead.append(dead_letter_of_record(
                        self.name, record, HandlerError(
                            f"cannot apply {record.event_type!r} to view {self.name!r}: "
                            f"{type(error).__name__}: {error}", record)))
                    continue
            kept.to_apply.append(record)
            kept.versions[stream_id] = record.stream_version
        return kept, dead

    def _log_messages(self, plan: BatchPlan) -> None:
        """One debug line per consumed message (a no-op call at the usual info level)."""
        bound = log.bind(view=self.name)
        for outcome, records in (("applied", plan.to_apply), ("duplicate", plan.duplicates)):
            for record in records:
                bound.debug("consumer.message", topic=record.topic, partition=record.partition,
                            offset=record.offset, notification_id=record.notification_id,
                            stream_id=record.stream_id, stream_version=record.stream_version,
                            event_type=record.event_type, outcome=outcome)

    def run_in_transaction(self, work: Callable[[ViewTransaction], None]) -> None:
        """Run ``work`` in a locked transaction of the view (periodic work, e.g. alerts)."""
        with self.database.transaction() as transaction:
            self.state.lock(transaction)
            work(transaction)

    def _reads(self, record: Delivered) -> bool:
        return split_stored_topic(record.event_type)[0] in self._base_topics

    def _decode(self, record: Delivered) -> Event:
        """The record's event, checked against its headers; :class:`HandlerError` if the
        record is not one this code can read (every record is decoded, whether the view
        reads it or not, so that every consumer sets aside the same records)."""
        base, version = split_stored_topic(record.event_type)
        try:
            known = event_class_for_topic(base).class_version
        except KeyError as error:
            raise HandlerError(f"unknown event type {record.event_type!r}", record) from error
        if version > known:
            # Written by a newer ledger: applying it as an older shape could lose fields.
            raise HandlerError(f"event type {record.event_type!r} is newer than this code "
                               f"(version {known}): upgrade the consumer", record)
        try:
            event = decode_event(record.event_type, record.value)
        except Exception as error:  # msgspec and upcasters raise several types.
            raise HandlerError(f"cannot decode {record.event_type!r}: "
                               f"{type(error).__name__}: {error}", record) from error
        if (str(event.originator_id) != record.stream_id
                or event.originator_version != record.stream_version):
            raise HandlerError(f"the event is version {event.originator_version} of stream "
                               f"{event.originator_id}, but its record is keyed as version "
                               f"{record.stream_version} of {record.stream_id}", record)
        return event

    def _log_gaps(self, gaps: Sequence[tuple[Delivered, int]]) -> None:
        for record, expected in gaps[:GAP_LOG_LINES_MAX]:
            log.error("consumer.gap", view=self.name, topic=record.topic,
                      partition=record.partition, offset=record.offset,
                      stream_id=record.stream_id, stream_version=record.stream_version,
                      expected_version=expected, notification_id=record.notification_id,
                      hint="an earlier event of this stream never arrived; it is applied "
                           "when the relay republishes it (cocagne relay --from N)")
        if len(gaps) > GAP_LOG_LINES_MAX:
            log.error("consumer.gaps", view=self.name, gaps=len(gaps),
                      logged=GAP_LOG_LINES_MAX)

    def _log_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        for letter in letters[:DEAD_LETTER_LOG_LINES_MAX]:
            log.error("consumer.dead_letter", view=self.name, topic=letter.topic,
                      partition=letter.partition, offset=letter.offset,
                      stream_id=letter.stream_id, event_type=letter.event_type,
                      notification_id=letter.notification_id,
                      stream_version=letter.stream_version, error=letter.error,
                      hint="set aside in the dead-letter table and skipped: "
                           "cocagne consume VIEW --dead-letters lists them")
        if len(letters) > DEAD_LETTER_LOG_LINES_MAX:
            log.error("consumer.dead_letters", view=self.name, dead_letters=len(letters),
                      logged=DEAD_LETTER_LOG_LINES_MAX)


def _key(record: Delivered) -> tuple[str, int, int]:
    """Where a record sits on the broker: unique within one poll."""
    return (record.topic, record.partition, record.offset)


# ---------------------------------------------------------------------------------------------
# The loop


@dataclass(frozen=True)
class ConsumerSettings:
    """How a consumer process reads the topic; every field but the broker has a default."""

    bootstrap_servers: str
    group_id: str
    topic: str = DEFAULT_TOPIC
    batch_size_max: int = DEFAULT_BATCH_SIZE_MAX
    client_id: str = "cocagne-consumer"
    fetch_max_wait_ms: int = FETCH_MAX_WAIT_MS
    batch_attempts_max: int = BATCH_ATTEMPTS_MAX

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size_max <= BATCH_SIZE_LIMIT:
            raise ValueError(f"batch_size_max {self.batch_size_max} is not in "
                             f"1..{BATCH_SIZE_LIMIT}")
        if not self.group_id:
            raise ValueError("a projection consumer needs a group id")
        if self.batch_attempts_max < 1:
            raise ValueError(f"batch_attempts_max {self.batch_attempts_max} must be at least 1")


def new_consumer(settings: ConsumerSettings) -> KafkaConsumer:
    """A group consumer with manual commits and every limit given explicitly."""
    return KafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers.split(","),
        client_id=settings.client_id,
        group_id=settings.group_id,
        enable_auto_commit=False,  # Offsets are committed after the view's transaction only.
        auto_offset_reset="earliest",  # No committed offset (new group, broker data lost).
        max_poll_records=settings.batch_size_max,
        max_poll_interval_ms=MAX_POLL_INTERVAL_MS,
        session_timeout_ms=SESSION_TIMEOUT_MS,
        heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
        request_timeout_ms=REQUEST_TIMEOUT_MS,
        fetch_min_bytes=1,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        max_partition_fetch_bytes=MAX_PARTITION_FETCH_BYTES,
        metadata_max_age_ms=METADATA_MAX_AGE_MS,
        retry_backoff_ms=RETRY_BACKOFF_MS,
        reconnect_backoff_ms=RECONNECT_BACKOFF_MS,
        reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
        connections_max_idle_ms=CONNECTIONS_MAX_IDLE_MS,
        partition_assignment_strategy=(RangePartitionAssignor,),
        isolation_level="read_uncommitted",  # The relay does not use transactions.
        check_crcs=True,
        allow_auto_create_topics=False,  # The relay creates the topic with its partitions.
    )


class _Assignments(ConsumerRebalanceListener):  # type: ignore[misc]  # kafka is untyped.
    """Collects partitions assigned by rebalances (called on kafka-python's IO loop)."""

    def __init__(self, view_name: str, group_id: str) -> None:
        self.view_name = view_name
        self.group_id = group_id
        self._lock = threading.Lock()
        self._fresh: set[TopicPartition] = set()
        self.assigned: frozenset[TopicPartition] = frozenset()

    def on_partitions_revoked(self, revoked: Any) -> None:
        log.info("consumer.revoked", view=self.view_name, group=self.group_id,
                 partitions=sorted(partition.partition for partition in revoked))

    def on_partitions_lost(self, lost: Any) -> None:
        log.warning("consumer.lost", view=self.view_name, group=self.group_id,
                    partitions=sorted(partition.partition for partition in lost))

    def on_partitions_assigned(self, assigned: Any) -> None:
        with self._lock:
            self._fresh.update(assigned)
            self.assigned = frozenset(assigned)
        log.info("consumer.assigned", view=self.view_name, group=self.group_id,
                 partitions=sorted(partition.partition for partition in assigned))

    def take_fresh(self) -> set[TopicPartition]:
        """Partitions assigned since the last call."""
        with self._lock:
            fresh, self._fresh = self._fresh, set()
        return fresh

    def give_back(self, partitions: set[TopicPartition]) -> None:
        """Partitions taken but not dealt with: returned by the next ``take_fresh``."""
        with self._lock:
            self._fresh.update(partitions)


LagCallback = Callable[[str, int], None]
"""``(view name, messages not yet applied)``: e.g. set a gauge (infra owns the metrics)."""
BatchCallback = Callable[[BatchOutcome], None]
"""Called after each batch is durable and its offsets committed."""


class ProjectionConsumer:
    """The thin loop: poll a bounded batch, handle it, commit the offsets, report lag."""

    def __init__(self, settings: ConsumerSettings, handler: ProjectionHandler, *,
                 on_lag: LagCallback | None = None, on_batch: BatchCallback | None = None,
                 periodic: Callable[[], None] | None = None,
                 periodic_interval_s: float = 60.0) -> None:
        self.settings = settings
        self.handler = handler
        self.on_lag = on_lag
        self.on_batch = on_batch
        self.periodic = periodic
        self.periodic_interval_s = periodic_interval_s
        self.lag: int | None = None
        self.batches = 0
        self.applied_total = 0
        self.duplicates_total = 0
        self.gaps_total = 0
        self.dead_letters_total = 0
        self.assignments = _Assignments(handler.name, settings.group_id)
        self._consumer: KafkaConsumer | None = None
        self._lag_reported_s = 0.0
        self._periodic_ran_s = 0.0
        self._failed_at: tuple[str, int, int] | None = None
        """(topic, partition, offset) of the record, or batch start, that failed last."""

    @property
    def assigned_partitions(self) -> list[int]:
        """Partitions this consumer holds now (as of the last rebalance)."""
        return sorted(partition.partition for partition in self.assignments.assigned)

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set. Raises :class:`ConsumerError` after
        ``batch_attempts_max`` failures of one batch in a row.

        The loop is unbounded on purpose (a consumer is a service); each turn is bounded by
        one poll (``POLL_TIMEOUT_MS``) and one batch (``batch_size_max`` records).
        """
        self.handler.setup()
        consumer = new_consumer(self.settings)
        self._consumer = consumer
        consumer.subscribe([self.settings.topic], listener=self.assignments)
        log.info("consumer.started", view=self.handler.name, group=self.settings.group_id,
                 topic=self.settings.topic, bootstrap_servers=self.settings.bootstrap_servers)
        failures = 0
        failing_since_s = 0.0
        try:
            while not stop.is_set():
                try:
                    self.turn(consumer)
                except Exception as error:  # Bounded below: the process exits after that.
                    failures += 1
                    now_s = time.monotonic()
                    failing_since_s = failing_since_s or now_s
                    # The broker's own failures are waited out for a while; anything else
                    # (the view database) gets batch_attempts_max attempts.
                    broker_waited_out = (isinstance(error, KafkaError)
                                         and now_s - failing_since_s < BROKER_UNAVAILABLE_S_MAX)
                    if failures >= self.settings.batch_attempts_max and not broker_waited_out:
                        topic, partition, offset = self._failed_at or (None, None, None)
                        raise ConsumerError(
                            f"consumer of view {self.handler.name!r} failed {failures} times "
                            f"in a row at topic {topic} partition {partition} offset {offset}: "
                            f"{type(error).__name__}: {error}",
                            topic=topic, partition=partition, offset=offset) from error
                    backoff_s = min(ERROR_BACKOFF_S_MIN * 2 ** failures, ERROR_BACKOFF_S_MAX)
                    log.warning("consumer.retrying", view=self.handler.name, attempt=failures,
                                backoff_s=backoff_s, error=f"{type(error).__name__}: {error}")
                    stop.wait(backoff_s)
                else:
                    failures = 0
                    failing_since_s = 0.0
                    self._failed_at = None
        finally:
            self._consumer = None
            try:
                consumer.close(autocommit=False, timeout_ms=CLOSE_TIMEOUT_MS)
            except KafkaError as error:
                log.warning("consumer.close_failed", view=self.handler.name,
                            error=f"{type(error).__name__}: {error}")
            log.info("consumer.stopped", view=self.handler.name, batches=self.batches,
                     applied=self.applied_total, duplicates=self.duplicates_total,
                     gaps=self.gaps_total, dead_letters=self.dead_letters_total)

    def turn(self, consumer: KafkaConsumer) -> int:
        """One poll, at most one batch handled and committed; records handled."""
        polled: dict[Any, list[Any]] = consumer.poll(timeout_ms=POLL_TIMEOUT_MS,
                                                     max_records=self.settings.batch_size_max)
        try:
            polled = self._position_fresh_partitions(consumer, polled)
        except Exception:
            self._fetch_again(consumer, polled)  # The poll moved positions past them.
            raise
        handled = 0
        if polled:
            handled = self._handle(consumer, polled)
        self._report_lag(consumer)
        self._run_periodic()
        return handled

    def _position_fresh_partitions(self, consumer: KafkaConsumer,
                                   polled: dict[Any, list[Any]]) -> dict[Any, list[Any]]:
        """Set the position of each partition assigned by a rebalance from durable state,
        and drop what this poll fetched for them from any other position.

        kafka-python keeps the in-memory position of a partition that stays assigned across
        a rebalance, even when the group lost its membership because the broker restarted
        empty: that position points into the old incarnation of the topic, where a new one
        may hold other records. So after every rebalance each partition restarts from the
        group's committed offset, or from the beginning when the group has none (new group,
        broker data lost) or this view database never consumed the partition (deleted to be
        rebuilt). The lower of the committed offset and this database's stored one is taken
        when both exist, so a database restored from an older backup is refilled too.
        Repeats this causes are recognised by the handler.
        """
        fresh = self.assignments.take_fresh() & consumer.assignment()
        if not fresh:
            return polled
        try:
            stored = self.handler.state.stored_offsets(self.settings.topic)
            starts: dict[int, int] = {}
            rewind = []
            for partition in sorted(fresh):
                committed = consumer.committed(partition, timeout_ms=REQUEST_TIMEOUT_MS)
                mine = stored.get(partition.partition)
                if committed is None or mine is None:
                    rewind.append(partition)
                else:
                    starts[partition.partition] = min(committed, mine)
                    consumer.seek(partition, starts[partition.partition])
            if rewind:
                consumer.seek_to_beginning(*rewind)
        except Exception:
            self.assignments.give_back(fresh)  # Positioned on the next turn instead.
            raise
        log.info("consumer.positioned", view=self.handler.name, topic=self.settings.topic,
                 from_beginning=sorted(partition.partition for partition in rewind),
                 from_offsets={str(partition): offset for partition, offset
                               in sorted(starts.items())})
        return {partition: messages for partition, messages in polled.items()
                if partition not in fresh}

    def _handle(self, consumer: KafkaConsumer, polled: dict[Any, list[Any]]) -> int:
        started_s = time.perf_counter()
        records: list[Delivered] = []
        rejected: list[DeadLetter] = []
        for messages in polled.values():
            for message in messages:
                try:
                    records.append(delivered_from_message(message))
                except HandlerError as error:
                    rejected.append(dead_letter_of_message(self.handler.name, message, error))
        try:
            outcome = self.handler.handle(records, rejected)
        except Exception as error:
            self._log_failure(error, polled)
            self._fetch_again(consumer, polled)  # Nothing of the batch is durable.
            raise
        self._commit(consumer, outcome)
        self.batches += 1
        self.applied_total += outcome.applied
        self.duplicates_total += outcome.duplicates
        self.gaps_total += outcome.gaps
        self.dead_letters_total += outcome.dead_letters
        log.info("consumer.batch", view=self.handler.name, topic=self.settings.topic,
                 records=outcome.records, applied=outcome.applied,
                 events_applied=outcome.events_applied, duplicates=outcome.duplicates,
                 gaps=outcome.gaps, dead_letters=outcome.dead_letters,
                 partitions={str(partition): offset - 1 for (_, partition), offset
                             in sorted(outcome.next_offsets.items())},
                 duration_ms=round((time.perf_counter() - started_s) * 1000, 1))
        if self.on_batch is not None:
            self.on_batch(outcome)
        return outcome.records

    def _fetch_again(self, consumer: KafkaConsumer, polled: dict[Any, list[Any]]) -> None:
        """Seek each polled partition back to its first polled record (next turn's poll)."""
        for partition, messages in polled.items():
            if not messages:
                continue
            try:
                consumer.seek(partition, messages[0].offset)
            except (KafkaError, ValueError) as error:
                # No longer assigned: its new owner starts from the committed offset.
                log.warning("consumer.seek_failed", view=self.handler.name,
                            topic=partition.topic, partition=partition.partition,
                            offset=messages[0].offset, error=f"{type(error).__name__}: {error}")

    def _commit(self, consumer: KafkaConsumer, outcome: BatchOutcome) -> None:
        offsets = {TopicPartition(topic, partition): OffsetAndMetadata(offset, "", -1)
                   for (topic, partition), offset in outcome.next_offsets.items()}
        try:
            consumer.commit(offsets)
        except KafkaError as error:
            # The view holds the batch already: a redelivery after this failure (a rebalance
            # moved the partition, the broker restarted) is recognised and skipped.
            for partition, offset in sorted(outcome.next_offsets.items()):
                log.warning("consumer.commit_failed", view=self.handler.name,
                            topic=partition[0], partition=partition[1], offset=offset,
                            error=f"{type(error).__name__}: {error}")

    def _log_failure(self, error: Exception, polled: dict[Any, list[Any]]) -> None:
        record = error.record if isinstance(error, HandlerError) else None
        if record is not None:
            self._failed_at = (record.topic, record.partition, record.offset)
            log.error("consumer.record_failed", view=self.handler.name, topic=record.topic,
                      partition=record.partition, offset=record.offset,
                      event_type=record.event_type, notification_id=record.notification_id,
                      error=f"{type(error).__name__}: {error}")
            return
        for partition, messages in polled.items():
            if messages:
                self._failed_at = self._failed_at or (partition.topic, partition.partition,
                                                      messages[0].offset)
                log.error("consumer.batch_failed", view=self.handler.name,
                          topic=partition.topic, partition=partition.partition,
                          offset=messages[0].offset, last_offset=messages[-1].offset,
                          error=f"{type(error).__name__}: {error}")

    def _report_lag(self, consumer: KafkaConsumer) -> None:
        now_s = time.monotonic()
        if now_s - self._lag_reported_s < LAG_REPORT_INTERVAL_S:
            return
        self._lag_reported_s = now_s
        lag = 0
        known = False
        for partition in consumer.assignment():
            highwater = consumer.highwater(partition)
            if highwater is None:
                continue  # Not fetched yet: no fresh highwater to compare with.
            position = consumer.position(partition, timeout_ms=POSITION_TIMEOUT_MS)
            if position is None:
                continue
            known = True
            lag += max(highwater - position, 0)
        if not known:
            return
        self.lag = lag
        if self.on_lag is not None:
            self.on_lag(self.handler.name, lag)

    def _run_periodic(self) -> None:
        if self.periodic is None:
            return
        now_s = time.monotonic()
        if now_s - self._periodic_ran_s < self.periodic_interval_s:
            return
        self._periodic_ran_s = now_s
        self.periodic()
