"""A text holding a NUL (U+0000) already stored in events does not stop the views.

PostgreSQL text cannot hold a NUL: a product, variety or name written with one (before the
API refused them, or through another door) made every batch holding it fail, and the views
stayed behind that event for good. The PostgreSQL view store writes U+FFFD in its place;
SQLite holds the text as written. The event is written straight through the ledger (the
domain takes any text); the views are built on a fresh store of each kind.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.members import MemberKind
from infra.ledger.ledger import Ledger
from infra.projections_wiring import LedgerProjections, open_projections
from infra.store import StoreLocation
from tests.builders import found_territory, max_notification_id

PRODUCT = "Car\x00rot"
VARIETY = "Nan\x00taise"
PRODUCER = "Jardin\x00du Doubs"


@pytest.fixture
def views(store: StoreLocation) -> Iterator[tuple[Ledger, LedgerProjections]]:
    """A ledger and its views on a fresh store (SQLite file or PostgreSQL database)."""
    ledger = Ledger(store)
    projections = open_projections(ledger)
    try:
        yield ledger, projections
    finally:
        projections.close()
        ledger.close()


def test_views_catch_up_past_a_nul_and_show_the_lot(
        store: StoreLocation, views: tuple[Ledger, LedgerProjections]) -> None:
    ledger, projections = views
    territory = found_territory(ledger)
    producer = territory.register_member(PRODUCER, MemberKind.PRODUCER)
    lot = territory.stocked_lot(50_000, product=PRODUCT, variety=VARIETY, actor_id=producer)
    after = territory.stocked_lot(20_000, product="Leek")
    projections.catch_up()
    head = max_notification_id(ledger)
    with projections.snapshot() as positions:
        assert positions == dict.fromkeys(positions, head), positions
    # PostgreSQL text cannot hold the NUL: U+FFFD stands in its place; SQLite keeps it.
    shown = (lambda text: text) if store.kind == "sqlite" else (
        lambda text: text.replace("\x00", "\ufffd"))
    stock = {line.lot_id: line for line in projections.stock.lines()}
    assert stock[str(lot)].product == shown(PRODUCT.lower())
    assert stock[str(lot)].variety == shown(VARIETY)
    assert stock[str(lot)].on_hand_g == 50_000
    assert stock[str(after)].on_hand_g == 20_000
    traced = projections.trace.lots([str(lot), str(after)])
    assert traced[str(lot)].product == shown(PRODUCT.lower())
    assert traced[str(lot)].producer_name == shown(PRODUCER)
    assert projections.trace.resolve(traced[str(lot)].code) == str(lot)
    assert projections.stock.lines(product=shown(PRODUCT.lower()))[0].lot_id == str(lot)
