"""A funder's report for a period: money committed, posted and pending; what it financed.

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
  co-financed outlets declare serving (a count they registered with).

Events read: ``account.opened``, ``transfer.*``, ``delivery_settlement.priced``,
``basket.prepared``, ``basket.cancelled``, ``member.registered``. All dates are business
dates (the acts' ``occurred_at``), in UTC, both ends included.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast
from uuid import UUID

from domain.base import Event
from domain.baskets import Basket
from domain.codec import split_stored_topic
from domain.members import Member
from domain.transfers import Account, AccountKind, DeliverySettlement, Transfer
from infra.exports.history import HistoryError, Party
from infra.exports.register import period_bounds
from infra.exports.tables import CellValue, Column, Format, Kind, Language, Table, render
from infra.reader import StreamReader

PAGE_SIZE = 1_000  # Notifications per query, as in ``history``.
_TOPICS = frozenset({
    Account.Opened.TOPIC, Transfer.Recorded.TOPIC, Transfer.PendingPosted.TOPIC,
    Transfer.PendingVoided.TOPIC, DeliverySettlement.Priced.TOPIC, Basket.Prepared.TOPIC,
    Basket.Cancelled.TOPIC, Member.Registered.TOPIC})
GUARDED = frozenset({AccountKind.FUNDER_BUDGET, AccountKind.PROGRAMME_FUND})


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


def _events(ledger: StreamReader) -> Iterator[Event]:
    """The events the report reads, in notification order (pages of ``PAGE_SIZE``)."""
    position = 1
    while True:
        page = ledger.recorder.select_notifications(position, PAGE_SIZE)
        for notification in page:
            if split_stored_topic(notification.topic)[0] in _TOPICS:
                event = cast(Event, ledger.mapper.to_domain_event(notification))
                yield event
        if len(page) < PAGE_SIZE:
            return
        position = page[-1].id + 1


def funder_report(ledger: StreamReader, funder: str, start: date, end: date) -> tuple[
        FunderReport, dict[UUID, Party]]:
    """Compute the report of ``funder`` (id or exact name) and the members' names."""
    low, high = period_bounds(start, end)
    members: dict[UUID, Party] = {}
    households_served: dict[UUID, int] = {}
    accounts: dict[UUID, tuple[AccountKind, UUID]] = {}
    transfers: dict[UUID, _TransferState] = {}
    priced: list[DeliverySettlement.Priced] = []
    baskets: list[Basket.Prepared] = []
    cancelled: set[UUID] = set()
    for event in _events(ledger):
        moment = event.context.occurred_at
        if isinstance(event, Member.Registered):
            members[event.originator_id] = Party(event.originator_id, event.name,
                                                 str(event.kind))
            households_served[event.originator_id] = event.households_served
        elif isinstance(event, Account.Opened):
            accounts[event.originator_id] = (event.kind, event.owner_id)
        elif isinstance(event, Transfer.Recorded):
            transfers[event.originator_id] = _TransferState(
                amount_cents=event.amount_cents, debit_account_id=event.debit_account_id,
                credit_account_id=event.credit_account_id, recorded_at=moment,
                pending=event.pending, posted_cents=0 if event.pending else event.amount_cents,
                posted_at=None if event.pending else moment)
        elif isinstance(event, Transfer.PendingPosted):
            state = transfers[event.originator_id]
            state.posted_cents, state.posted_at = event.posted_cents, moment
        elif isinstance(event, Transfer.PendingVoided):
            transfers[event.originator_id].voided_at = moment
        elif isinstance(event, DeliverySettlement.Priced):
            priced.append(event)
        elif isinstance(event, Basket.Prepared):
            baskets.append(event)
        elif isinstance(event, Basket.Cancelled):
            cancelled.add(event.originator_id)
    party = _find(members, funder)
    report = FunderReport(funder=party, start=start, end=end)

    def owned(account: UUID, kinds: frozenset[AccountKind]) -> bool:
        kind, owner = accounts.get(account, (None, None))
        return owner == party.id and kind in kinds

    for state in transfers.values():
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
    outlets: set[UUID] = set()
    for settlement in priced:
        if not low <= settlement.context.occurred_at < high:
            continue
        for payment in settlement.payments:
            shares = [share.amount_cents for share in payment.payers
                      if share.payer_id == party.id]
            if shares:
                line = report.financed.setdefault((payment.outlet_id, payment.producer_id),
                                                  Financed())
                line.delivery_g += sum(item.quantity_g for item in payment.lines)
                line.delivery_cents += sum(shares)
                outlets.add(payment.outlet_id)
    for basket in baskets:
        if basket.originator_id in cancelled or not low <= basket.context.occurred_at < high:
            continue
        amounts = [payment.amount_cents for payment in basket.funder_payments
                   if payment.funder_id == party.id]
        if not amounts:
            continue
        line = report.financed.setdefault((basket.collection_point_id, basket.producer_id),
                                          Financed())
        line.baskets += 1
        line.basket_g += sum(item.quantity_g for item in basket.lines)
        line.basket_cents += sum(amounts)
        report.households.add(basket.household_id)
        outlets.add(basket.collection_point_id)
    report.outlets_households_served = sum(households_served.get(outlet, 0)
                                           for outlet in outlets)
    return report, members


