"""What-if replay on the governed demo, on SQLite and PostgreSQL: replaying the rule in force
gives what happened, for every rule kind; the adopted allocation key over the weeks before its
adoption gives the lines a round under it computes; a simulation writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import msgspec
import pytest

from domain.allocations import AllocationRound
from domain.baskets import BasketProgramme
from domain.errors import InvalidCommand
from domain.proposals import Proposal
from domain.rules import (
    RuleKind,
    SetAllocationKey,
    SetBasketTerms,
    SetPriceGrid,
    allocation_rule,
    price_grid_in_force,
)
from domain.whatif import Measure, Simulation, replay_window
from infra.ledger.ledger import Ledger
from infra.reader import Reader, find_stream, rule_book
from infra.whatif import gather_inputs, simulate_proposal, simulate_rule
from tests.whatif_support import (
    ADOPTION,
    DEMO_WEEKS,
    END,
    FIRST_MONDAY,
    Demo,
    governed_demo,
    proposal_ids,
    scratch_round,
)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def demo(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The governed demo on each store (written once per store for this module)."""
    yield from governed_demo(request, tmp_path_factory)


def simulated_proposals(ledger: Ledger) -> list[UUID]:
    """The demo's proposals of a rule a simulation replays (the others say there is none)."""
    found = []
    for proposal_id in proposal_ids(ledger):
        proposal = find_stream(ledger, proposal_id)
        assert isinstance(proposal, Proposal)
        if isinstance(proposal.payload, SetAllocationKey | SetPriceGrid | SetBasketTerms):
            found.append(proposal_id)
            continue
        with pytest.raises(InvalidCommand, match="nothing to simulate"):
            simulate_proposal(ledger, proposal_id)
    assert len(found) == 2
    return found


def section(simulation: Simulation, measure: Measure) -> dict[str, tuple[int, int, int]]:
    """A section's rows as label -> (actual, replayed, proposed)."""
    found = next(item for item in simulation.sections if item.measure == measure)
    return {row.label: (row.actual, row.replayed, row.proposed) for row in found.rows}


def assert_no_difference(simulation: Simulation) -> None:
    """Every row: proposed == replayed == actual, and something was replayed."""
    assert simulation.consistent
    assert simulation.acts > 0
    assert any(section.rows for section in simulation.sections)
    for item in simulation.sections:
        for row in item.rows:
            assert (row.actual, row.replayed, row.difference) == (row.proposed, row.proposed, 0), (
                item.measure, row)


def test_replaying_the_price_grid_in_force_gives_what_happened(demo: Demo) -> None:
    """The grid in force over every demo week: producers, funders and outlets paid the same."""
    window = replay_window(END, DEMO_WEEKS)
    book = rule_book(demo.ledger)
    decided = price_grid_in_force(book, FIRST_MONDAY)
    assert decided is not None
    simulation = simulate_rule(demo.ledger, decided[0], window)
    assert_no_difference(simulation)
    paid = section(simulation, Measure.PRODUCER_PAID_CENTS)
    assert len(paid) == 7  # The six gardens and the dairy farm.
    assert all(actual > 0 for actual, _, _ in paid.values())
    spent = next(item for item in simulation.sections
                 if item.measure == Measure.FUNDER_SPENT_CENTS)
    outlets = next(item for item in simulation.sections
                   if item.measure == Measure.OUTLET_PAID_CENTS)
    producers = next(item for item in simulation.sections
                     if item.measure == Measure.PRODUCER_PAID_CENTS)
    assert spent.actual_total + outlets.actual_total == producers.actual_total


def test_replaying_the_allocation_key_in_force_gives_what_happened(demo: Demo) -> None:
    """The adopted key over the weeks it was in force: every outlet got the same grams."""
    weeks_in_force = DEMO_WEEKS - (ADOPTION - FIRST_MONDAY).days // 7
    window = replay_window(END, weeks_in_force)
    assert window.first_day == ADOPTION
    adopted = next(proposal for proposal in (find_stream(demo.ledger, pid)
                                             for pid in proposal_ids(demo.ledger))
                   if isinstance(proposal, Proposal)
                   and isinstance(proposal.payload, SetAllocationKey))
    assert isinstance(adopted.payload, SetAllocationKey)
    simulation = simulate_rule(demo.ledger, adopted.payload, window)
    assert_no_difference(simulation)
    assert len(section(simulation, Measure.OUTLET_ALLOCATED_G)) == 12


