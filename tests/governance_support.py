"""Builders shared by the governance, transfer and basket tests (this module has no tests).

``governed_territory(ledger)`` extends the core builders' territory (one producer, one
platform and its warehouse, two outlets) with two funders, a collection point and a
referrer, constitutes five colleges and seats members so the colleges differ in size:

============  ======  ====================================================
college       weight  members
============  ======  ====================================================
producers     30 %    the producer + 4 more gardens (5)
outlets       20 %    the two outlets, the collection point, the referrer (4)
households    20 %    one household delegate (1)
funders       15 %    the two funders (2)
employees     15 %    one employee (1)
============  ======  ====================================================

Business time is explicit everywhere (``at(day, hour)`` from ``MONDAY``), because votes,
closings and effective dates are compared with it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from domain import commands as c
from domain import governance_commands as g
from domain.base import Role
from domain.governance import College, CollegeWeight
from domain.members import MemberKind
from domain.proposals import Choice, Proposal
from domain.rules import FunderShare, Payload
from domain.transfers import Account, AccountKind, account_id
from infra.ledger.ledger import Ledger
from projections.balances import fold_balances
from tests.builders import Territory, found_territory

MONDAY = date(2026, 3, 2)
WEIGHTS = [CollegeWeight(College.PRODUCERS, 3_000), CollegeWeight(College.OUTLETS, 2_000),
           CollegeWeight(College.HOUSEHOLDS, 2_000), CollegeWeight(College.FUNDERS, 1_500),
           CollegeWeight(College.EMPLOYEES, 1_500)]


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    """Business time ``day`` days after ``MONDAY`` at ``hour``:``minute`` UTC."""
    return datetime.combine(MONDAY + timedelta(days=day), datetime.min.time(),
                            tzinfo=UTC) + timedelta(hours=hour, minutes=minute)


@dataclass
class Governed:
    """A territory with colleges, funders and basket actors."""

    base: Territory
    funder_ids: tuple[UUID, UUID]
    collection_point_id: UUID
    referrer_id: UUID
    seats: dict[College, list[UUID]]
    outsider_id: UUID
    """A registered voter who sits in no college."""
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    @property
    def ledger(self) -> Ledger:
        """The ledger."""
        return self.base.ledger

    @property
    def coordinator_id(self) -> UUID:
        """The coordinator."""
        return self.base.coordinator_id

    def command_id(self, label: str) -> str:
        """A fresh deterministic command id."""
        return f"gov-{label}-{next(self._counter)}"

    def run(self, command_type: type[Any], **fields: Any) -> c.CommandResult:
        """Execute a command built from its type and fields (a fresh command id)."""
        return self.ledger.execute(command_type(command_id=self.command_id(
            command_type.NAME), **fields))

    def command(self, command_type: type[Any], **fields: Any) -> msgspec.Struct:
        """A command with a fresh id, not executed (for refusal checks)."""
        built: msgspec.Struct = command_type(command_id=self.command_id(command_type.NAME),
                                             **fields)
        return built

    # ------------------------------------------------------------ governance

    def propose(self, payload: Payload, *, opens: datetime | None = None,
                closes: datetime | None = None, quorum_bp: int = 0, threshold_bp: int = 5_000,
                effective_from: date | None = None, proposer: UUID | None = None,
                title: str = "Proposition") -> UUID:
        """Submit a proposal (by default open on day 0 at 9:00, closing day 4 at 18:00)."""
        opens = opens or at(0)
        return self.run(g.SubmitProposal, actor_id=proposer or self.seats[College.OUTLETS][0],
                        title=title, payload=payload, opens_at=opens,
                        closes_at=closes or at(4, 18), quorum_bp=quorum_bp,
                        threshold_bp=threshold_bp, effective_from=effective_from,
                        occurred_at=opens).stream_id

    def vote(self, proposal_id: UUID, member_id: UUID, choice: Choice,
             when: datetime | None = None) -> c.CommandResult:
        """A member votes (by default on day 1)."""
        return self.run(g.CastVote, actor_id=member_id, proposal_id=proposal_id, choice=choice,
                        occurred_at=when or at(1))

    def vote_college(self, proposal_id: UUID, college: College, *choices: Choice) -> None:
        """The college's members vote the given choices, in seat order."""
        for member_id, choice in zip(self.seats[college], choices, strict=False):
            self.vote(proposal_id, member_id, choice)

    def close(self, proposal_id: UUID, when: datetime | None = None) -> Proposal:
        """The coordinator closes the proposal (by default on day 5); its state."""
        self.run(g.CloseProposal, actor_id=self.coordinator_id, proposal_id=proposal_id,
                 occurred_at=when or at(5))
        return self.proposal(proposal_id)

    def adopt(self, payload: Payload, **fields: Any) -> UUID:
        """Submit a proposal every seated member votes yes, and close it; its id."""
        proposal_id = self.propose(payload, **fields)
        closes = fields.get("closes") or at(4, 18)
        for members in self.seats.values():
            for member_id in members:
                self.vote(proposal_id, member_id, Choice.YES, closes - timedelta(hours=1))
        self.close(proposal_id, closes)
        return proposal_id

    def proposal(self, proposal_id: UUID) -> Proposal:
        """A proposal's state."""
        proposal = self.ledger.repository.get(proposal_id)
        assert isinstance(proposal, Proposal)
        return proposal

    # --------------------------------------------------------------- money

    def account(self, kind: AccountKind, owner_id: UUID,
                scope_id: UUID | None = None) -> Account:
        """An account's state."""
        account = self.ledger.repository.get(account_id(kind, owner_id, scope_id))
        assert isinstance(account, Account)
        return account

    def commit(self, funder_id: UUID, amount_cents: int,
               programme_id: UUID | None = None) -> c.CommandResult:
        """A funder commits money to its budget (or to a programme's fund)."""
        return self.run(g.CommitBudget, actor_id=funder_id, amount_cents=amount_cents,
                        programme_id=programme_id, occurred_at=at(0, 8))

    def assert_balanced(self) -> None:
        """The sum of all balances is zero and no budget is overdrawn."""
        fold = fold_balances(self.ledger)
        assert fold.total_cents() == 0
        assert fold.overdrawn() == []
        pending = sum(balance.credits_pending - balance.debits_pending
                      for balance in fold.accounts.values())
        assert pending == 0

    # -------------------------------------------------------------- baskets

    def open_programme(self, *, price_cents: int = 1_500, cap_bp: int = 3_000,
                       funders: list[FunderShare] | None = None) -> UUID:
        """Open a basket programme run by the producer, collected at the collection point."""
        return self.run(
            g.OpenBasketProgramme, actor_id=self.coordinator_id, name="Paniers Solidaires",
            producer_id=self.base.producer_id, basket_price_cents=price_cents,
            household_share_cap_bp=cap_bp,
            funders=funders or [FunderShare(self.funder_ids[0], 7_000),
                                FunderShare(self.funder_ids[1], 3_000)],
            collection_point_ids=[self.collection_point_id], occurred_at=at(0, 8)).stream_id

    def enrol(self, programme_id: UUID, reference: str, name: str = "Foyer Martin",
              share_bp: int | None = None) -> UUID:
        """The referrer enrols a household; its id."""
        return self.run(g.EnrolHousehold, actor_id=self.referrer_id, programme_id=programme_id,
                        reference=reference, name=name, contact="06 12 34 56 78",
                        share_bp=share_bp, occurred_at=at(0, 10)).stream_id

    def stocked_lot(self, quantity_g: int = 20_000) -> UUID:
        """A lot harvested on Sunday, offered, accepted and received on Monday at 8:00 (before
        the week's deliveries and baskets: a lot's acts follow each other)."""
        return self.base.stocked_lot(quantity_g, harvest_date=MONDAY - timedelta(days=1),
                                     occurred_at=at(0, 8))

    def basket_stock(self, quantity_g: int = 20_000) -> UUID:
        """A lot delivered to the collection point on Monday at 9:00 (no price grid: nothing
        is paid)."""
        lot_id = self.stocked_lot(quantity_g)
        self.base.deliver(lot_id, quantity_g, outlet_id=self.collection_point_id,
                          occurred_at=at(0, 9))
        return lot_id

    def prepare(self, household_id: UUID, lot_id: UUID, week: str = "2026-W10",
                quantity_g: int = 2_000, when: datetime | None = None) -> UUID:
        """The collection point makes up a basket; its id."""
        return self.run(g.PrepareBasket, actor_id=self.collection_point_id,
                        household_id=household_id, week=week,
                        lines=[g.BasketLineInput(lot_id, quantity_g)],
                        occurred_at=when or at(3, 10)).stream_id

    def collect(self, basket_id: UUID, when: datetime | None = None) -> c.CommandResult:
        """The household collects its basket (Thursday at 17:00 unless ``when``)."""
        return self.run(g.CollectBasket, actor_id=self.collection_point_id,
                        basket_id=basket_id, occurred_at=when or at(3, 17))


