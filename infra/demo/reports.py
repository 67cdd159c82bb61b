"""What the demo's reports need beyond the weekly flow: reference prices adopted by vote,
a few donations, quality labels on one garden's lots, and the basket programme's workshops.

Small on purpose: three donations (two valued at the reference price, one at the donor's
declared value), the first lots of one garden under the HVE label, a cooking workshop at
the collection point every other week, a gardening workshop at the garden every fourth
week and one nutrition workshop at an outlet. Command ids are stable
(``reports-seed-{seed}-{n}``), so seeding twice replays.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from domain import commands as c
from domain import governance_commands as g
from domain import reporting_commands as r
from domain.governance import College
from domain.proposals import Choice
from domain.quality_labels import QualityLabel
from domain.reference_prices import ReferencePrice, SetReferencePrices
from domain.workshops import WorkshopKind
from infra.demo.clock import execute_lived
from infra.demo.governance import GovernanceSeed
from infra.demo.stage import Territory
from infra.ledger.ledger import Ledger

REFERENCE_PRICES = SetReferencePrices(
    prices=[ReferencePrice("carotte", 160), ReferencePrice("pomme de terre", 120),
            ReferencePrice("pomme", 200), ReferencePrice("poireau", 240),
            ReferencePrice("courge", 190)],
    default_price_cents_per_kg=150)
"""What a kilogram of donated produce is worth when the donor declares nothing."""
LABELLED_LOTS_MAX = 6  # The first lots of one garden: enough to show a labelled share.
DONATIONS = (
    # (week, garden index, product, grams, declared value in cents or None)
    (2, 0, "pomme", 60_000, None),
    (4, 3, "carotte", 45_000, None),
    (6, 3, "courge", 80_000, 14_000),
)


@dataclass
class ReportsSeed:
    """What ``seed_reports`` wrote."""

    reference_prices_proposal_id: UUID
    donations: int = 0
    donated_g: int = 0
    labelled_lots: int = 0
    workshops: int = 0
    commands: int = 0


class _Runner:
    """Stable, unique command ids; a batch is one transaction."""

    def __init__(self, ledger: Ledger, prefix: str) -> None:
        self.ledger = ledger
        self.prefix = prefix
        self.count = 0

    def build(self, command_type: type[Any], **fields: Any) -> Any:
        self.count += 1
        return command_type(command_id=f"{self.prefix}-{self.count}", **fields)

    def __call__(self, command_type: type[Any], **fields: Any) -> UUID:
        return execute_lived(self.ledger, [self.build(command_type, **fields)])[0].stream_id

    def batch(self, commands: Sequence[Any]) -> list[UUID]:
        return [result.stream_id for result in execute_lived(self.ledger, commands)] \
            if commands else []


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def seed_reports(ledger: Ledger, seeded: GovernanceSeed, territories: Sequence[Any], *,
                 coordinator_id: UUID, weeks: int, start: date,
                 seed: int = 7, until: datetime | None = None) -> ReportsSeed:
    """Seed the reference prices, donations, labels and workshops (``start``: the Monday of
    demo week 1; ``territories``: the demo's, the first one's gardens give). Nothing is
    dated after ``until`` (the demo's end), when given."""
    run = _Runner(ledger, f"reports-seed-{seed}")
    rng = random.Random(seed)
    result = ReportsSeed(reference_prices_proposal_id=_adopt_reference_prices(
        run, seeded, coordinator_id, start))
    territory = territories[0]
    _record_donations(run, territory, result, weeks=weeks, start=start, until=until)
    labelled_garden = territory.garden_ids[1]
    labelled = territory.lots_by_producer.get(labelled_garden, [])[:LABELLED_LOTS_MAX]
    run.batch([run.build(r.DeclareQualityLabel, actor_id=labelled_garden, lot_id=lot,
                         label=QualityLabel.HVE, certificate="HVE-2026-0042",
                         occurred_at=_at(start, 7)) for lot in labelled])
    result.labelled_lots = len(labelled)
    workshops = [workshop for workshop in _workshops(run, rng, seeded, territory, weeks, start)
                 if until is None or workshop.occurred_at <= until]
    run.batch(workshops)
    result.workshops = len(workshops)
    result.commands = run.count
    return result


def _adopt_reference_prices(run: _Runner, seeded: GovernanceSeed, coordinator_id: UUID,
                            start: date) -> UUID:
    """Every seated member votes the reference prices in, from the day before week 1."""
    opens = _at(start - timedelta(days=12), 9)
    proposal = run(g.SubmitProposal, actor_id=seeded.colleges[College.OUTLETS][-1],
                   title="Prix de référence pour valoriser les dons", payload=REFERENCE_PRICES,
                   opens_at=opens, closes_at=opens + timedelta(days=4), quorum_bp=3_000,
                   threshold_bp=5_000, effective_from=start - timedelta(days=1),
                   occurred_at=opens)
    voters = list(dict.fromkeys(member for members in seeded.colleges.values()
                                for member in members))
    run.batch([run.build(g.CastVote, actor_id=member, proposal_id=proposal, choice=Choice.YES,
                         occurred_at=opens + timedelta(minutes=index + 1))
               for index, member in enumerate(voters)])
    run(g.CloseProposal, actor_id=coordinator_id, proposal_id=proposal,
        occurred_at=opens + timedelta(days=4))
    return proposal


def _record_donations(run: _Runner, territory: Territory, result: ReportsSeed, *, weeks: int,
                      start: date, until: datetime | None) -> None:
    """Gardens give their surplus: offered, received and recorded as donations."""
    for week, garden_index, product, grams, declared in DONATIONS:
        day = start + timedelta(weeks=week - 1, days=1)
        if week > weeks or (until is not None and _at(day, 10) > until):
            continue
        garden = territory.garden_ids[garden_index]
        lot = run(c.OfferLot, actor_id=garden, product=product, variety="",
                  quantity_g=grams, price_cents_per_kg=0, harvest_date=day - timedelta(days=1),
                  best_before=day + timedelta(days=14),
                  organic_certificate=f"FR-BIO-01-{garden.hex[-4:].upper()}",
                  origin="Surplus de récolte", code=f"D{day:%y%m%d}-{week:02d}{garden_index}",
                  occurred_at=_at(day, 7))
        run.batch([
            run.build(c.AcceptOffer, actor_id=territory.platform_id, lot_id=lot,
                      site_id=territory.site_id, accepted_g=grams, occurred_at=_at(day, 8)),
            run.build(c.ReceiveLot, actor_id=territory.platform_id, lot_id=lot,
                      site_id=territory.site_id, measured_g=grams, occurred_at=_at(day, 9)),
            run.build(r.RecordDonation, actor_id=territory.platform_id, lot_id=lot,
                      donor_id=garden, declared_value_cents=declared,
                      note="don de surplus de récolte", occurred_at=_at(day, 10))])
        result.donations += 1
        result.donated_g += grams


def _workshops(run: _Runner, rng: random.Random, seeded: GovernanceSeed, territory: Territory,
               weeks: int, start: date) -> list[Any]:
    """Cooking every other week, gardening every fourth, one nutrition workshop (built,
    not yet run)."""
    workshops = []
    for week in range(1, weeks + 1):
        monday = start + timedelta(weeks=week - 1)
        if week % 2 == 1:
            workshops.append(run.build(
                r.RecordWorkshop, actor_id=seeded.collection_point_id,
                programme_id=seeded.programme_id, kind=WorkshopKind.COOKING,
                held_on=monday + timedelta(days=3), attendance_count=rng.randint(6, 14),
                title="Cuisiner les légumes du panier", occurred_at=_at(monday, 19)
                + timedelta(days=3)))
        if week % 4 == 2:
            workshops.append(run.build(
                r.RecordWorkshop, actor_id=seeded.basket_producer_id,
                programme_id=seeded.programme_id, kind=WorkshopKind.GARDENING,
                held_on=monday + timedelta(days=5), attendance_count=rng.randint(5, 12),
                title="Semis et buttes au jardin", occurred_at=_at(monday, 18)
                + timedelta(days=5)))
    workshops.append(run.build(
        r.RecordWorkshop, actor_id=territory.outlet_ids[0], kind=WorkshopKind.NUTRITION,
        held_on=start + timedelta(days=2), attendance_count=18,
        title="Bien manger avec un petit budget", occurred_at=_at(start, 18)
        + timedelta(days=2)))
    return workshops
