"""A funder's report for a period: money committed, posted and pending; what it financed;
the share of organic and labelled food in what it financed.

Money (from the double-entry streams of ``domain.transfers``): a funder *commits* by moving
cents from its ``funder`` account to its ``funder_budget`` (purchases from producers) or to a
``programme_fund`` (a basket programme); it *spends* when a transfer debits one of those
guarded accounts: reserved (pending) when a delivery is priced or a basket made up, posted
when the outlet signs or the household collects, or voided. For the period:

- committed: commitments posted in the period;
- posted: debits of its budgets and funds posted in the period;
- pending: debits still pending at the end of the period.

What it financed (counts and kilograms only, never a household's identity):

- deliveries priced in the period whose producer payment the funder shares: kilograms and
  the funder's cents, per outlet and producer;
- baskets made up in the period that the funder co-finances and that were not cancelled:
  count, kilograms and the funder's cents, per collection point (outlet) and producer;
- households reached: distinct households of those baskets, and the households the
  co-financed outlets declare serving (a count they registered with);
- every co-financed operation (a producer's payment for one delivery stop, a basket) with
  its value, the funder's share and where its money stands (reserved, posted, voided).

Quality ("Mieux manger pour tous" follows it): of the food in those deliveries and baskets,
per outlet and month, the kilograms and euros that are organic (the lot's certificate),
under an official quality label (``domain.quality_labels``), and either. A delivery line
counts the grams the outlet received (dispatched while not yet received) at the price its
producer is paid; a basket's price is spread over its lines by grams, losing no cent.

Events read: ``account.opened``, ``transfer.*``, ``delivery_settlement.*``, ``basket.*``,
``member.registered``, and the lots' history (certificates, labels, receipts). Dates are
business dates (the acts' ``occurred_at``), in Europe/Paris, both ends included.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from domain.baskets import Basket
from domain.members import Member
from domain.transfers import Account, AccountKind, DeliverySettlement, Transfer
from domain.valuation import apportion
from infra.exports import french
from infra.exports.events import scan
from infra.exports.facts import LotFacts, load_facts
from infra.exports.history import HistoryError, Party, TrackingKind
from infra.exports.register import period_bounds
from infra.reader import StreamReader

GUARDED = frozenset({AccountKind.FUNDER_BUDGET, AccountKind.PROGRAMME_FUND})
GRAMS_PER_KG = 1_000


class Source(enum.StrEnum):
    """What the funder co-financed."""

    DELIVERIES = "deliveries"
    BASKETS = "baskets"


SOURCE_LABELS = {Source.DELIVERIES: ("Livraisons", "Deliveries"),
                 Source.BASKETS: ("Paniers", "Baskets")}


@dataclass
class _TransferState:
    amount_cents: int
    debit_account_id: UUID
    credit_account_id: UUID
    recorded_at: datetime
    pending: bool
    posted_cents: int = 0
    posted_at: datetime | None = None
    voided_at: datetime | None = None


@dataclass
class Financed:
    """What one funder financed at one outlet from one producer."""

    delivery_g: int = 0
    delivery_cents: int = 0
    baskets: int = 0
    basket_g: int = 0
    basket_cents: int = 0


@dataclass
class Quality:
    """Food co-financed at one outlet in one month, by kind of food.

    Values are kept in milli-cents (grams x cents per kg) and rounded once, when shown.
    """

    total_g: int = 0
    organic_g: int = 0
    labelled_g: int = 0
    either_g: int = 0
    total_millicents: int = 0
    organic_millicents: int = 0
    labelled_millicents: int = 0
    either_millicents: int = 0

    def add(self, grams: int, millicents: int, *, organic: bool, labelled: bool) -> None:
        """Count one line of food."""
        self.total_g += grams
        self.total_millicents += millicents
        if organic:
            self.organic_g += grams
            self.organic_millicents += millicents
        if labelled:
            self.labelled_g += grams
            self.labelled_millicents += millicents
        if organic or labelled:
            self.either_g += grams
            self.either_millicents += millicents

    def plus(self, other: Quality) -> Quality:
        """The sum of two."""
        return Quality(*(getattr(self, name) + getattr(other, name)
                         for name in self.__dataclass_fields__))


class OperationStatus(enum.StrEnum):
    """Where a co-financed operation's money stands for the funder."""

    RESERVED = "reserved"
    POSTED = "posted"
    VOIDED = "voided"


