"""Rebuild benchmark: events/s of each view's rebuild beside the read-and-decode ceiling.

Generates (once, cached under ``var/bench/``) a history of at least ``--events`` events with
the demo generator (``infra.demo.generate_demo`` at the ``--scale`` that reaches the size,
found by a one-territory calibration run), then, each in a fresh process so peak memory is
its own:

1. **ceiling** per view: select the view's topics from the notification log in the runner's
   batches and decode every event, applying nothing;
2. **rebuild** per view: the same reads and decodes, plus applying and committing to a fresh
   view file: events/s printed beside the ceiling, with their ratio;
3. **memory**: peak RSS of the stock rebuild over the first half of the history and over all
   of it; with batch-at-a-time apply the two should match (the view's data sits in SQLite's
   fixed page cache and on disk, not in Python);
4. **trace queries** on the rebuilt trace view: backward, forward and recall impact for
   random lots: p50 and p99 latency.

    python -m bench.rebuild [--events 1000000] [--batch-size 5000] [--queries 500]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from domain.codec import decode_event
from infra.application import Ledger
from infra.logs import configure_logging
from infra.store import sqlite_location
from projections.balances import BalancesView
from projections.runner import BATCH_SIZE_DEFAULT, ProjectionRunner, View, stored_topics
from projections.stock import StockView
from projections.trace import TraceView
from projections.view_store import SQLiteViewDatabase

CACHE_DIRECTORY = Path("var/bench")
QUERY_LOTS_DEFAULT = 500  # Enough samples for a stable p99 (five slowest) in a few seconds.
REPEAT_DEFAULT = 2  # Best of two: a shared machine's noise only ever slows a run down.
WARM_UP_CHUNK_BYTES = 1 << 20
CALIBRATION_WEEKS = 12
SEED = 7


VIEW_TYPES: dict[str, type[View]] = {"stock": StockView, "trace": TraceView,
                                     "balances": BalancesView}


# ------------------------------------------------------------------ history


def history_path(events: int) -> Path:
    """The cached store holding at least ``events`` events."""
    return CACHE_DIRECTORY / f"rebuild-{events}.db"


def generate_history(events: int) -> Path:
    """Generate (or reuse) a demo history of at least ``events`` events."""
    from infra.demo import generate_demo  # noqa: PLC0415 - only when generating.

    path = history_path(events)
    if path.exists():
        ledger = Ledger(sqlite_location(path))
        stored = ledger.recorder.max_notification_id() or 0
        ledger.close()
        if stored >= events:
            return path
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory:
        probe = Ledger(sqlite_location(Path(directory) / "probe.db"))
        per_scale = generate_demo(probe, weeks=CALIBRATION_WEEKS, seed=SEED,
                                  scale=1).events_stored
        probe.close()
    scale = math.ceil(events / per_scale * 1.02)
    print(f"generating the demo history: --weeks {CALIBRATION_WEEKS} --scale {scale} "
          f"(about {per_scale:,} events per territory) into {path}", file=sys.stderr)
    started = time.perf_counter()
    ledger = Ledger(sqlite_location(path))
    summary = generate_demo(ledger, weeks=CALIBRATION_WEEKS, seed=SEED, scale=scale,
                            progress=lambda line: print(f"  {line}", file=sys.stderr))
    ledger.close()
    print(f"  {summary.events_stored:,} events in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    return path


# -------------------------------------------------------------------- children


def peak_rss_mib() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_ceiling(store: Path, name: str, batch_size: int) -> dict[str, Any]:
    """Read and decode the view's events as the runner would, applying nothing."""
    ledger = Ledger(sqlite_location(store))
    topics = stored_topics(*VIEW_TYPES[name].event_classes)
    recorder = ledger.recorder
    head = recorder.max_notification_id() or 0
    position = 0
    decoded = 0
    started, started_cpu = time.perf_counter(), time.process_time()
    while position < head:
        notifications = recorder.select_notifications(position + 1, batch_size, stop=head,
                                                      topics=topics)
        events = [(notification.id, decode_event(notification.topic, notification.state))
                  for notification in notifications]
        decoded += len(events)
        position = notifications[-1].id if len(notifications) == batch_size else head
    elapsed_s, cpu_s = time.perf_counter() - started, time.process_time() - started_cpu
    ledger.close()
    return {"events": decoded, "seconds": elapsed_s, "cpu_seconds": cpu_s,
            "peak_rss_mib": peak_rss_mib()}


