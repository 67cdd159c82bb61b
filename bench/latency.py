"""End-to-end latency: from a command accepted to its effect visible in a consumer's view.

``python -m bench.latency [--rate 200] [--seconds 10]`` starts a Tansu broker and an SQLite
event store with a small territory, then two phases of the same steady load (``--rate``
``OfferLot`` commands a second, open loop: each is sent at its scheduled time, whatever the
previous one took):

- **kafka**: ``cocagne relay`` and ``cocagne consume stock`` run as separate processes with
  their default settings (the relay polls an idle store every 100 ms; the consumer's fetch
  waits up to 100 ms). A command's latency is the time from ``ledger.execute`` returning to
  its lot's row being visible in the consumer's stock view (a separate SQLite file).
- **in-process** (the same-run baseline): the embedded default, a ``ProjectionRunner``
  following the same store in this process (100 ms polls), its stock view read the same way.

Visibility is detected by one poller thread reading the view every 5 ms, so figures carry up
to 5 ms of detection delay. It prints p50, p99 and max of each, and their ratios. Target:
kafka p99 under 500 ms. The whole run stays under about 30 s at the defaults.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import structlog

from domain import commands as c
from infra.ledger.ledger import Ledger
from infra.projections_wiring import open_projections
from infra.store import sqlite_location
from projections.view_store import SQLiteViewDatabase
from tests.builders import found_territory
from tests.kafka_broker import TansuBroker

RATE_DEFAULT = 200  # Commands per second: the steady load.
SECONDS_DEFAULT = 10
POLL_INTERVAL_S = 0.005
DRAIN_TIMEOUT_S = 10.0  # After the load, wait this long at most for the last effects.
READY_TIMEOUT_S = 40.0  # A consumer group's first assignment can take 23 s on Tansu.
IN_LIST_MAX = 500
REPOSITORY_ROOT = Path(__file__).resolve().parents[1]


class Visibility:
    """Polls a stock view for lots, recording when each became visible."""

    def __init__(self, views_path: Path) -> None:
        self.database = SQLiteViewDatabase(views_path)
        self.pending: dict[str, float] = {}
        self.latencies_s: list[float] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="visibility", daemon=True)

    def start(self) -> None:
        """Start polling."""
        self._thread.start()

    def expect(self, lot_id: str, accepted_s: float) -> None:
        """A command was accepted at ``accepted_s``; its lot should appear."""
        with self._lock:
            self.pending[lot_id] = accepted_s

    def drain(self, timeout_s: float) -> int:
        """Wait for every pending lot; how many never appeared."""
        deadline_s = time.monotonic() + timeout_s
        while time.monotonic() < deadline_s:
            with self._lock:
                if not self.pending:
                    return 0
            time.sleep(POLL_INTERVAL_S)
        with self._lock:
            return len(self.pending)

    def close(self) -> None:
        """Stop polling."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.database.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                wanted = list(self.pending)
            found: list[str] = []
            for start in range(0, len(wanted), IN_LIST_MAX):
                chunk = wanted[start:start + IN_LIST_MAX]
                try:
                    found.extend(row[0] for row in self.database.query(
                        "SELECT lot_id FROM view_stock_lots WHERE lot_id IN "
                        f"({','.join('?' * len(chunk))})", chunk))
                except sqlite3.OperationalError:  # The table may not exist yet.
                    continue
            now_s = time.monotonic()
            with self._lock:
                for lot_id in found:
                    accepted_s = self.pending.pop(lot_id, None)
                    if accepted_s is not None:
                        self.latencies_s.append(now_s - accepted_s)
            self._stop.wait(POLL_INTERVAL_S)


def steady_load(ledger: Ledger, producer_id: object, rate: int, seconds: float, label: str,
                visibility: Visibility) -> float:
    """Send ``rate`` offers a second for ``seconds``; the p99 lateness of sends (ms)."""
    count = int(rate * seconds)
    commands = [c.OfferLot(
        command_id=f"{label}-{index}", actor_id=producer_id, product="carrot",  # type: ignore[arg-type]
        variety="Nantaise", quantity_g=10_000, price_cents_per_kg=180,
        harvest_date=date(2026, 11, 2), best_before=date(2026, 11, 20),
        organic_certificate="FR-BIO-01", origin="parcelle 3") for index in range(count)]
    lateness_s: list[float] = []
    started_s = time.monotonic()
    for index, command in enumerate(commands):
        due_s = started_s + index / rate
        wait_s = due_s - time.monotonic()
        if wait_s > 0:
            time.sleep(wait_s)
        lateness_s.append(max(0.0, time.monotonic() - due_s))
        result = ledger.execute(command)
        visibility.expect(str(result.stream_id), time.monotonic())
    return percentile(lateness_s, 99) * 1000


