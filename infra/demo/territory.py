"""A realistic, seeded demo territory: weeks of a food bank's organic supply chain, up to now.

Per platform (``--scale`` multiplies platforms, each with its own territory): one food-bank
warehouse, six market gardens, a dairy farm, a partner shop, twelve outlets and three
funders. Each week, on Monday morning the platform clears out what is past its date
(recorded as a loss); gardens offer vegetables (dated by the governed shelf lives) and the
farm offers yoghurts (with a DLC); the platform accepts (sometimes partly) or declines,
receives and weighs them (yoghurts with their temperature), splits some into crates, merges
two part-lots of one product, sometimes cooks squash into soup (a DLC product), runs its
allocation round, delivers to outlets in three runs, and outlets distribute and record
losses.

The demo ends at a moment, ``end`` (now by default; ``--end DATE`` pins it to that day at
18:00 in Paris): its weeks are the ``weeks`` up to the one holding ``end``, and no act is
dated after it, so today's stock is a working warehouse. Weekly acts stop two hours before
the end; in those two hours the first territory's closing scene happens: a shop's bulk
donation is received and sorted, a warm yoghurt delivery is refused at the dock, a producer
recalls a lot whose crates reached outlets, a lot is held for an analysis, and a delivery
leaves (still on the road at the end).

Deterministic: the same ``seed`` and ``end`` give the same business times, quantities and
lot codes (codes are numbered by the demo, never drawn from the clock). Commands are sent in
one atomic batch per phase of a week, so large histories are quick to generate; every
command still goes through the same handlers, checks and idempotency.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from typing import Any
from uuid import UUID

import msgspec

from domain import commands as c
from domain.allocations import AllocationRound
from domain.baskets import Basket, BasketProgramme, Household
from domain.codec import decode_event
from domain.command_records import CommandRecord
from domain.dates import PARIS, DateKind, aware, paris_day
from domain.donations import Donation
from domain.errors import DomainError
from domain.lots import Channel, Lot, LotStatus, OutOfRange
from domain.members import Member, MemberKind
from domain.sites import SiteKind
from domain.stock_rules import DEFAULT_STOCK_RULES
from domain.workshops import Workshop
from infra.demo.clock import execute_lived
from infra.demo.governance import seed_governance
from infra.demo.reports import seed_reports
from infra.ledger.ledger import Ledger
from projections.runner import stored_topics

GARDENS_PER_PLATFORM = 6
OUTLETS_PER_PLATFORM = 12
FUNDERS = 3
DELIVERY_RUNS_PER_WEEK = 3
WEEKS_MAX = 520  # Ten years of weekly rounds: enough for any benchmark history.
SCALE_MAX = 10_000
END_TIME = day_time(18, 0)
"""``--end DATE`` means that day at 18:00 in Paris: the warehouse's day is over."""
CLOSING_WINDOW = timedelta(hours=2)
"""Weekly acts stop this long before the end; the closing scene happens in between."""
CLOSING_STEP = timedelta(minutes=5)
CLOSING_STEPS_MAX = 20  # The closing scene's acts, five minutes apart: well within the window.
YOGHURT_LIFE = timedelta(weeks=3)
"""A yoghurt's DLC is three weeks after it is offered, on a Monday: never a Thursday or a
Friday, so a lot allocated on Wednesday always leaves on Thursday with its 48 hours."""
WARM_DC = 95  # The refused yoghurt delivery: 9.5 °C for a 0 to 4 °C product.
TRANSIT_LOT_G_MAX = 15_000  # Grams per line of the closing scene's delivery.
SWEEP_LOTS_MAX = 5_000  # Lots of one warehouse looked at by the closing sweep.
RECALL_CANDIDATES_MAX = 30  # Recent split lots looked at for the recall (a few weeks' worth).
TRANSIT_LOT_G_MIN = 2_000  # A lot smaller than this is not worth a line of that delivery.

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
NEEDED_PRODUCTS = (*(product for product, _, _ in PRODUCTS), "yaourt")
SORTED_PRODUCTS: tuple[tuple[str, str, int, int | None], ...] = (
    # (product, variety, share of the donation in basis points, days from today to the date
    # printed on the packs, or None for fresh produce dated by its shelf life). Shops give
    # what they can no longer sell: close to its date, or just past it.
    ("tomate", "Cœur de bœuf", 3_000, None),
    ("laitue", "Feuille de chêne", 1_500, 1),
    ("yaourt", "aux fruits", 1_500, 2),
    ("yaourt", "nature", 500, -1),
    ("fromage", "Comté", 1_500, -2),
)
# What is left of a donation after these shares (20 %) is waste: not fit to give.
GARDEN_NAMES = ("Jardin de Cocagne de Chalon", "Jardins du Cœur de Lens", "Jardin de Vesoul",
                "Jardins de Besançon", "Jardin du Plateau", "Jardins de la Vallée")
