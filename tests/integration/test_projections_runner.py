"""The projection runner: batches that are all-or-nothing, a position that survives crashes.

A runner stopped between batches, a batch that fails after writing its rows but before
committing, a process killed with SIGKILL inside a batch's transaction, and two runners
feeding the same view all end with views equal row for row to a reference built in one go:
no event applied twice or skipped. Also: following in the background, read-your-writes,
position and lag, a clean stop, and rebuilds forced by a schema or store change. On SQLite
and PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain import commands as c
from infra.demo.territory import generate_demo
from infra.ledger.ledger import Ledger
from infra.projections_wiring import (
    VIEW_NAMES,
    LedgerProjections,
    open_projections,
    postgres_conninfo,
    views_path,
)
from infra.store import StoreLocation, sqlite_location
from projections.runner import ProjectionRunner
from projections.stock import StockView
from projections.view_store import (
    PostgresViewDatabase,
    Row,
    SQLiteViewDatabase,
    ViewDatabase,
)
from tests.builders import DEMO_END, found_territory
from tests.conftest import create_postgres_database, drop_postgres_database

SMALL_BATCH = 37  # An odd size, so batch boundaries fall inside commands' event groups.
DEMO_WEEKS = 2
WITH_GOVERNANCE = True  # See tests/integration/test_projections_rebuild.py.


class Crash(Exception):
    """Raised inside a batch to simulate a failure before commit."""


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def demo_store(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreLocation]:
    """A store holding two weeks of the demo, shared by this module's read-only tests."""
    if request.param == "sqlite":
        location = sqlite_location(tmp_path_factory.mktemp("runner") / "ledger.db")
    else:
        location = create_postgres_database()
    ledger = Ledger(location)
    generate_demo(ledger, weeks=DEMO_WEEKS, seed=3, with_governance=WITH_GOVERNANCE,
                  end=DEMO_END)
    ledger.close()
    try:
        yield location
    finally:
        if location.kind == "postgres":
            drop_postgres_database(location)


_prefixes = iter(range(1_000_000))


def fresh_database(location: StoreLocation, tmp_path: Path) -> ViewDatabase:
    """An empty view database for ``location`` (a new file, or a new table prefix)."""
    number = next(_prefixes)
    if location.kind == "sqlite":
        return SQLiteViewDatabase(tmp_path / f"views-{number}.db")
    return PostgresViewDatabase(postgres_conninfo(location), prefix=f"t{number}_")


def dumps(projections: LedgerProjections) -> dict[str, dict[str, list[Row]]]:
    """Every view's rows."""
    return {name: view.dump() for name, view in projections.runner.views.items()}


@pytest.fixture
def ledger(demo_store: StoreLocation) -> Iterator[Ledger]:
    """The demo ledger."""
    app = Ledger(demo_store)
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def reference(ledger: Ledger, demo_store: StoreLocation,
              tmp_path: Path) -> dict[str, dict[str, list[Row]]]:
    """The views built in one catch-up with the default batch size."""
    projections = open_projections(ledger, database=fresh_database(demo_store, tmp_path))
    try:
        projections.catch_up()
        return dumps(projections)
    finally:
        projections.close()


def test_stopping_between_batches_and_resuming_builds_the_same_views(
        ledger: Ledger, demo_store: StoreLocation, tmp_path: Path,
        reference: dict[str, dict[str, list[Row]]]) -> None:
    """Three batches, stop, a new runner resumes from the stored position: same rows."""
    database = fresh_database(demo_store, tmp_path)
    first = open_projections(ledger, database=database, batch_size=SMALL_BATCH)
    first.runner.catch_up(batches_max=3)
    stopped_at = first.runner.positions()
    assert all(0 < position < ledger.recorder.max_notification_id()
               for name, position in stopped_at.items() if name != "balances")
    first.close()
    database = type(database)(*_database_arguments(database))
    second = open_projections(ledger, database=database, batch_size=SMALL_BATCH)
    assert second.runner.positions() == stopped_at
    second.catch_up()
    assert dumps(second) == reference
    second.close()


def _database_arguments(database: ViewDatabase) -> tuple[Any, ...]:
    if isinstance(database, SQLiteViewDatabase):
        return (database.path, database.prefix)
    assert isinstance(database, PostgresViewDatabase)
    return (database.conninfo, database.prefix)