def percentile(values: list[float], percent: int) -> float:
    """The ``percent``-th percentile (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(percent / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def figures(latencies_s: list[float]) -> tuple[float, float, float]:
    """p50, p99 and max in milliseconds."""
    return (statistics.median(latencies_s) * 1000, percentile(latencies_s, 99) * 1000,
            max(latencies_s) * 1000)


def spawn(log_path: Path, *arguments: str) -> subprocess.Popen[bytes]:
    """A ``cocagne`` process logging JSON lines to a file."""
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "infra.cli", *arguments], cwd=REPOSITORY_ROOT,
            env={**os.environ, "COCAGNE_LOG_FORMAT": "json", "COCAGNE_LOG_LEVEL": "warning"},
            stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll until ``condition()`` holds."""
    deadline_s = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline_s:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def main() -> None:
    """Run both phases and print the latencies."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--rate", type=int, default=RATE_DEFAULT, help="commands per second")
    parser.add_argument("--seconds", type=float, default=SECONDS_DEFAULT,
                        help="duration of each phase's load")
    arguments = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    logging.getLogger("kafka").setLevel(logging.CRITICAL)

    with tempfile.TemporaryDirectory(prefix="cocagne-latency-") as directory:
        root = Path(directory)
        location = sqlite_location(root / "ledger.db")
        ledger = Ledger(location)
        territory = found_territory(ledger, prefix="bench")
        with TansuBroker(root / "tansu.log") as broker:
            servers = ["--bootstrap-servers", broker.bootstrap_servers]
            store = ["--db", str(location.sqlite_path)]
            views_path = root / "kafka-views.db"
            relay = spawn(root / "relay.log", "relay", *store, *servers)
            consumer = spawn(root / "consumer.log", "consume", "stock", *store, *servers,
                             "--views-db", str(views_path))
            processes = [relay, consumer]
            try:
                # Warm up: the group joined and a first command went all the way through.
                visibility = Visibility(views_path)
                visibility.start()
                warm_up = ledger.execute(territory.offer_command())
                visibility.expect(str(warm_up.stream_id), time.monotonic())
                try:
                    wait_until(lambda: not visibility.pending, READY_TIMEOUT_S,
                               "the consumer's first record")
                except SystemExit:
                    print((root / "relay.log").read_text()[-3000:])
                    print((root / "consumer.log").read_text()[-3000:])
                    raise
                visibility.latencies_s.clear()

                lateness_ms = steady_load(ledger, territory.producer_id, arguments.rate,
                                          arguments.seconds, "kafka", visibility)
                missing = visibility.drain(DRAIN_TIMEOUT_S)
                kafka = figures(visibility.latencies_s)
                sent = len(visibility.latencies_s) + missing
                visibility.close()
                errors = [line for line in (root / "consumer.log").read_text().splitlines()
                          if line.startswith("{") and json.loads(line)["level"] == "error"]
            finally:
                for process in processes:
                    process.terminate()
                for process in processes:
                    process.wait(timeout=20)

        # Baseline: the in-process runner on the same store and machine, same load.
        projections = open_projections(ledger, names=["stock"], follow=True)
        baseline_visibility = Visibility(root / "ledger.views.db")
        baseline_visibility.start()
        baseline_lateness_ms = steady_load(ledger, territory.producer_id, arguments.rate,
                                           arguments.seconds, "inproc", baseline_visibility)
        baseline_missing = baseline_visibility.drain(DRAIN_TIMEOUT_S)
        baseline = figures(baseline_visibility.latencies_s)
        baseline_visibility.close()
        projections.close()
        ledger.close()

    print(f"load: {arguments.rate} OfferLot commands/s for {arguments.seconds:g} s per phase "
          f"(3 events each); send lateness p99 {lateness_ms:.1f} ms (kafka phase), "
          f"{baseline_lateness_ms:.1f} ms (in-process phase)")
    print(f"kafka (relay + stock consumer): p50 {kafka[0]:6.1f} ms  p99 {kafka[1]:6.1f} ms  "
          f"max {kafka[2]:6.1f} ms  ({sent} commands, {missing} never seen, "
          f"{len(errors)} consumer errors); target p99 < 500 ms: "
          f"{'met' if kafka[1] < 500 and not missing else 'NOT met'}")
    print(f"in-process runner (baseline):   p50 {baseline[0]:6.1f} ms  p99 {baseline[1]:6.1f} ms  "
          f"max {baseline[2]:6.1f} ms  ({baseline_missing} never seen)")
    print(f"ratio kafka / in-process:       p50 {kafka[0] / baseline[0]:.2f}x  "
          f"p99 {kafka[1] / baseline[1]:.2f}x")


if __name__ == "__main__":
    main()
