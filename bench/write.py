"""Write benchmark: commands per second through the ledger, against raw sqlite3 inserts.

Runs ``offer_lot`` commands (each writes three events: the lot's offer, its code claim and
the command record) on the SQLite file, one command per transaction and in atomic batches,
then inserts the very same stored rows with plain ``sqlite3`` ``executemany`` into a fresh
file with the same table, journal mode and ``synchronous`` setting, grouped the same way
(one command's rows per transaction, or one batch's). Prints both rates and their ratio.

With ``--sealing both`` (the default) it does so twice, on two files: with the ledger as it
runs (every event linked into the hash chain in its own transaction: ``infra.audit.sealing``)
and with eventsourcing's plain recorder; the raw baseline of the sealed run inserts the
events *and* their chain rows (the links the ledger computed), so each ratio compares like
with like, and the last line gives the cost of sealing (on / off).

    python -m bench.write [--commands 2000] [--batch-size 100] [--sealing both|on|off]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from domain import commands as c
from domain.members import MemberKind
from domain.sites import SiteKind
from infra.application import Ledger
from infra.audit.chain import CHAIN_TABLE, SQLITE_CHAIN_DDL
from infra.logs import configure_logging
from infra.store import UNSEALED_ENV, sqlite_location

TABLE = ("CREATE TABLE IF NOT EXISTS stored_events (originator_id TEXT, "
         "originator_version INTEGER, topic TEXT, state BLOB, "
         "PRIMARY KEY (originator_id, originator_version))")


def setup(ledger: Ledger) -> tuple[str, str]:
    """Found the cooperative, one producer, one platform and its site; return ids."""
    coordinator = ledger.execute(c.FoundCooperative(
        command_id="setup-0", name="Bench", coordinator_name="Network")).stream_id
    producer = ledger.execute(c.RegisterMember(
        command_id="setup-1", actor_id=coordinator, name="Jardin", kind=MemberKind.PRODUCER))
    ledger.execute(c.RegisterSite(
        command_id="setup-2", actor_id=coordinator, name="Entrepôt", kind=SiteKind.WAREHOUSE,
        operator_id=producer.stream_id))
    return str(coordinator), str(producer.stream_id)


def offer(producer: str, number: int, prefix: str) -> c.OfferLot:
    """An offer command with a unique id."""
    from uuid import UUID  # noqa: PLC0415

    return c.OfferLot(
        command_id=f"{prefix}-{number}", actor_id=UUID(producer), product="carrot",
        variety="Nantaise", quantity_g=120_000, price_cents_per_kg=180,
        harvest_date=date(2026, 3, 2), best_before=date(2026, 3, 20),
        organic_certificate="FR-BIO-01-ABCD", origin="Parcelle 3")


def raw_insert(path: Path, groups: list[tuple[list[tuple[str, int, str, bytes]],
                                             list[tuple[object, ...]]]],
               synchronous: int) -> float:
    """Seconds to insert each group (its events, then its chain rows) in one transaction."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    connection.execute(TABLE)
    connection.execute(SQLITE_CHAIN_DDL)
    started = time.perf_counter()
    for events, links in groups:
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO stored_events VALUES (?,?,?,?)", events)
        if links:
            connection.executemany(f"INSERT INTO {CHAIN_TABLE} VALUES (?,?,?,?,?,?,?)", links)
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


@dataclass
class Run:
    """One ledger's two timed runs and the rows they stored."""

    sealing: bool
    single_s: float
    batch_s: float
    single_groups: list[tuple[list[tuple[str, int, str, bytes]], list[tuple[object, ...]]]]
    batch_groups: list[tuple[list[tuple[str, int, str, bytes]], list[tuple[object, ...]]]]
    synchronous: int
    journal: str
    events_per_command: int
    average_bytes: float


