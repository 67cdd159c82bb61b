"""The relay: publish the event store's notification log to a Kafka topic.

The event store is the only truth; the topic is a copy that can be deleted and rebuilt. The
relay reads the store's notification log (eventsourcing's ``ApplicationRecorder``) after a
tracked position, and publishes each stored event with kafka-python:

- **topic**: ``cocagne.events`` unless told otherwise, created if missing with a chosen
  partition count (auto-creation would take the broker's default, often one partition), a
  replication factor and a ``min.insync.replicas`` (``$COCAGNE_KAFKA_REPLICATION_FACTOR`` and
  ``$COCAGNE_KAFKA_MIN_INSYNC_REPLICAS``, 1 and 1 by default for a single broker; 3 and 2 on
  the three-broker cluster, so that an acknowledged event survives the loss of a broker and
  writes go on meanwhile). A topic that exists is left as it is, and a warning says so when
  its replication differs from the settings.
- **key**: the stream id (``originator_id``) in its canonical string form, 36 ASCII bytes
  such as ``b"0190d7a8-...-..."``. Keying by stream keeps each stream's events in one
  partition, hence in order. The string form costs 20 bytes more than the raw 16 bytes, and
  is chosen because every tool and every language reads it as the id it is.
- **value**: the stored event bytes, exactly as stored (MessagePack written by the ledger's
  mapper), so consumers decode them with the same codec and upcasters as the store.
- **headers**: ``event-type`` (the stored topic, e.g. ``lot.received`` or ``lot.offered#v2``),
  ``notification-id``, ``stream-version`` (decimal ASCII) and ``correlation-id`` (UTF-8;
  empty when the stored event carries none).

Delivery is at least once, and exactly once into a view whose consumer is idempotent on
(stream id, stream version). The producer is idempotent with ``acks="all"``. Work goes in
batches: read up to ``batch_size_max`` notifications, send them all, flush, check every
send's result, then write the position once. The position therefore advances only after
the broker acknowledged the whole batch; a crash repeats at most the unacknowledged batch.

The position lives in the event store's own database, in the table ``relay_position``
(``relay_name`` primary key, ``notification_id``), created if missing, so a copy of the
database carries the relay's progress with it. ``--from N`` rewrites it: the relay then
republishes everything after notification N (``--from 0``: everything), which is how a broker
that lost its data is refilled.

**A broker that disappears and returns.** Every failed send replaces the producer (an
idempotent producer whose broker restarted fails every later send) and is retried with a
growing backoff, ``SEND_ATTEMPTS_MAX`` times, which rides out a restart of a couple of
minutes. A broker that comes back empty (or a topic deleted and recreated) has lost what
the relay's position says it holds, and the relay republishes from the start, as
``--from 0`` would (consumers skip what they already applied). It notices in two ways:

- the offsets the broker acknowledges go back: a partition's new records get offsets at or
  below ones it acknowledged before (the producer rode out the restart on its own);
- a new producer (the relay's start, or a replacement after failed sends) first reads back
  the last record the broker acknowledged (its partition and offset are kept in
  ``relay_last_record``, beside the position) and does not find it.

Whether the topic exists says nothing: some brokers (Tansu) create a missing topic as soon
as any client asks for its metadata. In the first case the batch that revealed the loss
went to the new topic before the republication; a consumer holds its events back as gaps
until their streams' earlier events arrive, a few batches later.

The relay takes the store as eventsourcing's environment (``PERSISTENCE_MODULE``,
``SQLITE_DBNAME`` or ``POSTGRES_*``): ``consumers`` never imports the wiring in ``infra``,
which turns ``COCAGNE_DATABASE_URL`` into that environment and calls ``run_relay``.
``python -m consumers.relay`` reads the same variables from the process environment.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any, Protocol

import msgspec
import structlog
from eventsourcing.persistence import (
    ApplicationRecorder,
    InfrastructureFactory,
    Notification,
)
from eventsourcing.utils import Environment
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, OffsetOutOfRangeError, TopicAlreadyExistsError

DEFAULT_TOPIC = "cocagne.events"
DEFAULT_RELAY_NAME = "cocagne.events"
"""The row of ``relay_position`` a relay owns; one relay per (store, topic) by default."""
DEFAULT_APPLICATION_NAME = "Ledger"
"""The eventsourcing application whose notification log is relayed (names its tables)."""
DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092"
BOOTSTRAP_SERVERS_VARIABLE = "KAFKA_BOOTSTRAP_SERVERS"
REPLICATION_FACTOR_VARIABLE = "COCAGNE_KAFKA_REPLICATION_FACTOR"
MIN_INSYNC_REPLICAS_VARIABLE = "COCAGNE_KAFKA_MIN_INSYNC_REPLICAS"
# Why 1 and 1: the default deployment has one broker, which can hold one replica only. The
# cluster profile of docker-compose.yml sets 3 and 2 through the variables above.
DEFAULT_REPLICATION_FACTOR = 1
DEFAULT_MIN_INSYNC_REPLICAS = 1
# Kafka's own bound on replicas is the broker count; 7 is more copies than any deployment
# of this ledger would run, so a larger number is a typing mistake.
REPLICATION_FACTOR_MAX = 7
POSITION_TABLE = "relay_position"
LAST_RECORD_TABLE = "relay_last_record"

# Why 6: a consumer group spreads at most one process per partition; six leaves room to
# scale each consumer to six processes, and a partition count cannot be lowered later.
DEFAULT_PARTITIONS = 6
# Why 2,000: large enough that the per-batch flush (one broker round trip during which
# nothing new is sent) costs a few percent of throughput, small enough that a crash repeats
# little (about 0.6 MB of 300-byte events) and a batch fits in the producer's buffer.
DEFAULT_BATCH_SIZE_MAX = 2_000
BATCH_SIZE_LIMIT = 100_000  # A larger batch would hold too much unacknowledged in memory.
# Why 100 ms: SQLite cannot notify, so an idle relay polls; 100 ms keeps publication well
# inside the one-second freshness DESIGN.md asks of dashboards, at ten cheap queries a second.
DEFAULT_IDLE_SLEEP_MS = 100
# Why 30: with the backoff below, 30 attempts keep trying for about two minutes, enough to
# ride out a broker restart or a leader election; then the relay exits non-zero so that its
# supervisor (compose's restart policy) restarts it and the failure is visible.
SEND_ATTEMPTS_MAX = 30
RETRY_BACKOFF_MS_MIN = 100
RETRY_BACKOFF_MS_MAX = 5_000  # Never wait longer than this between two attempts.

# Producer limits, passed explicitly because kafka-python's defaults change between versions.
# Why 30 s: a send not acknowledged within it is retried by the relay with a new producer;
# two minutes (the library default) would stall a broker-restart recovery for as long.
DELIVERY_TIMEOUT_MS = 30_000
REQUEST_TIMEOUT_MS = 10_000  # Must stay below the delivery timeout (kafka-python checks).
# Why 10 s: how long send() may block on metadata or a full buffer before failing the batch.
MAX_BLOCK_MS = 10_000
FLUSH_TIMEOUT_S = DELIVERY_TIMEOUT_MS // 1000 + 5  # Every send has finished or failed by then.
# Why 256 KiB: about 600 relayed events per partition batch. kafka-python's 16 KiB default
# makes many small batches: 256 KiB sent about 15 % more events/s here (300-byte events, two
# cores). Larger is not safe: a broker refuses batches above message.max.bytes (about 1 MB).
PRODUCER_BATCH_BYTES = 262_144
PRODUCER_LINGER_MS = 5  # Lets a produce request fill while the relay is still sending.
# Five in-flight requests per connection is the most that keeps order with idempotence.
MAX_IN_FLIGHT_REQUESTS = 5
# The producer's own retries are bounded by DELIVERY_TIMEOUT_MS, not by a count: as in the
# Java client, the count is the largest int32, which idempotence requires to be positive.
PRODUCER_RETRIES_MAX = 2_147_483_647
ADMIN_TIMEOUT_MS = 10_000
# Why 2 s: a replaced producer's undelivered records are redone by the relay anyway; waiting
# longer for them only delays the recovery.
PRODUCER_CLOSE_TIMEOUT_S = 2
# Why 5 s: reading back one record at a known offset takes milliseconds; a broker that has
# not returned it in five seconds does not hold it (Tansu answers an offset past the end of
# a partition with nothing rather than an error).
CHECK_TIMEOUT_MS = 5_000
CHECK_POLL_TIMEOUT_MS = 200
CHECK_POLLS_MAX = CHECK_TIMEOUT_MS // CHECK_POLL_TIMEOUT_MS + 1  # Bounds the loop as well.
# Why 3: a batch finds the topic lost at most once per broker restart; three restarts while
# one batch is being published means the broker is not coming back in a usable state.
TOPIC_LOSSES_PER_BATCH_MAX = 3
# Why 10: each loss makes catch-up start again from zero; ten in one catch-up is a broker
# that keeps losing its data, which waiting will not fix.
TOPIC_LOSSES_PER_CATCH_UP_MAX = 10

log = structlog.get_logger("cocagne.relay")


class RelayError(RuntimeError):
    """The relay cannot make progress (the broker refuses every attempt)."""


class TopicLost(Exception):
    """The last record the broker acknowledged is no longer on the topic."""


class _Context(msgspec.Struct):
    correlation_id: str = ""


class _Envelope(msgspec.Struct):
    """Only what the relay reads from a stored event; msgspec skips every other field."""

    context: _Context = msgspec.field(default_factory=_Context)


_envelope_decoder = msgspec.msgpack.Decoder(type=_Envelope)


def correlation_id_of(state: bytes) -> str:
    """The ``context.correlation_id`` of a stored event, or ``""`` if it has none."""
    try:
        return _envelope_decoder.decode(state).context.correlation_id
    except (msgspec.DecodeError, msgspec.ValidationError):
        # Not every stored record need be a ledger event (a foreign or older shape): it is
        # still relayed, without a correlation id, rather than stopping the log.
        return ""


def headers_for(notification: Notification) -> list[tuple[str, bytes]]:
    """The Kafka headers the relay writes for one notification."""
    return [
        ("event-type", notification.topic.encode()),
        ("notification-id", str(notification.id).encode()),
        ("stream-version", str(notification.originator_version).encode()),
        ("correlation-id", correlation_id_of(notification.state).encode()),
    ]


def key_for(notification: Notification) -> bytes:
    """The Kafka key of a notification: its stream id as a canonical UUID string."""
    return str(notification.originator_id).encode()


# ---------------------------------------------------------------------------------------------
# Position


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


# ---------------------------------------------------------------------------------------------
# Producer


def new_producer(bootstrap_servers: str, client_id: str) -> KafkaProducer:
    """An idempotent producer with ``acks="all"`` and every limit given explicitly."""
    return KafkaProducer(
        bootstrap_servers=bootstrap_servers.split(","),
        client_id=client_id,
        acks="all",  # Never 1: an acknowledged event must survive the leader's loss.
        enable_idempotence=True,  # Retries inside the producer never duplicate or reorder.
        max_in_flight_requests_per_connection=MAX_IN_FLIGHT_REQUESTS,
        retries=PRODUCER_RETRIES_MAX,
        retry_backoff_ms=RETRY_BACKOFF_MS_MIN,
        delivery_timeout_ms=DELIVERY_TIMEOUT_MS,
        request_timeout_ms=REQUEST_TIMEOUT_MS,
        max_block_ms=MAX_BLOCK_MS,
        batch_size=PRODUCER_BATCH_BYTES,
        linger_ms=PRODUCER_LINGER_MS,
        compression_type=None,  # Stored events are small, compact MessagePack already.
        # The relay creates its topic with the partition count it wants; auto-creation would
        # silently use the broker's default instead.
        allow_auto_create_topics=False,
    )


def new_topic(topic: str, partitions: int, *,
              replication_factor: int = DEFAULT_REPLICATION_FACTOR,
              min_insync_replicas: int = DEFAULT_MIN_INSYNC_REPLICAS) -> NewTopic:
    """The creation request of the events topic: partitions, replicas and the in-sync
    replicas a write needs (with the producer's ``acks="all"``) before it is acknowledged."""
    check_replication(replication_factor, min_insync_replicas)
    return NewTopic(topic, num_partitions=partitions, replication_factor=replication_factor,
                    topic_configs={"min.insync.replicas": str(min_insync_replicas)})


def check_replication(replication_factor: int, min_insync_replicas: int) -> None:
    """Refuse settings Kafka would refuse later, or that could never accept a write."""
    if not 1 <= replication_factor <= REPLICATION_FACTOR_MAX:
        raise ValueError(f"replication factor {replication_factor} is not in "
                         f"1..{REPLICATION_FACTOR_MAX}")
    if not 1 <= min_insync_replicas <= replication_factor:
        raise ValueError(f"min.insync.replicas {min_insync_replicas} is not in "
                         f"1..{replication_factor} (the replication factor)")


def ensure_topic(bootstrap_servers: str, topic: str, partitions: int, client_id: str, *,
                 replication_factor: int = DEFAULT_REPLICATION_FACTOR,
                 min_insync_replicas: int = DEFAULT_MIN_INSYNC_REPLICAS) -> bool:
    """Create ``topic`` unless it exists (see :func:`new_topic`); True if created.

    An existing topic is left as it is (Kafka cannot lower partitions, and changing replicas
    is an operator's reassignment); a warning names any difference in its replica count.
    """
    request = new_topic(topic, partitions, replication_factor=replication_factor,
                        min_insync_replicas=min_insync_replicas)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers.split(","),
                             client_id=f"{client_id}-admin",
                             request_timeout_ms=ADMIN_TIMEOUT_MS)
    try:
        admin.create_topics([request], timeout_ms=ADMIN_TIMEOUT_MS)
    except TopicAlreadyExistsError:
        warn_if_replicas_differ(admin, topic, replication_factor)
        return False
    finally:
        admin.close()
    return True


