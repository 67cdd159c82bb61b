"""National-network generator: a territory grown week by week through the ledger's commands.

The shape of the users' network (issue 17): about 100 market gardens, 79 food banks with
their warehouses, some 5,400 partner outlets (68 per food bank), a dairy farm and a partner
shop per food bank, thousands of households in a basket programme, colleges of members who
vote, funders whose budgets pay for the deliveries (every dispatch posts transfers).

Every week, every food bank lives the demo's week (``infra.demo.territory``: offers,
acceptances and weighed receptions, splits, merges, soup, an allocation round with each
outlet's needs, three delivery runs, signed receipts, distributions and losses); the basket
programme makes up every household's basket (``infra.demo.governance.seed_basket_week``);
every fourth week the colleges vote on the allocation key. Commands go in atomic batches, one
per phase, in the ledger's ``lived`` mode (each batch at its own business time): the same
handlers, checks and events a real network writes, nothing forged around them.

**Resumable growth.** The set-up's command ids are stable, so running the generator again on
the same store replays them (idempotent commands return their first results: the same ids);
the steps completed (a week is one step per food bank, then the baskets, then the vote) are
kept in a one-row table (``national_progress``) beside the events, and growth carries
on from the next step, each step's randomness seeded by the week and the food bank: generate
to 100 k, measure, grow the same store to 1 M, then 10 M.

    python -m bench.national --database-url postgresql://postgres@127.0.0.1:5432/cocagne_scale \
        --events 1000000
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from domain import commands as c
from domain import governance_commands as g
from domain.base import Role
from domain.command_records import command_record_id
from domain.governance import College
from domain.members import MemberKind
from domain.proposals import Choice
from domain.rules import SetAllocationKey
from domain.sites import SiteKind
from infra.demo.closing import SWEEP_LOTS_MAX
from infra.demo.governance import (
    BASKET_PRODUCTS,
    UNCOLLECTED_EVERY,
    GovernanceSeed,
    _Runner,
    seed_governance,
)
from infra.demo.stage import Calendar, Territory
from infra.demo.stage import Sender as _Sender
from infra.demo.summary import DemoSummary
from infra.demo.week import run_week as _run_week
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.projections_wiring import postgres_conninfo
from infra.store import StoreLocation, parse_database_url

START = date(2020, 1, 6)
"""The Monday of week 0: about 360 weeks before this code was written, room for 60 M events."""
WEEKS_MAX = 520
"""Budgets are committed for ten years of weeks; growth stops there (or at today)."""
BASKETS_PER_BATCH = 250  # A few thousand events a transaction, like the other steps.
VOTE_EVERY_WEEKS = 4
CODES_PER_STEP = 1_000  # Lot codes a food bank numbers in a week: a few dozen.
AGAIN_MAX = 10  # Interrupted runs of one week: more means the store is not this network's.
VOTERS_PER_VOTE_MAX = 400  # A college vote where a few hundred members take part.


@dataclass(frozen=True)
class Shape:
    """How big the network is."""

    platforms: int = 79
    gardens: int = 100
    outlets_per_platform: int = 68
    households: int = 1_500
    seed: int = 17

    def label(self) -> str:
        """The command-id prefix: a different shape is a different network."""
        return (f"nat{self.seed}-{self.platforms}p{self.gardens}g{self.outlets_per_platform}o"
                f"{self.households}h")


@dataclass
class Network:
    """The ids of the network's members, sites and governance, found again on a resume."""

    coordinator_id: UUID
    territories: list[Territory]
    governance: GovernanceSeed
    funder_ids: list[UUID] = field(default_factory=list)

    @property
    def garden_ids(self) -> list[UUID]:
        """Every market garden."""
        return [garden for territory in self.territories for garden in territory.garden_ids]


def _sender(ledger: Ledger, shape: Shape, part: str) -> _Sender:
    send = _Sender(ledger, 0, DemoSummary())
    send.prefix = f"{shape.label()}-{part}"
    return send


