"""The what-if arithmetic in memory: pricing shared with the settlement, replays of rounds
and baskets, the weeks replayed, the French figures and the page section's escaping."""

# ruff: noqa: RUF001 - French typography: en dash between a winter's years.

from __future__ import annotations

from datetime import date
from uuid import UUID

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from domain.allocation_keys import LotAvailability, Need, allocate_with
from domain.baskets import BasketTerms
from domain.preferences import season_of
from domain.pricing import (
    NO_PRICE,
    OWN_PRODUCE,
    SEVERAL_PRODUCERS,
    LotPricing,
    Payer,
    lot_price,
    payer_shares,
    price_stop,
    received_payment,
)
from domain.rules import FunderShare, ProductPrice, SetAllocationKey, SetPriceGrid
from domain.whatif import (
    BasketInput,
    Measure,
    RoundInput,
    Row,
    Section,
    Simulation,
    Unit,
    Window,
    basket_money,
    replay_rounds,
    replay_window,
)
from infra import decision_words as words
from infra.api.whatif_html import simulation_section

GARDEN, OTHER, PLATFORM = UUID(int=1), UUID(int=2), UUID(int=3)
OUTLET_A, OUTLET_B = UUID(int=10), UUID(int=11)
FUNDER_A, FUNDER_B = UUID(int=20), UUID(int=21)
GRID = SetPriceGrid(prices=[ProductPrice("carotte", 180)], outlet_share_bp=2_000,
                    funders=[FunderShare(FUNDER_A, 6_000), FunderShare(FUNDER_B, 4_000)])


def lot(number: int, product: str = "carotte", producer: UUID | None = GARDEN,
        price: int = 0, parent: UUID | None = None) -> LotPricing:
    """A lot's pricing facts."""
    return LotPricing(lot_id=UUID(int=100 + number), product=product, producer_id=producer,
                      price_cents_per_kg=price, single_parent_id=parent)


def test_a_lot_off_the_grid_is_paid_its_origins_offer_price() -> None:
    """A crate split from a leek lot is paid the leek lot's offer price."""
    parent = lot(1, "poireau", price=260)
    crate = lot(2, "poireau", parent=parent.lot_id)
    assert lot_price(crate, GRID, {parent.lot_id: parent}.__getitem__) == 260
    assert lot_price(lot(3), GRID, {}.__getitem__) == 180


def test_a_stop_is_priced_per_producer_with_unpaid_lines_and_reasons() -> None:
    """Own produce, mixed lots and priceless lines go unpaid; each producer rounds once."""
    lines = [(lot(1), 1_001), (lot(2, producer=OTHER), 999), (lot(3, producer=PLATFORM), 500),
             (lot(4, producer=None), 500), (lot(5, "navet"), 700)]
    payments, unpaid = price_stop(OUTLET_A, lines, dispatcher_id=PLATFORM, grid=GRID,
                                  parent_of={}.__getitem__)
    assert [(payment.producer_id, payment.amount_cents) for payment in payments] == [
        (GARDEN, 180), (OTHER, 180)]
    assert [line.reason for line in unpaid] == [OWN_PRODUCE, SEVERAL_PRODUCERS, NO_PRICE]


def test_payers_share_a_payment_without_losing_a_cent() -> None:
    """The outlet pays its floor share; the funders split the rest by largest remainder."""
    shares = payer_shares(1_001, GRID, OUTLET_A)
    assert shares == [(Payer.OUTLET, OUTLET_A, 200), (Payer.FUNDER, FUNDER_A, 481),
                      (Payer.FUNDER, FUNDER_B, 320)]
    payments, _ = price_stop(OUTLET_A, [(lot(1), 10_000)], dispatcher_id=PLATFORM, grid=GRID,
                             parent_of={}.__getitem__)
    received, parts = received_payment(payments[0].lines, {lot(1).lot_id: 5_000},
                                       [cents for _, _, cents in payer_shares(
                                           payments[0].amount_cents, GRID, OUTLET_A)],
                                       payments[0].amount_cents)
    assert received == 900
    assert sum(parts) == 900


def test_replay_window_is_whole_weeks_before_the_given_day() -> None:
    """Eight weeks before Wednesday 11 February 2026: 15 December to 8 February."""
    window = replay_window(date(2026, 2, 11), 8)
    assert (window.first_day, window.last_day) == (date(2025, 12, 15), date(2026, 2, 8))
    assert window.weeks[0] == "2025-W51"
    assert window.weeks[-1] == "2026-W06"


def test_replaying_a_round_under_its_own_key_gives_its_lines() -> None:
    """A round computed by needs, replayed: actual == replayed; by households it differs."""
    needs = [Need(OUTLET_A, "carotte", 60_000, 10), Need(OUTLET_B, "carotte", 60_000, 90)]
    lots = [LotAvailability(UUID(int=200), "carotte", 60_000, "2026-02-01")]
    lines = allocate_with(needs, lots, {})
    recorded = RoundInput(round_id=UUID(int=300), week="2026-W06", computed_on=date(2026, 2, 4),
                          needs=needs, lots=lots, lines=lines, key_parameters={},
                          decision_id=None)
    actual, replayed, proposed = replay_rounds(
        [recorded], None, SetAllocationKey(key="proportional_to_households"))
    assert actual == replayed == {(Measure.OUTLET_ALLOCATED_G, OUTLET_A): 30_000,
                                  (Measure.OUTLET_ALLOCATED_G, OUTLET_B): 30_000}
    assert proposed == {(Measure.OUTLET_ALLOCATED_G, OUTLET_A): 6_000,
                        (Measure.OUTLET_ALLOCATED_G, OUTLET_B): 54_000}


