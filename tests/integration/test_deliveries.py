"""Deliveries: a platform plans a run from its site, dispatches it (stock leaves, reservations
first), each outlet signs for its stop (shortfalls recorded as discrepancies), or the run is
cancelled before leaving. Each command's success and refusals, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from uuid import UUID

from domain import commands as c
from domain.deliveries import Delivery, DeliveryStatus, ReceivedLine
from domain.errors import (
    InsufficientStock,
    InvalidCommand,
    InvalidState,
    NotFound,
    Recalled,
    RoleRequired,
)
from domain.lots import Lot
from domain.members import MemberKind
from infra.ledger.ledger import Ledger
from tests.builders import (
    PLANNED_FOR,
    Territory,
    assert_refused,
    events_of_stream,
    found_territory,
)

UNKNOWN_ID = UUID("00000000-0000-7000-8000-000000000004")


def plan_command(territory: Territory, *stops: tuple[UUID, list[tuple[UUID, int]]],
                 site_id: UUID | None = None,
                 actor_id: UUID | None = None) -> c.PlanDelivery:
    """A delivery plan from (outlet, [(lot, grams)]) stops."""
    return c.PlanDelivery(
        command_id=territory.command_id("plan"), actor_id=actor_id or territory.platform_id,
        from_site_id=site_id or territory.site_id, planned_for=PLANNED_FOR,
        stops=[c.PlannedStop(outlet_id, [c.PlannedLine(lot_id, grams) for lot_id, grams in lines])
               for outlet_id, lines in stops])


def dispatch_command(territory: Territory, delivery_id: UUID,
                     actor_id: UUID | None = None) -> c.DispatchDelivery:
    """The platform's dispatch of a delivery."""
    return c.DispatchDelivery(command_id=territory.command_id("dispatch"),
                              actor_id=actor_id or territory.platform_id,
                              delivery_id=delivery_id)


def receipt_command(territory: Territory, delivery_id: UUID, outlet_id: UUID,
                    *lines: tuple[UUID, int], signer: str = "Paul") -> c.ReceiveDelivery:
    """An outlet's receipt of its stop."""
    return c.ReceiveDelivery(command_id=territory.command_id("receipt"), actor_id=outlet_id,
                             delivery_id=delivery_id, signer=signer,
                             lines=[c.ReceiptLine(lot_id, grams) for lot_id, grams in lines])


# -------------------------------------------------------------------- plan


def test_plan_records_stops_without_moving_stock(ledger: Ledger) -> None:
    """A plan lists stops and lines; the stock stays on hand until dispatch."""
    territory = found_territory(ledger)
    carrots, leeks = territory.stocked_lot(50_000), territory.stocked_lot(20_000, "Leek")
    first, second = territory.outlet_ids
    delivery_id = ledger.execute(plan_command(
        territory, (first, [(carrots, 20_000), (leeks, 5_000)]),
        (second, [(carrots, 10_000)]))).stream_id
    delivery = territory.delivery(delivery_id)
    assert (delivery.status, delivery.platform_id, delivery.from_site_id,
            delivery.planned_for) == (DeliveryStatus.PLANNED, territory.platform_id,
                                      territory.site_id, PLANNED_FOR)
    assert [stop.outlet_id for stop in delivery.stops] == [first, second]
    assert territory.lot(carrots).on_hand_g == 50_000