STATUS_LABELS = {OperationStatus.RESERVED: ("réservé", "reserved"),
                 OperationStatus.POSTED: ("versé", "posted"),
                 OperationStatus.VOIDED: ("annulé", "voided")}


@dataclass
class Operation:
    """One co-financed operation: a producer's payment on a delivery stop, or a basket."""

    source: Source
    occurred_at: datetime
    reference: str
    outlet_id: UUID
    producer_id: UUID
    quantity_g: int
    value_cents: int
    funder_cents: int
    status: OperationStatus
    posted_cents: int


@dataclass
class FunderReport:
    """The report's figures."""

    funder: Party
    start: date
    end: date
    committed_cents: int = 0
    posted_cents: int = 0
    pending_cents: int = 0
    financed: dict[tuple[UUID, UUID], Financed] = field(default_factory=dict)
    households: set[UUID] = field(default_factory=set)
    outlets_households_served: int = 0
    quality: dict[tuple[date, UUID, Source], Quality] = field(default_factory=dict)
    """By (first day of the month, outlet, source)."""
    operations: list[Operation] = field(default_factory=list)

    def quality_total(self) -> Quality:
        """All the food co-financed in the period."""
        total = Quality()
        for line in self.quality.values():
            total = total.plus(line)
        return total


@dataclass
class _Scanned:
    """The money and basket events of the store, as the report needs them."""

    members: dict[UUID, Party] = field(default_factory=dict)
    households_served: dict[UUID, int] = field(default_factory=dict)
    accounts: dict[UUID, tuple[AccountKind, UUID]] = field(default_factory=dict)
    transfers: dict[UUID, _TransferState] = field(default_factory=dict)
    priced: list[DeliverySettlement.Priced] = field(default_factory=list)
    settled: set[tuple[UUID, UUID]] = field(default_factory=set)
    """(settlement stream, outlet) stops whose receipt was settled."""
    baskets: list[Basket.Prepared] = field(default_factory=list)
    collected: set[UUID] = field(default_factory=set)
    cancelled: set[UUID] = field(default_factory=set)


def _scan(ledger: StreamReader) -> _Scanned:
    found = _Scanned()
    for _, event in scan(ledger, Member.Registered, Account.Opened, Transfer.Recorded,
                         Transfer.PendingPosted, Transfer.PendingVoided,
                         DeliverySettlement.Priced, DeliverySettlement.StopSettled,
                         Basket.Prepared, Basket.Collected, Basket.Cancelled):
        moment = event.context.occurred_at
        if isinstance(event, Member.Registered):
            found.members[event.originator_id] = Party(event.originator_id, event.name,
                                                       str(event.kind))
            found.households_served[event.originator_id] = event.households_served
        elif isinstance(event, Account.Opened):
            found.accounts[event.originator_id] = (event.kind, event.owner_id)
        elif isinstance(event, Transfer.Recorded):
            found.transfers[event.originator_id] = _TransferState(
                amount_cents=event.amount_cents, debit_account_id=event.debit_account_id,
                credit_account_id=event.credit_account_id, recorded_at=moment,
                pending=event.pending, posted_cents=0 if event.pending else event.amount_cents,
                posted_at=None if event.pending else moment)
        elif isinstance(event, Transfer.PendingPosted):
            state = found.transfers[event.originator_id]
            state.posted_cents, state.posted_at = event.posted_cents, moment
        elif isinstance(event, Transfer.PendingVoided):
            found.transfers[event.originator_id].voided_at = moment
        elif isinstance(event, DeliverySettlement.Priced):
            found.priced.append(event)
        elif isinstance(event, DeliverySettlement.StopSettled):
            found.settled.add((event.originator_id, event.outlet_id))
        elif isinstance(event, Basket.Prepared):
            found.baskets.append(event)
        elif isinstance(event, Basket.Collected):
            found.collected.add(event.originator_id)
        elif isinstance(event, Basket.Cancelled):
            found.cancelled.add(event.originator_id)
    return found


