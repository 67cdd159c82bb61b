"""The measurements ``bench.scale`` takes at one size of a store: commands, rebuilds,
queries, Kafka and disk. Each returns plain JSON-ready dicts; latencies in milliseconds."""

from __future__ import annotations

import math
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg

from bench.national import Network, Shape, set_up
from bench.rebuild import fastest, run_child
from consumers.projection_consumer import ConsumerSettings, ProjectionConsumer, ProjectionHandler
from consumers.relay import (
    Relay,
    RelaySettings,
    headers_for,
    key_for,
    open_recorder,
    position_store_from_env,
)
from domain import commands as c
from domain import governance_commands as g
from domain.governance import College
from domain.proposals import Choice
from domain.rules import SetAllocationKey
from domain.transfers import AccountKind, account_id
from infra.ledger.ledger import Ledger
from infra.projections_wiring import postgres_conninfo
from infra.store import StoreLocation, parse_database_url
from projections.stock import StockView
from projections.trace import TraceView
from projections.view_store import PostgresViewDatabase, SQLiteViewDatabase, ViewDatabase

VIEWS = ("stock", "trace", "balances")
WARM_UP_COMMANDS = 5  # Per kind, not counted: the first loads of each stream kind.
TOPIC_PARTITIONS = 6  # Room for three consumer processes of two partitions each.
CONSUMER_COUNTS = (1, 2, 3)
CATCH_UP_TIMEOUT_S = 1_800
STALLED_S = 90  # No progress this long after the first commit: give up (reported incomplete).
POLL_INTERVAL_S = 0.5
TOPIC_SAMPLE = 20_000  # Records whose size is averaged for the topic's bytes per event.
QUERY_RUNS = 3
WARM_UP_QUERIES = 20
AS_OF_SAMPLES_MAX = 200  # An as-of stock scans the site's history: fewer samples.


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def summary(values: list[float]) -> dict[str, float]:
    """p50, p99 and max of latencies in ms."""
    return {"p50_ms": percentile(values, 0.5), "p99_ms": percentile(values, 0.99),
            "max_ms": max(values), "samples": len(values)}


# ------------------------------------------------------------------------- commands


def _timed(ledger: Ledger, command: Any, into: list[float] | None) -> c.CommandResult:
    started = time.perf_counter()
    result = ledger.execute(command)
    if into is not None:
        into.append((time.perf_counter() - started) * 1000)
    return result


def measure_commands(ledger: Ledger, shape: Shape, samples: int) -> dict[str, Any]:
    """p50/p99 of an offer, a reception, a vote and a transfer, one command per transaction
    as a server runs them (at the wall clock's "now"), interleaved so load hits all four."""
    network = set_up(ledger, shape)
    nonce = f"scale-{time.time_ns()}"
    today = datetime.now(tz=UTC).date()
    latencies: dict[str, list[float]] = {"offer": [], "reception": [], "vote": [],
                                         "transfer": []}
    territory_of = {garden: territory for territory in network.territories
                    for garden in territory.garden_ids}
    gardens = list(territory_of)
    proposal = _open_proposal(ledger, network, nonce)
    voters = _voters(network, samples + WARM_UP_COMMANDS)
    funder_budget = account_id(AccountKind.FUNDER_BUDGET, network.governance.funder_ids[0])
    producer_account = _producer_account(ledger, network, nonce)
    for index in range(samples + WARM_UP_COMMANDS):
        keep = index >= WARM_UP_COMMANDS
        garden = gardens[index % len(gardens)]
        territory = territory_of[garden]
        lot_id = _timed(ledger, c.OfferLot(
            command_id=f"{nonce}-offer-{index}", actor_id=garden, product="carotte",
            variety="Nantaise", quantity_g=120_000, price_cents_per_kg=180,
            harvest_date=today - timedelta(days=1), organic_certificate="FR-BIO-01-SCAL",
            origin="Parcelle 1"), latencies["offer"] if keep else None).stream_id
        ledger.execute(c.AcceptOffer(command_id=f"{nonce}-accept-{index}",
                                     actor_id=territory.platform_id, lot_id=lot_id,
                                     site_id=territory.site_id, accepted_g=120_000))
        _timed(ledger, c.ReceiveLot(command_id=f"{nonce}-receive-{index}",
                                    actor_id=territory.platform_id, lot_id=lot_id,
                                    site_id=territory.site_id, measured_g=119_500),
               latencies["reception"] if keep else None)
        _timed(ledger, g.CastVote(command_id=f"{nonce}-vote-{index}", actor_id=voters[index],
                                  proposal_id=proposal, choice=Choice.YES),
               latencies["vote"] if keep else None)
        _timed(ledger, g.TransferFunds(
            command_id=f"{nonce}-transfer-{index}", actor_id=network.coordinator_id,
            debit_account_id=funder_budget, credit_account_id=producer_account,
            amount_cents=100, memo="avance"), latencies["transfer"] if keep else None)
    return {kind: summary(values) for kind, values in latencies.items()}


