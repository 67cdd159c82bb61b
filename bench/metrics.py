"""/metrics benchmark: what the stock gauges cost a scrape of the API, as the stock grows.

``/metrics`` refreshes the stock gauges when the stock view has moved (``infra.api.ops``):
one aggregate over the lots on hand, a snapshot of at most ``STOCK_SERIES_MAX`` (site,
product) series, then the registry rendered in Prometheus' text format. This measures, in
the same run and process, for stock views holding 1 k, 10 k and 100 k lots on hand over 200
sites and 40 products, with ten times as many lots already gone (on hand 0) that the
aggregate must skip:

- **scrape**: the stock gauges refreshed from the view (query and snapshot), then the
  registry rendered, as ``/metrics`` does on a view that moved since the last scrape;
- **baseline**: the registry rendered with the same number of samples set on ordinary
  labelled ``Gauge`` objects: what any prometheus-client process pays to export that many
  series, with no query at all.

The view's rows are written straight into a fresh stock view (its own ``create_statements``,
then ``ANALYZE`` as after a rebuild): what is measured is the query over a view of that
size, not how it was filled. Prints milliseconds (median of ``--repeat``) and the ratio of a
scrape to the baseline.

    python -m bench.metrics [--repeat 21] [--database-url postgresql://USER@HOST:PORT/DB]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, Gauge, generate_latest

from infra.metrics import STOCK, STOCK_METRICS
from infra.projections_wiring import postgres_conninfo
from infra.store import POSTGRES_CONNECT_TIMEOUT_S, parse_database_url
from projections.stock import StockView
from projections.view_store import PostgresViewDatabase, SQLiteViewDatabase, ViewDatabase

SITES = 200  # About the platforms and gardens of a national network.
PRODUCTS = 40  # Vegetables, fruit and prepared products in stock at once.
ON_HAND_SIZES = (1_000, 10_000, 100_000)
GONE_PER_ON_HAND = 10  # Lots that left stock long ago, per lot on hand.
INSERT_CHUNK_ROWS = 10_000  # Rows per executemany: bounded memory while filling.
TODAY = date(2026, 6, 15)
BENCH_PREFIX = "bench_metrics_"


def fill(database: ViewDatabase, on_hand_lots: int, seed: int) -> StockView:
    """A fresh stock view holding ``on_hand_lots`` lots on hand and ten times as many gone."""
    view = StockView(database)
    with database.transaction() as transaction:
        for table in view.table_names:
            transaction.execute(f"DROP TABLE IF EXISTS {view.table(table)}")
        view.create(transaction)
        transaction.executemany(
            f"INSERT INTO {view.table('stock_sites')} (site_id, name, kind, operator_id, city) "
            "VALUES (?, ?, ?, ?, ?)",
            [(f"site-{index}", f"Site {index}", "warehouse", "operator", "Dijon")
             for index in range(SITES)])
    rng = random.Random(seed)
    total = on_hand_lots * (1 + GONE_PER_ON_HAND)
    for start in range(0, total, INSERT_CHUNK_ROWS):
        rows = []
        for index in range(start, min(start + INSERT_CHUNK_ROWS, total)):
            on_hand_g = rng.randint(1_000, 200_000) if index % (1 + GONE_PER_ON_HAND) == 0 else 0
            best_before = TODAY + timedelta(days=rng.randint(-5, 20))
            rows.append((f"lot-{index}", f"L{index}", f"produit {rng.randrange(PRODUCTS)}", "",
                         "producer", "platform", f"site-{rng.randrange(SITES)}", "received",
                         best_before.isoformat(), on_hand_g, on_hand_g // 4, 0,
                         1 if rng.random() < 0.01 else None, None))
        with database.transaction() as transaction:
            transaction.executemany(
                f"INSERT INTO {view.table('stock_lots')} (lot_id, code, product, variety, "
                "producer_id, platform_id, site_id, status, best_before, on_hand_g, "
                "reserved_g, in_transit_g, recalled_at_us, recalled_recorded_us) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    with database.transaction() as transaction:
        view.analyze(transaction)
    return view


def plain_gauges(series: int) -> CollectorRegistry:
    """A registry holding ``series`` samples on each of six ordinary labelled gauges."""
    registry = CollectorRegistry()
    for name, _, documentation in STOCK_METRICS:
        gauge = Gauge(f"baseline_{name}", documentation, labelnames=("site", "product"),
                      registry=registry)
        for index in range(series):
            gauge.labels(f"Site {index % SITES}", f"produit {index}").set(index)
    return registry


def median_ms(action: Callable[[], object], repeat: int) -> float:
    """Median wall-clock milliseconds of ``action`` over ``repeat`` runs (after one warm-up)."""
    action()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    """Measure and print one line per stock size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--database-url", default=None)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as directory:
        if arguments.database_url:
            database: ViewDatabase = PostgresViewDatabase(
                postgres_conninfo(parse_database_url(arguments.database_url)),
                prefix=BENCH_PREFIX, connect_timeout_s=POSTGRES_CONNECT_TIMEOUT_S)
            store = "PostgreSQL"
        else:
            database = SQLiteViewDatabase(Path(directory) / "views.db", prefix=BENCH_PREFIX)
            store = "SQLite"
        try:
            print(f"/metrics with stock gauges ({store}, {SITES} sites, {PRODUCTS} products, "
                  f"median of {arguments.repeat})")
            print(f"{'lots on hand':>12} {'series':>7} {'query ms':>9} {'scrape ms':>10} "
                  f"{'baseline ms':>12} {'ratio':>6}")
            for size in ON_HAND_SIZES:
                view = fill(database, size, seed=size)

                def scrape(view: StockView = view) -> bytes:
                    STOCK.update(view.grams_by_site_and_product(today=TODAY))
                    return generate_latest(REGISTRY)

                query_ms = median_ms(lambda view=view: view.grams_by_site_and_product(
                    today=TODAY), arguments.repeat)
                scrape_ms = median_ms(scrape, arguments.repeat)
                series = sum(1 for line in scrape().splitlines()
                             if line.startswith(b"cocagne_stock_on_hand_grams{"))
                STOCK.update([])
                baseline = plain_gauges(series)
                baseline_ms = median_ms(lambda baseline=baseline: (
                    generate_latest(REGISTRY), generate_latest(baseline)), arguments.repeat)
                print(f"{size:>12,} {series:>7,} {query_ms:>9.1f} {scrape_ms:>10.1f} "
                      f"{baseline_ms:>12.1f} {scrape_ms / baseline_ms:>6.2f}")
            with database.transaction() as transaction:
                for table in StockView.table_names:
                    transaction.execute(f"DROP TABLE IF EXISTS {BENCH_PREFIX}{table}")
        finally:
            STOCK.update([])
            database.close()


if __name__ == "__main__":
    main()
