"""Solidarity baskets, as a story: a programme opens, households enrol, baskets are made up
from lots, collected and paid for (household at most 30 %, funders the rest, to the cent),
and a household is erased without breaking anything. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from domain import governance_commands as g
from domain.baskets import Basket, BasketStatus, Household
from domain.errors import AlreadyExists, InvalidState
from domain.lots import Channel, Lot
from domain.members import MemberKind
from domain.personal_data import PersonalData
from domain.rules import FunderShare, SetBasketTerms
from domain.transfers import AccountKind, BudgetExceeded
from infra.ledger.ledger import Ledger, iter_events
from infra.reader import reveal_household
from projections.balances import fold_balances
from tests.builders import assert_refused, events_of_stream
from tests.governance_support import MONDAY, Governed, at, governed_territory


@pytest.fixture
def gov(ledger: Ledger) -> Governed:
    """A governed territory on each store."""
    return governed_territory(ledger)


def _funded_programme(gov: Governed, **terms: object) -> UUID:
    programme_id = gov.open_programme(**terms)  # type: ignore[arg-type]
    for funder in gov.funder_ids:
        gov.commit(funder, 100_000, programme_id)
    return programme_id


def test_a_collected_basket_is_split_to_the_cent(gov: Governed) -> None:
    """10.01 EUR: the household pays floor(30 %) = 3.00, funders share 7.01 by largest
    remainder (2.34, 2.34, 2.33): the producer gets exactly 10.01 EUR."""
    third = gov.base.register_member("Fondation Lumière", MemberKind.FUNDER)
    funders = [FunderShare(gov.funder_ids[0], 3_334), FunderShare(gov.funder_ids[1], 3_333),
               FunderShare(third, 3_333)]
    programme_id = gov.open_programme(price_cents=1_001, funders=funders)
    for funder in (*gov.funder_ids, third):
        gov.commit(funder, 10_000, programme_id)
    household_id = gov.enrol(programme_id, "CCAS-0001")
    basket_id = gov.prepare(household_id, gov.basket_stock())
    basket = gov.ledger.repository.get(basket_id)
    assert isinstance(basket, Basket)
    assert basket.household_cents == 300
    assert [payment.amount_cents for payment in basket.funder_payments] == [234, 234, 233]
    producer = gov.account(AccountKind.PRODUCER, gov.base.producer_id)
    assert (producer.balance_cents, producer.credits_pending) == (0, 1_001)
    gov.collect(basket_id)
    producer = gov.account(AccountKind.PRODUCER, gov.base.producer_id)
    assert (producer.balance_cents, producer.credits_pending) == (1_001, 0)
    assert gov.account(AccountKind.HOUSEHOLD, household_id).balance_cents == -300
    assert gov.account(AccountKind.PROGRAMME_FUND, third, programme_id).balance_cents == (
        10_000 - 233)
    gov.assert_balanced()


def test_a_household_never_pays_more_than_the_cap(gov: Governed) -> None:
    """A household's own share above the cap is capped; a lower own share applies."""
    programme_id = _funded_programme(gov, price_cents=1_500, cap_bp=3_000)
    lot_id = gov.basket_stock()
    above = gov.enrol(programme_id, "CCAS-0001", share_bp=5_000)
    below = gov.enrol(programme_id, "CCAS-0002", name="Foyer Durand", share_bp=1_000)
    paid = {}
    for household_id in (above, below):
        basket = gov.ledger.repository.get(gov.prepare(household_id, lot_id))
        assert isinstance(basket, Basket)
        paid[household_id] = basket.household_cents
    assert paid == {above: 450, below: 150}


def test_a_basket_is_traced_to_its_lots(gov: Governed) -> None:
    """Making up a basket distributes its lots through the basket channel, same command."""
    programme_id = _funded_programme(gov)
    lot_id = gov.basket_stock(10_000)
    household_id = gov.enrol(programme_id, "CCAS-0001")
    basket_id = gov.prepare(household_id, lot_id, quantity_g=2_500)
    prepared = events_of_stream(gov.ledger, basket_id)[0]
    assert isinstance(prepared, Basket.Prepared)
    assert [(line.lot_id, line.quantity_g) for line in prepared.lines] == [(lot_id, 2_500)]
    distributed = [event for event in events_of_stream(gov.ledger, lot_id)
                   if isinstance(event, Lot.Distributed)]
    assert [(event.channel, event.quantity_g, event.outlet_id) for event in distributed] == [
        (Channel.BASKET, 2_500, gov.collection_point_id)]
    assert distributed[0].context.command_id == prepared.context.command_id


def test_a_basket_not_collected_voids_its_reserved_payments(gov: Governed) -> None:
    """Cancelling releases the funders' reservations; nobody pays."""
    programme_id = _funded_programme(gov)
    household_id = gov.enrol(programme_id, "CCAS-0001")
    basket_id = gov.prepare(household_id, gov.basket_stock())
    fund = gov.account(AccountKind.PROGRAMME_FUND, gov.funder_ids[0], programme_id)
    assert fund.debits_pending == 735  # 70 % of the 10.50 EUR funders pay
    gov.run(g.CancelBasket, actor_id=gov.collection_point_id, basket_id=basket_id,
            reason="pas venu", occurred_at=at(4, 12))
    fund = gov.account(AccountKind.PROGRAMME_FUND, gov.funder_ids[0], programme_id)
    assert (fund.debits_pending, fund.available_cents) == (0, 100_000)
    assert_refused(gov.ledger, gov.command(
        g.CollectBasket, actor_id=gov.collection_point_id, basket_id=basket_id,
        occurred_at=at(4, 13)), InvalidState, "it is cancelled")
    gov.assert_balanced()


