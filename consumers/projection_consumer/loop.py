"""ProjectionConsumer: the thin loop that polls, hands batches over, commits, reports lag."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from consumers.dead_letters import DeadLetter
from consumers.projection_consumer.client import REQUEST_TIMEOUT_MS, ConsumerSettings, new_consumer
from consumers.projection_consumer.handler import BatchOutcome, ProjectionHandler
from consumers.projection_consumer.pace import BatchPacer
from consumers.projection_consumer.records import (
    Delivered,
    HandlerError,
    dead_letter_of_message,
    delivered_from_message,
)

# Why 200 ms: how long one poll waits for records when the topic is idle. The stop flag and
# the periodic work are checked between polls, so it bounds how late they run.
POLL_TIMEOUT_MS = 200
CLOSE_TIMEOUT_MS = 5_000
# Why 120 s: the broker itself failing (down, restarting, electing a leader) is waited for as
# long as the relay waits (SEND_ATTEMPTS_MAX with its backoff, about two minutes), counted
# in time rather than attempts; longer, the process exits and its supervisor takes over.
BROKER_UNAVAILABLE_S_MAX = 120.0
ERROR_BACKOFF_S_MIN = 0.1
ERROR_BACKOFF_S_MAX = 5.0
LAG_REPORT_INTERVAL_S = 1.0  # Lag moves with every batch; once a second is enough for a gauge.
POSITION_TIMEOUT_MS = 100  # Positions of fetched partitions are known locally: no round trip.

log = structlog.get_logger("cocagne.consumer")


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (one turn: a poll and its batch).

    A batch's objects (up to ``batch_size_max`` records, their headers, events and rows) live
    for the whole turn and die together, freed by reference counting. With the collector on,
    they filled its generations over and over: a 1 M-event catch-up ran about 180 full
    collections of some 70 ms each, scanning batches still alive and finding nothing to free:
    a quarter of the process's CPU. Between turns the collector runs as usual, when little
    is alive, and collects whatever cycles a turn left.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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
        self.pacer = BatchPacer(settings.batch_size_max)
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
        one poll (``POLL_TIMEOUT_MS``) and one batch (at most ``batch_size_max`` records,
        fewer when the last batches were slow: see :class:`BatchPacer`).
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
                    with collector_paused():
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
                                                     max_records=self.pacer.size)
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
        duration_s = time.perf_counter() - started_s
        self.pacer.measured(outcome.records, duration_s)
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
                 duration_ms=round(duration_s * 1000, 1), next_batch_max=self.pacer.size)
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