def set_up(ledger: Ledger, shape: Shape) -> Network:
    """Found the network (or find it again: every command here replays on a resume)."""
    send = _sender(ledger, shape, "setup")
    at = datetime.combine(START - timedelta(weeks=4), datetime.min.time(), tzinfo=UTC)
    coordinator = send.one(c.FoundCooperative(
        command_id=send.next_id(), name="Réseau national — banc d'essai",
        coordinator_name="Secrétariat national", occurred_at=at)).stream_ids[0]

    def register(name: str, kind: MemberKind, households: int = 0,
                 roles: list[Role] | None = None) -> c.RegisterMember:
        return c.RegisterMember(command_id=send.next_id(), actor_id=coordinator, name=name,
                                kind=kind, households_served=households, roles=roles,
                                occurred_at=at)

    rng = random.Random(shape.seed)
    funders = [result.stream_id for result in send.batch(
        [register(name, MemberKind.FUNDER) for name in
         ("Réseau national — fonds", "Conseil régional", "Fondation Solidaire")])]
    platforms = [result.stream_id for result in send.batch(
        [register(f"Banque alimentaire {index + 1:02d}", MemberKind.PLATFORM)
         for index in range(shape.platforms)])]
    gardens = [result.stream_id for result in send.batch(
        [register(f"Jardin de Cocagne {index + 1:03d}", MemberKind.PRODUCER)
         for index in range(shape.gardens)])]
    farms = [result.stream_id for result in send.batch(
        [register(f"Ferme laitière {index + 1:02d}", MemberKind.PRODUCER)
         for index in range(shape.platforms)])]
    shops = [result.stream_id for result in send.batch(
        [register(f"Magasin partenaire {index + 1:02d}", MemberKind.PRODUCER, roles=[])
         for index in range(shape.platforms)])]
    sites = [result.stream_id for result in send.batch(
        [c.RegisterSite(command_id=send.next_id(), actor_id=coordinator,
                        name=f"Entrepôt {index + 1:02d}", kind=SiteKind.WAREHOUSE,
                        operator_id=platform, city="Dijon", occurred_at=at)
         for index, platform in enumerate(platforms)])]
    territories = []
    for index, platform in enumerate(platforms):
        outlets = [result.stream_id for result in send.batch(
            [register(f"Structure {index + 1:02d}-{number + 1:03d}", MemberKind.OUTLET,
                      rng.randint(20, 300)) for number in range(shape.outlets_per_platform)])]
        territories.append(Territory(
            platform_id=platform, site_id=sites[index],
            garden_ids=gardens[index::shape.platforms] or [farms[index]],
            outlet_ids=outlets, farm_id=farms[index], shop_id=shops[index]))
    governance = seed_governance(
        ledger, coordinator_id=coordinator, start=START, weeks=WEEKS_MAX, seed=shape.seed,
        households=shape.households, producer_ids=gardens, platform_ids=platforms,
        outlet_ids=[outlet for territory in territories for outlet in territory.outlet_ids],
        funder_ids=funders, basket_weeks=False)
    return Network(coordinator_id=coordinator, territories=territories,
                   governance=governance, funder_ids=funders)


PROGRESS_TABLE = "national_progress"  # Not "bench_": bench.rebuild drops those.


