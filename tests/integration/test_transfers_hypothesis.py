"""Random money: transfers, two-phase posts and voids, basket collections and cancellations.

Hypothesis draws a sequence of acts against one ledger per store (each example opens its own
programme, so examples do not depend on each other's accounts); after every act — accepted
or refused — the sum of all balances is zero, pending amounts balance, no budget or
programme fund is overdrawn, a refused act wrote nothing, and no household paid more than
its programme's cap. At the end of each example every account's totals agree three ways:
replayed from its whole stream, resumed from its first and last events, and folded from the
log. Examples are bounded (``EXAMPLES``, ``STEPS_MAX``) so both stores run in
well under thirty seconds.
"""

from __future__ import annotations

import itertools
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from domain import governance_commands as g
from domain.baskets import Basket
from domain.errors import DomainError
from domain.rules import FunderShare
from domain.transfers import Account, AccountKind, AccountTotals, TransferStatus, account_id
from infra.ledger.ledger import Ledger
from projections.balances import BalanceFold
from tests.governance_support import Governed, at, governed_territory

EXAMPLES = 20  # Each example runs ~25 commands: twenty keep both stores near 10 s.
STEPS_MAX = 12
HOUSEHOLDS = 2
WEEKS = ("2026-W10", "2026-W11")  # Few weeks, so some baskets collide and are refused.

_examples = itertools.count(1)


@pytest.fixture
def gov(ledger: Ledger) -> Governed:
    """A governed territory on each store, shared by every example of the test."""
    governed = governed_territory(ledger)
    governed.run(g.OpenAccount, actor_id=governed.coordinator_id, kind=AccountKind.PRODUCER,
                 owner_id=governed.base.producer_id)
    return governed


acts = st.one_of(
    st.tuples(st.just("commit"), st.integers(0, 1), st.integers(1, 5_000), st.booleans()),
    st.tuples(st.just("transfer"), st.integers(0, 5), st.integers(0, 5),
              st.integers(1, 6_000), st.booleans()),
    st.tuples(st.just("post"), st.integers(0, 20), st.integers(1, 100)),
    st.tuples(st.just("void"), st.integers(0, 20)),
    st.tuples(st.just("prepare"), st.integers(0, HOUSEHOLDS - 1), st.sampled_from(WEEKS)),
    st.tuples(st.just("collect"), st.integers(0, 20)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(price_cents=st.integers(1, 3_000), cap_bp=st.integers(0, 3_000),
       first_share_bp=st.integers(1, 9_999), funds=st.tuples(st.integers(0, 12_000),
                                                             st.integers(0, 12_000)),
       steps=st.lists(acts, min_size=3, max_size=STEPS_MAX))
def test_balances_sum_to_zero_and_budgets_hold_after_every_act(
        gov: Governed, price_cents: int, cap_bp: int, first_share_bp: int,
        funds: tuple[int, int], steps: list[tuple[Any, ...]]) -> None:
    """Whatever is attempted, in whatever order, the books balance after every act."""
    example = next(_examples)
    ledger = gov.ledger
    fold = BalanceFold()
    first, second = gov.funder_ids
    programme_id = gov.open_programme(price_cents=price_cents, cap_bp=cap_bp, funders=[
        FunderShare(first, first_share_bp), FunderShare(second, 10_000 - first_share_bp)])
    for funder, amount in zip(gov.funder_ids, funds, strict=True):
        if amount:
            gov.commit(funder, amount, programme_id)
    households = [gov.enrol(programme_id, f"H{example}-{index}") for index in range(HOUSEHOLDS)]
    lot_id = gov.basket_stock(10_000)
    accounts = [account_id(AccountKind.FUNDER, first), account_id(AccountKind.FUNDER, second),
                account_id(AccountKind.FUNDER_BUDGET, first),
                account_id(AccountKind.FUNDER_BUDGET, second),
                account_id(AccountKind.PROGRAMME_FUND, first, programme_id),
                account_id(AccountKind.PRODUCER, gov.base.producer_id)]
    pending: list[UUID] = []
    baskets: list[UUID] = []

    def command(act: tuple[Any, ...]) -> Any:
        kind = act[0]
        if kind == "commit":
            return gov.command(g.CommitBudget, actor_id=gov.funder_ids[act[1]],
                               amount_cents=act[2],
                               programme_id=programme_id if act[3] else None,
                               occurred_at=at(1))
        if kind == "transfer":
            return gov.command(g.TransferFunds, actor_id=gov.coordinator_id,
                               debit_account_id=accounts[act[1]],
                               credit_account_id=accounts[act[2]], amount_cents=act[3],
                               pending=act[4])
        if kind in {"post", "void"}:
            if not pending:
                return None
            transfer_id = pending[act[1] % len(pending)]
            if kind == "void":
                return gov.command(g.VoidTransfer, actor_id=gov.coordinator_id,
                                   transfer_id=transfer_id, reason="annulé")
            return gov.command(g.PostTransfer, actor_id=gov.coordinator_id,
                               transfer_id=transfer_id, amount_cents=act[2])
        if kind == "prepare":
            return gov.command(g.PrepareBasket, actor_id=gov.collection_point_id,
                               household_id=households[act[1]], week=act[2],
                               lines=[g.BasketLineInput(lot_id, 100)], occurred_at=at(3))
        if not baskets:
            return None
        basket_id = baskets[act[1] % len(baskets)]
        if kind == "collect":
            return gov.command(g.CollectBasket, actor_id=gov.collection_point_id,
                               basket_id=basket_id, occurred_at=at(3, 17))
        return gov.command(g.CancelBasket, actor_id=gov.collection_point_id,
                           basket_id=basket_id, reason="pas venu", occurred_at=at(4))

    fold.catch_up(ledger)
    for act in steps:
        built = command(act)
        if built is None:
            continue
        before = ledger.recorder.max_notification_id()
        try:
            result = ledger.execute(built)
        except DomainError as error:
            event(f"{act[0]} refused ({error.code})")
            assert ledger.recorder.max_notification_id() == before, f"refused {act} wrote"
        else:
            event(f"{act[0]} accepted")
            if act[0] == "transfer" and act[4]:
                pending.append(result.stream_id)
            elif act[0] == "prepare":
                baskets.append(result.stream_id)
        fold.catch_up(ledger)
        assert fold.total_cents() == 0, f"balances do not sum to zero after {act}"
        assert sum(balance.credits_pending - balance.debits_pending
                   for balance in fold.accounts.values()) == 0
        assert fold.overdrawn() == [], f"overdrawn after {act}"
    for basket_id in baskets:
        basket = ledger.repository.get(basket_id)
        assert isinstance(basket, Basket)
        assert basket.household_cents <= basket.price_cents * cap_bp // 10_000
        assert basket.household_cents + sum(payment.amount_cents
                                            for payment in basket.funder_payments) == (
            basket.price_cents)
    for transfer_id in pending:
        transfer = ledger.repository.get(transfer_id)
        assert transfer.status in set(TransferStatus)
    for balance in fold.accounts.values():
        replayed = ledger.repository.get(balance.account_id)
        assert isinstance(replayed, Account)
        stored = ledger.recorder.select_events(balance.account_id)
        resumed = Account.resume(ledger.mapper.to_domain_event(stored[0]),
                                 ledger.mapper.to_domain_event(stored[-1]))
        folded = AccountTotals(debits_pending=balance.debits_pending,
                               debits_posted=balance.debits_posted,
                               credits_pending=balance.credits_pending,
                               credits_posted=balance.credits_posted)
        assert replayed.totals() == resumed.totals() == folded
        assert replayed.version == resumed.version