OUTLET_NAMES = ("Épicerie solidaire", "Restos du quartier", "CCAS", "Secours local",
                "Banque de la Croix", "Cantine scolaire", "Maison des familles",
                "Accueil de jour", "Association Partage", "Épicerie étudiante",
                "Relais Saint-Jean", "Foyer des jeunes")
FUNDER_NAMES = ("Réseau Cocagne national", "Conseil départemental", "Fondation Solidaire")


@dataclass
class Calendar:
    """When the demo's weeks fall: ``start`` is the Monday of week 0; nothing after ``end``."""

    start: date
    end: datetime

    def at(self, week: int, day: int, hour: int = 9) -> datetime:
        """A business time: day ``day`` of week ``week`` at ``hour`` UTC."""
        return datetime.combine(self.start + timedelta(weeks=week, days=day),
                                day_time(0, 0), tzinfo=UTC) + timedelta(hours=hour)

    def allows(self, moment: datetime) -> bool:
        """Whether a weekly act at ``moment`` happens (before the closing window)."""
        return moment <= self.end - CLOSING_WINDOW


def demo_calendar(weeks: int, end: datetime | date | None = None) -> Calendar:
    """The weeks up to the one holding ``end`` (a moment; a day means 18:00 in Paris that
    day; now when None)."""
    if end is None:
        moment = datetime.now(tz=UTC)
    elif isinstance(end, datetime):
        moment = aware(end)
    else:
        moment = datetime.combine(end, END_TIME, tzinfo=PARIS).astimezone(UTC)
    last_day = paris_day(moment)
    monday = last_day - timedelta(days=last_day.weekday())
    return Calendar(start=monday - timedelta(weeks=weeks - 1), end=moment)


@dataclass
class Territory:
    """Ids of one platform's territory, and what the demo tracks of its stock."""

    platform_id: UUID
    site_id: UUID
    garden_ids: list[UUID]
    outlet_ids: list[UUID]
    farm_id: UUID
    shop_id: UUID
    lots_by_producer: dict[UUID, list[UUID]] = field(default_factory=dict)
    children: dict[UUID, list[UUID]] = field(default_factory=dict)
    dated: dict[UUID, date] = field(default_factory=dict)
    """Lots that came into the warehouse, with their date (until cleared out)."""


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
    held_lot_codes: list[str] = field(default_factory=list)
    refused_lot_codes: list[str] = field(default_factory=list)
    donation_lot_codes: list[str] = field(default_factory=list)
    merged_lot_codes: list[str] = field(default_factory=list)
    cleared_out_g: int = 0
    """Grams past their date removed from stock (recorded as losses)."""
    in_transit_delivery_ids: list[UUID] = field(default_factory=list)
    coordinator_id: UUID | None = None
    platform_ids: list[UUID] = field(default_factory=list)
    funder_ids: list[UUID] = field(default_factory=list)
    start: date | None = None
    end: datetime | None = None
    seconds: float = 0.0


