"""Recounts of the reports' figures straight from the stored events (this module has no
tests): each walks ``iter_events`` with its own small fold, sharing no code with
``infra.exports`` but the domain's arithmetic (``domain.valuation``, ``payment_cents``), so
a report that drifts from the events disagrees with its recount.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.baskets import Basket
from domain.donations import Donation
from domain.lots import Lot
from domain.quality_labels import LotLabel
from domain.transfers import DeliverySettlement, Transfer, settlement_id
from domain.valuation import apportion, derived_per_gram, movement_value_cents
from domain.workshops import Workshop
from infra.ledger.ledger import Ledger, iter_events

PARIS = ZoneInfo("Europe/Paris")


def paris_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Midnight in Paris at the start, and after the end."""
    return (datetime.combine(start, time.min, tzinfo=PARIS),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=PARIS))


@dataclass
class Lots:
    """What the recounts need to know of every lot."""

    platform: dict[UUID, UUID] = field(default_factory=dict)
    producer: dict[UUID, UUID | None] = field(default_factory=dict)
    organic: dict[UUID, bool] = field(default_factory=dict)
    labels: dict[UUID, set[str]] = field(default_factory=dict)
    value: dict[UUID, Fraction] = field(default_factory=dict)
    recalled: set[UUID] = field(default_factory=set)


def lots_of(ledger: Ledger) -> Lots:
    """Each lot's platform, producer, certificate, labels and value per gram."""
    found = Lots()
    offered: dict[UUID, int] = {}
    donated: dict[UUID, Fraction] = {}
    donation_lots: dict[UUID, UUID] = {}
    derived: list[Lot.Derived] = []
    transformations: dict[UUID, tuple[int, int]] = {}
    transformed_child: dict[UUID, UUID] = {}
    for event in iter_events(ledger):
        if isinstance(event, Lot.Offered):
            offered[event.originator_id] = event.price_cents_per_kg
            found.producer[event.originator_id] = event.producer_id
            found.organic[event.originator_id] = bool(event.organic_certificate)
        elif isinstance(event, Lot.OfferAccepted):
            found.platform[event.originator_id] = event.platform_id
        elif isinstance(event, Lot.Derived):
            derived.append(event)
            found.platform[event.originator_id] = event.platform_id
            found.producer[event.originator_id] = event.producer_id
            found.organic[event.originator_id] = bool(event.organic_certificate)
        elif isinstance(event, Lot.TransformedInto):
            transformations[event.transformation_id] = (event.inputs_total_g, event.loss_g)
            for child in event.children:
                transformed_child[child.lot_id] = event.transformation_id
        elif isinstance(event, Donation.Recorded):
            donated[event.lot_id] = Fraction(event.value_cents, event.quantity_g)
            donation_lots[event.originator_id] = event.lot_id
        elif isinstance(event, Donation.Cancelled):
            del donated[donation_lots[event.originator_id]]
        elif isinstance(event, LotLabel.Declared):
            found.labels.setdefault(event.lot_id, set()).add(str(event.label))
        elif isinstance(event, Lot.Recalled):
            found.recalled.add(event.originator_id)
    for lot_id, price in offered.items():
        found.value[lot_id] = donated.get(lot_id, Fraction(price, 1_000))
    for event in derived:
        inputs_total_g, loss_g = transformations.get(
            transformed_child.get(event.originator_id, UUID(int=0)), (0, 0))
        found.value[event.originator_id] = derived_per_gram(
            [(found.value[parent.lot_id], parent.quantity_g) for parent in event.parents],
            inputs_total_g=inputs_total_g, loss_g=loss_g)
        common = set.intersection(*(found.labels.get(parent.lot_id, set())
                                    for parent in event.parents))
        if common:
            found.labels.setdefault(event.originator_id, set()).update(common)
    return found