def governed_territory(ledger: Ledger) -> Governed:
    """Found a territory and set up its colleges, funders and basket actors."""
    base = found_territory(ledger, prefix="gt")
    funders = (base.register_member("Réseau Cocagne — fonds national", MemberKind.FUNDER),
               base.register_member("Fondation du Doubs", MemberKind.FUNDER))
    point = base.register_member("Point relais Planoise", MemberKind.OUTLET)
    referrer = base.register_member("CCAS de Besançon", MemberKind.OUTLET)
    gardens = [base.register_member(f"Jardin {index}", MemberKind.PRODUCER)
               for index in range(1, 5)]
    delegate = base.register_member("Délégué·e des foyers", MemberKind.HOUSEHOLD)
    employee = base.register_member("Salariée en insertion", MemberKind.NETWORK, [Role.VOTER])
    outsider = base.register_member("Association candidate", MemberKind.OUTLET)
    seats = {
        College.PRODUCERS: [base.producer_id, *gardens],
        College.OUTLETS: [*base.outlet_ids, point, referrer],
        College.HOUSEHOLDS: [delegate],
        College.FUNDERS: list(funders),
        College.EMPLOYEES: [employee],
    }
    governed = Governed(base=base, funder_ids=funders, collection_point_id=point,
                        referrer_id=referrer, seats=seats, outsider_id=outsider)
    governed.run(g.ConstituteColleges, actor_id=base.coordinator_id, weights=WEIGHTS)
    for college, members in seats.items():
        for member_id in members:
            governed.run(g.SeatMember, actor_id=base.coordinator_id, member_id=member_id,
                         college=college)
    return governed
