"""Projection consumers' story: the topic becomes views equal to the in-process ones.

First without a broker: the handler classifies records by stream version (new, repeat,
gap), and views fed the demo scenario's records in any partition interleaving, in batches of
any size and with repeats, end equal row for row to the in-process runner's. Then against a
real Tansu broker and real stores (no mocks): consumer groups build the stock, trace and
balances views; every event lands exactly once although the relay is killed with SIGKILL
mid-stream and restarted, a consumer dies between its view transaction and its offset
commit, the topic is republished whole, or the broker restarts empty and the relay
republishes from zero; and two consumer processes of one group split the partitions and
together build the one view.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.consumer.fetcher import ConsumerRecord

from consumers.projection_consumer import (
    BatchOutcome,
    ConsumerSettings,
    DeadLetter,
    Delivered,
    HandlerError,
    ProjectionConsumer,
    ProjectionHandler,
    delivered_from_message,
    plan_batch,
)
from consumers.relay import (
    DEFAULT_TOPIC,
    Relay,
    RelaySettings,
    open_recorder,
    position_store_from_env,
)
from infra.cli.broker import consumer_view_database
from infra.demo.territory import generate_demo
from infra.ledger.ledger import Ledger
from infra.projections_wiring import open_projections
from infra.store import StoreLocation
from projections.balances import BalancesView
from projections.runner import View
from projections.stock import StockView
from projections.trace import TraceView
from projections.view_store import Row, SQLiteViewDatabase, ViewDatabase
from tests.builders import DEMO_END
from tests.kafka_broker import TansuBroker

REPOSITORY_ROOT = Path(__file__).resolve().parents[3]
PARTITIONS = 4
VIEW_CLASSES: dict[str, type[View]] = {"stock": StockView, "trace": TraceView,
                                       "balances": BalancesView}
Dumps = dict[str, dict[str, list[Row]]]
CONVERGE_TIMEOUT_S = 45  # A group's first record can take 23 s on Tansu; then a second.
PROCESS_TIMEOUT_S = 30


# ---------------------------------------------------------------------------------------------
# Helpers


def demo_store(location: StoreLocation, weeks: int = 2) -> tuple[Dumps, int]:
    """Write the demo scenario into a fresh store; the in-process views' dumps and head."""
    ledger = Ledger(location)
    try:
        generate_demo(ledger, weeks=weeks, with_governance=False, end=DEMO_END)
        head = ledger.recorder.max_notification_id() or 0
        projections = open_projections(ledger)  # Beside the store: the in-process views.
        try:
            projections.catch_up()
            dumps = {name: getattr(projections, name).dump() for name in VIEW_CLASSES}
        finally:
            projections.close()
    finally:
        ledger.close()
    return dumps, head


def relayed_records(store_env: Mapping[str, str], partitions: int = PARTITIONS,
                    ) -> list[Delivered]:
    """The store's log as the relay would publish it: one partition per stream (by a hash
    of its id), offsets counted per partition."""
    factory, recorder = open_recorder(store_env)
    try:
        notifications = recorder.select_notifications(1, 1_000_000)
    finally:
        factory.close()
    offsets = [0] * partitions
    records = []
    for notification in notifications:
        partition = notification.originator_id.int % partitions
        records.append(Delivered(
            topic=DEFAULT_TOPIC, partition=partition, offset=offsets[partition],
            stream_id=str(notification.originator_id), event_type=notification.topic,
            notification_id=notification.id,
            stream_version=notification.originator_version, value=notification.state))
        offsets[partition] += 1
    return records