def warn_if_replicas_differ(admin: KafkaAdminClient, topic: str, replication_factor: int) -> None:
    """Log a warning when an existing topic's partitions hold another number of replicas."""
    try:
        described = admin.describe_topics([topic])
    except KafkaError as error:  # Only a diagnosis: publishing goes on regardless.
        log.warning("relay.topic_not_described", topic=topic,
                    error=f"{type(error).__name__}: {error}")
        return
    counts = sorted({len(partition.get("replica_nodes", partition.get("replicas", [])))
                     for description in described if description.get("name") == topic
                     for partition in description.get("partitions", [])})
    if counts and counts != [replication_factor]:
        log.warning("relay.topic_replication_differs", topic=topic,
                    replicas=counts, replication_factor=replication_factor)


# ---------------------------------------------------------------------------------------------
# The relay


@dataclass(frozen=True)
class RelaySettings:
    """How a relay publishes; every field has a working default but the broker address."""

    bootstrap_servers: str
    topic: str = DEFAULT_TOPIC
    relay_name: str = DEFAULT_RELAY_NAME
    partitions: int = DEFAULT_PARTITIONS
    batch_size_max: int = DEFAULT_BATCH_SIZE_MAX
    idle_sleep_ms: int = DEFAULT_IDLE_SLEEP_MS
    send_attempts_max: int = SEND_ATTEMPTS_MAX
    replication_factor: int = DEFAULT_REPLICATION_FACTOR
    min_insync_replicas: int = DEFAULT_MIN_INSYNC_REPLICAS

    def __post_init__(self) -> None:
        check_replication(self.replication_factor, self.min_insync_replicas)
        if not 1 <= self.batch_size_max <= BATCH_SIZE_LIMIT:
            raise ValueError(f"batch_size_max {self.batch_size_max} is not in "
                             f"1..{BATCH_SIZE_LIMIT}")
        if self.partitions < 1:
            raise ValueError(f"partitions {self.partitions} must be at least 1")
        if self.idle_sleep_ms < 0:
            raise ValueError(f"idle_sleep_ms {self.idle_sleep_ms} must not be negative")
        if self.send_attempts_max < 1:
            raise ValueError(f"send_attempts_max {self.send_attempts_max} must be at least 1")


