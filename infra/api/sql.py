"""Plain SQL on the event store's database (for the API's own small table and for reading
the relay's position), one connection per thread, on SQLite or PostgreSQL alike."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import psycopg

from infra.store import POSTGRES_CONNECT_TIMEOUT_S, SQLITE_LOCK_TIMEOUT_S, StoreLocation


class StoreDatabase:
    """Connections to the store's database; SQL is written with ``?`` placeholders."""

    def __init__(self, location: StoreLocation) -> None:
        self.location = location
        self._local = threading.local()
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._placeholder = "?" if location.kind == "sqlite" else "%s"

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is not None and not getattr(connection, "closed", False):
            return connection
        location = self.location
        if location.kind == "sqlite":
            assert location.sqlite_path is not None
            location.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit: each statement is its own short transaction, so the API never
            # holds SQLite's single write lock across a request.
            connection = sqlite3.connect(location.sqlite_path, isolation_level=None,
                                         check_same_thread=False,
                                         timeout=SQLITE_LOCK_TIMEOUT_S)
        else:
            connection = psycopg.connect(
                host=location.postgres_host, port=location.postgres_port,
                user=location.postgres_user, password=location.postgres_password or None,
                dbname=location.postgres_dbname, autocommit=True,
                connect_timeout=POSTGRES_CONNECT_TIMEOUT_S)
        self._local.connection = connection
        with self._lock:
            self._connections.append(connection)
        return connection

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; the rows it returns (none for writes)."""
        sql = sql.replace("?", self._placeholder)
        connection = self._connection()
        if self.location.kind == "sqlite":
            rows: list[tuple[Any, ...]] = connection.execute(sql, params).fetchall()
            return rows
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []

    def table_exists(self, name: str) -> bool:
        """Whether a table exists (without creating it)."""
        if self.location.kind == "sqlite":
            sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        else:
            sql = "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = ?"
        return bool(self.execute(sql, (name,)))

    def close(self) -> None:
        """Close every connection opened."""
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()