def child_rebuild(store: Path, name: str, batch_size: int, views_file: Path,
                  stop_at: int | None) -> dict[str, Any]:
    """Rebuild one view from zero into ``views_file``."""
    ledger = Ledger(sqlite_location(store))
    database = SQLiteViewDatabase(views_file)
    runner = ProjectionRunner(ledger.recorder, database, [VIEW_TYPES[name](database)],
                              batch_size=batch_size)
    started, started_cpu = time.perf_counter(), time.process_time()
    runner.reset(name)
    applied = runner.catch_up([name], stop_at=stop_at)
    elapsed_s, cpu_s = time.perf_counter() - started, time.process_time() - started_cpu
    database.close()
    ledger.close()
    return {"events": applied, "seconds": elapsed_s, "cpu_seconds": cpu_s,
            "peak_rss_mib": peak_rss_mib(), "position": runner.positions()[name]}


def child_queries(store: Path, views_file: Path, samples: int) -> dict[str, Any]:
    """Latencies of trace queries for random lots."""
    database = SQLiteViewDatabase(views_file)
    trace = TraceView(database)
    del store
    lot_ids = [row[0] for row in database.query(
        f"SELECT lot_id FROM {trace.table('trace_lots')} ORDER BY lot_id")]
    rng = random.Random(SEED)
    chosen = rng.sample(lot_ids, min(samples, len(lot_ids)))
    latencies: dict[str, list[float]] = {"backward": [], "forward": [], "recall": []}
    for lot_id in chosen:
        for kind, query in (("backward", trace.backward), ("forward", trace.forward),
                            ("recall", trace.recall_impact)):
            started = time.perf_counter()
            query(lot_id)
            latencies[kind].append((time.perf_counter() - started) * 1000)
    database.close()
    return {"lots": len(lot_ids), "samples": len(chosen), "latencies_ms": latencies}


