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
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from infra.cli.support import (
    add_store_arguments,
    bounded_int,
    emit_json,
    print_table,
    store_from_arguments,
)
from infra.cli.words import moment, number, t, translate
from infra.logs import get_logger

if TYPE_CHECKING:
    from consumers import relay as relay_module
    from infra.cli.support import CommandParser
    from infra.store import StoreLocation
    from projections.runner import View
    from projections.view_store import ViewDatabase

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
    subparsers.add_parser(
        "relay", help=t("publish the event store's events to Kafka"),
        description=t("Publish every stored event, in log order, to a Kafka topic keyed by "
                      "stream id, from the relay's stored position (or --from). Follows the "
                      "store until stopped (SIGTERM, Ctrl-C), or exits once caught up."),
        build=_relay_options)
    subparsers.add_parser(
        "consume", help=t("build a view (or raise alerts) from the Kafka topic"),
        description=t("Join a consumer group on the relay's topic and apply its events to a "
                      "view, exactly once, committing offsets after the view's transaction. "
                      "Run several processes with the same --group to share the partitions."),
        build=_consume_options)


def _relay_options(relay: CommandParser) -> None:
    from consumers import relay as relay_module  # noqa: PLC0415 - start-up time: Kafka client.

    add_store_arguments(relay)
    added = len(relay._actions)  # The actions the relay module adds come next.
    relay_module.add_arguments(relay)
    # The relay module (which cannot import the CLI) writes its help in English.
    for action in relay._actions[added:]:
        if action.help:
            action.help = translate(action.help)
    relay.set_defaults(func=run_relay, log_level_default="info")


def _consume_options(consume: CommandParser) -> None:
    # Start-up time: the Kafka client and the consumers' defaults load for `consume` only.
    from consumers import relay as relay_module  # noqa: PLC0415
    from consumers.alerts import (  # noqa: PLC0415
        DISCREPANCY_BP_MAX_DEFAULT,
        DISCREPANCY_G_MAX_DEFAULT,
        EXPIRING_DAYS_DEFAULT,
        EXPIRY_SCAN_INTERVAL_S,
    )
    from consumers.dead_letters import LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX  # noqa: PLC0415
    from consumers.projection_consumer import (  # noqa: PLC0415
        BATCH_SIZE_LIMIT,
        DEFAULT_BATCH_SIZE_MAX,
    )

    add_store_arguments(consume)
    consume.add_argument("view", choices=CONSUMED_VIEWS, help=t("what to build"))
    consume.add_argument("--group", default=None,
                         help=t("consumer group (default {prefix}VIEW)", prefix=GROUP_PREFIX))
    consume.add_argument(
        "--bootstrap-servers",
        default=os.environ.get(relay_module.BOOTSTRAP_SERVERS_VARIABLE,
                               relay_module.DEFAULT_BOOTSTRAP_SERVERS),
        help=t("Kafka brokers, comma-separated (default: ${variable} or {default})",
               variable=relay_module.BOOTSTRAP_SERVERS_VARIABLE,
               default=relay_module.DEFAULT_BOOTSTRAP_SERVERS))
    consume.add_argument("--topic", default=relay_module.DEFAULT_TOPIC,
                         help=t("the relay's topic"))
    consume.add_argument("--batch-size-max", type=bounded_int(1, BATCH_SIZE_LIMIT),
                         default=DEFAULT_BATCH_SIZE_MAX,
                         help=t("at most this many records per poll and per view transaction; each "
                                "batch is sized to take about a second (default {size})",
                                size=DEFAULT_BATCH_SIZE_MAX))
    consume.add_argument("--views-db", type=Path, default=None, metavar=t("FILE"),
                         help=t("SQLite file of the consumer's views (default: beside an "
                                "SQLite store, *{suffix}; on PostgreSQL, tables {prefix}* of "
                                "the store)", suffix=KAFKA_VIEWS_FILE_SUFFIX,
                                prefix=KAFKA_VIEWS_POSTGRES_PREFIX))
    letters = consume.add_argument_group(t("dead letters"))
    letters.add_argument("--dead-letters", action="store_true",
                         help=t("list the records this view's consumer set aside (could not "
                                "decode or apply), newest first, and exit"))
    letters.add_argument("--limit", type=bounded_int(1, LIST_LIMIT_MAX),
                         default=LIST_LIMIT_DEFAULT,
                         help=t("dead letters listed (default {default}, at most {most})",
                                default=LIST_LIMIT_DEFAULT, most=LIST_LIMIT_MAX))
    letters.add_argument("--json", action="store_true",
                         help=t("dead letters as JSON lines (value in hexadecimal)"))
    alerts = consume.add_argument_group(t("alerts"))
    whole = bounded_int(0, sys.maxsize)
    alerts.add_argument("--expiring-days", type=whole, default=EXPIRING_DAYS_DEFAULT,
                        help=t("alert lots this close to best-before (default {days})",
                               days=EXPIRING_DAYS_DEFAULT))
    alerts.add_argument("--discrepancy-bp", type=whole, default=DISCREPANCY_BP_MAX_DEFAULT,
                        help=t("alert receipts differing from what was expected by more "
                               "basis points than this (default {bp}, i.e. 5 %%)",
                               bp=DISCREPANCY_BP_MAX_DEFAULT))
    alerts.add_argument("--discrepancy-g", type=whole, default=DISCREPANCY_G_MAX_DEFAULT,
                        help=t("... or by more grams than this (default: no grams threshold)"))
    alerts.add_argument("--webhook-url", default=os.environ.get(WEBHOOK_URL_VARIABLE),
                        help=t("POST each alert as JSON here (default ${variable}; none: log "
                               "lines only)", variable=WEBHOOK_URL_VARIABLE))
    alerts.add_argument("--scan-interval-s", type=float, default=EXPIRY_SCAN_INTERVAL_S,
                        help=t("seconds between scans for lots entering their best-before "
                               "window (default {seconds:g})", seconds=EXPIRY_SCAN_INTERVAL_S))
    consume.set_defaults(func=run_consume, log_level_default="info")


