"""Rebuild benchmark: events/s of each view's rebuild beside the read-and-decode ceiling.

Generates (once, cached under ``var/bench/``) a history of at least ``--events`` events with
the demo generator (``infra.demo.generate_demo`` at the ``--scale`` that reaches the size,
found by a one-territory calibration run), then, each in a fresh process so peak memory is
its own:

1. **ceiling** per view: select the view's topics from the notification log in the runner's
   batches and decode every event, applying nothing;
2. **rebuild** per view: the same reads and decodes, plus applying and committing to a fresh
   view database: events/s printed beside the ceiling, with their ratio;
3. **memory**: peak RSS of the stock rebuild over the first half of the history and over all
   of it; with batch-at-a-time apply the two should match (the view's data sits in the
   database, not in Python);
4. **trace queries** on the rebuilt trace view: backward, forward and recall impact for
   random lots: p50 and p99 latency.

Rates are given twice: per wall-clock second, and per CPU second of the measuring process
(on a shared machine other work slows the wall clock, not the CPU time). ``events`` counts
the view's events (its topics); ``history ev/s`` divides the whole history by the rebuild's
time, since the topic filter skips the other events in SQL.

With ``--database-url postgresql://...`` the same history is copied once into that
PostgreSQL database (which must be empty or hold an earlier copy) and measured there, the
views written to tables prefixed ``bench_`` of the same database (dropped afterwards).

    python -m bench.rebuild [--events 1000000] [--batch-size 5000] [--queries 500]
                            [--repeat 2] [--database-url postgresql://USER@HOST:PORT/DB]
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

from eventsourcing.persistence import StoredEvent

from domain.codec import decode_event
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.projections_wiring import postgres_conninfo
from infra.store import StoreLocation, parse_database_url, sqlite_location
from projections.balances import BalancesView
from projections.runner import BATCH_SIZE_DEFAULT, ProjectionRunner, View, stored_topics
from projections.stock import StockView
from projections.trace import TraceView
from projections.view_store import PostgresViewDatabase, SQLiteViewDatabase, ViewDatabase

CACHE_DIRECTORY = Path("var/bench")
QUERY_LOTS_DEFAULT = 500  # Enough samples for a stable p99 (five slowest) in a few seconds.
REPEAT_DEFAULT = 2  # Best of two: a shared machine's noise only ever slows a run down.
WARM_UP_CHUNK_BYTES = 1 << 20
CALIBRATION_WEEKS = 12
GENERATION_ATTEMPTS_MAX = 3  # A demo that changed size is re-scaled; more means a bug.
COPY_BATCH_SIZE = 5_000  # Events per insert when copying the history to PostgreSQL.
SEED = 7

VIEW_TYPES: dict[str, type[View]] = {"stock": StockView, "trace": TraceView,
                                     "balances": BalancesView}


# ------------------------------------------------------------------ history


def history_path(events: int) -> Path:
    """The cached store holding at least ``events`` events."""
    return CACHE_DIRECTORY / f"rebuild-{events}.db"


def stored_events(location: StoreLocation) -> int:
    """How many events a store holds."""
    ledger = Ledger(location)
    try:
        return ledger.recorder.max_notification_id() or 0
    finally:
        ledger.close()


def generate_history(events: int) -> Path:
    """Generate (or reuse) a demo history of at least ``events`` events."""
    from infra.demo.territory import generate_demo  # noqa: PLC0415 - only when generating.

    path = history_path(events)
    if path.exists() and stored_events(sqlite_location(path)) >= events:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory:
        probe = Ledger(sqlite_location(Path(directory) / "probe.db"))
        per_scale = generate_demo(probe, weeks=CALIBRATION_WEEKS, seed=SEED,
                                  scale=1).events_stored
        probe.close()
    scale = math.ceil(events / per_scale * 1.02)
    for _ in range(GENERATION_ATTEMPTS_MAX):
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        print(f"generating the demo history: --weeks {CALIBRATION_WEEKS} --scale {scale} "
              f"into {path}", file=sys.stderr)
        started = time.perf_counter()
        ledger = Ledger(sqlite_location(path))
        summary = generate_demo(ledger, weeks=CALIBRATION_WEEKS, seed=SEED, scale=scale,
                                progress=lambda week, weeks, events: print(
                                    f"  week {week}/{weeks}: {events} events", file=sys.stderr))
        ledger.close()
        print(f"  {summary.events_stored:,} events in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
        if summary.events_stored >= events:
            return path
        scale = math.ceil(scale * events / summary.events_stored * 1.02)
    raise SystemExit(f"the demo did not reach {events:,} events in "
                     f"{GENERATION_ATTEMPTS_MAX} attempts")


def copy_history(source: Path, target: StoreLocation) -> None:
    """Copy the SQLite history into an empty PostgreSQL store (once)."""
    wanted = stored_events(sqlite_location(source))
    have = stored_events(target)
    if have == wanted:
        return
    if have:
        raise SystemExit(f"{target.url} holds {have:,} events, not a copy of {source}: "
                         "give an empty database")
    print(f"copying {wanted:,} events into {target.url}", file=sys.stderr)
    reader, writer = Ledger(sqlite_location(source)), Ledger(target)
    position = 1
    while True:
        notifications = reader.recorder.select_notifications(position, COPY_BATCH_SIZE)
        if not notifications:
            break
        writer.recorder.insert_events([
            StoredEvent(originator_id=notification.originator_id,
                        originator_version=notification.originator_version,
                        topic=notification.topic, state=notification.state)
            for notification in notifications])
        position = notifications[-1].id + 1
    reader.close()
    writer.close()


# -------------------------------------------------------------------- children


def peak_rss_mib() -> float:
    """Peak resident memory of this process since it started its program.

    Linux's ``VmHWM``, not ``getrusage``: a child keeps in ``ru_maxrss`` the peak of the
    parent it was forked from (the bench's parent, grown to 170 MiB generating a store, made
    every child report at least that much)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # KiB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def views_database(location: StoreLocation, where: str) -> ViewDatabase:
    """A view file (SQLite store) or a table prefix (PostgreSQL store)."""
    if location.kind == "sqlite":
        return SQLiteViewDatabase(Path(where))
    return PostgresViewDatabase(postgres_conninfo(location), prefix=where)


