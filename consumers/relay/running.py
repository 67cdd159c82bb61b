"""Running a relay: on a store named by eventsourcing's environment, or as a process."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any

import structlog
from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory
from eventsourcing.utils import Environment

from consumers.relay.positions import position_store_from_env
from consumers.relay.publisher import Relay, RelayError
from consumers.relay.settings import (
    BOOTSTRAP_SERVERS_VARIABLE,
    DEFAULT_APPLICATION_NAME,
    DEFAULT_BATCH_SIZE_MAX,
    DEFAULT_BOOTSTRAP_SERVERS,
    DEFAULT_IDLE_SLEEP_MS,
    DEFAULT_MIN_INSYNC_REPLICAS,
    DEFAULT_PARTITIONS,
    DEFAULT_RELAY_NAME,
    DEFAULT_REPLICATION_FACTOR,
    DEFAULT_TOPIC,
    MIN_INSYNC_REPLICAS_VARIABLE,
    REPLICATION_FACTOR_MAX,
    REPLICATION_FACTOR_VARIABLE,
    RelaySettings,
)

log = structlog.get_logger("cocagne.relay")


def open_recorder(store_env: Mapping[str, str],
                  application_name: str = DEFAULT_APPLICATION_NAME,
                  ) -> tuple[InfrastructureFactory[Any], ApplicationRecorder]:
    """The factory (close it when done) and application recorder of the ledger's store."""
    factory: InfrastructureFactory[Any] = InfrastructureFactory.construct(
        Environment(name=application_name, env=dict(store_env)))
    return factory, factory.application_recorder()


def run_relay(store_env: Mapping[str, str], settings: RelaySettings, *,
              from_position: int | None = None, until_caught_up: bool = False,
              stop: threading.Event | None = None,
              on_progress: Callable[[Relay], None] | None = None,
              application_name: str = DEFAULT_APPLICATION_NAME) -> Relay:
    """Run a relay on the store named by ``store_env`` (eventsourcing's environment).

    With ``until_caught_up``, publish up to the head seen at start and return; otherwise
    follow the log until ``stop`` is set. ``from_position`` first rewrites the stored position.
    ``on_progress(relay)`` runs after every batch and idle poll (to export position and lag).
    An error of the store ends the run with that error: the supervisor restarts the process.
    Returns the (closed) relay, whose ``position`` and ``published_total`` tell what it did.
    """
    factory, recorder = open_recorder(store_env, application_name)
    try:
        relay = Relay(recorder, position_store_from_env(store_env, settings.relay_name),
                      settings, on_progress)
        try:
            if from_position is not None:
                relay.rewind(from_position)
            log.info("relay.started", relay=settings.relay_name, topic=settings.topic,
                     position=relay.position, head=relay.head(),
                     bootstrap_servers=settings.bootstrap_servers)
            if until_caught_up:
                relay.catch_up(stop)
            else:
                relay.follow(stop if stop is not None else threading.Event())
            log.info("relay.stopped", relay=settings.relay_name, position=relay.position,
                     published=relay.published_total)
        finally:
            relay.close()
    finally:
        factory.close()
    return relay


def add_arguments(parser: argparse.ArgumentParser,
                  environ: Mapping[str, str] | None = None) -> None:
    """The relay's command-line options, shared by ``cocagne relay`` and ``-m consumers.relay``."""
    environ = os.environ if environ is None else environ
    parser.add_argument("--bootstrap-servers",
                        default=environ.get(BOOTSTRAP_SERVERS_VARIABLE, DEFAULT_BOOTSTRAP_SERVERS),
                        help=f"Kafka brokers, comma-separated (default: "
                             f"${BOOTSTRAP_SERVERS_VARIABLE} or {DEFAULT_BOOTSTRAP_SERVERS})")
    parser.add_argument("--topic", default=DEFAULT_TOPIC, help="topic to publish to")
    parser.add_argument("--relay-name", default=DEFAULT_RELAY_NAME,
                        help="name of the stored position (one per relay)")
    parser.add_argument("--from", dest="from_position", type=int, default=None,
                        metavar="NOTIFICATION_ID",
                        help="republish every event after this notification id (0: all), "
                             "instead of resuming from the stored position")
    parser.add_argument("--until-caught-up", action="store_true",
                        help="publish up to the current head of the log, then exit")
    parser.add_argument("--batch-size-max", type=int, default=DEFAULT_BATCH_SIZE_MAX,
                        help="events per batch (one flush and one position write per batch)")
    parser.add_argument("--partitions", type=int, default=DEFAULT_PARTITIONS,
                        help="partitions of the topic when the relay creates it")
    parser.add_argument("--idle-sleep-ms", type=int, default=DEFAULT_IDLE_SLEEP_MS,
                        help="pause between polls of an idle log")
    # A string default goes through ``type`` like a typed value, so a bad environment
    # variable is reported as a usage error, not a traceback.
    parser.add_argument("--replication-factor", type=replica_count,
                        default=environ.get(REPLICATION_FACTOR_VARIABLE,
                                            str(DEFAULT_REPLICATION_FACTOR)),
                        help=f"replicas of each partition when the relay creates the topic "
                             f"(default: ${REPLICATION_FACTOR_VARIABLE} or "
                             f"{DEFAULT_REPLICATION_FACTOR})")
    parser.add_argument("--min-insync-replicas", type=replica_count,
                        default=environ.get(MIN_INSYNC_REPLICAS_VARIABLE,
                                            str(DEFAULT_MIN_INSYNC_REPLICAS)),
                        help=f"replicas that must hold a write before the broker acknowledges "
                             f"it, set on the topic the relay creates (default: "
                             f"${MIN_INSYNC_REPLICAS_VARIABLE} or {DEFAULT_MIN_INSYNC_REPLICAS})")


def replica_count(text: str) -> int:
    """A number of replicas, 1 to ``REPLICATION_FACTOR_MAX``."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= REPLICATION_FACTOR_MAX:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of replicas from 1 to {REPLICATION_FACTOR_MAX}")
    return value


def settings_from_arguments(arguments: argparse.Namespace) -> RelaySettings:
    """``RelaySettings`` from options added by ``add_arguments``."""
    return RelaySettings(
        bootstrap_servers=arguments.bootstrap_servers,
        topic=arguments.topic,
        relay_name=arguments.relay_name,
        partitions=arguments.partitions,
        batch_size_max=arguments.batch_size_max,
        idle_sleep_ms=arguments.idle_sleep_ms,
        replication_factor=arguments.replication_factor,
        min_insync_replicas=arguments.min_insync_replicas,
    )


def run_from_arguments(arguments: argparse.Namespace, store_env: Mapping[str, str],
                       on_progress: Callable[[Relay], None] | None = None) -> int:
    """Run the relay as a process: stops cleanly on SIGTERM or SIGINT; the exit status."""
    try:
        settings = settings_from_arguments(arguments)
    except ValueError as error:
        # Settings that contradict each other: a usage error, whose message says it all (a
        # traceback would not help).
        log.error("relay.invalid_settings", error=str(error))  # noqa: TRY400
        return 2
    stop = threading.Event()

    def request_stop(signal_number: int, _frame: FrameType | None) -> None:
        log.info("relay.stopping", signal=signal.Signals(signal_number).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        run_relay(store_env, settings,
                  from_position=arguments.from_position,
                  until_caught_up=arguments.until_caught_up, stop=stop,
                  on_progress=on_progress)
    except RelayError as error:
        log.exception("relay.failed", error=str(error))
        return 1
    return 0
