"""The hash chain: sealed history verifies; every kind of tampering is named, on both stores.

Each test writes the recall story (sealed as it is written), then edits the database behind
the ledger's back, as someone with database access could, and checks that ``verify`` names the first
event that no longer matches: its notification id, stream id, version and topic.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.audit.chain import (
    GENESIS_LINK,
    POSTGRES_EVENTS_TABLE,
    SQLITE_EVENTS_TABLE,
    ChainError,
    ChainStore,
    Sealer,
    StoredRow,
    chain_rows,
    compute_link,
    link_rows,
)
from infra.audit.chain_stores import open_chain_store
from infra.audit.checkpoints import generate_key_file, load_private_key, make_checkpoint
from infra.audit.verify import verify
from infra.ledger.ledger import Ledger
from infra.store import StoreLocation
from tests.audit_export_scenario import build_recall_scenario


class Database:
    """Raw SQL on the event store, as an intruder with database access would write it."""

    def __init__(self, location: StoreLocation) -> None:
        self.location = location
        self.postgres = location.kind == "postgres"
        self.events = POSTGRES_EVENTS_TABLE if self.postgres else SQLITE_EVENTS_TABLE
        self.id = "notification_id" if self.postgres else "rowid"

    def _sql(self, statement: str) -> str:
        statement = statement.format(events=self.events, id=self.id)
        return statement.replace("?", "%s") if self.postgres else statement

    def execute(self, statement: str, *params: Any) -> None:
        """Run one statement and commit."""
        if self.postgres:
            with psycopg.connect(host=self.location.postgres_host,
                                 port=self.location.postgres_port,
                                 user=self.location.postgres_user,
                                 dbname=self.location.postgres_dbname) as connection:
                connection.execute(self._sql(statement), params)
            return
        with sqlite3.connect(str(self.location.sqlite_path)) as connection:
            connection.execute(self._sql(statement), params)
        connection.close()

    def row(self, notification_id: int) -> tuple[str, int, str]:
        """Stream id, version and topic of one stored event."""
        found = self._one("SELECT originator_id, originator_version, topic FROM {events} "
                          "WHERE {id} = ?", notification_id)
        stream = found[0] if isinstance(found[0], UUID) else UUID(hex=found[0])
        return str(stream), found[1], found[2]

    def state(self, notification_id: int) -> bytes:
        """The stored bytes of one event."""
        return bytes(self._one("SELECT state FROM {events} WHERE {id} = ?", notification_id)[0])

    def _one(self, statement: str, notification_id: int) -> Any:
        statement = self._sql(statement)
        if self.postgres:
            with psycopg.connect(host=self.location.postgres_host,
                                 port=self.location.postgres_port,
                                 user=self.location.postgres_user,
                                 dbname=self.location.postgres_dbname) as connection:
                found = connection.execute(statement, (notification_id,)).fetchone()
        else:
            with sqlite3.connect(str(self.location.sqlite_path)) as connection:
                found = connection.execute(statement, (notification_id,)).fetchone()
            connection.close()
        assert found is not None
        return found


@dataclass
class Sealed:
    """A sealed store and the means to tamper with it."""

    ledger: Ledger
    chain: ChainStore
    database: Database
    last_id: int


@pytest.fixture
def sealed(store: StoreLocation) -> Iterator[Sealed]:
    """The recall story written (and so sealed), on SQLite and on PostgreSQL."""
    ledger = Ledger(store)
    build_recall_scenario(ledger)
    chain = open_chain_store(store)
    assert Sealer(chain).seal() == 0  # Nothing left for the old sealer: sealed as written.
    try:
        yield Sealed(ledger, chain, Database(store), ledger.recorder.max_notification_id())
    finally:
        chain.close()
        ledger.close()


def assert_names(finding: Any, database_row: tuple[str, int, str], notification_id: int) -> None:
    """The finding names exactly that stored event."""
    assert finding is not None
    assert finding.notification_id == notification_id
    assert (finding.stream_id, finding.version, finding.topic) == database_row


def test_untouched_store_verifies(sealed: Sealed) -> None:
    """No false alarm: an untouched store verifies, and new events are sealed as written."""
    report = verify(sealed.chain)
    assert report.ok, report.describe()
    assert report.sealed_checked == sealed.last_id == report.events_read
    assert report.unsealed == 0
    assert Sealer(sealed.chain).seal() == 0
    build_recall_scenario_more(sealed.ledger)
    later = verify(sealed.chain)
    assert later.ok, later.describe()
    assert later.unsealed == 0
    assert later.sealed_checked == sealed.ledger.recorder.max_notification_id()
    assert Sealer(sealed.chain).seal() == 0


def build_recall_scenario_more(ledger: Ledger) -> None:
    """A few more events after sealing."""
    from domain import commands as c  # noqa: PLC0415
    from domain.members import MemberKind  # noqa: PLC0415

    coordinator = next(member_id for member_id, party in _members(ledger).items()
                       if party == "Réseau")
    for index in range(3):
        ledger.execute(c.RegisterMember(command_id=f"late-{index}", actor_id=coordinator,
                                        name=f"Late {index}", kind=MemberKind.OUTLET))


def _members(ledger: Ledger) -> dict[UUID, str]:
    from infra.exports.history import load_history  # noqa: PLC0415

    return {member_id: party.name for member_id, party in load_history(ledger).members.items()}


def test_changed_bytes_are_named(sealed: Sealed) -> None:
    """One byte of one event's stored state changed: that event is named."""
    target = 40
    identity = sealed.database.row(target)
    if sealed.database.postgres:
        sealed.database.execute("UPDATE {events} SET state = set_byte(state, length(state) - 1, "
                                "(get_byte(state, length(state) - 1) + 1) %% 256) WHERE {id} = ?",
                                target)
    else:
        sealed.database.execute("UPDATE {events} SET state = CAST(state || X'00' AS BLOB) "
                                "WHERE {id} = ?", target)
    report = verify(sealed.chain)
    assert not report.ok
    assert report.finding is not None
    assert report.finding.problem == "changed"
    assert_names(report.finding, identity, target)


