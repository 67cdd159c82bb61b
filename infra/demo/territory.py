"""A realistic, seeded demo territory: twelve weeks of a food bank's organic supply chain.

Per platform (``--scale`` multiplies platforms, each with its own territory): one food-bank
warehouse, six market gardens, twelve outlets and three funders. Each week gardens offer
lots; the platform accepts (sometimes partly) or declines, receives and weighs them, splits
some into crates, sometimes transforms squash into soup, runs its allocation round,
delivers to outlets in three runs, and outlets distribute and record losses. In the last
week a producer recalls a lot that has already reached outlets.

Commands are sent in one atomic batch per phase of a week, so large histories are quick to
generate; every command still goes through the same handlers, checks and idempotency.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from domain import commands as c
from domain.allocations import AllocationRound
from domain.baskets import Basket, BasketProgramme, Household
from domain.codec import decode_event
from domain.command_records import CommandRecord
from domain.donations import Donation
from domain.lots import Channel, Lot
from domain.members import Member, MemberKind
from domain.sites import SiteKind
from domain.workshops import Workshop
from infra.demo.clock import execute_lived
from infra.demo.governance import seed_governance
from infra.demo.reports import seed_reports
from infra.ledger.ledger import Ledger
from projections.runner import stored_topics

FIRST_MONDAY = date(2026, 1, 5)
FOUNDING_DAY = -21
"""Days before the first Monday the demo cooperative is founded and its members registered:
its governance is set up in the fortnight before week 1, and no act may predate the founding."""
GARDENS_PER_PLATFORM = 6
OUTLETS_PER_PLATFORM = 12
FUNDERS = 3
DELIVERY_RUNS_PER_WEEK = 3
WEEKS_MAX = 520  # Ten years of weekly rounds: enough for any benchmark history.
SCALE_MAX = 10_000

PRODUCTS: tuple[tuple[str, str, int], ...] = (
    # (product, variety, price in cents per kg)
    ("carotte", "Nantaise", 180),
    ("pomme de terre", "Charlotte", 150),
    ("poireau", "Bleu de Solaise", 260),
    ("courge", "Butternut", 220),
    ("chou", "Milan", 170),
    ("betterave", "Chioggia", 230),
    ("oignon", "Jaune paille", 160),
    ("laitue", "Batavia", 300),
)
GARDEN_NAMES = ("Jardin de Cocagne de Chalon", "Jardins du Cœur de Lens", "Jardin de Vesoul",
                "Jardins de Besançon", "Jardin du Plateau", "Jardins de la Vallée")
OUTLET_NAMES = ("Épicerie solidaire", "Restos du quartier", "CCAS", "Secours local",
                "Banque de la Croix", "Cantine scolaire", "Maison des familles",
                "Accueil de jour", "Association Partage", "Épicerie étudiante",
                "Relais Saint-Jean", "Foyer des jeunes")
FUNDER_NAMES = ("Réseau Cocagne national", "Conseil départemental", "Fondation Solidaire")


@dataclass
class Territory:
    """Ids of one platform's territory."""

    platform_id: UUID
    site_id: UUID
    garden_ids: list[UUID]
    outlet_ids: list[UUID]
    lots_by_producer: dict[UUID, list[UUID]] = field(default_factory=dict)
    children: dict[UUID, list[UUID]] = field(default_factory=dict)


@dataclass
class ProgrammeFigures:
    """What one programme brought in: lots offered and grams received."""

    lots: int = 0
    received_g: int = 0


SUPPLY_CHAIN = "supply chain"
"""``DemoSummary.programmes`` key of the food banks' supply chain (basket programmes are
keyed by their name)."""


@dataclass
class DemoSummary:
    """What the demo wrote, counted from the store afterwards (``count_history``), so every
    programme's acts are in it: the food banks' supply chain and the basket programmes."""

    events_written: int = 0
    """Domain events the commands wrote (command records not counted), every programme."""
    events_stored: int = 0
    """Every event in the store afterwards, command records included."""
    commands: int = 0
    """Commands handled, every programme."""
    lots: int = 0
    """Lots offered, every programme."""
    received_g: int = 0
    """Grams received at sites, every programme."""
    programmes: dict[str, ProgrammeFigures] = field(default_factory=dict)
    distributed_g_by_outlet: dict[str, int] = field(default_factory=dict)
    distributed_g_by_channel: dict[str, int] = field(default_factory=dict)
    households: int = 0
    baskets_prepared: int = 0
    baskets_collected: int = 0
    baskets_cancelled: int = 0
    donations: int = 0
    """Donations in kind recorded (and not cancelled)."""
    workshops: int = 0
    """Cooking, gardening and nutrition workshops held (and not cancelled)."""
    recalled_lot_codes: list[str] = field(default_factory=list)
    coordinator_id: UUID | None = None
    platform_ids: list[UUID] = field(default_factory=list)
    funder_ids: list[UUID] = field(default_factory=list)
    seconds: float = 0.0