def test_replaying_the_basket_terms_in_force_gives_what_happened(demo: Demo) -> None:
    """The programme's own terms over every demo week: the households' share is the same."""
    programme = programme_of(demo.ledger)
    terms = programme.terms
    rule = SetBasketTerms(programme_id=programme.id, basket_price_cents=terms.basket_price_cents,
                          household_share_cap_bp=terms.household_share_cap_bp,
                          funders=list(terms.funders))
    simulation = simulate_rule(demo.ledger, rule, replay_window(END, DEMO_WEEKS))
    assert_no_difference(simulation)
    collected = section(simulation, Measure.BASKETS_COLLECTED)["Paniers Solidaires"][0]
    assert collected > 0
    households = section(simulation, Measure.HOUSEHOLDS_SERVED)["Paniers Solidaires"][0]
    assert households == 40


def programme_of(ledger: Ledger) -> BasketProgramme:
    """The demo's basket programme."""
    notification = ledger.recorder.select_notifications(
        1, 1, topics=[BasketProgramme.Opened.TOPIC])[0]
    programme = find_stream(ledger, UUID(str(notification.originator_id)))
    assert isinstance(programme, BasketProgramme)
    return programme


def test_every_rule_replayed_under_the_rules_in_force_is_consistent(demo: Demo) -> None:
    """Whatever is proposed, the 'replayed' column equals what was recorded, week by week."""
    for proposal_id in simulated_proposals(demo.ledger):
        simulation = simulate_proposal(demo.ledger, proposal_id, weeks=DEMO_WEEKS, before=END)
        assert simulation.consistent, simulation.notes


def test_the_adopted_key_before_its_adoption_gives_the_lines_a_round_would_compute(
        demo: Demo) -> None:
    """Weeks 1-5 replayed under the key adopted for week 6: one week checked in a scratch
    ledger that runs the round under that key; the simulation's grams are its lines'."""
    allocation_proposal = next(
        pid for pid in proposal_ids(demo.ledger)
        if isinstance(getattr(find_stream(demo.ledger, pid), "payload", None),
                      SetAllocationKey))
    simulation = simulate_proposal(demo.ledger, allocation_proposal)
    assert simulation.window.last_day < ADOPTION
    assert simulation.window.weeks[-1] == "2026-W05"
    assert simulation.consistent
    changed = [row for row in simulation.sections[0].rows if row.difference]
    assert changed, "a different key gives different grams to some outlets"
    # One week, checked in a scratch store: week 3's round under the adopted key.
    week_3 = replay_window(FIRST_MONDAY + timedelta(weeks=3), 1)
    proposal = find_stream(demo.ledger, allocation_proposal)
    assert isinstance(proposal, Proposal)
    assert isinstance(proposal.payload, SetAllocationKey)
    inputs, _ = gather_inputs(demo.ledger, RuleKind.ALLOCATION_KEY, week_3)
    assert len(inputs.rounds) == 1
    recorded = inputs.rounds[0]
    book = rule_book(demo.ledger)
    assert allocation_rule(book, recorded.computed_on)[2] is None, "week 3 used the default"
    stored = list(demo.ledger.recorder.select_events(recorded.round_id))
    computed_event = next(demo.ledger.mapper.to_domain_event(item) for item in stored
                          if item.topic == AllocationRound.Computed.TOPIC)
    computed_at = computed_event.context.occurred_at
    scratch_lines = scratch_round(recorded, recorded.week, proposal.payload, computed_at)
    week_simulation = simulate_rule(demo.ledger, proposal.payload, week_3)
    grams: dict[object, int] = {}
    for line in scratch_lines:
        grams[line.outlet_id] = grams.get(line.outlet_id, 0) + line.quantity_g
    simulated = {row.party_id: row.proposed for row in week_simulation.sections[0].rows}
    assert simulated == {outlet: grams.get(outlet, 0) for outlet in simulated}
    assert sorted(grams) == sorted(outlet for outlet, value in simulated.items() if value)
    recorded_grams: dict[object, int] = {}
    for line in recorded.lines:
        recorded_grams[line.outlet_id] = recorded_grams.get(line.outlet_id, 0) + line.quantity_g
    assert grams != recorded_grams, "the adopted key would have shared week 3 differently"


