"""Paying producers for delivered produce, as the price grid in force says.

Called by the delivery handlers (``infra.ledger.deliveries``), in their unit of work:

- ``price_dispatch``: when a price grid is in force on the dispatch's business day, the
  dispatched lines are priced and each producer's payment is reserved as pending transfers
  from the payers the grid names (the outlet's share first, then the funders' budgets by
  largest remainder); a budget that cannot cover its share refuses the dispatch (it is
  never overdrawn);
- ``settle_receipt``: the stop's pending payments are posted for what actually arrived
  (scaled down without losing a cent) or voided when nothing arrived.

Without a price grid in force, deliveries post nothing: money moves only as rules say.
Lines are paid to the lot's producer at the grid's price for its product, else at the offer
price of the lot (or of the lot it was split from). Lines are left unpaid, with the reason
recorded, when the lot mixes several producers (a merge), when the dispatching platform is
the producer itself (a garden moving its own produce, e.g. to a basket collection point:
baskets pay for it), or when the lot or a lot it was made from was given (a donation,
``infra.ledger.donations``).
"""

from __future__ import annotations

from uuid import UUID

import msgspec

from domain.base import Context
from domain.deliveries import Delivery
from domain.lots import Lot
from domain.rules import SetPriceGrid, grid_price, price_grid_in_force
from domain.transfers import (
    Account,
    AccountKind,
    CauseKind,
    DeliverySettlement,
    PayerShare,
    PostedShare,
    PricedLine,
    ProducerPayment,
    SettledPayment,
    Transfer,
    UnpaidLine,
    delivery_transfer_id,
    payment_cents,
    post_pending,
    record_transfer,
    scale_down,
    settlement_id,
    split_by_shares,
    void_pending,
)
from infra.ledger.actors import aware
from infra.ledger.donations import donated_lot
from infra.ledger.funding import account_of, transfer_accounts
from infra.ledger.rules import rule_book
from infra.ledger.unit_of_work import UnitOfWork

PARENT_DEPTH_MAX = 20
"""Splits of splits a lot's price is looked up through: deeper chains are data errors."""


def price_dispatch(uow: UnitOfWork, context: Context, delivery: Delivery) -> list[UUID]:
    """Price a dispatched delivery and reserve the producers' pay; the streams touched."""
    decided = price_grid_in_force(rule_book(uow), aware(context.occurred_at).date())
    if decided is None:
        return []
    grid, decision_id = decided
    context = msgspec.structs.replace(context, decision_id=decision_id)
    payments, unpaid, touched = _price_delivery(uow, context, delivery, grid)
    if not payments and not unpaid:
        return touched
    settlement = DeliverySettlement.price(context, delivery_id=delivery.id,
                                          decision_id=decision_id, payments=payments,
                                          unpaid=unpaid)
    uow.add(settlement)
    return [settlement.id, *touched]


def _lot_price(uow: UnitOfWork, lot: Lot, grid: SetPriceGrid) -> int:
    """The grid's price for the lot's product, else the offer price of its origin."""
    price = grid_price(grid, lot.product)
    if price is not None:
        return price
    current = lot
    for _ in range(PARENT_DEPTH_MAX):
        if current.price_cents_per_kg or len(current.parents) != 1:
            break
        current = uow.get(Lot, current.parents[0].lot_id, "lot")
    return current.price_cents_per_kg


def _unpaid_reason(uow: UnitOfWork, lot: Lot, delivery: Delivery,
                   grid: SetPriceGrid) -> tuple[str, int]:
    """Why a line goes unpaid ("" when it is paid) and its price per kg."""
    if lot.producer_id == delivery.platform_id:
        return "the producer delivers its own produce", 0
    if lot.producer_id is None:
        return "made from several producers' lots", 0
    if donated_lot(uow, lot):
        return "a donation", 0
    price = _lot_price(uow, lot, grid)
    if price == 0:
        return "no price on the grid or the offer", 0
    return "", price


