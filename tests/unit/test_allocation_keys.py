"""Allocation keys: pure functions sharing a product's available stock among outlets.

Examples pin the default key (proportional to declared needs, capped by what is available,
remainders by largest remainder with ties broken by outlet id, first-expiring lots first);
properties check, for any needs and lots, that no outlet gets more than it asked, no lot
gives more than it has, exactly ``min(available, needed)`` grams go out per product, the
result does not depend on input order, and the minimum share holds.
"""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from domain.allocation_keys import Line, LotAvailability, Need, allocate, largest_remainder

OUTLETS = [UUID(int=index) for index in range(1, 7)]
PRODUCTS = ["carrot", "leek"]
BEST_BEFORES = ["2026-11-10", "2026-11-12", "2026-11-20"]
LOTS = [UUID(int=1_000 + index) for index in range(8)]


# ---------------------------------------------------------------- examples


def test_shares_in_proportion_to_needs() -> None:
    """89 kg for needs of 60 kg and 30 kg: 59 333 g and 29 667 g (largest remainder)."""
    first, second = OUTLETS[:2]
    shares = largest_remainder(89_000, {first: 60_000, second: 30_000},
                               {first: 60_000, second: 30_000})
    assert shares == {first: 59_333, second: 29_667}


def test_a_tie_on_the_remainder_goes_to_the_lower_outlet_id() -> None:
    """10 g among three equal needs: 4, 3, 3, the extra gram to the lowest id."""
    weights = dict.fromkeys(OUTLETS[:3], 1)
    shares = largest_remainder(10, weights, dict.fromkeys(OUTLETS[:3], 100))
    assert shares == {OUTLETS[0]: 4, OUTLETS[1]: 3, OUTLETS[2]: 3}


def test_a_capped_share_frees_the_rest_for_the_others() -> None:
    """An outlet needing little is filled; the others share what it did not take."""
    small, large, medium = OUTLETS[:3]
    shares = largest_remainder(100_000, {small: 1, large: 10, medium: 5},
                               {small: 5_000, large: 200_000, medium: 20_000})
    assert shares[small] == 5_000
    assert shares[medium] == 20_000
    assert shares[large] == 75_000


def test_without_weights_the_stock_is_shared_equally() -> None:
    """All-zero weights (no households recorded) share equally."""
    shares = largest_remainder(9_000, dict.fromkeys(OUTLETS[:3], 0),
                               dict.fromkeys(OUTLETS[:3], 10_000))
    assert shares == dict.fromkeys(OUTLETS[:3], 3_000)


def test_allocate_takes_the_first_expiring_lot_first() -> None:
    """Each outlet's share comes from the lot expiring first, then the next."""
    first, second = OUTLETS[:2]
    late = LotAvailability(LOTS[0], "carrot", 50_000, "2026-11-20")
    early = LotAvailability(LOTS[1], "carrot", 30_000, "2026-11-10")
    lines = allocate([Need(first, "carrot", 40_000), Need(second, "carrot", 20_000)],
                     [late, early])
    assert lines == [Line(early.lot_id, first, 30_000), Line(late.lot_id, first, 10_000),
                     Line(late.lot_id, second, 20_000)]


def test_allocate_keeps_products_apart_and_skips_empty_needs() -> None:
    """Leeks go only to leek needs; a zero need and a product without stock get nothing."""
    first, second = OUTLETS[:2]
    lines = allocate([Need(first, "leek", 5_000), Need(second, "leek", 0),
                      Need(second, "onion", 10_000)],
                     [LotAvailability(LOTS[0], "leek", 8_000, "2026-11-12"),
                      LotAvailability(LOTS[1], "carrot", 8_000, "2026-11-12")])
    assert lines == [Line(LOTS[0], first, 5_000)]


def test_allocate_by_households_served() -> None:
    """With ``weight_of="households"`` stock follows households, capped by needs."""
    first, second = OUTLETS[:2]
    lines = allocate([Need(first, "carrot", 100_000, households_served=30),
                      Need(second, "carrot", 100_000, households_served=10)],
                     [LotAvailability(LOTS[0], "carrot", 40_000, "2026-11-12")],
                     weight_of="households")
    assert lines == [Line(LOTS[0], first, 30_000), Line(LOTS[0], second, 10_000)]


def test_minimum_share_is_given_before_the_rest() -> None:
    """A 20 % floor gives a small need its due before shares by need."""
    big, small = OUTLETS[:2]
    needs = [Need(big, "carrot", 1_000_000), Need(small, "carrot", 10_000)]
    lot = LotAvailability(LOTS[0], "carrot", 100_000, "2026-11-12")
    without = {line.outlet_id: line.quantity_g for line in allocate(needs, [lot])}
    with_floor = {line.outlet_id: line.quantity_g
                  for line in allocate(needs, [lot], minimum_share_bp=2_000)}
    assert without[small] == 990
    assert with_floor[small] == 10_000
    assert with_floor[big] == 90_000


