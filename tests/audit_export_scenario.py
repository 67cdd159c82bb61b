"""A small recall story used by the audit and export tests.

Two gardens offer carrots and one offers squash; the food bank accepts (one partly),
receives and weighs them (one short), splits a carrot lot into crates, merges a crate with
the other garden's carrots, turns the squash into soup and purée, delivers to two outlets,
which distribute and lose some; then the first garden recalls its carrot lot, which
recalls its crates and the merged lot too. Every act has a business time in March 2026.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import count
from uuid import UUID

from domain import commands as c
from domain.lots import Channel, Lot
from domain.members import MemberKind
from domain.sites import SiteKind
from infra.ledger.ledger import Ledger


@dataclass
class Scenario:
    """Ids of the story's members, site and lots."""

    coordinator: UUID
    garden_a: UUID
    garden_b: UUID
    platform: UUID
    outlet_1: UUID
    outlet_2: UUID
    site: UUID
    carrots_a: UUID
    carrots_b: UUID
    squash: UUID
    crate_1: UUID
    crate_2: UUID
    merged: UUID
    soup: UUID
    puree: UUID
    delivery: UUID

    def code(self, ledger: Ledger, lot_id: UUID) -> str:
        """A lot's code."""
        lot = ledger.repository.get(lot_id)
        assert isinstance(lot, Lot)
        return lot.code


def at(day: int, hour: int = 9) -> datetime:
    """A business time in March 2026."""
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def build_recall_scenario(ledger: Ledger) -> Scenario:
    """Write the story into ``ledger``."""
    numbers = count(1)

    def cid() -> str:
        return f"scenario-{next(numbers)}"

    def run(command: object) -> c.CommandResult:
        return ledger.execute(command)  # type: ignore[arg-type]

    coordinator = run(c.FoundCooperative(command_id=cid(), name="Coop", coordinator_name="Réseau",
                                         occurred_at=at(1, 8))).stream_ids[0]

    def member(name: str, kind: MemberKind) -> UUID:
        return run(c.RegisterMember(command_id=cid(), actor_id=coordinator, name=name, kind=kind,
                                    occurred_at=at(1, 8))).stream_id

    garden_a = member("Jardin de Chalon", MemberKind.PRODUCER)
    garden_b = member("Jardin de Lens", MemberKind.PRODUCER)
    platform = member("Banque alimentaire", MemberKind.PLATFORM)
    outlet_1 = member("Épicerie solidaire", MemberKind.OUTLET)
    outlet_2 = member("Restos du quartier", MemberKind.OUTLET)
    member("Fondation Solidaire", MemberKind.FUNDER)
    site = run(c.RegisterSite(command_id=cid(), actor_id=coordinator, name="Entrepôt",
                              kind=SiteKind.WAREHOUSE, operator_id=platform, city="Dijon",
                              occurred_at=at(1, 8))).stream_id

    def offer(producer: UUID, product: str, quantity_g: int, code: str) -> UUID:
        return run(c.OfferLot(command_id=cid(), actor_id=producer, product=product,
                              variety="Nantaise" if product == "carrot" else "Butternut",
                              quantity_g=quantity_g, price_cents_per_kg=180,
                              harvest_date=date(2026, 3, 2), best_before=date(2026, 3, 20),
                              organic_certificate="FR-BIO-01-1234", origin="Parcelle 3",
                              code=code, occurred_at=at(2))).stream_id

    carrots_a = offer(garden_a, "carrot", 100_000, "CHA-0302-C")
    carrots_b = offer(garden_b, "carrot", 60_000, "LEN-0302-C")
    squash = offer(garden_a, "squash", 40_000, "CHA-0302-S")
    for lot_id, accepted_g, measured_g in ((carrots_a, 100_000, 98_000),
                                           (carrots_b, 50_000, 50_000),
                                           (squash, 40_000, 40_000)):
        run(c.AcceptOffer(command_id=cid(), actor_id=platform, lot_id=lot_id, site_id=site,
                          accepted_g=accepted_g, occurred_at=at(3)))
        run(c.ReceiveLot(command_id=cid(), actor_id=platform, lot_id=lot_id, site_id=site,
                         measured_g=measured_g, occurred_at=at(4)))
    crates = run(c.SplitLot(command_id=cid(), actor_id=platform, lot_id=carrots_a,
                            parts_g=[48_000, 50_000], occurred_at=at(5))).stream_ids[1:]
    merged = run(c.MergeLots(command_id=cid(), actor_id=platform, code="MIX-0306",
                             parents=[c.ParentPart(crates[1], 30_000),
                                      c.ParentPart(carrots_b, 50_000)],
                             occurred_at=at(6))).stream_id
    outputs = run(c.TransformLots(
        command_id=cid(), actor_id=platform, inputs=[c.ParentPart(squash, 40_000)],
        outputs=[c.TransformOutput(product="soupe de courge", quantity_g=20_000,
                                   best_before=date(2026, 4, 30)),
                 c.TransformOutput(product="purée de courge", quantity_g=15_000)],
        loss_g=5_000, occurred_at=at(7))).stream_ids
    soup, puree = outputs[0], outputs[1]
    delivery = run(c.PlanDelivery(
        command_id=cid(), actor_id=platform, from_site_id=site, planned_for=date(2026, 3, 9),
        stops=[c.PlannedStop(outlet_1, [c.PlannedLine(crates[0], 20_000),
                                        c.PlannedLine(merged, 40_000)]),
               c.PlannedStop(outlet_2, [c.PlannedLine(merged, 30_000),
                                        c.PlannedLine(soup, 10_000)])],
        occurred_at=at(8))).stream_id
    run(c.DispatchDelivery(command_id=cid(), actor_id=platform, delivery_id=delivery,
                           occurred_at=at(9, 7)))
    run(c.ReceiveDelivery(command_id=cid(), actor_id=outlet_1, delivery_id=delivery,
                          lines=[c.ReceiptLine(crates[0], 20_000), c.ReceiptLine(merged, 39_000)],
                          signer="Marie", occurred_at=at(9, 10)))
    run(c.ReceiveDelivery(command_id=cid(), actor_id=outlet_2, delivery_id=delivery,
                          lines=[c.ReceiptLine(merged, 30_000), c.ReceiptLine(soup, 10_000)],
                          signer="Karim", occurred_at=at(9, 11)))
    run(c.RecordDistribution(command_id=cid(), actor_id=outlet_1, lot_id=merged,
                             quantity_g=35_000, channel=Channel.FOOD_AID, occurred_at=at(10)))
    run(c.RecordLoss(command_id=cid(), actor_id=outlet_1, lot_id=merged, quantity_g=4_000,
                     reason="Cagettes écrasées", occurred_at=at(10, 12)))
    run(c.RecordDistribution(command_id=cid(), actor_id=outlet_2, lot_id=soup,
                             quantity_g=10_000, channel=Channel.BASKET, occurred_at=at(11)))
    run(c.RecallLot(command_id=cid(), actor_id=garden_a, lot_id=carrots_a,
                    reason="Résidus de cuivre au-dessus du seuil bio", occurred_at=at(12)))
    return Scenario(coordinator=coordinator, garden_a=garden_a, garden_b=garden_b,
                    platform=platform, outlet_1=outlet_1, outlet_2=outlet_2, site=site,
                    carrots_a=carrots_a, carrots_b=carrots_b, squash=squash,
                    crate_1=crates[0], crate_2=crates[1], merged=merged, soup=soup,
                    puree=puree, delivery=delivery)