def _price_delivery(uow: UnitOfWork, context: Context, delivery: Delivery, grid: SetPriceGrid
                    ) -> tuple[list[ProducerPayment], list[UnpaidLine], list[UUID]]:
    payments: list[ProducerPayment] = []
    unpaid: list[UnpaidLine] = []
    touched: list[UUID] = []
    for stop in delivery.stops:
        by_producer: dict[UUID, list[PricedLine]] = {}
        for line in stop.lines:
            lot = uow.get(Lot, line.lot_id, "lot")
            reason, price = _unpaid_reason(uow, lot, delivery, grid)
            if reason or lot.producer_id is None:
                unpaid.append(UnpaidLine(outlet_id=stop.outlet_id, lot_id=lot.id,
                                         reason=reason))
                continue
            by_producer.setdefault(lot.producer_id, []).append(PricedLine(
                lot_id=lot.id, product=lot.product, quantity_g=line.quantity_g,
                price_cents_per_kg=price))
        for producer_id in sorted(by_producer, key=str):
            lines = by_producer[producer_id]
            amount = payment_cents(sum(line.quantity_g * line.price_cents_per_kg
                                       for line in lines))
            if amount == 0:
                continue
            payers = _reserve_payment(uow, context, delivery.id, stop.outlet_id, producer_id,
                                      amount, grid, touched)
            payments.append(ProducerPayment(outlet_id=stop.outlet_id, producer_id=producer_id,
                                            lines=lines, amount_cents=amount, payers=payers))
    return payments, unpaid, touched


def _reserve_payment(uow: UnitOfWork, context: Context, delivery_id: UUID, outlet_id: UUID,
                     producer_id: UUID, amount: int, grid: SetPriceGrid,
                     touched: list[UUID]) -> list[PayerShare]:
    """Pending transfers from each payer to the producer, the outlet's share first.

    The outlet pays the floor of its share; the funders split the rest by largest
    remainder (see ``domain.transfers.split_by_shares``).
    """
    outlet_cents = amount * grid.outlet_share_bp // 10_000
    shares: list[tuple[Account, UUID, int]] = []
    if outlet_cents:
        shares.append((account_of(uow, context, AccountKind.OUTLET, outlet_id), outlet_id,
                       outlet_cents))
    if amount - outlet_cents:
        for funder_id, cents in split_by_shares(
                amount - outlet_cents,
                [(funder.funder_id, funder.share_bp) for funder in grid.funders]):
            if cents:
                shares.append((account_of(uow, context, AccountKind.FUNDER_BUDGET, funder_id),
                               funder_id, cents))
    producer = account_of(uow, context, AccountKind.PRODUCER, producer_id)
    payers: list[PayerShare] = []
    for account, payer_id, cents in shares:
        transfer_id = delivery_transfer_id(delivery_id, outlet_id, producer_id, account.id)
        uow.add(record_transfer(transfer_id, context, account, producer, cents, pending=True,
                                cause_kind=CauseKind.DELIVERY, cause_id=delivery_id,
                                memo="producer payment"))
        payers.append(PayerShare(payer_id=payer_id, account_id=account.id, amount_cents=cents,
                                 transfer_id=transfer_id))
        touched += [transfer_id, account.id]
    touched.append(producer.id)
    return payers


def settle_receipt(uow: UnitOfWork, context: Context, delivery_id: UUID,
                   received: dict[UUID, int]) -> list[UUID]:
    """Post the receiving outlet's pending payments for the grams received per lot.

    The outlet is the acting member; returns the streams touched (none without a price).
    """
    found = uow.find(settlement_id(delivery_id))
    if found is None:
        return []
    assert isinstance(found, DeliverySettlement)
    context = msgspec.structs.replace(context, decision_id=found.decision_id)
    outlet_id = context.member_id
    settled: list[SettledPayment] = []
    touched: list[UUID] = [found.id]
    for payment in found.payments_for(outlet_id):
        received_cents = payment_cents(sum(received.get(line.lot_id, 0) * line.price_cents_per_kg
                                           for line in payment.lines))
        parts = scale_down([payer.amount_cents for payer in payment.payers], received_cents,
                           payment.amount_cents)
        shares = []
        for payer, posted_cents in zip(payment.payers, parts, strict=True):
            transfer = uow.get(Transfer, payer.transfer_id, "transfer")
            debit, credit = transfer_accounts(uow, transfer)
            if posted_cents:
                post_pending(context, transfer, debit, credit, posted_cents)
            else:
                void_pending(context, transfer, debit, credit, "nothing received")
            shares.append(PostedShare(transfer_id=transfer.id, pending_cents=payer.amount_cents,
                                      posted_cents=posted_cents))
            touched += [transfer.id, debit.id, credit.id]
        settled.append(SettledPayment(producer_id=payment.producer_id,
                                      dispatched_cents=payment.amount_cents,
                                      received_cents=received_cents, shares=shares))
    if not settled:
        return []
    found.settle_stop(context, outlet_id, settled)
    return touched
