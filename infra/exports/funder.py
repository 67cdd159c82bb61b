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
from domain.governance import BASIS_POINTS
from domain.members import Member
from domain.transfers import Account, AccountKind, DeliverySettlement, Transfer
from domain.valuation import apportion
from infra.exports import french
from infra.exports.events import scan
from infra.exports.facts import LotFacts, load_facts
from infra.exports.history import HistoryError, Party, TrackingKind
from infra.exports.output import render
from infra.exports.pdf import Document, Section, render_pdf
from infra.exports.register import period_bounds
from infra.exports.tables import CellValue, Column, Format, Kind, Language, Table
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
        if len(matches) != 1:
            raise HistoryError(f"{len(matches)} members are named {funder!r}: give the id")
        found = matches[0]
    if found.kind != "funder":
        raise HistoryError(f"member {found.name} is a {found.kind}, not a funder")
    return found


def millicents_to_cents(millicents: int) -> int:
    """Cents, rounded half up (as producers are paid)."""
    return (millicents + GRAMS_PER_KG // 2) // GRAMS_PER_KG


def share_bp(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` in basis points, rounded half up (None when nothing)."""
    return (part * BASIS_POINTS * 2 + whole) // (2 * whole) if whole else None


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
QUALITY_COLUMNS = (
    Column("month", "Mois", "Month", Kind.MONTH),
    Column("outlet", "Point de distribution", "Outlet"),
    Column("source", "Cofinancement", "Co-financed"),
    Column("total_g", "Denrées (kg)", "Food (kg)", Kind.GRAMS_AS_KG),
    Column("organic_g", "dont bio (kg)", "organic (kg)", Kind.GRAMS_AS_KG),
    Column("labelled_g", "dont sous signe de qualité (kg)", "quality label (kg)",
           Kind.GRAMS_AS_KG),
    Column("either_g", "bio ou sous signe (kg)", "organic or label (kg)", Kind.GRAMS_AS_KG),
    Column("either_g_bp", "Part bio ou sous signe, en kg (%)", "Share, kg (%)",
           Kind.BASIS_POINTS_AS_PERCENT),
    Column("total_cents", "Valeur (€)", "Value (EUR)", Kind.CENTS_AS_EUROS),
    Column("organic_cents", "dont bio (€)", "organic (EUR)", Kind.CENTS_AS_EUROS),
    Column("labelled_cents", "dont sous signe de qualité (€)", "quality label (EUR)",
           Kind.CENTS_AS_EUROS),
    Column("either_cents", "bio ou sous signe (€)", "organic or label (EUR)",
           Kind.CENTS_AS_EUROS),
    Column("either_cents_bp", "Part bio ou sous signe, en € (%)", "Share, EUR (%)",
           Kind.BASIS_POINTS_AS_PERCENT),
)
OPERATION_COLUMNS = (
    Column("occurred_at", "Date (heure de Paris)", "Date (Paris time)", Kind.DATETIME),
    Column("source", "Opération", "Operation"),
    Column("reference", "Référence", "Reference"),
    Column("outlet", "Point de distribution", "Outlet"),
    Column("producer", "Producteur", "Producer"),
    Column("quantity_g", "Quantité (kg)", "Quantity (kg)", Kind.GRAMS_AS_KG),
    Column("value_cents", "Valeur (€)", "Value (EUR)", Kind.CENTS_AS_EUROS),
    Column("funder_cents", "Part du financeur (€)", "Funder's share (EUR)",
           Kind.CENTS_AS_EUROS),
    Column("status", "État", "Status"),
    Column("posted_cents", "Versé (€)", "Posted (EUR)", Kind.CENTS_AS_EUROS),
)


def quality_row(quality: Quality) -> dict[str, CellValue]:
    """The kilograms, euros and shares of one line of the quality table."""
    cents = {name: millicents_to_cents(getattr(quality, f"{name}_millicents"))
             for name in ("total", "organic", "labelled", "either")}
    return {"total_g": quality.total_g, "organic_g": quality.organic_g,
            "labelled_g": quality.labelled_g, "either_g": quality.either_g,
            "either_g_bp": share_bp(quality.either_g, quality.total_g),
            "total_cents": cents["total"], "organic_cents": cents["organic"],
            "labelled_cents": cents["labelled"], "either_cents": cents["either"],
            "either_cents_bp": share_bp(cents["either"], cents["total"])}


def funder_tables(report: FunderReport, members: dict[UUID, Party],
                  language: Language) -> list[Table]:
    """The summary, the per-outlet and per-producer detail, the quality of the food per
    outlet and month, and every co-financed operation."""
    french_labels = language == Language.FR

    def name(member_id: UUID) -> str:
        party = members.get(member_id)
        return party.name if party else str(member_id)

    def pick(labels: tuple[str, str]) -> str:
        return labels[0] if french_labels else labels[1]

    summary: list[dict[str, CellValue]] = [
        {"item": "Engagé" if french_labels else "Committed",
         "amount_cents": report.committed_cents},
        {"item": "Versé" if french_labels else "Posted", "amount_cents": report.posted_cents},
        {"item": "En attente" if french_labels else "Pending",
         "amount_cents": report.pending_cents},
        {"item": "Paniers cofinancés" if french_labels else "Baskets co-financed",
         "count": sum(line.baskets for line in report.financed.values())},
        {"item": "Ménages touchés (paniers)" if french_labels
         else "Households reached (baskets)", "count": len(report.households)},
        {"item": "Ménages servis déclarés par les points cofinancés" if french_labels
         else "Households served declared by co-financed outlets",
         "count": report.outlets_households_served},
    ]
    detail: list[dict[str, CellValue]] = [
        {"outlet": name(outlet), "producer": name(producer), "delivery_g": line.delivery_g,
         "delivery_cents": line.delivery_cents, "baskets": line.baskets,
         "basket_g": line.basket_g, "basket_cents": line.basket_cents}
        for (outlet, producer), line in sorted(
            report.financed.items(), key=lambda item: (name(item[0][0]), name(item[0][1])))]
    quality: list[dict[str, CellValue]] = [
        {"month": month, "outlet": name(outlet), "source": pick(SOURCE_LABELS[source]),
         **quality_row(line)}
        for (month, outlet, source), line in sorted(
            report.quality.items(), key=lambda item: (item[0][0], name(item[0][1]),
                                                      item[0][2]))]
    operations: list[dict[str, CellValue]] = [
        {"occurred_at": operation.occurred_at, "source": pick(SOURCE_LABELS[operation.source]),
         "reference": operation.reference, "outlet": name(operation.outlet_id),
         "producer": name(operation.producer_id), "quantity_g": operation.quantity_g,
         "value_cents": operation.value_cents, "funder_cents": operation.funder_cents,
         "status": pick(STATUS_LABELS[operation.status]),
         "posted_cents": operation.posted_cents}
        for operation in report.operations]
    period = (f"{french.day(report.start)} au {french.day(report.end)}" if french_labels
              else f"{report.start} to {report.end}")
    return [
        Table(title_fr=f"Synthèse {report.funder.name} {period}",
              title_en=f"Summary {report.funder.name} {period}",
              columns=SUMMARY_COLUMNS, rows=summary, key="summary"),
        Table(title_fr="Par point et producteur", title_en="By outlet and producer",
              columns=DETAIL_COLUMNS, rows=detail, key="outlets"),
        Table(title_fr="Bio et sous signe de qualité", title_en="Organic and quality labels",
              columns=QUALITY_COLUMNS, rows=quality, key="quality"),
        Table(title_fr="Opérations cofinancées", title_en="Co-financed operations",
              columns=OPERATION_COLUMNS, rows=operations, key="operations"),
    ]


def funder_document(report: FunderReport, members: dict[UUID, Party], language: Language,
                    generated_at: datetime | None = None) -> Document:
    """The report as a PDF document, with totals under the quality and operations tables."""
    summary, outlets, quality, operations = funder_tables(report, members, language)
    french_labels = language == Language.FR
    total_word = "Total"  # The same word in both languages.
    total = report.quality_total()
    return Document(
        title=(f"Rapport financeur — {report.funder.name}" if french_labels
               else f"Funder report — {report.funder.name}"),
        subtitle=[f"Période du {french.day(report.start)} au {french.day(report.end)} "
                  "(jours en heure de Paris)" if french_labels
                  else f"Period {report.start} to {report.end} (Europe/Paris days)"],
        generated_at=generated_at,
        sections=[
            Section(heading=summary.title(language), table=summary),
            Section(heading=outlets.title(language), table=outlets),
            Section(heading=quality.title(language),
                    paragraphs=["Denrées des livraisons et paniers cofinancés : bio (lot "
                                "certifié), sous signe officiel de qualité (Label Rouge, AOP, "
                                "IGP, STG, HVE) ; livraisons au prix payé au producteur, "
                                "paniers au prix du panier réparti au poids."]
                    if french_labels else [],
                    table=quality,
                    totals={"outlet": total_word, **quality_row(total)}),
            Section(heading=operations.title(language), table=operations,
                    totals={"source": total_word,
                            "quantity_g": sum(o.quantity_g for o in report.operations),
                            "value_cents": sum(o.value_cents for o in report.operations),
                            "funder_cents": sum(o.funder_cents for o in report.operations),
                            "posted_cents": sum(o.posted_cents for o in report.operations)}),
        ])


def export_funder_report(ledger: StreamReader, funder: str, start: date, end: date,
                         output_format: Format, language: Language = Language.FR, *,
                         table_key: str | None = None,
                         generated_at: datetime | None = None) -> bytes:
    """The funder report as CSV (one table, the summary unless ``table_key`` says which),
    XLSX (a sheet per table) or PDF."""
    report, members = funder_report(ledger, funder, start, end)
    if output_format == Format.PDF:
        return render_pdf(funder_document(report, members, language, generated_at), language)
    return render(funder_tables(report, members, language), output_format, language,
                  table_key=table_key)
