"""Rebuilding views: after the demo scenario, every view rebuilt from zero equals the view the
in-process runner built live while the demo ran, row for row, on SQLite and PostgreSQL; and
the live views agree with the streams' own state, lot by lot and account by account.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest

from domain.lots import Lot
from domain.transfers import Account
from infra.demo.territory import generate_demo
from infra.ledger.ledger import Ledger
from infra.projections_wiring import VIEW_NAMES, LedgerProjections, open_projections
from infra.store import StoreLocation
from tests.builders import DEMO_END
from tests.conftest import store_of_kind

DEMO_WEEKS = 3  # Splits, a transformation (week 3), three rounds, losses and the recall.
WITH_GOVERNANCE = True  # Colleges, price grid, budgets and baskets: transfers for balances.
LIVE_BATCH_SIZE = 64  # Small batches while following: many batch boundaries mid-command.


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def demo_store(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreLocation]:
    """One store per kind, shared by this module's tests (the demo is written once)."""
    with store_of_kind(request.param, tmp_path_factory.mktemp("demo")) as location:
        yield location


@pytest.fixture(scope="module")
def demo_with_live_views(
        demo_store: StoreLocation) -> Iterator[tuple[Ledger, LedgerProjections]]:
    """The demo written while an in-process runner follows it in the background."""
    ledger = Ledger(demo_store)
    projections = open_projections(ledger, follow=True, batch_size=LIVE_BATCH_SIZE,
                                   poll_interval_s=0.005)
    try:
        generate_demo(ledger, weeks=DEMO_WEEKS, seed=11, with_governance=WITH_GOVERNANCE,
                      end=DEMO_END)
        head = ledger.recorder.max_notification_id()
        assert projections.wait_for(head, timeout_s=60)
        projections.stop()
        yield ledger, projections
    finally:
        projections.close()
        ledger.close()


def test_rebuilt_views_equal_live_views_row_for_row(
        demo_with_live_views: tuple[Ledger, LedgerProjections]) -> None:
    """Drop each view, replay the store in large batches: the same rows as built live."""
    ledger, projections = demo_with_live_views
    runner = projections.runner
    assert runner.state("stock").batches > 10, "the live build should span many batches"
    live = {name: view.dump() for name, view in runner.views.items()}
    assert live["stock"]["stock_lots"], "the demo should have stocked lots"
    assert live["trace"]["trace_edges"], "the demo should have split or transformed lots"
    runner.batch_size = 5_000
    for name in VIEW_NAMES:
        projections.rebuild(name)
        assert runner.views[name].dump() == live[name], f"rebuilt {name} differs"
        assert runner.stored_position(name) == ledger.recorder.max_notification_id()


def test_live_stock_view_agrees_with_every_lot(
        demo_with_live_views: tuple[Ledger, LedgerProjections]) -> None:
    """On hand, reserved, in transit, outlet holdings and recall flags match each Lot."""
    ledger, projections = demo_with_live_views
    stock = projections.stock
    rows = projections.database.query(
        f"SELECT lot_id, on_hand_g, reserved_g, in_transit_g, recalled_at_us IS NOT NULL "
        f"FROM {stock.table('stock_lots')}")
    holdings = projections.database.query(
        f"SELECT lot_id, outlet_id, held_g FROM {stock.table('stock_outlet_holdings')}")
    held_by_lot: dict[str, dict[str, int]] = {}
    for lot_id, outlet_id, held_g in holdings:
        held_by_lot.setdefault(lot_id, {})[outlet_id] = held_g
    assert len(rows) > 50
    for lot_id, on_hand_g, reserved_g, in_transit_g, recalled in rows:
        lot = ledger.repository.get(UUID(lot_id))
        assert isinstance(lot, Lot)
        assert (on_hand_g, reserved_g, in_transit_g, bool(recalled)) == (
            lot.on_hand_g, lot.reserved_total_g, sum(lot.in_transit_g.values()), lot.recalled)
        assert held_by_lot.get(lot_id, {}) == {str(outlet): grams
                                               for outlet, grams in lot.held_g.items()}
    recalled = [line for line in stock.lines() if line.recalled]
    assert recalled, "the demo recalls a lot whose crates are still in stock or at outlets"


def test_trace_view_records_one_movement_per_lot_event(
        demo_with_live_views: tuple[Ledger, LedgerProjections]) -> None:
    """Every lot event is one movement row at its own notification id: none doubled or lost."""
    ledger, projections = demo_with_live_views
    lot_topics = {topic for topic in projections.trace.topics if topic.startswith("lot.")}
    expected = [notification.id
                for notification in ledger.recorder.select_notifications(
                    1, 1_000_000, topics=sorted(lot_topics))]
    movements = [position for (position,) in projections.database.query(
        f"SELECT position FROM {projections.trace.table('trace_movements')} "
        "ORDER BY position")]
    assert movements == expected


def test_live_balances_agree_with_every_account_and_sum_to_zero(
        demo_with_live_views: tuple[Ledger, LedgerProjections]) -> None:
    """The demo's payments and baskets: each account's totals match its stream; sum zero."""
    ledger, projections = demo_with_live_views
    accounts = projections.balances.accounts()
    assert len(accounts) >= 10, "the demo opens funder, budget, producer and outlet accounts"
    assert any(account.balance_cents for account in accounts)
    for account in accounts:
        stream = ledger.repository.get(UUID(account.account_id))
        assert isinstance(stream, Account)
        assert (account.debits_pending_cents, account.debits_posted_cents,
                account.credits_pending_cents, account.credits_posted_cents) == (
            stream.debits_pending, stream.debits_posted, stream.credits_pending,
            stream.credits_posted)
    assert projections.balances.total_cents() == 0