def interleaved_batches(records: Sequence[Delivered], seed: int,
                        batch_size_max: int = 60) -> list[list[Delivered]]:
    """Batches as a consumer may poll them: partitions drained at random speeds, several
    partitions per batch, each partition's records in order."""
    rng = random.Random(seed)
    queues: dict[int, list[Delivered]] = {}
    for record in records:
        queues.setdefault(record.partition, []).append(record)
    batches: list[list[Delivered]] = []
    while any(queues.values()):
        batch: list[Delivered] = []
        for partition in rng.sample(sorted(queues), k=rng.randint(1, len(queues))):
            take = rng.randint(0, batch_size_max)
            batch.extend(queues[partition][:take])
            del queues[partition][:take]
        if batch:
            batches.append(batch)
    return batches


def fresh_views(database: ViewDatabase) -> dict[str, ProjectionHandler]:
    """A handler (set up) per projection view on ``database``."""
    handlers = {name: ProjectionHandler(view_class(database))
                for name, view_class in VIEW_CLASSES.items()}
    for handler in handlers.values():
        handler.setup()
    return handlers


def dumps_of(views: Mapping[str, View]) -> Dumps:
    """Every row of every view, in a stable order."""
    return {name: view.dump() for name, view in views.items()}


def wait_for_views(views: Mapping[str, View], expected: Dumps, *,
                   timeout_s: float = CONVERGE_TIMEOUT_S,
                   diagnostics: Callable[[], str] = lambda: "") -> None:
    """Wait until each view equals its expected dump, then assert it (a clear diff)."""
    deadline_s = time.monotonic() + timeout_s
    while time.monotonic() < deadline_s:
        try:
            if all(views[name].dump() == expected[name] for name in views):
                return
        except (sqlite3.OperationalError, psycopg.errors.UndefinedTable):
            pass  # A consumer process has not created its tables yet.
        time.sleep(0.25)
    for name in views:
        try:
            views[name].dump()
        except (sqlite3.OperationalError, psycopg.errors.UndefinedTable) as error:
            pytest.fail(f"view {name} has no tables: {error}\n{diagnostics()}")
        assert views[name].dump() == expected[name], f"view {name} differs\n{diagnostics()}"


@contextmanager
def running(consumers: Sequence[ProjectionConsumer]) -> Iterator[threading.Event]:
    """In-process consumers in threads until the block ends."""
    for consumer in consumers:
        consumer.handler.setup()  # Tables exist before the test reads them.
    stop = threading.Event()
    threads = [threading.Thread(target=consumer.run, args=(stop,), name=consumer.handler.name)
               for consumer in consumers]
    for thread in threads:
        thread.start()
    try:
        yield stop
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        assert not any(thread.is_alive() for thread in threads), "a consumer did not stop"


def consumer_for(view: View, bootstrap_servers: str, group: str, *,
                 batch_size_max: int = 1_000) -> ProjectionConsumer:
    """An in-process consumer of the default topic for one view."""
    return ProjectionConsumer(
        ConsumerSettings(bootstrap_servers=bootstrap_servers, group_id=group,
                         batch_size_max=batch_size_max, client_id=f"test-{group}"),
        ProjectionHandler(view))


def relay_catch_up(store_env: Mapping[str, str], bootstrap_servers: str, *,
                   rewind_to: int | None = None, batches_max: int | None = None,
                   batch_size_max: int = 2_000) -> int:
    """Publish the store with an in-process relay (a topic of 4 partitions); how many."""
    factory, recorder = open_recorder(store_env)
    settings = RelaySettings(bootstrap_servers=bootstrap_servers, partitions=PARTITIONS,
                             batch_size_max=batch_size_max)
    relay = Relay(recorder, position_store_from_env(store_env, settings.relay_name), settings)
    try:
        if rewind_to is not None:
            relay.rewind(rewind_to)
        if batches_max is None:
            return relay.catch_up()
        return sum(relay.publish_batch() for _ in range(batches_max))
    finally:
        relay.close()
        factory.close()


