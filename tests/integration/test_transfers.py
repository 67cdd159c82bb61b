"""Funding, as a story: budgets are committed, transfers reserve then post, deliveries pay.

Store tests run on SQLite and PostgreSQL; the rounding functions are also checked as
properties, without a store.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import commands as c
from domain import governance_commands as g
from domain.base import Context, Role
from domain.errors import InvalidState
from domain.rules import FunderShare, ProductPrice, SetPriceGrid
from domain.transfers import (
    Account,
    AccountKind,
    AccountTotals,
    BudgetExceeded,
    DeliverySettlement,
    Transfer,
    TransferStatus,
    account_id,
    scale_down,
    settlement_id,
    split_by_shares,
)
from infra.ledger.ledger import Ledger, iter_events
from tests.builders import assert_refused, events_of_stream
from tests.governance_support import MONDAY, Governed, at, governed_territory


@pytest.fixture
def gov(ledger: Ledger) -> Governed:
    """A governed territory on each store."""
    return governed_territory(ledger)


# ------------------------------------------------------------------ rounding


@given(st.integers(0, 10**9), st.lists(st.integers(1, 50), min_size=1, max_size=8))
def test_split_by_shares_gives_out_every_cent(total_cents: int, raw: list[int]) -> None:
    """The parts sum to the total and each is within one cent of its exact share."""
    shares_bp = [value * 10_000 // sum(raw) for value in raw]
    shares_bp[0] += 10_000 - sum(shares_bp)
    parts = split_by_shares(total_cents, list(enumerate(shares_bp)))
    assert sum(amount for _, amount in parts) == total_cents
    for (_, amount), share_bp in zip(parts, shares_bp, strict=True):
        assert -10_000 < amount * 10_000 - total_cents * share_bp < 10_000


@given(st.lists(st.integers(0, 10**7), min_size=1, max_size=6), st.integers(0, 10**4))
def test_scale_down_never_raises_a_part_and_loses_no_cent(amounts: list[int],
                                                          per_myriad: int) -> None:
    """Posting less than reserved: every part shrinks or stays, the total is exact."""
    total = sum(amounts)
    if total == 0:
        return
    target = total * per_myriad // 10_000
    scaled = scale_down(amounts, target, total)
    assert sum(scaled) == target
    assert all(0 <= part <= amount for part, amount in zip(scaled, amounts, strict=True))


def test_split_remainder_goes_to_the_largest_remainders_ties_to_the_first() -> None:
    """10 cents in three equal shares: 4, 3, 3 (the first listed takes the tie)."""
    assert split_by_shares(10, [("a", 3_334), ("b", 3_333), ("c", 3_333)]) == [
        ("a", 4), ("b", 3), ("c", 3)]
    assert split_by_shares(10, [("a", 3_333), ("b", 3_333), ("c", 3_334)]) == [
        ("a", 3), ("b", 3), ("c", 4)]


# ------------------------------------------------------------------- budgets


def _producer_account(gov: Governed) -> UUID:
    return gov.run(g.OpenAccount, actor_id=gov.coordinator_id, kind=AccountKind.PRODUCER,
                   owner_id=gov.base.producer_id).stream_id


def test_a_funder_budget_refuses_to_be_overdrawn(gov: Governed) -> None:
    """Pending debits count: a reservation leaves less to spend, voiding gives it back."""
    funder = gov.funder_ids[0]
    gov.commit(funder, 10_000)
    budget = account_id(AccountKind.FUNDER_BUDGET, funder)
    producer = _producer_account(gov)
    reserved = gov.run(g.TransferFunds, actor_id=gov.coordinator_id, debit_account_id=budget,
                       credit_account_id=producer, amount_cents=6_000, pending=True).stream_id
    error = assert_refused(gov.ledger, gov.command(
        g.TransferFunds, actor_id=gov.coordinator_id, debit_account_id=budget,
        credit_account_id=producer, amount_cents=5_000), BudgetExceeded)
    assert "4000 cents left (10000 committed, 0 spent, 6000 reserved)" in error.message
    gov.run(g.VoidTransfer, actor_id=gov.coordinator_id, transfer_id=reserved,
            reason="commande annulée")
    gov.run(g.TransferFunds, actor_id=gov.coordinator_id, debit_account_id=budget,
            credit_account_id=producer, amount_cents=5_000)
    account = gov.account(AccountKind.FUNDER_BUDGET, funder)
    assert (account.balance_cents, account.debits_pending) == (5_000, 0)
    gov.assert_balanced()


def test_a_pending_transfer_posted_for_less_releases_the_rest(gov: Governed) -> None:
    """Two-phase: reserve 3,000, post 2,500; the 500 left are released on both sides."""
    funder = gov.funder_ids[1]
    gov.commit(funder, 3_000)
    budget = account_id(AccountKind.FUNDER_BUDGET, funder)
    producer = _producer_account(gov)
    transfer_id = gov.run(g.TransferFunds, actor_id=gov.coordinator_id,
                          debit_account_id=budget, credit_account_id=producer,
                          amount_cents=3_000, pending=True).stream_id
    gov.run(g.PostTransfer, actor_id=gov.coordinator_id, transfer_id=transfer_id,
            amount_cents=2_500)
    transfer = gov.ledger.repository.get(transfer_id)
    assert isinstance(transfer, Transfer)
    assert (transfer.status, transfer.posted_cents) == (TransferStatus.POSTED, 2_500)
    source = gov.account(AccountKind.FUNDER_BUDGET, funder)
    assert (source.debits_posted, source.debits_pending, source.available_cents) == (
        2_500, 0, 500)
    assert_refused(gov.ledger, gov.command(
        g.VoidTransfer, actor_id=gov.coordinator_id, transfer_id=transfer_id,
        reason="trop tard"), InvalidState, "only a pending transfer")
    gov.assert_balanced()


# ---------------------------------------------------------------- deliveries


GRID = SetPriceGrid(prices=[ProductPrice("Carrot ", 200)], outlet_share_bp=2_500,
                    funders=[])


def _adopt_grid(gov: Governed) -> UUID:
    grid = SetPriceGrid(prices=GRID.prices, outlet_share_bp=GRID.outlet_share_bp,
                        funders=[FunderShare(gov.funder_ids[0], 6_000),
                                 FunderShare(gov.funder_ids[1], 4_000)])
    return gov.adopt(grid, effective_from=MONDAY + timedelta(days=5))


def _deliver(gov: Governed, quantity_g: int, received_g: int, day: int) -> UUID:
    base = gov.base
    lot_id = gov.stocked_lot(quantity_g)
    delivery_id = base.plan(lot_id, quantity_g, occurred_at=at(0, 9))
    gov.ledger.execute(c.DispatchDelivery(command_id=gov.command_id("dispatch"),
                                          actor_id=base.platform_id, delivery_id=delivery_id,
                                          occurred_at=at(day, 9)))
    gov.ledger.execute(c.ReceiveDelivery(
        command_id=gov.command_id("receipt"), actor_id=base.outlet_id, delivery_id=delivery_id,
        lines=[c.ReceiptLine(lot_id, received_g)], signer="Marie", occurred_at=at(day, 15)))
    return delivery_id


def test_receiving_a_delivery_pays_the_producer_as_the_price_grid_says(gov: Governed) -> None:
    """Reserved at dispatch for 10 kg, posted on receipt for the 7.333 kg that arrived."""
    decision_id = _adopt_grid(gov)
    for funder in gov.funder_ids:
        gov.commit(funder, 100_000)
    delivery_id = _deliver(gov, 10_000, 7_333, day=6)
    settlement = events_of_stream(gov.ledger, settlement_id(delivery_id))
    priced, settled = settlement
    assert isinstance(priced, DeliverySettlement.Priced)
    assert isinstance(settled, DeliverySettlement.StopSettled)
    assert priced.decision_id == decision_id == settled.context.decision_id
    [payment] = priced.payments
    # 10 kg at 200 c/kg = 2,000 c: the outlet 25 % (500), funders 60/40 of 1,500.
    assert [payer.amount_cents for payer in payment.payers] == [500, 900, 600]
    # Received: round(7.333 * 200) = 1,467 c, scaled down without losing a cent.
    [paid] = settled.payments
    assert (paid.dispatched_cents, paid.received_cents) == (2_000, 1_467)
    assert [share.posted_cents for share in paid.shares] == [367, 660, 440]
    producer = gov.account(AccountKind.PRODUCER, gov.base.producer_id)
    outlet = gov.account(AccountKind.OUTLET, gov.base.outlet_id)
    assert (producer.balance_cents, producer.credits_pending) == (1_467, 0)
    assert outlet.balance_cents == -367
    for event in iter_events(gov.ledger):
        if isinstance(event, Transfer.Recorded) and event.cause_kind == "delivery":
            assert event.cause_id == delivery_id
    gov.assert_balanced()


def test_a_dispatch_its_funders_cannot_cover_is_refused(gov: Governed) -> None:
    """The second funder committed too little: the van does not leave, nothing is written."""
    _adopt_grid(gov)
    gov.commit(gov.funder_ids[0], 100_000)
    gov.commit(gov.funder_ids[1], 599)
    base = gov.base
    lot_id = gov.stocked_lot(10_000)
    delivery_id = base.plan(lot_id, 10_000, occurred_at=at(0, 9))
    error = assert_refused(gov.ledger, c.DispatchDelivery(
        command_id=gov.command_id("dispatch"), actor_id=base.platform_id,
        delivery_id=delivery_id, occurred_at=at(6, 9)), BudgetExceeded)
    assert "debit of 600 cents refused" in error.message
    gov.assert_balanced()


def test_deliveries_before_the_price_grid_takes_effect_post_nothing(gov: Governed) -> None:
    """Money moves only as a rule in force says: no grid that day, no settlement."""
    _adopt_grid(gov)
    gov.commit(gov.funder_ids[0], 100_000)
    delivery_id = _deliver(gov, 10_000, 10_000, day=4)
    assert events_of_stream(gov.ledger, settlement_id(delivery_id)) == []
    assert gov.ledger.repository.get(
        account_id(AccountKind.FUNDER_BUDGET, gov.funder_ids[0])).debits_posted == 0


def test_delivery_transfers_are_settled_by_the_delivery_only(gov: Governed) -> None:
    """The coordinator may not post or void a transfer that pays for a delivery."""
    _adopt_grid(gov)
    for funder in gov.funder_ids:
        gov.commit(funder, 100_000)
    base = gov.base
    lot_id = gov.stocked_lot(10_000)
    delivery_id = base.plan(lot_id, 10_000, occurred_at=at(0, 9))
    gov.ledger.execute(c.DispatchDelivery(command_id=gov.command_id("dispatch"),
                                          actor_id=base.platform_id, delivery_id=delivery_id,
                                          occurred_at=at(6, 9)))
    priced = events_of_stream(gov.ledger, settlement_id(delivery_id))[0]
    assert isinstance(priced, DeliverySettlement.Priced)
    transfer_id = priced.payments[0].payers[0].transfer_id
    assert_refused(gov.ledger, gov.command(
        g.VoidTransfer, actor_id=gov.coordinator_id, transfer_id=transfer_id, reason="non"),
        InvalidState, "pays for a delivery")
    budget = gov.ledger.repository.get(account_id(AccountKind.FUNDER_BUDGET,
                                                  gov.funder_ids[0]))
    assert isinstance(budget, Account)
    assert budget.debits_pending == 900
    gov.assert_balanced()


def test_an_account_event_carrying_wrong_totals_does_not_load() -> None:
    """Each event's running totals must match its movement: a tampered total is refused."""
    context = Context(member_id=UUID(int=1), role=Role.COORDINATOR, command_id="c",
                      correlation_id="c", causation_id="c", occurred_at=at(0))
    account = Account.open(context, AccountKind.PRODUCER, UUID(int=2))
    account.credit(context, UUID(int=3), 500, pending=False)
    honest = account.pending_events[-1]
    assert isinstance(honest, Account.Credited)
    assert honest.totals == AccountTotals(credits_posted=500)
    forged = msgspec.structs.replace(honest, originator_version=3,
                                     totals=AccountTotals(credits_posted=900))
    with pytest.raises(InvalidState, match="carries totals"):
        forged.mutate(account)
