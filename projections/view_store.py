"""Where views keep their tables: an SQLite file of their own, or the store's PostgreSQL database.

A view writes its rows and its tracking position in one transaction of this database, so a
crash leaves either both or neither. Views write SQL once, with ``?`` placeholders and the
common subset of SQLite and PostgreSQL (``INSERT ... ON CONFLICT ... DO UPDATE``, ``BIGINT``,
``TEXT``); :class:`ViewDatabase` adapts placeholders and a few type names per dialect.

**SQLite: a separate file beside the event store** (``var/cocagne.db`` keeps its views in
``var/cocagne.views.db``). Why not the store's own file:

- SQLite has one writer per file. A rebuild writing 10,000-event batches into the store's
  file would hold the store's write lock and stall commands; in its own file it never does.
- The view file can trade durability for speed (``synchronous=NORMAL``) without weakening
  the event store's durability.
- Nothing needs a transaction spanning both files: a view's rows and its position live in the
  same (view) file, and the event store is only read.
- Dropping every view is deleting one file; the truth is untouched.

PRAGMAs on the view connection, and why each is safe:

- ``journal_mode=WAL``: readers (queries, the dashboard) and the projection writer do not
  block each other; commits stay atomic across crashes.
- ``synchronous=NORMAL``: in WAL mode a power cut can lose the last committed transactions
  but never corrupts the file. A lost transaction takes its tracking position with it, so
  the runner re-applies those events from the store on restart: nothing is lost or doubled.
- ``cache_size`` of 32 MiB: a fixed amount of memory, independent of history length, that
  keeps the hot pages of the view's indexes in memory during a rebuild.
- ``temp_store`` stays on disk, deliberately: dropping a large view inside the rebuild's
  transaction writes every freed page to a statement journal, which ``temp_store=MEMORY``
  would hold in RAM (measured: +90 MiB when rebuilding over a million-event stock view).
- ``analysis_limit``: ``ANALYZE`` (run after large catch-ups) samples instead of scanning.
- ``busy_timeout``: a second writer (a ``cocagne rebuild`` beside a running server) waits for
  the lock instead of failing at once.

**PostgreSQL: the store's own database, tables prefixed ``view_``**, through psycopg
directly. One database keeps operations simple (one backup, one connection string); the
prefix keeps the view tables apart from eventsourcing's ``ledger_*`` tables. PostgreSQL
text cannot hold a NUL (U+0000): every text this store writes or looks up has U+FFFD in
its place (``postgres_row``), so a NUL already in the events (written before the doors
refused it) cannot stop a view at that event for good. SQLite holds such text as written.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    import psycopg

Row = tuple[Any, ...]

DEFAULT_PREFIX = "view_"
SQLITE_BUSY_TIMEOUT_MS = 10_000  # Matches the store's lock timeout: ride out a rebuild's batch.
SQLITE_CACHE_KIB = 32 * 1024  # Fixed page cache for the view file; does not grow with history.
SQLITE_ANALYSIS_ROWS = 1_000
"""Rows ANALYZE samples per index: enough for the planner's choices here, and it keeps
ANALYZE of a million-row view to milliseconds instead of a full scan."""
IN_LIST_SIZE_MAX = 500
"""Values per ``IN (...)`` list: far below SQLite's 32,766 bound-variable limit and small
enough for PostgreSQL to plan quickly, large enough that a 10,000-event batch loads its rows
in a handful of round trips."""


class ViewTransaction(ABC):
    """An open write transaction on the view database."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return the number of rows it changed."""

    @abstractmethod
    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for each of ``rows``."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of a SELECT run inside this transaction."""

    @abstractmethod
    def update_many(self, table: str, key: str, columns: Sequence[str],
                    rows: Sequence[Sequence[Any]], *, add: bool = False) -> None:
        """Update existing rows: each of ``rows`` is ``(*values, key value)``.

        With ``add``, each value is added to its column; otherwise it replaces it, except
        that NULL keeps the column as it is. Keys must be unique within ``rows``.
        """


