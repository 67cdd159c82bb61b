"""Write benchmark: commands per second through the ledger, against raw inserts of its rows.

Runs ``offer_lot`` commands (each writes three events: the lot's offer, its code claim and
the command record) on the SQLite file, one command per transaction and in atomic batches,
and inserts the very same stored rows with plain ``sqlite3`` ``executemany`` into a fresh
file with the same tables, journal mode and ``synchronous`` setting, grouped the same way
(one command's rows per transaction, or one batch's: the groups are cut at the notification
ids the ledger's transactions returned). With sealing on (the ledger as it runs, every event
linked into the hash chain in the transaction storing it: ``infra.audit.sealing``) the raw
baseline inserts the events *and* their chain rows, the links the ledger computed.

The two are interleaved: every 100 commands (one chunk of single commands, or one batch),
the ledger runs them, then raw ``sqlite3`` inserts the rows they stored. Both then see the
same load on a shared machine, which moves disk flushes by a factor of ten from one minute
to the next; timing one after the other compared two different machines.

``--sealing both`` (the default) also runs eventsourcing's plain recorder (sealing off) on
a file of its own, alternating within each round, and gives the cost of sealing (on / off).
``--postgres URL`` (an administration URL, such as ``postgresql://postgres@127.0.0.1/postgres``)
also runs the sealed ledger on a fresh PostgreSQL database against raw ``psycopg``
``executemany`` of the same rows into another fresh database with the same tables (see
``bench.write_postgres``); both databases are dropped at the end.

    python -m bench.write [--commands 2000] [--batch-size 100] [--sealing both|on|off]
                          [--rounds 3] [--postgres ADMIN_URL]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.write_common import (
    CHUNK_COMMANDS,
    Group,
    Row,
    Run,
    Table,
    run_chunks,
    setup,
    spread,
)
from bench.write_floor import rows_of
from bench.write_postgres import run_postgres
from infra.audit.chain import CHAIN_TABLE, SQLITE_CHAIN_DDL
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.store import UNSEALED_ENV, sqlite_location

TABLE = ("CREATE TABLE IF NOT EXISTS stored_events (originator_id TEXT, "
         "originator_version INTEGER, topic TEXT, state BLOB, "
         "PRIMARY KEY (originator_id, originator_version))")
class RawSQLite:
    """The baseline: a fresh file, the same tables and settings, plain ``executemany``."""

    def __init__(self, path: Path, *, journal: str, synchronous: int, sealing: bool) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute(f"PRAGMA journal_mode={journal}")
        self.connection.execute(f"PRAGMA synchronous={synchronous}")
        self.connection.execute(TABLE)
        if sealing:
            self.connection.execute(SQLITE_CHAIN_DDL)

    def insert(self, groups: Sequence[Group]) -> None:
        """Insert each group (its events, then its chain rows) in one transaction."""
        connection = self.connection
        for events, links in groups:
            connection.execute("BEGIN")
            connection.executemany("INSERT INTO stored_events VALUES (?,?,?,?)", events)
            if links:
                connection.executemany(f"INSERT INTO {CHAIN_TABLE} VALUES (?,?,?,?,?,?,?)",
                                       links)
            connection.execute("COMMIT")

    def close(self) -> None:
        """Close the file."""
        self.connection.close()


class StoredRows:
    """Reads back what the ledger stored in its SQLite file (untimed)."""

    def __init__(self, path: Path, *, sealing: bool) -> None:
        self.connection = sqlite3.connect(path)
        self.sealing = sealing

    def between(self, first_id: int, last_id: int) -> tuple[list[Row], list[Row]]:
        """Events and chain rows with notification ids ``first_id`` to ``last_id``, each
        starting with its notification id."""
        events = self.connection.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
            "WHERE rowid BETWEEN ? AND ? ORDER BY rowid", (first_id, last_id)).fetchall()
        links = self.connection.execute(
            f"SELECT notification_id, sequence, originator_id, originator_version, topic, "
            f"link, sealed_at FROM {CHAIN_TABLE} WHERE notification_id BETWEEN ? AND ? "
            "ORDER BY notification_id", (first_id, last_id)).fetchall() if self.sealing else []
        if self.sealing:
            assert len(links) == len(events), "every event is linked as it is written"
        return events, links


def run_sqlite(folder: Path, *, sealing: bool, count: int, batch_size: int) -> Run:
    """Time ``count`` commands one per transaction, then in batches, each chunk followed
    by raw inserts of the rows it stored."""
    path = folder / ("sealed.db" if sealing else "unsealed.db")
    ledger = Ledger(sqlite_location(path), env=None if sealing else UNSEALED_ENV)
    _, producer = setup(ledger)
    stored = StoredRows(path, sealing=sealing)
    # The ledger changes neither setting: a fresh connection reads the file's journal mode
    # and SQLite's default ``synchronous``, which every connection of the ledger keeps
    # (``tests/integration/test_audit_sealing.py`` checks its writer's).
    run = Run(sealing=sealing,
              journal=stored.connection.execute("PRAGMA journal_mode").fetchone()[0],
              synchronous=stored.connection.execute("PRAGMA synchronous").fetchone()[0])
    raw = RawSQLite(folder / f"raw-{path.name}", journal=run.journal,
                    synchronous=run.synchronous, sealing=sealing)
    try:
        run_chunks(ledger, producer, run, count=count, batch_size=batch_size,
                   read_back=stored.between, insert=raw.insert,
                   floor=rows_of if sealing else None)
    finally:
        ledger.close()
        stored.connection.close()
        raw.close()
    return run


def main() -> None:
    """Run the benchmark and print rates and ratios (medians over the rounds, and ranges)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=2_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--sealing", choices=["both", "on", "off"], default="both",
                        help="ledger with the hash chain sealed as written (on), with "
                             "eventsourcing's plain recorder (off), or both side by side")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds, sealing off and on alternating within each (default 3)")
    parser.add_argument("--postgres", metavar="ADMIN_URL", default="",
                        help="also measure on PostgreSQL: a URL of a database to connect to "
                             "while creating and dropping the two scratch databases")
    arguments = parser.parse_args()
    configure_logging("warning")
    count, batch_label = arguments.commands, f"batches of {arguments.batch_size}"
    modes = {"both": (False, True), "on": (True,), "off": (False,)}[arguments.sealing]
    table = Table()
    sealing_cost: dict[str, list[float]] = {"single": [], "batch": []}
    first: Run | None = None
    for _ in range(arguments.rounds):
        with tempfile.TemporaryDirectory() as directory:
            runs = [run_sqlite(Path(directory), sealing=sealing, count=count,
                               batch_size=arguments.batch_size) for sealing in modes]
        first = first or runs[-1]
        for run in runs:
            table.add("one command per transaction", "on" if run.sealing else "off",
                      run.single, count)
            table.add(batch_label, "on" if run.sealing else "off", run.batch, count)
        if len(runs) == 2:
            sealing_cost["single"].append(runs[0].single.ledger_s / runs[1].single.ledger_s)
            sealing_cost["batch"].append(runs[0].batch.ledger_s / runs[1].batch.ledger_s)
    assert first is not None
    print(f"write benchmark: {count} offer_lot commands, {first.events // (2 * count)} events "
          f"each, {first.state_bytes / first.events:.0f} bytes of state per event; SQLite "
          f"journal={first.journal}, synchronous={first.synchronous}; {arguments.rounds} "
          "rounds: median (min to max)")
    print("raw sqlite3 baseline: the very same rows, grouped the same way, interleaved with "
          f"the ledger every {CHUNK_COMMANDS} commands; with sealing on, the events and their "
          "chain rows")
    table.print("raw sqlite3")
    print("(CPU time of the benchmark process: steadier than rates on a shared machine; it "
          "leaves out waiting for the disk)")
    print("floor: CPU per command to compute the sealed rows alone (ids, digest, events, "
          "encoding, chain links; no check, no look-up, no SQLite: bench.write_floor), timed "
          "after each chunk, and the best ratio it leaves: raw CPU / (raw CPU + floor)")
    table.print_floor()
    if len(modes) == 2:
        print(f"sealing on / off (ledger rates): {spread(sealing_cost['single'], '.2f')} one "
              f"command per transaction, {spread(sealing_cost['batch'], '.2f')} in batches")
    if arguments.postgres:
        postgres = Table()
        for _ in range(arguments.rounds):
            single, batch = run_postgres(arguments.postgres, count=count,
                                         batch_size=arguments.batch_size)
            postgres.add("one command per transaction", "on", single, count)
            postgres.add(batch_label, "on", batch, count)
        print("PostgreSQL: the same commands on a fresh database; raw psycopg executemany of "
              "the same rows (events and chain rows) into another, same tables, same grouping")
        postgres.print("raw psycopg")


if __name__ == "__main__":
    main()
