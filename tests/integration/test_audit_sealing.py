"""Sealed as written: every event is linked into the hash chain by the transaction storing it.

The story: a ledger writes; after every command the chain head is the last event (there is
never an unsealed one). A store written before sealing was on is sealed when a ledger opens
it, whether the old sealer had sealed part of it or not, and its old links and checkpoints
still hold. An event slipped into the events table behind the ledger's back is never
chained, and ``verify`` refuses to call a store with unlinked events verified. Writers
working at the same time, each with its own ledger, never fork the chain.
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

import psycopg
import pytest

from domain import commands as c
from domain.members import MemberKind
from domain.sites import SiteKind
from infra.audit.chain import (
    CHAIN_TABLE,
    POSTGRES_EVENTS_TABLE,
    SQLITE_EVENTS_TABLE,
    Sealer,
    iter_links,
)
from infra.audit.chain_stores import open_chain_store
from infra.audit.checkpoints import generate_key_file, load_private_key, make_checkpoint
from infra.audit.sealing import (
    SealedPostgresApplicationRecorder,
    SealedSQLiteApplicationRecorder,
    SealingError,
)
from infra.audit.verify import VerifyReport, verify
from infra.demo.territory import generate_demo
from infra.ledger.ledger import Ledger
from infra.store import UNSEALED_ENV, StoreLocation, sqlite_location
from tests.audit_export_scenario import build_recall_scenario
from tests.builders import DEMO_END

WRITERS = 4
COMMANDS_PER_WRITER = 30
BARRIER_WAIT_S = 60  # Writers opening their ledgers on two loaded cores: seconds at worst.


def verify_store(location: StoreLocation) -> VerifyReport:
    """``verify`` on a store, through a chain store of its own."""
    chain = open_chain_store(location)
    try:
        return verify(chain)
    finally:
        chain.close()


def execute_sql(location: StoreLocation, statement: str, *params: object) -> None:
    """Raw SQL behind the ledger's back (``?`` placeholders, ``{events}`` for the table)."""
    if location.kind == "postgres":
        with psycopg.connect(host=location.postgres_host, port=location.postgres_port,
                             user=location.postgres_user,
                             dbname=location.postgres_dbname) as connection:
            connection.execute(statement.format(events=POSTGRES_EVENTS_TABLE, id="notification_id")
                               .replace("?", "%s"), params)
        return
    with sqlite3.connect(str(location.sqlite_path)) as connection:
        connection.execute(statement.format(events=SQLITE_EVENTS_TABLE, id="rowid"), params)
    connection.close()


def chain_rows(location: StoreLocation) -> list[tuple[int, int, bytes]]:
    """(notification id, position, link) of every chain row."""
    chain = open_chain_store(location)
    try:
        return [(link.notification_id, link.sequence, link.link) for link in iter_links(chain)]
    finally:
        chain.close()


@pytest.fixture
def unsealed_ledger(store: StoreLocation) -> Iterator[Ledger]:
    """A ledger with eventsourcing's plain recorders: what stores were written with before."""
    ledger = Ledger(store, env=UNSEALED_ENV)
    try:
        yield ledger
    finally:
        ledger.close()


def test_the_ledger_writes_through_a_sealing_recorder(ledger: Ledger) -> None:
    """Both stores get the sealing recorder from the store's environment."""
    assert isinstance(ledger.recorder, SealedSQLiteApplicationRecorder
                      | SealedPostgresApplicationRecorder)


def test_the_sqlite_writer_keeps_the_stores_durability(sqlite_store: StoreLocation) -> None:
    """The recorder's own writer connection commits in WAL mode with ``synchronous=FULL``,
    like every other connection to the store (the write benchmark's baseline uses both)."""
    ledger = Ledger(sqlite_store)
    try:
        ledger.execute(c.FoundCooperative(command_id="found", name="Coop",
                                          coordinator_name="Réseau"))
        recorder = ledger.recorder
        assert isinstance(recorder, SealedSQLiteApplicationRecorder)
        writer = recorder._writer
        assert writer is not None
        assert writer.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert writer.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL.
    finally:
        ledger.close()


