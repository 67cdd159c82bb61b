"""Where the event store lives: one URL chooses SQLite (the embedded default) or PostgreSQL.

``COCAGNE_DATABASE_URL`` takes either ``sqlite:///path/to/file.db`` or
``postgresql://user[:password]@host[:port]/dbname``. With nothing set, the ledger writes to
``var/cocagne.db`` beside the working directory. The URL is turned into the environment that
eventsourcing's infrastructure factories read (``PERSISTENCE_MODULE``, ``SQLITE_DBNAME``,
``POSTGRES_*``). ``POSTGRES_ENABLE_DB_FUNCTIONS`` is never set: it weakens ordering and
drops tracking. ``APPLICATION_RECORDER_TOPIC`` names the recorders of ``infra.audit.sealing``,
which link every event into the hash chain in the transaction that stores it.

The PostgreSQL password may stay out of the URL (and out of ``docker-compose.yml``):
``COCAGNE_DATABASE_PASSWORD_FILE`` names a file holding it, such as a Docker secret mounted at
``/run/secrets/postgres_password``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

DEFAULT_SQLITE_PATH = Path("var/cocagne.db")
DATABASE_URL_VARIABLE = "COCAGNE_DATABASE_URL"
PASSWORD_FILE_VARIABLE = "COCAGNE_DATABASE_PASSWORD_FILE"  # noqa: S105 - a variable's name.
PASSWORD_FILE_BYTES_MAX = 4_096  # A password file is one line; anything longer is a mistake.
APPLICATION_NAME = "Ledger"
"""The eventsourcing application name; PostgreSQL tables are named ``ledger_events`` etc."""

# Why 10 s: long enough to ride out a checkpoint or a concurrent writer's batch on a
# laptop disk, short enough that a stuck writer is reported rather than waited on forever.
SQLITE_LOCK_TIMEOUT_S = 10
POSTGRES_CONNECT_TIMEOUT_S = 10
POSTGRES_POOL_SIZE = 5
SEALED_SQLITE_RECORDER_TOPIC = "infra.audit.sealing:SealedSQLiteApplicationRecorder"
SEALED_POSTGRES_RECORDER_TOPIC = "infra.audit.sealing:SealedPostgresApplicationRecorder"
"""Named as text (eventsourcing resolves them), so this module imports no recorder."""
UNSEALED_ENV = {"APPLICATION_RECORDER_TOPIC": ""}
"""Merged into a ledger's environment, eventsourcing's plain recorders: events are stored
without being linked, as before issue 13. For the write benchmark's comparison and the tests
of stores written before; never for a ledger that serves."""


class StoreConfigurationError(ValueError):
    """The database URL cannot be understood."""


@dataclass(frozen=True)
class StoreLocation:
    """A parsed database URL."""

    kind: str  # "sqlite" or "postgres"
    sqlite_path: Path | None = None
    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_user: str = "postgres"
    postgres_password: str = ""
    postgres_dbname: str = ""

    @property
    def url(self) -> str:
        """The location written back as a URL (password left out)."""
        if self.kind == "sqlite":
            return f"sqlite:///{self.sqlite_path}"
        return (
            f"postgresql://{self.postgres_user}@{self.postgres_host}:"
            f"{self.postgres_port}/{self.postgres_dbname}"
        )

    def eventsourcing_env(self, *, sealing: bool = True) -> dict[str, str]:
        """The environment eventsourcing's infrastructure factory reads.

        ``sealing=False`` names eventsourcing's plain recorder, for paths that only read (the
        ``Reader``, the relay): they have nothing to seal, and opening a sealing recorder
        would write (the catch-up of a store written before sealing was on).
        """
        if self.kind == "sqlite":
            assert self.sqlite_path is not None
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "APPLICATION_RECORDER_TOPIC": SEALED_SQLITE_RECORDER_TOPIC if sealing else "",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": str(SQLITE_LOCK_TIMEOUT_S),
            }
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": SEALED_POSTGRES_RECORDER_TOPIC if sealing else "",
            "POSTGRES_DBNAME": self.postgres_dbname,
            "POSTGRES_HOST": self.postgres_host,
            "POSTGRES_PORT": str(self.postgres_port),
            "POSTGRES_USER": self.postgres_user,
            "POSTGRES_PASSWORD": self.postgres_password,
            "POSTGRES_CONNECT_TIMEOUT": str(POSTGRES_CONNECT_TIMEOUT_S),
            "POSTGRES_POOL_SIZE": str(POSTGRES_POOL_SIZE),
        }


def parse_database_url(url: str) -> StoreLocation:
    """Parse ``sqlite:///file.db`` or ``postgresql://user@host:port/db``."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        raw_path = unquote(parts.path)
        # sqlite:///relative.db gives "/relative.db"; sqlite:////abs.db gives "//abs.db".
        if raw_path.startswith("//"):
            path = Path(raw_path[1:])
        else:
            path = Path(parts.netloc + raw_path) if parts.netloc else Path(raw_path.lstrip("/"))
        if str(path) in {"", "."}:
            raise StoreConfigurationError(f"database URL {url!r} names no SQLite file")
        return StoreLocation(kind="sqlite", sqlite_path=path)
    if parts.scheme in {"postgres", "postgresql"}:
        dbname = parts.path.lstrip("/")
        if not dbname:
            raise StoreConfigurationError(f"database URL {url!r} names no PostgreSQL database")
        return StoreLocation(
            kind="postgres",
            postgres_host=parts.hostname or "127.0.0.1",
            postgres_port=parts.port or 5432,
            postgres_user=unquote(parts.username or "postgres"),
            postgres_password=unquote(parts.password or ""),
            postgres_dbname=dbname,
        )
    raise StoreConfigurationError(
        f"database URL {url!r} is neither sqlite:///FILE nor postgresql://USER@HOST:PORT/DB"
    )


