"""Scale benchmark: cost curves of a national network's store from 100 k to 10 M events.

At each size of ``--sizes``, in the same store, it grows the store to that size with the
national-network generator (``bench.national``: the ledger's batched commands, resumable)
and measures:

- **commands**: p50/p99 of an offer, a reception, a vote and a transfer, one command per
  transaction as a server runs them;
- **rebuilds**: stock, trace and balances rebuilt from zero in a fresh process each, beside
  the read-and-decode ceiling (read the view's events and decode them, nothing else), with
  each process's peak RSS (``bench.rebuild``'s children);
- **queries**: trace backward/forward and recall on random lots, the stock of a warehouse as
  of a random moment;
- **Kafka** (unless ``--no-kafka``): the relay publishing the store to a Tansu broker, then
  a stock view catching up from that topic with 1, 2 and 3 consumer processes in one group;
  a store above ``--kafka-events`` has only its last ones relayed, and no consumers run
  (see ``bench.scale_measures.measure_kafka``);
- **disk**: bytes per event of the events table and its indexes, the hash chain, the views.

Results are merged by size into ``--output`` (JSON), then every figure is printed as a curve
over the sizes with the growth ratio between the last two sizes beside the ideal, and drawn
into ``--plot`` (PNG, matplotlib).

    python -m bench.scale --database-url postgresql://postgres@127.0.0.1:5432/cocagne_scale \
        --sizes 100000,1000000
    python -m bench.scale --report-only          # print and plot the JSON again

``--no-grow`` measures the store at its present size (a copy grown elsewhere).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.national import Shape, grow, stored
from bench.rebuild import REPEAT_DEFAULT
from bench.scale_measures import (
    VIEWS,
    child_consumer,
    drop_views,
    measure_commands,
    measure_disk,
    measure_kafka,
    measure_queries,
    measure_rebuilds,
)
from bench.scale_report import plot, print_curves
from infra.ledger.ledger import Ledger
from infra.logs import LOG_LEVEL_VARIABLE, configure_logging
from infra.projections_wiring import postgres_conninfo
from infra.store import parse_database_url
from projections.runner import BATCH_SIZE_DEFAULT

OUTPUT_DEFAULT = Path("docs/scale.json")
PLOT_DEFAULT = Path("docs/scale.png")
KAFKA_EVENTS_DEFAULT = 1_500_000  # A 1 M store is relayed whole, with its consumers.
COMMAND_SAMPLES_DEFAULT = 300  # p99 is the third slowest: stable enough, ~20 s a size.
QUERY_SAMPLES_DEFAULT = 500


def log(line: str) -> None:
    """Progress on stderr, flushed (the runs are long)."""
    print(line, file=sys.stderr, flush=True)


def size_label(events: int) -> str:
    """``100k``, ``1M``, ``10M``: the JSON key and the views' table prefix."""
    if events >= 1_000_000 and events % 1_000_000 == 0:
        return f"{events // 1_000_000}M"
    if events >= 1_000 and events % 1_000 == 0:
        return f"{events // 1_000}k"
    return str(events)


def measure_size(url: str, target: int, label: str, arguments: argparse.Namespace,
                 shape: Shape, result: dict[str, Any]) -> dict[str, Any]:
    """Grow to ``target`` (unless ``--no-grow``) and take the measurements of ``--parts``
    into ``result`` (an earlier run's figures of this size, kept for the other parts)."""
    parts = set(arguments.parts.split(","))
    ledger = Ledger(parse_database_url(url))
    result["target"] = target
    try:
        if not arguments.no_grow:
            log(f"growing the store to {target:,} events")
            growth = grow(ledger, shape, target, log)
            if growth.seconds:
                result["generation_events_per_s"] = ((growth.events_after - growth.events_before)
                                                     / growth.seconds)
        result["events"] = stored(ledger)
        analyze_store(url)
        if "commands" in parts:
            log(f"{label}: {result['events']:,} events; commands")
            result["commands"] = measure_commands(ledger, shape, arguments.command_samples)
    finally:
        ledger.close()
    if "views" in parts:
        try:
            log(f"{label}: rebuilds")
            views = tuple(arguments.views.split(","))
            rebuilt = measure_rebuilds(url, label, arguments.batch_size, arguments.repeat,
                                       log, views)
            result.setdefault("rebuilds", {}).update(rebuilt)
            if {"stock", "trace"} <= set(views):  # The queries read those two views.
                log(f"{label}: queries")
                result["queries"] = measure_queries(url, rebuilt, arguments.query_samples)
            if set(views) == set(VIEWS):
                result["disk"] = measure_disk(url, result["events"], rebuilt)
        finally:
            drop_views(url, label)
    if "kafka" in parts and not arguments.no_kafka:
        log(f"{label}: Kafka")
        from tests.kafka_broker import TansuBroker  # noqa: PLC0415 - only with Kafka.

        with TansuBroker(Path("var") / f"scale-tansu-{label}.log") as broker:
            result["kafka"] = measure_kafka(url, label, broker.bootstrap_servers,
                                            arguments.kafka_events, log)
        drop_views(url, label)
    return result


