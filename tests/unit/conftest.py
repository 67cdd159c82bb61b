"""Unit tests run the domain and the service layer in memory: no file, no server.

The ``ledger`` fixture here is the ledger on eventsourcing's in-memory store (the same
handlers, unit of work and command records as on SQLite and PostgreSQL), so a handler's
behaviour is checked in milliseconds; ``tests/integration`` runs the same kind of flows on
the real stores.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.ledger.ledger import Ledger


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    """The ledger on the in-memory store."""
    app = Ledger()
    try:
        yield app
    finally:
        app.close()
