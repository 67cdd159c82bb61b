"""Relay throughput: events/s from the event store to the broker, against a raw producer.

``python -m bench.relay [--events 100000] [--rounds 3]`` starts a Tansu broker, fills an
SQLite event store with ``--events`` stored events of about 300 bytes, then, in the same
run and alternating round by round:

- **raw**: a kafka-python producer with the relay's exact settings (idempotent,
  ``acks="all"``, same batch size and linger) sends the same keys, values and headers,
  prepared in memory beforehand, then flushes once: the ceiling for this client and broker.
- **relay**: ``consumers.relay.Relay`` publishes the store from position 0 until caught up:
  reading the notification log, decoding each correlation id, sending, flushing and writing
  its position batch by batch.

Each round writes to fresh topics. It prints the median events/s of each and their ratio
(target: relay / raw of at least 0.7). Numbers depend on the machine; only the ratio is a claim.
Both sides are bound by kafka-python's Python code, so on a busy machine the wall-clock ratio
wanders; the ratio of events per CPU-second of this process, printed beside it, does not.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import msgspec
import structlog
from eventsourcing.persistence import StoredEvent

from consumers.relay import (
    DEFAULT_BATCH_SIZE_MAX,
    Relay,
    RelaySettings,
    ensure_topic,
    headers_for,
    key_for,
    new_producer,
    open_recorder,
    position_store_from_env,
)
from tests.kafka_broker import TansuBroker

EVENTS_DEFAULT = 100_000
ROUNDS_DEFAULT = 3
STREAMS = 1_000  # Interleaved writers, as many lots moving at once.
PARTITIONS = 6
STATE_BYTES_TARGET = 300
INSERT_CHUNK = 5_000  # Events per insert transaction while filling the store.


def stored_state(stream_index: int, version: int) -> bytes:
    """About 300 bytes of MessagePack shaped like a ledger event."""
    body = {
        "originator_id": uuid.UUID(int=stream_index).bytes,
        "originator_version": version,
        "timestamp": "2025-06-02T08:15:00.123456+00:00",
        "context": {
            "member_id": uuid.UUID(int=stream_index + 1).bytes,
            "role": "platform",
            "command_id": f"cmd-{stream_index}-{version}",
            "correlation_id": f"corr-{stream_index}-{version}",
            "causation_id": f"cmd-{stream_index}-{version}",
            "occurred_at": "2025-06-02T08:14:59+00:00",
        },
        "site_id": uuid.UUID(int=7).bytes,
        "quantity_g": 12_000 + version,
        "note": "",
    }
    encoded = msgspec.msgpack.encode(body)
    body["note"] = "x" * max(0, STATE_BYTES_TARGET - len(encoded))
    return msgspec.msgpack.encode(body)


def fill_store(store_env: dict[str, str], events: int) -> None:
    """Write ``events`` stored events, streams interleaved."""
    factory, recorder = open_recorder(store_env)
    try:
        stream_ids = [uuid.uuid4() for _ in range(STREAMS)]
        batch: list[StoredEvent] = []
        for position in range(events):
            stream_index = position % STREAMS
            version = position // STREAMS + 1
            batch.append(StoredEvent(originator_id=stream_ids[stream_index],
                                     originator_version=version, topic="lot.received",
                                     state=stored_state(stream_index, version)))
            if len(batch) == INSERT_CHUNK:
                recorder.insert_events(batch)
                batch = []
        if batch:
            recorder.insert_events(batch)
    finally:
        factory.close()


@dataclass(frozen=True)
class Rate:
    """Events per second of wall-clock time, and per second of this process's CPU time."""

    wall: float
    cpu: float