def test_a_batch_failing_before_commit_leaves_no_trace(
        ledger: Ledger, demo_store: StoreLocation, tmp_path: Path,
        reference: dict[str, dict[str, list[Row]]]) -> None:
    """The fifth batch writes its rows, then fails: rows and position roll back; resume."""
    batches = 0

    def crash_on_fifth(name: str, position: int) -> None:
        nonlocal batches
        del name, position
        batches += 1
        if batches == 5:
            raise Crash

    database = fresh_database(demo_store, tmp_path)
    projections = open_projections(ledger, database=database, names=["stock"],
                                   batch_size=SMALL_BATCH, before_commit=crash_on_fifth)
    projections.runner.catch_up(batches_max=4)
    before = dumps(projections)
    position = projections.runner.positions()["stock"]
    with pytest.raises(Crash):
        projections.runner.process_batch("stock")
    assert dumps(projections) == before
    assert projections.runner.stored_position("stock") == position
    assert projections.runner.positions()["stock"] == position
    projections.catch_up()
    assert dumps(projections)["stock"] == reference["stock"]
    projections.close()


KILLER = textwrap.dedent("""
    import os, signal, sys
    from infra.ledger.ledger import Ledger
    from infra.projections_wiring import open_projections
    from infra.store import parse_database_url
    batches = 0
    def kill_on_sixth(name, position):
        global batches
        batches += 1
        if batches == 6:
            os.kill(os.getpid(), signal.SIGKILL)
    ledger = Ledger(parse_database_url(sys.argv[1]))
    projections = open_projections(ledger, batch_size=int(sys.argv[2]),
                                   before_commit=kill_on_sixth)
    projections.catch_up()
""")


def test_a_runner_killed_inside_a_transaction_resumes_exactly(
        demo_store: StoreLocation, tmp_path: Path) -> None:
    """SIGKILL in the sixth batch's transaction: five batches stay, the sixth vanishes."""
    if demo_store.kind == "sqlite":
        assert demo_store.sqlite_path is not None
        store = sqlite_location(tmp_path / "copy.db")
        ledger = Ledger(demo_store)
        copy = Ledger(store)
        for notification_batch in _all_notifications(ledger):
            copy.recorder.insert_events(notification_batch)
        ledger.close()
        copy.close()
        url = f"sqlite:///{store.sqlite_path}"
    else:
        store = demo_store
        url = f"postgresql://{store.postgres_user}@{store.postgres_host}:" \
              f"{store.postgres_port}/{store.postgres_dbname}"
    ledger = Ledger(store)
    database = _default_database(store)
    _drop_views(database)
    completed = subprocess.run([sys.executable, "-c", KILLER, url, str(SMALL_BATCH)],
                               check=False, capture_output=True, text=True, timeout=120,
                               env={**os.environ, "COCAGNE_LOG_LEVEL": "warning"})
    assert completed.returncode == -signal.SIGKILL, completed.stderr
    projections = open_projections(ledger, database=database, batch_size=SMALL_BATCH)
    positions = projections.runner.positions()
    assert positions["stock"] > 0, "the stock view committed its first five batches"
    assert positions["trace"] == 0, "the trace view had not started when the process died"
    projections.catch_up()
    reference = open_projections(ledger, database=fresh_database(store, tmp_path))
    reference.catch_up()
    assert dumps(projections) == dumps(reference)
    reference.close()
    projections.close()
    ledger.close()


def _all_notifications(ledger: Ledger) -> Iterator[list[Any]]:
    from eventsourcing.persistence import StoredEvent  # noqa: PLC0415

    position = 1
    while True:
        notifications = ledger.recorder.select_notifications(position, 1_000)
        if not notifications:
            return
        yield [StoredEvent(originator_id=n.originator_id,
                           originator_version=n.originator_version, topic=n.topic,
                           state=n.state) for n in notifications]
        position = notifications[-1].id + 1


def _default_database(store: StoreLocation) -> ViewDatabase:
    if store.kind == "sqlite":
        assert store.sqlite_path is not None
        return SQLiteViewDatabase(views_path(store.sqlite_path))
    return PostgresViewDatabase(postgres_conninfo(store))