class Process:
    """A ``cocagne`` subprocess on the test's store and broker, logging to a file."""

    def __init__(self, log_path: Path, *arguments: str) -> None:
        self.log_path = log_path
        with log_path.open("ab") as log_file:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "infra.cli", *arguments], cwd=REPOSITORY_ROOT,
                env={**os.environ, "COCAGNE_LOG_FORMAT": "json"},
                stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)

    def lines(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far."""
        found = []
        for line in self.log_path.read_text().splitlines():
            if line.startswith("{"):
                try:
                    found.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # A line being written.
        return found

    def log(self) -> str:
        """Everything logged so far (for failure messages)."""
        return self.log_path.read_text()[-4_000:]

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=PROCESS_TIMEOUT_S)

    def stop(self) -> int:
        """SIGTERM and wait: the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=PROCESS_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise


def stored_relay_position(store_env: Mapping[str, str]) -> int:
    """The relay's position in the store."""
    positions = position_store_from_env(store_env, "cocagne.events")
    try:
        return positions.read()
    finally:
        positions.close()


# ---------------------------------------------------------------------------------------------
# The handler, without a broker


def record(stream_id: str, version: int, notification_id: int, offset: int = 0,
           partition: int = 0) -> Delivered:
    """A relayed record with only what classification reads."""
    return Delivered(topic=DEFAULT_TOPIC, partition=partition, offset=offset,
                     stream_id=stream_id, event_type="x.y", notification_id=notification_id,
                     stream_version=version, value=b"")


def test_plan_applies_next_versions_skips_repeats_and_holds_back_gaps() -> None:
    """Version last+1 applies, lower repeats are skipped, higher waits for the missing one."""
    plan = plan_batch([record("a", 3, 30), record("a", 2, 20), record("b", 1, 21),
                       record("b", 3, 40), record("c", 1, 22), record("c", 1, 22, offset=9)],
                      {"a": 2})

    assert [(r.stream_id, r.stream_version) for r in plan.to_apply] == [
        ("b", 1), ("c", 1), ("a", 3)]
    assert [(r.stream_id, r.stream_version) for r in plan.duplicates] == [("a", 2), ("c", 1)]
    assert [(r.stream_id, r.stream_version, expected) for r, expected in plan.gaps] == [
        ("b", 3, 2)]
    assert plan.versions == {"a": 3, "b": 1, "c": 1}


def test_plan_takes_a_stream_in_version_order_even_when_its_records_came_out_of_order() -> None:
    """Version 7 landing before 6 (a retried produce) is applied after it, not lost."""
    plan = plan_batch([record("s", 7, 70, offset=1), record("s", 6, 60, offset=2),
                       record("s", 7, 70, offset=3)], {"s": 5})

    assert [r.stream_version for r in plan.to_apply] == [6, 7]
    assert [r.offset for r in plan.duplicates] == [3]


def test_views_fed_any_partition_interleaving_equal_the_in_process_views(
        sqlite_store: StoreLocation, tmp_path: Path) -> None:
    """Three random interleavings of four partitions, with repeats, build the same rows."""
    expected, head = demo_store(sqlite_store)
    records = relayed_records(sqlite_store.eventsourcing_env())
    assert len(records) == head
    for seed in (1, 2, 3):
        database = SQLiteViewDatabase(tmp_path / f"views-{seed}.db")
        handlers = fresh_views(database)
        batches = interleaved_batches(records, seed)
        # Every tenth batch is delivered twice, as after a crash before the offset commit.
        for index, batch in enumerate(batches):
            for handler in handlers.values():
                handler.handle(batch)
                if index % 10 == 0:
                    assert handler.handle(batch).applied == 0
        assert dumps_of({name: handler.view for name, handler in handlers.items()}) == expected
        assert {handler.state.stream_count() for handler in handlers.values()} == {
            len({record.stream_id for record in records})}
        database.close()


def test_republication_at_new_offsets_changes_nothing(sqlite_store: StoreLocation,
                                                      tmp_path: Path) -> None:
    """The broker restarted empty: the same events at offsets from 0 again are all skipped."""
    expected, _ = demo_store(sqlite_store)
    records = relayed_records(sqlite_store.eventsourcing_env())
    database = SQLiteViewDatabase(tmp_path / "views.db")
    handlers = fresh_views(database)
    for handler in handlers.values():
        handler.handle(records[:700])
    republished = relayed_records(sqlite_store.eventsourcing_env())  # offsets from 0 again
    outcomes = [handler.handle(republished) for handler in handlers.values()]

    assert {(outcome.applied, outcome.duplicates) for outcome in outcomes} == {
        (len(records) - 700, 700)}
    assert dumps_of({name: handler.view for name, handler in handlers.items()}) == expected
    database.close()


def test_a_gap_is_applied_once_the_missing_version_arrives(sqlite_store: StoreLocation,
                                                           tmp_path: Path) -> None:
    """A stream's later event arriving first is held back, then applied in order."""
    expected, _ = demo_store(sqlite_store)
    records = relayed_records(sqlite_store.eventsourcing_env())
    lot_records = [record for record in records if record.event_type == "lot.received"]
    missing = next(record for record in records
                   if record.stream_id == lot_records[0].stream_id
                   and record.stream_version == lot_records[0].stream_version - 1)
    handler = ProjectionHandler(StockView(SQLiteViewDatabase(tmp_path / "views.db")))
    handler.setup()

    first = handler.handle([record for record in records if record is not missing])
    second = handler.handle(records)

    assert first.gaps > 0
    assert second.applied == first.gaps + 1
    assert handler.view.dump() == expected["stock"]


def test_a_record_without_the_relay_headers_is_refused_by_name() -> None:
    """A foreign record on the topic (no stream-version header) is a handler error."""
    message = ConsumerRecord(topic=DEFAULT_TOPIC, partition=2, leader_epoch=0, offset=7,
                             timestamp=0, timestamp_type=0, key=b"stream", value=b"{}",
                             headers=[("event-type", b"lot.offered")], checksum=None,
                             serialized_key_size=6, serialized_value_size=2,
                             serialized_header_size=0)
    with pytest.raises(HandlerError, match="stream-version"):
        delivered_from_message(message)


# ---------------------------------------------------------------------------------------------
# Against the broker


def view_database(location: StoreLocation, tmp_path: Path) -> ViewDatabase:
    """The consumers' view database for a store, as ``cocagne consume`` picks it."""
    if location.kind == "sqlite":
        return consumer_view_database(location, tmp_path / "kafka-views.db")
    return consumer_view_database(location)


@pytest.mark.kafka
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_consumer_groups_build_views_equal_to_the_in_process_views(
        kind: str, request: pytest.FixtureRequest, kafka_bootstrap_servers: str,
        tmp_path: Path) -> None:
    """Stock, trace and balances consumers each apply every demo event once; lag ends at 0."""
    location: StoreLocation = request.getfixturevalue(f"{kind}_store")
    expected, head = demo_store(location)
    assert relay_catch_up(location.eventsourcing_env(), kafka_bootstrap_servers) == head
    database = view_database(location, tmp_path)
    lags: list[tuple[str, int]] = []
    consumers = [consumer_for(view_class(database), kafka_bootstrap_servers, f"test.{name}")
                 for name, view_class in VIEW_CLASSES.items()]
    for consumer in consumers:
        consumer.on_lag = lambda name, lag: lags.append((name, lag))
    try:
        with running(consumers):
            wait_for_views({c.handler.name: c.handler.view for c in consumers}, expected)
            deadline_s = time.monotonic() + 5
            while any(consumer.lag != 0 for consumer in consumers):
                assert time.monotonic() < deadline_s, [c.lag for c in consumers]
                time.sleep(0.1)
        assert {consumer.applied_total for consumer in consumers} == {head}
        assert {consumer.duplicates_total + consumer.gaps_total for consumer in consumers} == {0}
        assert {name for name, _ in lags} == set(VIEW_CLASSES)
        assert all(lag >= 0 for _, lag in lags)
    finally:
        database.close()


@pytest.mark.kafka
def test_a_consumer_dying_after_its_view_commit_is_redelivered_and_skips_the_repeat(
        store: StoreLocation, kafka_bootstrap_servers: str, tmp_path: Path) -> None:
    """Killed between the view transaction and the offset commit, the consumer's successor
    gets those records again and recognises every one (SQLite and PostgreSQL views)."""
    expected, head = demo_store(store)
    relay_catch_up(store.eventsourcing_env(), kafka_bootstrap_servers)
    database = view_database(store, tmp_path)

    class Crash(BaseException):
        """The process dies (no ``except Exception`` catches it)."""

    crashed: list[BatchOutcome] = []

    class CrashingHandler(ProjectionHandler):
        def handle(self, records: Sequence[Delivered],
                   rejected: Sequence[DeadLetter] = ()) -> BatchOutcome:
            outcome = super().handle(records, rejected)
            if outcome.applied:
                crashed.append(outcome)
                raise Crash  # After the view's commit, before the offset commit.
            return outcome

    first = ProjectionConsumer(
        ConsumerSettings(bootstrap_servers=kafka_bootstrap_servers, group_id="test.crash",
                         batch_size_max=200), CrashingHandler(StockView(database)))
    with pytest.raises(Crash):
        first.run(threading.Event())
    (lost_commit,) = crashed
    assert 0 < lost_commit.applied < head

    second = consumer_for(StockView(database), kafka_bootstrap_servers, "test.crash",
                          batch_size_max=200)
    with running([second]):
        wait_for_views({"stock": second.handler.view}, expected)
    assert (second.applied_total, second.duplicates_total) == (
        head - lost_commit.applied, lost_commit.applied)
    database.close()


@pytest.mark.kafka
def test_a_topic_republished_whole_changes_no_view(
        sqlite_store: StoreLocation, kafka_bootstrap_servers: str, tmp_path: Path) -> None:
    """``relay --from 0`` on a live topic doubles every record; the views do not move."""
    expected, head = demo_store(sqlite_store)
    store_env = sqlite_store.eventsourcing_env()
    relay_catch_up(store_env, kafka_bootstrap_servers)
    database = SQLiteViewDatabase(tmp_path / "kafka-views.db")
    consumers = [consumer_for(view_class(database), kafka_bootstrap_servers, f"test.{name}")
                 for name, view_class in VIEW_CLASSES.items() if name != "balances"]
    try:
        with running(consumers):
            views = {c.handler.name: c.handler.view for c in consumers}
            wait_for_views(views, expected)
            assert relay_catch_up(store_env, kafka_bootstrap_servers, rewind_to=0) == head
            deadline_s = time.monotonic() + CONVERGE_TIMEOUT_S
            while any(consumer.duplicates_total < head for consumer in consumers):
                assert time.monotonic() < deadline_s, [c.duplicates_total for c in consumers]
                time.sleep(0.1)
            assert dumps_of(views) == {name: expected[name] for name in views}
        assert {(c.applied_total, c.duplicates_total) for c in consumers} == {(head, head)}
    finally:
        database.close()


@pytest.mark.kafka
def test_after_the_broker_restarts_empty_republishing_from_zero_rebuilds_nothing_twice(
        sqlite_store: StoreLocation, kafka_broker: TansuBroker, tmp_path: Path) -> None:
    """Part of the log is consumed from a topic holding repeats; the broker loses
    everything; the relay republishes from zero, so every offset now names another event:
    the consumers re-read from the beginning, skip what they had and apply the rest."""
    expected, head = demo_store(sqlite_store)
    store_env = sqlite_store.eventsourcing_env()
    servers = kafka_broker.bootstrap_servers
    assert relay_catch_up(store_env, servers, batch_size_max=300, batches_max=2) == 600
    # Notifications 301 to 600 once more, as after a relay killed before storing its
    # position: the old topic's offsets no longer line up with a clean republication.
    assert relay_catch_up(store_env, servers, rewind_to=300, batch_size_max=300,
                          batches_max=1) == 300
    database = SQLiteViewDatabase(tmp_path / "kafka-views.db")
    consumers = [consumer_for(view_class(database), servers, f"test.{name}")
                 for name, view_class in VIEW_CLASSES.items() if name != "balances"]
    try:
        with running(consumers):
            deadline_s = time.monotonic() + CONVERGE_TIMEOUT_S
            while any(c.applied_total + c.duplicates_total < 900 for c in consumers):
                assert time.monotonic() < deadline_s, [c.applied_total for c in consumers]
                time.sleep(0.1)
            assert {(c.applied_total, c.duplicates_total) for c in consumers} == {(600, 300)}
            kafka_broker.restart_empty()
            refill = Process(tmp_path / "relay.log", "relay", "--db", str(sqlite_store.sqlite_path),
                             "--bootstrap-servers", servers, "--partitions", str(PARTITIONS),
                             "--from", "0", "--until-caught-up")
            assert refill.process.wait(timeout=PROCESS_TIMEOUT_S) == 0, refill.log()
            # The consumers rejoin the group the broker forgot, find no committed offset and
            # read the new topic from its beginning: its first 600 events are repeats.
            deadline_s = time.monotonic() + CONVERGE_TIMEOUT_S
            while any(c.duplicates_total < 300 + 600 for c in consumers):
                assert time.monotonic() < deadline_s, [c.duplicates_total for c in consumers]
                time.sleep(0.1)
            wait_for_views({c.handler.name: c.handler.view for c in consumers}, expected)
        assert {c.applied_total for c in consumers} == {head}
    finally:
        database.close()


@pytest.mark.kafka
@pytest.mark.slow
def test_relay_and_consumer_killed_mid_stream_still_apply_every_event_exactly_once(
        store: StoreLocation, kafka_bootstrap_servers: str, tmp_path: Path) -> None:
    """SIGKILL the relay mid-stream and a consumer process, restart both: the views equal
    the in-process ones (a repeat or a loss would show in the rows), on SQLite and on
    PostgreSQL (store, relay position and consumer views in the one database)."""
    expected, head = demo_store(store)
    store_env = store.eventsourcing_env()
    where = ["--database-url", store.url]
    broker = ["--bootstrap-servers", kafka_bootstrap_servers]
    views_db = tmp_path / "kafka-views.db"
    views_at = ["--views-db", str(views_db)] if store.kind == "sqlite" else []
    consume = [*where, *broker, *views_at, "--batch-size-max", "50"]
    relay_arguments = ["relay", *where, *broker, "--partitions", str(PARTITIONS),
                       "--batch-size-max", "20"]
    stock = Process(tmp_path / "stock-1.log", "consume", "stock", *consume)
    trace = Process(tmp_path / "trace.log", "consume", "trace", *consume)
    processes = [stock, trace]
    opened_databases: list[ViewDatabase] = []
    try:
        relay = Process(tmp_path / "relay-1.log", *relay_arguments)
        processes.append(relay)
        deadline_s = time.monotonic() + PROCESS_TIMEOUT_S
        while stored_relay_position(store_env) < 300:
            assert relay.process.poll() is None, relay.log()
            assert time.monotonic() < deadline_s, relay.log()
            time.sleep(0.002)
        relay.kill()
        killed_at = stored_relay_position(store_env)
        assert 0 < killed_at < head, "the relay must be killed mid-stream"

        database = view_database(store, tmp_path)
        opened_databases.append(database)
        views = {name: VIEW_CLASSES[name](database) for name in ("stock", "trace")}
        stock_state = ProjectionHandler(views["stock"]).state
        deadline_s = time.monotonic() + CONVERGE_TIMEOUT_S
        while not any(line.get("event") == "consumer.batch" for line in stock.lines()):
            assert time.monotonic() < deadline_s, stock.log()
            time.sleep(0.1)
        stock.kill()
        applied_when_killed = stock_state.stream_count()

        restarted = Process(tmp_path / "relay-2.log", *relay_arguments, "--until-caught-up")
        processes.append(restarted)
        stock = Process(tmp_path / "stock-2.log", "consume", "stock", *consume)
        processes.append(stock)
        assert restarted.process.wait(timeout=PROCESS_TIMEOUT_S) == 0, restarted.log()
        assert stored_relay_position(store_env) == head

        wait_for_views(views, expected,
                       diagnostics=lambda: stock.log() + trace.log())
        assert applied_when_killed > 0
        for process in (stock, trace):
            assert process.stop() == 0, process.log()
            errors = [line for line in process.lines() if line.get("level") == "error"]
            assert errors == [], [(line.get("event"), line.get("error")) for line in errors[:3]]
    finally:
        for process in processes:
            process.kill()
        for database in opened_databases:
            database.close()


def create_topic(bootstrap_servers: str, partitions: int) -> None:
    """Create the relay's topic with ``partitions`` partitions, as an operator would."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="test-admin",
                             request_timeout_ms=10_000)
    try:
        admin.create_topics([NewTopic(DEFAULT_TOPIC, num_partitions=partitions,
                                      replication_factor=-1)], timeout_ms=10_000)
    finally:
        admin.close()


def assignments(process: Process) -> list[int]:
    """The partitions a consumer process was last assigned."""
    assigned = [line["partitions"] for line in process.lines()
                if line.get("event") == "consumer.assigned"]
    return assigned[-1] if assigned else []


@pytest.mark.kafka
@pytest.mark.slow
def test_two_consumer_processes_of_one_group_split_the_partitions_and_build_one_view(
        sqlite_store: StoreLocation, kafka_bootstrap_servers: str, tmp_path: Path) -> None:
    """Two ``cocagne consume stock`` of one group take two partitions each, each applies
    only its partitions' events, and together they build the in-process view."""
    expected, head = demo_store(sqlite_store)
    create_topic(kafka_bootstrap_servers, PARTITIONS)
    views_db = tmp_path / "kafka-views.db"
    arguments = ["consume", "stock", "--db", str(sqlite_store.sqlite_path),
                 "--bootstrap-servers", kafka_bootstrap_servers, "--views-db", str(views_db),
                 "--group", "test.pair", "--batch-size-max", "100"]
    pair = [Process(tmp_path / f"stock-{index}.log", *arguments) for index in (1, 2)]
    try:
        deadline_s = time.monotonic() + CONVERGE_TIMEOUT_S
        while sorted(assignments(pair[0]) + assignments(pair[1])) != list(range(PARTITIONS)) \
                or not all(assignments(process) for process in pair):
            assert time.monotonic() < deadline_s, pair[0].log() + pair[1].log()
            time.sleep(0.1)
        owned = [set(assignments(process)) for process in pair]

        assert relay_catch_up(sqlite_store.eventsourcing_env(), kafka_bootstrap_servers) == head
        database = SQLiteViewDatabase(views_db)
        wait_for_views({"stock": StockView(database)}, expected,
                       diagnostics=lambda: pair[0].log() + pair[1].log())
        database.close()
        for process, partitions in zip(pair, owned, strict=True):
            assert process.stop() == 0, process.log()
            batches = [line for line in process.lines() if line.get("event") == "consumer.batch"]
            assert batches, process.log()
            touched = {int(partition) for line in batches for partition in line["partitions"]}
            assert touched <= partitions
        applied = [sum(line["applied"] for line in process.lines()
                       if line.get("event") == "consumer.batch") for process in pair]
        assert sum(applied) == head
        assert min(applied) > 0
    finally:
        for process in pair:
            process.kill()
