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
                          [--rounds 3]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

from domain import commands as c
from domain.members import MemberKind
from domain.sites import SiteKind
from infra.audit.chain import CHAIN_TABLE, SQLITE_CHAIN_DDL
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.store import UNSEALED_ENV, sqlite_location

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
    single_cpu_s: float
    batch_cpu_s: float
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

    # Commands are built before the clock starts: the ledger's work is running them.
    singles = [offer(producer, number, "single") for number in range(count)]
    started, cpu_started = time.perf_counter(), time.process_time()
    for command in singles:
        ledger.execute(command)
    single_s = time.perf_counter() - started
    single_cpu_s = time.process_time() - cpu_started
    middle_id = (ledger.recorder.max_notification_id() or 0) + 1

    batches = [[offer(producer, number, "batch")
                for number in range(start, min(count, start + batch_size))]
               for start in range(0, count, batch_size)]
    started, cpu_started = time.perf_counter(), time.process_time()
    for batch in batches:
        ledger.execute_batch(batch)
    batch_s = time.perf_counter() - started
    batch_cpu_s = time.process_time() - cpu_started
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
               single_cpu_s=single_cpu_s, batch_cpu_s=batch_cpu_s,
               single_groups=grouped(0, split, events_per_command),
               batch_groups=grouped(split, len(rows), events_per_command * batch_size),
               synchronous=synchronous, journal=journal,
               events_per_command=events_per_command,
               average_bytes=sum(len(row[3]) for row in rows) / len(rows))


def main() -> None:
    """Run the benchmark and print rates and ratios (medians over the rounds, and ranges)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=2_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--sealing", choices=["both", "on", "off"], default="both",
                        help="ledger with the hash chain sealed as written (on), with "
                             "eventsourcing's plain recorder (off), or both side by side")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds, sealing off and on alternating within each, so a "
                             "burst of load on a shared machine hits both (default 3)")
    arguments = parser.parse_args()
    configure_logging("warning")
    count = arguments.commands
    modes = {"both": (False, True), "on": (True,), "off": (False,)}[arguments.sealing]
    ledger_rates: dict[tuple[bool, str], list[float]] = {}
    raw_rates: dict[tuple[bool, str], list[float]] = {}
    ratios: dict[tuple[bool, str], list[float]] = {}
    sealing_cost: dict[str, list[float]] = {"single": [], "batch": []}
    cpu_us: dict[tuple[bool, str], list[float]] = {}
    first: Run | None = None
    for round_number in range(arguments.rounds):
        with tempfile.TemporaryDirectory() as directory:
            folder = Path(directory)
            runs = [run_ledger(folder, sealing=sealing, count=count,
                               batch_size=arguments.batch_size) for sealing in modes]
            first = first or runs[0]
            for run in runs:
                name = f"{'on' if run.sealing else 'off'}-{round_number}"
                cpu_us.setdefault((run.sealing, "single"), []).append(
                    run.single_cpu_s / count * 1e6)
                cpu_us.setdefault((run.sealing, "batch"), []).append(
                    run.batch_cpu_s / count * 1e6)
                for key, groups, ledger_s in (("single", run.single_groups, run.single_s),
                                              ("batch", run.batch_groups, run.batch_s)):
                    raw_s = raw_insert(folder / f"raw-{name}-{key}.db", groups,
                                       run.synchronous)
                    ledger_rates.setdefault((run.sealing, key), []).append(count / ledger_s)
                    raw_rates.setdefault((run.sealing, key), []).append(count / raw_s)
                    ratios.setdefault((run.sealing, key), []).append(raw_s / ledger_s)
            if len(runs) == 2:
                for key, costs in sealing_cost.items():
                    costs.append(ledger_rates[True, key][-1] / ledger_rates[False, key][-1])
    assert first is not None
    print(f"write benchmark: {count} offer_lot commands, {first.events_per_command} events "
          f"each, {first.average_bytes:.0f} bytes of state per event; SQLite "
          f"journal={first.journal}, synchronous={first.synchronous}; {arguments.rounds} "
          "rounds: median (min to max)")
    print("raw sqlite3 baseline: the very same rows, grouped the same way; with sealing on, "
          "the events and their chain rows")
    print(f"{'mode':<28}{'sealing':>8}{'ledger cmd/s':>30}{'raw sqlite3 cmd/s':>30}"
          f"{'ratio':>22}{'ledger CPU µs/cmd':>26}")
    for label, key in (("one command per transaction", "single"),
                       (f"batches of {arguments.batch_size}", "batch")):
        for sealing in modes:
            print(f"{label:<28}{'on' if sealing else 'off':>8}"
                  f"{spread(ledger_rates[sealing, key], ',.0f'):>30}"
                  f"{spread(raw_rates[sealing, key], ',.0f'):>30}"
                  f"{spread(ratios[sealing, key], '.2f'):>22}"
                  f"{spread(cpu_us[sealing, key], ',.0f'):>26}")
    print("(CPU time of the benchmark process: unlike rates, barely moved by other work on a "
          "shared machine; it leaves out waiting for the disk)")
    if len(modes) == 2:
        print(f"sealing on / off: {spread(sealing_cost['single'], '.2f')} one command per "
              f"transaction, {spread(sealing_cost['batch'], '.2f')} in batches")


def spread(values: list[float], form: str) -> str:
    """``median (min to max)``, or the one value."""
    if len(values) == 1:
        return format(values[0], form)
    return (f"{format(statistics.median(values), form)} "
            f"({format(min(values), form)} to {format(max(values), form)})")


if __name__ == "__main__":
    main()
