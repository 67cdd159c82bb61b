"""Balances view: accounts in euro cents fed by the account and transfer streams of
``domain/transfers.py``: a funder commits a budget, the budget pays a producer through a
pending transfer posted in part, another pending transfer is voided, an outlet pays its
share. Balances, pending amounts, the zero sum, as-of balances and a rebuild equal to the
live view, on SQLite and PostgreSQL.

The streams are saved straight from the domain's functions (the governance commands that
wrap them are tested with governance); every event goes through the real store.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.base import Aggregate, Context, Role
from domain.ids import uuid7
from domain.members import MemberKind
from domain.transfers import (
    Account,
    AccountKind,
    CauseKind,
    Transfer,
    post_pending,
    record_transfer,
    void_pending,
)
from infra.ledger.ledger import Ledger
from infra.projections_wiring import LedgerProjections, open_projections
from infra.store import StoreLocation
from tests.builders import Territory, found_territory


def at(day: int) -> datetime:
    """A business time in December 2026."""
    return datetime(2026, 12, day, 10, tzinfo=UTC)


class Books:
    """Accounts and transfers saved to a ledger with chosen business times."""

    def __init__(self, ledger: Ledger, territory: Territory) -> None:
        self.ledger = ledger
        self.actor = territory.coordinator_id
        self.counter = 0

    def context(self, day: int) -> Context:
        """The coordinator acting on a day."""
        self.counter += 1
        command_id = f"books-{self.counter}"
        return Context(member_id=self.actor, role=Role.COORDINATOR, command_id=command_id,
                       correlation_id=command_id, causation_id=command_id,
                       occurred_at=at(day))

    def save(self, *aggregates: Aggregate) -> int:
        """Save and return the last notification id."""
        recordings = self.ledger.save(*aggregates)
        return recordings[-1].notification.id

    def open(self, kind: AccountKind, owner_id: UUID) -> Account:
        """Open an account on day 1."""
        account = Account.open(self.context(1), kind, owner_id)
        self.save(account)
        return account

    def transfer(self, day: int, debit: Account, credit: Account, amount_cents: int, *,
                 pending: bool) -> Transfer:
        """Record a transfer."""
        transfer = record_transfer(uuid7(), self.context(day), debit, credit, amount_cents,
                                   pending=pending, cause_kind=CauseKind.ADJUSTMENT,
                                   cause_id=None, memo="test")
        self.save(transfer, debit, credit)
        return transfer


@pytest.fixture
def books(store: StoreLocation) -> Iterator[tuple[Ledger, LedgerProjections, dict[str, str]]]:
    """The story written, the views caught up, and the accounts' ids by role."""
    ledger = Ledger(store)
    projections = open_projections(ledger)
    try:
        territory = found_territory(ledger, prefix="b")
        funder_id = territory.register_member("Fondation Solidaire", MemberKind.FUNDER)
        books = Books(ledger, territory)
        funder = books.open(AccountKind.FUNDER, funder_id)
        budget = books.open(AccountKind.FUNDER_BUDGET, funder_id)
        producer = books.open(AccountKind.PRODUCER, territory.producer_id)
        outlet = books.open(AccountKind.OUTLET, territory.outlet_id)
        books.transfer(1, funder, budget, 100_000, pending=False)
        paid = books.transfer(2, budget, producer, 30_000, pending=True)
        dropped = books.transfer(2, budget, producer, 10_000, pending=True)
        post_pending(books.context(3), paid, budget, producer, 25_000)
        books.save(paid, budget, producer)
        void_pending(books.context(4), dropped, budget, producer, "delivery cancelled")
        books.save(dropped, budget, producer)
        books.transfer(5, outlet, producer, 5_000, pending=False)
        projections.catch_up()
        ids = {"funder": str(funder.id), "budget": str(budget.id),
               "producer": str(producer.id), "outlet": str(outlet.id)}
        yield ledger, projections, ids
    finally:
        projections.close()
        ledger.close()


def totals(projections: LedgerProjections, ids: dict[str, str],
           **query: Any) -> dict[str, tuple[int, int, int]]:
    """Role → (balance, debits pending, credits pending)."""
    roles = {account_id: role for role, account_id in ids.items()}
    return {roles[account.account_id]: (account.balance_cents, account.debits_pending_cents,
                                        account.credits_pending_cents)
            for account in projections.balances.accounts(**query)}


def test_balances_follow_posted_transfers_and_sum_to_zero(
        books: tuple[Ledger, LedgerProjections, dict[str, str]]) -> None:
    """Committed, partly posted, voided and direct transfers give these balances."""
    _, projections, ids = books
    assert totals(projections, ids) == {"funder": (-100_000, 0, 0), "budget": (75_000, 0, 0),
                                        "producer": (30_000, 0, 0), "outlet": (-5_000, 0, 0)}
    assert projections.balances.total_cents() == 0
    [producer] = projections.balances.accounts(kind="producer")
    assert producer.owner_name == "Jardin de Cocagne de Vesoul"
    assert (producer.credits_posted_cents, producer.debits_posted_cents) == (30_000, 0)


def test_balances_as_of_show_pending_amounts(
        books: tuple[Ledger, LedgerProjections, dict[str, str]]) -> None:
    """On day 2 both payments were still pending: reserved, not yet moved."""
    _, projections, ids = books
    assert totals(projections, ids, as_of=at(2)) == {
        "funder": (-100_000, 0, 0), "budget": (100_000, 40_000, 0),
        "producer": (0, 0, 40_000), "outlet": (0, 0, 0)}
    assert totals(projections, ids, as_of=at(3)) == {
        "funder": (-100_000, 0, 0), "budget": (75_000, 10_000, 0),
        "producer": (25_000, 0, 10_000), "outlet": (0, 0, 0)}


def test_transfers_record_their_outcome(
        books: tuple[Ledger, LedgerProjections, dict[str, str]]) -> None:
    """Each transfer's status and posted amount."""
    _, projections, _ = books
    rows = projections.database.query(
        f"SELECT amount_cents, posted_cents, status FROM "
        f"{projections.balances.table('balances_transfers')} ORDER BY position")
    assert [tuple(row) for row in rows] == [(100_000, 100_000, "posted"),
                                            (30_000, 25_000, "posted"),
                                            (10_000, 0, "voided"), (5_000, 5_000, "posted")]


def test_rebuilt_balances_equal_the_live_view(
        books: tuple[Ledger, LedgerProjections, dict[str, str]]) -> None:
    """Dropped and replayed, the balances view has the same rows."""
    _, projections, _ = books
    live = projections.balances.dump()
    projections.rebuild("balances")
    assert projections.balances.dump() == live
