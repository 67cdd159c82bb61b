"""Kafka producer lifecycle: idempotent producer creation, and closing one whose broker left."""

from __future__ import annotations

import structlog
from kafka import KafkaProducer
from kafka.errors import KafkaError

from consumers.relay.settings import RETRY_BACKOFF_MS_MIN

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
# Why 2 s: a replaced producer's undelivered records are redone by the relay anyway; waiting
# longer for them only delays the recovery.
PRODUCER_CLOSE_TIMEOUT_S = 2

log = structlog.get_logger("cocagne.relay")


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


def close_producer(producer: KafkaProducer) -> None:
    """Close a producer that is being replaced, without waiting long for its records."""
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
