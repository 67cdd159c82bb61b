"""Each capability's handlers, run in memory: the stories of a lot, a delivery paid under a
price grid, a vote that changes the allocation key, and a solidarity basket.

The same handlers run on SQLite and PostgreSQL in ``tests/integration``; here they show,
fast, that every handler is reached through the registry and keeps its guarantees.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import commands as c
from domain import governance_commands as g
from domain.errors import InsufficientStock, Recalled
from domain.governance import College
from domain.lots import Channel
from domain.proposals import Choice
from domain.rules import FunderShare, ProductPrice, SetAllocationKey, SetPriceGrid
from domain.transfers import AccountKind
from infra.ledger.ledger import Ledger
from infra.ledger.registry import HANDLERS
from infra.reader import rule_book
from tests.builders import assert_refused, found_territory
from tests.governance_support import MONDAY, at, governed_territory


def test_every_command_has_exactly_one_handler() -> None:
    """The registry is the one table: every command struct with a NAME is in it."""
    names = [getattr(command_type, "NAME", "") for command_type in HANDLERS]
    assert all(names)
    assert len(set(names)) == len(names)
    assert {c.OfferLot, c.DispatchDelivery, g.CastVote, g.PrepareBasket} <= set(HANDLERS)


def test_a_lot_from_offer_to_plate_and_its_recall(ledger: Ledger) -> None:
    """Offer, receive, split, reserve, deliver, distribute; a recall reaches the crates."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(12_000)
    crates = territory.split(lot_id, [6_000, 6_000])
    territory.reserve(crates[0], 6_000)
    assert_refused(ledger, c.ReserveLot(
        command_id=territory.command_id("reserve"), actor_id=territory.platform_id,
        lot_id=crates[0], outlet_id=territory.outlet_id, quantity_g=1),
        InsufficientStock, "0 g available")
    territory.deliver(crates[0], 6_000)
    territory.run(c.RecordDistribution(
        command_id=territory.command_id("give"), actor_id=territory.outlet_id,
        lot_id=crates[0], quantity_g=2_500, channel=Channel.FOOD_AID))
    recalled = territory.run(c.RecallLot(
        command_id=territory.command_id("recall"), actor_id=territory.producer_id,
        lot_id=lot_id, reason="résidus au-dessus du seuil")).stream_ids
    assert set(recalled) == {lot_id, *crates}
    assert_refused(ledger, c.RecordDistribution(
        command_id=territory.command_id("give"), actor_id=territory.outlet_id,
        lot_id=crates[0], quantity_g=1_000, channel=Channel.FOOD_AID), Recalled)
    assert territory.lot(crates[0]).held_g[territory.outlet_id] == 3_500


def test_a_dispatch_under_a_price_grid_reserves_the_producers_pay(ledger: Ledger) -> None:
    """Dispatch prices the lines; the receipt posts what arrived, the rest is released."""
    gov = governed_territory(ledger)
    gov.adopt(SetPriceGrid(prices=[ProductPrice("carrot", 200)], outlet_share_bp=2_000,
                           funders=[FunderShare(gov.funder_ids[0], 10_000)]),
              effective_from=MONDAY + timedelta(days=7))
    gov.commit(gov.funder_ids[0], 100_000)
    base = gov.base
    lot_id = gov.stocked_lot(10_000)
    delivery_id = base.plan(lot_id, 10_000, occurred_at=at(0, 9))
    dispatched = base.run(c.DispatchDelivery(
        command_id=base.command_id("dispatch"), actor_id=base.platform_id,
        delivery_id=delivery_id, occurred_at=at(8)))
    assert len(dispatched.stream_ids) > 2, "the settlement and transfers are in the same act"
    base.run(c.ReceiveDelivery(
        command_id=base.command_id("receipt"), actor_id=base.outlet_id,
        delivery_id=delivery_id, lines=[c.ReceiptLine(lot_id, 7_500)], signer="Marie",
        occurred_at=at(8, 11)))
    producer = gov.account(AccountKind.PRODUCER, base.producer_id)
    assert (producer.credits_posted, producer.credits_pending) == (1_500, 0)
    gov.assert_balanced()


def test_an_adopted_allocation_key_is_in_force_from_its_date(ledger: Ledger) -> None:
    """The weighted vote adopts the key; the rule book holds it from the effective day."""
    gov = governed_territory(ledger)
    proposal_id = gov.propose(SetAllocationKey(key="proportional_to_households",
                                               minimum_share_bp=500),
                              effective_from=MONDAY + timedelta(days=7))
    for college in (College.PRODUCERS, College.OUTLETS, College.HOUSEHOLDS):
        gov.vote_college(proposal_id, college, Choice.YES)
    assert gov.close(proposal_id).outcome is not None
    book = rule_book(ledger)
    assert book is not None
    assert book.enactments[0].decision_id == proposal_id


@pytest.mark.parametrize("collected", [True, False])
def test_a_basket_posts_or_voids_the_households_and_funders_shares(
        ledger: Ledger, collected: bool) -> None:
    """A collected basket posts the shares; a cancelled one releases them; balances hold."""
    gov = governed_territory(ledger)
    programme_id = gov.open_programme()
    for funder_id in gov.funder_ids:
        gov.commit(funder_id, 10_000, programme_id)
    household_id = gov.enrol(programme_id, "CCAS-0001")
    basket_id = gov.prepare(household_id, gov.basket_stock())
    if collected:
        gov.collect(basket_id)
    else:
        gov.run(g.CancelBasket, actor_id=gov.collection_point_id, basket_id=basket_id,
                reason="non retiré", occurred_at=at(4, 12))
    household = gov.account(AccountKind.HOUSEHOLD, household_id)
    assert household.debits_pending == 0
    assert (household.debits_posted > 0) is collected
    gov.assert_balanced()
