"""Where the event store lives: one URL chooses SQLite (the embedded default) or PostgreSQL.

``COCAGNE_DATABASE_URL`` takes either ``sqlite:///path/to/file.db`` or
``postgresql://user[:password]@host[:port]/dbname``. With nothing set, the ledger writes to
``var/cocagne.db`` beside the working directory. The URL is turned into the environment that
eventsourcing's infrastructure factories read (``PERSISTENCE_MODULE``, ``SQLITE_DBNAME``,
``POSTGRES_*``). ``POSTGRES_ENABLE_DB_FUNCTIONS`` is never set: it weakens ordering and
drops tracking. ``APPLICATION_RECORDER_TOPIC`` names the recorders of ``infra.audit.sealing``,
which link every event into the hash chain in the transaction that stores it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

DEFAULT_SQLITE_PATH = Path("var/cocagne.db")
DATABASE_URL_VARIABLE = "COCAGNE_DATABASE_URL"
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
without being linked. For the write benchmark's comparison and the old-store tests only."""


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

    def eventsourcing_env(self) -> dict[str, str]:
        """The environment eventsourcing's infrastructure factory reads."""
        if self.kind == "sqlite":
            assert self.sqlite_path is not None
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "APPLICATION_RECORDER_TOPIC": SEALED_SQLITE_RECORDER_TOPIC,
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": str(SQLITE_LOCK_TIMEOUT_S),
            }
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": SEALED_POSTGRES_RECORDER_TOPIC,
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
    """The location named by ``COCAGNE_DATABASE_URL``, or the default SQLite file."""
    url = os.environ.get(DATABASE_URL_VARIABLE, "")
    if url:
        return parse_database_url(url)
    return sqlite_location(default_path)