class _Sender:
    """Sends commands with deterministic ids and lot codes, counting what was written and
    remembering the latest business time."""

    def __init__(self, ledger: Ledger, seed: int, summary: DemoSummary) -> None:
        self.ledger = ledger
        self.prefix = f"demo-{seed}"
        self.counter = 0
        self.codes = 0
        self.summary = summary
        self.latest = datetime.min.replace(tzinfo=UTC)

    def next_id(self) -> str:
        self.counter += 1
        return f"{self.prefix}-{self.counter:09d}"

    def code(self, prefix: str, day: date) -> str:
        """A lot code numbered by the demo: ``L261207-00042``."""
        self.codes += 1
        return f"{prefix}{day:%y%m%d}-{self.codes:05d}"

    def batch(self, commands: Sequence[msgspec.Struct]) -> list[c.CommandResult]:
        if not commands:
            return []
        results = execute_lived(self.ledger, commands)
        self.summary.commands += len(commands)
        self.summary.events_written += sum(result.events_written for result in results)
        for command in commands:
            moment = getattr(command, "occurred_at", None)
            if moment is not None and moment > self.latest:
                self.latest = moment
        return results

    def one(self, command: msgspec.Struct) -> c.CommandResult:
        return self.batch([command])[0]


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def generate_demo(ledger: Ledger, *, weeks: int = 12, seed: int = 7, scale: int = 1,
                  end: datetime | date | None = None,
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
    calendar = demo_calendar(weeks, end)
    rng = random.Random(seed)
    summary = DemoSummary(start=calendar.start, end=calendar.end)
    send = _Sender(ledger, seed, summary)
    setup_time = calendar.at(0, -14, 8)
    founded = send.one(c.FoundCooperative(
        command_id=send.next_id(), name="Réseau Cocagne — coopérative de démonstration",
        coordinator_name="Secrétariat du réseau", occurred_at=setup_time))
    coordinator = founded.stream_ids[0]
    summary.coordinator_id = coordinator

    def register(name: str, kind: MemberKind, households: int = 0,
                 roles: list[Any] | None = None) -> c.RegisterMember:
        return c.RegisterMember(command_id=send.next_id(), actor_id=coordinator, name=name,
                                kind=kind, households_served=households, roles=roles,
                                occurred_at=setup_time)

    funder_results = send.batch([register(name, MemberKind.FUNDER) for name in FUNDER_NAMES])
    summary.funder_ids = [result.stream_id for result in funder_results]
    territories: list[Territory] = []
    for index in range(scale):
        suffix = "" if scale == 1 else f" #{index + 1}"
        members = send.batch(
            [register(f"Banque alimentaire{suffix}", MemberKind.PLATFORM)]
            + [register(f"{name}{suffix}", MemberKind.PRODUCER) for name in GARDEN_NAMES]
            + [register(f"{name}{suffix}", MemberKind.OUTLET, rng.randint(20, 300))
               for name in OUTLET_NAMES]
            + [register(f"Ferme laitière du Plateau{suffix}", MemberKind.PRODUCER),
               # A shop gives its unsold food: a donor, with no role in the cooperative.
               register(f"Magasin bio partenaire{suffix}", MemberKind.PRODUCER, roles=[])])
        platform_id = members[0].stream_id
        site = send.one(c.RegisterSite(
            command_id=send.next_id(), actor_id=coordinator, name=f"Entrepôt{suffix}",
            kind=SiteKind.WAREHOUSE, operator_id=platform_id, city="Dijon",
            occurred_at=setup_time))
        first_outlet = 1 + GARDENS_PER_PLATFORM
        territories.append(Territory(
            platform_id=platform_id, site_id=site.stream_id,
            garden_ids=[result.stream_id for result in members[1:first_outlet]],
            outlet_ids=[result.stream_id
                        for result in members[first_outlet:first_outlet + len(OUTLET_NAMES)]],
            farm_id=members[-2].stream_id, shop_id=members[-1].stream_id))
    summary.platform_ids = [territory.platform_id for territory in territories]
    governance = None
    if with_governance:
        # Colleges, stock rules and a price grid, a vote changing the allocation key, baskets.
        governance = seed_governance(ledger, summary=summary, territories=territories,
                                     weeks=weeks, start=calendar.start,
                                     until=calendar.end - CLOSING_WINDOW)

    for week in range(weeks):
        for territory in territories:
            _run_week(send, rng, territory, week, summary, calendar)
        if progress is not None:
            progress(week + 1, weeks, summary.events_written)
    if governance is not None:
        # Reference prices, a few donations, labelled lots and workshops for the reports.
        seed_reports(ledger, governance, territories, coordinator_id=coordinator,
                     weeks=weeks, start=calendar.start, seed=seed,
                     until=calendar.end - CLOSING_WINDOW)
    _closing_scene(send, rng, territories[0], summary, calendar)
    summary.seconds = time.perf_counter() - started
    summary.events_stored = ledger.recorder.max_notification_id() or 0
    count_history(ledger, summary)
    return summary


def _lot(ledger: Ledger, lot_id: UUID) -> Lot:
    lot: Any = ledger.repository.get(lot_id)
    assert isinstance(lot, Lot)
    return lot


def _clear_out(send: _Sender, territory: Territory, moment: datetime,
               summary: DemoSummary, before: date | None = None) -> None:
    """Monday morning: what is past its date (before ``before``, today by default) leaves
    the stock, recorded as a loss."""
    today = before or paris_day(moment)
    losses: list[msgspec.Struct] = []
    for lot_id, best_before in list(territory.dated.items()):
        if best_before >= today:
            continue
        lot = _lot(send.ledger, lot_id)
        if lot.best_before >= today:  # The rules in force dated it later than the defaults.
            territory.dated[lot_id] = lot.best_before
            continue
        del territory.dated[lot_id]
        if lot.recalled or lot.on_hold is not None or lot.available_g <= 0:
            continue
        losses.append(c.RecordLoss(command_id=send.next_id(), actor_id=territory.platform_id,
                                   lot_id=lot_id, quantity_g=lot.available_g,
                                   reason="Date dépassée : retiré du stock et détruit",
                                   occurred_at=moment))
        summary.cleared_out_g += lot.available_g
    send.batch(losses)


def _run_week(send: _Sender, rng: random.Random, territory: Territory, week: int,
              summary: DemoSummary, calendar: Calendar) -> None:
    """One week of the territory, phase by phase, up to the closing window."""
    at = calendar.at
    platform = territory.platform_id
    site = territory.site_id
    monday = calendar.start + timedelta(weeks=week)
    if not calendar.allows(at(week, 0, 7)):
        return
    _clear_out(send, territory, at(week, 0, 7), summary)
    if not calendar.allows(at(week, 0, 8)):
        return
    # Monday: gardens offer vegetables (their shelf life dates them), the farm yoghurts.
    offers: list[c.OfferLot] = []
    harvest = monday - timedelta(days=1)
    for garden in territory.garden_ids:
        for product, variety, price in rng.sample(PRODUCTS, k=rng.randint(2, 3)):
            offers.append(c.OfferLot(
                command_id=send.next_id(), actor_id=garden, product=product, variety=variety,
                quantity_g=rng.randint(40, 400) * 500, price_cents_per_kg=price,
                harvest_date=harvest, code=send.code("L", harvest),
                organic_certificate=f"FR-BIO-01-{garden.hex[-4:].upper()}", origin="Parcelle "
                f"{rng.randint(1, 9)}", occurred_at=at(week, 0, 8)))
    offers.append(c.OfferLot(
        command_id=send.next_id(), actor_id=territory.farm_id, product="yaourt",
        variety="nature", quantity_g=rng.randint(40, 120) * 500, price_cents_per_kg=350,
        harvest_date=monday, best_before=monday + YOGHURT_LIFE, code=send.code("Y", monday),
        organic_certificate=f"FR-BIO-01-{territory.farm_id.hex[-4:].upper()}",
        origin="Laiterie de la ferme", occurred_at=at(week, 0, 8)))
    offered = send.batch(offers)
    if not calendar.allows(at(week, 1, 14)):
        return
    # Tuesday: the platform accepts or declines, then receives and weighs (and measures the
    # yoghurts' temperature).
    decisions: list[msgspec.Struct] = []
    accepted: list[tuple[UUID, int, str]] = []
    for offer, result in zip(offers, offered, strict=True):
        lot_id = result.stream_id
        territory.lots_by_producer.setdefault(offer.actor_id, []).append(lot_id)
        if rng.random() < 0.08:
            decisions.append(c.DeclineOffer(command_id=send.next_id(), actor_id=platform,
                                            lot_id=lot_id, reason="Stockage plein cette semaine",
                                            occurred_at=at(week, 1, 8)))
            continue
        accepted_g = offer.quantity_g if rng.random() < 0.8 else offer.quantity_g // 2
        decisions.append(c.AcceptOffer(command_id=send.next_id(), actor_id=platform,
                                       lot_id=lot_id, site_id=site, accepted_g=accepted_g,
                                       occurred_at=at(week, 1, 8)))
        measured_g = max(1, accepted_g + rng.choice((0, 0, 0, -1, 1)) * rng.randint(0, 3000))
        chilled = offer.product == "yaourt"
        decisions.append(c.ReceiveLot(
            command_id=send.next_id(), actor_id=platform, lot_id=lot_id, site_id=site,
            measured_g=measured_g, temperature_dc=rng.randint(25, 38) if chilled else None,
            occurred_at=at(week, 1, 14)))
        accepted.append((lot_id, measured_g, offer.product))
        territory.dated[lot_id] = (offer.best_before
                                   or DEFAULT_STOCK_RULES.suggested_date(offer.product, harvest))
    send.batch(decisions)
    if not calendar.allows(at(week, 2, 10)):
        return
    # Wednesday morning: some lots are split into crates; two part-lots of one product are
    # merged; squash sometimes becomes soup.
    repack: list[msgspec.Struct] = []
    for lot_id, measured_g, _ in accepted:
        if rng.random() < 0.25 and measured_g >= 20_000:
            first_g = measured_g // 2
            repack.append(c.SplitLot(command_id=send.next_id(), actor_id=platform,
                                     lot_id=lot_id, parts_g=[first_g, measured_g - first_g],
                                     occurred_at=at(week, 2, 8)))
    split_results = send.batch(repack)
    for command, result in zip(repack, split_results, strict=True):
        assert isinstance(command, c.SplitLot)
        territory.children[command.lot_id] = result.stream_ids[1:]
        for child_id in result.stream_ids[1:]:
            territory.dated[child_id] = territory.dated[command.lot_id]
    merged = _merge_two(send, territory, accepted, at(week, 2, 9), summary)
    if week % 3 == 2:
        squash = [lot_id for lot_id, measured_g, product in accepted
                  if lot_id not in territory.children and lot_id not in merged
                  and measured_g >= 10_000 and product == "courge"]
        if squash:
            lot_id = squash[0]
            made_on = paris_day(at(week, 2, 10))
            result = send.one(c.TransformLots(
                command_id=send.next_id(), actor_id=platform,
                inputs=[c.ParentPart(lot_id, 10_000)],
                outputs=[c.TransformOutput(product="soupe de courge", quantity_g=8_500,
                                           code=send.code("T", made_on))],
                loss_g=1_500, occurred_at=at(week, 2, 10)))
            territory.children.setdefault(lot_id, []).extend(result.stream_ids[:1])
            territory.dated[result.stream_ids[0]] = DEFAULT_STOCK_RULES.suggested_date(
                "soupe de courge", made_on)
    if not calendar.allows(at(week, 2, 17)):
        return
    # Wednesday: the allocation round.
    opened = send.one(c.OpenRound(command_id=send.next_id(), actor_id=platform, site_id=site,
                                  week=_iso_week(monday), occurred_at=at(week, 2, 11)))
    round_id = opened.stream_id
    needs: list[msgspec.Struct] = []
    for outlet in territory.outlet_ids:
        for product in rng.sample(NEEDED_PRODUCTS, k=rng.randint(3, 5)):
            needs.append(c.DeclareNeed(command_id=send.next_id(), actor_id=outlet,
                                       round_id=round_id, product=product,
                                       quantity_g=rng.randint(5, 40) * 1000,
                                       occurred_at=at(week, 2, 12)))
    send.batch(needs)
    send.batch([
        c.ComputeRound(command_id=send.next_id(), actor_id=platform, round_id=round_id,
                       occurred_at=at(week, 2, 16)),
        c.ConfirmRound(command_id=send.next_id(), actor_id=platform, round_id=round_id,
                       occurred_at=at(week, 2, 17)),
    ])
    allocation: Any = send.ledger.repository.get(round_id)
    assert isinstance(allocation, AllocationRound)
    per_outlet: dict[UUID, dict[UUID, int]] = {}
    for allocated in allocation.lines:
        grams = per_outlet.setdefault(allocated.outlet_id, {})
        grams[allocated.lot_id] = grams.get(allocated.lot_id, 0) + allocated.quantity_g
    if not calendar.allows(at(week, 3, 8)):
        return
    # Thursday: three delivery runs (outlets in the territory's order).
    outlets = [outlet for outlet in territory.outlet_ids if outlet in per_outlet]
    plans: list[msgspec.Struct] = []
    for run in range(DELIVERY_RUNS_PER_WEEK):
        run_outlets = outlets[run::DELIVERY_RUNS_PER_WEEK]
        if not run_outlets:
            continue
        plans.append(c.PlanDelivery(
            command_id=send.next_id(), actor_id=platform, from_site_id=site,
            planned_for=monday + timedelta(days=3),
            stops=[c.PlannedStop(outlet, [c.PlannedLine(lot_id, quantity_g) for lot_id, quantity_g
                                          in per_outlet[outlet].items()])
                   for outlet in run_outlets],
            occurred_at=at(week, 3, 7)))
    planned = send.batch(plans)
    send.batch([c.DispatchDelivery(command_id=send.next_id(), actor_id=platform,
                                   delivery_id=result.stream_id, occurred_at=at(week, 3, 8))
                for result in planned])
    if not calendar.allows(at(week, 3, 15)):
        return
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
                occurred_at=at(week, 3, 15)))
    send.batch(receipts)
    # Friday and Saturday: distributions, a few losses at outlets.
    handouts: list[msgspec.Struct] = []
    for outlet, lots in held.items():
        name = _name_of(send.ledger, outlet)
        for lot_id, quantity_g in lots.items():
            handed_on = at(week, rng.randint(4, 5), 11)
            lost_g = quantity_g // 20 if rng.random() < 0.15 else 0
            if not calendar.allows(handed_on):
                continue
            if lost_g:
                handouts.append(c.RecordLoss(command_id=send.next_id(), actor_id=outlet,
                                             lot_id=lot_id, quantity_g=lost_g,
                                             reason="Produits abîmés",
                                             occurred_at=at(week, 4, 10)))
            channel = Channel.CANTEEN if "Cantine" in name else Channel.FOOD_AID
            handouts.append(c.RecordDistribution(
                command_id=send.next_id(), actor_id=outlet, lot_id=lot_id,
                quantity_g=quantity_g - lost_g, channel=channel, occurred_at=handed_on))
    send.batch(handouts)


