"""A command's cost as its stream's history grows: flat, not proportional.

For streams holding 1,000, 10,000 and 100,000 earlier events, times one more command on
them — a transfer crediting an account (accounts resume from their first and last events)
and a vote on a proposal (proposals load from their latest snapshot and at most
``infra.ledger.snapshots.INTERVAL`` events after it) — in a fresh process state (no cached
stream: the worst case) and again right after (the stream cache warm). Prints the median of
several runs per size and the ratio of the largest history to the smallest, which should
stay under 2.

    python -m bench.history [--sizes 1000,10000,100000] [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from uuid import UUID

from domain import commands as c
from domain import governance_commands as g
from domain.base import Role, utc_now
from domain.governance import College, CollegeWeight
from domain.members import MemberKind
from domain.proposals import Choice
from domain.rules import SetAllocationKey
from domain.transfers import AccountKind, account_id
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.store import StoreLocation, sqlite_location

BATCH = 500  # Commands per atomic batch while building the histories.
VOTERS = 100  # Members on the proposal's roll: its state stays this size however long.


class History:
    """A store with an account and a proposal of a given length."""

    def __init__(self, location: StoreLocation, events: int) -> None:
        self.location = location
        self.events = events
        self.counter = 0
        ledger = Ledger(location)
        try:
            self._build(ledger)
        finally:
            ledger.close()

    def next_id(self, label: str) -> str:
        self.counter += 1
        return f"{label}-{self.counter}"

    def _build(self, ledger: Ledger) -> None:
        coordinator = ledger.execute(c.FoundCooperative(
            command_id=self.next_id("found"), name="Banc", coordinator_name="Réseau")).stream_id
        self.coordinator = coordinator
        members = ledger.execute_batch([c.RegisterMember(
            command_id=self.next_id("member"), actor_id=coordinator, name=f"Membre {number}",
            kind=MemberKind.OUTLET, roles=[Role.OUTLET, Role.VOTER])
            for number in range(VOTERS + 2)])
        self.voters = [result.stream_id for result in members[:VOTERS]]
        payer, payee = members[VOTERS].stream_id, members[VOTERS + 1].stream_id
        ledger.execute_batch([g.OpenAccount(command_id=self.next_id("account"),
                                            actor_id=coordinator, kind=AccountKind.OUTLET,
                                            owner_id=owner) for owner in (payer, payee)])
        self.debit = account_id(AccountKind.OUTLET, payer)
        self.credit = account_id(AccountKind.OUTLET, payee)
        ledger.execute(g.ConstituteColleges(
            command_id=self.next_id("colleges"), actor_id=coordinator,
            weights=[CollegeWeight(College.OUTLETS, 5_000),
                     CollegeWeight(College.PRODUCERS, 5_000)]))
        ledger.execute_batch([g.SeatMember(command_id=self.next_id("seat"), actor_id=coordinator,
                                           member_id=voter, college=College.OUTLETS)
                              for voter in self.voters])
        now = utc_now()
        self.proposal = ledger.execute(g.SubmitProposal(
            command_id=self.next_id("proposal"), actor_id=self.voters[0], title="Clé",
            payload=SetAllocationKey(key="proportional_to_households"),
            opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=30))).stream_id
        self.ballots: dict[UUID, Choice] = {}
        for start in range(0, self.events, BATCH):
            size = min(BATCH, self.events - start)
            ledger.execute_batch([self.transfer() for _ in range(size)])
            ledger.execute_batch([self.vote(start + number) for number in range(size)])

    def transfer(self) -> g.TransferFunds:
        """One cent from the payer to the payee: one more event on each account."""
        return g.TransferFunds(command_id=self.next_id("transfer"), actor_id=self.coordinator,
                               debit_account_id=self.debit, credit_account_id=self.credit,
                               amount_cents=1)

    def vote(self, number: int) -> g.CastVote:
        """The next ballot of a voter, different from its last one."""
        voter = self.voters[number % VOTERS]
        choices = [choice for choice in Choice if choice != self.ballots.get(voter)]
        self.ballots[voter] = choices[number % len(choices)]
        return g.CastVote(command_id=self.next_id("vote"), actor_id=voter,
                          proposal_id=self.proposal, choice=self.ballots[voter])


def timed(location: StoreLocation, make: Callable[[], object], runs: int
          ) -> tuple[float, float]:
    """Median milliseconds of one command in a fresh ledger (cold) and right after (warm)."""
    cold, warm = [], []
    for _ in range(runs):
        ledger = Ledger(location)
        try:
            for samples in (cold, warm):
                command = make()
                started = time.perf_counter()
                ledger.execute(command)  # type: ignore[arg-type]
                samples.append((time.perf_counter() - started) * 1000)
        finally:
            ledger.close()
    return statistics.median(cold), statistics.median(warm)


def main() -> None:
    """Build the histories, time the commands, print the curves and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=7)
    arguments = parser.parse_args()
    configure_logging("warning")
    sizes = [int(size) for size in arguments.sizes.split(",")]
    figures: dict[str, dict[int, tuple[float, float]]] = {"transfer": {}, "vote": {}}
    with tempfile.TemporaryDirectory() as directory:
        for size in sizes:
            started = time.perf_counter()
            history = History(sqlite_location(Path(directory) / f"h{size}.db"), size)
            print(f"built {size:,} events on each stream in {time.perf_counter() - started:.0f} s")
            figures["transfer"][size] = timed(history.location, history.transfer,
                                              arguments.runs)
            figures["vote"][size] = timed(
                history.location, lambda history=history: history.vote(  # type: ignore[misc]
                    history.events + history.counter), arguments.runs)
    print(f"\n{'command':<10}{'earlier events':>16}{'cold ms':>10}{'warm ms':>10}")
    for name, by_size in figures.items():
        for size, (cold, warm) in by_size.items():
            print(f"{name:<10}{size:>16,}{cold:>10.2f}{warm:>10.2f}")
        smallest, largest = by_size[min(by_size)], by_size[max(by_size)]
        print(f"{name:<10}{'ratio':>16}{largest[0] / smallest[0]:>10.2f}"
              f"{largest[1] / smallest[1]:>10.2f}   ({max(by_size):,} vs {min(by_size):,} "
              "earlier events; flat means under 2)")


if __name__ == "__main__":
    main()
