"""One fold of account events: the aggregate, the balance fold and the view agree on it."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from domain.base import Context, Role
from domain.transfers import Account, AccountKind, AccountTotals, Side, totals_change
from projections.balances import BalanceFold


def context() -> Context:
    """A coordinator's act."""
    return Context(member_id=uuid4(), role=Role.COORDINATOR, command_id="c",
                   correlation_id="c", causation_id="c",
                   occurred_at=datetime(2026, 11, 3, 9, tzinfo=UTC))


movements = st.lists(st.tuples(st.sampled_from(["debit", "credit"]), st.booleans(),
                               st.integers(min_value=1, max_value=10_000_000)), max_size=30)


@given(movements)
def test_the_fold_of_an_accounts_events_equals_its_own_totals(
        moves: list[tuple[str, bool, int]]) -> None:
    """Replaying an account's events through ``totals_change`` gives the aggregate's totals."""
    account = Account.open(context(), AccountKind.PRODUCER, uuid4())
    for side, pending, cents in moves:
        transfer_id = uuid4()
        if side == "debit":
            account.debit(context(), transfer_id, cents, pending=pending)
        else:
            account.credit(context(), transfer_id, cents, pending=pending)
        if pending:
            account.post_pending(context(), transfer_id,
                                 Side.DEBIT if side == "debit" else Side.CREDIT, cents, cents // 2)
    fold = BalanceFold()
    replayed = AccountTotals()
    for event in account.collect_events():
        fold.apply(event)
        replayed = replayed.plus(totals_change(event))
    assert replayed == account.totals()
    assert fold.accounts[account.id].totals == account.totals()
    assert fold.total_cents() == account.balance_cents