# -------------------------------------------------------------- properties

weights_and_caps = st.dictionaries(
    st.sampled_from(OUTLETS), st.tuples(st.integers(0, 1_000), st.integers(0, 100_000)),
    min_size=1)


@given(total_g=st.integers(0, 500_000), entries=weights_and_caps)
def test_largest_remainder_gives_out_exactly_what_fits(
        total_g: int, entries: dict[UUID, tuple[int, int]]) -> None:
    """Shares stay within caps and add up to ``min(total, sum of caps)``."""
    weights = {key: weight for key, (weight, _) in entries.items()}
    caps = {key: cap for key, (_, cap) in entries.items()}
    shares = largest_remainder(total_g, weights, caps)
    assert set(shares) == set(weights)
    assert all(0 <= shares[key] <= caps[key] for key in shares)
    assert sum(shares.values()) == min(total_g, sum(caps.values()))


@given(total_g=st.integers(0, 500_000),
       weights=st.dictionaries(st.sampled_from(OUTLETS), st.integers(1, 1_000), min_size=1))
def test_uncapped_shares_are_within_a_gram_of_proportional(
        total_g: int, weights: dict[UUID, int]) -> None:
    """When no cap binds, each share is its exact proportional share rounded up or down."""
    shares = largest_remainder(total_g, weights, dict.fromkeys(weights, total_g))
    weight_total = sum(weights.values())
    for key, share in shares.items():
        assert abs(share * weight_total - total_g * weights[key]) < weight_total


needs_strategy = st.dictionaries(
    st.tuples(st.sampled_from(OUTLETS), st.sampled_from(PRODUCTS)),
    st.tuples(st.integers(0, 80_000), st.integers(0, 300)), max_size=10,
).map(lambda entries: [Need(outlet, product, quantity_g, households)
                       for (outlet, product), (quantity_g, households) in entries.items()])
lots_strategy = st.dictionaries(
    st.sampled_from(LOTS),
    st.tuples(st.sampled_from(PRODUCTS), st.integers(0, 60_000), st.sampled_from(BEST_BEFORES)),
    max_size=6,
).map(lambda entries: [LotAvailability(lot_id, product, available_g, best_before)
                       for lot_id, (product, available_g, best_before) in entries.items()])


@given(needs=needs_strategy, lots=lots_strategy,
       weight_of=st.sampled_from(["need", "households"]),
       minimum_share_bp=st.sampled_from([0, 500, 2_000]), data=st.data())
def test_allocate_respects_needs_stock_and_order(
        needs: list[Need], lots: list[LotAvailability], weight_of: str,
        minimum_share_bp: int, data: st.DataObject) -> None:
    """Lines never exceed needs or lots, give out all that fits, in first-expiring order."""
    lines = allocate(needs, lots, weight_of=weight_of, minimum_share_bp=minimum_share_bp)
    by_lot = {lot.lot_id: lot for lot in lots}
    given_by_need: dict[tuple[UUID, str], int] = defaultdict(int)
    taken_from_lot: dict[UUID, int] = defaultdict(int)
    for line in lines:
        lot = by_lot[line.lot_id]
        assert line.quantity_g > 0
        given_by_need[(line.outlet_id, lot.product)] += line.quantity_g
        taken_from_lot[line.lot_id] += line.quantity_g
    wanted = {(need.outlet_id, need.product): need.quantity_g for need in needs}
    assert all(grams <= wanted.get(key, 0) for key, grams in given_by_need.items())
    assert all(grams <= by_lot[lot_id].available_g for lot_id, grams in taken_from_lot.items())
    for product in PRODUCTS:
        available_g = sum(lot.available_g for lot in lots if lot.product == product)
        needed_g = sum(need.quantity_g for need in needs if need.product == product)
        given_g = sum(grams for (_, other), grams in given_by_need.items() if other == product)
        assert given_g == min(available_g, needed_g)
        # First expiring first: every lot before the last one touched is emptied.
        ordered = sorted((lot for lot in lots if lot.product == product and lot.available_g),
                         key=lambda lot: (lot.best_before, str(lot.lot_id)))
        touched = [index for index, lot in enumerate(ordered) if taken_from_lot[lot.lot_id]]
        for lot in ordered[:max(touched, default=0)]:
            assert taken_from_lot[lot.lot_id] == lot.available_g
        if minimum_share_bp:
            floor_g = available_g * minimum_share_bp // 10_000
            product_needs = [need for need in needs
                             if need.product == product and need.quantity_g > 0]
            if floor_g * len(product_needs) <= available_g:
                for need in product_needs:
                    assert given_by_need[(need.outlet_id, product)] >= min(floor_g,
                                                                           need.quantity_g)
    shuffled = data.draw(st.permutations(needs)), data.draw(st.permutations(lots))
    assert allocate(*shuffled, weight_of=weight_of, minimum_share_bp=minimum_share_bp) == lines