def run_child(arguments: list[str]) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its JSON answer."""
    completed = subprocess.run([sys.executable, "-m", "bench.rebuild", "--child", *arguments],
                               check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


# ------------------------------------------------------------------------ main


def fastest(best: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    """The faster of two runs of the same measurement."""
    return run if not best or run["seconds"] < best["seconds"] else best


def warm_up(store: Path) -> None:
    """Read the store file once, so the first measurement does not pay for the disk."""
    with store.open("rb") as file:
        while file.read(WARM_UP_CHUNK_BYTES):
            pass


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def main() -> None:
    """Run the benchmark and print rates, ratios, memory and latencies."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000,
                        help="history size, at least (default 1,000,000)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE_DEFAULT)
    parser.add_argument("--queries", type=int, default=QUERY_LOTS_DEFAULT,
                        help="lots sampled for trace query latencies")
    parser.add_argument("--repeat", type=int, default=REPEAT_DEFAULT,
                        help="runs of each measurement; the fastest counts (default 2)")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    configure_logging("warning")
    if arguments.child:
        print(json.dumps(child_main(arguments.child)))
        return
    store = generate_history(arguments.events)
    warm_up(store)
    ledger = Ledger(sqlite_location(store))
    head = ledger.recorder.max_notification_id() or 0
    ledger.close()
    print(f"history: {store} ({head:,} events), batch size {arguments.batch_size}")
    print()
    print("events: the events of the view's topics, read and applied; history ev/s: all "
          "events of the\nhistory over the rebuild's time (the topic filter skips the others "
          "in SQL).\nWall-clock rates; CPU-time rates in the second table (a busy machine "
          "slows the first).\n")
    header = (f"{'view':<9} {'events':>10} {'rebuild ev/s':>13} {'ceiling ev/s':>13} "
              f"{'ratio':>6} {'history ev/s':>13} {'peak RSS':>9}")
    print(header)
    cpu_lines: list[str] = []
    batch = str(arguments.batch_size)
    rebuild_of_stock: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as directory:
        trace_file = Path(directory) / "trace.views.db"
        for name in VIEW_TYPES:
            views_file = trace_file if name == "trace" else Path(directory) / f"{name}.db"
            ceiling: dict[str, Any] = {}
            rebuild: dict[str, Any] = {}
            for _ in range(max(arguments.repeat, 1)):
                ceiling = fastest(ceiling, run_child(["ceiling", str(store), name, batch]))
                rebuild = fastest(rebuild, run_child(["rebuild", str(store), name, batch,
                                                      str(views_file), ""]))
            rebuild_rate = rebuild["events"] / rebuild["seconds"]
            ceiling_rate = ceiling["events"] / ceiling["seconds"]
            if name == "stock":
                rebuild_of_stock = rebuild
            print(f"{name:<9} {rebuild['events']:>10,} {rebuild_rate:>13,.0f} "
                  f"{ceiling_rate:>13,.0f} {rebuild_rate / ceiling_rate:>6.2f} "
                  f"{head / rebuild['seconds']:>13,.0f} {rebuild['peak_rss_mib']:>7.0f} MiB")
            cpu_rebuild = rebuild["events"] / rebuild["cpu_seconds"]
            cpu_ceiling = ceiling["events"] / ceiling["cpu_seconds"]
            cpu_lines.append(
                f"{name:<9} {rebuild['events']:>10,} {cpu_rebuild:>13,.0f} "
                f"{cpu_ceiling:>13,.0f} {cpu_rebuild / cpu_ceiling:>6.2f} "
                f"{head / rebuild['cpu_seconds']:>13,.0f}")
        print()
        print(f"{'view':<9} {'events':>10} {'rebuild /cpu-s':>14}{'ceiling /cpu-s':>15} "
              f"{'ratio':>6} {'history /cpu-s':>14}")
        for line in cpu_lines:
            print(line)
        print()
        half = run_child(["rebuild", str(store), "stock", batch,
                          str(Path(directory) / "half.db"), str(head // 2)])
        full = rebuild_of_stock
        print(f"stock rebuild peak RSS: {half['peak_rss_mib']:.0f} MiB over {head // 2:,} "
              f"events, {full['peak_rss_mib']:.0f} MiB over {head:,} events "
              f"(ratio {full['peak_rss_mib'] / half['peak_rss_mib']:.2f})")
        print()
        queries = run_child(["queries", str(store), str(trace_file), str(arguments.queries)])
        print(f"trace queries on {queries['lots']:,} lots ({queries['samples']} sampled):")
        for kind, values in queries["latencies_ms"].items():
            print(f"  {kind:<9} p50 {percentile(values, 0.5):6.2f} ms   "
                  f"p99 {percentile(values, 0.99):6.2f} ms   max {max(values):6.2f} ms")


def child_main(arguments: list[str]) -> dict[str, Any]:
    """Dispatch a child measurement."""
    kind, store = arguments[0], Path(arguments[1])
    if kind == "ceiling":
        return child_ceiling(store, arguments[2], int(arguments[3]))
    if kind == "rebuild":
        stop_at = int(arguments[5]) if arguments[5] else None
        return child_rebuild(store, arguments[2], int(arguments[3]), Path(arguments[4]),
                             stop_at)
    if kind == "queries":
        return child_queries(store, Path(arguments[2]), int(arguments[3]))
    raise SystemExit(f"unknown child measurement {kind!r}")


if __name__ == "__main__":
    main()
