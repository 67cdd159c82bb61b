"""A command's cost as its stream's history grows: flat, not proportional.

One store holds, side by side, streams with 1,000, 10,000 and 100,000 earlier events — an
account pair credited by transfers (accounts resume from their first and last events) and a
proposal voted on again and again (proposals load from their latest snapshot and at most
``infra.ledger.snapshots.INTERVAL`` events after it). One more command is then timed on
each, taking turns between the sizes so that load on a shared machine hits them alike: in a
fresh ledger (no stream cached: the worst case, what a restarted server pays) and right
after (the stream cache warm). Every stream lives in the same database, so only the length
of the stream differs, not the size of the store. Prints the median per size and the ratio
of the longest stream to the shortest, which should stay under 2.

    python -m bench.history [--sizes 1000,10000,100000] [--runs 9]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import msgspec

from domain import commands as c
from domain import governance_commands as g
from domain.base import Role, utc_now
from domain.governance import College, CollegeWeight
from domain.members import MemberKind
from domain.proposals import VOTES_MAX, Choice
from domain.rules import SetAllocationKey
from domain.transfers import AccountKind, account_id
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.store import StoreLocation, sqlite_location

BATCH = 500  # Commands per atomic batch while building the histories.
VOTERS = 100  # Members on each proposal's roll: its state stays this size however long.


@dataclass
class Streams:
    """One size's account pair and proposal."""

    events: int
    debit: UUID
    credit: UUID
    proposal: UUID
    votes: int


class Histories:
    """A store holding streams of every size, and the commands that extend them."""

    def __init__(self, location: StoreLocation, sizes: list[int], room: int) -> None:
        self.location = location
        self.counter = 0
        self.ballots: dict[tuple[UUID, UUID], Choice] = {}
        ledger = Ledger(location)
        try:
            self._found(ledger)
            self.streams = [self._build(ledger, size, room) for size in sizes]
        finally:
            ledger.close()

    def next_id(self, label: str) -> str:
        self.counter += 1
        return f"{label}-{self.counter}"

    def _found(self, ledger: Ledger) -> None:
        self.coordinator = ledger.execute(c.FoundCooperative(
            command_id=self.next_id("found"), name="Banc", coordinator_name="Réseau")).stream_id
        members = ledger.execute_batch([c.RegisterMember(
            command_id=self.next_id("member"), actor_id=self.coordinator,
            name=f"Membre {number}", kind=MemberKind.OUTLET, roles=[Role.OUTLET, Role.VOTER])
            for number in range(VOTERS)])
        self.voters = [result.stream_id for result in members]
        ledger.execute(g.ConstituteColleges(
            command_id=self.next_id("colleges"), actor_id=self.coordinator,
            weights=[CollegeWeight(College.OUTLETS, 5_000),
                     CollegeWeight(College.PRODUCERS, 5_000)]))
        ledger.execute_batch([g.SeatMember(command_id=self.next_id("seat"),
                                           actor_id=self.coordinator, member_id=voter,
                                           college=College.OUTLETS)
                              for voter in self.voters])

    def _build(self, ledger: Ledger, size: int, room: int) -> Streams:
        owners = ledger.execute_batch([c.RegisterMember(
            command_id=self.next_id("owner"), actor_id=self.coordinator,
            name=f"Compte {size} {side}", kind=MemberKind.OUTLET)
            for side in ("payeur", "bénéficiaire")])
        ledger.execute_batch([g.OpenAccount(command_id=self.next_id("account"),
                                            actor_id=self.coordinator, kind=AccountKind.OUTLET,
                                            owner_id=owner.stream_id) for owner in owners])
        now = utc_now()
        proposal = ledger.execute(g.SubmitProposal(
            command_id=self.next_id("proposal"), actor_id=self.voters[0], title=f"Clé {size}",
            payload=SetAllocationKey(key="proportional_to_households"),
            opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=30))).stream_id
        streams = Streams(events=size, debit=account_id(AccountKind.OUTLET, owners[0].stream_id),
                          credit=account_id(AccountKind.OUTLET, owners[1].stream_id),
                          proposal=proposal,
                          # A proposal takes at most VOTES_MAX ballots: room for the timed ones.
                          votes=min(size, VOTES_MAX - room))
        for start in range(0, size, BATCH):
            count = min(BATCH, size - start)
            ledger.execute_batch([self.transfer(streams) for _ in range(count)])
            votes = min(count, streams.votes - start)
            if votes > 0:
                ledger.execute_batch([self.vote(streams, start + number)
                                      for number in range(votes)])
        return streams

    def transfer(self, streams: Streams) -> g.TransferFunds:
        """One cent from the payer to the payee: one more event on each account."""
        return g.TransferFunds(command_id=self.next_id("transfer"), actor_id=self.coordinator,
                               debit_account_id=streams.debit, credit_account_id=streams.credit,
                               amount_cents=1)

    def vote(self, streams: Streams, number: int) -> g.CastVote:
        """A voter's next ballot on the proposal, different from its last one."""
        voter = self.voters[number % VOTERS]
        last = self.ballots.get((streams.proposal, voter))
        choices = [choice for choice in Choice if choice != last]
        self.ballots[(streams.proposal, voter)] = choices[number % len(choices)]
        return g.CastVote(command_id=self.next_id("vote"), actor_id=voter,
                          proposal_id=streams.proposal,
                          choice=self.ballots[(streams.proposal, voter)])