def casf_recount(ledger: Ledger, organisation: UUID, start: date, end: date
                 ) -> dict[str, tuple[int, int, int]]:
    """Per movement of the CASF register: (lines, grams, cents), and the stock lines."""
    lots = lots_of(ledger)
    low, high = paris_bounds(start, end)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    before: dict[UUID, int] = defaultdict(int)
    until: dict[UUID, int] = defaultdict(int)
    for event in iter_events(ledger):
        lot = event.originator_id
        movement, grams = "", 0
        if isinstance(event, Lot.Received) and lots.platform.get(lot) == organisation:
            movement, grams = "received", event.measured_g
        elif isinstance(event, Lot.Delivered) and event.outlet_id == organisation:
            movement, grams = "delivered_in", event.received_g
        elif isinstance(event, Lot.Derived) and event.platform_id == organisation:
            movement, grams = "made", event.quantity_g
        elif (isinstance(event, Lot.Split | Lot.MergedInto | Lot.TransformedInto)
              and lots.platform.get(lot) == organisation):
            movement, grams = "used", -event.used_g
        elif isinstance(event, Lot.Dispatched) and lots.platform.get(lot) == organisation:
            movement, grams = "shipped", -event.quantity_g
        elif isinstance(event, Lot.Lost) and event.holder_id == organisation:
            movement, grams = "lost", -event.quantity_g
        elif isinstance(event, Lot.Distributed) and event.outlet_id == organisation:
            movement, grams = "distributed", -event.quantity_g
        moment = event.context.occurred_at
        if not movement or moment >= high:
            continue
        until[lot] += grams
        if moment < low:
            before[lot] += grams
            continue
        line = totals[movement]
        line[0] += 1
        line[1] += abs(grams)
        line[2] += movement_value_cents(abs(grams), lots.value[lot])
    for movement, held in (("stock_start", before), ("stock_end", until)):
        for lot, grams in held.items():
            if grams:
                line = totals[movement]
                line[0] += 1
                line[1] += grams
                line[2] += movement_value_cents(grams, lots.value[lot])
    return {movement: (line[0], line[1], line[2]) for movement, line in totals.items()}


def donations_recount(ledger: Ledger, donor: UUID, year: int) -> tuple[int, int, int]:
    """(donations, grams, cents) the donor gave in ``year`` and that still stand."""
    recorded: dict[UUID, Donation.Recorded] = {}
    for event in iter_events(ledger):
        if isinstance(event, Donation.Recorded):
            recorded[event.originator_id] = event
        elif isinstance(event, Donation.Cancelled):
            del recorded[event.originator_id]
    chosen = [event for event in recorded.values()
              if event.donor_id == donor and event.donated_on.year == year]
    return (len(chosen), sum(event.quantity_g for event in chosen),
            sum(event.value_cents for event in chosen))


def quality_recount(ledger: Ledger, funder: UUID, start: date, end: date
                    ) -> dict[str, int]:
    """Grams and milli-cents of the food a funder co-financed: all, organic, labelled."""
    lots = lots_of(ledger)
    low, high = paris_bounds(start, end)
    received: dict[tuple[UUID, UUID, UUID], int] = {}
    settled: set[tuple[UUID, UUID]] = set()
    priced: list[DeliverySettlement.Priced] = []
    baskets: dict[UUID, Basket.Prepared] = {}
    for event in iter_events(ledger):
        if isinstance(event, Lot.Delivered):
            received[(event.delivery_id, event.outlet_id, event.originator_id)] = \
                event.received_g
        elif isinstance(event, DeliverySettlement.StopSettled):
            settled.add((event.originator_id, event.outlet_id))
        elif isinstance(event, DeliverySettlement.Priced):
            priced.append(event)
        elif isinstance(event, Basket.Prepared):
            baskets[event.originator_id] = event
        elif isinstance(event, Basket.Cancelled):
            del baskets[event.originator_id]
    totals: dict[str, int] = defaultdict(int)

    def count(lot: UUID, grams: int, millicents: int) -> None:
        kinds = ["total"]
        kinds += ["organic"] if lots.organic.get(lot) else []
        kinds += ["labelled"] if lots.labels.get(lot) else []
        for kind in kinds:
            totals[f"{kind}_g"] += grams
            totals[f"{kind}_millicents"] += millicents

    for settlement in priced:
        if not low <= settlement.context.occurred_at < high:
            continue
        delivery = settlement.delivery_id
        for payment in settlement.payments:
            if funder not in {payer.payer_id for payer in payment.payers}:
                continue
            for line in payment.lines:
                grams = (received.get((delivery, payment.outlet_id, line.lot_id), 0)
                         if (settlement.originator_id, payment.outlet_id) in settled
                         else line.quantity_g)
                count(line.lot_id, grams, grams * line.price_cents_per_kg)
    for basket in baskets.values():
        if (not low <= basket.context.occurred_at < high
                or funder not in {payment.funder_id for payment in basket.funder_payments}):
            continue
        parts = apportion(basket.price_cents, [line.quantity_g for line in basket.lines])
        for line, cents in zip(basket.lines, parts, strict=True):
            count(line.lot_id, line.quantity_g, cents * 1_000)
    return dict(totals)


