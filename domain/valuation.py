"""What food is worth, lot by lot, for the registers and reports that show values.

A lot's value per gram is exact (a ``Fraction`` of a cent) and a movement's value is rounded
half up to the cent once, on the movement (``movement_value_cents``), so values add up
across a lot's life without drifting:

- a lot offered by a producer: its offer price per kilogram;
- a donated lot: the donation's value spread over the grams given (``Donation.Recorded``);
- a lot made from other lots: what its inputs were worth per gram, weighted by the grams
  taken from each (a split keeps its parent's price; a merge averages); a transformation's
  outputs also carry the value of what it lost (peelings, water), so the outputs are worth
  exactly what went in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

GRAMS_PER_KG = 1_000
ZERO = Fraction(0)


def per_gram(price_cents_per_kg: int) -> Fraction:
    """Cents per gram from cents per kilogram."""
    return Fraction(price_cents_per_kg, GRAMS_PER_KG)


def donated_per_gram(value_cents: int, quantity_g: int) -> Fraction:
    """Cents per gram of a donation worth ``value_cents`` for ``quantity_g``."""
    return Fraction(value_cents, quantity_g) if quantity_g else ZERO


def derived_per_gram(parents: Sequence[tuple[Fraction, int]], *, inputs_total_g: int = 0,
                     loss_g: int = 0) -> Fraction:
    """Cents per gram of a lot made from ``(parent value per gram, grams used)``.

    For a transformation, ``inputs_total_g`` and ``loss_g`` are the whole transformation's:
    its outputs share the value of everything that went in.
    """
    used_g = sum(grams for _, grams in parents)
    if not used_g:
        return ZERO
    average = sum((value * grams for value, grams in parents), ZERO) / used_g
    if loss_g and inputs_total_g > loss_g:
        return average * Fraction(inputs_total_g, inputs_total_g - loss_g)
    return average


def movement_value_cents(quantity_g: int, value_per_gram: Fraction) -> int:
    """The value of ``quantity_g`` in cents, rounded half up."""
    return math.floor(value_per_gram * quantity_g + Fraction(1, 2))


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights``, losing nothing: each part is the floor
    of its exact share, the leftover units go to the largest remainders (ties to the
    earlier). A basket's price spread over its lines by grams, for instance."""
    weight_total = sum(weights)
    if weight_total <= 0:
        return [0 for _ in weights]
    exact = [total * weight for weight in weights]
    parts = [value // weight_total for value in exact]
    leftover = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda index: (-(exact[index] % weight_total), index))
    for index in order[:leftover]:
        parts[index] += 1
    return parts