def child_ceiling(url: str, name: str, batch_size: int) -> dict[str, Any]:
    """Read and decode the view's events as the runner would, applying nothing."""
    ledger = Ledger(parse_database_url(url))
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


def child_rebuild(url: str, name: str, batch_size: int, where: str,
                  stop_at: int | None) -> dict[str, Any]:
    """Rebuild one view from zero into the view database ``where``."""
    location = parse_database_url(url)
    ledger = Ledger(location)
    database = views_database(location, where)
    runner = ProjectionRunner(ledger.recorder, database, [VIEW_TYPES[name](database)],
                              batch_size=batch_size)
    started, started_cpu = time.perf_counter(), time.process_time()
    runner.reset(name)
    reset_s = time.perf_counter() - started  # Dropping and creating the view's tables.
    applied = runner.catch_up([name], stop_at=stop_at)
    elapsed_s, cpu_s = time.perf_counter() - started, time.process_time() - started_cpu
    database.close()
    ledger.close()
    return {"events": applied, "seconds": elapsed_s, "cpu_seconds": cpu_s,
            "reset_seconds": reset_s, "peak_rss_mib": peak_rss_mib(),
            "position": runner.positions()[name]}


def child_queries(url: str, where: str, samples: int) -> dict[str, Any]:
    """Latencies of trace queries for random lots."""
    database = views_database(parse_database_url(url), where)
    trace = TraceView(database)
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


def child_main(arguments: list[str]) -> dict[str, Any]:
    """Dispatch a child measurement."""
    kind, url = arguments[0], arguments[1]
    if kind == "ceiling":
        return child_ceiling(url, arguments[2], int(arguments[3]))
    if kind == "rebuild":
        stop_at = int(arguments[5]) if arguments[5] else None
        return child_rebuild(url, arguments[2], int(arguments[3]), arguments[4], stop_at)
    if kind == "queries":
        return child_queries(url, arguments[2], int(arguments[3]))
    raise SystemExit(f"unknown child measurement {kind!r}")


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


def drop_bench_views(location: StoreLocation) -> None:
    """Drop the ``bench_*`` view tables left in a PostgreSQL store."""
    database = PostgresViewDatabase(postgres_conninfo(location), prefix="bench_")
    with database.transaction() as transaction:
        for table in database.table_names():
            transaction.execute(f"DROP TABLE {table}")
    database.close()