class _Sender:
    """Sends commands with deterministic ids, counting what was written."""

    def __init__(self, ledger: Ledger, seed: int, summary: DemoSummary) -> None:
        self.ledger = ledger
        self.prefix = f"demo-{seed}"
        self.counter = 0
        self.summary = summary

    def next_id(self) -> str:
        self.counter += 1
        return f"{self.prefix}-{self.counter:09d}"

    def batch(self, commands: Sequence[msgspec.Struct]) -> list[c.CommandResult]:
        if not commands:
            return []
        results = execute_lived(self.ledger, commands)
        self.summary.commands += len(commands)
        self.summary.events_written += sum(result.events_written for result in results)
        return results

    def one(self, command: msgspec.Struct) -> c.CommandResult:
        return self.batch([command])[0]


def _at(week: int, day: int, hour: int = 9) -> datetime:
    return datetime.combine(FIRST_MONDAY + timedelta(weeks=week, days=day),
                            datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def generate_demo(ledger: Ledger, *, weeks: int = 12, seed: int = 7, scale: int = 1,
                  progress: Callable[[int, int, int], None] | None = None,
                  with_governance: bool = True) -> DemoSummary:
    """Write the demo territory into ``ledger`` and summarise it.

    ``progress(week, weeks, events_written)`` is called after each week.
    """
    if not 1 <= weeks <= WEEKS_MAX:
        raise ValueError(f"weeks must be between 1 and {WEEKS_MAX}, got {weeks}")
    if not 1 <= scale <= SCALE_MAX:
        raise ValueError(f"scale must be between 1 and {SCALE_MAX}, got {scale}")
    started = time.perf_counter()
    rng = random.Random(seed)
    summary = DemoSummary()
    send = _Sender(ledger, seed, summary)
    founded = send.one(c.FoundCooperative(
        command_id=send.next_id(), name="Réseau Cocagne — coopérative de démonstration",
        coordinator_name="Secrétariat du réseau", occurred_at=_at(0, FOUNDING_DAY, 8)))
    coordinator = founded.stream_ids[0]
    summary.coordinator_id = coordinator

    def register(name: str, kind: MemberKind, households: int = 0) -> c.RegisterMember:
        return c.RegisterMember(command_id=send.next_id(), actor_id=coordinator, name=name,
                                kind=kind, households_served=households,
                                occurred_at=_at(0, FOUNDING_DAY, 8))

    funder_results = send.batch([register(name, MemberKind.FUNDER) for name in FUNDER_NAMES])
    summary.funder_ids = [result.stream_id for result in funder_results]
    territories: list[Territory] = []
    for index in range(scale):
        suffix = "" if scale == 1 else f" #{index + 1}"
        members = send.batch(
            [register(f"Banque alimentaire{suffix}", MemberKind.PLATFORM)]
            + [register(f"{name}{suffix}", MemberKind.PRODUCER) for name in GARDEN_NAMES]
            + [register(f"{name}{suffix}", MemberKind.OUTLET, rng.randint(20, 300))
               for name in OUTLET_NAMES])
        platform_id = members[0].stream_id
        site = send.one(c.RegisterSite(
            command_id=send.next_id(), actor_id=coordinator, name=f"Entrepôt{suffix}",
            kind=SiteKind.WAREHOUSE, operator_id=platform_id, city="Dijon",
            occurred_at=_at(0, FOUNDING_DAY, 8)))
        territories.append(Territory(
            platform_id=platform_id, site_id=site.stream_id,
            garden_ids=[result.stream_id for result in members[1:1 + GARDENS_PER_PLATFORM]],
            outlet_ids=[result.stream_id for result in members[1 + GARDENS_PER_PLATFORM:]]))
    summary.platform_ids = [territory.platform_id for territory in territories]
    governance = None
    if with_governance:
        # Colleges, a vote changing the allocation key in week 6, a basket programme.
        governance = seed_governance(ledger, summary=summary, territories=territories,
                                     weeks=weeks, start=FIRST_MONDAY)

    for week in range(weeks):
        for territory in territories:
            _run_week(send, rng, territory, week)
        if progress is not None:
            progress(week + 1, weeks, summary.events_written)
    if governance is not None:
        # Reference prices, a few donations, labelled lots and workshops for the reports.
        seed_reports(ledger, governance, territories, coordinator_id=coordinator,
                     weeks=weeks, start=FIRST_MONDAY, seed=seed)
    recall_territory = territories[0]
    _recall(send, rng, recall_territory, weeks - 1, summary)
    summary.seconds = time.perf_counter() - started
    summary.events_stored = ledger.recorder.max_notification_id() or 0
    count_history(ledger, summary)
    return summary


def _run_week(send: _Sender, rng: random.Random, territory: Territory, week: int) -> None:
    platform = territory.platform_id
    site = territory.site_id
    # Monday: gardens offer lots.
    offers: list[c.OfferLot] = []
    for garden in territory.garden_ids:
        for product, variety, price in rng.sample(PRODUCTS, k=rng.randint(2, 3)):
            harvest = FIRST_MONDAY + timedelta(weeks=week, days=-1)
            offers.append(c.OfferLot(
                command_id=send.next_id(), actor_id=garden, product=product, variety=variety,
                quantity_g=rng.randint(40, 400) * 500, price_cents_per_kg=price,
                harvest_date=harvest, best_before=harvest + timedelta(days=rng.randint(6, 21)),
                organic_certificate=f"FR-BIO-01-{garden.hex[-4:].upper()}", origin="Parcelle "
                f"{rng.randint(1, 9)}", occurred_at=_at(week, 0, 8)))
    offered = send.batch(offers)
    # Tuesday: the platform accepts or declines, then receives and weighs.
    decisions: list[msgspec.Struct] = []
    accepted: list[tuple[UUID, int]] = []
    for offer, result in zip(offers, offered, strict=True):
        lot_id = result.stream_id
        territory.lots_by_producer.setdefault(offer.actor_id, []).append(lot_id)
        if rng.random() < 0.08:
            decisions.append(c.DeclineOffer(command_id=send.next_id(), actor_id=platform,
                                            lot_id=lot_id, reason="Stockage plein cette semaine",
                                            occurred_at=_at(week, 1, 8)))
            continue
        accepted_g = offer.quantity_g if rng.random() < 0.8 else offer.quantity_g // 2
        decisions.append(c.AcceptOffer(command_id=send.next_id(), actor_id=platform,
                                       lot_id=lot_id, site_id=site, accepted_g=accepted_g,
                                       occurred_at=_at(week, 1, 8)))
        measured_g = max(1, accepted_g + rng.choice((0, 0, 0, -1, 1)) * rng.randint(0, 3000))
        decisions.append(c.ReceiveLot(command_id=send.next_id(), actor_id=platform,
                                      lot_id=lot_id, site_id=site, measured_g=measured_g,
                                      occurred_at=_at(week, 1, 14)))
        accepted.append((lot_id, measured_g))
    send.batch(decisions)
    # Wednesday morning: some lots are split into crates; squash sometimes becomes soup.
    repack: list[msgspec.Struct] = []
    for lot_id, measured_g in accepted:
        if rng.random() < 0.25 and measured_g >= 20_000:
            first_g = measured_g // 2
            repack.append(c.SplitLot(command_id=send.next_id(), actor_id=platform,
                                     lot_id=lot_id, parts_g=[first_g, measured_g - first_g],
                                     occurred_at=_at(week, 2, 8)))
    split_results = send.batch(repack)
    for command, result in zip(repack, split_results, strict=True):
        assert isinstance(command, c.SplitLot)
        territory.children[command.lot_id] = result.stream_ids[1:]
    if week % 3 == 2:
        squash = [lot_id for lot_id, measured_g in accepted
                  if lot_id not in territory.children and measured_g >= 10_000
                  and _product_of(send.ledger, lot_id) == "courge"]
        if squash:
            lot_id = squash[0]
            used_g = 10_000
            result = send.one(c.TransformLots(
                command_id=send.next_id(), actor_id=platform,
                inputs=[c.ParentPart(lot_id, used_g)],
                outputs=[c.TransformOutput(product="soupe de courge", quantity_g=8_500,
                                           best_before=FIRST_MONDAY + timedelta(weeks=week + 3))],
                loss_g=1_500, occurred_at=_at(week, 2, 10)))
            territory.children.setdefault(lot_id, []).extend(result.stream_ids[:1])
    # Wednesday: the allocation round.
    opened = send.one(c.OpenRound(command_id=send.next_id(), actor_id=platform, site_id=site,
                                  week=_iso_week(FIRST_MONDAY + timedelta(weeks=week)),
                                  occurred_at=_at(week, 2, 11)))
    round_id = opened.stream_id
    needs: list[msgspec.Struct] = []
    for outlet in territory.outlet_ids:
        for product, _, _ in rng.sample(PRODUCTS, k=rng.randint(3, 5)):
            needs.append(c.DeclareNeed(command_id=send.next_id(), actor_id=outlet,
                                       round_id=round_id, product=product,
                                       quantity_g=rng.randint(10, 80) * 1000,
                                       occurred_at=_at(week, 2, 12)))
    send.batch(needs)
    send.batch([
        c.ComputeRound(command_id=send.next_id(), actor_id=platform, round_id=round_id,
                       occurred_at=_at(week, 2, 16)),
        c.ConfirmRound(command_id=send.next_id(), actor_id=platform, round_id=round_id,
                       occurred_at=_at(week, 2, 17)),
    ])
    allocation: Any = send.ledger.repository.get(round_id)
    assert isinstance(allocation, AllocationRound)
    per_outlet: dict[UUID, dict[UUID, int]] = {}
    for allocated in allocation.lines:
        grams = per_outlet.setdefault(allocated.outlet_id, {})
        grams[allocated.lot_id] = grams.get(allocated.lot_id, 0) + allocated.quantity_g
    # Thursday: three delivery runs.
    outlets = sorted(per_outlet, key=str)
    plans: list[msgspec.Struct] = []
    for run in range(DELIVERY_RUNS_PER_WEEK):
        run_outlets = outlets[run::DELIVERY_RUNS_PER_WEEK]
        if not run_outlets:
            continue
        plans.append(c.PlanDelivery(
            command_id=send.next_id(), actor_id=platform, from_site_id=site,
            planned_for=FIRST_MONDAY + timedelta(weeks=week, days=3),
            stops=[c.PlannedStop(outlet, [c.PlannedLine(lot_id, quantity_g) for lot_id, quantity_g
                                          in per_outlet[outlet].items()])
                   for outlet in run_outlets],
            occurred_at=_at(week, 3, 7)))
    planned = send.batch(plans)
    send.batch([c.DispatchDelivery(command_id=send.next_id(), actor_id=platform,
                                   delivery_id=result.stream_id, occurred_at=_at(week, 3, 8))
                for result in planned])
    # Thursday afternoon: outlets sign for their stops, sometimes short.
    receipts: list[msgspec.Struct] = []
    held: dict[UUID, dict[UUID, int]] = {}
    for plan, result in zip(plans, planned, strict=True):
        assert isinstance(plan, c.PlanDelivery)
        for stop in plan.stops:
            receipt_lines: list[c.ReceiptLine] = []
            for line in stop.lines:
                short_g = rng.randint(100, 900) if rng.random() < 0.1 else 0
                received_g = max(0, line.quantity_g - short_g)
                receipt_lines.append(c.ReceiptLine(line.lot_id, received_g))
                if received_g:
                    held.setdefault(stop.outlet_id, {})[line.lot_id] = received_g
            receipts.append(c.ReceiveDelivery(
                command_id=send.next_id(), actor_id=stop.outlet_id,
                delivery_id=result.stream_id, lines=receipt_lines,
                signer="Responsable de l'accueil",
                occurred_at=_at(week, 3, 15)))
    send.batch(receipts)
    # Friday and Saturday: distributions, a few losses at outlets.
    handouts: list[msgspec.Struct] = []
    for outlet, lots in held.items():
        name = _name_of(send.ledger, outlet)
        for lot_id, quantity_g in lots.items():
            lost_g = quantity_g // 20 if rng.random() < 0.15 else 0
            if lost_g:
                handouts.append(c.RecordLoss(command_id=send.next_id(), actor_id=outlet,
                                             lot_id=lot_id, quantity_g=lost_g,
                                             reason="Produits abîmés",
                                             occurred_at=_at(week, 4, 10)))
            channel = Channel.CANTEEN if "Cantine" in name else Channel.FOOD_AID
            handouts.append(c.RecordDistribution(
                command_id=send.next_id(), actor_id=outlet, lot_id=lot_id,
                quantity_g=quantity_g - lost_g, channel=channel,
                occurred_at=_at(week, rng.randint(4, 5), 11)))
    send.batch(handouts)


def _recall(send: _Sender, rng: random.Random, territory: Territory, week: int,
            summary: DemoSummary) -> None:
    """A producer recalls a split lot of the last week whose crates reached outlets."""
    del rng
    offered = {lot for lots in territory.lots_by_producer.values() for lot in lots}
    candidates = [lot_id for lot_id in territory.children if lot_id in offered]
    if not candidates:
        return
    lot_id = candidates[-1]
    lot: Any = send.ledger.repository.get(lot_id)
    producer = next(garden for garden, lots in territory.lots_by_producer.items()
                    if lot_id in lots)
    send.one(c.RecallLot(command_id=send.next_id(), actor_id=producer, lot_id=lot_id,
                         reason="Contrôle : résidus de cuivre au-dessus du seuil bio",
                         occurred_at=_at(week, 6, 9)))
    summary.recalled_lot_codes.append(lot.code)


def _product_of(ledger: Ledger, lot_id: UUID) -> str:
    product: str = ledger.repository.get(lot_id).product
    return product


def _name_of(ledger: Ledger, member_id: UUID) -> str:
    name: str = ledger.repository.get(member_id).name
    return name


SUMMARY_PAGE_SIZE = 10_000
"""Notifications read per page when counting: memory stays flat at any scale."""
SUMMARY_PAGES_MAX = 100_000
"""A billion notifications: far beyond the largest demo (``WEEKS_MAX`` times ``SCALE_MAX``)."""


def count_history(ledger: Ledger, summary: DemoSummary) -> None:
    """Fill ``summary``'s figures from the store's events, whatever programme wrote them.

    Lots offered and grams received go to the basket programme whose producer offered the
    lot, else to the supply chain; distributions count per outlet and per channel; commands
    are counted by their command records, and every other stored event was written by one.
    """
    summary.commands = 0
    topics = stored_topics(CommandRecord.Handled, Member.Registered, BasketProgramme.Opened,
                           Lot.Offered, Lot.Received, Lot.Distributed, Household.Enrolled,
                           Basket.Prepared, Basket.Collected, Basket.Cancelled,
                           Donation.Recorded, Donation.Cancelled, Workshop.Held,
                           Workshop.Cancelled)
    names: dict[UUID, str] = {}
    programme_of_producer: dict[UUID, str] = {}
    programme_of_lot: dict[UUID, str] = {}
    by_outlet: dict[UUID, int] = {}
    position = 1
    for _ in range(SUMMARY_PAGES_MAX):
        page = ledger.recorder.select_notifications(position, SUMMARY_PAGE_SIZE, topics=topics)
        for notification in page:
            event = decode_event(notification.topic, notification.state)
            stream_id = UUID(str(notification.originator_id))
            if isinstance(event, CommandRecord.Handled):
                summary.commands += 1
            elif isinstance(event, Member.Registered):
                names[stream_id] = event.name
            elif isinstance(event, BasketProgramme.Opened):
                programme_of_producer[event.producer_id] = event.name
            elif isinstance(event, Lot.Offered):
                programme = programme_of_producer.get(event.producer_id, SUPPLY_CHAIN)
                programme_of_lot[stream_id] = programme
                summary.programmes.setdefault(programme, ProgrammeFigures()).lots += 1
                summary.lots += 1
            elif isinstance(event, Lot.Received):
                programme = programme_of_lot.get(stream_id, SUPPLY_CHAIN)
                figures = summary.programmes.setdefault(programme, ProgrammeFigures())
                figures.received_g += event.measured_g
                summary.received_g += event.measured_g
            elif isinstance(event, Lot.Distributed):
                by_outlet[event.outlet_id] = by_outlet.get(event.outlet_id, 0) + \
                    event.quantity_g
                channel = str(event.channel)
                summary.distributed_g_by_channel[channel] = \
                    summary.distributed_g_by_channel.get(channel, 0) + event.quantity_g
            elif isinstance(event, Household.Enrolled):
                summary.households += 1
            elif isinstance(event, Basket.Prepared):
                summary.baskets_prepared += 1
            elif isinstance(event, Basket.Collected):
                summary.baskets_collected += 1
            elif isinstance(event, Basket.Cancelled):
                summary.baskets_cancelled += 1
            elif isinstance(event, Donation.Recorded | Donation.Cancelled):
                summary.donations += 1 if isinstance(event, Donation.Recorded) else -1
            elif isinstance(event, Workshop.Held | Workshop.Cancelled):
                summary.workshops += 1 if isinstance(event, Workshop.Held) else -1
        if len(page) < SUMMARY_PAGE_SIZE:
            break
        position = page[-1].id + 1
    summary.events_written = (ledger.recorder.max_notification_id() or 0) - summary.commands
    summary.distributed_g_by_outlet = {names.get(outlet, str(outlet)): grams
                                       for outlet, grams in by_outlet.items()}