class Progress:
    """Steps completed, per network shape, in a small table beside the store's events."""

    def __init__(self, location: StoreLocation) -> None:
        self.location = location

    def _execute(self, sql: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        if self.location.kind == "sqlite":
            with sqlite3.connect(self.location.sqlite_path or "") as connection:
                rows = connection.execute(sql, params).fetchall()
            connection.close()
            return rows
        with psycopg.connect(postgres_conninfo(self.location), autocommit=True) as server:
            cursor = server.execute(sql.replace("?", "%s"), params)
            return list(cursor.fetchall()) if cursor.description else []

    def steps_done(self, shape: Shape) -> int:
        """Steps completed for this shape."""
        self._execute(f"CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE} "
                      "(label TEXT PRIMARY KEY, steps_done INTEGER NOT NULL)", ())
        rows = self._execute(f"SELECT steps_done FROM {PROGRESS_TABLE} WHERE label = ?",
                             (shape.label(),))
        return int(str(rows[0][0])) if rows else 0

    def done(self, shape: Shape, steps: int) -> None:
        """Record that ``steps`` steps are complete."""
        self._execute(f"INSERT INTO {PROGRESS_TABLE} (label, steps_done) VALUES (?, ?) "
                      "ON CONFLICT (label) DO UPDATE SET steps_done = excluded.steps_done",
                      (shape.label(), steps))


def week_prefix(ledger: Ledger, shape: Shape, step: str) -> str:
    """A food bank's week's command-id part: ``w<week>s<step>``, or that with ``-again<n>``
    when an interrupted run began it (its first batches are in the store; running them again
    under the same ids with other stock in memory could be refused as reused ids, so the
    step runs whole anew)."""
    for attempt in range(AGAIN_MAX):
        part = step if attempt == 0 else f"{step}-again{attempt}"
        record_id = command_record_id(f"{shape.label()}-{part}-{1:09d}")
        if not ledger.recorder.select_events(record_id, limit=1):
            return part
    raise SystemExit(f"step {step} was begun {AGAIN_MAX} times: something else is wrong")


def restore_dates(ledger: Ledger, network: Network) -> None:
    """After a resume: the lots each warehouse holds, with their dates, for the Monday
    clear-outs (``Territory.dated``, which a run keeps in memory)."""
    for territory in network.territories:
        for lot_id in ledger.stores.site_lots.lots_at(territory.site_id)[:SWEEP_LOTS_MAX]:
            lot: Any = ledger.repository.get(lot_id)
            territory.dated.setdefault(lot_id, lot.best_before)


def steps_per_week(network: Network) -> int:
    """A week's resumable steps: each food bank's week, the baskets, the vote."""
    return len(network.territories) + 2


def run_step(ledger: Ledger, shape: Shape, network: Network, week: int, step: int) -> None:
    """One step of a week: a food bank's week (``step`` its index), then the basket
    programme's week, then (every fourth week) the vote."""
    monday = START + timedelta(weeks=week)
    if step < len(network.territories):
        calendar = Calendar(start=START, end=datetime.now(tz=UTC))
        send = _sender(ledger, shape, week_prefix(ledger, shape, f"w{week}s{step}"))
        send.codes = step * CODES_PER_STEP  # Lot codes are unique per day: one range a step.
        rng = random.Random(f"{shape.seed}-{week}-{step}")
        _run_week(send, rng, network.territories[step], week, DemoSummary(), calendar)
    elif step == len(network.territories):
        if network.governance.household_ids:
            basket_week(ledger, shape, network.governance, week, monday)
    elif week % VOTE_EVERY_WEEKS == VOTE_EVERY_WEEKS - 1:
        # Deterministic (no state kept between steps): an interrupted vote replays.
        _vote(_sender(ledger, shape, f"w{week}-vote"), network, week, monday)


def basket_week(ledger: Ledger, shape: Shape, seeded: GovernanceSeed, week: int,
                monday: date) -> None:
    """The basket programme's week, as ``infra.demo.governance.seed_basket_week`` runs it
    (the garden's lots received and delivered to the collection point, every household's
    basket made up on Thursday, handed out or cancelled), with the baskets in batches of
    ``BASKETS_PER_BATCH``: one batch of every household's basket writes tens of thousands
    of events in one transaction, which the PostgreSQL recorder can hang on (see
    docs/scale.md). Deterministic: an interrupted basket week replays."""
    run = _Runner(ledger, f"{shape.label()}-w{week}-baskets")
    garden, point, site = (seeded.basket_producer_id, seeded.collection_point_id,
                           seeded.basket_site_id)
    count = len(seeded.household_ids)
    at = datetime.combine(monday, datetime.min.time(), tzinfo=UTC)
    offers = [run.build(c.OfferLot, actor_id=garden, product=product, quantity_g=grams * count,
                        price_cents_per_kg=0, harvest_date=monday,
                        best_before=monday + timedelta(days=10),
                        organic_certificate="FR-BIO-01", origin="parcelles paniers",
                        occurred_at=at + timedelta(hours=7)) for product, grams in BASKET_PRODUCTS]
    lots = list(zip(run.batch(offers), (grams for _, grams in BASKET_PRODUCTS), strict=True))
    run.batch([command for lot, grams in lots for command in (
        run.build(c.AcceptOffer, actor_id=garden, lot_id=lot, site_id=site,
                  accepted_g=grams * count, occurred_at=at + timedelta(hours=7, minutes=30)),
        run.build(c.ReceiveLot, actor_id=garden, lot_id=lot, site_id=site,
                  measured_g=grams * count, occurred_at=at + timedelta(hours=8)))])
    delivery = run(c.PlanDelivery, actor_id=garden, from_site_id=site, planned_for=monday,
                   stops=[c.PlannedStop(point, [c.PlannedLine(lot, grams * count)
                                                for lot, grams in lots])],
                   occurred_at=at + timedelta(hours=8, minutes=30))
    run.batch([
        run.build(c.DispatchDelivery, actor_id=garden, delivery_id=delivery,
                  occurred_at=at + timedelta(hours=9)),
        run.build(c.ReceiveDelivery, actor_id=point, delivery_id=delivery,
                  lines=[c.ReceiptLine(lot, grams * count) for lot, grams in lots],
                  signer="Accueil du centre social", occurred_at=at + timedelta(hours=11))])
    iso_year, iso_week, _ = monday.isocalendar()
    thursday = at + timedelta(days=3)
    for first in range(0, count, BASKETS_PER_BATCH):
        households = seeded.household_ids[first:first + BASKETS_PER_BATCH]
        baskets = run.batch([
            run.build(g.PrepareBasket, actor_id=point, household_id=household_id,
                      week=f"{iso_year}-W{iso_week:02d}",
                      lines=[g.BasketLineInput(lot, grams) for lot, grams in lots],
                      occurred_at=thursday + timedelta(hours=10))
            for household_id in households])
        run.batch([
            run.build(g.CollectBasket, actor_id=point, basket_id=basket,
                      occurred_at=thursday + timedelta(hours=17))
            if (first + index + week) % UNCOLLECTED_EVERY else
            run.build(g.CancelBasket, actor_id=point, basket_id=basket,
                      reason="panier non retiré", occurred_at=thursday + timedelta(days=1))
            for index, basket in enumerate(baskets)])


def _vote(send: _Sender, network: Network, week: int, monday: date) -> None:
    """The colleges vote on the allocation key (kept as it is: a confirmation vote)."""
    seats = network.governance.colleges
    rng = random.Random(f"vote-{week}")
    opens = datetime.combine(monday, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    closes = opens + timedelta(days=4)
    proposal = send.one(g.SubmitProposal(
        command_id=send.next_id(), actor_id=seats[College.OUTLETS][0],
        title=f"Clé de répartition confirmée (semaine {week})",
        payload=SetAllocationKey(key="proportional_to_households", minimum_share_bp=500),
        opens_at=opens, closes_at=closes, quorum_bp=1_000, threshold_bp=5_000,
        effective_from=monday + timedelta(weeks=1), occurred_at=opens)).stream_id
    everyone = [member for members in seats.values() for member in members]
    voters = rng.sample(everyone, min(VOTERS_PER_VOTE_MAX, len(everyone)))
    send.batch([g.CastVote(command_id=send.next_id(), actor_id=voter, proposal_id=proposal,
                           choice=rng.choice((Choice.YES, Choice.YES, Choice.NO,
                                              Choice.ABSTAIN)),
                           occurred_at=opens + timedelta(minutes=offset + 1))
                for offset, voter in enumerate(voters)])
    send.one(g.CloseProposal(command_id=send.next_id(), actor_id=network.coordinator_id,
                             proposal_id=proposal, occurred_at=closes))


@dataclass
class Growth:
    """What one ``grow`` call did."""

    events_before: int
    events_after: int
    weeks: tuple[int, int]
    seconds: float


def stored(ledger: Ledger) -> int:
    """Events in the store."""
    return ledger.recorder.max_notification_id() or 0


def grow(ledger: Ledger, shape: Shape, events: int,
         progress: Callable[[str], None] | None = None) -> Growth:
    """Grow the store to at least ``events`` events (resuming where it stopped)."""
    before = stored(ledger)
    if before >= events:
        return Growth(before, before, (0, 0), 0.0)
    assert ledger.location is not None
    progress_table = Progress(ledger.location)
    network = set_up(ledger, shape)
    per_week = steps_per_week(network)
    first = step = progress_table.steps_done(shape)
    if step:
        restore_dates(ledger, network)
    started = time.perf_counter()  # The rate shown is the weeks' (the set-up replays).
    last_day = min(START + timedelta(weeks=WEEKS_MAX), datetime.now(tz=UTC).date())
    written_from = stored(ledger)
    while stored(ledger) < events:
        week = step // per_week
        if START + timedelta(weeks=week + 1) > last_day:
            raise SystemExit(f"the network's calendar is full at week {week}: "
                             f"{stored(ledger):,} events")
        run_step(ledger, shape, network, week, step % per_week)
        step += 1
        progress_table.done(shape, step)
        if progress is not None:
            now = stored(ledger)
            elapsed = time.perf_counter() - started
            rate = (now - written_from) / elapsed if elapsed else 0.0
            eta = (events - now) / rate if rate else 0.0
            progress(f"week {week:3d} step {step % per_week:2d}/{per_week}: {now:>12,} "
                     f"events, {rate:>8,.0f} events/s, ETA {max(eta, 0) / 60:5.1f} min")
    return Growth(before, stored(ledger), (first // per_week, step // per_week),
                  time.perf_counter() - started)


def main() -> None:
    """Grow a store to a number of events."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True,
                        help="postgresql://USER@HOST:PORT/DB or sqlite:///PATH")
    parser.add_argument("--events", type=int, required=True, help="grow to at least this")
    parser.add_argument("--platforms", type=int, default=Shape.platforms)
    parser.add_argument("--gardens", type=int, default=Shape.gardens)
    parser.add_argument("--outlets-per-platform", type=int, default=Shape.outlets_per_platform)
    parser.add_argument("--households", type=int, default=Shape.households)
    arguments = parser.parse_args()
    configure_logging("warning")
    shape = Shape(platforms=arguments.platforms, gardens=arguments.gardens,
                  outlets_per_platform=arguments.outlets_per_platform,
                  households=arguments.households)
    ledger = Ledger(parse_database_url(arguments.database_url))
    try:
        growth = grow(ledger, shape, arguments.events,
                      lambda line: print(line, file=sys.stderr, flush=True))
    finally:
        ledger.close()
    written = growth.events_after - growth.events_before
    print(f"{growth.events_after:,} events ({written:,} written in {growth.seconds:.0f} s, "
          f"weeks {growth.weeks[0]} to {growth.weeks[1]})")


if __name__ == "__main__":
    main()
