"""The relay proper: publish the log batch by batch, retry sends, republish a lost topic."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import structlog
from eventsourcing.persistence import ApplicationRecorder, Notification
from kafka import KafkaProducer
from kafka.errors import KafkaError

from consumers.relay.positions import LastRecord, PositionStore
from consumers.relay.producer import FLUSH_TIMEOUT_S, close_producer, new_producer
from consumers.relay.records import envelope_decoder
from consumers.relay.settings import RETRY_BACKOFF_MS_MAX, RETRY_BACKOFF_MS_MIN, RelaySettings
from consumers.relay.topic import ensure_topic, holds_record

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
        decode = envelope_decoder.decode
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
        return holds_record(self.settings.bootstrap_servers, self.settings.topic,
                            self._client_id, last)

    def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is None:
            return
        close_producer(producer)
