"""The relay's story, against a real Tansu broker and a real event store (no mocks).

Events are written to the store; the relay publishes each one, keyed by its stream, with its
headers, and advances its position only once the broker acknowledged them. Restarted, it
resumes; killed with SIGKILL mid-stream, it repeats at most its unacknowledged batch; when the
broker restarts empty, it replaces its producer and republishes it all, on its own (noticing
the last record it published is gone) or when told ``--from 0``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import msgspec
import pytest
import structlog
from eventsourcing.persistence import ApplicationRecorder, Notification, StoredEvent
from kafka import KafkaAdminClient

from consumers.relay import (
    DEFAULT_BATCH_SIZE_MAX,
    DEFAULT_IDLE_SLEEP_MS,
    DEFAULT_TOPIC,
    Relay,
    RelaySettings,
    correlation_id_of,
    ensure_topic,
    headers_for,
    key_for,
    open_recorder,
    position_store_from_env,
)
from domain.codec import decode_event
from infra.demo.territory import generate_demo
from infra.ledger.ledger import Ledger
from infra.store import StoreLocation
from tests.builders import DEMO_END
from tests.kafka_broker import ReadRecord, TansuBroker, read_topic, topic_names

REPOSITORY_ROOT = Path(__file__).resolve().parents[3]
EVENT_TOPIC = "test.thing"
SUBPROCESS_TIMEOUT_S = 60


# ---------------------------------------------------------------------------------------------
# Helpers


def stored_state(stream_index: int, version: int, padding_bytes: int = 0) -> bytes:
    """A stored event shaped like the ledger's: a MessagePack map with a context."""
    return msgspec.msgpack.encode({
        "originator_version": version,
        "context": {"correlation_id": f"corr-{stream_index}-{version}", "command_id": "x"},
        "padding": "p" * padding_bytes,
    })


def insert_events(recorder: ApplicationRecorder, stream_ids: list[uuid.UUID],
                  versions: range, *, padding_bytes: int = 0,
                  chunk_size: int = 1_000) -> None:
    """Append ``versions`` to every stream, interleaving streams as concurrent writers do."""
    events = [
        StoredEvent(originator_id=stream_id, originator_version=version, topic=EVENT_TOPIC,
                    state=stored_state(index, version, padding_bytes))
        for version in versions
        for index, stream_id in enumerate(stream_ids)
    ]
    for start in range(0, len(events), chunk_size):
        recorder.insert_events(events[start:start + chunk_size])


@contextmanager
def opened_relay(store_env: Mapping[str, str], bootstrap_servers: str, *,
                 batch_size_max: int = DEFAULT_BATCH_SIZE_MAX,
                 idle_sleep_ms: int = DEFAULT_IDLE_SLEEP_MS,
                 on_progress: Callable[[Relay], None] | None = None) -> Iterator[Relay]:
    """An in-process relay on the store, closed (with its recorder) on exit."""
    factory, recorder = open_recorder(store_env)
    relay_settings = RelaySettings(bootstrap_servers=bootstrap_servers, partitions=4,
                                   batch_size_max=batch_size_max, idle_sleep_ms=idle_sleep_ms)
    relay = Relay(recorder, position_store_from_env(store_env, relay_settings.relay_name),
                  relay_settings, on_progress)
    try:
        yield relay
    finally:
        relay.close()
        factory.close()


@contextmanager
def opened_recorder(store_env: Mapping[str, str]) -> Iterator[ApplicationRecorder]:
    """The store's application recorder, closed on exit."""
    factory, recorder = open_recorder(store_env)
    try:
        yield recorder
    finally:
        factory.close()


def stream_version(record: ReadRecord) -> tuple[bytes, int]:
    """(stream id, stream version) of a record read back."""
    return record.key, int(record.headers["stream-version"])


def read_events(bootstrap_servers: str, expected: set[tuple[bytes, int]],
                timeout_s: float = 40) -> list[ReadRecord]:
    """Read the relay's topic until every expected (stream, version) arrived."""
    def covered(records: list[ReadRecord]) -> bool:
        return expected <= {stream_version(record) for record in records}

    return read_topic(bootstrap_servers, DEFAULT_TOPIC, until=covered, timeout_s=timeout_s)


