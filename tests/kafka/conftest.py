"""Fixtures for the Kafka tests: a real Tansu broker and a real event store.

``kafka_broker`` starts a fresh, empty Tansu per test (it is ready within milliseconds) and
can be restarted empty; ``store_env`` is eventsourcing's environment for a fresh store,
SQLite by default and PostgreSQL when a test is parameterised with ``"postgres"``.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

# kafka-python 3.0 loads its protocol schemas with importlib.resources.read_text, deprecated
# since Python 3.11, and the suite turns warnings into errors. Importing it once here with
# that warning ignored keeps the suite strict for everything else. The lasting fix is a
# filter in pyproject.toml: "ignore:(read_text|open_text) is deprecated:DeprecationWarning".
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", r"(read_text|open_text) is deprecated",
                            DeprecationWarning)
    import kafka  # noqa: F401

from tests.kafka_broker import TansuBroker  # noqa: E402 - after kafka's guarded import.

POSTGRES_HOST = "127.0.0.1"
POSTGRES_PORT = 5432


def _postgres_admin() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(host=POSTGRES_HOST, port=POSTGRES_PORT, user="postgres",
                           dbname="postgres", autocommit=True)


@pytest.fixture
def kafka_broker(tmp_path: Path) -> Iterator[TansuBroker]:
    """A running, empty Tansu broker on a free port, stopped at teardown."""
    with TansuBroker(tmp_path / "tansu.log") as broker:
        yield broker


@pytest.fixture
def kafka_bootstrap_servers(kafka_broker: TansuBroker) -> str:
    """The bootstrap address (``host:port``) of a fresh broker."""
    return kafka_broker.bootstrap_servers


@pytest.fixture
def sqlite_store_env(tmp_path: Path) -> dict[str, str]:
    """eventsourcing's environment for a fresh SQLite event store file."""
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "ledger.db"),
            "SQLITE_LOCK_TIMEOUT": "10"}


@pytest.fixture
def postgres_store_env() -> Iterator[dict[str, str]]:
    """eventsourcing's environment for a fresh PostgreSQL database, dropped at teardown."""
    dbname = f"cocagne_relay_{uuid.uuid4().hex[:12]}"
    with _postgres_admin() as admin:
        admin.execute(f"CREATE DATABASE {dbname}")
    try:
        yield {"PERSISTENCE_MODULE": "eventsourcing.postgres",
               "POSTGRES_DBNAME": dbname, "POSTGRES_HOST": POSTGRES_HOST,
               "POSTGRES_PORT": str(POSTGRES_PORT), "POSTGRES_USER": "postgres", "POSTGRES_PASSWORD": "",
               "POSTGRES_CONNECT_TIMEOUT": "10", "POSTGRES_POOL_SIZE": "2"}
    finally:
        with _postgres_admin() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """eventsourcing's environment for a fresh event store, once per kind of store."""
    env: dict[str, str] = request.getfixturevalue(f"{request.param}_store_env")
    return env
