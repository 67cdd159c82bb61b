"""Catching up fast without losing the group: batches bounded by time, streams looked up by key.

Without a broker: a consumer loop fed by a stand-in for kafka-python's client (``turn`` only
polls, seeks, commits and reads positions) asks for smaller batches once a batch is slow,
and still applies every event once; the collector is paused for a turn only. On PostgreSQL,
the streams' versions are read by a probe of the primary key per stream whatever the
planner knows of the table, even under the generic plan psycopg's prepared statements get.
"""

from __future__ import annotations

import gc
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from consumers.dead_letters import DeadLetter
from consumers.projection_consumer import (
    BatchOutcome,
    ConsumerSettings,
    ConsumerState,
    Delivered,
    ProjectionConsumer,
    ProjectionHandler,
)
from consumers.projection_consumer.loop import collector_paused
from consumers.projection_consumer.pace import BATCH_SIZE_START, BatchPacer
from infra.projections_wiring import postgres_conninfo
from infra.store import StoreLocation
from projections.stock import StockView
from projections.view_store import PostgresViewDatabase, SQLiteViewDatabase
from tests.integration.kafka.test_consumers import demo_store, relayed_records

SECONDS_PER_RECORD = 0.002  # The slow handler's pace: 100 records take 0.2 s.
TARGET_S = 0.2


class SlowHandler(ProjectionHandler):
    """The stock view's handler, slowed down in proportion to the records of a batch."""

    def handle(self, records: Sequence[Delivered],
               rejected: Sequence[DeadLetter] = ()) -> BatchOutcome:
        time.sleep(SECONDS_PER_RECORD * len(records))
        return super().handle(records, rejected)


class StandInConsumer:
    """What ``ProjectionConsumer.turn`` uses of kafka-python's client, over a list."""

    def __init__(self, records: Sequence[Delivered]) -> None:
        self.records = list(records)
        self.next = 0
        self.asked: list[int] = []
        self.committed: dict[TopicPartition, int] = {}

    def poll(self, timeout_ms: int, max_records: int) -> dict[TopicPartition, list[Any]]:
        self.asked.append(max_records)
        taken = self.records[self.next:self.next + max_records]
        self.next += len(taken)
        polled: dict[TopicPartition, list[Any]] = {}
        for record in taken:
            polled.setdefault(TopicPartition(record.topic, record.partition), []).append(
                _message_of(record))
        return polled

    def assignment(self) -> set[TopicPartition]:
        return set()

    def commit(self, offsets: dict[TopicPartition, Any]) -> None:
        self.committed.update({partition: meta.offset for partition, meta in offsets.items()})


def _message_of(record: Delivered) -> ConsumerRecord:
    headers = [("event-type", record.event_type.encode()),
               ("notification-id", str(record.notification_id).encode()),
               ("stream-version", str(record.stream_version).encode())]
    return ConsumerRecord(record.topic, record.partition, -1, record.offset, 0, 0,
                          record.stream_id.encode(), record.value, headers, None,
                          len(record.stream_id), len(record.value), -1)


def test_a_slow_batch_makes_the_next_ones_smaller_and_every_event_lands_once(
        sqlite_store: StoreLocation, tmp_path: Path) -> None:
    """At 2 ms a record and a 0.2 s target, the first batch (1,000 records, 2 s) is followed
    by batches of about 100; the view equals the in-process one and every offset is
    committed."""
    expected, head = demo_store(sqlite_store)
    records = relayed_records(sqlite_store.eventsourcing_env())
    database = SQLiteViewDatabase(tmp_path / "views.db")
    try:
        handler = SlowHandler(StockView(database))
        handler.setup()
        consumer = ProjectionConsumer(
            ConsumerSettings(bootstrap_servers="unused:9092", group_id="test.pace"), handler)
        consumer.pacer = BatchPacer(consumer.settings.batch_size_max, target_s=TARGET_S)
        stand_in = StandInConsumer(records)
        durations = []
        while stand_in.next < len(records):
            started = time.perf_counter()
            consumer.turn(stand_in)  # type: ignore[arg-type]  # A stand-in for the client.
            durations.append(time.perf_counter() - started)
        assert stand_in.asked[0] == BATCH_SIZE_START
        assert stand_in.asked[1] <= 1.2 * TARGET_S / SECONDS_PER_RECORD
        assert max(stand_in.asked[1:]) <= 2.5 * TARGET_S / SECONDS_PER_RECORD
        assert durations[0] > 1.0
        assert max(durations[1:]) < 10 * TARGET_S
        assert consumer.applied_total == head
        assert handler.view.dump() == expected["stock"]
        last = {}
        for record in records:
            last[TopicPartition(record.topic, record.partition)] = record.offset + 1
        assert stand_in.committed == last
    finally:
        database.close()


def test_the_collector_is_paused_for_a_turn_only() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyError), collector_paused():
        raise KeyError("a failing turn")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "a collector turned off by the process stays off"
    finally:
        gc.enable()


@pytest.mark.postgres
def test_streams_versions_are_read_by_key_whatever_the_planner_knows(
        postgres_store: StoreLocation) -> None:
    """Never analysed, the table gets the plan of a key probe per stream, also as the generic
    plan of a prepared statement (the plan that read all of the view's rows, comparing each
    with every value of the list, took seconds a batch)."""
    database = PostgresViewDatabase(postgres_conninfo(postgres_store), prefix="pace_")
    try:
        state = ConsumerState(database, "stock")
        state.setup(StockView(database))
        known = {str(uuid.uuid4()): version for version in range(1, 3_001)}
        wanted = [*list(known)[::3], *(str(uuid.uuid4()) for _ in range(500))]
        with database.transaction() as transaction:
            state.save(transaction, known, {})
            assert state.applied_versions(transaction, wanted) == {
                stream_id: known[stream_id] for stream_id in wanted if stream_id in known}
            assert state.applied_versions(transaction, []) == {}
            transaction.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            sql = state.versions_by_key_sql.replace("?::text[]", "$1::text[]").replace(
                "view = ?", "view = $2")
            transaction.execute(f"PREPARE versions_by_key (text[], text) AS {sql}")
            array = "{" + ",".join(wanted) + "}"  # Ids only: nothing to quote.
            plan = "\n".join(str(row[0]) for row in transaction.query(
                f"EXPLAIN EXECUTE versions_by_key('{array}', 'stock')"))
            transaction.execute("DEALLOCATE versions_by_key")
        assert "Index Cond: ((view = $2) AND (stream_id = wanted.stream_id))" in plan, plan
        assert "Filter" not in plan, plan
    finally:
        database.close()