def expected_pairs(stream_ids: list[uuid.UUID], versions: range) -> set[tuple[bytes, int]]:
    """Every (key, version) the relay must publish for these streams."""
    return {(str(stream_id).encode(), version) for stream_id in stream_ids for version in versions}


class RelayProcess:
    """``python -m consumers.relay`` as a separate process on this store and broker; its log
    lines go to a file (a pipe nobody reads would block it)."""

    def __init__(self, store_env: Mapping[str, str], bootstrap_servers: str, log_path: Path,
                 *arguments: str) -> None:
        self.store_env = store_env
        self.log_path = log_path
        with log_path.open("ab") as log_file:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "consumers.relay", "--bootstrap-servers",
                 bootstrap_servers, "--partitions", "4", *arguments],
                cwd=REPOSITORY_ROOT, env={**os.environ, **store_env},
                stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)

    def log(self) -> str:
        """Everything the process logged so far."""
        return self.log_path.read_text()

    def wait(self, timeout_s: float = SUBPROCESS_TIMEOUT_S) -> int:
        """Wait for the process to exit; its exit status."""
        return self.process.wait(timeout=timeout_s)

    def wait_for_position(self, at_least: int) -> float:
        """Wait until the stored position reaches ``at_least``; when (monotonic seconds)."""
        deadline_s = time.monotonic() + SUBPROCESS_TIMEOUT_S
        while stored_position(self.store_env) < at_least:
            assert self.process.poll() is None, self.log()
            assert time.monotonic() < deadline_s, f"relay not at {at_least}: {self.log()}"
            time.sleep(0.002)
        return time.monotonic()

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would; waits for the end."""
        self.process.kill()
        self.process.wait(timeout=SUBPROCESS_TIMEOUT_S)


def stored_position(store_env: Mapping[str, str]) -> int:
    """The relay's position as stored in the database."""
    positions = position_store_from_env(store_env, "cocagne.events")
    try:
        return positions.read()
    finally:
        positions.close()


# ---------------------------------------------------------------------------------------------
# What the relay writes for one event (no broker needed)


def test_headers_name_type_notification_version_and_correlation() -> None:
    """Each record carries its event type, notification id, stream version, correlation id."""
    stream_id = uuid.uuid4()
    notification = Notification(id=42, originator_id=stream_id, originator_version=7,
                                topic="lot.received", state=stored_state(3, 7))
    assert key_for(notification) == str(stream_id).encode()
    assert headers_for(notification) == [
        ("event-type", b"lot.received"), ("notification-id", b"42"),
        ("stream-version", b"7"), ("correlation-id", b"corr-3-7")]


def test_event_without_context_is_relayed_without_correlation_id() -> None:
    """A stored event that is not a map with a context yields an empty correlation id."""
    assert correlation_id_of(msgspec.msgpack.encode({"other": 1})) == ""
    assert correlation_id_of(msgspec.msgpack.encode([1, 2])) == ""
    assert correlation_id_of(b"\xc1 not msgpack") == ""


# ---------------------------------------------------------------------------------------------
# Against the broker


@pytest.mark.kafka
def test_relay_publishes_every_event_once_in_stream_order(
        store_env: dict[str, str], kafka_bootstrap_servers: str) -> None:
    """Every stored event arrives once, keyed by stream, in stream order, bytes unchanged."""
    stream_ids = [uuid.uuid4() for _ in range(5)]
    versions = range(1, 41)
    with opened_recorder(store_env) as recorder:
        insert_events(recorder, stream_ids, versions)
        stored = {(str(n.originator_id).encode(), n.originator_version): n
                  for n in recorder.select_notifications(None, 1_000)}

    progress: list[tuple[int, int]] = []
    with opened_relay(store_env, kafka_bootstrap_servers, batch_size_max=64,
                      on_progress=lambda relay: progress.append((relay.position, relay.lag))
                      ) as relay:
        published = relay.catch_up()
        assert (published, relay.position, relay.lag) == (200, 200, 0)
    assert progress == [(64, 136), (128, 72), (192, 8), (200, 0)]

    records = read_events(kafka_bootstrap_servers, expected_pairs(stream_ids, versions))
    assert len(records) == 200
    assert {stream_version(record) for record in records} == set(stored)
    for key in {record.key for record in records}:
        stream_records = [record for record in records if record.key == key]
        assert len({record.partition for record in stream_records}) == 1
        assert [stream_version(record)[1] for record in stream_records] == list(versions)
    for record in records:
        notification = stored[stream_version(record)]
        assert record.value == notification.state
        assert record.headers == {
            "event-type": EVENT_TOPIC.encode(),
            "notification-id": str(notification.id).encode(),
            "stream-version": str(notification.originator_version).encode(),
            "correlation-id": correlation_id_of(notification.state).encode()}
    assert stored_position(store_env) == 200


