"""Governance, funding and a basket programme in the demo territory: colleges, a price grid
and an allocation-key vote, budgets, enrolled households and their weekly baskets.

``seed_governance`` sets up, in the fortnight before demo week 1 (``start``) except for the
allocation vote and the baskets, with the members the demo registered:

1. five colleges (producers 30 %, outlets 20 %, households 20 %, funders 15 %, employees
   15 %) seating the demo's producers, platforms (with the outlets), outlets and funders,
   plus its own garden, collection point, referrer, three household delegates, three
   employees and, if fewer than two were given, funders;
2. a price grid in force from the day before week 1: outlets pay 20 % of what producers are
   paid for delivered produce, the first two funders 60 % / 40 % of the rest; each of them
   commits ``delivery_budget_cents`` to its delivery budget (a dispatch its budget cannot
   cover is refused; the default, 1,000 EUR per producer and week, is about four times what
   the demo's deliveries cost);
3. the "Paniers Solidaires" programme (15.00 EUR baskets, 30 % household cap, funders 70 % /
   30 %) with ``households`` households enrolled by the referrer (names sealed; some pay a
   lower share), funded for ``weeks`` weeks;
4. a vote in week ``change_week - 1`` (Tuesday to Saturday) switching the allocation key to
   "proportional to households served, 5 % minimum per outlet" from the Monday of week
   ``change_week``: producers vote no (but one), funders abstain or vote no, the other
   colleges vote yes (every fifth member does not vote); the weighted tally adopts it;
5. when ``basket_weeks``, every week's baskets (``seed_basket_week``) that is over by
   ``until`` (all of them when None); otherwise the demo calls ``seed_basket_week`` itself
   inside its weekly loop;
6. the network's stock rules in force from the day before week 1: the default shelf lives,
   grace periods and cold-chain ranges, with the GTIN of the network's own squash soup (so
   its labels carry a GS1 Digital Link).

Deterministic for a given ``seed``. Every act goes through the ledger's commands with stable
command ids, so running the seeding twice on the same store replays instead of duplicating.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import msgspec

from domain import commands as c
from domain import governance_commands as g
from domain.base import Role
from domain.errors import InvalidCommand
from domain.governance import College, CollegeWeight
from domain.members import MemberKind
from domain.proposals import Choice, Tally
from domain.rules import FunderShare, Payload, ProductPrice, SetAllocationKey, SetPriceGrid
from domain.stock_rules import DEFAULT_STOCK_RULES
from infra.demo.clock import execute_lived
from infra.ledger.ledger import Ledger
from infra.reader import recount_proposal


@dataclass
class GovernanceSeed:
    """What ``seed_governance`` set up, for the demo summary and the weekly baskets."""

    seed: int
    colleges: dict[College, list[UUID]]
    price_grid_proposal_id: UUID
    allocation_proposal_id: UUID
    allocation_effective_from: date
    allocation_tally: Tally
    programme_id: UUID
    basket_producer_id: UUID
    basket_site_id: UUID
    collection_point_id: UUID
    referrer_id: UUID
    funder_ids: list[UUID]
    household_ids: list[UUID] = field(default_factory=list)
    baskets_prepared: int = 0
    baskets_collected: int = 0
    baskets_cancelled: int = 0
    commands: int = 0


class _Runner:
    """Runs seeding commands with stable, unique command ids (re-running replays them).

    ``build`` makes a command, ``batch`` runs several in one transaction (as the demo does:
    streams touched by many commands, like a producer's account, are loaded once).
    """

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
        if not commands:
            return []
        return [result.stream_id for result in execute_lived(self.ledger, commands)]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def seed_governance(ledger: Ledger, *, coordinator_id: UUID | None = None,
                    start: date, weeks: int = 12, seed: int = 7,
                    households: int = 40, change_week: int = 6,
                    producer_ids: Sequence[UUID] = (), platform_ids: Sequence[UUID] = (),
                    outlet_ids: Sequence[UUID] = (), funder_ids: Sequence[UUID] = (),
                    delivery_budget_cents: int | None = None, basket_weeks: bool = True,
                    summary: Any = None, territories: Sequence[Any] = (),
                    until: datetime | None = None) -> GovernanceSeed:
    """Set up governance, funding and a basket programme in a demo territory, in the six
    steps the module docstring lists.

    The demo generator may pass its own ``summary`` (``DemoSummary``) and ``territories``
    instead of ids: the coordinator, funders, platforms, gardens and outlets are then read
    from them (any list may be empty). ``start`` is the Monday of demo week 1.
    """
    if summary is not None:
        coordinator_id = coordinator_id or summary.coordinator_id
        funder_ids = funder_ids or list(summary.funder_ids)
        platform_ids = platform_ids or list(summary.platform_ids)
        producer_ids = producer_ids or [garden for territory in territories
                                        for garden in territory.garden_ids]
        outlet_ids = outlet_ids or [outlet for territory in territories
                                    for outlet in territory.outlet_ids]
    if coordinator_id is None:
        raise InvalidCommand("seeding governance needs the coordinator's id",
                             reason="stream_missing", what="coordinator")
    run = _Runner(ledger, f"gov-seed-{seed}")
    before = start - timedelta(days=7)
    if delivery_budget_cents is None:
        delivery_budget_cents = DELIVERY_BUDGET_CENTS_PER_PRODUCER_WEEK * max(
            1, len(producer_ids)) * weeks
    cast = _register_cast(run, coordinator_id, len(funder_ids), before)
    funders = [*funder_ids, *cast.extra_funders]
    assembly = _Assembly(run, ledger, coordinator_id, _seat_colleges(
        run, coordinator_id, cast, funders, producer_ids=producer_ids,
        platform_ids=platform_ids, outlet_ids=outlet_ids, before=before))
    grid_opens = _at(before - timedelta(days=6), 9)
    grid_id = _adopt_price_grid(assembly, funders, grid_opens, start)
    programme = _open_programme(run, coordinator_id, cast, funders, households=households,
                                weeks=weeks, delivery_budget_cents=delivery_budget_cents,
                                before=before)
    household_ids = _enrol_households(run, seed, cast.referrer, programme, households, before)
    # A short demo holds the vote earlier, so that it is over within the demo's weeks.
    change_week = min(change_week, weeks)
    effective = start + timedelta(weeks=change_week - 1)
    allocation_id, allocation_tally = _vote_allocation_key(
        assembly, start + timedelta(weeks=change_week - 2, days=1), effective)
    _adopt_stock_rules(assembly, grid_opens, start)
    created = GovernanceSeed(
        seed=seed, colleges=assembly.seats, price_grid_proposal_id=grid_id,
        allocation_proposal_id=allocation_id, allocation_effective_from=effective,
        allocation_tally=allocation_tally, programme_id=programme,
        basket_producer_id=cast.garden, basket_site_id=cast.site,
        collection_point_id=cast.point, referrer_id=cast.referrer, funder_ids=funders,
        household_ids=household_ids, commands=run.count)
    if basket_weeks:
        for week in range(1, weeks + 1):
            monday = start + timedelta(weeks=week - 1)
            if until is not None and _at(monday + timedelta(days=4), 12) > until:
                break  # A week of baskets is only seeded whole, and never past ``until``.
            seed_basket_week(ledger, created, week=week, monday=monday)
    return created


@dataclass
class _Cast:
    """The members (and the garden's site) the seeding registers itself."""

    extra_funders: list[UUID]
    garden: UUID
    point: UUID
    referrer: UUID
    employees: list[UUID]
    delegates: list[UUID]
    site: UUID


def _register_cast(run: _Runner, coordinator_id: UUID, funders_given: int,
                   before: date) -> _Cast:
    """Register the funders missing to make two, the basket garden, the collection point,
    the referrer, three employees and three household delegates; then the garden's site."""

    def register(name: str, kind: MemberKind, roles: list[Role] | None = None) -> Any:
        return run.build(c.RegisterMember, actor_id=coordinator_id, name=name, kind=kind,
                         roles=roles, occurred_at=_at(before - timedelta(days=7), 9))

    # Both funders are built (numbering their command ids) even when only one is missing.
    extra_funders = [register(name, MemberKind.FUNDER) for name in (
        "Réseau Cocagne — fonds national", "Fondation Solidarité Alimentaire")][
        :max(0, 2 - funders_given)]
    own = run.batch([
        *extra_funders,
        register("Jardin de Cocagne — Paniers Solidaires", MemberKind.PRODUCER,
                 [Role.PRODUCER, Role.PLATFORM, Role.VOTER]),
        register("Point relais — Centre social des Pentes", MemberKind.OUTLET),
        register("CCAS — service social (orientation)", MemberKind.OUTLET),
        *(register(f"Salarié·e en insertion {index}", MemberKind.NETWORK, [Role.VOTER])
          for index in range(1, 4)),
        *(register(f"Délégué·e des foyers {index}", MemberKind.HOUSEHOLD)
          for index in range(1, 4))])
    extra = len(extra_funders)
    garden, point, referrer = own[extra:extra + 3]
    site = run(c.RegisterSite, actor_id=coordinator_id, name="Jardin — parcelles paniers",
               kind="garden", operator_id=garden, occurred_at=_at(before - timedelta(days=7), 9))
    return _Cast(extra_funders=own[:extra], garden=garden, point=point, referrer=referrer,
                 employees=own[extra + 3:extra + 6], delegates=own[extra + 6:], site=site)


def _seat_colleges(run: _Runner, coordinator_id: UUID, cast: _Cast, funders: list[UUID], *,
                   producer_ids: Sequence[UUID], platform_ids: Sequence[UUID],
                   outlet_ids: Sequence[UUID], before: date) -> dict[College, list[UUID]]:
    """Constitute the five colleges and seat every member in one; the seats."""
    run(g.ConstituteColleges, actor_id=coordinator_id,
        occurred_at=_at(before - timedelta(days=7), 10),
        weights=[CollegeWeight(College.PRODUCERS, 3_000), CollegeWeight(College.OUTLETS, 2_000),
                 CollegeWeight(College.HOUSEHOLDS, 2_000), CollegeWeight(College.FUNDERS, 1_500),
                 CollegeWeight(College.EMPLOYEES, 1_500)])
    seats = {
        College.PRODUCERS: list(dict.fromkeys([*producer_ids, cast.garden])),
        College.OUTLETS: list(dict.fromkeys([*outlet_ids, *platform_ids, cast.point,
                                             cast.referrer])),
        College.HOUSEHOLDS: cast.delegates,
        College.FUNDERS: list(dict.fromkeys(funders)),
        College.EMPLOYEES: cast.employees,
    }
    run.batch([run.build(g.SeatMember, actor_id=coordinator_id, member_id=member_id,
                         college=college, occurred_at=_at(before - timedelta(days=7), 11))
               for college, members in seats.items() for member_id in members])
    return seats


@dataclass
class _Assembly:
    """The seated colleges, deciding proposals."""

    run: _Runner
    ledger: Ledger
    coordinator_id: UUID
    seats: dict[College, list[UUID]]

    @property
    def everyone(self) -> list[UUID]:
        """Every seated member, college by college."""
        return [member for members in self.seats.values() for member in members]

    def decide(self, title: str, payload: Payload, opens: datetime, closes: datetime,
               choices: dict[UUID, Choice], effective_from: date) -> tuple[UUID, Tally]:
        """Submit (by the last outlet seat), vote and close a proposal; its id and tally."""
        run = self.run
        proposal_id = run(g.SubmitProposal, actor_id=self.seats[College.OUTLETS][-1],
                          title=title, payload=payload, opens_at=opens, closes_at=closes,
                          quorum_bp=3_000, threshold_bp=5_000, effective_from=effective_from,
                          occurred_at=opens)
        run.batch([run.build(g.CastVote, actor_id=member_id, proposal_id=proposal_id,
                             choice=choice, occurred_at=opens + timedelta(minutes=offset + 1))
                   for offset, (member_id, choice) in enumerate(choices.items())])
        run(g.CloseProposal, actor_id=self.coordinator_id, proposal_id=proposal_id,
            occurred_at=closes)
        outcome = recount_proposal(self.ledger, proposal_id)[1]
        assert outcome is not None
        return proposal_id, outcome


def _adopt_price_grid(assembly: _Assembly, funders: list[UUID], opens: datetime,
                      start: date) -> UUID:
    """Everyone adopts the price grid, in force from the day before week 1."""
    grid = SetPriceGrid(
        prices=[ProductPrice("carotte", 180), ProductPrice("pomme de terre", 120),
                ProductPrice("poireau", 250), ProductPrice("courge", 200),
                ProductPrice("chou", 150), ProductPrice("pomme", 220),
                ProductPrice("yaourt", 350)],
        outlet_share_bp=2_000,
        funders=[FunderShare(funders[0], 6_000), FunderShare(funders[1], 4_000)])
    grid_id, _ = assembly.decide("Grille de prix solidaires et financement des livraisons", grid,
                                 opens, opens + timedelta(days=4),
                                 dict.fromkeys(assembly.everyone, Choice.YES),
                                 start - timedelta(days=1))
    return grid_id


def _open_programme(run: _Runner, coordinator_id: UUID, cast: _Cast, funders: list[UUID], *,
                    households: int, weeks: int, delivery_budget_cents: int,
                    before: date) -> UUID:
    """Open "Paniers Solidaires"; the first two funders commit their delivery budgets and
    fund the programme's weeks."""
    programme = run(g.OpenBasketProgramme, actor_id=coordinator_id, name="Paniers Solidaires",
                    producer_id=cast.garden, basket_price_cents=1_500,
                    household_share_cap_bp=3_000,
                    funders=[FunderShare(funders[0], 7_000), FunderShare(funders[1], 3_000)],
                    collection_point_ids=[cast.point], occurred_at=_at(before, 14))
    for funder_id, fund_share_bp in ((funders[0], 7_000), (funders[1], 3_000)):
        run(g.CommitBudget, actor_id=funder_id, amount_cents=delivery_budget_cents,
            occurred_at=_at(before, 15))
        run(g.CommitBudget, actor_id=funder_id, programme_id=programme,
            amount_cents=1_500 * households * weeks * fund_share_bp // 10_000 + 1_000,
            occurred_at=_at(before, 15))
    return programme


def _enrol_households(run: _Runner, seed: int, referrer: UUID, programme: UUID,
                      households: int, before: date) -> list[UUID]:
    """The referrer enrols the households (names sealed; some pay a lower share)."""
    rng = random.Random(seed)
    return run.batch([
        run.build(g.EnrolHousehold, actor_id=referrer, programme_id=programme,
                  reference=f"CCAS-{index:04d}", name=f"Foyer fictif {index}",
                  contact=f"06 00 00 {index // 100:02d} {index % 100:02d}",
                  share_bp=rng.choice((None, None, 2_000, 1_000)), occurred_at=_at(before, 16))
        for index in range(1, households + 1)])


def _vote_allocation_key(assembly: _Assembly, vote_day: date,
                         effective: date) -> tuple[UUID, Tally]:
    """From Tuesday to Saturday of ``vote_day``'s week: producers vote no (but one), funders
    abstain or vote no, the other colleges yes (every fifth member does not vote)."""
    choices: dict[UUID, Choice] = {}
    for college, members in assembly.seats.items():
        for index, member_id in enumerate(members):
            if college == College.PRODUCERS:
                choices[member_id] = Choice.YES if index == 0 else Choice.NO
            elif college == College.FUNDERS:
                choices[member_id] = Choice.ABSTAIN if index == 0 else Choice.NO
            elif index % 5 != 4:
                choices[member_id] = Choice.YES
    return assembly.decide(
        "Clé de répartition : au prorata des foyers servis, 5 % minimum par structure",
        SetAllocationKey(key="proportional_to_households", minimum_share_bp=500),
        _at(vote_day, 9), _at(vote_day + timedelta(days=4), 18), choices, effective)


def _adopt_stock_rules(assembly: _Assembly, grid_opens: datetime, start: date) -> None:
    """Everyone adopts the network's stock rules (the defaults, with the soup's GTIN)."""
    # Voted in the days of the price grid's vote, before the demo's first week, but written
    # after the allocation key's vote: the rule book lists it after (enactments keep the order
    # they are written in).
    stock_rules = msgspec.structs.replace(DEFAULT_STOCK_RULES, products=[
        msgspec.structs.replace(rule, gtin=NETWORK_SOUP_GTIN)
        if rule.product == "soupe de courge" else rule
        for rule in DEFAULT_STOCK_RULES.products])
    assembly.decide(
        "Règles de stock du réseau : durées de conservation, tolérances DDM, chaîne du froid",
        stock_rules, grid_opens + timedelta(hours=1), grid_opens + timedelta(days=4, hours=1),
        dict.fromkeys(assembly.everyone, Choice.YES), start - timedelta(days=1))


NETWORK_SOUP_GTIN = "3769999000015"
"""A fictitious GTIN-13 (GS1 France prefix 376) for the network's own squash soup."""
DELIVERY_BUDGET_CENTS_PER_PRODUCER_WEEK = 100_000
"""A demo garden sells ~550 EUR a week to the platform, of which a funder pays at most half."""
BASKET_PRODUCTS = (("carotte", 600), ("pomme de terre", 1_000), ("poireau", 400),
                   ("courge", 800))
"""What a weekly basket holds, in grams per household."""
UNCOLLECTED_EVERY = 15
"""One basket in fifteen is not collected (and cancelled): the programme's usual rate."""


def seed_basket_week(ledger: Ledger, seeded: GovernanceSeed, *, week: int,
                     monday: date) -> int:
    """One demo week of baskets; returns the commands run.

    Monday the garden harvests one lot per product, receives it at its basket site and
    delivers it to the collection point; Thursday the collection point makes up every
    household's basket (each lot line recorded as distributed through the basket channel)
    and hands them out; a few are not collected and are cancelled on Friday.
    """
    run = _Runner(ledger, f"gov-seed-{seeded.seed}-week-{week}")
    garden, point = seeded.basket_producer_id, seeded.collection_point_id
    count = len(seeded.household_ids)
    offers = [run.build(c.OfferLot, actor_id=garden, product=product, quantity_g=grams * count,
                        price_cents_per_kg=0, harvest_date=monday,
                        best_before=monday + timedelta(days=10),
                        organic_certificate="FR-BIO-01", origin="parcelles paniers",
                        occurred_at=_at(monday, 7)) for product, grams in BASKET_PRODUCTS]
    lots = list(zip(run.batch(offers), (grams for _, grams in BASKET_PRODUCTS), strict=True))
    site = seeded.basket_site_id
    run.batch([command for lot, grams in lots for command in (
        run.build(c.AcceptOffer, actor_id=garden, lot_id=lot, site_id=site,
                  accepted_g=grams * count, occurred_at=_at(monday, 7, 30)),
        run.build(c.ReceiveLot, actor_id=garden, lot_id=lot, site_id=site,
                  measured_g=grams * count, occurred_at=_at(monday, 8)))])
    delivery = run(c.PlanDelivery, actor_id=garden, from_site_id=site, planned_for=monday,
                   stops=[c.PlannedStop(point, [c.PlannedLine(lot, grams * count)
                                                for lot, grams in lots])],
                   occurred_at=_at(monday, 8, 30))
    run.batch([
        run.build(c.DispatchDelivery, actor_id=garden, delivery_id=delivery,
                  occurred_at=_at(monday, 9)),
        run.build(c.ReceiveDelivery, actor_id=point, delivery_id=delivery,
                  lines=[c.ReceiptLine(lot, grams * count) for lot, grams in lots],
                  signer="Accueil du centre social", occurred_at=_at(monday, 11))])
    iso_year, iso_week, _ = monday.isocalendar()
    week_name = f"{iso_year}-W{iso_week:02d}"
    thursday = monday + timedelta(days=3)
    baskets = run.batch([
        run.build(g.PrepareBasket, actor_id=point, household_id=household_id, week=week_name,
                  lines=[g.BasketLineInput(lot, grams) for lot, grams in lots],
                  occurred_at=_at(thursday, 10)) for household_id in seeded.household_ids])
    seeded.baskets_prepared += len(baskets)
    handed_out: list[Any] = []
    for index, basket in enumerate(baskets):
        if (index + week) % UNCOLLECTED_EVERY:
            handed_out.append(run.build(g.CollectBasket, actor_id=point, basket_id=basket,
                                        occurred_at=_at(thursday, 17)))
            seeded.baskets_collected += 1
        else:
            handed_out.append(run.build(
                g.CancelBasket, actor_id=point, basket_id=basket, reason="panier non retiré",
                occurred_at=_at(thursday + timedelta(days=1), 12)))
            seeded.baskets_cancelled += 1
    run.batch(handed_out)
    seeded.commands += run.count
    return run.count