def measure(histories: Histories, runs: int) -> dict[str, dict[int, tuple[float, float]]]:
    """Median milliseconds per kind and size, cold (fresh ledger) and warm (right after)."""
    samples: dict[tuple[str, int], tuple[list[float], list[float]]] = {
        (kind, streams.events): ([], []) for kind in ("transfer", "vote")
        for streams in histories.streams}
    for run in range(runs):
        for streams in histories.streams:
            for kind in ("transfer", "vote"):
                cold, warm = samples[(kind, streams.events)]
                ledger = Ledger(histories.location)
                try:
                    for bucket in (cold, warm):
                        command: msgspec.Struct = (
                            histories.transfer(streams) if kind == "transfer"
                            else histories.vote(streams, streams.votes + run * 2 + len(bucket)))
                        started = time.perf_counter()
                        ledger.execute(command)
                        bucket.append((time.perf_counter() - started) * 1000)
                finally:
                    ledger.close()
    figures: dict[str, dict[int, tuple[float, float]]] = {"transfer": {}, "vote": {}}
    for (kind, size), (cold, warm) in samples.items():
        figures[kind][size] = (statistics.median(cold), statistics.median(warm))
    return figures


def main() -> None:
    """Build the streams, time the commands, print the curves and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=9)
    arguments = parser.parse_args()
    configure_logging("warning")
    sizes = [int(size) for size in arguments.sizes.split(",")]
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        histories = Histories(sqlite_location(Path(directory) / "history.db"), sizes,
                              room=2 * arguments.runs)
        print(f"built streams of {', '.join(f'{size:,}' for size in sizes)} events in one "
              f"store in {time.perf_counter() - started:.0f} s")
        figures = measure(histories, arguments.runs)
    print(f"\n{'command':<10}{'earlier events':>16}{'cold ms':>10}{'warm ms':>10}")
    for name, by_size in figures.items():
        for size, (cold, warm) in sorted(by_size.items()):
            print(f"{name:<10}{size:>16,}{cold:>10.2f}{warm:>10.2f}")
        smallest, largest = by_size[min(by_size)], by_size[max(by_size)]
        print(f"{name:<10}{'ratio':>16}{largest[0] / smallest[0]:>10.2f}"
              f"{largest[1] / smallest[1]:>10.2f}   ({max(by_size):,} vs {min(by_size):,} "
              "earlier events; flat means under 2)")


if __name__ == "__main__":
    main()