@pytest.mark.kafka
def test_restarted_relay_resumes_from_its_stored_position(
        sqlite_store_env: dict[str, str], kafka_bootstrap_servers: str) -> None:
    """A second relay run publishes only what the first had not, so nothing twice."""
    stream_ids = [uuid.uuid4() for _ in range(3)]
    with opened_recorder(sqlite_store_env) as recorder:
        insert_events(recorder, stream_ids, range(1, 11))
        with opened_relay(sqlite_store_env, kafka_bootstrap_servers) as relay:
            assert relay.catch_up() == 30
        insert_events(recorder, stream_ids, range(11, 21))
        with opened_relay(sqlite_store_env, kafka_bootstrap_servers) as relay:
            assert relay.position == 30
            assert relay.catch_up() == 30

    records = read_events(kafka_bootstrap_servers, expected_pairs(stream_ids, range(1, 21)))
    assert len(records) == 60


@pytest.mark.kafka
def test_relay_process_stops_cleanly_on_sigterm(
        sqlite_store_env: dict[str, str], kafka_bootstrap_servers: str, tmp_path: Path) -> None:
    """A following relay process asked to stop (as ``docker stop`` does) exits with 0."""
    with opened_recorder(sqlite_store_env) as recorder:
        insert_events(recorder, [uuid.uuid4()], range(1, 11))
    relay = RelayProcess(sqlite_store_env, kafka_bootstrap_servers, tmp_path / "relay.log")
    try:
        relay.wait_for_position(10)
        relay.process.send_signal(signal.SIGTERM)
        assert relay.wait(timeout_s=10) == 0, relay.log()
    finally:
        relay.kill()
    assert "relay.stopped" in relay.log()


@pytest.mark.kafka
@pytest.mark.slow
def test_relay_killed_mid_stream_repeats_at_most_its_unacknowledged_batch(
        store_env: dict[str, str], kafka_bootstrap_servers: str, tmp_path: Path) -> None:
    """SIGKILL mid-stream, then restart: every event arrives, repeats only from one batch
    (on SQLite and on PostgreSQL)."""
    batch_size_max = 500
    stream_ids = [uuid.uuid4() for _ in range(100)]
    versions = range(1, 201)  # 20,000 events: 40 batches, time enough to kill it mid-stream.
    with opened_recorder(store_env) as recorder:
        insert_events(recorder, stream_ids, versions, padding_bytes=150)
    total = len(stream_ids) * len(versions)

    first = RelayProcess(store_env, kafka_bootstrap_servers, tmp_path / "first.log",
                         "--batch-size-max", str(batch_size_max))
    # Kill it halfway through a batch, sends in flight: time a few batches first.
    batch_ends_s = [first.wait_for_position(batch * batch_size_max) for batch in range(1, 5)]
    batch_period_s = (batch_ends_s[-1] - batch_ends_s[0]) / (len(batch_ends_s) - 1)
    first.wait_for_position(5 * batch_size_max)
    time.sleep(batch_period_s / 2)
    first.kill()
    killed_at = stored_position(store_env)
    assert 0 < killed_at < total, "the relay must be killed mid-stream"

    second = RelayProcess(store_env, kafka_bootstrap_servers, tmp_path / "second.log",
                          "--until-caught-up", "--batch-size-max", str(batch_size_max))
    assert second.wait() == 0, second.log()
    assert stored_position(store_env) == total

    records = read_events(kafka_bootstrap_servers, expected_pairs(stream_ids, versions))
    assert {stream_version(record) for record in records} == expected_pairs(stream_ids, versions)
    # Repeats are the part of the killed batch that reached the broker before the kill: none
    # if it died between batches, the whole batch if it died after the flush but before
    # storing its position.
    repeats = Counter(int(record.headers["notification-id"]) for record in records)
    repeated = sorted(notification_id for notification_id, seen in repeats.items() if seen > 1)
    assert max(repeats.values()) <= 2
    assert all(killed_at < notification_id <= killed_at + batch_size_max
               for notification_id in repeated), (killed_at, repeated[:3], repeated[-3:])