def _find(members: dict[UUID, Party], funder: str) -> Party:
    try:
        found = members.get(UUID(funder))
    except ValueError:
        found = None
    if found is None:
        matches = [party for party in members.values() if party.name == funder]
        if len(matches) != 1:
            raise HistoryError(f"{len(matches)} members are named {funder!r}: give the id")
        found = matches[0]
    if found.kind != "funder":
        raise HistoryError(f"member {found.name} is a {found.kind}, not a funder")
    return found


SUMMARY_COLUMNS = (
    Column("item", "Rubrique", "Item"),
    Column("amount_cents", "Montant (€)", "Amount (EUR)", Kind.CENTS_AS_EUROS),
    Column("count", "Nombre", "Count", Kind.INTEGER),
)
DETAIL_COLUMNS = (
    Column("outlet", "Point de distribution", "Outlet"),
    Column("producer", "Producteur", "Producer"),
    Column("delivery_g", "Livraisons cofinancées (kg)", "Deliveries co-financed (kg)",
           Kind.GRAMS_AS_KG),
    Column("delivery_cents", "Part des livraisons (€)", "Share of deliveries (EUR)",
           Kind.CENTS_AS_EUROS),
    Column("baskets", "Paniers cofinancés", "Baskets co-financed", Kind.INTEGER),
    Column("basket_g", "Paniers (kg)", "Baskets (kg)", Kind.GRAMS_AS_KG),
    Column("basket_cents", "Part des paniers (€)", "Share of baskets (EUR)",
           Kind.CENTS_AS_EUROS),
)


def funder_tables(report: FunderReport, members: dict[UUID, Party],
                  language: Language) -> list[Table]:
    """The summary and the per-outlet, per-producer detail."""
    french = language == Language.FR

    def name(member_id: UUID) -> str:
        party = members.get(member_id)
        return party.name if party else str(member_id)

    summary: list[dict[str, CellValue]] = [
        {"item": "Engagé" if french else "Committed", "amount_cents": report.committed_cents},
        {"item": "Versé" if french else "Posted", "amount_cents": report.posted_cents},
        {"item": "En attente" if french else "Pending", "amount_cents": report.pending_cents},
        {"item": "Paniers cofinancés" if french else "Baskets co-financed",
         "count": sum(line.baskets for line in report.financed.values())},
        {"item": "Ménages touchés (paniers)" if french else "Households reached (baskets)",
         "count": len(report.households)},
        {"item": "Ménages servis déclarés par les points cofinancés" if french
         else "Households served declared by co-financed outlets",
         "count": report.outlets_households_served},
    ]
    detail: list[dict[str, CellValue]] = [
        {"outlet": name(outlet), "producer": name(producer), "delivery_g": line.delivery_g,
         "delivery_cents": line.delivery_cents, "baskets": line.baskets,
         "basket_g": line.basket_g, "basket_cents": line.basket_cents}
        for (outlet, producer), line in sorted(
            report.financed.items(), key=lambda item: (name(item[0][0]), name(item[0][1])))]
    return [
        Table(title_fr=f"Synthèse {report.funder.name} {report.start} au {report.end}",
              title_en=f"Summary {report.funder.name} {report.start} to {report.end}",
              columns=SUMMARY_COLUMNS, rows=summary),
        Table(title_fr="Par point et producteur", title_en="By outlet and producer",
              columns=DETAIL_COLUMNS, rows=detail),
    ]


def export_funder_report(ledger: StreamReader, funder: str, start: date, end: date,
                         output_format: Format, language: Language = Language.FR) -> bytes:
    """The funder report as CSV (two sections) or XLSX (two sheets)."""
    report, members = funder_report(ledger, funder, start, end)
    return render(funder_tables(report, members, language), output_format, language)