def test_the_head_is_read_without_waiting_for_a_write(sqlite_store: StoreLocation) -> None:
    """While a write holds the writer connection, the head is read through the pool."""
    ledger = Ledger(sqlite_store)
    try:
        ledger.execute(c.FoundCooperative(command_id="found", name="Coop",
                                          coordinator_name="Réseau"))
        recorder = ledger.recorder
        assert isinstance(recorder, SealedSQLiteApplicationRecorder)
        last = recorder.max_notification_id()
        assert last > 0
        with recorder._writer_lock:  # Another thread's write under way.
            assert recorder.max_notification_id() == last
    finally:
        ledger.close()


def test_no_event_exists_unsealed_even_between_commands(ledger: Ledger) -> None:
    """After each command the chain head is the last stored event; verify checks them all."""
    assert ledger.location is not None
    chain = open_chain_store(ledger.location)
    try:
        coordinator = ledger.execute(c.FoundCooperative(
            command_id="found", name="Coop", coordinator_name="Réseau")).stream_id
        for number in range(5):
            ledger.execute(c.RegisterMember(command_id=f"member-{number}", actor_id=coordinator,
                                            name=f"Jardin {number}", kind=MemberKind.PRODUCER))
            head = chain.head()
            assert head is not None
            assert head.notification_id == ledger.recorder.max_notification_id()
            assert head.sequence == head.notification_id
        report = verify(chain)
    finally:
        chain.close()
    assert report.ok, report.describe()
    assert report.sealed_checked == report.events_read == ledger.recorder.max_notification_id()
    assert report.unsealed == 0
    assert report.sealed_as_written_since == 1


def test_a_rolled_back_command_leaves_no_link(ledger: Ledger) -> None:
    """A command colliding on save rolls its links back with its events; the chain stays whole."""
    coordinator = ledger.execute(c.FoundCooperative(
        command_id="found", name="Coop", coordinator_name="Réseau")).stream_id
    register = c.RegisterMember(command_id="once", actor_id=coordinator, name="Jardin",
                                kind=MemberKind.PRODUCER)
    ledger.execute(register)
    # The replay collides on its command record when saved (a rolled-back insert, which
    # uses up notification ids on PostgreSQL), then answers as before.
    assert ledger.execute(register).replayed
    ledger.execute(c.RegisterMember(command_id="after", actor_id=coordinator, name="Verger",
                                    kind=MemberKind.PRODUCER))
    assert ledger.location is not None
    rows = chain_rows(ledger.location)
    assert [sequence for _, sequence, _ in rows] == list(range(1, len(rows) + 1))
    report = verify_store(ledger.location)
    assert report.ok, report.describe()
    assert report.sealed_checked == report.events_read == len(rows)


def test_a_store_never_sealed_is_sealed_when_a_ledger_opens_it(
        store: StoreLocation, unsealed_ledger: Ledger) -> None:
    """Events written before sealing was on fail verify, then are caught up at open."""
    build_recall_scenario(unsealed_ledger)
    total = unsealed_ledger.recorder.max_notification_id()
    before = verify_store(store)
    assert not before.ok
    assert before.finding is not None
    assert before.finding.problem == "unsealed"
    assert before.finding.notification_id == 1
    assert before.unsealed == total
    assert f"{total} events from here on have no link" in before.finding.detail
    assert "NOT VERIFIED" in before.describe()
    Ledger(store).close()
    after = verify_store(store)
    assert after.ok, after.describe()
    assert after.sealed_checked == total
    assert after.sealed_as_written_since == total + 1


