"""Projection consumers: a consumer group that applies the relay's topic to a view.

Each process of a group (``cocagne consume stock``, ``trace``, ``balances``) polls a bounded
batch of records, hands it to :class:`ProjectionHandler` (a pure handler: records in, one
database transaction out, testable without a broker), and commits the Kafka offsets only
after that transaction committed. The view is the same :class:`projections.runner.View` the
in-process runner feeds, through the same ``View.apply(transaction, [(notification id,
event)])``, so a view built here equals the in-process one row for row.

**What one batch does**: decode every record with ``domain.codec.decode_event(event-type
header, value)`` (before the transaction, so the view's lock is never held while decoding);
then, in one transaction of the view database: lock the view's consumer state; load the last
applied version of every stream in the batch (one probe of the primary key per stream, a
plan that does not depend on the table's statistics); classify each record
(:func:`plan_batch`) as new, duplicate or gap; ``View.apply`` the new ones of the view's
topics in notification order; store the streams' new versions and each partition's next
offset. Then, and only then, the Kafka offsets are committed. A crash anywhere repeats at
most the uncommitted batch, and the repeat changes nothing.

**Batches are bounded by count and by time.** A poll asks for at most ``batch_size_max``
records (10,000 by default), and fewer when the last batches were slow: :class:`BatchPacer`
sizes the next batch so that it takes about a second (``pace.BATCH_TIME_TARGET_S``), the
wait for the view's lock included, far inside the group's 6 s poll interval, past which
Kafka drops a process from its group. Python's cyclic garbage collector is paused during a
turn (a poll and its batch, objects that die together) and runs between turns.

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
version at once. The lock serialises only the database work; polling, decoding and the
network run in parallel. Each process's batches stay near a second, so a process waits for
the others' batches a few seconds at most.

**Lag** is the sum over assigned partitions of (highwater from the last fetch response minus
the consumer's position), reported through ``on_lag``; ``end_offsets()`` is not used (it is
wrong on some brokers and costs a round trip).

**Rebuild from zero**: delete the view database (SQLite) or the view's tables and consumer
rows (PostgreSQL), then start the consumer: it seeks every partition to the beginning.
A view whose ``schema_version`` changed is reset the same way at start-up.

**Layout.** ``records`` (``Delivered``, a record as the handler sees it, and the dead
letters of records that fail), ``plan`` (``plan_batch``: new, duplicate or gap), ``state``
(``ConsumerState``: the consumer tables), ``handler`` (``ProjectionHandler``: one batch in one
transaction), ``client`` (``ConsumerSettings`` and the Kafka consumer they make), ``pace``
(``BatchPacer``: the next batch's size) and ``loop`` (``ProjectionConsumer``: poll, handle,
commit, report lag). This package re-exports their
public names but the tuning limits of the client, the handler and the loop.
"""

from __future__ import annotations

from consumers.dead_letters import DeadLetter
from consumers.projection_consumer.client import (
    BATCH_ATTEMPTS_MAX,
    BATCH_SIZE_LIMIT,
    DEFAULT_BATCH_SIZE_MAX,
    FETCH_MAX_WAIT_MS,
    ConsumerSettings,
    new_consumer,
)
from consumers.projection_consumer.handler import (
    BatchOutcome,
    ProjectionHandler,
    is_database_error,
    savepoint,
)
from consumers.projection_consumer.loop import (
    BatchCallback,
    ConsumerError,
    LagCallback,
    ProjectionConsumer,
)
from consumers.projection_consumer.pace import BatchPacer
from consumers.projection_consumer.plan import (
    BatchPlan,
    plan_batch,
)
from consumers.projection_consumer.records import (
    Delivered,
    HandlerError,
    dead_letter_of_message,
    dead_letter_of_record,
    delivered_from_message,
)
from consumers.projection_consumer.state import (
    ConsumerState,
    to_us_now,
)
from consumers.relay import BOOTSTRAP_SERVERS_VARIABLE, DEFAULT_BOOTSTRAP_SERVERS, DEFAULT_TOPIC

__all__ = [
    "BATCH_ATTEMPTS_MAX",
    "BATCH_SIZE_LIMIT",
    "BOOTSTRAP_SERVERS_VARIABLE",
    "DEFAULT_BATCH_SIZE_MAX",
    "DEFAULT_BOOTSTRAP_SERVERS",
    "DEFAULT_TOPIC",
    "FETCH_MAX_WAIT_MS",
    "BatchCallback",
    "BatchOutcome",
    "BatchPacer",
    "BatchPlan",
    "ConsumerError",
    "ConsumerSettings",
    "ConsumerState",
    "DeadLetter",
    "Delivered",
    "HandlerError",
    "LagCallback",
    "ProjectionConsumer",
    "ProjectionHandler",
    "dead_letter_of_message",
    "dead_letter_of_record",
    "delivered_from_message",
    "is_database_error",
    "new_consumer",
    "plan_batch",
    "savepoint",
    "to_us_now",
]