def test_a_basket_its_programme_fund_cannot_cover_is_refused(gov: Governed) -> None:
    """A funder's programme fund is never overdrawn: the basket is not made up."""
    programme_id = gov.open_programme()
    gov.commit(gov.funder_ids[0], 100_000, programme_id)
    gov.commit(gov.funder_ids[1], 314, programme_id)
    household_id = gov.enrol(programme_id, "CCAS-0001")
    lot_id = gov.basket_stock()
    assert_refused(gov.ledger, gov.command(
        g.PrepareBasket, actor_id=gov.collection_point_id, household_id=household_id,
        week="2026-W10", lines=[g.BasketLineInput(lot_id, 2_000)], occurred_at=at(3)),
        BudgetExceeded, "debit of 315 cents refused")


def test_voted_basket_terms_apply_from_their_date(gov: Governed) -> None:
    """The assembly lowers the cap to 20 % from day 7: baskets of day 6 keep 30 %."""
    programme_id = _funded_programme(gov)
    decision_id = gov.adopt(SetBasketTerms(
        programme_id=programme_id, basket_price_cents=1_500, household_share_cap_bp=2_000,
        funders=[FunderShare(gov.funder_ids[0], 5_000), FunderShare(gov.funder_ids[1], 5_000)]),
        effective_from=MONDAY + timedelta(days=7))
    lot_id = gov.basket_stock()
    household_id = gov.enrol(programme_id, "CCAS-0001")
    before = events_of_stream(gov.ledger, gov.prepare(household_id, lot_id, "2026-W10",
                                                      when=at(6)))[0]
    after = events_of_stream(gov.ledger, gov.prepare(household_id, lot_id, "2026-W11",
                                                     when=at(7)))[0]
    assert isinstance(before, Basket.Prepared)
    assert isinstance(after, Basket.Prepared)
    assert (before.household_cents, before.context.decision_id) == (450, None)
    assert (after.household_cents, after.context.decision_id) == (300, decision_id)
    assert [payment.amount_cents for payment in after.funder_payments] == [600, 600]


def test_an_erased_household_still_loads_and_balances_still_sum_to_zero(
        gov: Governed) -> None:
    """Erasure destroys the household's key: its name is unreadable, history is intact."""
    programme_id = _funded_programme(gov)
    household_id = gov.enrol(programme_id, "CCAS-0042", name="Foyer Zébulon-Quintard")
    keys = gov.ledger.personal_data
    assert reveal_household(gov.ledger, keys, household_id) == PersonalData(
        name="Foyer Zébulon-Quintard", contact="06 12 34 56 78")
    basket_id = gov.prepare(household_id, gov.basket_stock())
    gov.collect(basket_id)
    before = {account_id: balance.balance_cents
              for account_id, balance in fold_balances(gov.ledger).accounts.items()}
    key = keys._select_key(household_id)
    assert key is not None
    gov.run(g.EraseHousehold, actor_id=gov.referrer_id, household_id=household_id,
            reason="demande d'effacement RGPD", occurred_at=at(10))

    assert reveal_household(gov.ledger, keys, household_id) is None
    assert not keys.has_key(household_id)
    location = gov.ledger.location
    if location is not None and location.kind == "sqlite":
        assert location.sqlite_path is not None
        for suffix in ("", "-wal"):
            stored = Path(f"{location.sqlite_path}{suffix}")
            if stored.exists():
                assert key not in stored.read_bytes(), f"the key lingers in {stored.name}"
    household = gov.ledger.repository.get(household_id)
    assert isinstance(household, Household)
    assert (household.erased, household.reference) == (True, "CCAS-0042")
    basket = gov.ledger.repository.get(basket_id)
    assert isinstance(basket, Basket)
    assert basket.status == BasketStatus.COLLECTED
    assert sum(1 for _ in iter_events(gov.ledger)) > 0, "every event still decodes"
    after = {account_id: balance.balance_cents
             for account_id, balance in fold_balances(gov.ledger).accounts.items()}
    assert after == before
    gov.assert_balanced()
    for notification in gov.ledger.recorder.select_notifications(1, 100_000):
        assert "Zébulon".encode() not in notification.state
        assert b"06 12 34" not in notification.state
    assert_refused(gov.ledger, gov.command(
        g.PrepareBasket, actor_id=gov.collection_point_id, household_id=household_id,
        week="2026-W12", lines=[g.BasketLineInput(gov.basket_stock(), 1_000)],
        occurred_at=at(14)), InvalidState, "it was erased")


def test_a_reference_is_enrolled_once_per_programme(gov: Governed) -> None:
    """The same pseudonymous reference cannot name two households of one programme."""
    programme_id = gov.open_programme()
    gov.enrol(programme_id, "CCAS-0001")
    assert_refused(gov.ledger, gov.command(
        g.EnrolHousehold, actor_id=gov.referrer_id, programme_id=programme_id,
        reference="CCAS-0001", name="Autre foyer", occurred_at=at(1)), AlreadyExists)