def test_plan_delivery_refusals(ledger: Ledger) -> None:
    """Plans take received, unrecalled lots of one's own site, within stock, to outlets."""
    territory = found_territory(ledger)
    other_platform_id, other_site_id = territory.add_platform()
    annex_id = territory.register_site("Annexe", territory.platform_id)
    lot_id = territory.stocked_lot(50_000)
    territory.reserve(lot_id, 30_000, territory.outlet_ids[1])
    accepted_id = territory.offer()
    territory.accept(accepted_id, 100_000)
    offered_id = territory.offer()
    elsewhere_id = territory.stocked_lot(10_000, site_id=annex_id)
    recalled_id = territory.stocked_lot(10_000)
    ledger.execute(c.RecallLot(command_id="recall", actor_id=territory.coordinator_id,
                               lot_id=recalled_id, reason="listeria"))
    funder_id = territory.register_member("Fondation", MemberKind.FUNDER)
    outlet, other_outlet = territory.outlet_ids

    def plan(*lines: tuple[UUID, int], outlet_id: UUID = outlet,
             **options: UUID) -> c.PlanDelivery:
        return plan_command(territory, (outlet_id, list(lines)), **options)

    # A lot that was never received cannot be delivered.
    assert_refused(ledger, plan((accepted_id, 1_000)), InvalidState,
                   "cannot deliver lot .*: it has not been received \\(it is accepted\\)")
    assert_refused(ledger, plan((offered_id, 1_000)), InvalidState, "it is offered")
    assert_refused(ledger, plan((elsewhere_id, 1_000)), InvalidCommand,
                   "is not at the delivery's site")
    assert_refused(ledger, plan((recalled_id, 1_000)), Recalled, "it is recalled")
    # 30 kg are reserved for the other outlet: 20 kg remain for this one.
    assert_refused(ledger, plan((lot_id, 20_001)), InsufficientStock,
                   "dispatch 20001 g refused: lot .* has 0 g reserved for this outlet and "
                   "20000 g available")
    assert_refused(ledger, plan((lot_id, 0)), InvalidCommand, "dispatched quantity")
    assert_refused(ledger, plan((lot_id, 1_000), (lot_id, 2_000)), InvalidCommand,
                   "lot listed twice")
    assert_refused(ledger, plan_command(territory, (outlet, [(lot_id, 1_000)]),
                                        (outlet, [(lot_id, 1_000)])),
                   InvalidCommand, "each outlet appears at most once")
    assert_refused(ledger, plan_command(territory), InvalidCommand, "1 to 50 stops, got 0")
    assert_refused(ledger, plan(outlet_id=other_outlet), InvalidCommand, "each stop has 1 to")
    assert_refused(ledger, plan((lot_id, 1_000), outlet_id=funder_id), InvalidCommand,
                   "is not an outlet")
    assert_refused(ledger, plan((lot_id, 1_000), site_id=other_site_id), RoleRequired,
                   "is not operated by")
    assert_refused(ledger, plan((lot_id, 1_000), actor_id=other_platform_id,
                                site_id=other_site_id),
                   RoleRequired, "handled by another platform")
    assert_refused(ledger, plan((lot_id, 1_000), actor_id=outlet), RoleRequired,
                   "takes the role platform")
    assert_refused(ledger, plan((UNKNOWN_ID, 1_000)), NotFound, "lot")


# ---------------------------------------------------------------- dispatch


def test_dispatch_takes_reserved_stock_first_then_available(ledger: Ledger) -> None:
    """Dispatching 30 kg to an outlet with 20 kg reserved uses the reservation, then 10 kg."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(100_000)
    first, second = territory.outlet_ids
    territory.reserve(lot_id, 20_000, first)
    territory.reserve(lot_id, 15_000, second)
    delivery_id = territory.plan(lot_id, 30_000, first)
    result = territory.dispatch(delivery_id)
    assert result.stream_ids == [delivery_id, lot_id]
    lot = territory.lot(lot_id)
    assert (lot.on_hand_g, lot.reserved_g, lot.available_g) == (70_000, {second: 15_000}, 55_000)
    assert lot.in_transit_g == {(delivery_id, first): 30_000}
    dispatched = events_of_stream(ledger, lot_id)[-1]
    assert isinstance(dispatched, Lot.Dispatched)
    assert (dispatched.quantity_g, dispatched.from_reservation_g) == (30_000, 20_000)
    assert territory.delivery(delivery_id).status == DeliveryStatus.DISPATCHED


def test_dispatch_delivery_refusals(ledger: Ledger) -> None:
    """Dispatch needs one's own planned delivery whose stock is still there and not recalled."""
    territory = found_territory(ledger)
    other_platform_id, _ = territory.add_platform()
    first, second = territory.outlet_ids
    lot_id = territory.stocked_lot(50_000)
    planned_id = territory.plan(lot_id, 40_000)
    # Each stop fits the stock alone, the two together do not.
    both_id = ledger.execute(plan_command(territory, (first, [(lot_id, 30_000)]),
                                          (second, [(lot_id, 30_000)]))).stream_id
    assert_refused(ledger, dispatch_command(territory, both_id), InsufficientStock,
                   "the delivery takes 60000 g of lot .*, beyond its reservations and "
                   "50000 g available")
    assert_refused(ledger, dispatch_command(territory, planned_id, other_platform_id),
                   RoleRequired, "belongs to another platform")
    assert_refused(ledger, dispatch_command(territory, planned_id, first), RoleRequired,
                   "takes the role platform")
    assert_refused(ledger, dispatch_command(territory, UNKNOWN_ID), NotFound, "delivery")
    # Stock lost since planning: the planned quantity is no longer there.
    ledger.execute(c.RecordLoss(command_id="loss", actor_id=territory.platform_id,
                                lot_id=lot_id, quantity_g=15_000, reason="gel"))
    assert_refused(ledger, dispatch_command(territory, planned_id), InsufficientStock,
                   "dispatch 40000 g refused: lot .* has 0 g reserved for this outlet and "
                   "35000 g available")
    small_id = territory.plan(lot_id, 35_000)
    territory.dispatch(small_id)
    assert_refused(ledger, dispatch_command(territory, small_id), InvalidState,
                   "is dispatched: only a planned delivery can be dispatched")


