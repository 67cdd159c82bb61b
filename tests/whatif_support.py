"""A small governed demo per store for the what-if, provenance and preference tests (no tests).

``governed_demo`` writes the demo territory (``infra.demo.generate_demo``) for ``DEMO_WEEKS``
weeks into a fresh store: a price grid in force from the start, the allocation key switched
by a vote to "proportional to households, 5 % minimum" from week ``CHANGE_WEEK``, a basket
programme with its weekly baskets. ``scratch_round`` replays one recorded round's inputs in a
fresh in-memory ledger, through the ordinary commands, under a chosen key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from domain import commands as c
from domain import governance_commands as g
from domain.allocation_keys import Line
from domain.allocations import AllocationRound
from domain.governance import College, CollegeWeight
from domain.members import MemberKind
from domain.proposals import Choice
from domain.rules import SetAllocationKey
from domain.sites import SiteKind
from domain.whatif import RoundInput
from infra.demo.territory import generate_demo
from infra.ledger.ledger import Ledger
from infra.store import StoreLocation, sqlite_location
from tests.conftest import create_postgres_database, drop_postgres_database

DEMO_WEEKS = 7
FIRST_MONDAY = date(2026, 1, 5)
"""The demo's first Monday: it ends on the Sunday of its seventh week (``LAST_DAY``)."""
LAST_DAY = FIRST_MONDAY + timedelta(weeks=DEMO_WEEKS, days=-1)
CHANGE_WEEK = 6
"""``generate_demo`` votes the new key in week 5; it applies from week 6 (1-based)."""
END = FIRST_MONDAY + timedelta(weeks=DEMO_WEEKS)
"""The Monday after the demo's last week."""
ADOPTION = FIRST_MONDAY + timedelta(weeks=CHANGE_WEEK - 1)


@dataclass
class Demo:
    """A demo store and the ids the tests look for."""

    location: StoreLocation
    ledger: Ledger


def governed_demo(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo on the store named by ``request.param`` (``sqlite`` or ``postgres``)."""
    if request.param == "sqlite":
        location = sqlite_location(Path(tmp_path_factory.mktemp("demo")) / "demo.db")
    else:
        location = create_postgres_database()
    ledger = Ledger(location)
    # The demo's weeks of 2026 and the acts these tests add among them are lived history,
    # wherever the test sits (tests/e2e/api otherwise runs ledgers live).
    ledger.lived = True
    try:
        generate_demo(ledger, weeks=DEMO_WEEKS, seed=7, scale=1, end=LAST_DAY)
        yield Demo(location=location, ledger=ledger)
    finally:
        ledger.close()
        if request.param != "sqlite":
            drop_postgres_database(location)


def proposal_ids(ledger: Ledger) -> list[UUID]:
    """Every proposal, in submission order."""
    return [UUID(str(notification.originator_id)) for notification in
            ledger.recorder.select_notifications(1, 1_000, topics=["proposal.submitted"])]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def scratch_round(recorded: RoundInput, site_week: str, key: SetAllocationKey,
                  computed_at: datetime) -> list[Line]:
    """Run one round again in a fresh ledger under ``key``: its lines, in the real ids.

    The round's recorded inputs go through the ordinary commands: outlets registered with
    the households they served, lots offered, accepted and received with the grams that were
    available and their best-before dates, the needs declared, the key voted, then
    ``compute_round`` at the round's business time. New ids are made in the order of the
    real ids, so every tie is broken the same way, and mapped back afterwards.
    """
    scratch = Ledger()
    counter = iter(range(1, 1_000_000))

    def run(command_type: type, **fields: object) -> UUID:
        return scratch.execute(command_type(command_id=f"scratch-{next(counter)}",
                                            **fields)).stream_id

    before = computed_at - timedelta(days=30)
    try:
        coordinator = scratch.execute(c.FoundCooperative(
            command_id="scratch-found", name="Bac à sable", coordinator_name="Secrétariat",
            occurred_at=before)).stream_id
        platform = run(c.RegisterMember, actor_id=coordinator, name="Plateforme",
                       kind=MemberKind.PLATFORM, occurred_at=before)
        producer = run(c.RegisterMember, actor_id=coordinator, name="Jardin",
                       kind=MemberKind.PRODUCER, occurred_at=before)
        site = run(c.RegisterSite, actor_id=coordinator, name="Entrepôt",
                   kind=SiteKind.WAREHOUSE, operator_id=platform, city="Dijon",
                   occurred_at=before)
        served = {need.outlet_id: need.households_served for need in recorded.needs}
        outlets: dict[UUID, UUID] = {}
        for real in sorted(served, key=str):
            outlets[real] = run(c.RegisterMember, actor_id=coordinator, name=f"Structure {real}",
                                kind=MemberKind.OUTLET, households_served=served[real],
                                occurred_at=before)
        lots: dict[UUID, UUID] = {}
        for lot in sorted(recorded.lots, key=lambda lot: str(lot.lot_id)):
            best_before = date.fromisoformat(lot.best_before)
            new = run(c.OfferLot, actor_id=producer, product=lot.product,
                      quantity_g=lot.available_g, price_cents_per_kg=100,
                      # Harvested on the day it is offered (or by its best-before, if
                      # earlier): the business-time rule refuses a harvest after the offer.
                      harvest_date=min(best_before, before.date()), best_before=best_before,
                      organic_certificate="FR-BIO-01", origin="bac à sable",
                      occurred_at=before)
            run(c.AcceptOffer, actor_id=platform, lot_id=new, site_id=site,
                accepted_g=lot.available_g, occurred_at=before)
            # Chilled products (the demo's yoghurts) are received with their temperature.
            run(c.ReceiveLot, actor_id=platform, lot_id=new, site_id=site,
                measured_g=lot.available_g, temperature_dc=30, occurred_at=before)
            lots[lot.lot_id] = new
        run(g.ConstituteColleges, actor_id=coordinator, occurred_at=before,
            weights=[CollegeWeight(College.PRODUCERS, 5_000),
                     CollegeWeight(College.OUTLETS, 5_000)])
        run(g.SeatMember, actor_id=coordinator, member_id=platform, college=College.OUTLETS,
            occurred_at=before)
        opens = before + timedelta(days=1)
        proposal = run(g.SubmitProposal, actor_id=platform, title="Clé à l'essai", payload=key,
                       closes_at=opens + timedelta(days=1), opens_at=opens, occurred_at=opens,
                       effective_from=(opens + timedelta(days=2)).date())
        run(g.CastVote, actor_id=platform, proposal_id=proposal, choice=Choice.YES,
            occurred_at=opens + timedelta(hours=1))
        run(g.CloseProposal, actor_id=coordinator, proposal_id=proposal,
            occurred_at=opens + timedelta(days=1))
        round_id = run(c.OpenRound, actor_id=platform, site_id=site, week=site_week,
                       occurred_at=computed_at - timedelta(hours=5))
        for need in recorded.needs:
            run(c.DeclareNeed, actor_id=outlets[need.outlet_id], round_id=round_id,
                product=need.product, quantity_g=need.quantity_g,
                occurred_at=computed_at - timedelta(hours=4))
        run(c.ComputeRound, actor_id=platform, round_id=round_id, occurred_at=computed_at)
        allocation = scratch.repository.get(round_id)
        assert isinstance(allocation, AllocationRound)
        back_outlets = {new: real for real, new in outlets.items()}
        back_lots = {new: real for real, new in lots.items()}
        return [Line(back_lots[line.lot_id], back_outlets[line.outlet_id], line.quantity_g)
                for line in allocation.lines]
    finally:
        scratch.close()