@dataclass
class ActivityRecount:
    """A programme's year, recounted."""

    baskets_distributed: int = 0
    households: set[UUID] = field(default_factory=set)
    basket_g: int = 0
    channels: dict[tuple[str, UUID | None], int] = field(default_factory=dict)
    workshops: dict[str, tuple[int, int]] = field(default_factory=dict)


def activity_recount(ledger: Ledger, programme: UUID, outlets: set[UUID],
                     year: int) -> ActivityRecount:
    """Baskets collected in the year, their households and grams; grams handed out per
    channel and producer at the programme's outlets; workshops per kind."""
    lots = lots_of(ledger)
    low, high = paris_bounds(date(year, 1, 1), date(year, 12, 31))
    found = ActivityRecount()
    prepared: dict[UUID, Basket.Prepared] = {}
    workshops: dict[UUID, Workshop.Held] = {}
    for event in iter_events(ledger):
        if isinstance(event, Basket.Prepared) and event.programme_id == programme:
            prepared[event.originator_id] = event
        elif (isinstance(event, Basket.Collected) and event.originator_id in prepared
              and low <= event.context.occurred_at < high):
            basket = prepared[event.originator_id]
            found.baskets_distributed += 1
            found.households.add(basket.household_id)
            found.basket_g += sum(line.quantity_g for line in basket.lines)
        elif (isinstance(event, Lot.Distributed) and event.outlet_id in outlets
              and low <= event.context.occurred_at < high):
            key = (str(event.channel), lots.producer.get(event.originator_id))
            found.channels[key] = found.channels.get(key, 0) + event.quantity_g
        elif isinstance(event, Workshop.Held) and event.programme_id == programme:
            workshops[event.originator_id] = event
        elif isinstance(event, Workshop.Cancelled):
            workshops.pop(event.originator_id, None)
    for workshop in workshops.values():
        if workshop.held_on.year == year:
            count, people = found.workshops.get(str(workshop.kind), (0, 0))
            found.workshops[str(workshop.kind)] = (count + 1,
                                                   people + workshop.attendance_count)
    return found


def recall_transfers_recount(ledger: Ledger) -> dict[str, int]:
    """Every transfer caused by a delivery or basket whose lines hold a recalled lot (the
    ``Lot.Recalled`` events say which), summed per status: pending amounts, posted amounts."""
    recalled: set[UUID] = set()
    paying: dict[UUID, set[UUID]] = defaultdict(set)
    """Delivery or basket id -> the lots its transfers pay for."""
    recorded: dict[UUID, Transfer.Recorded] = {}
    status: dict[UUID, tuple[str, int]] = {}
    for event in iter_events(ledger):
        if isinstance(event, Lot.Recalled):
            recalled.add(event.originator_id)
        elif isinstance(event, DeliverySettlement.Priced):
            for payment in event.payments:
                paying[event.delivery_id].update(line.lot_id for line in payment.lines)
        elif isinstance(event, Basket.Prepared):
            paying[event.originator_id].update(line.lot_id for line in event.lines)
        elif isinstance(event, Transfer.Recorded):
            recorded[event.originator_id] = event
            status[event.originator_id] = (("pending", event.amount_cents) if event.pending
                                           else ("posted", event.amount_cents))
        elif isinstance(event, Transfer.PendingPosted):
            status[event.originator_id] = ("posted", event.posted_cents)
        elif isinstance(event, Transfer.PendingVoided):
            status[event.originator_id] = ("voided", 0)
    totals = {"pending": 0, "posted": 0, "voided": 0, "transfers": 0}
    for transfer_id, event in recorded.items():
        if event.cause_kind not in {"delivery", "basket"} or event.cause_id is None:
            continue
        # A delivery's transfer pays one producer on one stop: the lots it pays are those of
        # its payment; the settlement names them, so look the payment up by transfer id.
        lots = _paid_lots(ledger, event) if event.cause_kind == "delivery" \
            else paying[event.cause_id]
        if not lots & recalled:
            continue
        state, cents = status[transfer_id]
        totals[state] += cents
        totals["transfers"] += 1
    return totals


def _paid_lots(ledger: Ledger, transfer: Transfer.Recorded) -> set[UUID]:
    assert transfer.cause_id is not None
    for stored in ledger.recorder.select_events(settlement_id(transfer.cause_id)):
        event = ledger.mapper.to_domain_event(stored)
        if isinstance(event, DeliverySettlement.Priced):
            for payment in event.payments:
                if transfer.originator_id in {payer.transfer_id for payer in payment.payers}:
                    return {line.lot_id for line in payment.lines}
    return set()

