"""Kafka subcommands: ``cocagne relay`` and ``cocagne consume stock|trace|balances|alerts``.

The broker comes from ``--bootstrap-servers``, else ``$KAFKA_BOOTSTRAP_SERVERS``, else
``localhost:9092``; the event store from ``--db`` / ``--database-url`` /
``$COCAGNE_DATABASE_URL`` as for every command.

Consumers write their views apart from the in-process runner's (both feeding the same tables
would apply every event twice): on an SQLite store, in a file beside it
(``var/cocagne.db`` → ``var/cocagne.kafka-views.db``, or ``--views-db FILE``); on PostgreSQL,
in the store's database as tables prefixed ``kafka_view_``. Every process of a group must use
the same view database: that is what makes their partitions add up to one view.

With ``$COCAGNE_METRICS_PORT`` set, the process serves Prometheus metrics on that port
(relay position and lag, consumer lag).

``cocagne consume VIEW --dead-letters`` lists, newest first, the records that consumer set
aside (``consumers.dead_letters``) and exits, instead of consuming.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from prometheus_client import start_http_server

from consumers import relay as relay_module
from consumers.alerts import (
    DISCREPANCY_BP_MAX_DEFAULT,
    DISCREPANCY_G_MAX_DEFAULT,
    EXPIRING_DAYS_DEFAULT,
    EXPIRY_SCAN_INTERVAL_S,
    AlertRules,
    AlertsView,
    WebhookSink,
    run_alerts,
)
from consumers.dead_letters import LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, list_dead_letters
from consumers.projection_consumer import (
    BATCH_SIZE_LIMIT,
    DEFAULT_BATCH_SIZE_MAX,
    ConsumerError,
    ConsumerSettings,
    ProjectionConsumer,
    ProjectionHandler,
)
from infra.cli.support import add_store_arguments, print_table, store_from_arguments
from infra.logs import get_logger
from infra.metrics import CONSUMER_LAG, RELAY_LAG, RELAY_POSITION
from infra.projections_wiring import postgres_conninfo
from infra.store import POSTGRES_CONNECT_TIMEOUT_S, StoreLocation
from projections.balances import BalancesView
from projections.runner import View
from projections.stock import StockView
from projections.trace import TraceView
from projections.view_store import PostgresViewDatabase, SQLiteViewDatabase, ViewDatabase

CONSUMED_VIEWS = ("stock", "trace", "balances", "alerts")
KAFKA_VIEWS_FILE_SUFFIX = ".kafka-views.db"
KAFKA_VIEWS_SQLITE_PREFIX = "view_"
"""In their own SQLite file, consumer views keep the in-process views' table names."""
KAFKA_VIEWS_POSTGRES_PREFIX = "kafka_view_"
"""In the store's PostgreSQL database, a prefix keeps them apart from the in-process ones."""
GROUP_PREFIX = "cocagne."
METRICS_PORT_VARIABLE = "COCAGNE_METRICS_PORT"
WEBHOOK_URL_VARIABLE = "COCAGNE_ALERTS_WEBHOOK_URL"

log = get_logger("cocagne.kafka")