def measure(url: str, location: StoreLocation, head: int, arguments: argparse.Namespace,
            directory: Path) -> None:
    """Every measurement against one store."""
    runs = iter(range(1_000_000))

    def where(name: str) -> str:
        # A fresh view database for every run: a rebuild over an earlier one would also
        # measure dropping it.
        run = next(runs)
        if location.kind == "sqlite":
            return str(directory / f"{name}-{run}.views.db")
        return f"bench_{run}_{name}_"

    batch = str(arguments.batch_size)
    header = (f"{'view':<9} {'events':>10} {'rebuild ev/s':>13} {'ceiling ev/s':>13} "
              f"{'ratio':>6} {'history ev/s':>13} {'peak RSS':>9}")
    print(header)
    cpu_lines: list[str] = []
    results: dict[str, dict[str, Any]] = {}
    for name in VIEW_TYPES:
        ceiling: dict[str, Any] = {}
        rebuild: dict[str, Any] = {}
        for _ in range(max(arguments.repeat, 1)):
            ceiling = fastest(ceiling, run_child(["ceiling", url, name, batch]))
            views = where(name)
            run = run_child(["rebuild", url, name, batch, views, ""])
            rebuild = fastest(rebuild, {**run, "views": views})
        results[name] = rebuild
        rebuild_rate = rebuild["events"] / rebuild["seconds"]
        ceiling_rate = ceiling["events"] / ceiling["seconds"]
        print(f"{name:<9} {rebuild['events']:>10,} {rebuild_rate:>13,.0f} "
              f"{ceiling_rate:>13,.0f} {rebuild_rate / ceiling_rate:>6.2f} "
              f"{head / rebuild['seconds']:>13,.0f} {rebuild['peak_rss_mib']:>7.0f} MiB")
        cpu_rebuild = rebuild["events"] / rebuild["cpu_seconds"]
        cpu_ceiling = ceiling["events"] / ceiling["cpu_seconds"]
        cpu_lines.append(f"{name:<9} {rebuild['events']:>10,} {cpu_rebuild:>14,.0f} "
                         f"{cpu_ceiling:>14,.0f} {cpu_rebuild / cpu_ceiling:>6.2f} "
                         f"{head / rebuild['cpu_seconds']:>14,.0f}")
    print()
    print(f"{'view':<9} {'events':>10} {'rebuild /cpu-s':>14} {'ceiling /cpu-s':>14} "
          f"{'ratio':>6} {'history /cpu-s':>14}")
    for line in cpu_lines:
        print(line)
    print()
    half = run_child(["rebuild", url, "stock", batch, where("half"), str(head // 2)])
    full = results["stock"]
    print(f"stock rebuild peak RSS: {half['peak_rss_mib']:.0f} MiB over {head // 2:,} "
          f"events, {full['peak_rss_mib']:.0f} MiB over {head:,} events "
          f"(ratio {full['peak_rss_mib'] / half['peak_rss_mib']:.2f})")
    print()
    queries = run_child(["queries", url, results["trace"]["views"], str(arguments.queries)])
    print(f"trace queries on {queries['lots']:,} lots ({queries['samples']} sampled):")
    for kind, values in queries["latencies_ms"].items():
        print(f"  {kind:<9} p50 {percentile(values, 0.5):6.2f} ms   "
              f"p99 {percentile(values, 0.99):6.2f} ms   max {max(values):6.2f} ms")


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
    parser.add_argument("--database-url",
                        help="measure on this PostgreSQL database (the history is copied)")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    configure_logging("warning")
    if arguments.child:
        print(json.dumps(child_main(arguments.child)))
        return
    history = generate_history(arguments.events)
    if arguments.database_url:
        location = parse_database_url(arguments.database_url)
        if location.kind != "postgres":
            raise SystemExit("--database-url takes a postgresql:// URL")
        copy_history(history, location)
        url = arguments.database_url
    else:
        warm_up(history)
        location = sqlite_location(history)
        url = f"sqlite:///{history}"
    head = stored_events(location)
    print(f"history: {location.url} ({head:,} events), batch size {arguments.batch_size}")
    print()
    try:
        with tempfile.TemporaryDirectory() as directory:
            measure(url, location, head, arguments, Path(directory))
    finally:
        if location.kind == "postgres":
            drop_bench_views(location)


if __name__ == "__main__":
    main()