def test_dispatch_of_a_lot_recalled_after_planning_is_refused(ledger: Ledger) -> None:
    """A recall between plan and dispatch stops the van: nothing leaves."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(50_000)
    delivery_id = territory.plan(lot_id, 10_000)
    ledger.execute(c.RecallLot(command_id="recall", actor_id=territory.producer_id,
                               lot_id=lot_id, reason="résidus"))
    assert_refused(ledger, dispatch_command(territory, delivery_id), Recalled,
                   "cannot dispatch lot .*: it is recalled")
    assert territory.lot(lot_id).on_hand_g == 50_000


# ----------------------------------------------------------------- receipt


def test_receipt_puts_the_received_grams_in_the_outlet_s_hands(ledger: Ledger) -> None:
    """Each outlet signs for its stop; shortfalls are discrepancies; the last stop completes."""
    territory = found_territory(ledger)
    carrots, leeks = territory.stocked_lot(50_000), territory.stocked_lot(20_000, "Leek")
    first, second = territory.outlet_ids
    delivery_id = ledger.execute(plan_command(
        territory, (first, [(carrots, 20_000), (leeks, 5_000)]),
        (second, [(carrots, 10_000)]))).stream_id
    territory.dispatch(delivery_id)
    # The first outlet lists only the carrots: the leeks did not arrive at all.
    result = ledger.execute(receipt_command(territory, delivery_id, first, (carrots, 19_500),
                                            signer="  Awa, salariée  "))
    assert result.stream_ids == [delivery_id, carrots, leeks]
    assert territory.delivery(delivery_id).status == DeliveryStatus.DISPATCHED
    stop = events_of_stream(ledger, delivery_id)[-1]
    assert isinstance(stop, Delivery.StopReceived)
    assert stop.signer == "Awa, salariée"
    assert stop.lines == [ReceivedLine(carrots, 20_000, 19_500, -500),
                          ReceivedLine(leeks, 5_000, 0, -5_000)]
    ledger.execute(receipt_command(territory, delivery_id, second, (carrots, 10_000)))
    assert territory.delivery(delivery_id).status == DeliveryStatus.COMPLETED
    carrot_lot = territory.lot(carrots)
    assert carrot_lot.held_g == {first: 19_500, second: 10_000}
    assert (carrot_lot.in_transit_g, carrot_lot.on_hand_g) == ({}, 20_000)
    assert territory.lot(leeks).held_g == {}
    delivered = [event for event in events_of_stream(ledger, carrots)
                 if isinstance(event, Lot.Delivered)]
    assert [(event.dispatched_g, event.received_g, event.discrepancy_g)
            for event in delivered] == [(20_000, 19_500, -500), (10_000, 10_000, 0)]


def test_receive_delivery_refusals(ledger: Ledger) -> None:
    """Outlets sign for their own dispatched stop, once, never for more than was sent."""
    territory = found_territory(ledger)
    first, second = territory.outlet_ids
    third = territory.register_member("CCAS de Dole", MemberKind.OUTLET)
    lot_id = territory.stocked_lot(50_000)
    other_lot = territory.stocked_lot(5_000)
    planned_id = territory.plan(lot_id, 10_000)
    delivery_id = territory.plan(lot_id, 20_000)
    territory.dispatch(delivery_id)

    def receipt(*lines: tuple[UUID, int], delivery: UUID = delivery_id, outlet: UUID = first,
                signer: str = "Paul") -> c.ReceiveDelivery:
        return receipt_command(territory, delivery, outlet, *lines, signer=signer)

    assert_refused(ledger, receipt((lot_id, 20_001)), InvalidCommand,
                   "receipt of 20001 g refused: only 20000 g of lot .* were dispatched")
    assert_refused(ledger, receipt((lot_id, 10_000), delivery=planned_id), InvalidState,
                   "is planned: it must be dispatched before a stop is received")
    assert_refused(ledger, receipt((lot_id, 20_000), outlet=third), InvalidCommand,
                   "is not a stop of delivery")
    assert_refused(ledger, receipt((lot_id, 20_000), (other_lot, 1_000)), InvalidCommand,
                   "receipt lists lots not on this stop")
    assert_refused(ledger, receipt((lot_id, 20_000), signer=" "), InvalidCommand,
                   "needs the name of who signed")
    assert_refused(ledger, receipt((lot_id, 20_000), outlet=territory.platform_id),
                   RoleRequired, "takes the role outlet")
    assert_refused(ledger, receipt((lot_id, 20_000), delivery=UNKNOWN_ID), NotFound,
                   "delivery")
    ledger.execute(receipt((lot_id, 20_000)))
    assert_refused(ledger, receipt((lot_id, 20_000)), InvalidState,
                   "already received its stop")
    del second


# ------------------------------------------------------------------ cancel


def test_cancel_calls_off_a_planned_delivery(ledger: Ledger) -> None:
    """A cancelled delivery records why and can no longer be dispatched."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(50_000)
    delivery_id = territory.plan(lot_id, 10_000)
    ledger.execute(c.CancelDelivery(command_id="cancel", actor_id=territory.platform_id,
                                    delivery_id=delivery_id, reason=" camion en panne "))
    cancelled = events_of_stream(ledger, delivery_id)[-1]
    assert isinstance(cancelled, Delivery.Cancelled)
    assert cancelled.reason == "camion en panne"
    assert territory.delivery(delivery_id).status == DeliveryStatus.CANCELLED
    assert_refused(ledger, dispatch_command(territory, delivery_id), InvalidState,
                   "is cancelled: only a planned delivery can be dispatched")