def run_raw(store_env: dict[str, str], bootstrap_servers: str, topic: str) -> Rate:
    """Events/s of a bare producer sending the store's records, prepared in memory."""
    factory, recorder = open_recorder(store_env)
    try:
        notifications = recorder.select_notifications(None, 10_000_000)
    finally:
        factory.close()
    records = [(key_for(n), n.state, headers_for(n)) for n in notifications]
    ensure_topic(bootstrap_servers, topic, PARTITIONS, "bench-raw")
    producer = new_producer(bootstrap_servers, "bench-raw")
    producer.send(topic, key=b"warm-up", value=b"").get(timeout=30)  # Connect, get metadata.
    try:
        started_s, started_cpu_s = time.perf_counter(), time.process_time()
        send = producer.send
        futures = [send(topic, key=key, value=value, headers=headers)
                   for key, value, headers in records]
        producer.flush(timeout=120)
        elapsed_s, elapsed_cpu_s = (time.perf_counter() - started_s,
                                    time.process_time() - started_cpu_s)
        assert all(future.succeeded() for future in futures), "a raw send failed"
    finally:
        producer.close(timeout=5)
    return Rate(wall=len(records) / elapsed_s, cpu=len(records) / elapsed_cpu_s)


def run_relay(store_env: dict[str, str], bootstrap_servers: str, topic: str,
              batch_size_max: int) -> Rate:
    """Events/s of the relay publishing the whole store from position 0."""
    factory, recorder = open_recorder(store_env)
    settings = RelaySettings(bootstrap_servers=bootstrap_servers, topic=topic,
                             relay_name=f"bench-{topic}", partitions=PARTITIONS,
                             batch_size_max=batch_size_max)
    relay = Relay(recorder, position_store_from_env(store_env, settings.relay_name), settings)
    try:
        relay.rewind(0)
        relay.connect()  # Before timing, as the raw run connects before it.
        started_s, started_cpu_s = time.perf_counter(), time.process_time()
        published = relay.catch_up()
        elapsed_s, elapsed_cpu_s = (time.perf_counter() - started_s,
                                    time.process_time() - started_cpu_s)
    finally:
        relay.close()
        factory.close()
    return Rate(wall=published / elapsed_s, cpu=published / elapsed_cpu_s)


def main() -> None:
    """Run the benchmark and print events/s and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--events", type=int, default=EVENTS_DEFAULT)
    parser.add_argument("--rounds", type=int, default=ROUNDS_DEFAULT)
    parser.add_argument("--batch-size-max", type=int, default=DEFAULT_BATCH_SIZE_MAX)
    arguments = parser.parse_args()
    # Silence the relay's per-batch lines while measuring.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

    with tempfile.TemporaryDirectory(prefix="bench-relay-") as directory:
        store_env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                     "SQLITE_DBNAME": str(Path(directory) / "ledger.db")}
        started_s = time.perf_counter()
        fill_store(store_env, arguments.events)
        print(f"store filled with {arguments.events:,} events of ~{STATE_BYTES_TARGET} bytes "
              f"in {time.perf_counter() - started_s:.1f} s")
        raw_rates: list[Rate] = []
        relay_rates: list[Rate] = []
        with TansuBroker(Path(directory) / "tansu.log") as broker:
            for round_number in range(arguments.rounds):
                raw_rates.append(run_raw(store_env, broker.bootstrap_servers,
                                         f"bench.raw.{round_number}"))
                relay_rates.append(run_relay(store_env, broker.bootstrap_servers,
                                             f"bench.relay.{round_number}",
                                             arguments.batch_size_max))
                print(f"round {round_number + 1}: raw {raw_rates[-1].wall:,.0f} events/s, "
                      f"relay {relay_rates[-1].wall:,.0f} events/s")
    raw = statistics.median(rate.wall for rate in raw_rates)
    relay = statistics.median(rate.wall for rate in relay_rates)
    raw_cpu = statistics.median(rate.cpu for rate in raw_rates)
    relay_cpu = statistics.median(rate.cpu for rate in relay_rates)
    print(f"raw kafka-python producer: {raw:,.0f} events/s, {raw_cpu:,.0f} per CPU-second "
          f"(medians of {arguments.rounds})")
    print(f"relay, store to broker:    {relay:,.0f} events/s, {relay_cpu:,.0f} per CPU-second")
    print(f"ratio relay / raw:         {relay / raw:.2f} (target >= 0.70); "
          f"per CPU-second {relay_cpu / raw_cpu:.2f}")


if __name__ == "__main__":
    main()