def _merge_two(send: _Sender, territory: Territory, accepted: list[tuple[UUID, int, str]],
               moment: datetime, summary: DemoSummary) -> set[UUID]:
    """Merge half of two whole lots of one product into one (the platform consolidates
    crates); the merged parents, or nothing when no product came twice."""
    whole: dict[str, list[tuple[UUID, int]]] = {}
    for lot_id, measured_g, product in accepted:
        if lot_id not in territory.children and measured_g >= 2_000 and product != "yaourt":
            whole.setdefault(product, []).append((lot_id, measured_g))
    pair = next((lots[:2] for lots in whole.values() if len(lots) >= 2), None)
    if pair is None:
        return set()
    code = send.code("M", paris_day(moment))
    result = send.one(c.MergeLots(
        command_id=send.next_id(), actor_id=territory.platform_id, code=code,
        parents=[c.ParentPart(lot_id, measured_g // 2) for lot_id, measured_g in pair],
        occurred_at=moment))
    territory.dated[result.stream_id] = min(territory.dated[lot_id] for lot_id, _ in pair)
    for lot_id, _ in pair:
        territory.children.setdefault(lot_id, []).append(result.stream_id)
    summary.merged_lot_codes.append(code)
    return {lot_id for lot_id, _ in pair}


def _closing_scene(send: _Sender, rng: random.Random, territory: Territory,
                   summary: DemoSummary, calendar: Calendar) -> None:
    """The last two hours: a donation sorted, a warm delivery refused, a recall, a hold, and
    a delivery that is still on the road at the end."""
    opening = max(send.latest, calendar.end - CLOSING_WINDOW)
    moments = iter([opening + CLOSING_STEP * step for step in range(1, CLOSING_STEPS_MAX + 1)])
    platform, site = territory.platform_id, territory.site_id
    today = paris_day(calendar.end)
    # Lots written after the weeks (the reports' donations) missed the Monday clear-outs:
    # what was past its date by this Monday leaves now, as it would have then.
    monday = today - timedelta(days=today.weekday())
    for lot_id in send.ledger.stores.site_lots.lots_at(site)[:SWEEP_LOTS_MAX]:
        territory.dated.setdefault(lot_id, _lot(send.ledger, lot_id).best_before)
    _clear_out(send, territory, next(moments), summary,
               before=min(monday, today - timedelta(days=1)))
    # A shop's unsorted donation, sorted into product lots with the waste declared.
    donated_g = rng.randint(60, 120) * 500
    code = send.code("V", today)
    donation = send.one(c.ReceiveDonation(
        command_id=send.next_id(), actor_id=platform, site_id=site,
        donor_id=territory.shop_id, description="Invendus fruits et légumes du jour",
        quantity_g=donated_g, code=code, occurred_at=next(moments))).stream_id
    shares = [donated_g * share_bp // 10_000 for _, _, share_bp, _ in SORTED_PRODUCTS]
    outputs = [c.SortedOutput(product=product, variety=variety, quantity_g=grams,
                              best_before=None if days is None else today + timedelta(days=days))
               for (product, variety, _, days), grams in zip(SORTED_PRODUCTS, shares,
                                                             strict=True)]
    sorted_lots = send.one(c.SortDonation(
        command_id=send.next_id(), actor_id=platform, lot_id=donation,
        waste_g=donated_g - sum(shares), outputs=outputs,
        occurred_at=next(moments))).stream_ids[1:]
    for lot_id, output in zip(sorted_lots, outputs, strict=True):
        territory.dated[lot_id] = output.best_before or DEFAULT_STOCK_RULES.suggested_date(
            output.product, today)
    summary.donation_lot_codes.append(code)
    # Yoghurts arriving at 9.5 °C: refused at the dock.
    warm_g = rng.randint(20, 60) * 500
    warm_code = send.code("Y", today)
    warm = send.one(c.OfferLot(
        command_id=send.next_id(), actor_id=territory.farm_id, product="yaourt",
        variety="nature", quantity_g=warm_g, price_cents_per_kg=350, harvest_date=today,
        best_before=today + YOGHURT_LIFE, code=warm_code, organic_certificate="FR-BIO-01",
        origin="Laiterie de la ferme", occurred_at=next(moments))).stream_id
    send.batch([
        c.AcceptOffer(command_id=send.next_id(), actor_id=platform, lot_id=warm, site_id=site,
                      accepted_g=warm_g, occurred_at=next(moments)),
        c.ReceiveLot(command_id=send.next_id(), actor_id=platform, lot_id=warm, site_id=site,
                     measured_g=warm_g, temperature_dc=WARM_DC,
                     if_out_of_range=OutOfRange.REFUSE, occurred_at=next(moments))])
    summary.refused_lot_codes.append(warm_code)
    _recall(send, territory, summary, next(moments))
    # One lot held for an analysis, one delivery on the road: chosen among lots with stock.
    usable = []
    for lot_id in territory.dated:
        lot = _lot(send.ledger, lot_id)
        try:
            lot.check_dispatch(territory.outlet_ids[0], 1, calendar.end, DEFAULT_STOCK_RULES)
        except DomainError:
            continue
        if (lot.status == LotStatus.RECEIVED and lot.date_kind != DateKind.USE_BY
                and lot.available_g >= TRANSIT_LOT_G_MIN):
            usable.append(lot)
    if not usable:
        return
    held = usable[0]
    send.one(c.HoldLot(command_id=send.next_id(), actor_id=platform, lot_id=held.id,
                       reason="Analyse de résidus de pesticides en cours",
                       occurred_at=next(moments)))
    summary.held_lot_codes.append(held.code)
    leaving = usable[1:5]
    if not leaving:
        return
    # Each of two outlets gets a quarter of each lot at most: the rest stays in stock.
    stops = [c.PlannedStop(outlet, [c.PlannedLine(lot.id, min(lot.available_g // 4,
                                                              TRANSIT_LOT_G_MAX))
                                    for lot in leaving])
             for outlet in territory.outlet_ids[:2]]
    delivery = send.one(c.PlanDelivery(
        command_id=send.next_id(), actor_id=platform, from_site_id=site, planned_for=today,
        stops=stops, occurred_at=next(moments))).stream_id
    send.one(c.DispatchDelivery(command_id=send.next_id(), actor_id=platform,
                                delivery_id=delivery, occurred_at=next(moments)))
    summary.in_transit_delivery_ids.append(delivery)


def _recall(send: _Sender, territory: Territory, summary: DemoSummary,
            moment: datetime) -> None:
    """A producer recalls a split lot whose crates reached outlets."""
    offered = {lot for lots in territory.lots_by_producer.values() for lot in lots}
    candidates = [lot_id for lot_id in territory.children if lot_id in offered]
    if not candidates:
        return
    # The latest such lot of which some crates are still in the warehouse, else the latest.
    lot_id = next((lot_id for lot_id in reversed(candidates[-RECALL_CANDIDATES_MAX:])
                   if any(_lot(send.ledger, child).on_hand_g
                          for child in territory.children[lot_id])), candidates[-1])
    lot = _lot(send.ledger, lot_id)
    producer = next(garden for garden, lots in territory.lots_by_producer.items()
                    if lot_id in lots)
    send.one(c.RecallLot(command_id=send.next_id(), actor_id=producer, lot_id=lot_id,
                         reason="Contrôle : résidus de cuivre au-dessus du seuil bio",
                         occurred_at=moment))
    summary.recalled_lot_codes.append(lot.code)


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
