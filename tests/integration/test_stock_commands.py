"""Date rules, holds, cold chain and bulk donations through the ledger's commands: each
refusal has its own error with its numbers and writes nothing; a voted stock rule is applied
from its date and named on the acts. On SQLite and PostgreSQL.

Business time is explicit: December 2026, in Europe/Paris days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import msgspec

from domain import commands as c
from domain.base import Role
from domain.dates import DateKind
from domain.errors import (
    BestBeforeGraceExceeded,
    BulkNotSorted,
    InvalidState,
    LotHeld,
    QuantityMismatch,
    Recalled,
    RemainingLifeTooShort,
    RoleRequired,
    TemperatureOutOfRange,
    TemperatureRequired,
    UseByDatePassed,
)
from domain.lots import Channel, ColdChain, Lot, LotStatus, OutOfRange
from domain.members import MemberKind
from domain.stock_rules import DEFAULT_STOCK_RULES
from infra.exports.history import load_history
from infra.exports.tables import Language
from infra.exports.trace import trace_table
from infra.ledger.ledger import Ledger
from tests.builders import Territory, assert_refused, events_of_stream, found_territory
from tests.governance_support import governed_territory


def at(day: int, hour: int = 9) -> datetime:
    """A business time in December 2026."""
    return datetime(2026, 12, day, hour, tzinfo=UTC)


def chilled(territory: Territory, product: str, best_before: date, *,
            quantity_g: int = 20_000, temperature_dc: int = 30, day: int = 1) -> UUID:
    """Offer, accept and receive a chilled lot at a good temperature."""
    lot_id = territory.offer(quantity_g, product=product, best_before=best_before,
                             harvest_date=date(2026, 11, 30), occurred_at=at(day, 7))
    territory.run(c.AcceptOffer(command_id=territory.command_id("accept"),
                                actor_id=territory.platform_id, lot_id=lot_id,
                                site_id=territory.site_id, accepted_g=quantity_g,
                                occurred_at=at(day, 8)))
    territory.run(receive(territory, lot_id, quantity_g, temperature_dc=temperature_dc,
                          when=at(day, 9)))
    return lot_id


def receive(territory: Territory, lot_id: UUID, measured_g: int,
            when: datetime | None = None, **fields: object) -> c.ReceiveLot:
    """A reception command by the platform (by default at noon on the 1st, the scenario's
    "now", when the builder's offer and acceptance are dated: not before them)."""
    return c.ReceiveLot(command_id=territory.command_id("receive"),
                        actor_id=territory.platform_id, lot_id=lot_id,
                        site_id=territory.site_id, measured_g=measured_g,
                        occurred_at=when or at(1, 12), **fields)  # type: ignore[arg-type]


def reserve(territory: Territory, lot_id: UUID, quantity_g: int, when: datetime,
            actor_id: UUID | None = None) -> c.ReserveLot:
    """A reservation command for the first outlet."""
    return c.ReserveLot(command_id=territory.command_id("reserve"),
                        actor_id=actor_id or territory.platform_id, lot_id=lot_id,
                        outlet_id=territory.outlet_id, quantity_g=quantity_g, occurred_at=when)


def plan(territory: Territory, lot_id: UUID, quantity_g: int, when: datetime,
         planned_for: date) -> c.PlanDelivery:
    """A one-line delivery plan to the first outlet."""
    return c.PlanDelivery(command_id=territory.command_id("plan"),
                          actor_id=territory.platform_id, from_site_id=territory.site_id,
                          planned_for=planned_for, occurred_at=when,
                          stops=[c.PlannedStop(territory.outlet_id,
                                               [c.PlannedLine(lot_id, quantity_g)])])


def dispatch(territory: Territory, delivery_id: UUID, when: datetime) -> c.DispatchDelivery:
    """A dispatch command."""
    return c.DispatchDelivery(command_id=territory.command_id("dispatch"),
                              actor_id=territory.platform_id, delivery_id=delivery_id,
                              occurred_at=when)


# ---------------------------------------------------------------- cold chain


def test_a_chilled_reception_is_refused_without_a_choice(ledger: Ledger) -> None:
    """No temperature, or one outside the range: refused with the numbers, nothing written;
    refusing at the dock is recorded, the lot never enters stock."""
    territory = found_territory(ledger)
    lot_id = territory.offer(20_000, product="yaourt", best_before=date(2027, 1, 10))
    territory.accept(lot_id, 20_000)
    assert_refused(ledger, receive(territory, lot_id, 20_000), TemperatureRequired,
                   r"range 0,0 °C to 4,0 °C for produits frais")
    error = assert_refused(ledger, receive(territory, lot_id, 20_000, temperature_dc=95),
                           TemperatureOutOfRange, r"measured 9,5 °C, outside 0,0 °C to 4,0 °C")
    assert error.facts["temperature_dc"] == 95
    territory.run(receive(territory, lot_id, 20_000, temperature_dc=95,
                          if_out_of_range=OutOfRange.REFUSE))
    lot = territory.lot(lot_id)
    assert (lot.status, lot.on_hand_g) == (LotStatus.REFUSED, 0)
    refusal = events_of_stream(ledger, lot_id)[-1]
    assert isinstance(refusal, Lot.ReceptionRefused)
    assert (refusal.temperature_dc, refusal.temperature_min_dc,
            refusal.temperature_max_dc) == (95, 0, 40)


def test_holds_block_every_act_and_only_their_platform_lifts_them(ledger: Ledger) -> None:
    """A held lot: reserve, plan and dispatch refused with the reason; another platform may
    not touch the hold; the coordinator may; after release all goes again."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(50_000)
    delivery_id = territory.plan(lot_id, 10_000)
    territory.run(c.HoldLot(command_id=territory.command_id("hold"),
                            actor_id=territory.platform_id, lot_id=lot_id,
                            reason="analyse de résidus"))
    assert_refused(ledger, reserve(territory, lot_id, 1_000, at(7)), LotHeld,
                   r"held since .* \(analyse de résidus\)")
    assert_refused(ledger, dispatch(territory, delivery_id, at(7)), LotHeld,
                   "cannot dispatch")
    other_platform, _ = territory.add_platform()
    assert_refused(ledger, c.ReleaseHold(command_id=territory.command_id("release"),
                                         actor_id=other_platform, lot_id=lot_id, reason="x"),
                   RoleRequired, "handled by another platform")
    assert_refused(ledger, c.HoldLot(command_id=territory.command_id("hold"),
                                     actor_id=territory.platform_id, lot_id=lot_id,
                                     reason="encore"), InvalidState, "already held")
    territory.run(c.ReleaseHold(command_id=territory.command_id("release"),
                                actor_id=territory.coordinator_id, lot_id=lot_id,
                                reason="analyse conforme"))
    territory.dispatch(delivery_id)
    assert territory.lot(lot_id).on_hold is None


def test_a_recalled_lot_cannot_be_held_and_stays_blocked(ledger: Ledger) -> None:
    """The recall already holds it for good."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(10_000)
    territory.run(c.RecallLot(command_id=territory.command_id("recall"),
                              actor_id=territory.coordinator_id, lot_id=lot_id,
                              reason="rappel"))
    assert_refused(ledger, c.HoldLot(command_id=territory.command_id("hold"),
                                     actor_id=territory.platform_id, lot_id=lot_id,
                                     reason="x"), Recalled, "holds it for good")


# --------------------------------------------------------------------- dates


def test_use_by_dates_refuse_reserving_dispatching_and_distributing(ledger: Ledger) -> None:
    """A DLC of 10 December: reserved on the 7th; the dispatch on the 9th at 9:00 leaves
    38 h, refused; the 10th's distribution is fine; the 11th's is refused."""
    territory = found_territory(ledger)
    lot_id = chilled(territory, "yaourt", date(2026, 12, 10))
    assert territory.lot(lot_id).date_kind == DateKind.USE_BY
    territory.run(reserve(territory, lot_id, 10_000, at(7)))
    delivery_id = territory.run(plan(territory, lot_id, 10_000, at(7),
                                     date(2026, 12, 8))).stream_id
    error = assert_refused(ledger, dispatch(territory, delivery_id, at(9)),
                           RemainingLifeTooShort,
                           r"\(DLC 10/12/2026\) has 38 h of life left, below the 48 h minimum")
    assert error.facts["remaining_hours"] == 38
    territory.run(dispatch(territory, delivery_id, at(8, 7)))
    territory.run(c.ReceiveDelivery(command_id=territory.command_id("receipt"),
                                    actor_id=territory.outlet_id, delivery_id=delivery_id,
                                    lines=[c.ReceiptLine(lot_id, 10_000)], signer="Marie",
                                    occurred_at=at(8, 11)))
    territory.run(c.RecordDistribution(command_id=territory.command_id("distribute"),
                                       actor_id=territory.outlet_id, lot_id=lot_id,
                                       quantity_g=4_000, channel=Channel.FOOD_AID,
                                       occurred_at=at(10, 18)))
    assert_refused(ledger, c.RecordDistribution(
        command_id=territory.command_id("distribute"), actor_id=territory.outlet_id,
        lot_id=lot_id, quantity_g=1_000, channel=Channel.FOOD_AID,
        occurred_at=at(11, 8)), UseByDatePassed,
        r"past its use-by date \(DLC 10/12/2026; today 11/12/2026\)")
    assert_refused(ledger, reserve(territory, lot_id, 1_000, at(11)), UseByDatePassed,
                   "reserve refused")


def test_planning_checks_the_remaining_life_on_the_morning_of_the_day(ledger: Ledger) -> None:
    """Planned on the 7th for the 9th: a DLC of the 10th would leave with 42 h, refused."""
    territory = found_territory(ledger)
    lot_id = chilled(territory, "yaourt", date(2026, 12, 10))
    assert_refused(ledger, plan(territory, lot_id, 1_000, at(7), date(2026, 12, 9)),
                   RemainingLifeTooShort, "has 42 h of life left")
    territory.run(plan(territory, lot_id, 1_000, at(7), date(2026, 12, 8)))


def test_best_before_dates_allow_a_grace_and_flag_it(ledger: Ledger) -> None:
    """Cheese with a DDM of 2 December (7-day grace): handed out on the 6th, flagged with 4
    days; reserving on the 10th (8 days past) is refused."""
    territory = found_territory(ledger)
    lot_id = chilled(territory, "fromage", date(2026, 12, 2))
    territory.run(reserve(territory, lot_id, 5_000, at(3)))
    delivery_id = territory.run(plan(territory, lot_id, 5_000, at(3),
                                     date(2026, 12, 3))).stream_id
    territory.run(dispatch(territory, delivery_id, at(3, 10)))
    territory.run(c.ReceiveDelivery(command_id=territory.command_id("receipt"),
                                    actor_id=territory.outlet_id, delivery_id=delivery_id,
                                    lines=[c.ReceiptLine(lot_id, 5_000)], signer="Marie",
                                    occurred_at=at(3, 15)))
    territory.run(c.RecordDistribution(command_id=territory.command_id("distribute"),
                                       actor_id=territory.outlet_id, lot_id=lot_id,
                                       quantity_g=5_000, channel=Channel.FOOD_AID,
                                       occurred_at=at(6)))
    distributed = events_of_stream(ledger, lot_id)[-1]
    assert isinstance(distributed, Lot.Distributed)
    assert distributed.past_date_days == 4
    error = assert_refused(ledger, reserve(territory, lot_id, 1_000, at(10)),
                           BestBeforeGraceExceeded, "8 days ago, beyond the 7-day grace")
    assert (error.facts["past_days"], error.facts["grace_days"]) == (8, 7)


def test_a_voted_grace_applies_from_its_date_and_is_named(ledger: Ledger) -> None:
    """A decision lengthens the chilled DDM grace to 30 days from 12 March: reserving the
    cheese 20 days past its DDM is refused before, accepted after, naming the decision."""
    governed = governed_territory(ledger)
    territory = governed.base
    categories = [msgspec.structs.replace(category, ddm_grace_days=30)
                  if category.category == "frais" else category
                  for category in DEFAULT_STOCK_RULES.categories]
    decision = governed.adopt(msgspec.structs.replace(DEFAULT_STOCK_RULES,
                                                      categories=categories),
                              effective_from=date(2026, 3, 12), title="Tolérance DDM")
    lot_id = territory.offer(10_000, product="fromage", best_before=date(2026, 2, 20),
                             harvest_date=date(2026, 2, 1),
                             occurred_at=datetime(2026, 3, 2, 7, tzinfo=UTC))
    territory.run(c.AcceptOffer(command_id=territory.command_id("accept"),
                                actor_id=territory.platform_id, lot_id=lot_id,
                                site_id=territory.site_id, accepted_g=10_000,
                                occurred_at=datetime(2026, 3, 2, 8, tzinfo=UTC)))
    territory.run(c.ReceiveLot(command_id=territory.command_id("receive"),
                               actor_id=territory.platform_id, lot_id=lot_id,
                               site_id=territory.site_id, measured_g=10_000, temperature_dc=20,
                               occurred_at=datetime(2026, 3, 2, 9, tzinfo=UTC)))
    assert_refused(ledger, reserve(territory, lot_id, 1_000,
                                   datetime(2026, 3, 11, 9, tzinfo=UTC)),
                   BestBeforeGraceExceeded, "19 days ago, beyond the 7-day grace")
    territory.run(reserve(territory, lot_id, 1_000, datetime(2026, 3, 12, 9, tzinfo=UTC)))
    reserved = events_of_stream(ledger, lot_id)[-1]
    assert isinstance(reserved, Lot.Reserved)
    assert reserved.context.decision_id == decision


# ---------------------------------------------------------------------- bulk


def test_a_bulk_donation_is_sorted_into_product_lots(ledger: Ledger) -> None:
    """Received by weight from a shop; unsorted it cannot be reserved; products plus waste
    must weigh the donation; the product lots get their codes and shelf-life dates."""
    territory = found_territory(ledger)
    shop = territory.register_member("Supermarché de Thise", MemberKind.PRODUCER, roles=[])
    donation_id = territory.run(c.ReceiveDonation(
        command_id=territory.command_id("donation"), actor_id=territory.platform_id,
        site_id=territory.site_id, donor_id=shop, description="invendus fruits et légumes",
        quantity_g=30_000, code="V-0001", occurred_at=at(2, 10))).stream_id
    bulk = territory.lot(donation_id)
    assert (bulk.bulk, bulk.donor_id, bulk.on_hand_g, bulk.best_before) == (
        True, shop, 30_000, date(2026, 12, 3))
    assert_refused(ledger, reserve(territory, donation_id, 1_000, at(2)), BulkNotSorted,
                   "unsorted bulk donation")
    sort = c.SortDonation(
        command_id=territory.command_id("sort"), actor_id=territory.platform_id,
        lot_id=donation_id, waste_g=1_000, occurred_at=at(2, 15),
        outputs=[c.SortedOutput(product="Tomate", quantity_g=20_000),
                 c.SortedOutput(product="yaourt", quantity_g=8_000,
                                best_before=date(2026, 12, 9))])
    assert_refused(ledger, sort, QuantityMismatch,
                   r"products 28000 g \+ waste 1000 g = 29000 g, but bulk lot V-0001 weighs "
                   "30000 g")
    result = territory.run(msgspec.structs.replace(sort, waste_g=2_000))
    tomatoes, yoghurts = (territory.lot(lot_id) for lot_id in result.stream_ids[1:])
    assert (tomatoes.code, tomatoes.product, tomatoes.date_kind, tomatoes.best_before) == (
        "V-0001-1", "tomate", DateKind.NONE, date(2026, 12, 9))
    assert (yoghurts.code, yoghurts.date_kind, yoghurts.best_before) == (
        "V-0001-2", DateKind.USE_BY, date(2026, 12, 9))
    assert [parent.lot_id for parent in tomatoes.parents] == [donation_id]
    assert territory.lot(donation_id).on_hand_g == 0
    sorted_event = events_of_stream(ledger, donation_id)[-1]
    assert isinstance(sorted_event, Lot.Sorted)
    assert (sorted_event.used_g, sorted_event.waste_g) == (30_000, 2_000)
    # The recall spreadsheet of a sorted lot goes back to the donation and its donor.
    rows = trace_table(load_history(ledger), "V-0001-1", Language.FR).rows
    assert [row["lot_code"] for row in rows][:2] == ["V-0001", "V-0001"]
    assert "Supermarché de Thise" in str(rows[0])


def test_only_platforms_receive_and_sort_donations(ledger: Ledger) -> None:
    """A producer may not receive a donation."""
    territory = found_territory(ledger)
    assert_refused(ledger, c.ReceiveDonation(
        command_id=territory.command_id("donation"), actor_id=territory.producer_id,
        site_id=territory.site_id, donor_id=territory.producer_id, description="x",
        quantity_g=1_000), RoleRequired, "it takes the role platform")


def test_cold_chain_hold_through_the_ledger(ledger: Ledger) -> None:
    """7 °C for a 0 to 4 °C product, accepted under hold: reception says held, hold follows."""
    territory = found_territory(ledger)
    lot_id = territory.offer(20_000, product="yaourt", best_before=date(2027, 1, 10))
    territory.accept(lot_id, 20_000)
    territory.run(receive(territory, lot_id, 20_000, temperature_dc=70,
                          if_out_of_range=OutOfRange.HOLD))
    received, held = events_of_stream(ledger, lot_id)[-2:]
    assert isinstance(received, Lot.Received)
    assert isinstance(held, Lot.Held)
    assert (received.cold_chain, held.context.role) == (ColdChain.HELD, Role.PLATFORM)
    assert_refused(ledger, reserve(territory, lot_id, 1_000, at(7)), LotHeld,
                   r"chaîne du froid : 7,0 °C")