def run_ledger(folder: Path, *, sealing: bool, count: int, batch_size: int) -> Run:
    """Time ``count`` commands one per transaction, then in batches, on a fresh file."""
    path = folder / ("sealed.db" if sealing else "unsealed.db")
    ledger = Ledger(sqlite_location(path), env=None if sealing else UNSEALED_ENV)
    _, producer = setup(ledger)
    first_id = (ledger.recorder.max_notification_id() or 0) + 1

    started = time.perf_counter()
    for number in range(count):
        ledger.execute(offer(producer, number, "single"))
    single_s = time.perf_counter() - started
    middle_id = (ledger.recorder.max_notification_id() or 0) + 1

    started = time.perf_counter()
    for start in range(0, count, batch_size):
        ledger.execute_batch([offer(producer, number, "batch")
                              for number in range(start, min(count, start + batch_size))])
    batch_s = time.perf_counter() - started
    ledger.close()

    connection = sqlite3.connect(path)
    synchronous = connection.execute("PRAGMA synchronous").fetchone()[0]
    journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
    rows = connection.execute(
        "SELECT originator_id, originator_version, topic, state FROM stored_events "
        "WHERE rowid >= ? ORDER BY rowid", (first_id,)).fetchall()
    links = connection.execute(
        f"SELECT notification_id, sequence, originator_id, originator_version, topic, link, "
        f"sealed_at FROM {CHAIN_TABLE} WHERE notification_id >= ? ORDER BY notification_id",
        (first_id,)).fetchall() if sealing else []
    connection.close()
    if sealing:
        assert len(links) == len(rows), "every event is linked as it is written"
    events_per_command = (middle_id - first_id) // count

    def grouped(start: int, stop: int, size: int) -> list[tuple[list[tuple[str, int, str, bytes]],
                                                                list[tuple[object, ...]]]]:
        return [(rows[index:min(index + size, stop)],
                 links[index:min(index + size, stop)] if links else [])
                for index in range(start, stop, size)]

    split = middle_id - first_id
    return Run(sealing=sealing, single_s=single_s, batch_s=batch_s,
               single_groups=grouped(0, split, events_per_command),
               batch_groups=grouped(split, len(rows), events_per_command * batch_size),
               synchronous=synchronous, journal=journal,
               events_per_command=events_per_command,
               average_bytes=sum(len(row[3]) for row in rows) / len(rows))


def main() -> None:
    """Run the benchmark and print rates and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=2_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--sealing", choices=["both", "on", "off"], default="both",
                        help="ledger with the hash chain sealed as written (on), with "
                             "eventsourcing's plain recorder (off), or both side by side")
    arguments = parser.parse_args()
    configure_logging("warning")
    count = arguments.commands
    modes = {"both": (False, True), "on": (True,), "off": (False,)}[arguments.sealing]
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        runs = [run_ledger(folder, sealing=sealing, count=count,
                           batch_size=arguments.batch_size) for sealing in modes]
        raw: dict[tuple[bool, str], float] = {}
        for run in runs:
            name = "on" if run.sealing else "off"
            raw[run.sealing, "single"] = raw_insert(folder / f"raw-{name}-1.db",
                                                    run.single_groups, run.synchronous)
            raw[run.sealing, "batch"] = raw_insert(folder / f"raw-{name}-2.db",
                                                   run.batch_groups, run.synchronous)

    first = runs[0]
    print(f"write benchmark: {count} offer_lot commands, {first.events_per_command} events "
          f"each, {first.average_bytes:.0f} bytes of state per event; SQLite "
          f"journal={first.journal}, synchronous={first.synchronous}")
    print("raw sqlite3 baseline: the very same rows, grouped the same way; with sealing on, "
          "the events and their chain rows")
    print(f"{'mode':<28}{'sealing':>8}{'ledger cmd/s':>14}{'raw sqlite3 cmd/s':>20}"
          f"{'ratio':>8}")
    rates: dict[tuple[bool, str], float] = {}
    for label, key in (("one command per transaction", "single"),
                       (f"batches of {arguments.batch_size}", "batch")):
        for run in runs:
            ledger_s = run.single_s if key == "single" else run.batch_s
            ledger_rate = count / ledger_s
            raw_rate = count / raw[run.sealing, key]
            rates[run.sealing, key] = ledger_rate
            print(f"{label:<28}{'on' if run.sealing else 'off':>8}{ledger_rate:>14,.0f}"
                  f"{raw_rate:>20,.0f}{ledger_rate / raw_rate:>8.2f}")
    if len(runs) == 2:
        print("sealing on / off: "
              f"{rates[True, 'single'] / rates[False, 'single']:.2f} one command per "
              f"transaction, {rates[True, 'batch'] / rates[False, 'batch']:.2f} in batches")


if __name__ == "__main__":
    main()