@pytest.mark.kafka
def test_broker_restarted_empty_is_refilled_from_zero_when_told(
        sqlite_store_env: dict[str, str], kafka_broker: TansuBroker, tmp_path: Path) -> None:
    """After the broker lost everything, ``--from 0`` republishes every event, once."""
    stream_ids = [uuid.uuid4() for _ in range(10)]
    versions = range(1, 51)
    with opened_recorder(sqlite_store_env) as recorder:
        insert_events(recorder, stream_ids, versions)
    with opened_relay(sqlite_store_env, kafka_broker.bootstrap_servers) as relay:
        assert relay.catch_up() == 500

    kafka_broker.restart_empty()
    assert DEFAULT_TOPIC not in topic_names(kafka_broker.bootstrap_servers)

    refill = RelayProcess(sqlite_store_env, kafka_broker.bootstrap_servers,
                          tmp_path / "relay.log", "--from", "0", "--until-caught-up")
    assert refill.wait() == 0, refill.log()

    records = read_events(kafka_broker.bootstrap_servers, expected_pairs(stream_ids, versions))
    assert len(records) == 500
    assert {stream_version(record) for record in records} == expected_pairs(stream_ids, versions)


@pytest.mark.kafka
def test_following_relay_replaces_its_producer_and_refills_a_broker_that_restarts_empty(
        sqlite_store_env: dict[str, str], kafka_broker: TansuBroker) -> None:
    """A following relay survives an empty broker restart with a new producer, finds the
    last record it had published gone, and republishes everything from the start, once."""
    stream_ids = [uuid.uuid4() for _ in range(4)]
    with opened_recorder(sqlite_store_env) as recorder, \
            opened_relay(sqlite_store_env, kafka_broker.bootstrap_servers,
                         idle_sleep_ms=20) as relay:
        stop = threading.Event()
        follower = threading.Thread(target=relay.follow, args=(stop,), name="relay")
        follower.start()
        try:
            insert_events(recorder, stream_ids, range(1, 26))
            wait_for_position(relay, 100)
            kafka_broker.restart_empty()
            insert_events(recorder, stream_ids, range(26, 51))
            wait_for_position(relay, 200)
        finally:
            stop.set()
            follower.join(timeout=5)
        assert not follower.is_alive(), "the relay did not stop within 5 s"
        assert relay.producers_created == 2
        assert relay.topic_losses == 1
        assert relay.published_total == 100 + 200
        assert kafka_threads() == 1, "the replaced producer's thread must be stopped"

    everything = expected_pairs(stream_ids, range(1, 51))
    records = read_events(kafka_broker.bootstrap_servers, everything)
    assert [stream_version(record) for record in records if
            stream_version(record) not in everything] == []
    assert Counter(stream_version(record) for record in records) == Counter(everything)
    assert kafka_threads() == 0


@pytest.mark.kafka
def test_a_relay_started_after_the_broker_lost_its_data_refills_it_from_zero(
        sqlite_store_env: dict[str, str], kafka_broker: TansuBroker) -> None:
    """The broker lost everything while no relay ran: the next relay reads back the last
    record it had published, misses it, and republishes from the start; with the broker
    intact, a restarted relay finds that record and just resumes."""
    stream_ids = [uuid.uuid4() for _ in range(5)]
    with opened_recorder(sqlite_store_env) as recorder:
        insert_events(recorder, stream_ids, range(1, 21))
    with opened_relay(sqlite_store_env, kafka_broker.bootstrap_servers) as relay:
        assert relay.catch_up() == 100
    with opened_relay(sqlite_store_env, kafka_broker.bootstrap_servers) as relay:
        assert relay.catch_up() == 0
        relay.connect()
        assert relay.topic_losses == 0

    kafka_broker.restart_empty()
    with opened_recorder(sqlite_store_env) as recorder:
        insert_events(recorder, stream_ids, range(21, 31))
    with opened_relay(sqlite_store_env, kafka_broker.bootstrap_servers) as relay:
        assert relay.catch_up() == 150
        assert relay.topic_losses == 1
    everything = expected_pairs(stream_ids, range(1, 31))
    records = read_events(kafka_broker.bootstrap_servers, everything)
    assert Counter(stream_version(record) for record in records) == Counter(everything)


