"""Catching up fast without losing the group: batches bounded by time, streams looked up by key.

On the Tansu broker: a consumer whose batches are slow asks for smaller ones, and still
applies every event once; the collector is paused for a turn only. On PostgreSQL,
the streams' versions are read by a probe of the primary key per stream whatever the
planner knows of the table, even under the generic plan psycopg's prepared statements get.
"""

from __future__ import annotations

import gc
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest

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
from consumers.projection_consumer.pace import BatchPacer
from infra.projections_wiring import postgres_conninfo
from infra.store import StoreLocation
from projections.stock import StockView
from projections.view_store import PostgresViewDatabase, SQLiteViewDatabase
from tests.integration.kafka.test_consumers import (
    demo_store,
    relay_catch_up,
    running,
    wait_for_views,
)

SECONDS_PER_RECORD = 0.002  # The slow handler's pace: 100 records take 0.2 s.
TARGET_S = 0.2


class SlowHandler(ProjectionHandler):
    """The stock view's handler, slowed down in proportion to the records of a batch."""

    def handle(self, records: Sequence[Delivered],
               rejected: Sequence[DeadLetter] = ()) -> BatchOutcome:
        time.sleep(SECONDS_PER_RECORD * len(records))
        return super().handle(records, rejected)


@pytest.mark.kafka
def test_a_slow_batch_makes_the_next_ones_smaller_and_every_event_lands_once(
        sqlite_store: StoreLocation, kafka_bootstrap_servers: str, tmp_path: Path) -> None:
    """On the broker, at 2 ms a record and a 0.2 s target: the first batch (up to 1,000
    records, up to 2 s) is followed by batches of about 100; the view equals the in-process
    one and every event is applied once."""
    expected, head = demo_store(sqlite_store)
    assert relay_catch_up(sqlite_store.eventsourcing_env(), kafka_bootstrap_servers) == head
    database = SQLiteViewDatabase(tmp_path / "views.db")
    try:
        consumer = ProjectionConsumer(
            ConsumerSettings(bootstrap_servers=kafka_bootstrap_servers, group_id="test.pace",
                             client_id="test-pace"),
            SlowHandler(StockView(database)))
        consumer.pacer = BatchPacer(consumer.settings.batch_size_max, target_s=TARGET_S)
        batches: list[tuple[int, float]] = []
        started = [time.perf_counter()]

        def timed(outcome: BatchOutcome) -> None:
            now = time.perf_counter()
            batches.append((outcome.records, now - started[0]))
            started[0] = now

        consumer.on_batch = timed
        with running([consumer]):
            wait_for_views({"stock": consumer.handler.view}, {"stock": expected["stock"]})
        assert consumer.applied_total == head
        assert consumer.duplicates_total + consumer.gaps_total == 0
        sizes = [records for records, _ in batches]
        slow = next(index for index, (records, _) in enumerate(batches)
                    if records * SECONDS_PER_RECORD > TARGET_S)
        # After a slow batch, no batch asks for more than the target's worth of records
        # (the pace measured includes the database work, so a little under 100).
        assert max(sizes[slow + 1:], default=0) <= 1.2 * TARGET_S / SECONDS_PER_RECORD, sizes
        assert sum(sizes) >= head, sizes
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
