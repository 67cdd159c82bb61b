"""Households plan with the cooperative: a household (itself, or through the outlet that
referred it) says what its basket should hold or avoid and its size each season; the outlet's
need declarations and the round's recorded inputs carry the counts, never who said what.
On SQLite and PostgreSQL."""

from __future__ import annotations

from uuid import UUID

import msgspec
import pytest

from domain import commands as c
from domain import governance_commands as g
from domain.allocation_keys import Need
from domain.allocations import AllocationRound
from domain.baskets import Household
from domain.codec import encode_event
from domain.errors import InvalidCommand, InvalidState, RoleRequired
from domain.preferences import BasketSize, PreferenceCounts, SeasonPlan, season_plan_id
from infra.ledger.ledger import Ledger
from tests.builders import WEEK, assert_refused, events_of_stream
from tests.governance_support import Governed, at, governed_territory

SEASON = "2026-autumn"
"""The season of the builders' round week (2026-W45)."""


@pytest.fixture
def governed(ledger: Ledger) -> Governed:
    """A governed territory with a basket programme."""
    return governed_territory(ledger)


def enrol_three(governed: Governed) -> list[UUID]:
    """Three households referred by the CCAS (the referrer)."""
    programme = governed.open_programme()
    return [governed.enrol(programme, f"CCAS-{index:04d}", name=f"Foyer {index}")
            for index in range(1, 4)]


def state(governed: Governed, actor_id: UUID, household_id: UUID, size: BasketSize,
          wanted: list[str], avoided: list[str]) -> c.CommandResult:
    """State a household's preferences for the autumn."""
    return governed.run(g.StateBasketPreferences, actor_id=actor_id, household_id=household_id,
                        basket_size=size, wanted=wanted, avoided=avoided, season=SEASON,
                        occurred_at=at(1))


def test_preferences_become_counts_in_the_outlets_need_and_the_rounds_inputs(
        governed: Governed) -> None:
    """Two households want carrots, one avoids them: the CCAS's carrot need says 2 and 1."""
    first, second, third = enrol_three(governed)
    state(governed, first, first, BasketSize.SMALL, ["Carrot", "poireau"], [])
    state(governed, governed.referrer_id, second, BasketSize.LARGE, ["carrot"], ["chou"])
    state(governed, third, third, BasketSize.LARGE, [], ["carrot"])
    base = governed.base
    round_id = governed.run(c.OpenRound, actor_id=base.platform_id, site_id=base.site_id,
                            week=WEEK).stream_id
    base.stocked_lot(50_000, product="carrot")
    governed.run(c.DeclareNeed, actor_id=governed.referrer_id, round_id=round_id,
                 product="Carrot", quantity_g=30_000)
    governed.run(c.DeclareNeed, actor_id=base.outlet_ids[0], round_id=round_id,
                 product="carrot", quantity_g=30_000)
    expected = PreferenceCounts(households_stated=3, wanting=2, avoiding=1, small=1, medium=0,
                                large=2)
    allocation = governed.ledger.repository.get(round_id)
    assert isinstance(allocation, AllocationRound)
    needs = {need.outlet_id: need for need in allocation.needs.values()}
    assert needs[governed.referrer_id].preferences == expected
    assert needs[base.outlet_ids[0]].preferences is None, "its households stated nothing"
    governed.run(c.ComputeRound, actor_id=base.platform_id, round_id=round_id)
    computed = next(event for event in events_of_stream(governed.ledger, round_id)
                    if isinstance(event, AllocationRound.Computed))
    recorded = {need.outlet_id: need.preferences for need in computed.needs}
    assert recorded[governed.referrer_id] == expected
    # Counts only: no household's id or reference in what the outlet and the round record.
    for event in events_of_stream(governed.ledger, round_id):
        stored = encode_event(event)
        for household_id in (first, second, third):
            assert household_id.bytes not in stored
            assert str(household_id).encode() not in stored
        assert b"CCAS-000" not in stored


def test_restating_replaces_a_households_preferences(governed: Governed) -> None:
    """Changing one's mind replaces the earlier wish; the same wish twice is refused."""
    first, _, _ = enrol_three(governed)
    state(governed, first, first, BasketSize.SMALL, ["carrot"], [])
    state(governed, first, first, BasketSize.MEDIUM, [], ["carrot"])
    plan = governed.ledger.repository.get(season_plan_id(governed.referrer_id, SEASON))
    assert isinstance(plan, SeasonPlan)
    assert plan.counts("carrot") == PreferenceCounts(households_stated=1, avoiding=1, medium=1)
    assert_refused(governed.ledger, governed.command(
        g.StateBasketPreferences, actor_id=first, household_id=first,
        basket_size=BasketSize.MEDIUM, avoided=["carrot"], season=SEASON,
        occurred_at=at(2)), InvalidState, "already recorded")


def test_only_the_household_or_its_referrer_may_state_its_preferences(
        governed: Governed) -> None:
    """Another outlet, or another household, is refused; so is a product wanted and avoided."""
    first, second, _ = enrol_three(governed)
    command = governed.command(g.StateBasketPreferences, actor_id=governed.collection_point_id,
                               household_id=first, basket_size=BasketSize.SMALL,
                               season=SEASON)
    assert_refused(governed.ledger, command, RoleRequired, "did not refer it")
    assert_refused(governed.ledger, governed.command(
        g.StateBasketPreferences, actor_id=second, household_id=first,
        basket_size=BasketSize.SMALL, season=SEASON), RoleRequired, "only its own")
    assert_refused(governed.ledger, governed.command(
        g.StateBasketPreferences, actor_id=first, household_id=first,
        basket_size=BasketSize.SMALL, wanted=["chou"], avoided=["Chou "], season=SEASON),
        InvalidCommand, "both wanted and avoided: chou")


def test_an_erased_household_states_nothing(governed: Governed) -> None:
    """Once erased, a household's preferences can no longer be stated."""
    first, _, _ = enrol_three(governed)
    governed.run(g.EraseHousehold, actor_id=governed.referrer_id, household_id=first,
                 reason="demande du foyer")
    household = governed.ledger.repository.get(first)
    assert isinstance(household, Household)
    assert_refused(governed.ledger, governed.command(
        g.StateBasketPreferences, actor_id=governed.referrer_id, household_id=first,
        basket_size=BasketSize.SMALL, season=SEASON), InvalidState, "erased")


def test_a_need_recorded_before_preferences_existed_still_decodes() -> None:
    """A need stored without the preferences field decodes with none."""
    old = msgspec.msgpack.Encoder(uuid_format="bytes").encode(
        {"outlet_id": UUID(int=1), "product": "carrot", "quantity_g": 1_000,
         "households_served": 12})
    need = msgspec.msgpack.decode(old, type=Need)
    assert need == Need(UUID(int=1), "carrot", 1_000, 12, None)