def funder_report(ledger: StreamReader, funder: str, start: date, end: date,
                  facts: LotFacts | None = None) -> tuple[FunderReport, dict[UUID, Party]]:
    """Compute the report of ``funder`` (id or exact name) and the members' names."""
    low, high = period_bounds(start, end)
    found = _scan(ledger)
    party = _find(found.members, funder)
    facts = facts if facts is not None else load_facts(ledger)
    report = FunderReport(funder=party, start=start, end=end)
    _money(report, found, low, high)
    received = _received(facts)
    outlets: set[UUID] = set()
    for settlement in found.priced:
        if low <= settlement.context.occurred_at < high:
            _delivery(report, found, facts, received, settlement, outlets)
    for basket in found.baskets:
        if low <= basket.context.occurred_at < high:
            _basket(report, found, facts, basket, outlets)
    report.outlets_households_served = sum(found.households_served.get(outlet, 0)
                                           for outlet in outlets)
    report.operations.sort(key=lambda operation: (operation.occurred_at, operation.reference))
    return report, found.members


def _money(report: FunderReport, found: _Scanned, low: datetime, high: datetime) -> None:
    """Committed, posted and pending cents of the period."""

    def owned(account: UUID, kinds: frozenset[AccountKind]) -> bool:
        kind, owner = found.accounts.get(account, (None, None))
        return owner == report.funder.id and kind in kinds

    for state in found.transfers.values():
        posted_in_period = state.posted_at is not None and low <= state.posted_at < high
        if owned(state.debit_account_id, frozenset({AccountKind.FUNDER})):
            if posted_in_period:
                report.committed_cents += state.posted_cents
        elif owned(state.debit_account_id, GUARDED):
            if posted_in_period:
                report.posted_cents += state.posted_cents
            if state.recorded_at < high and state.pending and not (
                    (state.posted_at is not None and state.posted_at < high)
                    or (state.voided_at is not None and state.voided_at < high)):
                report.pending_cents += state.amount_cents


def _received(facts: LotFacts) -> dict[tuple[UUID, UUID, UUID], int]:
    """Grams received per (delivery, outlet, lot), from the lots' receipts."""
    received: dict[tuple[UUID, UUID, UUID], int] = {}
    for event in facts.history.events:
        if event.kind == TrackingKind.DELIVERED and event.to_party_id is not None:
            key = (UUID(event.reference_id), event.to_party_id, event.lot_id)
            received[key] = received.get(key, 0) + (event.quantity_g or 0)
    return received


def _month(moment: datetime) -> date:
    return french.paris_day(moment).replace(day=1)


def _status(found: _Scanned, transfer_ids: list[UUID]) -> tuple[OperationStatus, int]:
    """Where the funder's transfers of one operation stand, and what was posted."""
    states = [found.transfers[transfer_id] for transfer_id in transfer_ids
              if transfer_id in found.transfers]
    posted = sum(state.posted_cents for state in states if state.posted_at is not None)
    if any(state.posted_at is not None for state in states):
        return OperationStatus.POSTED, posted
    if states and all(state.voided_at is not None for state in states):
        return OperationStatus.VOIDED, 0
    return OperationStatus.RESERVED, 0


