"""Shared fixtures: a fresh event store on SQLite (a real file) and on PostgreSQL.

PostgreSQL tests create and drop their own database on the local server
(127.0.0.1:5432, user postgres, trust auth). A server that cannot be reached fails the
test: it is never skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from hypothesis import HealthCheck, settings

from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.store import StoreLocation, sqlite_location

POSTGRES_ADMIN_URL = os.environ.get("COCAGNE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
POSTGRES_DATABASE_PREFIX = os.environ.get("COCAGNE_TEST_DATABASE_PREFIX", "cocagne_test")
"""What the test databases' names begin with (one prefix per person sharing the server)."""

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")
configure_logging("warning")


def create_postgres_database() -> StoreLocation:
    """Create an empty database on the local server and return its location."""
    name = f"{POSTGRES_DATABASE_PREFIX}_{uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return StoreLocation(kind="postgres", postgres_dbname=name)


def drop_postgres_database(location: StoreLocation) -> None:
    """Drop a database made by ``create_postgres_database``."""
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{location.postgres_dbname}" WITH (FORCE)')


@contextmanager
def store_of_kind(kind: str, directory: Path) -> Iterator[StoreLocation]:
    """A fresh store of ``kind``: a SQLite file in ``directory``, or a PostgreSQL database
    dropped afterwards."""
    if kind == "sqlite":
        yield sqlite_location(directory / "ledger.db")
        return
    location = create_postgres_database()
    try:
        yield location
    finally:
        drop_postgres_database(location)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> StoreLocation:
    """A fresh SQLite file."""
    return sqlite_location(tmp_path / "ledger.db")


@pytest.fixture
def postgres_store() -> Iterator[StoreLocation]:
    """A fresh PostgreSQL database, dropped afterwards."""
    location = create_postgres_database()
    try:
        yield location
    finally:
        drop_postgres_database(location)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreLocation]:
    """The same test against both stores."""
    with store_of_kind(request.param, tmp_path) as location:
        yield location


@pytest.fixture
def ledger(store: StoreLocation) -> Iterator[Ledger]:
    """A ledger application on each store."""
    app = Ledger(store)
    try:
        yield app
    finally:
        app.close()


SCENARIO_NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
"""What "now" is in scenario tests: after every date their stories use (2026), fixed so
that no test depends on the day it runs (a harvest a year before "now" is refused)."""
SCENARIO_FOUNDED_AT = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
"""When the scenario cooperatives are founded: before every act their stories date."""


@pytest.fixture(autouse=True, scope="session")
def scenario_time() -> Iterator[None]:
    """Scenario tests write weeks of 2026 as lived history: every ledger runs each batch at
    the business time its commands give (``Ledger.lived``), on a fixed clock otherwise.
    Session-wide, so that module fixtures building a ledger get it too; ``tests/e2e/api``
    turns ``lived`` off: the API runs on its world's clock and exercises the back-dating
    window as a live server does."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Ledger, "lived", True)
        patch.setattr(Ledger, "default_clock", lambda: SCENARIO_NOW)
        yield
