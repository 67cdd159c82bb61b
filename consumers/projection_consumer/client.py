"""The group's Kafka client: a consumer's settings, and the client made with every limit."""

from __future__ import annotations

from dataclasses import dataclass

from kafka import KafkaConsumer
from kafka.coordinator.assignors.range import RangePartitionAssignor

from consumers.relay import DEFAULT_TOPIC

# Why 10,000: the per-batch costs (a transaction and its commit, half a dozen statements, an
# offset commit round trip) are paid once for up to ten thousand records, which a view applies
# in a few hundred ms; the batch is made smaller whenever one takes longer than
# pace.BATCH_TIME_TARGET_S, so that it always ends well inside the poll interval below.
DEFAULT_BATCH_SIZE_MAX = 10_000
BATCH_SIZE_LIMIT = 50_000  # Memory: a batch's records and events are held at once.
# Group timing. Group joins wait for the rebalance timeout (kafka-python sends
# max_poll_interval_ms as the rebalance timeout), and some brokers wait all of it before a
# first assignment: 6 s keeps a join short, and still leaves each batch (about a second at
# most, pace.BATCH_TIME_TARGET_S, lock waits included) a wide margin. The session timeout
# bounds how long a killed process keeps its partitions.
MAX_POLL_INTERVAL_MS = 6_000
SESSION_TIMEOUT_MS = 6_000
HEARTBEAT_INTERVAL_MS = 2_000  # A third of the session timeout, as Kafka recommends.
REQUEST_TIMEOUT_MS = 10_000  # Above the fetch wait, below the idle-connection limit.
# Why 100 ms: the broker holds a fetch that found nothing this long; it bounds how late a
# record published into an idle partition is seen (end-to-end latency), at ten requests a
# second per broker connection when idle.
FETCH_MAX_WAIT_MS = 100
# Why 4 MiB: about 6,500 relayed events (650 bytes each) per partition per fetch, so that one
# fetch round fills a full batch even for a process holding only two partitions.
MAX_PARTITION_FETCH_BYTES = 4_194_304
# Why 5 s: after a broker restart the relay recreates the topic; the consumer notices it
# (and rejoins) within one metadata refresh.
METADATA_MAX_AGE_MS = 5_000
RETRY_BACKOFF_MS = 100
RECONNECT_BACKOFF_MS = 50
RECONNECT_BACKOFF_MAX_MS = 2_000  # Reconnect to a restarted broker within two seconds.
CONNECTIONS_MAX_IDLE_MS = 540_000
# Why 10: a batch that fails ten times in a row (about 30 s with the backoff) will not
# succeed by waiting: the process exits non-zero so its supervisor restarts it and the
# failure shows.
BATCH_ATTEMPTS_MAX = 10


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