def sqlite_location(path: Path | str) -> StoreLocation:
    """A location for an SQLite file."""
    return StoreLocation(kind="sqlite", sqlite_path=Path(path))


def location_from_environment(default_path: Path = DEFAULT_SQLITE_PATH) -> StoreLocation:
    """The location named by ``COCAGNE_DATABASE_URL`` (its PostgreSQL password read from
    ``COCAGNE_DATABASE_PASSWORD_FILE`` when set), or the default SQLite file."""
    url = os.environ.get(DATABASE_URL_VARIABLE, "")
    if not url:
        return sqlite_location(default_path)
    location = parse_database_url(url)
    password_file = os.environ.get(PASSWORD_FILE_VARIABLE, "")
    if password_file and location.kind == "postgres":
        if location.postgres_password:
            raise StoreConfigurationError(
                f"{DATABASE_URL_VARIABLE} holds a password and {PASSWORD_FILE_VARIABLE} names "
                f"a file: keep only one")
        location = replace(location, postgres_password=read_password_file(Path(password_file)))
    return location


def read_password_file(path: Path) -> str:
    """The password in ``path``: its first line, without the line ending."""
    try:
        with path.open("rb") as file:
            content = file.read(PASSWORD_FILE_BYTES_MAX + 1)
    except OSError as error:
        raise StoreConfigurationError(
            f"cannot read the database password file {path}: {error.strerror}") from error
    if len(content) > PASSWORD_FILE_BYTES_MAX:
        raise StoreConfigurationError(
            f"database password file {path} is larger than {PASSWORD_FILE_BYTES_MAX} bytes")
    try:
        lines = content.decode("utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise StoreConfigurationError(
            f"database password file {path} is not UTF-8 text") from error
    password = lines[0] if lines else ""
    if not password:
        raise StoreConfigurationError(f"database password file {path} is empty")
    return password


def location_from_eventsourcing_env(env: dict[str, str]) -> StoreLocation | None:
    """The location eventsourcing's environment names (None for the in-memory store)."""
    module = env.get("PERSISTENCE_MODULE", "")
    if module == "eventsourcing.sqlite":
        return sqlite_location(env["SQLITE_DBNAME"])
    if module == "eventsourcing.postgres":
        return StoreLocation(
            kind="postgres", postgres_host=env.get("POSTGRES_HOST", "127.0.0.1"),
            postgres_port=int(env.get("POSTGRES_PORT", "5432")),
            postgres_user=env.get("POSTGRES_USER", "postgres"),
            postgres_password=env.get("POSTGRES_PASSWORD", ""),
            postgres_dbname=env.get("POSTGRES_DBNAME", ""))
    return None


class StoreHead:
    """The id of the last stored event, read cheaply and often (the stream cache asks for it
    at the start of every unit of work).

    eventsourcing's ``max_notification_id`` takes a pooled connection and a transaction
    (40 µs here); on SQLite a dedicated autocommit connection answers the same in 7 µs. On
    PostgreSQL, and for the in-memory store, the recorder answers. (A ledger whose sealing
    SQLite recorder writes through a connection of its own asks that recorder instead: the
    writer's page cache is current after its commits, where any other connection's is not.)
    """

    def __init__(self, location: StoreLocation | None, recorder: Any) -> None:
        self._recorder = recorder
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        if location is not None and location.kind == "sqlite":
            assert location.sqlite_path is not None
            table = getattr(recorder, "events_table_name", "stored_events")
            self._statement = f"SELECT MAX(rowid) FROM {table}"
            self._connection = sqlite3.connect(location.sqlite_path, isolation_level=None,
                                               check_same_thread=False,
                                               timeout=SQLITE_LOCK_TIMEOUT_S)

    def read(self) -> int:
        """The last notification id (0 when the store is empty)."""
        if self._connection is None:
            return int(self._recorder.max_notification_id() or 0)
        with self._lock:
            row = self._connection.execute(self._statement).fetchone()
        return int(row[0] or 0)

    def close(self) -> None:
        """Close the dedicated connection, if any."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
