"""The story the report tests tell (this module has no tests).

On the governed territory (``tests.governance_support``): reference prices and a price grid
are adopted (outlets pay 25 %, the two funders 60/40 of the rest), the funders commit their
budgets, and then, with business times in the week of ``DAY`` (after both rules took
effect):

- the producer offers an organic carrot lot A (100 kg at 1.80 EUR/kg) and a leek lot B
  (50 kg, not organic, under an AOP label); it gives an organic carrot lot C (20 kg) valued
  at the reference price; another garden gives a potato lot E (30 kg) at a declared value
  of 45.00 EUR; a third donation (lot F) is recorded, then cancelled;
- the platform splits A into A1 (60 kg) and A2 (40 kg), transforms A2 into soup (35 kg,
  5 kg lost), and delivers in one run: A1 and B to the first outlet (one producer payment
  with two lines: 58 kg of A1 and all of B arrive), C and the soup to the second outlet;
- the first outlet hands 30 kg of A1 to people (food aid) and loses 1 kg; the second hands
  10 kg of C to a canteen;
- the basket programme: lot L (carrots, 20 kg) and lot M (potatoes, 10 kg) are delivered to
  the collection point (priced too); three households get baskets of 2 kg of L and 1 kg of
  M: two are collected, one cancelled; a fourth basket waits;
- workshops: the collection point held a cooking workshop (12 people) and the garden a
  gardening one (8 people) for the programme; the first outlet a nutrition one (15
  people) on its own;
- lot L is recalled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from domain import commands as c
from domain import governance_commands as g
from domain import reporting_commands as r
from domain.lots import Channel
from domain.members import MemberKind
from domain.quality_labels import QualityLabel
from domain.reference_prices import ReferencePrice, SetReferencePrices
from domain.rules import FunderShare, ProductPrice, SetPriceGrid
from domain.workshops import WorkshopKind
from infra.ledger.ledger import Ledger
from tests.governance_support import MONDAY, Governed, governed_territory

DAY = MONDAY + timedelta(days=14)
"""Most acts happen in the week from this Monday (both rules are in force by then)."""
YEAR = DAY.year


def when(day: int, hour: int = 9) -> datetime:
    """Business time ``day`` days after ``DAY`` at ``hour`` UTC."""
    return datetime.combine(DAY + timedelta(days=day), datetime.min.time(),
                            tzinfo=UTC) + timedelta(hours=hour)


@dataclass
class Story:
    """Ids of the story's actors and lots."""

    gov: Governed
    garden: UUID
    programme: UUID
    lots: dict[str, UUID]
    households: list[UUID]
    delivery: UUID

    @property
    def ledger(self) -> Ledger:
        """The ledger."""
        return self.gov.ledger