def test_a_grid_where_outlets_pay_nothing_moves_their_share_to_the_funders(demo: Demo) -> None:
    """Same prices, outlets' share 0 %: producers get the same, funders pay it all."""
    book = rule_book(demo.ledger)
    decided = price_grid_in_force(book, FIRST_MONDAY)
    assert decided is not None
    free = msgspec.structs.replace(decided[0], outlet_share_bp=0)
    simulation = simulate_rule(demo.ledger, free, replay_window(END, DEMO_WEEKS))
    assert simulation.consistent
    totals = {item.measure: item for item in simulation.sections}
    producers = totals[Measure.PRODUCER_PAID_CENTS]
    assert producers.difference_total == 0
    assert all(row.difference == 0 for row in producers.rows)
    assert totals[Measure.OUTLET_PAID_CENTS].proposed_total == 0
    assert totals[Measure.OUTLET_PAID_CENTS].actual_total > 0
    assert totals[Measure.FUNDER_SPENT_CENTS].proposed_total == producers.actual_total


def test_a_dearer_grid_pays_the_producers_of_its_products_more(demo: Demo) -> None:
    """Doubling the grid's prices raises every producer's pay, never lowers it."""
    book = rule_book(demo.ledger)
    decided = price_grid_in_force(book, FIRST_MONDAY)
    assert decided is not None
    grid = decided[0]
    doubled = msgspec.structs.replace(grid, prices=[
        msgspec.structs.replace(price, price_cents_per_kg=price.price_cents_per_kg * 2)
        for price in grid.prices])
    simulation = simulate_rule(demo.ledger, doubled, replay_window(END, DEMO_WEEKS))
    producers = next(item for item in simulation.sections
                     if item.measure == Measure.PRODUCER_PAID_CENTS)
    assert all(row.difference > 0 for row in producers.rows)
    assert producers.actual_total < producers.proposed_total < 2 * producers.actual_total


def test_a_lower_cap_moves_the_households_share_to_the_funders(demo: Demo) -> None:
    """A 20 % cap: households pay less, funders more, the garden the same."""
    programme = programme_of(demo.ledger)
    rule = SetBasketTerms(programme_id=programme.id, basket_price_cents=1_500,
                          household_share_cap_bp=2_000, funders=list(programme.terms.funders))
    simulation = simulate_rule(demo.ledger, rule, replay_window(END, DEMO_WEEKS))
    households = next(item for item in simulation.sections
                      if item.measure == Measure.HOUSEHOLDS_PAID_CENTS)
    funders = next(item for item in simulation.sections
                   if item.measure == Measure.FUNDER_SPENT_CENTS)
    garden = next(item for item in simulation.sections
                  if item.measure == Measure.PRODUCER_PAID_CENTS)
    assert households.difference_total < 0
    assert funders.difference_total == -households.difference_total
    assert garden.difference_total == 0
    assert simulation.consistent


def test_a_simulation_writes_nothing(demo: Demo) -> None:
    """Simulating every proposal, through a read-only reader and the ledger, adds no event."""
    before = demo.ledger.recorder.max_notification_id()
    reader = Reader(demo.location)
    try:
        for proposal_id in simulated_proposals(demo.ledger):
            simulate_proposal(reader, proposal_id, weeks=DEMO_WEEKS, before=END)
            simulate_proposal(demo.ledger, proposal_id)
    finally:
        reader.close()
    assert demo.ledger.recorder.max_notification_id() == before


def test_grid_proposal_over_the_demo_is_the_grid_in_force(demo: Demo) -> None:
    """The demo's own grid proposal, simulated over the demo weeks, changes nothing."""
    grid_proposal = next(
        pid for pid in proposal_ids(demo.ledger)
        if isinstance(getattr(find_stream(demo.ledger, pid), "payload", None), SetPriceGrid))
    simulation = simulate_proposal(demo.ledger, grid_proposal, weeks=DEMO_WEEKS, before=END)
    assert_no_difference(simulation)
    assert simulation.window.weeks[0] == "2026-W02"