def register(subparsers: Any) -> None:
    """Add ``relay`` and ``consume``."""

    relay = subparsers.add_parser(
        "relay", help="publish the event store's events to Kafka",
        description="Publish every stored event, in log order, to a Kafka topic keyed by "
                    "stream id, from the relay's stored position (or --from). Follows the "
                    "store until stopped (SIGTERM, Ctrl-C), or exits once caught up.")
    add_store_arguments(relay)
    relay_module.add_arguments(relay)
    relay.set_defaults(func=run_relay)

    consume = subparsers.add_parser(
        "consume", help="build a view (or raise alerts) from the Kafka topic",
        description="Join a consumer group on the relay's topic and apply its events to a "
                    "view, exactly once, committing offsets after the view's transaction. "
                    "Run several processes with the same --group to share the partitions.")
    add_store_arguments(consume)
    consume.add_argument("view", choices=CONSUMED_VIEWS, help="what to build")
    consume.add_argument("--group", default=None,
                         help=f"consumer group (default {GROUP_PREFIX}VIEW)")
    consume.add_argument(
        "--bootstrap-servers",
        default=os.environ.get(relay_module.BOOTSTRAP_SERVERS_VARIABLE,
                               relay_module.DEFAULT_BOOTSTRAP_SERVERS),
        help=f"Kafka brokers, comma-separated (default: "
             f"${relay_module.BOOTSTRAP_SERVERS_VARIABLE} or "
             f"{relay_module.DEFAULT_BOOTSTRAP_SERVERS})")
    consume.add_argument("--topic", default=relay_module.DEFAULT_TOPIC,
                         help="the relay's topic")
    consume.add_argument("--batch-size-max", type=batch_size, default=DEFAULT_BATCH_SIZE_MAX,
                         help=f"records per poll and per view transaction (default "
                              f"{DEFAULT_BATCH_SIZE_MAX})")
    consume.add_argument("--views-db", type=Path, default=None,
                         help=f"SQLite file of the consumer's views (default: beside an "
                              f"SQLite store, *{KAFKA_VIEWS_FILE_SUFFIX}; on PostgreSQL, "
                              f"tables {KAFKA_VIEWS_POSTGRES_PREFIX}* of the store)")
    letters = consume.add_argument_group("dead letters")
    letters.add_argument("--dead-letters", action="store_true",
                         help="list the records this view's consumer set aside (could not "
                              "decode or apply), newest first, and exit")
    letters.add_argument("--limit", type=listing_limit, default=LIST_LIMIT_DEFAULT,
                         help=f"dead letters listed (default {LIST_LIMIT_DEFAULT}, at most "
                              f"{LIST_LIMIT_MAX})")
    letters.add_argument("--json", action="store_true",
                         help="dead letters as JSON lines (value in hexadecimal)")
    alerts = consume.add_argument_group("alerts")
    alerts.add_argument("--expiring-days", type=non_negative, default=EXPIRING_DAYS_DEFAULT,
                        help=f"alert lots this close to best-before (default "
                             f"{EXPIRING_DAYS_DEFAULT})")
    alerts.add_argument("--discrepancy-bp", type=non_negative,
                        default=DISCREPANCY_BP_MAX_DEFAULT,
                        help=f"alert receipts differing from what was expected by more "
                             f"basis points than this (default {DISCREPANCY_BP_MAX_DEFAULT}, "
                             f"i.e. 5 %%)")
    alerts.add_argument("--discrepancy-g", type=non_negative,
                        default=DISCREPANCY_G_MAX_DEFAULT,
                        help="... or by more grams than this (default: no grams threshold)")
    alerts.add_argument("--webhook-url", default=os.environ.get(WEBHOOK_URL_VARIABLE),
                        help=f"POST each alert as JSON here (default ${WEBHOOK_URL_VARIABLE};"
                             f" none: log lines only)")
    alerts.add_argument("--scan-interval-s", type=float, default=EXPIRY_SCAN_INTERVAL_S,
                        help=f"seconds between scans for lots entering their best-before "
                             f"window (default {EXPIRY_SCAN_INTERVAL_S:g})")
    consume.set_defaults(func=run_consume)


def batch_size(text: str) -> int:
    """A consumer batch size within its bounds."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= BATCH_SIZE_LIMIT:
        raise argparse.ArgumentTypeError(f"a batch holds 1 to {BATCH_SIZE_LIMIT} records")
    return value


def listing_limit(text: str) -> int:
    """How many dead letters to list, within the listing's bound."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= LIST_LIMIT_MAX:
        raise argparse.ArgumentTypeError(f"a listing shows 1 to {LIST_LIMIT_MAX} dead letters")
    return value


def non_negative(text: str) -> int:
    """An integer of zero or more."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of zero or more")
    return value


# ---------------------------------------------------------------------------------------------
# relay


def run_relay(arguments: argparse.Namespace) -> int:
    """``cocagne relay``: the relay on the chosen store, its gauges exported."""

    location = store_from_arguments(arguments)
    serve_metrics_from_environment()

    def report(relay: relay_module.Relay) -> None:
        RELAY_POSITION.set(relay.position)
        RELAY_LAG.set(relay.lag)

    return relay_module.run_from_arguments(arguments, location.eventsourcing_env(),
                                           on_progress=report)


# ---------------------------------------------------------------------------------------------
# consume


def consumer_view_database(location: StoreLocation, views_db: Path | None = None) -> ViewDatabase:
    """Where consumers keep their views for a store (apart from the in-process views)."""
    if views_db is not None:
        return SQLiteViewDatabase(views_db, prefix=KAFKA_VIEWS_SQLITE_PREFIX)
    if location.kind == "sqlite":
        assert location.sqlite_path is not None
        path = location.sqlite_path
        return SQLiteViewDatabase(path.with_name(path.stem + KAFKA_VIEWS_FILE_SUFFIX),
                                  prefix=KAFKA_VIEWS_SQLITE_PREFIX)
    return PostgresViewDatabase(postgres_conninfo(location), prefix=KAFKA_VIEWS_POSTGRES_PREFIX,
                                connect_timeout_s=POSTGRES_CONNECT_TIMEOUT_S)


def projection_view(name: str, database: ViewDatabase) -> View:
    """The projection view called ``name`` on ``database``."""
    views: dict[str, type[View]] = {"stock": StockView, "trace": TraceView,
                                    "balances": BalancesView}
    return views[name](database)


def report_lag(view_name: str, lag: int) -> None:
    """Export a consumer's lag (messages fetched-highwater minus position)."""
    CONSUMER_LAG.labels(view_name).set(lag)


