"""The write benchmark's floor computes the rows the ledger stores: the same topics, streams
and versions, and the same events but for the values each run draws afresh (ids, times)."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import msgspec

from bench.write_common import offer, setup
from bench.write_floor import rows_of
from domain.codec import decode_event
from infra.ledger.ledger import Ledger
from infra.store import sqlite_location

DRAWN = {"originator_id", "timestamp", "context", "code", "lot_id", "stream_ids"}
"""Fields that differ from one run of a command to the next: a new lot id each time (and the
code and record that embed it), the clock."""


def fields_of(topic: str, state: bytes) -> dict[str, object]:
    """An event's fields, but for those drawn afresh by each run."""
    event = decode_event(topic, state)
    return {name: value for name, value in msgspec.structs.asdict(event).items()
            if name not in DRAWN}


def test_floor_rows_are_the_ledgers(tmp_path: Path) -> None:
    path = tmp_path / "floor.db"
    ledger = Ledger(sqlite_location(path))
    try:
        _, producer = setup(ledger)
        before = ledger.recorder.max_notification_id() or 0
        # Harvested the day before the tests' fixed "now" (``tests/conftest.py``).
        harvest = date(2026, 11, 30)
        commands = [msgspec.structs.replace(offer(producer, number, "floor"),
                                            harvest_date=harvest,
                                            best_before=harvest + timedelta(days=18))
                    for number in range(3)]
        ledger.execute_batch(commands)
    finally:
        ledger.close()
    with sqlite3.connect(path) as connection:
        stored = connection.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "WHERE rowid > ? ORDER BY rowid", (before,)).fetchall()
    rows, links = rows_of(commands)
    assert len(rows) == len(stored) == len(links) == 9
    by_topic = sorted(stored, key=lambda row: (row[2], row[0]))
    ours = sorted(rows, key=lambda row: (row[2], row[0]))
    for (_, version, topic, state), (_, our_version, our_topic, our_state) in zip(
            by_topic, ours, strict=True):
        assert (our_version, our_topic) == (version, topic)
        assert abs(len(our_state) - len(state)) <= 8  # Times may drop trailing digits.
        assert fields_of(our_topic, our_state) == fields_of(topic, state)
    command_streams = {row[0] for row in stored if row[2].startswith("command.")}
    assert command_streams == {row[0] for row in rows if row[2].startswith("command.")}