def _delivery(report: FunderReport, found: _Scanned, facts: LotFacts,
              received: dict[tuple[UUID, UUID, UUID], int],
              settlement: DeliverySettlement.Priced, outlets: set[UUID]) -> None:
    party = report.funder
    month = _month(settlement.context.occurred_at)
    for payment in settlement.payments:
        shares = [share for share in payment.payers if share.payer_id == party.id]
        if not shares:
            continue
        quantity_g = sum(item.quantity_g for item in payment.lines)
        funder_cents = sum(share.amount_cents for share in shares)
        line = report.financed.setdefault((payment.outlet_id, payment.producer_id), Financed())
        line.delivery_g += quantity_g
        line.delivery_cents += funder_cents
        outlets.add(payment.outlet_id)
        status, posted = _status(found, [share.transfer_id for share in shares])
        report.operations.append(Operation(
            source=Source.DELIVERIES, occurred_at=settlement.context.occurred_at,
            reference=str(settlement.delivery_id), outlet_id=payment.outlet_id,
            producer_id=payment.producer_id, quantity_g=quantity_g,
            value_cents=payment.amount_cents, funder_cents=funder_cents, status=status,
            posted_cents=posted))
        settled = (settlement.originator_id, payment.outlet_id) in found.settled
        quality = report.quality.setdefault((month, payment.outlet_id, Source.DELIVERIES),
                                            Quality())
        for item in payment.lines:
            grams = (received.get((settlement.delivery_id, payment.outlet_id, item.lot_id), 0)
                     if settled else item.quantity_g)
            quality.add(grams, grams * item.price_cents_per_kg,
                        organic=facts.organic(item.lot_id),
                        labelled=bool(facts.labels(item.lot_id)))


def _basket(report: FunderReport, found: _Scanned, facts: LotFacts, basket: Basket.Prepared,
            outlets: set[UUID]) -> None:
    party = report.funder
    payments = [payment for payment in basket.funder_payments if payment.funder_id == party.id]
    if not payments:
        return
    funder_cents = sum(payment.amount_cents for payment in payments)
    quantity_g = sum(item.quantity_g for item in basket.lines)
    cancelled = basket.originator_id in found.cancelled
    status = (OperationStatus.VOIDED if cancelled
              else OperationStatus.POSTED if basket.originator_id in found.collected
              else OperationStatus.RESERVED)
    report.operations.append(Operation(
        source=Source.BASKETS, occurred_at=basket.context.occurred_at,
        reference=f"{basket.week} {basket.originator_id}",
        outlet_id=basket.collection_point_id, producer_id=basket.producer_id,
        quantity_g=quantity_g, value_cents=basket.price_cents, funder_cents=funder_cents,
        status=status, posted_cents=funder_cents if status == OperationStatus.POSTED else 0))
    if cancelled:
        return
    line = report.financed.setdefault((basket.collection_point_id, basket.producer_id),
                                      Financed())
    line.baskets += 1
    line.basket_g += quantity_g
    line.basket_cents += funder_cents
    report.households.add(basket.household_id)
    outlets.add(basket.collection_point_id)
    quality = report.quality.setdefault(
        (_month(basket.context.occurred_at), basket.collection_point_id, Source.BASKETS),
        Quality())
    parts = apportion(basket.price_cents, [item.quantity_g for item in basket.lines])
    for item, cents in zip(basket.lines, parts, strict=True):
        quality.add(item.quantity_g, cents * GRAMS_PER_KG,
                    organic=facts.organic(item.lot_id),
                    labelled=bool(facts.labels(item.lot_id)))


def _find(members: dict[UUID, Party], funder: str) -> Party:
    try:
        found = members.get(UUID(funder))
    except ValueError:
        found = None
    if found is None:
        matches = [party for party in members.values() if party.name == funder]
        if not matches:
            raise HistoryError("no member is named {name!r}", name=funder)
        if len(matches) > 1:
            raise HistoryError("{count} members are named {name!r}: give the member id",
                               count=len(matches), name=funder)
        found = matches[0]
    if found.kind != "funder":
        raise HistoryError("member {name} is not a funder (it is: {kind})", name=found.name,
                           kind=found.kind)
    return found
