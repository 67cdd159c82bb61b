"""A relay's settings: its topic and names, defaults and limits, and the variables that set them."""

from __future__ import annotations

from dataclasses import dataclass

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


def check_replication(replication_factor: int, min_insync_replicas: int) -> None:
    """Refuse settings Kafka would refuse later, or that could never accept a write."""
    if not 1 <= replication_factor <= REPLICATION_FACTOR_MAX:
        raise ValueError(f"replication factor {replication_factor} is not in "
                         f"1..{REPLICATION_FACTOR_MAX}")
    if not 1 <= min_insync_replicas <= replication_factor:
        raise ValueError(f"min.insync.replicas {min_insync_replicas} is not in "
                         f"1..{replication_factor} (the replication factor)")


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
