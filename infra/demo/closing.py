"""The demo's closing scene: a donation sorted, a warm delivery refused, a recall, a hold.

In the last two hours before the demo's end, five minutes apart, in the first territory: the
stock is swept of what the weekly clear-outs could not see, a shop's bulk donation is
received and sorted, a warm yoghurt delivery is refused at the dock, a producer recalls a
lot whose crates reached outlets, a lot is held for an analysis, and a delivery leaves
(still on the road at the end).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from domain import commands as c
from domain.dates import DateKind, paris_day
from domain.errors import DomainError
from domain.lots import LotStatus, OutOfRange
from domain.stock_rules import DEFAULT_STOCK_RULES
from infra.demo.stage import CLOSING_WINDOW, Calendar, Sender, Territory, lot_of
from infra.demo.summary import DemoSummary
from infra.demo.week import YOGHURT_LIFE, clear_out

CLOSING_STEP = timedelta(minutes=5)
CLOSING_STEPS_MAX = 20  # The closing scene's acts, five minutes apart: well within the window.
WARM_DC = 95  # The refused yoghurt delivery: 9.5 °C for a 0 to 4 °C product.
TRANSIT_LOT_G_MAX = 15_000  # Grams per line of the closing scene's delivery.
SWEEP_LOTS_MAX = 5_000  # Lots of one warehouse looked at by the closing sweep.
RECALL_CANDIDATES_MAX = 30  # Recent split lots looked at for the recall (a few weeks' worth).
TRANSIT_LOT_G_MIN = 2_000  # A lot smaller than this is not worth a line of that delivery.
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


def closing_scene(send: Sender, rng: random.Random, territory: Territory,
                  summary: DemoSummary, calendar: Calendar) -> None:
    """The last two hours: a donation sorted, a warm delivery refused, a recall, a hold, and
    a delivery that is still on the road at the end."""
    opening = max(send.latest, calendar.end - CLOSING_WINDOW)
    moments = iter([opening + CLOSING_STEP * step for step in range(1, CLOSING_STEPS_MAX + 1)])
    today = paris_day(calendar.end)
    _sweep(send, territory, summary, today, next(moments))
    _sort_donation(send, rng, territory, summary, today, moments)
    _refuse_warm_yoghurts(send, rng, territory, summary, today, moments)
    _recall(send, territory, summary, next(moments))
    _hold_and_send_off(send, territory, summary, calendar, moments)


def _sweep(send: Sender, territory: Territory, summary: DemoSummary, today: date,
           moment: datetime) -> None:
    """Lots written after the weeks (the reports' donations) missed the Monday clear-outs:
    what was past its date by this Monday leaves now, as it would have then."""
    monday = today - timedelta(days=today.weekday())
    for lot_id in send.ledger.stores.site_lots.lots_at(territory.site_id)[:SWEEP_LOTS_MAX]:
        territory.dated.setdefault(lot_id, lot_of(send.ledger, lot_id).best_before)
    clear_out(send, territory, moment, summary, before=min(monday, today - timedelta(days=1)))


def _sort_donation(send: Sender, rng: random.Random, territory: Territory,
                   summary: DemoSummary, today: date, moments: Iterator[datetime]) -> None:
    """A shop's unsorted donation, sorted into product lots with the waste declared."""
    platform, site = territory.platform_id, territory.site_id
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


def _refuse_warm_yoghurts(send: Sender, rng: random.Random, territory: Territory,
                          summary: DemoSummary, today: date,
                          moments: Iterator[datetime]) -> None:
    """Yoghurts arriving at 9.5 °C: refused at the dock."""
    platform, site = territory.platform_id, territory.site_id
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


def _recall(send: Sender, territory: Territory, summary: DemoSummary,
            moment: datetime) -> None:
    """A producer recalls a split lot whose crates reached outlets."""
    offered = {lot for lots in territory.lots_by_producer.values() for lot in lots}
    candidates = [lot_id for lot_id in territory.children if lot_id in offered]
    if not candidates:
        return
    # The latest such lot of which some crates are still in the warehouse, else the latest.
    lot_id = next((lot_id for lot_id in reversed(candidates[-RECALL_CANDIDATES_MAX:])
                   if any(lot_of(send.ledger, child).on_hand_g
                          for child in territory.children[lot_id])), candidates[-1])
    lot = lot_of(send.ledger, lot_id)
    producer = next(garden for garden, lots in territory.lots_by_producer.items()
                    if lot_id in lots)
    send.one(c.RecallLot(command_id=send.next_id(), actor_id=producer, lot_id=lot_id,
                         reason="Contrôle : résidus de cuivre au-dessus du seuil bio",
                         occurred_at=moment))
    summary.recalled_lot_codes.append(lot.code)


def _hold_and_send_off(send: Sender, territory: Territory, summary: DemoSummary,
                       calendar: Calendar, moments: Iterator[datetime]) -> None:
    """One lot held for an analysis, one delivery on the road: chosen among lots with
    stock."""
    platform = territory.platform_id
    usable = []
    for lot_id in territory.dated:
        lot = lot_of(send.ledger, lot_id)
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
        command_id=send.next_id(), actor_id=platform, from_site_id=territory.site_id,
        planned_for=paris_day(calendar.end), stops=stops, occurred_at=next(moments))).stream_id
    send.one(c.DispatchDelivery(command_id=send.next_id(), actor_id=platform,
                                delivery_id=delivery, occurred_at=next(moments)))
    summary.in_transit_delivery_ids.append(delivery)