def _drop_views(database: ViewDatabase) -> None:
    with database.transaction() as transaction:
        for name in database.table_names():
            transaction.execute(f"DROP TABLE {name}")


def test_two_runners_feeding_one_view_never_double_count(
        ledger: Ledger, demo_store: StoreLocation, tmp_path: Path,
        reference: dict[str, dict[str, list[Row]]]) -> None:
    """Two runners alternate on the same view tables: each batch checks the position first."""
    database = fresh_database(demo_store, tmp_path)
    first = ProjectionRunner(ledger.recorder, database, [StockView(database)],
                             batch_size=SMALL_BATCH)
    second_database = type(database)(*_database_arguments(database))
    second = ProjectionRunner(ledger.recorder, second_database, [StockView(second_database)],
                              batch_size=SMALL_BATCH * 2)
    for _ in range(10_000):
        progressed = first.process_batch("stock")
        progressed = second.process_batch("stock") if progressed is not None else None
        if progressed is None and first.process_batch("stock") is None:
            break
    assert StockView(database).dump() == reference["stock"]
    database.close()
    second_database.close()


def test_follow_mode_gives_read_your_writes_and_stops_cleanly(store: StoreLocation) -> None:
    """A query right after a command, waiting for its notification id, sees its effect."""
    ledger = Ledger(store)
    projections = open_projections(ledger, follow=True)
    try:
        territory = found_territory(ledger)
        lot_id = territory.stocked_lot(80_000)
        result = territory.reserve(lot_id, 30_000)
        assert result.notification_id is not None
        assert projections.wait_for(result.notification_id, timeout_s=5)
        [line] = projections.stock.lines()
        assert (line.on_hand_g, line.reserved_g, line.available_g) == (80_000, 30_000, 50_000)
        assert projections.runner.lags() == dict.fromkeys(VIEW_NAMES, 0)
        assert projections.runner.positions()["stock"] >= result.notification_id
        projections.stop()
        assert not projections.runner.following
        release = ledger.execute(c.ReleaseReservation(
            command_id="release-1", actor_id=territory.platform_id, lot_id=lot_id,
            outlet_id=territory.outlet_id, quantity_g=30_000, reason="round adjusted"))
        assert projections.runner.lags()["stock"] > 0
        assert projections.wait_for(release.notification_id, timeout_s=5)
        [line] = projections.stock.lines()
        assert line.reserved_g == 0
        assert projections.wait_for(None, timeout_s=0)
        assert not projections.wait_for(10**9, timeout_s=0.05)
    finally:
        projections.close()
        ledger.close()


def test_a_changed_schema_version_rebuilds_the_view(
        ledger: Ledger, demo_store: StoreLocation, tmp_path: Path,
        reference: dict[str, dict[str, list[Row]]]) -> None:
    """A view whose tables changed shape is rebuilt from zero when the runner starts."""
    database = fresh_database(demo_store, tmp_path)
    projections = open_projections(ledger, database=database, names=["stock"])
    projections.catch_up()
    with database.transaction() as transaction:
        transaction.execute(f"UPDATE {database.table('tracking')} SET schema_version = 0")
        transaction.execute(f"DELETE FROM {database.table('stock_lots')}")
    projections.close()
    database = type(database)(*_database_arguments(database))
    restarted = open_projections(ledger, database=database, names=["stock"])
    assert restarted.runner.positions() == {"stock": 0}
    restarted.catch_up()
    assert dumps(restarted)["stock"] == reference["stock"]
    restarted.close()


def test_views_of_another_store_are_rebuilt_not_trusted(tmp_path: Path) -> None:
    """A views file left from an earlier store (demo regenerated) is rebuilt from zero."""
    store = sqlite_location(tmp_path / "ledger.db")
    ledger = Ledger(store)
    found_territory(ledger).stocked_lot(10_000)
    projections = open_projections(ledger)
    projections.catch_up()
    assert len(projections.stock.lines()) == 1
    projections.close()
    ledger.close()
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"ledger.db{suffix}").unlink(missing_ok=True)
    ledger = Ledger(store)
    found_territory(ledger)
    projections = open_projections(ledger)
    assert projections.runner.positions() == dict.fromkeys(VIEW_NAMES, 0)
    projections.catch_up()
    assert projections.stock.lines() == []
    projections.close()
    ledger.close()