# ---------------------------------------------------------------------------------------------
# relay


def run_relay(arguments: argparse.Namespace) -> int:
    """``cocagne relay``: the relay on the chosen store, its gauges exported."""
    # Start-up time: the Kafka client and the metrics load for `relay` only.
    from consumers import relay as relay_module  # noqa: PLC0415
    from infra.metrics import RELAY_LAG, RELAY_POSITION  # noqa: PLC0415

    location = store_from_arguments(arguments)
    serve_metrics_from_environment()

    def report(relay: relay_module.Relay) -> None:
        RELAY_POSITION.set(relay.position)
        RELAY_LAG.set(relay.lag)

    # The relay only reads: eventsourcing's plain recorder (see eventsourcing_env).
    return relay_module.run_from_arguments(arguments, location.eventsourcing_env(sealing=False),
                                           on_progress=report)


# ---------------------------------------------------------------------------------------------
# consume


def consumer_view_database(location: StoreLocation, views_db: Path | None = None) -> ViewDatabase:
    """Where consumers keep their views for a store (apart from the in-process views)."""
    # Start-up time: the view stores load for `consume` only.
    from infra.projections_wiring import postgres_conninfo  # noqa: PLC0415
    from infra.store import POSTGRES_CONNECT_TIMEOUT_S  # noqa: PLC0415
    from projections.view_store import PostgresViewDatabase, SQLiteViewDatabase  # noqa: PLC0415

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
    # Start-up time: the views' code loads for `consume` only.
    from projections.balances import BalancesView  # noqa: PLC0415
    from projections.stock import StockView  # noqa: PLC0415
    from projections.trace import TraceView  # noqa: PLC0415

    views: dict[str, type[View]] = {"stock": StockView, "trace": TraceView,
                                    "balances": BalancesView}
    return views[name](database)


def report_lag(view_name: str, lag: int) -> None:
    """Export a consumer's lag (messages fetched-highwater minus position)."""
    from infra.metrics import CONSUMER_LAG  # noqa: PLC0415 - start-up time: prometheus.

    CONSUMER_LAG.labels(view_name).set(lag)


def run_consume(arguments: argparse.Namespace) -> int:
    """``cocagne consume VIEW``: one process of the view's consumer group."""
    # Start-up time: the Kafka client and the consumers load for `consume` only.
    from consumers.alerts import AlertRules, AlertsView, WebhookSink, run_alerts  # noqa: PLC0415
    from consumers.projection_consumer import (  # noqa: PLC0415
        ConsumerError,
        ConsumerSettings,
        ProjectionConsumer,
        ProjectionHandler,
    )
    location = store_from_arguments(arguments, create=True)
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


ERROR_SHOWN_LENGTH_MAX = 80  # Characters of the error in the table; --json has it whole.


def show_dead_letters(location: StoreLocation, arguments: argparse.Namespace) -> int:
    """``cocagne consume VIEW --dead-letters``: the view's dead letters, newest first."""
    from datetime import UTC, datetime  # noqa: PLC0415 - start-up time, as above.

    import msgspec  # noqa: PLC0415

    from consumers.dead_letters import list_dead_letters  # noqa: PLC0415

    database = consumer_view_database(location, arguments.views_db)
    try:
        letters = list_dead_letters(database, arguments.view, limit=arguments.limit)
    finally:
        database.close()
    if arguments.json:
        for letter in letters:
            fields = msgspec.to_builtins(letter)
            fields["value"] = letter.value.hex()
            emit_json(fields)
        return 0
    print_table(
        [t("set aside"), t("topic"), t("partition"), t("offset"), t("type"), t("stream"),
         t("version"), t("bytes"), t("error")],
        [[moment(datetime.fromtimestamp(letter.recorded_at_us / 1_000_000, tz=UTC)),
          letter.topic, letter.partition, letter.offset, letter.event_type or "—",
          letter.stream_id or "—",
          "—" if letter.stream_version is None else letter.stream_version,
          number(letter.value_length), letter.error[:ERROR_SHOWN_LENGTH_MAX]]
         for letter in letters],
        right=[2, 3, 6, 7],
        title=t("Records the {view} consumer set aside, newest first", view=arguments.view),
        empty=t("No record set aside by the {view} consumer.", view=arguments.view))
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
    from prometheus_client import start_http_server  # noqa: PLC0415 - start-up time.

    text = os.environ.get(METRICS_PORT_VARIABLE, "").strip()
    if not text:
        return None
    try:
        port = int(text)
    except ValueError:
        print(t("ignoring {variable}={text!r}: not a port number",
                variable=METRICS_PORT_VARIABLE, text=text), file=sys.stderr)
        return None
    start_http_server(port)
    return port