class Relay:
    """Publishes notifications after its position to the broker, batch by batch.

    ``position`` is the last notification id the broker acknowledged (and the relay stored);
    ``lag`` is how many notification ids the store holds beyond it, as of the last batch.
    Both are plain attributes, read by metrics (e.g. ``Gauge.set_function``).
    """

    def __init__(self, recorder: ApplicationRecorder, positions: PositionStore,
                 settings: RelaySettings,
                 on_progress: Callable[[Relay], None] | None = None) -> None:
        self.recorder = recorder
        self.positions = positions
        self.settings = settings
        self.on_progress = on_progress
        """Called after every batch and every idle poll, e.g. to set the relay's gauges."""
        self.position = positions.read()
        self.lag = 0
        self.published_total = 0
        """Notifications sent and acknowledged since this relay started (repeats counted)."""
        self.producers_created = 0
        self.topic_losses = 0
        """Times the relay found its topic gone and started again from zero."""
        self.last_record = positions.read_last_record()
        """Where the broker put the last record it acknowledged (None: unknown)."""
        self._acknowledged: dict[int, int] = (
            {} if self.last_record is None
            else {self.last_record.partition: self.last_record.offset})
        """Highest offset the broker acknowledged per partition (in this topic's life)."""
        self._producer: KafkaProducer | None = None
        self._client_id = f"cocagne-relay-{settings.relay_name}"

    def rewind(self, notification_id: int) -> None:
        """Republish everything after ``notification_id`` (0: everything); stored at once, so
        a crash before the first batch still republishes on restart."""
        if notification_id < 0:
            raise ValueError(f"position {notification_id} must not be negative")
        self.positions.write_last_record(None)
        self.last_record = None
        self._acknowledged.clear()
        self.positions.write(notification_id)
        self.position = notification_id
        log.info("relay.rewound", relay=self.settings.relay_name, position=notification_id)

    def head(self) -> int:
        """The highest notification id in the store (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def publish_batch(self, stop: threading.Event | None = None) -> int:
        """Publish the next batch (up to ``batch_size_max``); how many it held (0: none).

        If the topic turns out lost (see :class:`TopicLost`), the relay rewinds to zero and
        publishes the first batch of the log instead.
        """
        started_s = time.perf_counter()
        for _ in range(TOPIC_LOSSES_PER_BATCH_MAX):
            notifications = self.recorder.select_notifications(
                self.position, self.settings.batch_size_max, inclusive_of_start=False)
            if not notifications:
                self.lag = max(0, self.head() - self.position)
                self._progressed()
                return 0
            try:
                attempts = self._publish_with_retries(notifications, stop)
            except TopicLost as lost:
                self.topic_losses += 1
                log.warning("relay.topic_lost", relay=self.settings.relay_name,
                            topic=self.settings.topic, position=self.position,
                            hint="the broker lost the topic: republishing from the start",
                            error=str(lost))
                self.rewind(0)
                continue
            break
        else:
            raise RelayError(f"relay {self.settings.relay_name!r} found topic "
                             f"{self.settings.topic!r} lost {TOPIC_LOSSES_PER_BATCH_MAX} times "
                             "while publishing one batch")
        if attempts == 0:
            return 0  # Stopped while retrying: the position stays, the batch is redone later.
        last_id = notifications[-1].id
        # Written before the position: if only this write survives a crash, it names a
        # record the broker acknowledged all the same, which is all the check needs.
        if self.last_record is not None:
            self.positions.write_last_record(self.last_record)
        self.positions.write(last_id)
        self.position = last_id
        self.published_total += len(notifications)
        self.lag = max(0, self.head() - last_id)
        self._progressed()
        log.info("relay.batch", relay=self.settings.relay_name, topic=self.settings.topic,
                 events=len(notifications), first_notification_id=notifications[0].id,
                 position=last_id, lag=self.lag, attempts=attempts,
                 duration_ms=round((time.perf_counter() - started_s) * 1000))
        return len(notifications)

    def catch_up(self, stop: threading.Event | None = None) -> int:
        """Publish until the head seen on entry is published; how many were published."""
        target = self.head()
        published = 0
        losses_seen = self.topic_losses
        # The bound: each full batch advances by batch_size_max ids at least, as ids are
        # unique integers; one more for the last partial batch, one for rounding. A lost
        # topic sends the position back to zero: the bound is then counted again from there.
        batches_max = (target - self.position) // self.settings.batch_size_max + 2
        batches = 0
        while batches < max(batches_max, 1):
            if self.position >= target or (stop is not None and stop.is_set()):
                break
            count = self.publish_batch(stop)
            batches += 1
            if self.topic_losses != losses_seen:
                if self.topic_losses - losses_seen > TOPIC_LOSSES_PER_CATCH_UP_MAX:
                    raise RelayError(f"relay {self.settings.relay_name!r} lost topic "
                                     f"{self.settings.topic!r} more than "
                                     f"{TOPIC_LOSSES_PER_CATCH_UP_MAX} times in one catch-up")
                batches_max = batches + target // self.settings.batch_size_max + 2
            if count == 0:
                break
            published += count
        self.lag = max(0, self.head() - self.position)
        return published

    def follow(self, stop: threading.Event) -> None:
        """Publish as events arrive until ``stop`` is set, polling when idle.

        The loop is unbounded on purpose (a relay is a service); each turn is bounded by a
        batch, and ``stop`` is checked between batches and during idle sleeps.
        """
        idle_sleep_s = self.settings.idle_sleep_ms / 1000
        while not stop.is_set():
            if self.publish_batch(stop) == 0:
                stop.wait(idle_sleep_s)

    def _progressed(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self)

    def close(self) -> None:
        """Close the producer and the position store (the recorder belongs to the caller)."""
        self._drop_producer()
        self.positions.close()

    def _publish_with_retries(self, notifications: Sequence[Notification],
                              stop: threading.Event | None) -> int:
        """Publish one batch; the attempts it took, or 0 if ``stop`` was set meanwhile."""
        backoff_ms = RETRY_BACKOFF_MS_MIN
        last_error: Exception | None = None
        for attempt in range(1, self.settings.send_attempts_max + 1):
            try:
                self._publish(notifications)
            except KafkaError as error:
                last_error = error
                # An idempotent producer that lost its broker (restarted, data lost) fails
                # every later send: replace it rather than retry with it.
                self._drop_producer()
                log.warning("relay.send_failed", relay=self.settings.relay_name,
                            topic=self.settings.topic, attempt=attempt,
                            first_notification_id=notifications[0].id,
                            error=f"{type(error).__name__}: {error}")
                if stop is None:
                    time.sleep(backoff_ms / 1000)
                elif stop.wait(backoff_ms / 1000):
                    return 0
                backoff_ms = min(backoff_ms * 2, RETRY_BACKOFF_MS_MAX)
            else:
                return attempt
        raise RelayError(f"relay {self.settings.relay_name!r} could not publish notifications "
                         f"{notifications[0].id}..{notifications[-1].id} to "
                         f"{self.settings.topic!r}: {last_error}")

    def _publish(self, notifications: Sequence[Notification]) -> None:
        producer = self._get_producer()
        send = producer.send
        topic = self.settings.topic
        decode = _envelope_decoder.decode
        futures: list[Any] = []  # kafka-python's FutureRecordMetadata, untyped.
        append = futures.append
        # The hot loop: one call to kafka-python per event and nothing avoidable besides. It
        # inlines key_for and headers_for (a function call per event costs a few percent).
        for notification in notifications:
            state = notification.state
            try:
                correlation_id = decode(state).context.correlation_id
            except (msgspec.DecodeError, msgspec.ValidationError):
                correlation_id = ""  # Relayed without one, as in correlation_id_of.
            append(send(
                topic,
                key=str(notification.originator_id).encode(),
                value=state,
                headers=[
                    ("event-type", notification.topic.encode()),
                    ("notification-id", str(notification.id).encode()),
                    ("stream-version", str(notification.originator_version).encode()),
                    ("correlation-id", correlation_id.encode()),
                ],
            ))
        producer.flush(timeout=FLUSH_TIMEOUT_S)
        lowest: dict[int, int] = {}
        highest: dict[int, int] = {}
        for future in futures:
            if not future.is_done:
                raise KafkaError("send not finished after flush")
            if future.failed():
                error = future.exception
                if isinstance(error, KafkaError):
                    raise error
                raise KafkaError(f"send failed: {error!r}") from error
            metadata = future.value
            partition, offset = metadata.partition, metadata.offset
            if offset < lowest.get(partition, offset + 1):
                lowest[partition] = offset
            if offset > highest.get(partition, -1):
                highest[partition] = offset
        went_back = sorted(partition for partition, offset in lowest.items()
                           if offset <= self._acknowledged.get(partition, -1))
        metadata = futures[-1].value
        self.last_record = LastRecord(partition=int(metadata.partition),
                                      offset=int(metadata.offset),
                                      notification_id=notifications[-1].id)
        if went_back:
            # The broker acknowledged these records in a new life of the topic: keep its
            # offsets from now on, and republish what the old one held.
            self._acknowledged = highest
            raise TopicLost(f"the broker acknowledged offsets of partitions {went_back} of "
                            f"{self.settings.topic!r} at or below ones it had acknowledged "
                            "before: it restarted without its data")
        self._acknowledged.update(highest)

    def connect(self) -> None:
        """Create the topic if missing and the producer, unless done already."""
        self._get_producer()

    def _get_producer(self) -> KafkaProducer:
        if self._producer is None:
            settings = self.settings
            created = ensure_topic(settings.bootstrap_servers, settings.topic,
                                   settings.partitions, self._client_id,
                                   replication_factor=settings.replication_factor,
                                   min_insync_replicas=settings.min_insync_replicas)
            if created:
                log.info("relay.topic_created", topic=settings.topic,
                         partitions=settings.partitions,
                         replication_factor=settings.replication_factor,
                         min_insync_replicas=settings.min_insync_replicas)
            self._producer = new_producer(self.settings.bootstrap_servers, self._client_id)
            self.producers_created += 1
            last = self.last_record
            if self.position > 0 and last is not None and not self._broker_holds(last):
                # Raised after the producer exists, so the republication reuses it.
                raise TopicLost(f"notification {last.notification_id}, acknowledged at "
                                f"partition {last.partition} offset {last.offset} of "
                                f"{self.settings.topic!r}, is no longer there")
        return self._producer

    def _broker_holds(self, last: LastRecord) -> bool:
        """Whether the topic still holds the last record the broker acknowledged."""
        consumer = KafkaConsumer(
            bootstrap_servers=self.settings.bootstrap_servers.split(","),
            client_id=f"{self._client_id}-check", group_id=None, enable_auto_commit=False,
            auto_offset_reset="none",  # An offset past the end is an answer, not a reset.
            request_timeout_ms=REQUEST_TIMEOUT_MS, fetch_max_wait_ms=CHECK_POLL_TIMEOUT_MS,
            allow_auto_create_topics=False)
        try:
            partition = TopicPartition(self.settings.topic, last.partition)
            consumer.assign([partition])
            consumer.seek(partition, last.offset)
            deadline_s = time.monotonic() + CHECK_TIMEOUT_MS / 1000
            for _ in range(CHECK_POLLS_MAX):
                if time.monotonic() > deadline_s:
                    break
                try:
                    polled = consumer.poll(timeout_ms=CHECK_POLL_TIMEOUT_MS, max_records=1)
                except OffsetOutOfRangeError:
                    return False
                for message in (message for messages in polled.values()
                                for message in messages):
                    headers = dict(message.headers or ())
                    return bool(message.offset == last.offset and headers.get(
                        "notification-id") == str(last.notification_id).encode())
            return False
        finally:
            consumer.close()

    def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is None:
            return
        try:
            producer.close(timeout=PRODUCER_CLOSE_TIMEOUT_S)
        except KafkaError as error:
            # kafka-python 3.0 flushes before closing and, when pending records cannot be
            # delivered, raises without stopping its sender thread, which would then retry
            # forever. Stop that thread as close() does on a timeout (private API, guarded).
            log.warning("relay.producer_close_failed", error=f"{type(error).__name__}: {error}")
            sender = getattr(producer, "_sender", None)
            if sender is not None and sender.is_alive():
                sender.force_close()
                sender.join(PRODUCER_CLOSE_TIMEOUT_S)


# ---------------------------------------------------------------------------------------------
# Running


def open_recorder(store_env: Mapping[str, str],
                  application_name: str = DEFAULT_APPLICATION_NAME,
                  ) -> tuple[InfrastructureFactory[Any], ApplicationRecorder]:
    """The factory (close it when done) and application recorder of the ledger's store."""
    factory: InfrastructureFactory[Any] = InfrastructureFactory.construct(
        Environment(name=application_name, env=dict(store_env)))
    return factory, factory.application_recorder()


