"""The money a recall puts at stake, from the events: what was paid or reserved for the
recalled lot and everything made from it.

For the lot and every lot made from it (splits, merges, transformations, at any depth), as
the events stood at a moment (now, or ``as_of``):

- **deliveries**: each producer payment (``delivery_settlement.priced``) whose lines carry a
  recalled lot, and its transfers from the outlet and the funders' budgets to the producer:
  reserved (pending) at dispatch, posted on receipt for what arrived, or voided;
- **baskets**: each basket (``basket.prepared``) holding a recalled lot, and its transfers
  from the household and the programme's funders to the garden: pending until collected,
  then posted; voided when not collected.

Every transfer is listed whole, with its id, payer, status and amounts; the totals of the
transfers per status are what the ledger moved or reserved for them. A transfer often pays
for more than the recalled lots (a producer's payment for a whole stop, a whole basket), so
each also shows the part *at stake*: the recalled lines' share of it, computed as the
settlement computes a payment (grams x price, rounded once, then split among the payers
without losing a cent, ``domain.transfers.scale_down``); for a basket, its price spread over
its lines by grams. Posted money at stake is what to claim back or settle; pending money at
stake is what can still be withheld.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import msgspec

from domain.base import Event
from domain.baskets import Basket
from domain.ids import name_id
from domain.lot_graph import RECALL_LOTS_MAX
from domain.lots import Lot, LotCode
from domain.members import Member
from domain.transfers import (
    AccountKind,
    DeliverySettlement,
    PricedLine,
    ProducerPayment,
    SettledPayment,
    Transfer,
    account_id,
    payment_cents,
    scale_down,
    settlement_id,
)
from domain.valuation import apportion
from infra.exports.events import scan
from infra.reader import StreamReader, stored_events

TimeBasis = str
"""``business`` (when acts happened) or ``recorded`` (when the ledger stored them)."""


class RecallMoneyError(Exception):
    """The lot is unknown, or the recall reaches more lots than a recall may."""


class PayerKind(enum.StrEnum):
    """Who pays through a transfer."""

    OUTLET = "outlet"
    FUNDER = "funder"
    HOUSEHOLD = "household"


class Cause(enum.StrEnum):
    """What the transfer pays for."""

    DELIVERY = "delivery"
    BASKET = "basket"


class MoneyLine(msgspec.Struct, frozen=True, kw_only=True):
    """One transfer touching the recalled lots."""

    transfer_id: UUID
    cause: Cause
    cause_id: UUID
    """The delivery or the basket."""
    payer_kind: PayerKind
    payer_id: UUID
    """The outlet or funder (member), or the household (pseudonymous, never named)."""
    payer_name: str
    producer_id: UUID
    producer_name: str
    status: str
    """``pending``, ``posted`` or ``voided`` (as of the moment asked)."""
    amount_cents: int
    """What the transfer reserved."""
    posted_cents: int
    at_stake_cents: int
    """The recalled lots' part: of the amount while pending, of what was posted once posted,
    nothing when voided."""
    lot_codes: list[str]
    """The recalled lots the transfer pays for."""


class MoneyTotals(msgspec.Struct, frozen=True, kw_only=True):
    """Sums over transfers."""

    pending_cents: int = 0
    """Reserved and not yet posted or voided."""
    posted_cents: int = 0
    at_stake_pending_cents: int = 0
    at_stake_posted_cents: int = 0
    transfers: int = 0


class RecallMoney(msgspec.Struct, frozen=True, kw_only=True):
    """The money a recall of a lot puts at stake."""

    lot_id: UUID
    lot_code: str
    lot_ids: list[UUID]
    """The lot and every lot made from it."""
    as_of: datetime | None
    transfers: list[MoneyLine]
    totals: MoneyTotals
    by_payer: dict[str, MoneyTotals]
    """Per payer kind: ``outlet``, ``funder``, ``household``."""
    deliveries: int
    baskets: int


def _moment(event: Event, basis: TimeBasis) -> datetime:
    return event.timestamp if basis == "recorded" else event.context.occurred_at


class _Reading:
    """The events of the streams the answer needs, up to a moment."""

    def __init__(self, reader: StreamReader, as_of: datetime | None, basis: TimeBasis) -> None:
        self.reader = reader
        self.as_of = as_of
        self.basis = basis
        self._names: dict[UUID, str] = {}

    def visible(self, event: Event) -> bool:
        return self.as_of is None or _moment(event, self.basis) <= self.as_of

    def events(self, stream_id: UUID) -> list[Event]:
        return [event for event in stored_events(self.reader, stream_id) if self.visible(event)]

    def name(self, member_id: UUID) -> str:
        if member_id not in self._names:
            first = self.events(member_id)[:1]
            self._names[member_id] = (first[0].name if first and isinstance(
                first[0], Member.Registered) else str(member_id))
        return self._names[member_id]


def resolve_lot(reader: StreamReader, reference: str) -> UUID:
    """A lot id from a lot code or id."""
    try:
        candidate = UUID(reference)
    except ValueError:
        claimed = list(stored_events(reader, name_id("lot-code", reference.strip())))
        if not claimed or not isinstance(claimed[0], LotCode.Claimed):
            raise RecallMoneyError(f"no lot has the code {reference!r}") from None
        return claimed[0].lot_id
    first = list(stored_events(reader, candidate))[:1]
    if not first or not type(first[0]).TOPIC.startswith("lot."):
        raise RecallMoneyError(f"no lot has the id {reference!r}")
    return candidate


def _children(event: Event) -> list[UUID]:
    if isinstance(event, Lot.Split | Lot.TransformedInto):
        return [child.lot_id for child in event.children]
    if isinstance(event, Lot.MergedInto):
        return [event.child.lot_id]
    return []


def recall_money(reader: StreamReader, reference: str, *, as_of: datetime | None = None,
                 basis: TimeBasis = "business") -> RecallMoney:
    """The money at stake if the lot ``reference`` (code or id) is recalled."""
    reading = _Reading(reader, as_of, basis)
    origin = resolve_lot(reader, reference)
    codes: dict[UUID, str] = {}
    received: dict[tuple[UUID, UUID, UUID], int] = {}
    deliveries: dict[UUID, None] = {}
    queue, seen = [origin], set[UUID]()
    while queue:
        lot_id = queue.pop(0)
        if lot_id in seen:
            continue
        if len(seen) >= RECALL_LOTS_MAX:
            raise RecallMoneyError(f"the recall reaches more than {RECALL_LOTS_MAX} lots")
        events = reading.events(lot_id)
        if not events:
            continue  # Made after the moment asked.
        seen.add(lot_id)
        first = events[0]
        codes[lot_id] = getattr(first, "code", str(lot_id))
        for event in events:
            queue += _children(event)
            if isinstance(event, Lot.Dispatched):
                deliveries[event.delivery_id] = None
            elif isinstance(event, Lot.Delivered):
                key = (event.delivery_id, event.outlet_id, lot_id)
                received[key] = received.get(key, 0) + event.received_g
    lines: list[MoneyLine] = []
    for delivery_id in deliveries:
        lines += _delivery_lines(reading, delivery_id, codes, received)
    basket_ids = _baskets(reading, set(codes))
    for basket_id, prepared in basket_ids.items():
        lines += _basket_lines(reading, basket_id, prepared, codes)
    by_payer = {str(kind): _totals(line for line in lines if line.payer_kind == kind)
                for kind in PayerKind}
    return RecallMoney(
        lot_id=origin, lot_code=codes.get(origin, str(origin)), lot_ids=list(codes),
        as_of=as_of, transfers=lines, totals=_totals(lines), by_payer=by_payer,
        deliveries=len({line.cause_id for line in lines if line.cause == Cause.DELIVERY}),
        baskets=len(basket_ids))


def _totals(lines: Iterable[MoneyLine]) -> MoneyTotals:
    pending = posted = stake_pending = stake_posted = count = 0
    for line in lines:
        count += 1
        if line.status == "pending":
            pending += line.amount_cents
            stake_pending += line.at_stake_cents
        elif line.status == "posted":
            posted += line.posted_cents
            stake_posted += line.at_stake_cents
    return MoneyTotals(pending_cents=pending, posted_cents=posted,
                       at_stake_pending_cents=stake_pending,
                       at_stake_posted_cents=stake_posted, transfers=count)


def _transfer_state(reading: _Reading, transfer_id: UUID) -> tuple[str, int, int]:
    """(status, amount, posted) of a transfer at the moment asked."""
    status, amount, posted = "pending", 0, 0
    for event in reading.events(transfer_id):
        if isinstance(event, Transfer.Recorded):
            amount = event.amount_cents
            status, posted = ("pending", 0) if event.pending else ("posted", amount)
        elif isinstance(event, Transfer.PendingPosted):
            status, posted = "posted", event.posted_cents
        elif isinstance(event, Transfer.PendingVoided):
            status = "voided"
    return status, amount, posted


def _delivery_lines(reading: _Reading, delivery_id: UUID, codes: dict[UUID, str],
                    received: dict[tuple[UUID, UUID, UUID], int]) -> list[MoneyLine]:
    priced: DeliverySettlement.Priced | None = None
    settled: dict[tuple[UUID, UUID], SettledPayment] = {}
    for event in reading.events(settlement_id(delivery_id)):
        if isinstance(event, DeliverySettlement.Priced):
            priced = event
        elif isinstance(event, DeliverySettlement.StopSettled):
            settled.update({(event.outlet_id, payment.producer_id): payment
                            for payment in event.payments})
    if priced is None:
        return []
    lines: list[MoneyLine] = []
    for payment in priced.payments:
        recalled = [line for line in payment.lines if line.lot_id in codes]
        if recalled:
            lines += _payment_lines(reading, delivery_id, payment, recalled, codes, received,
                                    settled.get((payment.outlet_id, payment.producer_id)))
    return lines


def _payment_lines(reading: _Reading, delivery_id: UUID, payment: ProducerPayment,
                   lines: list[PricedLine], codes: dict[UUID, str],
                   received: dict[tuple[UUID, UUID, UUID], int],
                   settled: SettledPayment | None) -> list[MoneyLine]:
    """The payers' transfers of one producer payment, with the recalled lines' part."""
    dispatched_stake = payment_cents(sum(line.quantity_g * line.price_cents_per_kg
                                         for line in lines))
    reserved_stake = scale_down([payer.amount_cents for payer in payment.payers],
                                dispatched_stake, payment.amount_cents)
    posted_stake = [0 for _ in payment.payers]
    if settled is not None and settled.received_cents:
        received_stake = payment_cents(sum(
            received.get((delivery_id, payment.outlet_id, line.lot_id), 0)
            * line.price_cents_per_kg for line in lines))
        posted_stake = scale_down([share.posted_cents for share in settled.shares],
                                  min(received_stake, settled.received_cents),
                                  settled.received_cents)
    outlet_account = account_id(AccountKind.OUTLET, payment.outlet_id)
    result = []
    for index, payer in enumerate(payment.payers):
        status, amount, posted = _transfer_state(reading, payer.transfer_id)
        stake = {"pending": reserved_stake[index], "posted": posted_stake[index]}.get(status, 0)
        kind = PayerKind.OUTLET if payer.account_id == outlet_account else PayerKind.FUNDER
        result.append(MoneyLine(
            transfer_id=payer.transfer_id, cause=Cause.DELIVERY, cause_id=delivery_id,
            payer_kind=kind, payer_id=payer.payer_id, payer_name=reading.name(payer.payer_id),
            producer_id=payment.producer_id, producer_name=reading.name(payment.producer_id),
            status=status, amount_cents=amount, posted_cents=posted, at_stake_cents=stake,
            lot_codes=[codes[line.lot_id] for line in lines]))
    return result


def _baskets(reading: _Reading, lot_ids: set[UUID]) -> dict[UUID, Basket.Prepared]:
    """Baskets made up (by the moment asked) with a recalled lot."""
    found: dict[UUID, Basket.Prepared] = {}
    for _, event in scan(reading.reader, Basket.Prepared):
        if (isinstance(event, Basket.Prepared) and reading.visible(event)
                and any(line.lot_id in lot_ids for line in event.lines)):
            found[event.originator_id] = event
    return found


def _basket_lines(reading: _Reading, basket_id: UUID, prepared: Basket.Prepared,
                  codes: dict[UUID, str]) -> list[MoneyLine]:
    """The household's and the funders' transfers of a basket, with the recalled part."""
    grams = [line.quantity_g for line in prepared.lines]
    recalled_g = sum(line.quantity_g for line in prepared.lines if line.lot_id in codes)
    stake_total = apportion(prepared.price_cents, [recalled_g, sum(grams) - recalled_g])[0]
    payers: list[tuple[PayerKind, UUID, str, UUID, int]] = []
    if prepared.household_transfer_id is not None:
        payers.append((PayerKind.HOUSEHOLD, prepared.household_id, "",
                       prepared.household_transfer_id, prepared.household_cents))
    payers += [(PayerKind.FUNDER, payment.funder_id, reading.name(payment.funder_id),
                payment.transfer_id, payment.amount_cents)
               for payment in prepared.funder_payments]
    stakes = scale_down([amount for *_, amount in payers], stake_total, prepared.price_cents)
    lot_codes = [codes[line.lot_id] for line in prepared.lines if line.lot_id in codes]
    result = []
    for (kind, payer_id, name, transfer_id, _), stake in zip(payers, stakes, strict=True):
        status, amount, posted = _transfer_state(reading, transfer_id)
        result.append(MoneyLine(
            transfer_id=transfer_id, cause=Cause.BASKET, cause_id=basket_id, payer_kind=kind,
            payer_id=payer_id, payer_name=name, producer_id=prepared.producer_id,
            producer_name=reading.name(prepared.producer_id), status=status,
            amount_cents=amount, posted_cents=posted,
            at_stake_cents=0 if status == "voided" else stake, lot_codes=lot_codes))
    return result