@given(needs_g=st.lists(st.integers(0, 100_000), min_size=1, max_size=6),
       served=st.lists(st.integers(0, 300), min_size=6, max_size=6),
       available_g=st.lists(st.integers(1, 80_000), min_size=1, max_size=4),
       minimum_bp=st.integers(0, 5_000), by_households=st.booleans())
def test_a_key_moves_grams_between_outlets_never_creates_them(
        needs_g: list[int], served: list[int], available_g: list[int], minimum_bp: int,
        by_households: bool) -> None:
    """Whatever the key, a round gives out the same total: min(available, needs)."""
    needs = [Need(UUID(int=400 + index), "chou", grams, served[index])
             for index, grams in enumerate(needs_g)]
    lots = [LotAvailability(UUID(int=500 + index), "chou", grams, "2026-03-01")
            for index, grams in enumerate(available_g)]
    recorded = RoundInput(round_id=UUID(int=301), week="2026-W10", computed_on=date(2026, 3, 4),
                          needs=needs, lots=lots, lines=allocate_with(needs, lots, {}),
                          key_parameters={}, decision_id=None)
    key = SetAllocationKey(key="proportional_to_households" if by_households
                           else "proportional_to_needs", minimum_share_bp=minimum_bp)
    actual, _, proposed = replay_rounds([recorded], None, key)
    assert sum(proposed.values()) == sum(actual.values()) == min(sum(available_g),
                                                                 sum(needs_g))
    for (_, outlet_id), grams in proposed.items():
        assert grams <= sum(need.quantity_g for need in needs if need.outlet_id == outlet_id)


def test_a_collected_basket_pays_its_price_and_an_uncollected_one_nothing() -> None:
    """Household floor share plus funders' parts make the price; cancelled: nothing moves."""
    terms = BasketTerms(basket_price_cents=1_001, household_share_cap_bp=3_000,
                        funders=[FunderShare(FUNDER_A, 5_000), FunderShare(FUNDER_B, 5_000)])
    basket = BasketInput(basket_id=UUID(int=600), programme_id=UUID(int=601),
                         household_id=UUID(int=602), producer_id=GARDEN,
                         prepared_on=date(2026, 3, 5), own_share_bp=None, collected=True,
                         price_cents=1_001, household_cents=300, funder_cents=[])
    money = basket_money(basket, terms)
    assert money[(Measure.HOUSEHOLDS_PAID_CENTS, basket.programme_id)] == 300
    assert money[(Measure.FUNDER_SPENT_CENTS, FUNDER_A)] + money[
        (Measure.FUNDER_SPENT_CENTS, FUNDER_B)] == 701
    assert money[(Measure.PRODUCER_PAID_CENTS, GARDEN)] == 1_001
    cancelled = basket_money(msgspec.structs.replace(basket, collected=False), terms)
    assert sum(cancelled.values()) == 0


def test_french_figures() -> None:
    """Kilograms to 100 g, euros to the cent, signs, percents, seasons, dates."""
    assert words.kg(1_234_500) == "1\u202f234,5\u00a0kg"
    assert words.kg(-130_000, signed=True) == "\u2212130\u00a0kg"
    assert words.euros(123_450, signed=True) == "+1\u202f234,50\u00a0€"
    assert words.percent(1_250) == "12,5\u00a0%"
    assert words.percent(3_000) == "30\u00a0%"
    assert words.season(season_of(date(2027, 1, 15))) == "hiver 2026–2027"
    assert words.season(season_of(date(2026, 4, 1))) == "printemps 2026"
    assert words.day(date(2026, 12, 7)) == "07/12/2026"


def test_the_page_section_escapes_what_the_ledger_holds() -> None:
    """A member named with markup is shown as text, in the table and beside its bar."""
    row = Row(party_id=OUTLET_A, label="<script>alert(1)</script>", actual=1_000,
              replayed=1_000, proposed=3_000, difference=2_000)
    section = Section(measure=Measure.OUTLET_ALLOCATED_G, unit=Unit.GRAMS, rows=[row],
                      actual_total=1_000, replayed_total=1_000, proposed_total=3_000,
                      difference_total=2_000)
    simulation = Simulation(kind="allocation_key", rule=SetAllocationKey(
        key="proportional_to_needs"), proposal_id=UUID(int=7), title="<b>titre</b>",
        window=Window(weeks=["2026-W05"], first_day=date(2026, 1, 26),
                      last_day=date(2026, 2, 1)), acts=1, sections=[section], consistent=True,
        notes=[])
    html = str(simulation_section(simulation))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'class="ecart-plus"' in html
    assert "+2\u00a0kg" in html


def test_a_window_with_nothing_recorded_says_so() -> None:
    """No round in the weeks replayed: one sentence, no empty table or chart."""
    simulation = Simulation(kind="allocation_key", rule=SetAllocationKey(
        key="proportional_to_needs"), proposal_id=UUID(int=8), title="Clé",
        window=Window(weeks=["2026-W49"], first_day=date(2026, 11, 30),
                      last_day=date(2026, 12, 6)), acts=0, sections=[], consistent=True,
        notes=[])
    html = str(simulation_section(simulation))
    assert "rien à rejouer" in html
    assert "<table" not in html
    assert "<svg" not in html
