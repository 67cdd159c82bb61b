"""Reference prices: what donated food is worth when its donor declares no value.

A standing rule the cooperative adopts by vote (``SetReferencePrices``, kind
``reference_prices``, kept in the rule book like the price grid): a price per kilogram for
each product it names and, optionally, one price for every other product. A donation
recorded without a declared value is valued at the reference price in force on the day it
was given (``domain.donations``), and the act names the decision that set that price.

This module only holds the rule's shape and checks, so that ``domain.rules`` can list it
among the payloads a proposal may carry without importing the donation stream.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from domain.errors import InvalidCommand
from domain.fields import PricePerKg, Text, described
from domain.input_bounds import PRICE_CENTS_PER_KG_MAX

REFERENCE_PRICES_MAX = 500  # As a price grid: a network values a few hundred products.
PRODUCT_LENGTH_MAX = 200  # As a lot's product (domain.input_bounds.TEXT_LENGTH_MAX).


class ReferencePrice(msgspec.Struct, frozen=True):
    """The reference value of one product, per kilogram."""

    # Bounds no tighter than check_reference_prices (and the product's as a lot's): stored
    # rules still decode.
    product: Annotated[Text, described("The product", "carotte")]
    price_cents_per_kg: Annotated[PricePerKg, described("Its value in euro cents per kg",
                                                        210)]


class SetReferencePrices(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind",
                         tag="set_reference_prices"):
    """The reference prices donations are valued at when no value is declared."""

    prices: Annotated[list[ReferencePrice], msgspec.Meta(
        max_length=REFERENCE_PRICES_MAX, description="The value per kg of each product named",
        examples=[[{"product": "carotte", "price_cents_per_kg": 210}]],
    )] = msgspec.field(default_factory=list)
    default_price_cents_per_kg: Annotated[PricePerKg, described(
        "For products the list does not name, in euro cents per kg (0: such a donation needs "
        "a declared value)", 150)] = 0
    """For products the list does not name; 0: such a donation needs a declared value."""


def check_reference_prices(rule: SetReferencePrices) -> None:
    """Each product named once, every price within bounds."""
    if len(rule.prices) > REFERENCE_PRICES_MAX:
        raise InvalidCommand(f"reference prices list at most {REFERENCE_PRICES_MAX} products, "
                             f"got {len(rule.prices)}", reason="price_grid_size",
                             count=len(rule.prices), maximum=REFERENCE_PRICES_MAX)
    products = [price.product.strip().lower() for price in rule.prices]
    if len(set(products)) != len(products) or "" in products:
        raise InvalidCommand("reference prices name each product once, none empty",
                             reason="price_grid_products")
    if any(len(product) > PRODUCT_LENGTH_MAX for product in products):
        raise InvalidCommand(f"a product name is at most {PRODUCT_LENGTH_MAX} characters",
                             reason="product_too_long", maximum=PRODUCT_LENGTH_MAX)
    for price in [*rule.prices, ReferencePrice("(default)", rule.default_price_cents_per_kg)]:
        if not 0 <= price.price_cents_per_kg <= PRICE_CENTS_PER_KG_MAX:
            raise InvalidCommand(f"reference price of {price.product} must be 0 to "
                                 f"{PRICE_CENTS_PER_KG_MAX} cents/kg, got "
                                 f"{price.price_cents_per_kg}", reason="price_range",
                                 price_cents=price.price_cents_per_kg,
                                 maximum_cents=PRICE_CENTS_PER_KG_MAX, product=price.product)


def normalised_reference_prices(rule: SetReferencePrices) -> SetReferencePrices:
    """Product names trimmed and lower-cased (as lots store them), sorted."""
    prices = sorted((ReferencePrice(price.product.strip().lower(), price.price_cents_per_kg)
                     for price in rule.prices), key=lambda price: price.product)
    return msgspec.structs.replace(rule, prices=prices)


def reference_price(rule: SetReferencePrices, product: str) -> int | None:
    """The product's reference price per kg, else the default one, else None."""
    for price in rule.prices:
        if price.product == product:
            return price.price_cents_per_kg or None
    return rule.default_price_cents_per_kg or None
