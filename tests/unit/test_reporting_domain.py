"""The arithmetic behind the reports, without a store: donation values, lot values across
splits and transformations, apportioned basket prices, labels carried by made lots, and
the reference prices a proposal may carry."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.donations import NoReferencePrice, Valuation, value_donation
from domain.errors import InvalidCommand
from domain.quality_labels import QualityLabel, labels_of_derived
from domain.reference_prices import (
    ReferencePrice,
    SetReferencePrices,
    check_reference_prices,
    normalised_reference_prices,
    reference_price,
)
from domain.rules import RuleKind, check_payload, normalised_payload, rule_kind
from domain.valuation import apportion, derived_per_gram, movement_value_cents, per_gram

DAY = date(2026, 3, 16)
DECISION = uuid4()
PRICES = SetReferencePrices(prices=[ReferencePrice("carotte", 150)],
                            default_price_cents_per_kg=100)


def test_a_declared_value_is_taken_as_declared() -> None:
    """The donor's value stands; no reference price is needed."""
    value = value_donation(product="pain", quantity_g=3_000, donated_on=DAY,
                           declared_value_cents=1_234, reference=None)
    assert (value.valuation, value.value_cents, value.decision_id) == (
        Valuation.DECLARED, 1_234, None)


def test_a_reference_value_names_the_decision_and_rounds_once() -> None:
    """12.345 kg of carrots at 1.50 EUR/kg: 18.5175 EUR, rounded half up to 18.52 EUR."""
    value = value_donation(product="carotte", quantity_g=12_345, donated_on=DAY,
                           declared_value_cents=None, reference=(PRICES, DECISION))
    assert (value.valuation, value.price_cents_per_kg, value.value_cents,
            value.decision_id) == (Valuation.REFERENCE_PRICE, 150, 1_852, DECISION)


def test_a_product_off_the_list_takes_the_default_price() -> None:
    """Leeks are not listed: the default 1.00 EUR/kg applies."""
    value = value_donation(product="poireau", quantity_g=2_000, donated_on=DAY,
                           declared_value_cents=None, reference=(PRICES, DECISION))
    assert value.value_cents == 200


def test_without_a_value_or_a_price_the_donation_is_refused_with_its_numbers() -> None:
    """No declared value, no default price: the refusal says what to do, with the numbers."""
    bare = SetReferencePrices(prices=[ReferencePrice("carotte", 150)])
    with pytest.raises(NoReferencePrice, match=r"2000 g of poireau.*16/03/2026") as caught:
        value_donation(product="poireau", quantity_g=2_000, donated_on=DAY,
                       declared_value_cents=None, reference=(bare, DECISION))
    assert caught.value.facts == {"quantity_g": 2_000, "product": "poireau",
                                  "donated_date": "2026-03-16"}
    with pytest.raises(NoReferencePrice):
        value_donation(product="carotte", quantity_g=2_000, donated_on=DAY,
                       declared_value_cents=None, reference=None)


def test_reference_prices_are_a_standing_rule_checked_and_normalised() -> None:
    """A proposal may carry them; names are trimmed and lower-cased; bad prices refused."""
    rule = SetReferencePrices(prices=[ReferencePrice(" Carotte ", 150)])
    assert rule_kind(rule) == RuleKind.REFERENCE_PRICES
    normalised = normalised_payload(rule)
    assert isinstance(normalised, SetReferencePrices)
    assert normalised == normalised_reference_prices(rule)
    assert reference_price(normalised, "carotte") == 150
    check_payload(rule)
    with pytest.raises(InvalidCommand, match="once"):
        check_reference_prices(SetReferencePrices(prices=[ReferencePrice("a", 1),
                                                          ReferencePrice("A", 2)]))
    with pytest.raises(InvalidCommand, match="cents/kg"):
        check_payload(SetReferencePrices(default_price_cents_per_kg=-1))


def test_a_transformation_passes_its_inputs_whole_value_to_its_outputs() -> None:
    """40 kg at 1.80 EUR/kg made into 35 kg of soup (5 kg lost): the soup is worth 72 EUR."""
    soup = derived_per_gram([(per_gram(180), 40_000)], inputs_total_g=40_000, loss_g=5_000)
    assert movement_value_cents(35_000, soup) == 7_200
    merged = derived_per_gram([(per_gram(100), 1_000), (per_gram(300), 3_000)])
    assert merged == Fraction(250, 1_000)


@given(st.integers(min_value=0, max_value=10**7),
       st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30))
def test_apportion_loses_no_cent(total: int, weights: list[int]) -> None:
    """The parts add up to the total whenever there is weight to share it by."""
    parts = apportion(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts) == (total if sum(weights) else 0)
    assert all(part >= 0 for part in parts)


def test_a_made_lot_carries_the_labels_all_its_parents_carry() -> None:
    """AOP on both parents stays; Label Rouge on one only does not."""
    both = frozenset({QualityLabel.AOP, QualityLabel.LABEL_ROUGE})
    assert labels_of_derived([both, frozenset({QualityLabel.AOP})]) == {QualityLabel.AOP}
    assert labels_of_derived([]) == frozenset()