def run_consume(arguments: argparse.Namespace) -> int:
    """``cocagne consume VIEW``: one process of the view's consumer group."""

    location = store_from_arguments(arguments)
    if arguments.dead_letters:
        return show_dead_letters(location, arguments)
    serve_metrics_from_environment()
    settings = ConsumerSettings(
        bootstrap_servers=arguments.bootstrap_servers,
        group_id=arguments.group or f"{GROUP_PREFIX}{arguments.view}",
        topic=arguments.topic, batch_size_max=arguments.batch_size_max,
        client_id=f"cocagne-{arguments.view}-{socket.gethostname()}-{os.getpid()}")
    database = consumer_view_database(location, arguments.views_db)
    stop = stop_on_signals()
    try:
        if arguments.view == "alerts":
            rules = AlertRules(expiring_days=arguments.expiring_days,
                               discrepancy_g_max=arguments.discrepancy_g,
                               discrepancy_bp_max=arguments.discrepancy_bp)
            sink = WebhookSink(arguments.webhook_url) if arguments.webhook_url else None
            run_alerts(settings, AlertsView(database, rules), stop, sink=sink,
                       on_lag=report_lag, scan_interval_s=arguments.scan_interval_s)
        else:
            handler = ProjectionHandler(projection_view(arguments.view, database))
            ProjectionConsumer(settings, handler, on_lag=report_lag).run(stop)
    except ConsumerError as error:
        log.exception("consumer.failed", view=arguments.view, group=settings.group_id,
                      topic=error.topic, partition=error.partition, offset=error.offset,
                      error=str(error))
        return 1
    finally:
        database.close()
    return 0


PARIS = ZoneInfo("Europe/Paris")
ERROR_SHOWN_LENGTH_MAX = 80  # Characters of the error in the table; --json has it whole.


def show_dead_letters(location: StoreLocation, arguments: argparse.Namespace) -> int:
    """``cocagne consume VIEW --dead-letters``: the view's dead letters, newest first."""
    database = consumer_view_database(location, arguments.views_db)
    try:
        letters = list_dead_letters(database, arguments.view, limit=arguments.limit)
    finally:
        database.close()
    if arguments.json:
        for letter in letters:
            fields = msgspec.to_builtins(letter)
            fields["value"] = letter.value.hex()
            print(msgspec.json.encode(fields).decode())
        return 0
    if not letters:
        print(f"Aucun message mis de côté par le consommateur « {arguments.view} ».")
        return 0
    print(f"{len(letters)} message(s) mis de côté par le consommateur « {arguments.view} » "
          "(les plus récents d'abord) :")
    print_table(
        ["mis de côté le", "sujet", "partition", "position", "type", "flux", "version",
         "octets", "erreur"],
        [[datetime.fromtimestamp(letter.recorded_at_us / 1_000_000, tz=UTC)
          .astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S"),
          letter.topic, letter.partition, letter.offset, letter.event_type or "—",
          letter.stream_id or "—", "—" if letter.stream_version is None
          else letter.stream_version, f"{letter.value_length:,}".replace(",", "\u202f"),
          letter.error[:ERROR_SHOWN_LENGTH_MAX]] for letter in letters],
        right=[2, 3, 6, 7])
    return 0


# ---------------------------------------------------------------------------------------------
# process plumbing


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM (``docker stop``) or SIGINT (Ctrl-C)."""
    stop = threading.Event()

    def request_stop(signal_number: int, _frame: FrameType | None) -> None:
        log.info("consumer.stopping", signal=signal.Signals(signal_number).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop


def serve_metrics_from_environment() -> int | None:
    """Serve Prometheus metrics on ``$COCAGNE_METRICS_PORT`` if set; the port."""
    text = os.environ.get(METRICS_PORT_VARIABLE, "").strip()
    if not text:
        return None
    try:
        port = int(text)
    except ValueError:
        print(f"ignoring {METRICS_PORT_VARIABLE}={text!r}: not a port number", file=sys.stderr)
        return None
    start_http_server(port)
    return port
