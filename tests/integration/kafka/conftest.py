"""Fixtures for the Kafka tests: a real Tansu broker and a real event store.

``kafka_broker`` starts a fresh, empty Tansu per test (it is ready within milliseconds) and
can be restarted empty. ``store_env`` is eventsourcing's environment for a fresh store
(the ``sqlite_store`` and ``postgres_store`` of ``tests/conftest.py``), as the relay takes it.
"""

from __future__ import annotations

import gc
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.store import StoreLocation

# kafka-python 3.0 loads its protocol schemas with importlib.resources.read_text, deprecated
# since Python 3.11, and the suite turns warnings into errors. Importing it once here with
# that warning ignored keeps the suite strict for everything else. The lasting fix is a
# filter in pyproject.toml: "ignore:(read_text|open_text) is deprecated:DeprecationWarning".
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", r"(read_text|open_text) is deprecated",
                            DeprecationWarning)
    import kafka  # noqa: F401

from tests.kafka_broker import TansuBroker

KAFKA_TESTS_DIRECTORY = Path(__file__).parent
# kafka-python 3.0 does not close the socket of a refused connection (a broker restarting).
# The socket lives on in the failed connection's exception until the garbage collector
# finalises it, which warns at whatever moment the collector runs; and when kafka-python
# logs that exception, pytest's log capture keeps it alive until the test is over.
UNCLOSED_SOCKET_WARNING = "ignore:unclosed <socket.socket:ResourceWarning"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Ignore kafka-python's unclosed-socket warning in the tests of this directory only."""
    for item in items:
        if KAFKA_TESTS_DIRECTORY in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings(UNCLOSED_SOCKET_WARNING))


@pytest.fixture(autouse=True)
def _finalise_kafka_python_sockets() -> Iterator[None]:
    """Keep kafka-python's leaked sockets from warning in a later test of another directory.

    During the test, kafka-python's own log lines are not captured (they would keep the
    leaked sockets alive past the test); after it, the collector finalises them with the
    warning ignored. The relay's structlog lines are still captured.
    """
    kafka_logger = logging.getLogger("kafka")
    level = kafka_logger.level
    kafka_logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        kafka_logger.setLevel(level)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "unclosed <socket.socket", ResourceWarning)
            gc.collect()


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
def sqlite_store_env(sqlite_store: StoreLocation) -> dict[str, str]:
    """eventsourcing's environment for a fresh SQLite event store file."""
    return sqlite_store.eventsourcing_env()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """eventsourcing's environment for a fresh event store, once per kind of store."""
    location: StoreLocation = request.getfixturevalue(f"{request.param}_store")
    return location.eventsourcing_env()
