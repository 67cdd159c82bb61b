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
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain import commands as c
from domain.members import MemberKind
from domain.sites import SiteKind
from infra.demo.closing import closing_scene
from infra.demo.governance import seed_governance
from infra.demo.reports import seed_reports
from infra.demo.stage import CLOSING_WINDOW, Sender, Territory, demo_calendar
from infra.demo.summary import SUPPLY_CHAIN, DemoSummary, ProgrammeFigures, count_history
from infra.demo.week import run_week
from infra.ledger.ledger import Ledger

__all__ = [
    "FUNDER_NAMES",
    "GARDEN_NAMES",
    "OUTLET_NAMES",
    "SCALE_MAX",
    "SUPPLY_CHAIN",
    "WEEKS_MAX",
    "DemoSummary",
    "ProgrammeFigures",
    "Territory",
    "demo_calendar",
    "generate_demo",
]
"""What the CLI, the API, the tests and the benchmarks import: the generator and its summary
(``DemoSummary`` and ``SUPPLY_CHAIN`` live in ``infra.demo.summary``)."""

GARDENS_PER_PLATFORM = 6
OUTLETS_PER_PLATFORM = 12
FUNDERS = 3
WEEKS_MAX = 520  # Ten years of weekly rounds: enough for any benchmark history.
SCALE_MAX = 10_000
GARDEN_NAMES = ("Jardin de Cocagne de Chalon", "Jardins du Cœur de Lens", "Jardin de Vesoul",
                "Jardins de Besançon", "Jardin du Plateau", "Jardins de la Vallée")
OUTLET_NAMES = ("Épicerie solidaire", "Restos du quartier", "CCAS", "Secours local",
                "Banque de la Croix", "Cantine scolaire", "Maison des familles",
                "Accueil de jour", "Association Partage", "Épicerie étudiante",
                "Relais Saint-Jean", "Foyer des jeunes")
FUNDER_NAMES = ("Réseau Cocagne national", "Conseil départemental", "Fondation Solidaire")


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
    send = Sender(ledger, seed, summary)
    coordinator, territories = _found(send, rng, scale, calendar.at(0, -14, 8))
    governance = None
    if with_governance:
        # Colleges, stock rules and a price grid, a vote changing the allocation key, baskets.
        governance = seed_governance(ledger, summary=summary, territories=territories,
                                     weeks=weeks, start=calendar.start,
                                     until=calendar.end - CLOSING_WINDOW)

    for week in range(weeks):
        for territory in territories:
            run_week(send, rng, territory, week, summary, calendar)
        if progress is not None:
            progress(week + 1, weeks, summary.events_written)
    if governance is not None:
        # Reference prices, a few donations, labelled lots and workshops for the reports.
        seed_reports(ledger, governance, territories, coordinator_id=coordinator,
                     weeks=weeks, start=calendar.start, seed=seed,
                     until=calendar.end - CLOSING_WINDOW)
    closing_scene(send, rng, territories[0], summary, calendar)
    summary.seconds = time.perf_counter() - started
    summary.events_stored = ledger.recorder.max_notification_id() or 0
    count_history(ledger, summary)
    return summary


def _found(send: Sender, rng: random.Random, scale: int,
           setup_time: datetime) -> tuple[UUID, list[Territory]]:
    """Found the cooperative, register its funders, then each territory's members and
    warehouse (``scale`` of them); the coordinator and the territories (their ids also go
    to the summary)."""
    summary = send.summary
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
    return coordinator, territories
