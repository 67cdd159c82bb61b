"""Write benchmark: commands per second through the ledger, against raw sqlite3 inserts.

Runs ``offer_lot`` commands (each writes three events: the lot's offer, its code claim and
the command record) on the SQLite file, one command per transaction and in atomic batches,
then inserts the very same stored rows with plain ``sqlite3`` ``executemany`` into a fresh
file with the same table, journal mode and ``synchronous`` setting, grouped the same way
(one command's rows per transaction, or one batch's). Prints both rates and their ratio.

    python -m bench.write [--commands 2000] [--batch-size 100]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

from domain import commands as c
from domain.members import MemberKind
from domain.sites import SiteKind
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.store import sqlite_location

TABLE = ("CREATE TABLE IF NOT EXISTS stored_events (originator_id TEXT, "
         "originator_version INTEGER, topic TEXT, state BLOB, "
         "PRIMARY KEY (originator_id, originator_version))")


def setup(ledger: Ledger) -> tuple[UUID, UUID]:
    """Found the cooperative, one producer, one platform and its site; return ids."""
    coordinator = ledger.execute(c.FoundCooperative(
        command_id="setup-0", name="Bench", coordinator_name="Network")).stream_id
    producer = ledger.execute(c.RegisterMember(
        command_id="setup-1", actor_id=coordinator, name="Jardin", kind=MemberKind.PRODUCER))
    ledger.execute(c.RegisterSite(
        command_id="setup-2", actor_id=coordinator, name="Entrepôt", kind=SiteKind.WAREHOUSE,
        operator_id=producer.stream_id))
    return coordinator, producer.stream_id


HARVEST_DATE = date.today() - timedelta(days=1)
"""Yesterday: a harvest the business-time rule finds plausible whatever day the bench runs."""


def offer(producer: UUID, number: int, prefix: str) -> c.OfferLot:
    """An offer command with a unique id."""
    return c.OfferLot(
        command_id=f"{prefix}-{number}", actor_id=producer, product="carrot",
        variety="Nantaise", quantity_g=120_000, price_cents_per_kg=180,
        harvest_date=HARVEST_DATE, best_before=HARVEST_DATE + timedelta(days=18),
        organic_certificate="FR-BIO-01-ABCD", origin="Parcelle 3")


def raw_insert(path: Path, rows: list[tuple[str, int, str, bytes]], group_size: int,
               synchronous: int) -> float:
    """Seconds to insert ``rows`` in transactions of ``group_size`` rows."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    connection.execute(TABLE)
    started = time.perf_counter()
    for start in range(0, len(rows), group_size):
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO stored_events VALUES (?,?,?,?)",
                               rows[start:start + group_size])
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def main() -> None:
    """Run the benchmark and print rates and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=2_000)
    parser.add_argument("--batch-size", type=int, default=100)
    arguments = parser.parse_args()
    configure_logging("warning")
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        ledger = Ledger(sqlite_location(folder / "ledger.db"))
        _, producer = setup(ledger)
        first_id = (ledger.recorder.max_notification_id() or 0) + 1
        count = arguments.commands

        # Commands are built before the clock starts: the ledger's work is running them.
        singles = [offer(producer, number, "single") for number in range(count)]
        started = time.perf_counter()
        for command in singles:
            ledger.execute(command)
        single_s = time.perf_counter() - started
        middle_id = (ledger.recorder.max_notification_id() or 0) + 1

        size = arguments.batch_size
        batches = [[offer(producer, number, "batch")
                    for number in range(start, min(count, start + size))]
                   for start in range(0, count, size)]
        started = time.perf_counter()
        for batch in batches:
            ledger.execute_batch(batch)
        batch_s = time.perf_counter() - started

        connection = sqlite3.connect(folder / "ledger.db")
        synchronous = connection.execute("PRAGMA synchronous").fetchone()[0]
        journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
        rows = connection.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "WHERE rowid >= ? ORDER BY rowid", (first_id,)).fetchall()
        connection.close()
        single_rows = list(rows[: middle_id - first_id])
        batch_rows = list(rows[middle_id - first_id:])
        events_per_command = len(single_rows) // count
        average_bytes = sum(len(row[3]) for row in rows) / len(rows)
        raw_single_s = raw_insert(folder / "raw1.db", single_rows, events_per_command,
                                  synchronous)
        raw_batch_s = raw_insert(folder / "raw2.db", batch_rows,
                                 events_per_command * arguments.batch_size, synchronous)
        ledger.close()

    print(f"write benchmark: {count} offer_lot commands, {events_per_command} events each, "
          f"{average_bytes:.0f} bytes of state per event; SQLite journal={journal}, "
          f"synchronous={synchronous}")
    print(f"{'mode':<28}{'ledger cmd/s':>14}{'raw sqlite3 cmd/s':>20}{'ratio':>8}")
    for mode, ledger_s, raw_s in (("one command per transaction", single_s, raw_single_s),
                                  (f"batches of {arguments.batch_size}", batch_s, raw_batch_s)):
        ledger_rate = count / ledger_s
        raw_rate = count / raw_s
        print(f"{mode:<28}{ledger_rate:>14,.0f}{raw_rate:>20,.0f}{ledger_rate / raw_rate:>8.2f}")


if __name__ == "__main__":
    main()
