"""Arithmetic over several lots, without a store: merges, transformations, recalls, dispatch."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from domain.base import Context, Role
from domain.errors import InsufficientStock, InvalidCommand, QuantityMismatch
from domain.lot_graph import (
    RECALL_LOTS_MAX,
    check_dispatch_stock,
    check_inputs,
    check_inputs_available,
    check_transformation_balance,
    dispatch_quantities,
    merged_identity,
    recall_walk,
)
from domain.lots import ChildShare, Lot, Process

SITE = uuid4()
PLATFORM = uuid4()
OUTLET_A, OUTLET_B = uuid4(), uuid4()


def context() -> Context:
    """A platform's act at a fixed business time."""
    return Context(member_id=PLATFORM, role=Role.PLATFORM, command_id="c", correlation_id="c",
                   causation_id="c", occurred_at=datetime(2026, 11, 3, 9, tzinfo=UTC))


def received_lot(product: str = "carotte", quantity_g: int = 10_000,
                 variety: str = "Nantaise") -> Lot:
    """A lot offered, accepted and received at ``SITE``."""
    lot = Lot.offer(uuid4(), context(), code=f"L-{uuid4().hex[:6]}", producer_id=uuid4(),
                    product=product, variety=variety, quantity_g=quantity_g,
                    price_cents_per_kg=150, harvest_date=date(2026, 11, 2),
                    best_before=date(2026, 11, 20), organic_certificate="FR-BIO-01",
                    origin="Parcelle 1")
    lot.accept(context(), site_id=SITE, accepted_g=quantity_g)
    lot.receive(context(), site_id=SITE, measured_g=quantity_g)
    return lot


def test_inputs_are_distinct_and_bounded() -> None:
    """A merge names each lot once, and at least one."""
    lot_id = uuid4()
    with pytest.raises(InvalidCommand, match="lists a lot twice"):
        check_inputs("merge", [lot_id, lot_id])
    with pytest.raises(InvalidCommand, match="1 to 100 input lots, got 0"):
        check_inputs("transform", [])


def test_inputs_must_be_available_at_one_site() -> None:
    """Taking more than a lot has available is refused with both figures."""
    lot = received_lot(quantity_g=5_000)
    with pytest.raises(InsufficientStock, match=r"merge 6000 g refused.*5000 g available"):
        check_inputs_available("merge", [(lot, 6_000)])


def test_a_merge_keeps_one_product_and_its_shared_variety() -> None:
    """Two lots of carrots make carrots; mixing products needs a transformation."""
    first, second = received_lot(quantity_g=3_000), received_lot(quantity_g=4_500)
    assert merged_identity([(first, 3_000), (second, 2_000)]) == ("carotte", "Nantaise", 5_000)
    other = received_lot(variety="Chantenay")
    assert merged_identity([(first, 1), (other, 1)])[1] == ""
    leeks = received_lot(product="poireau")
    with pytest.raises(InvalidCommand, match="one product only"):
        merged_identity([(first, 1_000), (leeks, 1_000)])


def test_a_transformation_conserves_mass_with_its_declared_loss() -> None:
    """Outputs plus loss weigh exactly the inputs; the refusal gives the three figures."""
    check_transformation_balance(10_000, [6_000, 3_500], 500)
    with pytest.raises(QuantityMismatch, match=r"outputs 9500 g \+ loss 0 g = 9500 g, but "
                                               r"inputs are 10000 g"):
        check_transformation_balance(10_000, [6_000, 3_500], 0)


def test_the_recall_walk_reaches_every_lot_made_from_the_origin_once() -> None:
    """A split's crates and a merge of two crates are all reached, the merge only once."""
    origin = received_lot(quantity_g=9_000)
    crates = [ChildShare(uuid4(), f"{origin.code}-{index}", 3_000) for index in (1, 2, 3)]
    origin.split(context(), crates)
    derived = {crate.lot_id: Lot.derive(crate.lot_id, context(), code=crate.code,
                                        process=Process.SPLIT, product=origin.product,
                                        variety=origin.variety, parents=[(origin, 3_000)],
                                        quantity_g=3_000)
               for crate in crates}
    merged_id = uuid4()
    first, second = (derived[crates[0].lot_id], derived[crates[1].lot_id])
    share = ChildShare(merged_id, "M-1", 6_000)
    first.merge_into(context(), share, 3_000)
    second.merge_into(context(), share, 3_000)
    derived[merged_id] = Lot.derive(merged_id, context(), code="M-1", process=Process.MERGE,
                                    product="carotte", variety="Nantaise",
                                    parents=[(first, 3_000), (second, 3_000)],
                                    quantity_g=6_000)
    loaded: list[UUID] = []

    def load(lot_id: UUID) -> Lot:
        loaded.append(lot_id)
        return derived[lot_id]

    reached = recall_walk(origin, load)
    assert [lot.id for lot in reached] == [origin.id, *(crate.lot_id for crate in crates),
                                           merged_id]
    assert sorted(map(str, loaded)) == sorted(map(str, [*derived])), "each lot loaded once"
    assert RECALL_LOTS_MAX >= 10_000


def test_dispatch_draws_on_each_outlets_reservation_then_shared_stock() -> None:
    """Two stops on one lot: reservations first, the rest from what is available."""
    lot = received_lot(quantity_g=10_000)
    lot.reserve(context(), outlet_id=OUTLET_A, quantity_g=4_000)
    per_lot = dispatch_quantities([(OUTLET_A, [(lot.id, 4_000)]),
                                   (OUTLET_B, [(lot.id, 6_000)])])
    assert per_lot == {(lot.id, OUTLET_A): 4_000, (lot.id, OUTLET_B): 6_000}
    check_dispatch_stock(lot, {OUTLET_A: 4_000, OUTLET_B: 6_000})
    with pytest.raises(InsufficientStock, match=r"takes 11000 g .* 6000 g available"):
        check_dispatch_stock(lot, {OUTLET_A: 5_000, OUTLET_B: 6_000})