def test_deleted_event_is_named(sealed: Sealed) -> None:
    """One event deleted from the middle: the deleted event is named from its chain row."""
    target = 30
    identity = sealed.database.row(target)
    sealed.database.execute("DELETE FROM {events} WHERE {id} = ?", target)
    report = verify(sealed.chain)
    assert report.finding is not None
    assert report.finding.problem == "missing"
    assert_names(report.finding, identity, target)


def test_swapped_events_are_named(sealed: Sealed) -> None:
    """Two events' states swapped (reordered history): the first of them is named."""
    first, second = 20, 50
    identity = sealed.database.row(first)
    first_state, second_state = sealed.database.state(first), sealed.database.state(second)
    sealed.database.execute("UPDATE {events} SET state = ? WHERE {id} = ?", second_state, first)
    sealed.database.execute("UPDATE {events} SET state = ? WHERE {id} = ?", first_state, second)
    report = verify(sealed.chain)
    assert report.finding is not None
    assert report.finding.problem == "changed"
    assert_names(report.finding, identity, first)
    assert "swapped" in report.finding.detail
    second_stream, second_version, _ = sealed.database.row(second)
    assert f"stream {second_stream} version {second_version}" in report.finding.detail


def test_truncated_tail_is_named(sealed: Sealed) -> None:
    """The last events cut off: the first missing one is named."""
    cut = sealed.last_id - 10
    identity = sealed.database.row(cut + 1)
    sealed.database.execute("DELETE FROM {events} WHERE {id} > ?", cut)
    report = verify(sealed.chain)
    assert report.finding is not None
    assert report.finding.problem == "missing"
    assert_names(report.finding, identity, cut + 1)
    assert "truncated" in report.finding.detail