def _open_proposal(ledger: Ledger, network: Network, nonce: str) -> UUID:
    seats = network.governance.colleges
    now = datetime.now(tz=UTC)
    return ledger.execute(g.SubmitProposal(
        command_id=f"{nonce}-proposal", actor_id=seats[College.OUTLETS][0],
        title="Clé de répartition (mesure)",
        payload=SetAllocationKey(key="proportional_to_households", minimum_share_bp=500),
        closes_at=now + timedelta(days=7), quorum_bp=1_000, threshold_bp=5_000,
        effective_from=now.date() + timedelta(days=8))).stream_id


def _voters(network: Network, count: int) -> list[UUID]:
    everyone = [member for members in network.governance.colleges.values()
                for member in members]
    return random.Random(count).sample(everyone, min(count, len(everyone))) * (
        count // len(everyone) + 1)


def _producer_account(ledger: Ledger, network: Network, nonce: str) -> UUID:
    owner = network.garden_ids[0]
    wanted = account_id(AccountKind.PRODUCER, owner)
    if ledger.recorder.select_events(wanted, limit=1):
        return wanted
    return ledger.execute(g.OpenAccount(command_id=f"{nonce}-account",
                                        actor_id=network.coordinator_id,
                                        kind=AccountKind.PRODUCER, owner_id=owner)).stream_id


# -------------------------------------------------------------------------- rebuilds


def view_prefix(size_label: str, name: str) -> str:
    """The tables of one measured view (dropped by ``drop_views``); lower case, as
    PostgreSQL folds unquoted names."""
    return f"bench_{size_label}_{name}_".lower()


def views_prefix(size_label: str) -> str:
    """Every measured view's tables at one size."""
    return f"bench_{size_label}_".lower()


def views_database(location: StoreLocation, prefix: str) -> ViewDatabase:
    """Views beside the store: tables with the prefix (PostgreSQL) or a file (SQLite)."""
    if location.kind == "sqlite":
        assert location.sqlite_path is not None
        return SQLiteViewDatabase(location.sqlite_path.with_name(f"{prefix}views.db"),
                                  prefix=prefix)
    return PostgresViewDatabase(postgres_conninfo(location), prefix=prefix)


def rebuilt_database(location: StoreLocation, where: str) -> ViewDatabase:
    """The view database a rebuild child wrote (``bench.rebuild.views_database``)."""
    if location.kind == "sqlite":
        return SQLiteViewDatabase(Path(where))
    return PostgresViewDatabase(postgres_conninfo(location), prefix=where)


def measure_rebuilds(url: str, size_label: str, batch_size: int, repeat: int,
                     log: Callable[[str], None],
                     views: tuple[str, ...] = VIEWS) -> dict[str, Any]:
    """Each view rebuilt from zero in a fresh process, beside the read-and-decode ceiling
    (the same reads and decodes, nothing applied), with each process's peak RSS."""
    location = parse_database_url(url)
    results: dict[str, Any] = {}
    for name in views:
        ceiling: dict[str, Any] = {}
        rebuild: dict[str, Any] = {}
        for run in range(repeat):  # The fastest run counts: load only ever slows one down.
            ceiling = fastest(ceiling, run_child(["ceiling", url, name, str(batch_size)]))
            where = view_prefix(f"{size_label}_r{run}", name)
            if location.kind == "sqlite":
                assert location.sqlite_path is not None
                where = str(location.sqlite_path.with_name(f"{where}views.db"))
            rebuild = fastest(rebuild, {**run_child(["rebuild", url, name, str(batch_size),
                                                     where, ""]), "where": where})
        where = rebuild["where"]
        ratio = (rebuild["events"] / rebuild["seconds"]) / (ceiling["events"] /
                                                           ceiling["seconds"])
        results[name] = {
            "events": rebuild["events"],
            "rebuild_events_per_s": rebuild["events"] / rebuild["seconds"],
            "ceiling_events_per_s": ceiling["events"] / ceiling["seconds"],
            "ratio": ratio,
            "rebuild_cpu_events_per_s": rebuild["events"] / rebuild["cpu_seconds"],
            "ceiling_cpu_events_per_s": ceiling["events"] / ceiling["cpu_seconds"],
            "ratio_cpu": (rebuild["events"] / rebuild["cpu_seconds"])
            / (ceiling["events"] / ceiling["cpu_seconds"]),
            "rebuild_peak_rss_mib": rebuild["peak_rss_mib"],
            "ceiling_peak_rss_mib": ceiling["peak_rss_mib"],
            "seconds": rebuild["seconds"], "reset_seconds": rebuild.get("reset_seconds"),
            "where": where}
        log(f"  {name}: {rebuild['events']:,} events, rebuild "
            f"{results[name]['rebuild_events_per_s']:,.0f} ev/s, ceiling "
            f"{results[name]['ceiling_events_per_s']:,.0f} ev/s (ratio {ratio:.2f}), "
            f"peak RSS {rebuild['peak_rss_mib']:.0f} MiB")
    return results


# --------------------------------------------------------------------------- queries


def measure_queries(url: str, rebuilds: dict[str, Any], samples: int) -> dict[str, Any]:
    """Trace backward/forward and recall on random lots, and the stock of a random warehouse
    as of a random moment of the history.

    Each query runs ``QUERY_RUNS`` times in a row: ``p99_ms`` is over the first runs (what a
    user meets, other processes' load included), ``best_p99_ms`` over each query's fastest
    run (load only ever slows a run down; a lot that is costly to trace is costly in every
    run, so the store's own growth stays in it)."""
    location = parse_database_url(url)
    trace_db = rebuilt_database(location, rebuilds["trace"]["where"])
    stock_db = rebuilt_database(location, rebuilds["stock"]["where"])
    rng = random.Random(samples)
    try:
        for database in (trace_db, stock_db):
            _analyze(database)
        trace = TraceView(trace_db)
        lot_ids = [row[0] for row in trace_db.query(
            f"SELECT lot_id FROM {trace.table('trace_lots')} ORDER BY lot_id")]
        chosen = rng.sample(lot_ids, min(samples, len(lot_ids)))
        queries: dict[str, Callable[[str], object]] = {
            "backward": trace.backward, "forward": trace.forward, "recall": trace.recall_impact}
        runs: dict[str, list[list[float]]] = {kind: [] for kind in (*queries, "stock_as_of")}
        for lot_id in chosen[:WARM_UP_QUERIES]:
            for query in queries.values():
                query(lot_id)
        for lot_id in chosen:
            for kind, query in queries.items():
                runs[kind].append(_runs(partial(query, lot_id)))
        stock = StockView(stock_db)
        sites = [row[0] for row in stock_db.query(
            f"SELECT site_id FROM {stock.table('stock_sites')} ORDER BY site_id")]
        low, high = stock_db.query(f"SELECT MIN(occurred_at_us), MAX(occurred_at_us) "
                                   f"FROM {stock.table('stock_changes')}")[0]
        for _ in range(min(samples, AS_OF_SAMPLES_MAX)):
            moment = datetime.fromtimestamp(rng.randint(int(low), int(high)) / 1e6, tz=UTC)
            site = rng.choice(sites)
            runs["stock_as_of"].append(_runs(partial(stock.lines, site_id=site, as_of=moment)))
    finally:
        trace_db.close()
        stock_db.close()
    results: dict[str, Any] = {"trace_lots": len(lot_ids)}
    for kind, timings in runs.items():
        results[kind] = {**summary([timing[0] for timing in timings]),
                         "best_p50_ms": percentile([min(timing) for timing in timings], 0.5),
                         "best_p99_ms": percentile([min(timing) for timing in timings], 0.99)}
    return results


def _analyze(database: ViewDatabase) -> None:
    """Gather the planner's statistics of a freshly rebuilt view, as autovacuum would soon
    after (without them PostgreSQL plans every lookup for the default 0.5 % of a table)."""
    if database.dialect != "postgres":
        return
    with database.transaction() as transaction:
        for table in database.table_names():
            transaction.execute(f"ANALYZE {table}")


def _runs(query: Callable[[], object]) -> list[float]:
    timings = []
    for _ in range(QUERY_RUNS):
        started = time.perf_counter()
        query()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


# ----------------------------------------------------------------------------- Kafka


def measure_kafka(url: str, size_label: str, bootstrap_servers: str, window: int,
                  log: Callable[[str], None]) -> dict[str, Any]:
    """The relay publishing the store's events to a fresh topic, then a stock view catching
    up from that topic with 1, 2 and 3 consumer processes of one group.

    A store larger than ``window`` events has only its last ``window`` events relayed (the
    relay's reads that deep in the log are what changes with size), and no consumers run:
    a view fed from the middle of the history would see every stream's first events
    missing (gaps, rightly not applied), and from the start it would repeat a smaller
    size's catch-up."""
    location = parse_database_url(url)
    store_env = location.eventsourcing_env(sealing=False)
    topic = f"scale.{size_label}.{time.time_ns()}"
    settings = RelaySettings(bootstrap_servers=bootstrap_servers, topic=topic,
                             relay_name=f"scale-{topic}", partitions=TOPIC_PARTITIONS)
    factory, recorder = open_recorder(store_env)
    relay = Relay(recorder, position_store_from_env(store_env, settings.relay_name), settings)
    head = recorder.max_notification_id() or 0
    whole = head <= window
    try:
        relay.rewind(0 if whole else head - window)
        relay.connect()
        started, started_cpu = time.perf_counter(), time.process_time()
        published = 0  # Records sent: notification ids have gaps (rolled-back inserts).
        while relay.position < head:
            count = relay.publish_batch()
            if count == 0:
                break
            published += count
        elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        sample = recorder.select_notifications(max(1, relay.position - TOPIC_SAMPLE),
                                               TOPIC_SAMPLE)
    finally:
        relay.close()
        factory.close()
    record_bytes = sum(len(key_for(n)) + len(n.state) + sum(len(k) + len(v) for k, v in
                                                           headers_for(n)) for n in sample)
    results: dict[str, Any] = {
        "events": published, "from_position": 0 if whole else head - window,
        "relay_events_per_s": published / elapsed,
        "relay_cpu_events_per_s": published / elapsed_cpu,
        "topic_payload_bytes_per_event": record_bytes / max(len(sample), 1),
        "consumers": {}}
    log(f"  relay: {published:,} events from position {results['from_position']:,}, "
        f"{published / elapsed:,.0f} ev/s")
    if not whole:
        return results
    for count in CONSUMER_COUNTS:
        results["consumers"][str(count)] = _catch_up(url, size_label, bootstrap_servers,
                                                     topic, published, count)
        outcome = results["consumers"][str(count)]
        log(f"  stock view from the topic, {count} process(es): {outcome['seconds']:.1f} s, "
            f"{outcome['events_per_s']:,.0f} ev/s after the first commit "
            f"({outcome['first_commit_s']:.1f} s to join)")
    return results


def _consumed(database: ViewDatabase, topic: str) -> int:
    rows = database.query(f"SELECT COALESCE(SUM(next_offset), 0) FROM "
                          f"{database.prefix}consumer_offsets WHERE topic = ?", [topic])
    return int(rows[0][0]) if rows else 0


def _catch_up(url: str, size_label: str, bootstrap_servers: str, topic: str, records: int,
              count: int) -> dict[str, Any]:
    """Seconds for ``count`` processes of one group to apply the whole topic to a fresh
    stock view (progress read from the view's own offsets table: never ``end_offsets``)."""
    location = parse_database_url(url)
    prefix = view_prefix(f"{size_label}_k{count}", "kafka")
    group = f"{topic}.group{count}"
    children = [subprocess.Popen([sys.executable, "-m", "bench.scale", "--child-consumer",
                                  url, bootstrap_servers, topic, group, prefix])
                for _ in range(count)]
    database = views_database(location, prefix)
    started = time.perf_counter()
    first_commit_s = None
    consumed = last_consumed = first_consumed = 0
    progressed_s = 0.0
    try:
        while time.perf_counter() - started < CATCH_UP_TIMEOUT_S:
            time.sleep(POLL_INTERVAL_S)
            try:
                consumed = _consumed(database, topic)
            except psycopg.Error:
                continue  # The tables are created by the first child.
            now = time.perf_counter() - started
            if consumed and first_commit_s is None:
                first_commit_s = now
                first_consumed = consumed
            if consumed != last_consumed:
                last_consumed, progressed_s = consumed, now
            elif first_commit_s is not None and now - progressed_s > STALLED_S:
                break
            if consumed >= records or any(child.poll() is not None for child in children):
                break
        elapsed = time.perf_counter() - started
    finally:
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            child.wait(timeout=30)
        database.close()
    steady_s = elapsed - (first_commit_s or 0.0)
    steady = consumed - (first_consumed if first_commit_s is not None else 0)
    return {"processes": count, "records": records, "consumed": consumed, "seconds": elapsed,
            "first_commit_s": first_commit_s or 0.0,
            "events_per_s": steady / steady_s if steady_s > 0 else 0.0,
            "complete": consumed >= records}


def child_consumer(url: str, bootstrap_servers: str, topic: str, group: str,
                   prefix: str) -> None:
    """One consumer process of the group, until SIGTERM."""
    database = views_database(parse_database_url(url), prefix)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    settings = ConsumerSettings(bootstrap_servers=bootstrap_servers, group_id=group,
                                topic=topic, client_id=f"scale-{group}")
    try:
        ProjectionConsumer(settings, ProjectionHandler(StockView(database))).run(stop)
    finally:
        database.close()


# ------------------------------------------------------------------------------ disk


def measure_disk(url: str, events: int, rebuilds: dict[str, Any]) -> dict[str, Any]:
    """Bytes per event of the events table (and its indexes), the hash chain, the other
    ledger tables, and the measured views."""
    location = parse_database_url(url)
    if location.kind != "postgres":
        assert location.sqlite_path is not None
        return {"store_bytes_per_event": location.sqlite_path.stat().st_size / events}
    with psycopg.connect(postgres_conninfo(location)) as connection:
        rows = connection.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid), "
            "pg_indexes_size(c.oid) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE c.relkind = 'r' "
            "AND n.nspname = current_schema()").fetchall()
    sizes = {name: (int(total), int(heap), int(indexes)) for name, total, heap, indexes in rows}
    events_total, events_heap, events_indexes = sizes.pop("ledger_events", (0, 0, 0))
    chain = sizes.pop("event_chain", (0, 0, 0))[0]
    views = {view: sum(total for table, (total, _, _) in sizes.items()
                       if table.startswith(rebuilds[view]["where"])) for view in VIEWS}
    other = sum(total for table, (total, _, _) in sizes.items()
                if not table.startswith("bench_"))
    return {"events_bytes_per_event": events_total / events,
            "events_heap_bytes_per_event": events_heap / events,
            "events_index_bytes_per_event": events_indexes / events,
            "chain_bytes_per_event": chain / events,
            "other_ledger_bytes_per_event": other / events,
            "views_bytes_per_event": {name: size / events for name, size in views.items()}}


def drop_views(url: str, size_label: str) -> None:
    """Drop the measured views' tables (PostgreSQL) of this size."""
    location = parse_database_url(url)
    if location.kind != "postgres":
        return
    database = PostgresViewDatabase(postgres_conninfo(location), prefix=views_prefix(size_label))
    with database.transaction() as transaction:
        for table in database.table_names():
            transaction.execute(f"DROP TABLE {table}")
    database.close()
