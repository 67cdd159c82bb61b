"""One week of a demo territory, phase by phase, from Monday's clear-out to Saturday's handouts.

Monday morning the platform clears out what is past its date (recorded as a loss); gardens
offer vegetables (dated by the governed shelf lives) and the farm offers yoghurts (with a
DLC). Tuesday the platform accepts (sometimes partly) or declines, receives and weighs them
(yoghurts with their temperature). Wednesday it splits some into crates, merges two part-lots
of one product, sometimes cooks squash into soup (a DLC product), and runs its allocation
round. Thursday it delivers to outlets in three runs, and outlets sign for their stops;
Friday and Saturday they distribute and record losses. A phase happens only when its last
act falls before the closing window, so a week cut short by the demo's end stops between
phases. Each phase draws from the demo's seeded random generator in a fixed order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from domain import commands as c
from domain.allocations import AllocationRound
from domain.dates import paris_day
from domain.lots import Channel
from domain.stock_rules import DEFAULT_STOCK_RULES
from infra.demo.stage import Calendar, Sender, Territory, iso_week, lot_of, name_of
from infra.demo.summary import DemoSummary

DELIVERY_RUNS_PER_WEEK = 3
YOGHURT_LIFE = timedelta(weeks=3)
"""A yoghurt's DLC is three weeks after it is offered, on a Monday: never a Thursday or a
Friday, so a lot allocated on Wednesday always leaves on Thursday with its 48 hours."""

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

Accepted = list[tuple[UUID, int, str]]
"""Lots accepted and received this week: (lot id, grams measured, product)."""
Grams = dict[UUID, dict[UUID, int]]
"""Grams per outlet, then per lot."""


def run_week(send: Sender, rng: random.Random, territory: Territory, week: int,
             summary: DemoSummary, calendar: Calendar) -> None:
    """One week of the territory, phase by phase, up to the closing window."""
    scene = _Week(send, rng, territory, week, summary, calendar)
    if not calendar.allows(scene.at(0, 7)):
        return
    clear_out(send, territory, scene.at(0, 7), summary)
    if not calendar.allows(scene.at(0, 8)):
        return
    offers, offered = scene.offer()
    if not calendar.allows(scene.at(1, 14)):
        return
    accepted = scene.accept_and_receive(offers, offered)
    if not calendar.allows(scene.at(2, 10)):
        return
    scene.repack(accepted)
    if not calendar.allows(scene.at(2, 17)):
        return
    per_outlet = scene.allocate()
    if not calendar.allows(scene.at(3, 8)):
        return
    plans, planned = scene.deliver(per_outlet)
    if not calendar.allows(scene.at(3, 15)):
        return
    scene.distribute(scene.sign_for(plans, planned))


def clear_out(send: Sender, territory: Territory, moment: datetime,
              summary: DemoSummary, before: date | None = None) -> None:
    """Monday morning: what is past its date (before ``before``, today by default) leaves
    the stock, recorded as a loss."""
    today = before or paris_day(moment)
    losses: list[msgspec.Struct] = []
    for lot_id, best_before in list(territory.dated.items()):
        if best_before >= today:
            continue
        lot = lot_of(send.ledger, lot_id)
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


@dataclass
class _Week:
    """One week of one territory: each method is a phase, sent in one batch or a few."""

    send: Sender
    rng: random.Random
    territory: Territory
    week: int
    summary: DemoSummary
    calendar: Calendar

    @property
    def monday(self) -> date:
        """The Monday the week starts on."""
        return self.calendar.start + timedelta(weeks=self.week)

    @property
    def harvest(self) -> date:
        """The day the week's vegetables were harvested: the Sunday before."""
        return self.monday - timedelta(days=1)

    def at(self, day: int, hour: int) -> datetime:
        """A business time of this week (``Calendar.at``)."""
        return self.calendar.at(self.week, day, hour)

    def offer(self) -> tuple[list[c.OfferLot], list[c.CommandResult]]:
        """Monday: gardens offer vegetables (their shelf life dates them), the farm yoghurts."""
        send, rng, territory, monday = self.send, self.rng, self.territory, self.monday
        offers: list[c.OfferLot] = []
        harvest = self.harvest
        for garden in territory.garden_ids:
            for product, variety, price in rng.sample(PRODUCTS, k=rng.randint(2, 3)):
                offers.append(c.OfferLot(
                    command_id=send.next_id(), actor_id=garden, product=product,
                    variety=variety, quantity_g=rng.randint(40, 400) * 500,
                    price_cents_per_kg=price, harvest_date=harvest,
                    code=send.code("L", harvest),
                    organic_certificate=f"FR-BIO-01-{garden.hex[-4:].upper()}",
                    origin="Parcelle " f"{rng.randint(1, 9)}", occurred_at=self.at(0, 8)))
        offers.append(c.OfferLot(
            command_id=send.next_id(), actor_id=territory.farm_id, product="yaourt",
            variety="nature", quantity_g=rng.randint(40, 120) * 500, price_cents_per_kg=350,
            harvest_date=monday, best_before=monday + YOGHURT_LIFE,
            code=send.code("Y", monday),
            organic_certificate=f"FR-BIO-01-{territory.farm_id.hex[-4:].upper()}",
            origin="Laiterie de la ferme", occurred_at=self.at(0, 8)))
        return offers, send.batch(offers)

    def accept_and_receive(self, offers: list[c.OfferLot],
                           offered: list[c.CommandResult]) -> Accepted:
        """Tuesday: the platform accepts or declines, then receives and weighs (and measures
        the yoghurts' temperature)."""
        send, rng, territory = self.send, self.rng, self.territory
        platform, site = territory.platform_id, territory.site_id
        decisions: list[msgspec.Struct] = []
        accepted: Accepted = []
        for offer, result in zip(offers, offered, strict=True):
            lot_id = result.stream_id
            territory.lots_by_producer.setdefault(offer.actor_id, []).append(lot_id)
            if rng.random() < 0.08:
                decisions.append(c.DeclineOffer(
                    command_id=send.next_id(), actor_id=platform, lot_id=lot_id,
                    reason="Stockage plein cette semaine", occurred_at=self.at(1, 8)))
                continue
            accepted_g = offer.quantity_g if rng.random() < 0.8 else offer.quantity_g // 2
            decisions.append(c.AcceptOffer(command_id=send.next_id(), actor_id=platform,
                                           lot_id=lot_id, site_id=site, accepted_g=accepted_g,
                                           occurred_at=self.at(1, 8)))
            measured_g = max(1, accepted_g + rng.choice((0, 0, 0, -1, 1)) * rng.randint(0, 3000))
            chilled = offer.product == "yaourt"
            decisions.append(c.ReceiveLot(
                command_id=send.next_id(), actor_id=platform, lot_id=lot_id, site_id=site,
                measured_g=measured_g, temperature_dc=rng.randint(25, 38) if chilled else None,
                occurred_at=self.at(1, 14)))
            accepted.append((lot_id, measured_g, offer.product))
            territory.dated[lot_id] = (offer.best_before or DEFAULT_STOCK_RULES.suggested_date(
                offer.product, self.harvest))
        send.batch(decisions)
        return accepted

    def repack(self, accepted: Accepted) -> None:
        """Wednesday morning: some lots are split into crates; two part-lots of one product
        are merged; squash sometimes becomes soup."""
        send, territory = self.send, self.territory
        repack: list[msgspec.Struct] = []
        for lot_id, measured_g, _ in accepted:
            if self.rng.random() < 0.25 and measured_g >= 20_000:
                first_g = measured_g // 2
                repack.append(c.SplitLot(command_id=send.next_id(),
                                         actor_id=territory.platform_id, lot_id=lot_id,
                                         parts_g=[first_g, measured_g - first_g],
                                         occurred_at=self.at(2, 8)))
        split_results = send.batch(repack)
        for command, result in zip(repack, split_results, strict=True):
            assert isinstance(command, c.SplitLot)
            territory.children[command.lot_id] = result.stream_ids[1:]
            for child_id in result.stream_ids[1:]:
                territory.dated[child_id] = territory.dated[command.lot_id]
        merged = _merge_two(send, territory, accepted, self.at(2, 9), self.summary)
        if self.week % 3 == 2:
            self._cook_soup(accepted, merged)

    def _cook_soup(self, accepted: Accepted, merged: set[UUID]) -> None:
        """Ten kilograms of a whole squash lot become soup (with a DLC)."""
        send, territory = self.send, self.territory
        squash = [lot_id for lot_id, measured_g, product in accepted
                  if lot_id not in territory.children and lot_id not in merged
                  and measured_g >= 10_000 and product == "courge"]
        if not squash:
            return
        lot_id = squash[0]
        made_on = paris_day(self.at(2, 10))
        result = send.one(c.TransformLots(
            command_id=send.next_id(), actor_id=territory.platform_id,
            inputs=[c.ParentPart(lot_id, 10_000)],
            outputs=[c.TransformOutput(product="soupe de courge", quantity_g=8_500,
                                       code=send.code("T", made_on))],
            loss_g=1_500, occurred_at=self.at(2, 10)))
        territory.children.setdefault(lot_id, []).extend(result.stream_ids[:1])
        territory.dated[result.stream_ids[0]] = DEFAULT_STOCK_RULES.suggested_date(
            "soupe de courge", made_on)

    def allocate(self) -> Grams:
        """Wednesday: the allocation round; what it gives each outlet of each lot."""
        send, rng, territory = self.send, self.rng, self.territory
        platform = territory.platform_id
        opened = send.one(c.OpenRound(command_id=send.next_id(), actor_id=platform,
                                      site_id=territory.site_id, week=iso_week(self.monday),
                                      occurred_at=self.at(2, 11)))
        round_id = opened.stream_id
        needs: list[msgspec.Struct] = []
        for outlet in territory.outlet_ids:
            for product in rng.sample(NEEDED_PRODUCTS, k=rng.randint(3, 5)):
                needs.append(c.DeclareNeed(command_id=send.next_id(), actor_id=outlet,
                                           round_id=round_id, product=product,
                                           quantity_g=rng.randint(5, 40) * 1000,
                                           occurred_at=self.at(2, 12)))
        send.batch(needs)
        send.batch([
            c.ComputeRound(command_id=send.next_id(), actor_id=platform, round_id=round_id,
                           occurred_at=self.at(2, 16)),
            c.ConfirmRound(command_id=send.next_id(), actor_id=platform, round_id=round_id,
                           occurred_at=self.at(2, 17)),
        ])
        allocation: Any = send.ledger.repository.get(round_id)
        assert isinstance(allocation, AllocationRound)
        per_outlet: Grams = {}
        for allocated in allocation.lines:
            grams = per_outlet.setdefault(allocated.outlet_id, {})
            grams[allocated.lot_id] = grams.get(allocated.lot_id, 0) + allocated.quantity_g
        return per_outlet

    def deliver(self, per_outlet: Grams) -> tuple[list[msgspec.Struct],
                                                   list[c.CommandResult]]:
        """Thursday: three delivery runs (outlets in the territory's order), dispatched."""
        send, territory = self.send, self.territory
        platform = territory.platform_id
        outlets = [outlet for outlet in territory.outlet_ids if outlet in per_outlet]
        plans: list[msgspec.Struct] = []
        for run in range(DELIVERY_RUNS_PER_WEEK):
            run_outlets = outlets[run::DELIVERY_RUNS_PER_WEEK]
            if not run_outlets:
                continue
            plans.append(c.PlanDelivery(
                command_id=send.next_id(), actor_id=platform, from_site_id=territory.site_id,
                planned_for=self.monday + timedelta(days=3),
                stops=[c.PlannedStop(outlet, [c.PlannedLine(lot_id, quantity_g)
                                              for lot_id, quantity_g
                                              in per_outlet[outlet].items()])
                       for outlet in run_outlets],
                occurred_at=self.at(3, 7)))
        planned = send.batch(plans)
        send.batch([c.DispatchDelivery(command_id=send.next_id(), actor_id=platform,
                                       delivery_id=result.stream_id, occurred_at=self.at(3, 8))
                    for result in planned])
        return plans, planned

    def sign_for(self, plans: list[msgspec.Struct], planned: list[c.CommandResult]) -> Grams:
        """Thursday afternoon: outlets sign for their stops, sometimes short; what each
        outlet now holds of each lot."""
        receipts: list[msgspec.Struct] = []
        held: Grams = {}
        for plan, result in zip(plans, planned, strict=True):
            assert isinstance(plan, c.PlanDelivery)
            for stop in plan.stops:
                receipt_lines: list[c.ReceiptLine] = []
                for line in stop.lines:
                    short_g = self.rng.randint(100, 900) if self.rng.random() < 0.1 else 0
                    received_g = max(0, line.quantity_g - short_g)
                    receipt_lines.append(c.ReceiptLine(line.lot_id, received_g))
                    if received_g:
                        held.setdefault(stop.outlet_id, {})[line.lot_id] = received_g
                receipts.append(c.ReceiveDelivery(
                    command_id=self.send.next_id(), actor_id=stop.outlet_id,
                    delivery_id=result.stream_id, lines=receipt_lines,
                    signer="Responsable de l'accueil", occurred_at=self.at(3, 15)))
        self.send.batch(receipts)
        return held

    def distribute(self, held: Grams) -> None:
        """Friday and Saturday: distributions, a few losses at outlets."""
        send, rng = self.send, self.rng
        handouts: list[msgspec.Struct] = []
        for outlet, lots in held.items():
            name = name_of(send.ledger, outlet)
            for lot_id, quantity_g in lots.items():
                handed_on = self.at(rng.randint(4, 5), 11)
                lost_g = quantity_g // 20 if rng.random() < 0.15 else 0
                if not self.calendar.allows(handed_on):
                    continue
                if lost_g:
                    handouts.append(c.RecordLoss(command_id=send.next_id(), actor_id=outlet,
                                                 lot_id=lot_id, quantity_g=lost_g,
                                                 reason="Produits abîmés",
                                                 occurred_at=self.at(4, 10)))
                channel = Channel.CANTEEN if "Cantine" in name else Channel.FOOD_AID
                handouts.append(c.RecordDistribution(
                    command_id=send.next_id(), actor_id=outlet, lot_id=lot_id,
                    quantity_g=quantity_g - lost_g, channel=channel, occurred_at=handed_on))
        send.batch(handouts)


def _merge_two(send: Sender, territory: Territory, accepted: Accepted, moment: datetime,
               summary: DemoSummary) -> set[UUID]:
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
