"""The consumer's tables in a view database: schema version, streams' versions, offsets."""

from __future__ import annotations

import time
import zlib
from collections.abc import Mapping, Sequence

from consumers.dead_letters import DeadLetterTable
from projections.runner import View
from projections.view_store import IN_LIST_SIZE_MAX, ViewDatabase, ViewTransaction, chunked


class ConsumerState:
    """The consumer tables of one view: schema version, streams' versions, offsets."""

    def __init__(self, database: ViewDatabase, view_name: str) -> None:
        self.database = database
        self.view_name = view_name
        self.views_table = database.table("consumer_views")
        self.streams_table = database.table("consumer_streams")
        self.offsets_table = database.table("consumer_offsets")
        self.dead_letters = DeadLetterTable(database)
        self.versions_by_key_sql = (
            "SELECT wanted.stream_id, found.version "
            "FROM unnest(?::text[]) AS wanted(stream_id) CROSS JOIN LATERAL ("
            f"SELECT version FROM {self.streams_table} "
            "WHERE view = ? AND stream_id = wanted.stream_id OFFSET 0) AS found")
        """PostgreSQL: the last version of each stream of an array (see ``applied_versions``)."""
        # A stable 31-bit key for PostgreSQL's advisory lock, one per view.
        self._lock_key = zlib.crc32(f"cocagne.consumer.{view_name}".encode()) & 0x7FFF_FFFF

    def create_statements(self) -> list[str]:
        """DDL of the consumer tables (shared by every view of the database)."""
        without_rowid = " WITHOUT ROWID" if self.database.dialect == "sqlite" else ""
        return [
            f"CREATE TABLE IF NOT EXISTS {self.views_table} ("
            "view TEXT PRIMARY KEY, schema_version INTEGER NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.streams_table} ("
            "view TEXT NOT NULL, stream_id TEXT NOT NULL, version BIGINT NOT NULL, "
            f"PRIMARY KEY (view, stream_id)){without_rowid}",
            f"CREATE TABLE IF NOT EXISTS {self.offsets_table} ("
            "view TEXT NOT NULL, topic TEXT NOT NULL, partition_id INTEGER NOT NULL, "
            "next_offset BIGINT NOT NULL, updated_at_us BIGINT NOT NULL, "
            f"PRIMARY KEY (view, topic, partition_id)){without_rowid}",
            *self.dead_letters.create_statements(),
        ]

    def lock(self, transaction: ViewTransaction) -> None:
        """Serialise this view's batches across processes (PostgreSQL; SQLite already does
        with ``BEGIN IMMEDIATE``)."""
        if self.database.dialect == "postgres":
            transaction.query("SELECT pg_advisory_xact_lock(?)", (self._lock_key,))

    def setup(self, view: View) -> bool:
        """Create the tables; reset the view if its schema changed. True if reset (empty)."""
        with self.database.transaction() as transaction:
            # The consumer tables are shared by every view of the database, and PostgreSQL's
            # CREATE TABLE IF NOT EXISTS is not safe against a concurrent one (two consumers
            # of different views starting together: "duplicate key ... pg_type"): one lock
            # for every view's set-up, then the view's own lock.
            if self.database.dialect == "postgres":
                transaction.query("SELECT pg_advisory_xact_lock(?)", (_SETUP_LOCK_KEY,))
            self.lock(transaction)
            for statement in self.create_statements():
                transaction.execute(statement)
            rows = transaction.query(
                f"SELECT schema_version FROM {self.views_table} WHERE view = ?",
                (self.view_name,))
            if rows and int(rows[0][0]) == view.schema_version:
                view.create(transaction)  # Tables dropped by hand come back (empty).
                return False
            view.drop(transaction)
            view.create(transaction)
            for table in (self.streams_table, self.offsets_table, self.dead_letters.name,
                          self.views_table):
                transaction.execute(f"DELETE FROM {table} WHERE view = ?", (self.view_name,))
            transaction.execute(
                f"INSERT INTO {self.views_table} (view, schema_version) VALUES (?, ?)",
                (self.view_name, view.schema_version))
            return True

    def applied_versions(self, transaction: ViewTransaction,
                         stream_ids: Sequence[str]) -> dict[str, int]:
        """Last applied version of each of ``stream_ids`` that has one.

        On PostgreSQL, one statement looks every stream up by its primary key, whatever the
        planner knows of the table. The consumer's tables are never analysed (autovacuum may
        be off, and they grow from empty during a catch-up), so for ``view = ? AND stream_id
        IN (...)`` the planner guessed the view matched 0.5 % of the table and read all of
        the view's rows instead (a table scan per batch); and once psycopg prepared the
        repeated 500-value list, PostgreSQL's generic plan compared every row with every
        value (4 s a batch at 35,000 streams, past the group's poll interval; view
        transactions no longer prepare, see ``projections.view_store``). The lateral
        subquery (``OFFSET 0`` keeps the planner from flattening it into a join) leaves one
        plan: a unique-key probe per stream, about 10 us each at any table size.
        """
        versions: dict[str, int] = {}
        if self.database.dialect == "postgres":
            for stream_id, version in transaction.query(self.versions_by_key_sql,
                                                        (list(stream_ids), self.view_name)):
                versions[stream_id] = int(version)
            return versions
        for chunk in chunked(stream_ids, IN_LIST_SIZE_MAX):
            marks = ",".join("?" * len(chunk))
            for stream_id, version in transaction.query(
                    f"SELECT stream_id, version FROM {self.streams_table} "
                    f"WHERE view = ? AND stream_id IN ({marks})", (self.view_name, *chunk)):
                versions[stream_id] = int(version)
        return versions

    def save(self, transaction: ViewTransaction, versions: Mapping[str, int],
             next_offsets: Mapping[tuple[str, int], int]) -> None:
        """Store streams' new versions and partitions' next offsets."""
        if versions:
            transaction.executemany(
                f"INSERT INTO {self.streams_table} (view, stream_id, version) VALUES (?, ?, ?) "
                "ON CONFLICT (view, stream_id) DO UPDATE SET version = excluded.version",
                [(self.view_name, stream_id, version)
                 for stream_id, version in versions.items()])
        if next_offsets:
            now_us = to_us_now()
            transaction.executemany(
                f"INSERT INTO {self.offsets_table} (view, topic, partition_id, next_offset, "
                "updated_at_us) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (view, topic, partition_id) DO UPDATE SET "
                "next_offset = excluded.next_offset, updated_at_us = excluded.updated_at_us",
                [(self.view_name, topic, partition, offset, now_us)
                 for (topic, partition), offset in next_offsets.items()])

    def stored_offsets(self, topic: str) -> dict[int, int]:
        """Next offset of each partition of ``topic`` this database has consumed from."""
        return {int(row[0]): int(row[1]) for row in self.database.query(
            f"SELECT partition_id, next_offset FROM {self.offsets_table} "
            "WHERE view = ? AND topic = ?", (self.view_name, topic))}

    def stream_count(self) -> int:
        """Streams tracked for this view."""
        rows = self.database.query(
            f"SELECT COUNT(*) FROM {self.streams_table} WHERE view = ?", (self.view_name,))
        return int(rows[0][0])


_SETUP_LOCK_KEY = zlib.crc32(b"cocagne.consumer.setup") & 0x7FFF_FFFF


def to_us_now() -> int:
    """Now, in microseconds since the epoch (``projections.view_store.to_us`` of now)."""
    return time.time_ns() // 1_000