def run_relay(store_env: Mapping[str, str], settings: RelaySettings, *,
              from_position: int | None = None, until_caught_up: bool = False,
              stop: threading.Event | None = None,
              on_progress: Callable[[Relay], None] | None = None,
              application_name: str = DEFAULT_APPLICATION_NAME) -> Relay:
    """Run a relay on the store named by ``store_env`` (eventsourcing's environment).

    With ``until_caught_up``, publish up to the head seen at start and return; otherwise
    follow the log until ``stop`` is set. ``from_position`` first rewrites the stored position.
    ``on_progress(relay)`` runs after every batch and idle poll (to export position and lag).
    An error of the store ends the run with that error: the supervisor restarts the process.
    Returns the (closed) relay, whose ``position`` and ``published_total`` tell what it did.
    """
    factory, recorder = open_recorder(store_env, application_name)
    try:
        relay = Relay(recorder, position_store_from_env(store_env, settings.relay_name),
                      settings, on_progress)
        try:
            if from_position is not None:
                relay.rewind(from_position)
            log.info("relay.started", relay=settings.relay_name, topic=settings.topic,
                     position=relay.position, head=relay.head(),
                     bootstrap_servers=settings.bootstrap_servers)
            if until_caught_up:
                relay.catch_up(stop)
            else:
                relay.follow(stop if stop is not None else threading.Event())
            log.info("relay.stopped", relay=settings.relay_name, position=relay.position,
                     published=relay.published_total)
        finally:
            relay.close()
    finally:
        factory.close()
    return relay