def analyze_store(url: str) -> None:
    """Gather the planner's statistics of the store's tables, as autovacuum does after a
    tenth of a table changed: a store grown in bulk on a server without autovacuum has none,
    and PostgreSQL then loads every stream with a parallel bitmap scan (50 to 90 ms at 10 M
    events instead of 0.1 ms)."""
    location = parse_database_url(url)
    if location.kind != "postgres":
        return
    with psycopg.connect(postgres_conninfo(location), autocommit=True) as connection:
        connection.execute("ANALYZE")


def load(path: Path) -> dict[str, Any]:
    """The results so far, by size label."""
    if not path.exists():
        return {}
    results: dict[str, Any] = json.loads(path.read_text())
    return results


def main() -> None:
    """Grow, measure, merge, print and plot."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="postgresql://... or sqlite:///PATH")
    parser.add_argument("--sizes", default="100000,1000000,10000000",
                        help="event counts, comma-separated (default 100 k, 1 M, 10 M)")
    parser.add_argument("--no-grow", action="store_true",
                        help="measure the store as it is (one size: its event count)")
    parser.add_argument("--no-kafka", action="store_true")
    parser.add_argument("--views", default=",".join(VIEWS),
                        help="views rebuilt with --parts views (stock and trace are needed "
                             "for the queries; disk is measured with all three)")
    parser.add_argument("--parts", default="commands,views,kafka",
                        help="what to measure: commands, views (rebuilds, queries, disk), "
                             "kafka; the other figures of a size already measured are kept")
    parser.add_argument("--kafka-events", type=int, default=KAFKA_EVENTS_DEFAULT,
                        help="a larger store has only its last ones relayed, no consumers")
    parser.add_argument("--command-samples", type=int, default=COMMAND_SAMPLES_DEFAULT)
    parser.add_argument("--query-samples", type=int, default=QUERY_SAMPLES_DEFAULT)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE_DEFAULT)
    parser.add_argument("--repeat", type=int, default=REPEAT_DEFAULT,
                        help="runs of each rebuild and ceiling; the fastest counts")
    parser.add_argument("--households", type=int, default=Shape.households)
    parser.add_argument("--platforms", type=int, default=Shape.platforms)
    parser.add_argument("--gardens", type=int, default=Shape.gardens)
    parser.add_argument("--outlets-per-platform", type=int, default=Shape.outlets_per_platform)
    parser.add_argument("--output", type=Path, default=OUTPUT_DEFAULT)
    parser.add_argument("--plot", type=Path, default=PLOT_DEFAULT)
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    parser.add_argument("--child-consumer", nargs=5, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child_consumer:
        # A consumer's own lines (batches, rebalances) with COCAGNE_LOG_LEVEL=info.
        configure_logging(os.environ.get(LOG_LEVEL_VARIABLE, "warning"))
        child_consumer(*arguments.child_consumer)
        return
    configure_logging("warning")
    results = load(arguments.output)
    if not arguments.report_only:
        if not arguments.database_url:
            parser.error("--database-url is needed to measure")
        shape = Shape(platforms=arguments.platforms, gardens=arguments.gardens,
                      outlets_per_platform=arguments.outlets_per_platform,
                      households=arguments.households)
        sizes = [int(size) for size in arguments.sizes.split(",")]
        if arguments.no_grow:
            with_events = Ledger(parse_database_url(arguments.database_url))
            sizes = [stored(with_events)]
            with_events.close()
        for target in sizes:
            started = time.perf_counter()
            label = size_label(round_size(target) if arguments.no_grow else target)
            result = measure_size(arguments.database_url, target, label, arguments, shape,
                                  results.get(label, {}))
            result["measure_seconds"] = time.perf_counter() - started
            results[label] = result
            arguments.output.parent.mkdir(parents=True, exist_ok=True)
            arguments.output.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
            log(f"{label} measured in {result['measure_seconds']:.0f} s")
    print_curves(results, markdown=arguments.markdown)
    if results and not arguments.markdown:
        plot(results, arguments.plot)


def round_size(events: int) -> int:
    """A store measured as it is goes under its nearest round size (1,003,412 is 1M)."""
    for size in (10_000, 100_000, 1_000_000, 10_000_000, 100_000_000):
        if 0.8 * size <= events < 1.3 * size:
            return size
    return events


if __name__ == "__main__":
    main()