def tell(ledger: Ledger) -> Story:
    """Run the story on an empty ledger."""
    gov = governed_territory(ledger)
    base = gov.base
    garden = base.register_member("Jardin des Dons", MemberKind.PRODUCER)
    gov.adopt(SetReferencePrices(prices=[ReferencePrice("Carrot", 150)],
                                 default_price_cents_per_kg=100),
              effective_from=MONDAY + timedelta(days=6), title="Prix de référence des dons")
    gov.adopt(SetPriceGrid(prices=[ProductPrice("carrot", 200)], outlet_share_bp=2_500,
                           funders=[FunderShare(gov.funder_ids[0], 6_000),
                                    FunderShare(gov.funder_ids[1], 4_000)]),
              effective_from=MONDAY + timedelta(days=6), title="Grille de prix")
    programme = gov.open_programme(price_cents=1_500)
    for funder in gov.funder_ids:
        gov.commit(funder, 500_000)
        gov.commit(funder, 100_000, programme)
    lots: dict[str, UUID] = {}

    def run(command_type: type, **fields: object) -> c.CommandResult:
        return gov.run(command_type, **fields)

    def stocked(name: str, quantity_g: int, *, producer: UUID | None = None, day: int = 0,
                **fields: object) -> UUID:
        producer = producer or base.producer_id
        lot = run(c.OfferLot, actor_id=producer, quantity_g=quantity_g,
                  harvest_date=DAY + timedelta(days=day - 1),
                  best_before=DAY + timedelta(days=day + 20), variety="",
                  origin="parcelle", occurred_at=when(day, 7), **{
                      "product": "Carrot", "price_cents_per_kg": 180,
                      "organic_certificate": "FR-BIO-01", **fields}).stream_id
        run(c.AcceptOffer, actor_id=base.platform_id, lot_id=lot, site_id=base.site_id,
            accepted_g=quantity_g, occurred_at=when(day, 8))
        run(c.ReceiveLot, actor_id=base.platform_id, lot_id=lot, site_id=base.site_id,
            measured_g=quantity_g, occurred_at=when(day, 9))
        lots[name] = lot
        return lot

    stocked("A", 100_000)
    stocked("B", 50_000, product="Leek", price_cents_per_kg=260, organic_certificate="")
    run(r.DeclareQualityLabel, actor_id=base.producer_id, lot_id=lots["B"],
        label=QualityLabel.AOP, certificate="AOP-POIREAU-42", occurred_at=when(0, 10))
    stocked("C", 20_000, price_cents_per_kg=0)
    run(r.RecordDonation, actor_id=base.platform_id, lot_id=lots["C"],
        donor_id=base.producer_id, occurred_at=when(0, 10))
    stocked("E", 30_000, producer=garden, product="Potato", price_cents_per_kg=0,
            organic_certificate="")
    run(r.RecordDonation, actor_id=base.platform_id, lot_id=lots["E"], donor_id=garden,
        declared_value_cents=4_500, occurred_at=when(0, 10))
    stocked("F", 5_000, producer=garden, product="Potato", price_cents_per_kg=0)
    run(r.RecordDonation, actor_id=base.platform_id, lot_id=lots["F"], donor_id=garden,
        declared_value_cents=900, occurred_at=when(0, 10))
    run(r.CancelDonation, actor_id=base.platform_id, lot_id=lots["F"],
        reason="saisie en double", occurred_at=when(0, 11))

    split = run(c.SplitLot, actor_id=base.platform_id, lot_id=lots["A"],
                parts_g=[60_000, 40_000], occurred_at=when(1, 8))
    lots["A1"], lots["A2"] = split.stream_ids[1:3]
    soup = run(c.TransformLots, actor_id=base.platform_id,
               inputs=[c.ParentPart(lots["A2"], 40_000)],
               outputs=[c.TransformOutput(product="Soupe de carottes", quantity_g=35_000)],
               loss_g=5_000, occurred_at=when(1, 10))
    lots["soup"] = soup.stream_ids[0]

    first, second = base.outlet_ids
    delivery = run(c.PlanDelivery, actor_id=base.platform_id, from_site_id=base.site_id,
                   planned_for=DAY + timedelta(days=2), stops=[
                       c.PlannedStop(first, [c.PlannedLine(lots["A1"], 60_000),
                                             c.PlannedLine(lots["B"], 50_000)]),
                       c.PlannedStop(second, [c.PlannedLine(lots["C"], 20_000),
                                              c.PlannedLine(lots["soup"], 35_000)])],
                   occurred_at=when(2, 7)).stream_id
    run(c.DispatchDelivery, actor_id=base.platform_id, delivery_id=delivery,
        occurred_at=when(2, 8))
    run(c.ReceiveDelivery, actor_id=first, delivery_id=delivery,
        lines=[c.ReceiptLine(lots["A1"], 58_000), c.ReceiptLine(lots["B"], 50_000)],
        signer="Marie", occurred_at=when(2, 11))
    run(c.ReceiveDelivery, actor_id=second, delivery_id=delivery,
        lines=[c.ReceiptLine(lots["C"], 20_000), c.ReceiptLine(lots["soup"], 35_000)],
        signer="Paul", occurred_at=when(2, 12))
    run(c.RecordDistribution, actor_id=first, lot_id=lots["A1"], quantity_g=30_000,
        channel=Channel.FOOD_AID, occurred_at=when(3, 10))
    run(c.RecordLoss, actor_id=first, lot_id=lots["A1"], quantity_g=1_000,
        reason="abîmé", occurred_at=when(3, 11))
    run(c.RecordDistribution, actor_id=second, lot_id=lots["C"], quantity_g=10_000,
        channel=Channel.CANTEEN, occurred_at=when(3, 12))

    point = gov.collection_point_id
    stocked("L", 20_000, day=3)
    stocked("M", 10_000, day=3, product="Potato", price_cents_per_kg=120)
    basket_delivery = run(c.PlanDelivery, actor_id=base.platform_id,
                          from_site_id=base.site_id, planned_for=DAY + timedelta(days=3),
                          stops=[c.PlannedStop(point, [c.PlannedLine(lots["L"], 20_000),
                                                       c.PlannedLine(lots["M"], 10_000)])],
                          occurred_at=when(3, 12)).stream_id
    run(c.DispatchDelivery, actor_id=base.platform_id, delivery_id=basket_delivery,
        occurred_at=when(3, 13))
    run(c.ReceiveDelivery, actor_id=point, delivery_id=basket_delivery,
        lines=[c.ReceiptLine(lots["L"], 20_000), c.ReceiptLine(lots["M"], 10_000)],
        signer="Accueil", occurred_at=when(3, 15))
    households = [gov.enrol(programme, f"CCAS-{index:04d}") for index in range(1, 5)]
    baskets = [run(g.PrepareBasket, actor_id=point, household_id=household, week="2026-W12",
                   lines=[g.BasketLineInput(lots["L"], 2_000),
                          g.BasketLineInput(lots["M"], 1_000)],
                   occurred_at=when(4, 10)).stream_id for household in households]
    for basket in baskets[:2]:
        run(g.CollectBasket, actor_id=point, basket_id=basket, occurred_at=when(4, 17))
    run(g.CancelBasket, actor_id=point, basket_id=baskets[2], reason="pas venu",
        occurred_at=when(5, 12))

    run(r.RecordWorkshop, actor_id=point, programme_id=programme, kind=WorkshopKind.COOKING,
        held_on=DAY + timedelta(days=4), attendance_count=12, title="Soupes d'hiver",
        occurred_at=when(4, 19))
    run(r.RecordWorkshop, actor_id=gov.base.producer_id, programme_id=programme,
        kind=WorkshopKind.GARDENING, held_on=DAY + timedelta(days=5), attendance_count=8,
        occurred_at=when(5, 18))
    run(r.RecordWorkshop, actor_id=first, kind=WorkshopKind.NUTRITION,
        held_on=DAY + timedelta(days=5), attendance_count=15, occurred_at=when(5, 18))
    run(c.RecallLot, actor_id=base.producer_id, lot_id=lots["L"], reason="analyse",
        occurred_at=when(6, 9))
    return Story(gov=gov, garden=garden, programme=programme, lots=lots,
                 households=households, delivery=delivery)


PERIOD = (date(2026, 1, 1), date(2026, 12, 31))