def test_changed_topic_is_named(sealed: Sealed) -> None:
    """An event relabelled with another topic: named, and its sealed topic is given."""
    target = 45
    stream, version, topic = sealed.database.row(target)
    sealed.database.execute("UPDATE {events} SET topic = ? WHERE {id} = ?", "lot.lost", target)
    report = verify(sealed.chain)
    assert_names(report.finding, (stream, version, "lot.lost"), target)
    assert report.finding is not None
    assert f"topic {topic}" in report.finding.detail


def test_removed_link_reports_an_unsealed_insert(sealed: Sealed) -> None:
    """An event inside the sealed range without a link is reported as inserted."""
    target = 35
    identity = sealed.database.row(target)
    sealed.database.execute("DELETE FROM event_chain WHERE notification_id = ?", target)
    report = verify(sealed.chain)
    assert report.finding is not None
    assert report.finding.problem == "unsealed_insert"
    assert_names(report.finding, identity, target)


def test_truncation_with_its_chain_rows_is_caught_by_a_checkpoint(
        sealed: Sealed, tmp_path: Path) -> None:
    """Cutting events and links alike fools the table, not a kept checkpoint."""
    generate_key_file(tmp_path / "key.pem")
    checkpoint = make_checkpoint(sealed.chain, load_private_key(tmp_path / "key.pem"))
    cut = sealed.last_id - 12
    sealed.database.execute("DELETE FROM {events} WHERE {id} > ?", cut)
    sealed.database.execute("DELETE FROM event_chain WHERE notification_id > ?", cut)
    assert verify(sealed.chain).ok  # The table alone cannot tell: that is what checkpoints are for.
    report = verify(sealed.chain, [(tmp_path / "checkpoint.json", checkpoint)])
    assert report.finding is not None
    assert report.finding.problem == "truncated"
    assert report.finding.notification_id == cut + 1
    assert f"store ends at notification {cut}" in report.finding.detail
    assert [check.matched for check in report.checkpoints] == [False]


def test_rewritten_history_and_chain_are_caught_by_a_checkpoint(
        sealed: Sealed, tmp_path: Path) -> None:
    """Editing an event and resealing the whole chain does not reproduce a kept checkpoint."""
    generate_key_file(tmp_path / "key.pem")
    key = load_private_key(tmp_path / "key.pem")
    early = Path("early.json")
    sealed.database.execute("DELETE FROM event_chain WHERE notification_id > ?", 20)
    early_checkpoint = make_checkpoint(sealed.chain, key)
    Sealer(sealed.chain).seal()
    checkpoint = make_checkpoint(sealed.chain, key)
    sealed.database.execute("UPDATE {events} SET topic = ? WHERE {id} = ?", "lot.lost", 40)
    sealed.database.execute("DELETE FROM event_chain")
    Sealer(sealed.chain).seal()
    assert verify(sealed.chain).ok
    report = verify(sealed.chain, [(Path("late.json"), checkpoint), (early, early_checkpoint)])
    assert report.finding is not None
    assert report.finding.problem == "checkpoint_mismatch"
    assert report.finding.notification_id == sealed.last_id
    assert [(check.notification_id, check.matched) for check in report.checkpoints] == [
        (20, True), (sealed.last_id, False)]


def test_data_outside_the_events_table_leaves_the_chain_green(sealed: Sealed) -> None:
    """Changing any table but the events (keys, views, tracking) breaks nothing.

    A stand-in keys table is filled, then a key destroyed; the real erasure is the next test.
    """
    sealed.database.execute("CREATE TABLE household_keys (household_id TEXT PRIMARY KEY, "
                            "wrapped_key TEXT NOT NULL)")
    sealed.database.execute("INSERT INTO household_keys VALUES (?, ?)", "h-1", "c2VjcmV0")
    sealed.database.execute("INSERT INTO household_keys VALUES (?, ?)", "h-2", "b3RoZXI=")
    sealed.database.execute("DELETE FROM household_keys WHERE household_id = ?", "h-1")
    report = verify(sealed.chain)
    assert report.ok, report.describe()
    assert report.sealed_checked == sealed.last_id


