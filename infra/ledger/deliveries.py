"""Handlers for deliveries: plan a run from a site to outlets' stops, dispatch it (pricing
it when a price grid is in force), receive each stop (settling its payments), cancel it."""

from __future__ import annotations

from uuid import UUID

from domain import commands as c
from domain.base import Role
from domain.deliveries import Delivery, DeliveryLine, ReceivedLine, Stop
from domain.errors import InvalidCommand, RoleRequired
from domain.ids import uuid7
from domain.lot_graph import check_dispatch_stock, dispatch_quantities
from domain.lots import Lot
from domain.members import Member
from domain.picking import leaving_moment
from infra.ledger.actors import act, held_lot, operated_site, outlet
from infra.ledger.rules import stock_rules
from infra.ledger.settlement import price_dispatch, settle_receipt
from infra.ledger.unit_of_work import UnitOfWork


def _own_delivery(uow: UnitOfWork, delivery_id: UUID, platform: Member) -> Delivery:
    delivery = uow.get(Delivery, delivery_id, "delivery")
    if delivery.platform_id != platform.id:
        raise RoleRequired("this delivery belongs to another platform",
                           reason="delivery_of_another_platform",
                           delivery_date=delivery.planned_for.isoformat())
    return delivery


def plan_delivery(command: c.PlanDelivery, uow: UnitOfWork) -> list[UUID]:
    """Plan a run from one of the platform's sites, with its stops and lines."""
    context, platform = act(uow, command, Role.PLATFORM)
    rules, context = stock_rules(uow, context)
    operated_site(uow, command.from_site_id, platform)
    # A lot is checked as it will be when the van leaves: held, recalled or past its date
    # now, or with too little life left on the morning of the planned day, it is refused.
    leaving = leaving_moment(command.planned_for, context.occurred_at)
    stops = []
    for stop in command.stops:
        outlet(uow, stop.outlet_id)
        for line in stop.lines:
            lot = held_lot(uow, line.lot_id, platform)
            lot.check_in_stock("deliver")
            if lot.site_id != command.from_site_id:
                raise InvalidCommand(f"lot {lot.code} is not at the delivery's site",
                                     reason="lot_not_at_site", lot=lot.code)
            lot.check_dispatch(stop.outlet_id, line.quantity_g, leaving, rules)
        stops.append(Stop(stop.outlet_id, [DeliveryLine(line.lot_id, line.quantity_g)
                                           for line in stop.lines]))
    delivery = Delivery.plan(uuid7(), context, from_site_id=command.from_site_id,
                             planned_for=command.planned_for, stops=stops)
    uow.add(delivery)
    return [delivery.id]


def dispatch_delivery(command: c.DispatchDelivery, uow: UnitOfWork) -> list[UUID]:
    """The run leaves: each line's stock leaves the site, and the producers' pay is reserved."""
    context, platform = act(uow, command, Role.PLATFORM)
    rules, context = stock_rules(uow, context)
    delivery = _own_delivery(uow, command.delivery_id, platform)
    delivery.check_dispatch()
    per_lot = dispatch_quantities([(stop.outlet_id, [(line.lot_id, line.quantity_g)
                                                     for line in stop.lines])
                                   for stop in delivery.stops])
    # Check every lot first (a lot may feed several stops), then record.
    by_lot: dict[UUID, dict[UUID, int]] = {}
    for (lot_id, outlet_id), quantity_g in per_lot.items():
        by_lot.setdefault(lot_id, {})[outlet_id] = quantity_g
    for lot_id, per_outlet_g in by_lot.items():
        check_dispatch_stock(uow.get(Lot, lot_id, "lot"), per_outlet_g, context.occurred_at,
                             rules)
    delivery.dispatch(context)
    for (lot_id, outlet_id), quantity_g in per_lot.items():
        uow.get(Lot, lot_id, "lot").dispatch(context, delivery_id=delivery.id,
                                             outlet_id=outlet_id, quantity_g=quantity_g,
                                             rules=rules)
    priced = price_dispatch(uow, context, delivery)
    return list(dict.fromkeys([delivery.id, *by_lot, *priced]))


def receive_delivery(command: c.ReceiveDelivery, uow: UnitOfWork) -> list[UUID]:
    """An outlet signs for its stop: what arrived per lot, and the payments it settles."""
    context, receiver = act(uow, command, Role.OUTLET)
    delivery = uow.get(Delivery, command.delivery_id, "delivery")
    delivery.check_receive_stop(receiver.id, command.signer)
    stop = delivery.stop_for(receiver.id)
    planned = {line.lot_id: line.quantity_g for line in stop.lines}
    received = {line.lot_id: line.received_g for line in command.lines}
    unknown = set(received) - set(planned)
    if unknown:
        raise InvalidCommand(f"receipt lists lots not on this stop: "
                             f"{', '.join(sorted(map(str, unknown)))}",
                             reason="receipt_lot_not_on_stop", count=len(unknown))
    lines = []
    for lot_id, dispatched_g in planned.items():
        received_g = received.get(lot_id, 0)
        uow.get(Lot, lot_id, "lot").check_delivery(delivery.id, receiver.id, received_g)
        lines.append(ReceivedLine(lot_id, dispatched_g, received_g, received_g - dispatched_g))
    delivery.receive_stop(context, outlet_id=receiver.id, lines=lines, signer=command.signer)
    for line in lines:
        uow.get(Lot, line.lot_id, "lot").deliver(context, delivery_id=delivery.id,
                                                 outlet_id=receiver.id,
                                                 received_g=line.received_g)
    settled = settle_receipt(uow, context, delivery.id, received)
    return list(dict.fromkeys([delivery.id, *planned, *settled]))


def cancel_delivery(command: c.CancelDelivery, uow: UnitOfWork) -> list[UUID]:
    """Cancel a planned run, with the reason."""
    context, platform = act(uow, command, Role.PLATFORM)
    delivery = _own_delivery(uow, command.delivery_id, platform)
    delivery.cancel(context, reason=command.reason)
    return [delivery.id]