def add_arguments(parser: argparse.ArgumentParser,
                  environ: Mapping[str, str] | None = None) -> None:
    """The relay's command-line options, shared by ``cocagne relay`` and ``-m consumers.relay``."""
    environ = os.environ if environ is None else environ
    parser.add_argument("--bootstrap-servers",
                        default=environ.get(BOOTSTRAP_SERVERS_VARIABLE, DEFAULT_BOOTSTRAP_SERVERS),
                        help=f"Kafka brokers, comma-separated (default: "
                             f"${BOOTSTRAP_SERVERS_VARIABLE} or {DEFAULT_BOOTSTRAP_SERVERS})")
    parser.add_argument("--topic", default=DEFAULT_TOPIC, help="topic to publish to")
    parser.add_argument("--relay-name", default=DEFAULT_RELAY_NAME,
                        help="name of the stored position (one per relay)")
    parser.add_argument("--from", dest="from_position", type=int, default=None,
                        metavar="NOTIFICATION_ID",
                        help="republish every event after this notification id (0: all), "
                             "instead of resuming from the stored position")
    parser.add_argument("--until-caught-up", action="store_true",
                        help="publish up to the current head of the log, then exit")
    parser.add_argument("--batch-size-max", type=int, default=DEFAULT_BATCH_SIZE_MAX,
                        help="events per batch (one flush and one position write per batch)")
    parser.add_argument("--partitions", type=int, default=DEFAULT_PARTITIONS,
                        help="partitions of the topic when the relay creates it")
    parser.add_argument("--idle-sleep-ms", type=int, default=DEFAULT_IDLE_SLEEP_MS,
                        help="pause between polls of an idle log")
    # A string default goes through ``type`` like a typed value, so a bad environment
    # variable is reported as a usage error, not a traceback.
    parser.add_argument("--replication-factor", type=replica_count,
                        default=environ.get(REPLICATION_FACTOR_VARIABLE,
                                            str(DEFAULT_REPLICATION_FACTOR)),
                        help=f"replicas of each partition when the relay creates the topic "
                             f"(default: ${REPLICATION_FACTOR_VARIABLE} or "
                             f"{DEFAULT_REPLICATION_FACTOR})")
    parser.add_argument("--min-insync-replicas", type=replica_count,
                        default=environ.get(MIN_INSYNC_REPLICAS_VARIABLE,
                                            str(DEFAULT_MIN_INSYNC_REPLICAS)),
                        help=f"replicas that must hold a write before the broker acknowledges "
                             f"it, set on the topic the relay creates (default: "
                             f"${MIN_INSYNC_REPLICAS_VARIABLE} or {DEFAULT_MIN_INSYNC_REPLICAS})")