def test_a_second_sealer_cannot_fork_the_chain(sealed: Sealed) -> None:
    """Appending after a stale head is refused: two sealers never write two chains."""
    head = sealed.chain.head()
    assert head is not None
    with pytest.raises(ChainError, match="another sealer"):
        sealed.chain.append([head], expected_head_sequence=head.sequence - 1)


def test_the_events_table_names_match_the_recorder(sealed: Sealed) -> None:
    """The chain reads the very table eventsourcing writes."""
    assert sealed.ledger.recorder.events_table_name == sealed.database.events


def test_a_link_depends_on_every_stored_value_and_its_type() -> None:
    """Same text as str or bytes, or a UUID as text, gives a different link."""
    stream = UUID("01a2098d-8e77-7000-a047-c9f6e8e113c8")
    base = StoredRow(1, stream, 1, "lot.offered", b"state")
    variants = [StoredRow(2, stream, 1, "lot.offered", b"state"),
                StoredRow(1, stream.hex, 1, "lot.offered", b"state"),
                StoredRow(1, stream, "1", "lot.offered", b"state"),
                StoredRow(1, stream, 1, b"lot.offered", b"state"),
                StoredRow(1, stream, 1, "lot.offered", "state"),
                StoredRow(1, stream, 1, "lot.offered", b"state\x00")]
    links = {compute_link(GENESIS_LINK, row) for row in [base, *variants]}
    assert len(links) == 1 + len(variants)


def test_erasing_a_household_leaves_verify_green(ledger: Ledger) -> None:
    """A household enrolled, sealed, then erased (its key destroyed): the chain still holds."""
    from domain import governance_commands as g  # noqa: PLC0415
    from infra.personal_data_store import PersonalDataStore  # noqa: PLC0415
    from tests.governance_support import at, governed_territory  # noqa: PLC0415

    gov = governed_territory(ledger)
    programme_id = gov.open_programme()
    household_id = gov.enrol(programme_id, "CCAS-0042", name="Foyer Martin")
    assert ledger.location is not None
    keys = PersonalDataStore(ledger.location)
    assert keys.has_key(household_id)
    chain = open_chain_store(ledger.location)
    try:
        assert verify(chain).ok
        gov.run(g.EraseHousehold, actor_id=gov.referrer_id, household_id=household_id,
                reason="demande du foyer (RGPD art. 17)", occurred_at=at(5))
        assert not keys.has_key(household_id)
        report = verify(chain)
        assert report.ok, report.describe()
        assert report.unsealed == 0
        assert report.sealed_checked == ledger.recorder.max_notification_id()
    finally:
        chain.close()


stored_values = st.one_of(st.none(), st.uuids(), st.integers(min_value=-(2**63), max_value=2**63),
                          st.text(max_size=40), st.binary(max_size=200), st.booleans())


@given(rows=st.lists(st.tuples(st.integers(min_value=1, max_value=2**62), stored_values,
                               stored_values, stored_values, stored_values), max_size=8),
       previous=st.binary(min_size=32, max_size=32))
def test_the_write_path_links_exactly_as_verify_recomputes(
        rows: list[tuple[int, Any, Any, Any, Any]], previous: bytes) -> None:
    """The sealing recorders' fast link computation gives compute_link's links, any row."""
    stored = [StoredRow(*row) for row in rows]
    fast = chain_rows(previous, 7, stored, "now")
    slow = link_rows(previous, 7, stored, "now")
    assert [row[5] for row in fast] == [link.link for link in slow]
    assert [row[:5] for row in fast] == [(link.notification_id, link.sequence,
                                          link.originator_id, link.originator_version,
                                          link.topic) for link in slow]
    expected = previous
    for row in stored:
        expected = compute_link(expected, row)
    assert not stored or fast[-1][5] == expected
