"""Within a stream whose acts follow each other, no act is dated before the latest one.

On a live ledger (clock fixed at ``NOW``, not the scenario tests' lived mode), on SQLite and
PostgreSQL, all inside the back-dating window: a lot received before it was accepted, a
dispatch before the lot's reception, a stop received before its van left, a split or a
merge before a parent's latest act, a transfer posted before it was recorded are refused
with ``occurred_at_before_latest_act``, naming both dates, and write nothing; the same
moment is taken. A coordinator's reason lets an act go back past the window, never before
what it follows. The latest time is derived from the stored events: a ledger opened afresh
on the store refuses the same.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from domain import commands as c
from domain import governance_commands as g
from domain.errors import BusinessTimeBeforeLatestAct
from domain.lots import Channel, Lot
from domain.members import MemberKind
from domain.transfers import AccountKind, account_id
from infra.api.pages.refusals import french_message
from infra.ledger.ledger import Ledger
from infra.store import StoreLocation
from tests.builders import LIVE_NOW, WEEK, Territory, assert_refused

NOW = LIVE_NOW  # The ``live`` fixture's clock (tests/integration/conftest.py).
DAY = NOW - timedelta(days=2)  # 29 November, inside the week's window.


def at(hour: int, minute: int = 0) -> datetime:
    """A business time on ``DAY``."""
    return DAY.replace(hour=hour, minute=minute)


def stocked(territory: Territory, quantity_g: int = 50_000, received: int = 10) -> UUID:
    """A lot offered at 8:00, accepted at 9:00 and received at ``received`` o'clock."""
    lot_id = territory.offer(quantity_g, occurred_at=at(8))
    territory.accept(lot_id, quantity_g, occurred_at=at(9))
    territory.receive(lot_id, quantity_g, occurred_at=at(received))
    return lot_id


def test_a_lot_is_not_received_before_it_was_accepted(live: tuple[Ledger, Territory]) -> None:
    """Accepted at 9:00: a reception dated 8:30 is refused with both dates (in French too);
    one at 9:00 sharp is taken."""
    ledger, territory = live
    lot_id = territory.offer(50_000, occurred_at=at(8))
    territory.accept(lot_id, 50_000, occurred_at=at(9))
    code = territory.lot(lot_id).code
    error = assert_refused(ledger, c.ReceiveLot(
        command_id="early-receipt", actor_id=territory.platform_id, lot_id=lot_id,
        site_id=territory.site_id, measured_g=50_000, occurred_at=at(8, 30)),
        BusinessTimeBeforeLatestAct, f"lot {code} already has an act dated "
        r"2026-11-29T09:00:00Z")
    assert error.code == error.reason == "occurred_at_before_latest_act"
    assert error.facts == {"what": "lot", "name": code,
                           "occurred_at": at(8, 30).isoformat(),
                           "latest_at": at(9).isoformat()}
    said = french_message(error.code, error.message, error.reason, error.facts)
    assert said.startswith("L’acte est daté du 29/11/2026 09:30, avant le dernier acte déjà "
                           f"enregistré (lot {code}, le 29/11/2026 10:00)")
    territory.receive(lot_id, 50_000, occurred_at=at(9))
    assert territory.lot(lot_id).on_hand_g == 50_000


def test_a_dispatch_is_not_dated_before_the_reception_nor_a_receipt_before_the_dispatch(
        live: tuple[Ledger, Territory]) -> None:
    """The audit's case: received at 10:00, a van dated 7:00 does not leave; planned at
    10:00 and dispatched at 11:00, the outlet does not sign at 10:30."""
    ledger, territory = live
    lot_id = stocked(territory)
    delivery_id = territory.plan(lot_id, 8_000, occurred_at=at(7))
    assert_refused(ledger, c.DispatchDelivery(
        command_id="early-van", actor_id=territory.platform_id, delivery_id=delivery_id,
        occurred_at=at(7)), BusinessTimeBeforeLatestAct, r"lot\.dispatched dated "
        r"2026-11-29T07:00:00Z refused: lot")
    territory.dispatch(delivery_id, occurred_at=at(11))
    error = assert_refused(ledger, c.ReceiveDelivery(
        command_id="early-signature", actor_id=territory.outlet_id, delivery_id=delivery_id,
        lines=[c.ReceiptLine(lot_id, 8_000)], signer="Marie", occurred_at=at(10, 30)),
        BusinessTimeBeforeLatestAct, "delivery 05/11/2026 already has an act dated")
    assert error.facts["what"] == "delivery"
    territory.receive_delivery(delivery_id, lot_id, 8_000, occurred_at=at(11))
    assert territory.lot(lot_id).held_g == {territory.outlet_id: 8_000}


