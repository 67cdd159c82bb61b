"""Paying producers for delivered produce under a price grid: the arithmetic, and only that.

One implementation serves both the real act and the what-if replay: the delivery handlers'
settlement (``infra.ledger.settlement``) prices a dispatched delivery and posts its receipt
with these functions, and the what-if replay (``domain.whatif``) runs the very same
functions with another grid over the deliveries the ledger recorded.

- ``lot_price``: the grid's price for the lot's product, else the offer price of the lot (or
  of the one lot it was split or made from, up to ``PARENT_DEPTH_MAX`` steps back);
- ``price_stop``: one stop's lines grouped by producer, each producer's amount rounded once
  (``domain.transfers.payment_cents``), and the lines nobody is paid for, with the reason
  (the platform's own produce, a lot mixing producers, a donation, no price at all);
- ``payer_shares``: who finances a producer's payment (the outlet's floor share first, then
  the funders by largest remainder);
- ``received_payment``: what is posted on receipt for what actually arrived, each payer's
  share scaled down without losing a cent.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from uuid import UUID

import msgspec

from domain.governance import BASIS_POINTS
from domain.lots import Lot
from domain.rules import SetPriceGrid, grid_price
from domain.transfers import PricedLine, UnpaidLine, payment_cents, scale_down, split_by_shares

PARENT_DEPTH_MAX = 20
"""Splits of splits a lot's price is looked up through: deeper chains are data errors."""
OWN_PRODUCE = "the producer delivers its own produce"
SEVERAL_PRODUCERS = "made from several producers' lots"
DONATION = "a donation"
NO_PRICE = "no price on the grid or the offer"


class LotPricing(msgspec.Struct, frozen=True, kw_only=True):
    """What pricing needs to know of a lot (from its first event)."""

    lot_id: UUID
    product: str
    producer_id: UUID | None
    """None when the lot was made from several producers' lots."""
    price_cents_per_kg: int
    """Its own offer price (0 for a lot made from other lots)."""
    single_parent_id: UUID | None = None
    """The one lot it was made from, when there was exactly one."""
    donated: bool = False
    """The lot, or a lot it was made from, was given (a donation in force when priced)."""


def lot_pricing(lot: Lot, *, donated: bool = False) -> LotPricing:
    """The pricing facts of a loaded lot (``donated``: as the donations say)."""
    parents = lot.parents
    return LotPricing(lot_id=lot.id, product=lot.product, producer_id=lot.producer_id,
                      price_cents_per_kg=lot.price_cents_per_kg,
                      single_parent_id=parents[0].lot_id if len(parents) == 1 else None,
                      donated=donated)


ParentLookup = Callable[[UUID], LotPricing]
"""The pricing facts of a lot by id (the unit of work's lots, or the replay's index)."""


def lot_price(lot: LotPricing, grid: SetPriceGrid, parent_of: ParentLookup) -> int:
    """The grid's price for the lot's product, else the offer price of its origin."""
    price = grid_price(grid, lot.product)
    if price is not None:
        return price
    current = lot
    for _ in range(PARENT_DEPTH_MAX):
        if current.price_cents_per_kg or current.single_parent_id is None:
            break
        current = parent_of(current.single_parent_id)
    return current.price_cents_per_kg


def unpaid_reason(lot: LotPricing, dispatcher_id: UUID, grid: SetPriceGrid,
                  parent_of: ParentLookup) -> tuple[str, int]:
    """Why a line goes unpaid ("" when it is paid) and its price per kg."""
    if lot.producer_id == dispatcher_id:
        return OWN_PRODUCE, 0
    if lot.producer_id is None:
        return SEVERAL_PRODUCERS, 0
    if lot.donated:
        return DONATION, 0
    price = lot_price(lot, grid, parent_of)
    if price == 0:
        return NO_PRICE, 0
    return "", price


class PricedPayment(msgspec.Struct, frozen=True, kw_only=True):
    """What one producer is paid for its lines on one stop (before choosing payers)."""

    producer_id: UUID
    lines: list[PricedLine]
    amount_cents: int


def price_stop(outlet_id: UUID, lines: Sequence[tuple[LotPricing, int]], *,
               dispatcher_id: UUID, grid: SetPriceGrid, parent_of: ParentLookup
               ) -> tuple[list[PricedPayment], list[UnpaidLine]]:
    """Price one stop's ``(lot, grams)`` lines: payments per producer, and unpaid lines.

    Producers come in the order of their ids; a producer whose amount rounds to zero cents
    gets no payment.
    """
    unpaid: list[UnpaidLine] = []
    by_producer: dict[UUID, list[PricedLine]] = {}
    for lot, quantity_g in lines:
        reason, price = unpaid_reason(lot, dispatcher_id, grid, parent_of)
        if reason or lot.producer_id is None:
            unpaid.append(UnpaidLine(outlet_id=outlet_id, lot_id=lot.lot_id, reason=reason))
            continue
        by_producer.setdefault(lot.producer_id, []).append(PricedLine(
            lot_id=lot.lot_id, product=lot.product, quantity_g=quantity_g,
            price_cents_per_kg=price))
    payments: list[PricedPayment] = []
    for producer_id in sorted(by_producer, key=str):
        priced = by_producer[producer_id]
        amount = payment_cents(sum(line.quantity_g * line.price_cents_per_kg
                                   for line in priced))
        if amount:
            payments.append(PricedPayment(producer_id=producer_id, lines=priced,
                                          amount_cents=amount))
    return payments, unpaid


class Payer(enum.StrEnum):
    """Who finances part of a producer's payment."""

    OUTLET = "outlet"
    FUNDER = "funder"


def payer_shares(amount_cents: int, grid: SetPriceGrid,
                 outlet_id: UUID) -> list[tuple[Payer, UUID, int]]:
    """Each payer's cents of a payment, the outlet first; parties paying nothing left out.

    The outlet pays the floor of its share; the funders split the rest by largest remainder
    (see ``domain.transfers.split_by_shares``).
    """
    outlet_cents = amount_cents * grid.outlet_share_bp // BASIS_POINTS
    shares: list[tuple[Payer, UUID, int]] = []
    if outlet_cents:
        shares.append((Payer.OUTLET, outlet_id, outlet_cents))
    if amount_cents - outlet_cents:
        for funder_id, cents in split_by_shares(
                amount_cents - outlet_cents,
                [(funder.funder_id, funder.share_bp) for funder in grid.funders]):
            if cents:
                shares.append((Payer.FUNDER, funder_id, cents))
    return shares


def received_payment(lines: Sequence[PricedLine], received_g: Mapping[UUID, int],
                     payer_cents: Sequence[int], dispatched_cents: int) -> tuple[int, list[int]]:
    """What is posted on receipt: the amount for the grams received, and each payer's part.

    The received amount is priced like the dispatch (one rounding, on the sum); each payer's
    pending share is scaled down to it, the parts summing to it exactly.
    """
    received_cents = payment_cents(sum(received_g.get(line.lot_id, 0) * line.price_cents_per_kg
                                       for line in lines))
    return received_cents, scale_down(list(payer_cents), received_cents, dispatched_cents)
