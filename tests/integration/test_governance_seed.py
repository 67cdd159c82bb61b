"""The demo's governance seeding: colleges, a vote changing the allocation key, baskets."""

from __future__ import annotations

from datetime import date, timedelta

from domain import commands as c
from domain.rules import RuleKind
from infra.demo.governance import seed_governance
from infra.ledger.ledger import Ledger
from infra.reader import recount_proposal, reveal_household, rule_book
from projections.balances import fold_balances
from tests.conftest import SCENARIO_FOUNDED_AT

START = date(2026, 1, 5)


def test_seeding_sets_up_a_governed_territory_and_replays_when_run_again(
        ledger: Ledger) -> None:
    """Week 2's key is voted in week 1; baskets are paid; a second run writes nothing."""
    coordinator = ledger.execute(c.FoundCooperative(
        command_id="found", name="Réseau", coordinator_name="Secrétariat",
        occurred_at=SCENARIO_FOUNDED_AT)).stream_id
    seeded = seed_governance(ledger, coordinator_id=coordinator, start=START, weeks=2,
                             households=4, change_week=2)
    assert seeded.allocation_tally.adopted
    assert seeded.allocation_effective_from == START + timedelta(weeks=1)
    assert (seeded.baskets_prepared, seeded.baskets_collected + seeded.baskets_cancelled) == (
        8, 8)
    recounted, recorded = recount_proposal(ledger, seeded.allocation_proposal_id)
    assert recounted == recorded
    book = rule_book(ledger)
    assert book is not None
    before = book.in_force(RuleKind.ALLOCATION_KEY, START + timedelta(days=6))
    after = book.in_force(RuleKind.ALLOCATION_KEY, START + timedelta(days=7))
    assert before is None
    assert after is not None
    assert after.decision_id == seeded.allocation_proposal_id
    fold = fold_balances(ledger)
    assert (fold.total_cents(), fold.overdrawn()) == (0, [])
    assert reveal_household(ledger, ledger.personal_data,
                            seeded.household_ids[0]) is not None
    position = ledger.recorder.max_notification_id()
    again = seed_governance(ledger, coordinator_id=coordinator, start=START, weeks=2,
                            households=4, change_week=2)
    assert again.household_ids == seeded.household_ids
    assert ledger.recorder.max_notification_id() == position
