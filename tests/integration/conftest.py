"""Fixtures the integration tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.ledger.ledger import Ledger
from infra.store import StoreLocation
from tests.builders import LIVE_NOW, Territory, found_territory


@pytest.fixture
def live(store: StoreLocation) -> Iterator[tuple[Ledger, Territory]]:
    """A ledger as a server runs it (not lived history), its clock fixed at ``LIVE_NOW``."""
    ledger = Ledger(store)
    ledger.lived = False
    ledger.clock = lambda: LIVE_NOW
    try:
        yield ledger, found_territory(ledger)
    finally:
        ledger.close()