def test_derived_lots_are_not_dated_before_their_parents_latest_acts(
        live: tuple[Ledger, Territory]) -> None:
    """A split dated before its lot's reception, a merge dated between the receptions of
    its two lots: refused, naming the parent, no child written."""
    ledger, territory = live
    first, second = stocked(territory, received=10), stocked(territory, received=14)
    assert_refused(ledger, c.SplitLot(command_id="early-split", actor_id=territory.platform_id,
                                      lot_id=first, parts_g=[20_000, 30_000],
                                      occurred_at=at(9, 59)),
                   BusinessTimeBeforeLatestAct, r"lot\.split dated")
    second_code = territory.lot(second).code
    assert_refused(ledger, c.MergeLots(
        command_id="early-merge", actor_id=territory.platform_id,
        parents=[c.ParentPart(first, 10_000), c.ParentPart(second, 10_000)], occurred_at=at(12)),
        BusinessTimeBeforeLatestAct, f"lot {second_code} already has an act dated "
        r"2026-11-29T14:00:00Z")
    merged = ledger.execute(c.MergeLots(
        command_id="merge", actor_id=territory.platform_id,
        parents=[c.ParentPart(first, 10_000), c.ParentPart(second, 10_000)], occurred_at=at(14)))
    child = ledger.repository.get(merged.stream_id)
    assert isinstance(child, Lot)
    assert (child.on_hand_g, child.latest_occurred_at) == (20_000, at(14))


def test_a_coordinators_reason_goes_past_the_window_not_before_the_lot(
        live: tuple[Ledger, Territory]) -> None:
    """Back-dating with a reason passes the window, not the order of a lot's acts: a recall
    dated ten days back is refused because the lot was received two days ago."""
    ledger, territory = live
    lot_id = stocked(territory)
    assert_refused(ledger, c.RecallLot(
        command_id="old-recall", actor_id=territory.coordinator_id, lot_id=lot_id,
        reason="listeria", occurred_at=NOW - timedelta(days=10),
        backdating_reason="fiche papier retrouvée"), BusinessTimeBeforeLatestAct,
        r"lot\.recalled dated 2026-11-21T12:00:00Z")
    ledger.execute(c.RecallLot(command_id="recall", actor_id=territory.coordinator_id,
                               lot_id=lot_id, reason="listeria", occurred_at=at(10)))
    assert territory.lot(lot_id).recalled


def test_a_transfer_is_not_posted_before_it_was_recorded(
        live: tuple[Ledger, Territory]) -> None:
    """A pending transfer recorded at 10:00: posting it at 9:00 is refused; at 10:00, taken."""
    ledger, territory = live
    funder = territory.register_member("Fondation Mieux manger", MemberKind.FUNDER)
    ledger.execute(g.CommitBudget(command_id="budget", actor_id=funder, amount_cents=50_000,
                                  occurred_at=at(8)))
    ledger.execute(g.OpenAccount(command_id="open", kind=AccountKind.OUTLET,
                                 owner_id=territory.outlet_id,
                                 actor_id=territory.coordinator_id, occurred_at=at(8)))
    budget = account_id(AccountKind.FUNDER_BUDGET, funder)
    outlet = account_id(AccountKind.OUTLET, territory.outlet_id)
    transfer_id = ledger.execute(g.TransferFunds(
        command_id="advance", actor_id=territory.coordinator_id, debit_account_id=budget,
        credit_account_id=outlet, amount_cents=1_000, pending=True, memo="avance",
        occurred_at=at(10))).stream_id
    assert_refused(ledger, g.PostTransfer(command_id="early-post",
                                          actor_id=territory.coordinator_id,
                                          transfer_id=transfer_id, occurred_at=at(9)),
                   BusinessTimeBeforeLatestAct, f"transfer {transfer_id} already has an act")
    ledger.execute(g.PostTransfer(command_id="post", actor_id=territory.coordinator_id,
                                  transfer_id=transfer_id, occurred_at=at(10)))