def test_cancel_delivery_refusals(ledger: Ledger) -> None:
    """Only one's own planned delivery can be cancelled, and only with a reason."""
    territory = found_territory(ledger)
    other_platform_id, _ = territory.add_platform()
    lot_id = territory.stocked_lot(50_000)
    planned_id = territory.plan(lot_id, 10_000)
    dispatched_id = territory.plan(lot_id, 10_000)
    territory.dispatch(dispatched_id)

    def cancel(delivery_id: UUID = planned_id, reason: str = "grève",
               actor_id: UUID = territory.platform_id) -> c.CancelDelivery:
        return c.CancelDelivery(command_id=territory.command_id("cancel"), actor_id=actor_id,
                                delivery_id=delivery_id, reason=reason)

    assert_refused(ledger, cancel(dispatched_id), InvalidState,
                   "is dispatched: only a planned delivery can be cancelled")
    assert_refused(ledger, cancel(reason=""), InvalidCommand, "must say why")
    assert_refused(ledger, cancel(actor_id=other_platform_id), RoleRequired,
                   "belongs to another platform")
    assert_refused(ledger, cancel(actor_id=territory.outlet_id), RoleRequired,
                   "takes the role platform")
    assert_refused(ledger, cancel(UNKNOWN_ID), NotFound, "delivery")