def test_a_store_sealed_by_the_old_sealer_continues(store: StoreLocation,
                                                    unsealed_ledger: Ledger,
                                                    tmp_path: Path) -> None:
    """Old links are kept as they are, the backlog after them sealed, old checkpoints hold."""
    scenario = build_recall_scenario(unsealed_ledger)
    chain = open_chain_store(store)
    try:
        assert Sealer(chain).seal() == unsealed_ledger.recorder.max_notification_id()
        generate_key_file(tmp_path / "key.pem")
        old_checkpoint = make_checkpoint(chain, load_private_key(tmp_path / "key.pem"))
    finally:
        chain.close()
    old_links = chain_rows(store)
    for number in range(3):  # Stored after the old sealer's last run: not sealed yet.
        unsealed_ledger.execute(c.RegisterMember(
            command_id=f"late-{number}", actor_id=scenario.coordinator, name=f"Tard {number}",
            kind=MemberKind.OUTLET))
    backlog = unsealed_ledger.recorder.max_notification_id() - len(old_links)
    assert verify_store(store).unsealed == backlog > 0
    ledger = Ledger(store)
    try:
        ledger.execute(c.RegisterMember(command_id="sealed-1", actor_id=scenario.coordinator,
                                        name="Scellé", kind=MemberKind.OUTLET))
        total = ledger.recorder.max_notification_id()
    finally:
        ledger.close()
    assert chain_rows(store)[:len(old_links)] == old_links
    chain = open_chain_store(store)
    try:
        report = verify(chain, [(tmp_path / "old.json", old_checkpoint)])
    finally:
        chain.close()
    assert report.ok, report.describe()
    assert report.sealed_checked == report.events_read == total
    assert [check.matched for check in report.checkpoints] == [True]
    assert report.sealed_as_written_since == len(old_links) + backlog + 1


def _copy_of_last_event(store: StoreLocation) -> None:
    """Insert, by raw SQL, a copy of the last event under a new version of its stream."""
    execute_sql(store, "INSERT INTO {events} (originator_id, originator_version, topic, state) "
                       "SELECT originator_id, originator_version + 1000, topic, state "
                       "FROM {events} ORDER BY {id} DESC LIMIT 1")


def test_an_event_slipped_in_behind_the_ledger_is_never_chained(ledger: Ledger) -> None:
    """A forged tail event fails verify as unsealed; later writes leave it out of the chain."""
    scenario = build_recall_scenario(ledger)
    assert ledger.location is not None
    _copy_of_last_event(ledger.location)
    forged = ledger.recorder.max_notification_id()
    report = verify_store(ledger.location)
    assert not report.ok
    assert report.finding is not None
    assert (report.finding.problem, report.finding.notification_id) == ("unsealed", forged)
    ledger.execute(c.RegisterMember(command_id="after-forgery", actor_id=scenario.coordinator,
                                    name="Honnête", kind=MemberKind.OUTLET))
    report = verify_store(ledger.location)
    assert report.finding is not None
    assert (report.finding.problem, report.finding.notification_id) == ("unsealed_insert",
                                                                        forged)
    assert forged not in [notification_id for notification_id, _, _
                          in chain_rows(ledger.location)]


def test_a_store_cut_below_its_chain_head_refuses_to_write(sqlite_store: StoreLocation) -> None:
    """SQLite would reuse the ids of deleted last events: the ledger refuses to chain them."""
    ledger = Ledger(sqlite_store)
    try:
        scenario = build_recall_scenario(ledger)
        last = ledger.recorder.max_notification_id()
        execute_sql(sqlite_store, "DELETE FROM {events} WHERE {id} > ?", last - 3)
        with pytest.raises(SealingError, match="deleted from the end of the store"):
            ledger.execute(c.RegisterMember(command_id="after-cut", actor_id=scenario.coordinator,
                                            name="Trop tard", kind=MemberKind.OUTLET))
    finally:
        ledger.close()
    report = verify_store(sqlite_store)
    assert report.finding is not None
    assert (report.finding.problem, report.finding.notification_id) == ("missing", last - 2)