def replica_count(text: str) -> int:
    """A number of replicas, 1 to ``REPLICATION_FACTOR_MAX``."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= REPLICATION_FACTOR_MAX:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of replicas from 1 to {REPLICATION_FACTOR_MAX}")
    return value


def settings_from_arguments(arguments: argparse.Namespace) -> RelaySettings:
    """``RelaySettings`` from options added by ``add_arguments``."""
    return RelaySettings(
        bootstrap_servers=arguments.bootstrap_servers,
        topic=arguments.topic,
        relay_name=arguments.relay_name,
        partitions=arguments.partitions,
        batch_size_max=arguments.batch_size_max,
        idle_sleep_ms=arguments.idle_sleep_ms,
        replication_factor=arguments.replication_factor,
        min_insync_replicas=arguments.min_insync_replicas,
    )


def run_from_arguments(arguments: argparse.Namespace, store_env: Mapping[str, str],
                       on_progress: Callable[[Relay], None] | None = None) -> int:
    """Run the relay as a process: stops cleanly on SIGTERM or SIGINT; the exit status."""
    try:
        settings = settings_from_arguments(arguments)
    except ValueError as error:
        # Settings that contradict each other: a usage error, whose message says it all (a
        # traceback would not help).
        log.error("relay.invalid_settings", error=str(error))  # noqa: TRY400
        return 2
    stop = threading.Event()

    def request_stop(signal_number: int, _frame: FrameType | None) -> None:
        log.info("relay.stopping", signal=signal.Signals(signal_number).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        run_relay(store_env, settings,
                  from_position=arguments.from_position,
                  until_caught_up=arguments.until_caught_up, stop=stop,
                  on_progress=on_progress)
    except RelayError as error:
        log.exception("relay.failed", error=str(error))
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m consumers.relay``: the store comes from eventsourcing's variables
    (``PERSISTENCE_MODULE`` with ``SQLITE_DBNAME`` or ``POSTGRES_*``) in the environment."""
    parser = argparse.ArgumentParser(prog="python -m consumers.relay",
                                     description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    add_arguments(parser)
    arguments = parser.parse_args(argv)
    if not structlog.is_configured():
        structlog.configure(processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ], logger_factory=structlog.PrintLoggerFactory(file=sys.stderr))
    return run_from_arguments(arguments, os.environ)


if __name__ == "__main__":
    sys.exit(main())