def update_statement(table: str, key: str, columns: Sequence[str], *, add: bool) -> str:
    """The one-row UPDATE behind :meth:`ViewTransaction.update_many`."""
    if add:
        assignments = ", ".join(f"{column} = {column} + ?" for column in columns)
    else:
        assignments = ", ".join(f"{column} = COALESCE(?, {column})" for column in columns)
    return f"UPDATE {table} SET {assignments} WHERE {key} = ?"


class ViewDatabase(ABC):
    """A database holding views and their tracking positions."""

    dialect: str
    prefix: str

    def table(self, name: str) -> str:
        """The full name of a view table."""
        return f"{self.prefix}{name}"

    @property
    def integer_key(self) -> str:
        """Column type of a 64-bit integer primary key (SQLite's rowid alias is fastest)."""
        return "INTEGER PRIMARY KEY" if self.dialect == "sqlite" else "BIGINT PRIMARY KEY"

    @abstractmethod
    def transaction(self) -> Any:  # a context manager yielding a ViewTransaction
        """A write transaction: committed on normal exit, rolled back on an exception."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of a read-only SELECT, seeing the latest committed state (or, inside
        :meth:`snapshot`, the snapshot's)."""

    @abstractmethod
    def snapshot(self) -> Any:  # a context manager
        """Read-only: every :meth:`query` of this thread inside the block sees one committed
        state, so rows read by several queries (and the tracking positions) agree. Without
        it each query sees the latest commit, and a batch committed between two queries of
        one answer tears it. Nested, the outer snapshot holds; no write inside."""

    @abstractmethod
    def table_names(self) -> list[str]:
        """Every table of this database whose name starts with the prefix."""

    @abstractmethod
    def close(self) -> None:
        """Close every connection this object opened."""

    def query_in(self, sql: str, values: Sequence[Any], params_before: Sequence[Any] = (),
                 params_after: Sequence[Any] = ()) -> list[Row]:
        """Run ``sql`` (with one ``IN ({in_list})`` marker) over ``values`` in chunks."""
        rows: list[Row] = []
        for chunk in chunked(values, IN_LIST_SIZE_MAX):
            marks = ",".join("?" * len(chunk))
            rows.extend(self.query(sql.format(in_list=marks),
                                   [*params_before, *chunk, *params_after]))
        return rows


