"""What-if benchmark: a proposal's simulation over 8 weeks of a ``--scale 10`` demo.

Generates (once, cached under ``var/bench/``) the demo territory at ``--scale`` (10 platforms,
each with its gardens, outlets, weekly round and deliveries, plus the governed basket
programme) for ``--weeks`` weeks, then times, for each rule kind, the simulation a member
asks for before voting — 8 weeks replayed (``infra.whatif``, fresh read-only reader, nothing
cached) — beside its ceiling measured in the same run: reading and decoding the very same
events from the store (the same topic-filtered pass over the notification log) without
replaying anything. Prints the median of ``--runs`` runs of each, their ratio, and whether
each simulation is under the 2-second target.

    python -m bench.whatif [--scale 10] [--weeks 12] [--runs 5]
                           [--database-url postgresql://USER@HOST:PORT/DB]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

from domain.baskets import BasketProgramme
from domain.proposals import Proposal
from domain.rules import RuleKind, SetAllocationKey, SetBasketTerms, SetPriceGrid, StandingRule
from domain.whatif import Simulation, replay_window
from infra.demo.territory import generate_demo
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.reader import Reader, find_stream
from infra.store import StoreLocation, parse_database_url, sqlite_location
from infra.whatif import input_events, simulate_rule

CACHE_DIRECTORY = Path("var/bench")
TARGET_S = 2.0
REPLAY_WEEKS = 8
FIRST_MONDAY = date(2026, 1, 5)
"""The pinned demo's first Monday: it ends on the Sunday of its last week."""


def demo_store(arguments: argparse.Namespace) -> StoreLocation:
    """The demo store, generated on first use."""
    if arguments.database_url:
        location = parse_database_url(arguments.database_url)
    else:
        CACHE_DIRECTORY.mkdir(parents=True, exist_ok=True)
        name = f"whatif-scale{arguments.scale}-weeks{arguments.weeks}-from-2026-01-05.db"
        location = sqlite_location(CACHE_DIRECTORY / name)
    ledger = Ledger(location)
    try:
        if not ledger.recorder.max_notification_id():
            started = time.perf_counter()
            print(f"generating the demo at scale {arguments.scale} for {arguments.weeks} "
                  "weeks (once) …", flush=True)
            generate_demo(ledger, weeks=arguments.weeks, seed=7, scale=arguments.scale,
                          end=FIRST_MONDAY + timedelta(weeks=arguments.weeks, days=-1))
            print(f"  {ledger.recorder.max_notification_id():,} events in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
    finally:
        ledger.close()
    return location


def rules(reader: Reader) -> dict[RuleKind, StandingRule]:
    """One rule of each kind to simulate: the demo's two proposals, and lower basket terms."""
    found: dict[RuleKind, StandingRule] = {}
    for notification in reader.recorder.select_notifications(
            1, 1_000, topics=[Proposal.Submitted.TOPIC]):
        proposal = find_stream(reader, UUID(str(notification.originator_id)))
        assert isinstance(proposal, Proposal)
        if isinstance(proposal.payload, SetAllocationKey):
            found[RuleKind.ALLOCATION_KEY] = proposal.payload
        elif isinstance(proposal.payload, SetPriceGrid):
            found[RuleKind.PRICE_GRID] = proposal.payload
    opened = reader.recorder.select_notifications(1, 1, topics=[BasketProgramme.Opened.TOPIC])
    programme = find_stream(reader, UUID(str(opened[0].originator_id)))
    assert isinstance(programme, BasketProgramme)
    found[RuleKind.BASKET_TERMS] = SetBasketTerms(
        programme_id=programme.id, basket_price_cents=programme.terms.basket_price_cents,
        household_share_cap_bp=2_000, funders=list(programme.terms.funders))
    return found


def median_s(location: StoreLocation, work: Callable[[Reader], object], runs: int) -> float:
    """Median seconds of ``work`` on a fresh read-only reader (nothing cached)."""
    samples = []
    for _ in range(runs):
        reader = Reader(location)
        try:
            started = time.perf_counter()
            work(reader)
            samples.append(time.perf_counter() - started)
        finally:
            reader.close()
    return statistics.median(samples)


def main() -> None:
    """Generate (once), time each kind's simulation beside its ceiling, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", help="generate and measure in this database")
    arguments = parser.parse_args()
    configure_logging("warning")
    location = demo_store(arguments)
    window = replay_window(FIRST_MONDAY + timedelta(weeks=arguments.weeks), REPLAY_WEEKS)
    reader = Reader(location)
    try:
        chosen = rules(reader)
        events = reader.recorder.max_notification_id() or 0
    finally:
        reader.close()
    print(f"\nstore: {location.url}, {events:,} events; replaying {REPLAY_WEEKS} weeks "
          f"({window.weeks[0]} to {window.weeks[-1]}), median of {arguments.runs} runs")
    print(f"{'rule':<16}{'acts':>8}{'ceiling s':>11}{'what-if s':>11}{'ratio':>8}"
          f"{'consistent':>12}{'< 2 s':>7}")
    for kind, rule in chosen.items():
        outcome: list[Simulation] = []

        def simulate(reader: Reader, rule: StandingRule = rule,
                     outcome: list[Simulation] = outcome) -> None:
            outcome.append(simulate_rule(reader, rule, window))

        def ceiling(reader: Reader, kind: RuleKind = kind) -> None:
            for _ in input_events(reader, kind):
                pass

        ceiling_s = median_s(location, ceiling, arguments.runs)
        whatif_s = median_s(location, simulate, arguments.runs)
        simulation = outcome[-1]
        print(f"{kind:<16}{simulation.acts:>8,}{ceiling_s:>11.3f}{whatif_s:>11.3f}"
              f"{whatif_s / ceiling_s:>8.2f}{'yes' if simulation.consistent else 'NO':>12}"
              f"{'yes' if whatif_s < TARGET_S else 'NO':>7}")


if __name__ == "__main__":
    main()
