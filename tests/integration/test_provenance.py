"""Decision provenance and replays on a governed territory, on SQLite and PostgreSQL: a
basket prepared under voted terms leads back to the vote, the rule history counts it, and
the terms' what-if over that week replays it exactly; the weeks replayed are voted; a donated
lot stays unpaid in the replay as in the act."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import commands as c
from domain import reporting_commands as r
from domain.errors import InvalidCommand
from domain.proposals import Proposal
from domain.reference_prices import ReferencePrice
from domain.rules import (
    FunderShare,
    ProductPrice,
    SetAllocationKey,
    SetBasketTerms,
    SetPriceGrid,
    SetReferencePrices,
    SetReplayWeeks,
)
from domain.transfers import Transfer
from domain.whatif import Measure, replay_window
from infra.ledger.ledger import Ledger
from infra.provenance import acts_of_decision, provenance_of, rule_history
from infra.whatif import simulate_proposal, simulate_rule
from tests.governance_support import MONDAY, at, governed_territory


def test_a_basket_leads_to_the_terms_it_applied_and_back(ledger: Ledger) -> None:
    """Terms voted, a basket prepared: the basket and its transfers name the decision; the
    history counts one basket; replaying the terms over its week changes nothing."""
    governed = governed_territory(ledger)
    programme = governed.open_programme()
    funders = governed.funder_ids
    for funder_id, share in ((funders[0], 7_000), (funders[1], 3_000)):
        governed.commit(funder_id, 100_000 * share // 10_000, programme)
    decided = SetBasketTerms(programme_id=programme, basket_price_cents=1_200,
                             household_share_cap_bp=2_500,
                             funders=[FunderShare(funders[0], 5_000),
                                      FunderShare(funders[1], 5_000)])
    decision = governed.adopt(decided, effective_from=MONDAY + timedelta(days=6))
    household = governed.enrol(programme, "CCAS-0001")
    lot = governed.basket_stock()
    basket = governed.prepare(household, lot, when=at(7, 10))
    governed.collect(basket, when=at(7, 17))
    found = provenance_of(ledger, basket)
    assert found.kind == "basket"
    assert [item.decision_id for item in found.decisions] == [decision]
    assert found.decisions[0].link == f"/api/proposals/{decision}"
    prepared = ledger.repository.get(basket)
    transfer_id = prepared.transfer_ids()[0]
    assert isinstance(ledger.repository.get(transfer_id), Transfer)
    assert provenance_of(ledger, transfer_id).decisions[0].decision_id == decision
    history = rule_history(ledger)
    entry = next(item for item in history if item.decision_id == decision)
    assert entry.acts_by_kind == {"basket.prepared": 1}
    assert entry.scope_name == "Paniers Solidaires"
    assert acts_of_decision(ledger, decision)[0] == 1
    proposal = governed.proposal(decision)
    assert isinstance(proposal, Proposal)
    week = replay_window(MONDAY + timedelta(days=14), 1)
    same = simulate_rule(ledger, decided, week)
    assert same.consistent
    assert all(row.difference == 0 for section in same.sections for row in section.rows)
    paid = {section.measure: section.actual_total for section in same.sections}
    assert paid[Measure.HOUSEHOLDS_PAID_CENTS] == 1_200 * 2_500 // 10_000
    assert paid[Measure.PRODUCER_PAID_CENTS] == 1_200
    earlier = simulate_proposal(ledger, decision, weeks=1, before=MONDAY + timedelta(days=14))
    assert earlier.consistent


def test_the_weeks_a_simulation_replays_are_voted(ledger: Ledger) -> None:
    """Until decided a simulation replays 8 weeks; a vote for 3 makes later ones replay 3."""
    governed = governed_territory(ledger)
    key = SetAllocationKey(key="proportional_to_households")
    before_vote = governed.propose(key, title="Clé, avant la décision")
    assert len(simulate_proposal(ledger, before_vote).window.weeks) == 8
    decision = governed.adopt(SetReplayWeeks(weeks=3), title="Trois semaines suffisent")
    later = governed.propose(key, opens=at(8), closes=at(12), title="Clé, après la décision")
    simulation = simulate_proposal(ledger, later)
    assert len(simulation.window.weeks) == 3
    assert simulation.window.last_day == MONDAY + timedelta(days=6)
    assert len(simulate_proposal(ledger, later, weeks=5).window.weeks) == 5
    entry = next(item for item in rule_history(ledger) if item.decision_id == decision)
    assert entry.kind == "replay_weeks"
    assert entry.rule == {"kind": "set_replay_weeks", "weeks": 3}
    with pytest.raises(InvalidCommand, match="nothing to simulate"):
        simulate_proposal(ledger, decision)
    with pytest.raises(InvalidCommand, match="1 to 52 weeks"):
        governed.propose(SetReplayWeeks(weeks=53))


def test_a_donated_lot_stays_unpaid_in_the_replay_as_in_the_act(ledger: Ledger) -> None:
    """A donated lot's delivery is unpaid, under the grid in force and any proposed grid;
    once the donation is cancelled, the next delivery of that lot is paid in both."""
    governed = governed_territory(ledger)
    base = governed.base
    governed.adopt(SetReferencePrices(prices=[ReferencePrice("carrot", 150)]),
                   effective_from=MONDAY + timedelta(days=6), title="Prix de référence")
    grid = SetPriceGrid(prices=[ProductPrice("carrot", 200)], outlet_share_bp=2_000,
                        funders=[FunderShare(governed.funder_ids[0], 10_000)])
    governed.adopt(grid, effective_from=MONDAY + timedelta(days=6), title="Grille")
    governed.commit(governed.funder_ids[0], 100_000)
    lot_id = governed.stocked_lot(10_000)
    governed.run(r.RecordDonation, actor_id=base.platform_id, lot_id=lot_id,
                 donor_id=base.producer_id, occurred_at=at(7))
    deliveries = []
    for day, hour in ((8, 9), (9, 9)):
        delivery = base.plan(lot_id, 4_000, occurred_at=at(day, hour - 1))
        base.run(c.DispatchDelivery(command_id=base.command_id("dispatch"),
                                    actor_id=base.platform_id, delivery_id=delivery,
                                    occurred_at=at(day, hour)))
        base.receive_delivery(delivery, lot_id, 4_000)
        deliveries.append(delivery)
        if day == 8:
            governed.run(r.CancelDonation, actor_id=base.platform_id, lot_id=lot_id,
                         reason="erreur de saisie", occurred_at=at(8, 10))
    week = replay_window(MONDAY + timedelta(days=14), 1)
    dearer = SetPriceGrid(prices=[ProductPrice("carrot", 300)], outlet_share_bp=2_000,
                          funders=[FunderShare(governed.funder_ids[0], 10_000)])
    simulation = simulate_rule(ledger, dearer, week)
    assert simulation.consistent
    assert simulation.acts == 2
    paid = {section.measure: section for section in simulation.sections}
    producer = paid[Measure.PRODUCER_PAID_CENTS]
    assert (producer.actual_total, producer.proposed_total) == (800, 1_200), (
        "only the delivery after the cancellation is paid")