def kafka_threads() -> int:
    """Live network threads of the relay's kafka-python producers in this process."""
    return sum(1 for thread in threading.enumerate()
               if thread.name.startswith("cocagne-relay-") and thread.is_alive())


@pytest.mark.kafka
def test_relay_publishes_the_demo_scenario_as_decodable_ledger_events(
        sqlite_store: StoreLocation, kafka_bootstrap_servers: str) -> None:
    """Real ledger events arrive whole: each value decodes to the event its headers name."""
    ledger = Ledger(sqlite_store)
    try:
        generate_demo(ledger, weeks=2, with_governance=False, end=DEMO_END)
        head = ledger.recorder.max_notification_id() or 0
    finally:
        ledger.close()
    store_env = sqlite_store.eventsourcing_env()
    with opened_relay(store_env, kafka_bootstrap_servers) as relay:
        assert relay.catch_up() == head > 0

    records = read_topic(kafka_bootstrap_servers, DEFAULT_TOPIC,
                         until=lambda records: len(records) >= head)
    assert sorted(int(record.headers["notification-id"]) for record in records) == list(
        range(1, head + 1))
    for record in records:
        event = decode_event(record.headers["event-type"].decode(), record.value)
        assert record.key == str(event.originator_id).encode()
        assert int(record.headers["stream-version"]) == event.originator_version
        assert record.headers["correlation-id"] == event.context.correlation_id.encode() != b""


def wait_for_position(relay: Relay, position: int, timeout_s: float = 30) -> None:
    """Wait until a relay running in another thread reached ``position``."""
    deadline_s = time.monotonic() + timeout_s
    while relay.position < position:
        assert time.monotonic() < deadline_s, f"relay at {relay.position}, not {position}"
        time.sleep(0.01)


@pytest.mark.kafka
def test_relay_creates_its_topic_with_the_configured_replication(
        store_env: dict[str, str], kafka_bootstrap_servers: str) -> None:
    """The topic gets its partitions and one replica each (the single-broker default); the
    producer waits for every in-sync replica (acks=all) and is idempotent."""
    with opened_recorder(store_env) as recorder:
        insert_events(recorder, [uuid.uuid4()], range(1, 4))
    with opened_relay(store_env, kafka_bootstrap_servers) as relay:
        assert (relay.settings.replication_factor, relay.settings.min_insync_replicas) == (1, 1)
        assert relay.catch_up() == 3
        producer = relay._producer  # The producer the relay really uses.
        assert producer is not None
        assert producer.config["acks"] == -1  # kafka-python's spelling of "all".
        assert producer.config["enable_idempotence"] is True
    admin = KafkaAdminClient(bootstrap_servers=[kafka_bootstrap_servers],
                             client_id="test-describe")
    try:
        [described] = admin.describe_topics([DEFAULT_TOPIC])
    finally:
        admin.close()
    assert len(described["partitions"]) == 4
    assert {len(partition["replica_nodes"]) for partition in described["partitions"]} == {1}


@pytest.mark.kafka
def test_an_existing_topic_with_other_replication_is_kept_with_a_warning(
        kafka_bootstrap_servers: str) -> None:
    """A topic made with one replica stays as it is when the relay wants three: Kafka cannot
    change it by creation, so the relay says so and publishes on."""
    assert ensure_topic(kafka_bootstrap_servers, "test.replicated", 2, "test") is True
    with structlog.testing.capture_logs() as logs:
        created = ensure_topic(kafka_bootstrap_servers, "test.replicated", 2, "test",
                               replication_factor=3, min_insync_replicas=2)
    assert created is False
    [warning] = [log for log in logs if log["event"] == "relay.topic_replication_differs"]
    assert (warning["replicas"], warning["replication_factor"]) == ([1], 3)