def test_concurrent_writers_never_fork_the_chain(store: StoreLocation) -> None:
    """Writers in threads, each with its own ledger and connections, one chain in the end."""
    setup = Ledger(store)
    try:
        coordinator = setup.execute(c.FoundCooperative(
            command_id="found", name="Coop", coordinator_name="Réseau")).stream_id
        producers = [setup.execute(c.RegisterMember(
            command_id=f"producer-{number}", actor_id=coordinator, name=f"Jardin {number}",
            kind=MemberKind.PRODUCER)).stream_id for number in range(WRITERS)]
        setup.execute(c.RegisterSite(command_id="site", actor_id=coordinator, name="Entrepôt",
                                     kind=SiteKind.WAREHOUSE, operator_id=producers[0]))
    finally:
        setup.close()
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def write(producer: UUID, number: int) -> None:
        try:
            ledger = Ledger(store)
        except BaseException as error:
            failures.append(error)
            start.abort()
            return
        try:
            start.wait(BARRIER_WAIT_S)
            for index in range(COMMANDS_PER_WRITER):
                command = c.OfferLot(
                    command_id=f"offer-{number}-{index}", actor_id=producer, product="carotte",
                    quantity_g=10_000, price_cents_per_kg=180, harvest_date=date(2026, 3, 2),
                    best_before=date(2026, 3, 20), organic_certificate="FR-BIO-01")
                if index % 3 == 2:  # Batches too: several commands in one transaction.
                    ledger.execute_batch([command, c.OfferLot(
                        command_id=f"offer-{number}-{index}-b", actor_id=producer,
                        product="poireau", quantity_g=5_000, price_cents_per_kg=220,
                        harvest_date=date(2026, 3, 2), best_before=date(2026, 3, 20),
                        organic_certificate="FR-BIO-01")])
                else:
                    ledger.execute(command)
        except BaseException as error:  # Reported to the test thread below.
            failures.append(error)
        finally:
            ledger.close()

    threads = [threading.Thread(target=write, args=(producer, number))
               for number, producer in enumerate(producers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    rows = chain_rows(store)
    assert [sequence for _, sequence, _ in rows] == list(range(1, len(rows) + 1))
    assert len({link for _, _, link in rows}) == len(rows)
    report = verify_store(store)
    assert report.ok, report.describe()
    assert report.sealed_checked == report.events_read == len(rows)
    offers = WRITERS * (COMMANDS_PER_WRITER + COMMANDS_PER_WRITER // 3)
    assert len(rows) >= 3 * offers  # Each offer: the lot, its code claim, its record.


def test_the_demo_store_verifies_green_with_every_event_checked(ledger: Ledger) -> None:
    """The demo territory, as make demo seeds it (two weeks here), verifies in full."""
    generate_demo(ledger, weeks=2, seed=7, end=DEMO_END)
    assert ledger.location is not None
    report = verify_store(ledger.location)
    assert report.ok, report.describe()
    assert report.unsealed == 0
    assert report.sealed_checked == report.events_read == ledger.recorder.max_notification_id()
    assert report.sealed_as_written_since == 1


def test_chain_table_is_beside_the_events(ledger: Ledger) -> None:
    """The links live in event_chain in the store's own database (one transaction with them)."""
    ledger.execute(c.FoundCooperative(command_id="found", name="Coop",
                                      coordinator_name="Réseau"))
    assert ledger.location is not None
    if ledger.location.kind == "sqlite":
        with sqlite3.connect(str(ledger.location.sqlite_path)) as connection:
            count = connection.execute(f"SELECT COUNT(*) FROM {CHAIN_TABLE}").fetchone()[0]
        connection.close()
    else:
        with psycopg.connect(host=ledger.location.postgres_host,
                             dbname=ledger.location.postgres_dbname,
                             user=ledger.location.postgres_user) as connection:
            found = connection.execute(f"SELECT COUNT(*) FROM {CHAIN_TABLE}").fetchone()
            assert found is not None
            count = found[0]
    assert count == ledger.recorder.max_notification_id()


def test_a_store_written_by_the_code_before_sealing_is_sealed_when_opened(
        tmp_path: Path) -> None:
    """The kept store of commit 713efed: unsealed, so not verified; opened, then all checked."""
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "store_before_service_layer"
    path = tmp_path / "store.db"
    with gzip.open(fixture / "store.db.gz") as packed, path.open("wb") as unpacked:
        shutil.copyfileobj(packed, unpacked)
    location = sqlite_location(path)
    before = verify_store(location)
    assert not before.ok
    assert before.finding is not None
    assert before.finding.problem == "unsealed"
    assert before.unsealed == before.events_read > 0
    Ledger(location).close()
    after = verify_store(location)
    assert after.ok, after.describe()
    assert after.sealed_checked == after.events_read == before.events_read
    assert after.sealed_as_written_since == before.events_read + 1