def test_the_latest_act_is_derived_from_the_stored_events(
        store: StoreLocation, live: tuple[Ledger, Territory]) -> None:
    """Another ledger on the same store (nothing cached) knows the lot's latest act from its
    events and refuses the same early dispatch."""
    _, territory = live
    lot_id = stocked(territory)
    delivery_id = territory.plan(lot_id, 8_000, occurred_at=at(10))
    fresh = Ledger(store)
    fresh.lived = False
    fresh.clock = lambda: NOW
    try:
        lot = fresh.repository.get(lot_id)
        assert isinstance(lot, Lot)
        assert lot.latest_occurred_at == at(10)
        assert_refused(fresh, c.DispatchDelivery(
            command_id="early-van", actor_id=territory.platform_id, delivery_id=delivery_id,
            occurred_at=at(9)), BusinessTimeBeforeLatestAct)
    finally:
        fresh.close()


def test_each_holder_of_a_lot_follows_its_own_acts(live: tuple[Ledger, Territory]) -> None:
    """Parts of a lot at two outlets: the second outlet's loss typed after the first one's
    later handout is a late entry, taken; an outlet's handout before its own receipt, or a
    hold dated before a handout already recorded, is refused."""
    ledger, territory = live
    first, second = territory.outlet_ids[:2]
    lot_id = stocked(territory)
    for outlet in (first, second):
        territory.deliver(lot_id, 5_000, outlet_id=outlet, occurred_at=at(11))
    ledger.execute(c.RecordDistribution(command_id="first-handout", actor_id=first,
                                        lot_id=lot_id, quantity_g=2_000,
                                        channel=Channel.FOOD_AID, occurred_at=at(18)))
    ledger.execute(c.RecordLoss(command_id="second-loss", actor_id=second, lot_id=lot_id,
                                quantity_g=500, reason="abîmé", occurred_at=at(12)))
    assert_refused(ledger, c.RecordDistribution(
        command_id="early-handout", actor_id=second, lot_id=lot_id, quantity_g=1_000,
        channel=Channel.FOOD_AID, occurred_at=at(10, 30)), BusinessTimeBeforeLatestAct,
        r"lot\.distributed dated 2026-11-29T10:30:00Z")
    assert_refused(ledger, c.HoldLot(command_id="early-hold", actor_id=territory.platform_id,
                                     lot_id=lot_id, reason="analyse", occurred_at=at(17)),
                   BusinessTimeBeforeLatestAct, "2026-11-29T18:00:00Z")
    ledger.execute(c.HoldLot(command_id="hold", actor_id=territory.platform_id,
                             lot_id=lot_id, reason="analyse", occurred_at=at(18)))
    assert territory.lot(lot_id).held_g == {first: 3_000, second: 4_500}


def test_a_round_shares_only_lots_at_the_site_by_its_moment(
        live: tuple[Ledger, Territory]) -> None:
    """A round computed at 11:00 leaves out a lot received at 14:00, though the outlets need
    more than the other lot holds: reserving it when the round is confirmed would date the
    reservation before the lot's reception, and the confirmation would be refused."""
    ledger, territory = live
    early = stocked(territory, 20_000, received=10)
    late = stocked(territory, 50_000, received=14)
    round_id = ledger.execute(c.OpenRound(
        command_id=territory.command_id("open"), actor_id=territory.platform_id,
        site_id=territory.site_id, week=WEEK, occurred_at=at(10, 30))).stream_id
    for outlet_id in territory.outlet_ids:
        ledger.execute(c.DeclareNeed(
            command_id=territory.command_id("need"), actor_id=outlet_id, round_id=round_id,
            product="carrot", quantity_g=20_000, occurred_at=at(10, 45)))
    ledger.execute(c.ComputeRound(command_id=territory.command_id("compute"),
                                  actor_id=territory.platform_id, round_id=round_id,
                                  occurred_at=at(11)))
    ledger.execute(c.ConfirmRound(command_id=territory.command_id("confirm"),
                                  actor_id=territory.platform_id, round_id=round_id,
                                  occurred_at=at(11, 30)))
    reserved = {lot_id: sum(lot.reserved_g.values()) for lot_id in (early, late)
                if isinstance(lot := ledger.repository.get(lot_id), Lot)}
    assert reserved == {early: 20_000, late: 0}
