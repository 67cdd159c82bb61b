"""The events topic on the broker: its creation, and whether it still holds a record."""

from __future__ import annotations

import time

import structlog
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, OffsetOutOfRangeError, TopicAlreadyExistsError

from consumers.relay.positions import LastRecord
from consumers.relay.producer import REQUEST_TIMEOUT_MS
from consumers.relay.settings import (
    DEFAULT_MIN_INSYNC_REPLICAS,
    DEFAULT_REPLICATION_FACTOR,
    check_replication,
)

ADMIN_TIMEOUT_MS = 10_000
# Why 5 s: reading back one record at a known offset takes milliseconds; a broker that has
# not returned it in five seconds does not hold it (Tansu answers an offset past the end of
# a partition with nothing rather than an error).
CHECK_TIMEOUT_MS = 5_000
CHECK_POLL_TIMEOUT_MS = 200
CHECK_POLLS_MAX = CHECK_TIMEOUT_MS // CHECK_POLL_TIMEOUT_MS + 1  # Bounds the loop as well.

log = structlog.get_logger("cocagne.relay")


def new_topic(topic: str, partitions: int, *,
              replication_factor: int = DEFAULT_REPLICATION_FACTOR,
              min_insync_replicas: int = DEFAULT_MIN_INSYNC_REPLICAS) -> NewTopic:
    """The creation request of the events topic: partitions, replicas and the in-sync
    replicas a write needs (with the producer's ``acks="all"``) before it is acknowledged."""
    check_replication(replication_factor, min_insync_replicas)
    return NewTopic(topic, num_partitions=partitions, replication_factor=replication_factor,
                    topic_configs={"min.insync.replicas": str(min_insync_replicas)})


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


def holds_record(bootstrap_servers: str, topic: str, client_id: str, last: LastRecord) -> bool:
    """Whether ``topic`` still holds the last record the broker acknowledged."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers.split(","),
        client_id=f"{client_id}-check", group_id=None, enable_auto_commit=False,
        auto_offset_reset="none",  # An offset past the end is an answer, not a reset.
        request_timeout_ms=REQUEST_TIMEOUT_MS, fetch_max_wait_ms=CHECK_POLL_TIMEOUT_MS,
        allow_auto_create_topics=False)
    try:
        partition = TopicPartition(topic, last.partition)
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
