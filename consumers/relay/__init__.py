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

**Layout.** ``settings`` (names, defaults, limits, ``RelaySettings``), ``records`` (the key,
value and headers of a relayed event), ``positions`` (the ``relay_position`` and
``relay_last_record`` tables), ``producer`` (the idempotent producer, created and closed),
``topic`` (creating the topic, reading back the last acknowledged record), ``publisher``
(``Relay``: batches, retries, a lost topic), ``running`` (``run_relay`` and the command-line
options) and ``__main__`` (``python -m consumers.relay``). This package re-exports their
public names but the tuning limits of the producer, the topic check and the publisher.
"""

from __future__ import annotations

from consumers.relay.positions import (
    LAST_RECORD_TABLE,
    POSITION_TABLE,
    LastRecord,
    PositionStore,
    PostgresPositionStore,
    SQLitePositionStore,
    position_store_from_env,
)
from consumers.relay.producer import (
    close_producer,
    new_producer,
)
from consumers.relay.publisher import (
    Relay,
    RelayError,
    TopicLost,
)
from consumers.relay.records import (
    correlation_id_of,
    headers_for,
    key_for,
)
from consumers.relay.running import (
    add_arguments,
    open_recorder,
    replica_count,
    run_from_arguments,
    run_relay,
    settings_from_arguments,
)
from consumers.relay.settings import (
    BATCH_SIZE_LIMIT,
    BOOTSTRAP_SERVERS_VARIABLE,
    DEFAULT_APPLICATION_NAME,
    DEFAULT_BATCH_SIZE_MAX,
    DEFAULT_BOOTSTRAP_SERVERS,
    DEFAULT_IDLE_SLEEP_MS,
    DEFAULT_MIN_INSYNC_REPLICAS,
    DEFAULT_PARTITIONS,
    DEFAULT_RELAY_NAME,
    DEFAULT_REPLICATION_FACTOR,
    DEFAULT_TOPIC,
    MIN_INSYNC_REPLICAS_VARIABLE,
    REPLICATION_FACTOR_MAX,
    REPLICATION_FACTOR_VARIABLE,
    RETRY_BACKOFF_MS_MAX,
    RETRY_BACKOFF_MS_MIN,
    SEND_ATTEMPTS_MAX,
    RelaySettings,
    check_replication,
)
from consumers.relay.topic import (
    ensure_topic,
    holds_record,
    new_topic,
    warn_if_replicas_differ,
)

__all__ = [
    "BATCH_SIZE_LIMIT",
    "BOOTSTRAP_SERVERS_VARIABLE",
    "DEFAULT_APPLICATION_NAME",
    "DEFAULT_BATCH_SIZE_MAX",
    "DEFAULT_BOOTSTRAP_SERVERS",
    "DEFAULT_IDLE_SLEEP_MS",
    "DEFAULT_MIN_INSYNC_REPLICAS",
    "DEFAULT_PARTITIONS",
    "DEFAULT_RELAY_NAME",
    "DEFAULT_REPLICATION_FACTOR",
    "DEFAULT_TOPIC",
    "LAST_RECORD_TABLE",
    "MIN_INSYNC_REPLICAS_VARIABLE",
    "POSITION_TABLE",
    "REPLICATION_FACTOR_MAX",
    "REPLICATION_FACTOR_VARIABLE",
    "RETRY_BACKOFF_MS_MAX",
    "RETRY_BACKOFF_MS_MIN",
    "SEND_ATTEMPTS_MAX",
    "LastRecord",
    "PositionStore",
    "PostgresPositionStore",
    "Relay",
    "RelayError",
    "RelaySettings",
    "SQLitePositionStore",
    "TopicLost",
    "add_arguments",
    "check_replication",
    "close_producer",
    "correlation_id_of",
    "ensure_topic",
    "headers_for",
    "holds_record",
    "key_for",
    "new_producer",
    "new_topic",
    "open_recorder",
    "position_store_from_env",
    "replica_count",
    "run_from_arguments",
    "run_relay",
    "settings_from_arguments",
    "warn_if_replicas_differ",
]