def chunked(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``values`` in consecutive slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def execute_in(transaction: ViewTransaction, sql: str, values: Sequence[Any]) -> None:
    """Run a statement with one ``IN ({in_list})`` marker over ``values`` in chunks."""
    for chunk in chunked(values, IN_LIST_SIZE_MAX):
        transaction.execute(sql.format(in_list=",".join("?" * len(chunk))), chunk)


def query_in(transaction: ViewTransaction, sql: str, values: Sequence[Any]) -> list[Row]:
    """Like :meth:`ViewDatabase.query_in`, inside a write transaction."""
    rows: list[Row] = []
    for chunk in chunked(values, IN_LIST_SIZE_MAX):
        rows.extend(transaction.query(sql.format(in_list=",".join("?" * len(chunk))), chunk))
    return rows


# --------------------------------------------------------------------------- SQLite


class _SQLiteTransaction(ViewTransaction):
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._connection.execute(sql, params).rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._connection.executemany(sql, rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._connection.execute(sql, params).fetchall()

    def update_many(self, table: str, key: str, columns: Sequence[str],
                    rows: Sequence[Sequence[Any]], *, add: bool = False) -> None:
        if rows:
            self._connection.executemany(update_statement(table, key, columns, add=add), rows)


class SQLiteViewDatabase(ViewDatabase):
    """Views in an SQLite file, one connection per thread."""

    dialect = "sqlite"

    def __init__(self, path: Path | str, prefix: str = DEFAULT_PREFIX) -> None:
        self.path = Path(path)
        self.prefix = prefix
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, isolation_level=None,
                                         check_same_thread=False)
            connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            connection.execute(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_ROWS}")
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    @contextmanager
    def transaction(self) -> Iterator[ViewTransaction]:
        connection = self._connection()
        # IMMEDIATE takes the write lock now, so two writers queue at BEGIN instead of one
        # failing when its read transaction tries to become a write transaction.
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield _SQLiteTransaction(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._connection().execute(sql, params).fetchall()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        connection = self._connection()
        if connection.in_transaction:
            yield
            return
        # A deferred read transaction: in WAL mode its first SELECT fixes the state that
        # every later SELECT of the transaction sees, whatever commits meanwhile.
        connection.execute("BEGIN")
        try:
            yield
        finally:
            connection.execute("COMMIT")

    def table_names(self) -> list[str]:
        rows = self.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        return [name for (name,) in rows if name.startswith(self.prefix)]

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()


# ----------------------------------------------------------------------- PostgreSQL


def _to_postgres(sql: str) -> str:
    # View SQL never contains a literal '?' or '%': placeholders translate one to one.
    return sql.replace("?", "%s")


NUL, NUL_STAND_IN = "\x00", "\ufffd"


def postgres_row(row: Sequence[Any]) -> Sequence[Any]:
    """``row`` (values or parameters) with U+FFFD for every NUL in its texts: PostgreSQL
    text cannot hold one. The row itself when it holds none (the cost is one look per
    value: about a microsecond per row, beside a COPY's two or three)."""
    for value in row:
        if value.__class__ is str and NUL in value:
            return [item.replace(NUL, NUL_STAND_IN) if isinstance(item, str) else item
                    for item in row]
    return row


_INSERT = re.compile(r"INSERT INTO (\S+) \(([^)]*)\) VALUES \(\?(?:, \?)*\)(.*)", re.DOTALL)


# Staging tables live as long as their connection and are emptied at every commit by
# truncation. Emptied by DELETE alone they would grow by every batch's rows for good
# (autovacuum never visits temporary tables, and COPY appends past dead rows): a rebuild's
# thousandth batch then scanned a thousand batches' dead rows, and the planner, seeing a
# large stage, joined it to the view's table by reading all of it. The in-transaction
# DELETEs below stay for a stage used twice in one transaction.
_STAGE_KEPT = "ON COMMIT DELETE ROWS"


class _PostgresTransaction(ViewTransaction):
    """A view transaction on PostgreSQL. Its statements are planned afresh every time
    (``prepare=False``): psycopg prepares a statement run five times, and PostgreSQL keeps a
    prepared statement's plan until the tables' statistics change. A rebuild writes into
    tables that grow from empty, with nothing analysing them meanwhile (autovacuum off, or
    not yet due): the plans made while they were small (a hash join that reads all of the
    view's transfers to update a few hundred of them) were kept for the whole rebuild, and a
    10 M-event balances rebuild spent most of its time in them. Planning costs a fraction of a
    millisecond per statement, a few per batch of thousands of events."""

    def __init__(self, cursor: psycopg.Cursor[Row]) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._cursor.execute(_to_postgres(sql), postgres_row(params), prepare=False)
        return self._cursor.rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        match = _INSERT.fullmatch(sql)
        if match is None:
            self._cursor.executemany(_to_postgres(sql), map(postgres_row, rows))
            return
        # An INSERT: psycopg's executemany sends one statement per row (about 150 us each
        # here), so rows are streamed with COPY instead: straight into the table, or, when
        # the INSERT has an ON CONFLICT clause, into a temporary staging table first.
        table, columns, conflict = match.groups()
        target = table if not conflict.strip() else f"{table}_stage"
        if target != table:
            self._cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {target} (LIKE {table}) {_STAGE_KEPT}",
                prepare=False)
        with self._cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(postgres_row(row))
        if target != table:
            self._cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {target}{conflict}",
                prepare=False)
            self._cursor.execute(f"DELETE FROM {target}", prepare=False)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self._cursor.execute(_to_postgres(sql), postgres_row(params), prepare=False)
        return self._cursor.fetchall()

    def update_many(self, table: str, key: str, columns: Sequence[str],
                    rows: Sequence[Sequence[Any]], *, add: bool = False) -> None:
        if not rows:
            return
        # Rows go by COPY into a staging table shaped like the updated columns, then one
        # UPDATE ... FROM joins it (one statement per row would cost ~150 us each).
        names = [*columns, key]
        stage = f"{table}_{'add' if add else 'set'}_{zlib.crc32(','.join(names).encode()):08x}"
        listed = ", ".join(names)
        self._cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} {_STAGE_KEPT} "
                             f"AS SELECT {listed} FROM {table} WITH NO DATA", prepare=False)
        with self._cursor.copy(f"COPY {stage} ({listed}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(postgres_row(row))
        if add:
            assignments = ", ".join(f"{column} = t.{column} + s.{column}" for column in columns)
        else:
            assignments = ", ".join(f"{column} = COALESCE(s.{column}, t.{column})"
                                    for column in columns)
        self._cursor.execute(f"UPDATE {table} AS t SET {assignments} FROM {stage} AS s "
                             f"WHERE t.{key} = s.{key}", prepare=False)
        self._cursor.execute(f"DELETE FROM {stage}", prepare=False)


class PostgresViewDatabase(ViewDatabase):
    """Views as prefixed tables of a PostgreSQL database, one connection per thread."""

    dialect = "postgres"

    def __init__(self, conninfo: str, prefix: str = DEFAULT_PREFIX,
                 connect_timeout_s: int = 10) -> None:
        self.conninfo = conninfo
        self.prefix = prefix
        self.connect_timeout_s = connect_timeout_s
        self._local = threading.local()
        self._connections: list[psycopg.Connection[Row]] = []
        self._lock = threading.Lock()

    def _connection(self) -> psycopg.Connection[Row]:
        connection: psycopg.Connection[Row] | None = getattr(self._local, "connection", None)
        if connection is None or connection.closed:
            import psycopg  # noqa: PLC0415 - start-up time: SQLite views never load the driver.

            connection = psycopg.connect(self.conninfo, autocommit=True,
                                         connect_timeout=self.connect_timeout_s)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    @contextmanager
    def transaction(self) -> Iterator[ViewTransaction]:
        connection = self._connection()
        with connection.transaction(), connection.cursor() as cursor:
            yield _PostgresTransaction(cursor)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._connection().cursor() as cursor:
            cursor.execute(_to_postgres(sql), postgres_row(params))
            return cursor.fetchall()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        from psycopg.pq import TransactionStatus  # noqa: PLC0415 - as in _connection.

        connection = self._connection()
        if connection.info.transaction_status != TransactionStatus.IDLE:
            yield
            return
        with connection.transaction():
            # REPEATABLE READ: one snapshot for the whole transaction (READ COMMITTED takes
            # one per statement).
            connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield

    def table_names(self) -> list[str]:
        rows = self.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                          "ORDER BY tablename")
        return [name for (name,) in rows if name.startswith(self.prefix)]

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()


# ---------------------------------------------------------------------------- time

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch: exact, sortable the same way in both dialects."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(microseconds: int) -> datetime:
    """The UTC moment of :func:`to_us`."""
    return datetime.fromtimestamp(microseconds // 1_000_000, tz=UTC).replace(
        microsecond=microseconds % 1_000_000)


class IdTexts:
    """A batch's ids as text, memoised (keyed by the id's integer: hashing a ``UUID`` itself
    runs Python code, hashing its ``int`` does not); the stock and trace batches inherit it."""

    def __init__(self) -> None:
        self._ids: dict[int, str] = {}

    def text(self, value: UUID) -> str:
        """``str(value)``, made once per batch."""
        key = value.int
        text = self._ids.get(key)
        if text is None:
            text = self._ids[key] = str(value)
        return text
