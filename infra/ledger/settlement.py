"""Paying producers for delivered produce, as the price grid in force says.

The arithmetic (prices, payers' shares, what a receipt posts) is ``domain.pricing``, which the
what-if replay (``domain.whatif``) runs too: one implementation for the act and the replay.

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
from domain.pricing import (
    LotPricing,
    Payer,
    lot_pricing,
    payer_shares,
    price_stop,
    received_payment,
)
from domain.rules import SetPriceGrid, price_grid_in_force
from domain.transfers import (
    AccountKind,
    CauseKind,
    DeliverySettlement,
    PayerShare,
    PostedShare,
    ProducerPayment,
    SettledPayment,
    Transfer,
    UnpaidLine,
    delivery_transfer_id,
    post_pending,
    record_transfer,
    settlement_id,
    void_pending,
)
from infra.ledger.actors import aware
from infra.ledger.donations import donated_lot
from infra.ledger.funding import account_of, transfer_accounts
from infra.ledger.rules import rule_book
from infra.ledger.unit_of_work import UnitOfWork


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


def _price_delivery(uow: UnitOfWork, context: Context, delivery: Delivery, grid: SetPriceGrid
                    ) -> tuple[list[ProducerPayment], list[UnpaidLine], list[UUID]]:
    def parent_of(lot_id: UUID) -> LotPricing:
        return lot_pricing(uow.get(Lot, lot_id, "lot"))

    def line_lot(lot_id: UUID) -> LotPricing:
        lot = uow.get(Lot, lot_id, "lot")
        return lot_pricing(lot, donated=donated_lot(uow, lot))

    payments: list[ProducerPayment] = []
    unpaid: list[UnpaidLine] = []
    touched: list[UUID] = []
    for stop in delivery.stops:
        priced, stop_unpaid = price_stop(
            stop.outlet_id, [(line_lot(line.lot_id), line.quantity_g) for line in stop.lines],
            dispatcher_id=delivery.platform_id, grid=grid, parent_of=parent_of)
        unpaid += stop_unpaid
        for payment in priced:
            payers = _reserve_payment(uow, context, delivery.id, stop.outlet_id,
                                      payment.producer_id, payment.amount_cents, grid, touched)
            payments.append(ProducerPayment(outlet_id=stop.outlet_id,
                                            producer_id=payment.producer_id,
                                            lines=payment.lines,
                                            amount_cents=payment.amount_cents, payers=payers))
    return payments, unpaid, touched


def _reserve_payment(uow: UnitOfWork, context: Context, delivery_id: UUID, outlet_id: UUID,
                     producer_id: UUID, amount: int, grid: SetPriceGrid,
                     touched: list[UUID]) -> list[PayerShare]:
    """Pending transfers from each payer to the producer (``domain.pricing.payer_shares``)."""
    shares = [(account_of(uow, context, AccountKind.OUTLET if payer == Payer.OUTLET
                          else AccountKind.FUNDER_BUDGET, payer_id), payer_id, cents)
              for payer, payer_id, cents in payer_shares(amount, grid, outlet_id)]
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
        received_cents, parts = received_payment(
            payment.lines, received, [payer.amount_cents for payer in payment.payers],
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
