"""Delivery stream: a run from a site to outlets, stop by stop.

Planned with its stops and lot lines, dispatched (every line leaves the site at once),
received stop by stop (quantities, discrepancies, who signed), or cancelled before leaving.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import ClassVar
from uuid import UUID

import msgspec

from domain.base import Aggregate, Context, Created, Event
from domain.dates import french_date
from domain.errors import InvalidCommand, InvalidState

STOPS_MAX = 50  # A van's day: more stops than this is a planning error.
LINES_MAX = 200  # Lot lines per stop.


class DeliveryStatus(enum.StrEnum):
    """Where a delivery is."""

    PLANNED = "planned"
    DISPATCHED = "dispatched"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class DeliveryLine(msgspec.Struct, frozen=True):
    """So many grams of a lot for one stop."""

    lot_id: UUID
    quantity_g: int


class Stop(msgspec.Struct, frozen=True):
    """An outlet on the route and what it gets."""

    outlet_id: UUID
    lines: list[DeliveryLine]


class ReceivedLine(msgspec.Struct, frozen=True):
    """What an outlet signed for, per lot."""

    lot_id: UUID
    dispatched_g: int
    received_g: int
    discrepancy_g: int


class Delivery(Aggregate):
    """A delivery run."""

    platform_id: UUID
    from_site_id: UUID
    planned_for: date
    stops: list[Stop]
    status: DeliveryStatus
    received_outlets: set[UUID]

    ORDERED_IN_BUSINESS_TIME: ClassVar[bool] = True
    """Planned, then dispatched, then received stop by stop (or cancelled): never dated
    before the delivery's latest act (``business_time.check_act_order``)."""

    def business_time_label(self) -> tuple[str, str]:
        """The delivery by its planned day, in a refusal of an act dated too early."""
        return "delivery", french_date(self.planned_for)

    class Planned(Created, frozen=True, kw_only=True):
        """A platform planned a delivery run."""

        TOPIC: ClassVar[str] = "delivery.planned"
        platform_id: UUID
        from_site_id: UUID
        planned_for: date
        stops: list[Stop]

        def apply(self, delivery: Delivery) -> None:
            delivery.platform_id = self.platform_id
            delivery.from_site_id = self.from_site_id
            delivery.planned_for = self.planned_for
            delivery.stops = list(self.stops)
            delivery.status = DeliveryStatus.PLANNED
            delivery.received_outlets = set()

    class Dispatched(Event, frozen=True, kw_only=True):
        """The van left with every line on board."""

        TOPIC: ClassVar[str] = "delivery.dispatched"

        def apply(self, delivery: Delivery) -> None:
            delivery.status = DeliveryStatus.DISPATCHED

    class StopReceived(Event, frozen=True, kw_only=True):
        """An outlet received its part of the delivery."""

        TOPIC: ClassVar[str] = "delivery.stop_received"
        outlet_id: UUID
        lines: list[ReceivedLine]
        signer: str
        """Name or role of whoever signed for the outlet (staff, not a household)."""

        def apply(self, delivery: Delivery) -> None:
            delivery.received_outlets.add(self.outlet_id)
            if len(delivery.received_outlets) == len(delivery.stops):
                delivery.status = DeliveryStatus.COMPLETED

    class Cancelled(Event, frozen=True, kw_only=True):
        """The delivery was called off before leaving."""

        TOPIC: ClassVar[str] = "delivery.cancelled"
        reason: str

        def apply(self, delivery: Delivery) -> None:
            delivery.status = DeliveryStatus.CANCELLED

    @classmethod
    def plan(cls, delivery_id: UUID, context: Context, *, from_site_id: UUID,
             planned_for: date, stops: list[Stop]) -> Delivery:
        """Plan a run (callers check the lots are in stock at the site)."""
        if not 1 <= len(stops) <= STOPS_MAX:
            raise InvalidCommand(f"a delivery has 1 to {STOPS_MAX} stops, got {len(stops)}",
                                 reason="stops_count", count=len(stops), maximum=STOPS_MAX)
        outlets = [stop.outlet_id for stop in stops]
        if len(set(outlets)) != len(outlets):
            raise InvalidCommand("each outlet appears at most once among a delivery's stops",
                                 reason="outlet_stop_twice")
        for stop in stops:
            if not 1 <= len(stop.lines) <= LINES_MAX:
                raise InvalidCommand(f"each stop has 1 to {LINES_MAX} lines",
                                     reason="stop_lines_count", count=len(stop.lines),
                                     maximum=LINES_MAX, outlet_id=str(stop.outlet_id))
            lots = [line.lot_id for line in stop.lines]
            if len(set(lots)) != len(lots):
                raise InvalidCommand(f"lot listed twice for outlet {stop.outlet_id}",
                                     reason="lot_listed_twice", outlet_id=str(stop.outlet_id))
            for line in stop.lines:
                if line.quantity_g <= 0:
                    raise InvalidCommand(f"line for lot {line.lot_id} must be > 0 g",
                                         reason="line_not_positive",
                                         quantity_g=line.quantity_g, lot_id=str(line.lot_id))
        return cls._create(cls.Planned, delivery_id, context=context,
                           platform_id=context.member_id, from_site_id=from_site_id,
                           planned_for=planned_for, stops=stops)

    def stop_for(self, outlet_id: UUID) -> Stop:
        """The stop of an outlet on this delivery."""
        for stop in self.stops:
            if stop.outlet_id == outlet_id:
                return stop
        raise InvalidCommand(f"outlet {outlet_id} is not a stop of delivery {self.id}",
                             reason="not_a_stop", outlet_id=str(outlet_id),
                             delivery_date=self.planned_for.isoformat())

    def check_dispatch(self) -> None:
        """Refuse unless the delivery is planned (checked before its lots are)."""
        if self.status != DeliveryStatus.PLANNED:
            raise InvalidState(f"delivery {self.id} is {self.status}: only a planned delivery "
                               "can be dispatched", reason="delivery_not_planned",
                               act="dispatch", status=str(self.status),
                               delivery_date=self.planned_for.isoformat())

    def dispatch(self, context: Context) -> None:
        """The van leaves (callers dispatch each lot line in the same save)."""
        self.check_dispatch()
        self._trigger(self.Dispatched, context=context)

    def check_receive_stop(self, outlet_id: UUID, signer: str) -> None:
        """Refuse unless the delivery is on its way and the outlet has not signed yet.

        Checked before the lots are, so the refusal names the delivery's state.
        """
        if outlet_id in self.received_outlets:
            raise InvalidState(f"outlet {outlet_id} already received its stop",
                               reason="stop_already_received", outlet_id=str(outlet_id),
                               delivery_date=self.planned_for.isoformat())
        if self.status != DeliveryStatus.DISPATCHED:
            raise InvalidState(f"delivery {self.id} is {self.status}: it must be dispatched "
                               "before a stop is received", reason="delivery_not_dispatched",
                               status=str(self.status),
                               delivery_date=self.planned_for.isoformat())
        if not signer.strip():
            raise InvalidCommand("a receipt needs the name of who signed",
                                 reason="signer_missing")

    def receive_stop(self, context: Context, *, outlet_id: UUID, lines: list[ReceivedLine],
                     signer: str) -> None:
        """An outlet signs for its stop (callers deliver each lot in the same save)."""
        self.check_receive_stop(outlet_id, signer)
        self._trigger(self.StopReceived, context=context, outlet_id=outlet_id, lines=lines,
                      signer=signer.strip())

    def cancel(self, context: Context, *, reason: str) -> None:
        """Call the delivery off before it leaves."""
        if self.status != DeliveryStatus.PLANNED:
            raise InvalidState(f"delivery {self.id} is {self.status}: only a planned delivery "
                               "can be cancelled", reason="delivery_not_planned",
                               act="cancel", status=str(self.status),
                               delivery_date=self.planned_for.isoformat())
        if not reason.strip():
            raise InvalidCommand("a cancellation must say why", reason="reason_missing",
                                 act="cancel_delivery")
        self._trigger(self.Cancelled, context=context, reason=reason.strip())


Delivery.Planned.AGGREGATE = Delivery
