"""The write benchmark on PostgreSQL: the sealed ledger on a fresh database, against raw
``psycopg`` ``executemany`` of the very same rows (events and chain rows) into another fresh
database whose tables the ledger's own recorder created, grouped the same way, on the same
server and settings (``synchronous_commit`` as the server has it), interleaved every chunk
as on SQLite (``bench.write_common.run_chunks``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from uuid import uuid4

import psycopg

from bench.write_common import Group, Row, Run, Timing, run_chunks, setup
from infra.audit.chain import CHAIN_TABLE, POSTGRES_EVENTS_TABLE
from infra.ledger.ledger import Ledger
from infra.projections_wiring import postgres_conninfo
from infra.store import StoreLocation, parse_database_url

_CHAIN_COLUMNS = ("notification_id, sequence, originator_id, originator_version, topic, link, "
                  "sealed_at")


class RawPostgres:
    """The baseline: plain ``executemany`` into the same tables, one transaction a group."""

    def __init__(self, location: StoreLocation) -> None:
        self.connection = psycopg.connect(postgres_conninfo(location), autocommit=True)

    def insert(self, groups: Sequence[Group]) -> None:
        """Insert each group (its events, then its chain rows) in one transaction."""
        with self.connection.cursor() as cursor:
            for events, links in groups:
                with self.connection.transaction():
                    cursor.executemany(
                        f"INSERT INTO {POSTGRES_EVENTS_TABLE} (originator_id, "
                        "originator_version, topic, state) VALUES (%s, %s, %s, %s)", events)
                    cursor.executemany(f"INSERT INTO {CHAIN_TABLE} ({_CHAIN_COLUMNS}) "
                                       "VALUES (%s, %s, %s, %s, %s, %s, %s)", links)


class StoredRows:
    """Reads back what the ledger stored (untimed)."""

    def __init__(self, location: StoreLocation) -> None:
        self.connection = psycopg.connect(postgres_conninfo(location), autocommit=True)

    def between(self, first_id: int, last_id: int) -> tuple[list[Row], list[Row]]:
        """Events and chain rows with notification ids ``first_id`` to ``last_id``, each
        starting with its notification id."""
        events = self.connection.execute(
            f"SELECT notification_id, originator_id, originator_version, topic, state FROM "
            f"{POSTGRES_EVENTS_TABLE} WHERE notification_id BETWEEN %s AND %s "
            "ORDER BY notification_id", (first_id, last_id)).fetchall()
        links = self.connection.execute(
            f"SELECT {_CHAIN_COLUMNS} FROM {CHAIN_TABLE} WHERE notification_id BETWEEN %s "
            "AND %s ORDER BY notification_id", (first_id, last_id)).fetchall()
        assert len(links) == len(events), "every event is linked as it is written"
        return events, links


def run_postgres(admin_url: str, *, count: int, batch_size: int) -> tuple[Timing, Timing]:
    """One round on two scratch databases (dropped after): the timings one command per
    transaction and in batches."""
    admin = parse_database_url(admin_url)
    suffix = uuid4().hex[:10]
    ledger_location = replace(admin, postgres_dbname=f"cocagne_bench_write_{suffix}")
    raw_location = replace(admin, postgres_dbname=f"cocagne_bench_raw_{suffix}")
    with psycopg.connect(postgres_conninfo(admin), autocommit=True) as connection:
        for location in (ledger_location, raw_location):
            connection.execute(f'CREATE DATABASE "{location.postgres_dbname}"')
    try:
        Ledger(raw_location).close()  # The very tables, indexes and functions of a ledger.
        ledger = Ledger(ledger_location)
        stored, raw = StoredRows(ledger_location), RawPostgres(raw_location)
        try:
            _, producer = setup(ledger)
            run = Run(sealing=True)
            run_chunks(ledger, producer, run, count=count, batch_size=batch_size,
                       read_back=stored.between, insert=raw.insert)
        finally:
            ledger.close()
            stored.connection.close()
            raw.connection.close()
    finally:
        with psycopg.connect(postgres_conninfo(admin), autocommit=True) as connection:
            for location in (ledger_location, raw_location):
                connection.execute(
                    f'DROP DATABASE IF EXISTS "{location.postgres_dbname}" WITH (FORCE)')
    return run.single, run.batch
