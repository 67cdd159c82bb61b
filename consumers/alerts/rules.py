"""The alert rules, pure: what they keep of lots and deliveries, and the alerts events raise."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from consumers.alerts.alert import Alert, AlertKind
from domain.base import Event
from domain.deliveries import Delivery
from domain.lots import Lot

EXPIRING_DAYS_DEFAULT = 3
"""Same window as the stock view's expiring-soon flag: a weekly round plus delivery."""
DISCREPANCY_G_MAX_DEFAULT: int | None = None
"""Off by default: a fixed number of grams is noise on a 200 kg lot and huge on a 2 kg one."""
DISCREPANCY_BP_MAX_DEFAULT: int | None = 500
"""5 %: beyond the usual weighing and handling losses of fresh vegetables."""


@dataclass
class OutletShare:
    """What one outlet has of one lot."""

    held_g: int = 0
    in_transit_g: int = 0
    received_g: int = 0
    """Received in total (stays after the food was distributed: the outlet was served)."""


@dataclass
class LotWatch:
    """What the rules know of one lot."""

    lot_id: str
    code: str
    product: str
    best_before: date
    producer_id: str | None = None
    platform_id: str | None = None
    site_id: str | None = None
    on_hand_g: int = 0
    recalled: bool = False
    expiry_alerted: bool = False
    outlets: dict[str, OutletShare] = field(default_factory=dict)

    @property
    def stock_g(self) -> int:
        """On hand at the site plus held by outlets."""
        return self.on_hand_g + sum(share.held_g for share in self.outlets.values())

    def share(self, outlet_id: str) -> OutletShare:
        """The outlet's share of the lot (created empty)."""
        share = self.outlets.get(outlet_id)
        if share is None:
            share = self.outlets[outlet_id] = OutletShare()
        return share


@dataclass(frozen=True)
class DeliveryWatch:
    """Who runs a delivery."""

    platform_id: str
    from_site_id: str


@dataclass
class AlertState:
    """The part of the state a batch touches (or all of it, in tests)."""

    lots: dict[str, LotWatch] = field(default_factory=dict)
    deliveries: dict[str, DeliveryWatch] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertRules:
    """The thresholds, and the rules that turn events into alerts."""

    expiring_days: int = EXPIRING_DAYS_DEFAULT
    discrepancy_g_max: int | None = DISCREPANCY_G_MAX_DEFAULT
    """Alert a difference of more grams than this (None: no grams threshold)."""
    discrepancy_bp_max: int | None = DISCREPANCY_BP_MAX_DEFAULT
    """Alert a difference of more basis points of the expected quantity (None: none)."""

    def __post_init__(self) -> None:
        thresholds = (self.expiring_days, self.discrepancy_g_max, self.discrepancy_bp_max)
        if any(value is not None and value < 0 for value in thresholds):
            raise ValueError(f"alert thresholds must not be negative: {self}")

    def discrepancy_exceeds(self, expected_g: int, discrepancy_g: int) -> bool:
        """Whether a difference (short or over) exceeds a threshold that is set."""
        difference_g = abs(discrepancy_g)
        return ((self.discrepancy_g_max is not None and difference_g > self.discrepancy_g_max)
                or (self.discrepancy_bp_max is not None
                    and difference_g * 10_000 > self.discrepancy_bp_max * expected_g))

    def on_event(self, state: AlertState, position: int, event: Event) -> list[Alert]:
        """Update ``state`` with one event; the alerts it raises (expiry aside)."""
        if isinstance(event, Delivery.Planned):
            state.deliveries[str(event.originator_id)] = DeliveryWatch(
                str(event.platform_id), str(event.from_site_id))
            return []
        if isinstance(event, Delivery.StopReceived):
            return self._stop_received(state, position, event)
        lot_id = str(event.originator_id)
        if isinstance(event, Lot.Offered):
            state.lots[lot_id] = LotWatch(lot_id=lot_id, code=event.code, product=event.product,
                                          best_before=event.best_before,
                                          producer_id=str(event.producer_id))
            return []
        if isinstance(event, Lot.Derived):
            state.lots[lot_id] = LotWatch(
                lot_id=lot_id, code=event.code, product=event.product,
                best_before=event.best_before,
                producer_id=None if event.producer_id is None else str(event.producer_id),
                platform_id=str(event.platform_id), site_id=str(event.site_id),
                on_hand_g=event.quantity_g)
            return []
        lot = state.lots.get(lot_id)
        if lot is None:
            return []  # A lot whose creation this state never saw (cannot happen in order).
        return self._lot_event(lot, position, event)

    def _lot_event(self, lot: LotWatch, position: int, event: Event) -> list[Alert]:
        if isinstance(event, Lot.OfferAccepted):
            lot.platform_id, lot.site_id = str(event.platform_id), str(event.site_id)
        elif isinstance(event, Lot.Received):
            lot.site_id = str(event.site_id)
            lot.on_hand_g += event.measured_g
            if event.discrepancy_g and self.discrepancy_exceeds(event.expected_g,
                                                                event.discrepancy_g):
                return [self._reception_alert(lot, position, event)]
        elif isinstance(event, Lot.Split | Lot.MergedInto | Lot.TransformedInto):
            lot.on_hand_g -= event.used_g
        elif isinstance(event, Lot.Dispatched):
            lot.on_hand_g -= event.quantity_g
            lot.share(str(event.outlet_id)).in_transit_g += event.quantity_g
        elif isinstance(event, Lot.Delivered):
            share = lot.share(str(event.outlet_id))
            share.in_transit_g -= event.dispatched_g
            share.held_g += event.received_g
            share.received_g += event.received_g
        elif isinstance(event, Lot.Lost):
            if event.at_outlet:
                lot.share(str(event.holder_id)).held_g -= event.quantity_g
            else:
                lot.on_hand_g -= event.quantity_g
        elif isinstance(event, Lot.Distributed):
            lot.share(str(event.outlet_id)).held_g -= event.quantity_g
        elif isinstance(event, Lot.Recalled):
            alerts = self._recall_alerts(lot, position, event)
            lot.recalled = True
            return alerts
        return []

    def expiring(self, lot: LotWatch, today: date, position: int = 0) -> list[Alert]:
        """Alerts for a lot that entered its best-before window with stock (once per lot)."""
        days_left = (lot.best_before - today).days
        if (lot.recalled or lot.expiry_alerted or days_left > self.expiring_days
                or lot.stock_g <= 0):
            return []
        lot.expiry_alerted = True
        when = f"{-days_left} days ago" if days_left < 0 else f"in {days_left} days"
        base: dict[str, Any] = {
            "kind": AlertKind.EXPIRING, "position": position, "lot_id": lot.lot_id,
            "code": lot.code, "product": lot.product,
            "best_before": lot.best_before.isoformat(), "days_left": days_left}
        alerts = []
        if lot.on_hand_g > 0:
            alerts.append(Alert(
                alert_id=f"{AlertKind.EXPIRING}:{lot.lot_id}:{lot.platform_id}",
                recipient_id=lot.platform_id, recipient_role="platform", site_id=lot.site_id,
                on_hand_g=lot.on_hand_g,
                message=f"lot {lot.code} ({lot.product}): {lot.on_hand_g} g at your site "
                        f"reach best-before {when} ({lot.best_before}): allocate it first",
                **base))
        for outlet_id, share in sorted(lot.outlets.items()):
            if share.held_g > 0:
                alerts.append(Alert(
                    alert_id=f"{AlertKind.EXPIRING}:{lot.lot_id}:{outlet_id}",
                    recipient_id=outlet_id, recipient_role="outlet", outlet_id=outlet_id,
                    held_g=share.held_g,
                    message=f"lot {lot.code} ({lot.product}): the {share.held_g} g you hold "
                            f"reach best-before {when} ({lot.best_before}): distribute "
                            "them first", **base))
        return alerts

    def _recall_alerts(self, lot: LotWatch, position: int, event: Lot.Recalled) -> list[Alert]:
        base: dict[str, Any] = {
            "kind": AlertKind.RECALLED, "position": position, "lot_id": lot.lot_id,
            "code": lot.code, "product": lot.product, "reason": event.reason,
            "origin_lot_id": str(event.origin_lot_id)}
        alerts = []
        if lot.on_hand_g > 0:
            alerts.append(Alert(
                alert_id=f"{AlertKind.RECALLED}:{lot.lot_id}:{lot.platform_id}",
                recipient_id=lot.platform_id, recipient_role="platform", site_id=lot.site_id,
                on_hand_g=lot.on_hand_g,
                message=f"lot {lot.code} ({lot.product}) is recalled ({event.reason}): "
                        f"set aside the {lot.on_hand_g} g at your site", **base))
        for outlet_id, share in sorted(lot.outlets.items()):
            if share.held_g <= 0 and share.in_transit_g <= 0 and share.received_g <= 0:
                continue
            if share.held_g > 0 or share.in_transit_g > 0:
                what = (f"set aside the {share.held_g} g you hold"
                        + (f" and refuse the {share.in_transit_g} g on their way"
                           if share.in_transit_g > 0 else ""))
            else:
                what = (f"you received {share.received_g} g, all passed on: tell the "
                        "people you served")
            alerts.append(Alert(
                alert_id=f"{AlertKind.RECALLED}:{lot.lot_id}:{outlet_id}",
                recipient_id=outlet_id, recipient_role="outlet", outlet_id=outlet_id,
                held_g=max(share.held_g, 0), in_transit_g=max(share.in_transit_g, 0),
                received_g=share.received_g,
                message=f"lot {lot.code} ({lot.product}) is recalled ({event.reason}): {what}",
                **base))
        return alerts

    def _reception_alert(self, lot: LotWatch, position: int, event: Lot.Received) -> Alert:
        return Alert(
            alert_id=f"{AlertKind.RECEPTION_DISCREPANCY}:{lot.lot_id}",
            kind=AlertKind.RECEPTION_DISCREPANCY, position=position,
            recipient_id=lot.producer_id, recipient_role="producer", lot_id=lot.lot_id,
            code=lot.code, product=lot.product, site_id=lot.site_id,
            expected_g=event.expected_g, received_g=event.measured_g,
            discrepancy_g=event.discrepancy_g,
            message=f"lot {lot.code} ({lot.product}) weighed {event.measured_g} g at "
                    f"reception, {event.expected_g} g expected ({event.discrepancy_g:+} g)")

    def _stop_received(self, state: AlertState, position: int,
                       event: Delivery.StopReceived) -> list[Alert]:
        delivery_id = str(event.originator_id)
        delivery = state.deliveries.get(delivery_id)
        outlet_id = str(event.outlet_id)
        alerts = []
        for line in event.lines:
            if not line.discrepancy_g or not self.discrepancy_exceeds(line.dispatched_g,
                                                                      line.discrepancy_g):
                continue
            lot_id = str(line.lot_id)
            alerts.append(Alert(
                alert_id=f"{AlertKind.DELIVERY_DISCREPANCY}:{delivery_id}:{outlet_id}:{lot_id}",
                kind=AlertKind.DELIVERY_DISCREPANCY, position=position,
                recipient_id=None if delivery is None else delivery.platform_id,
                recipient_role="platform", lot_id=lot_id, outlet_id=outlet_id,
                delivery_id=delivery_id,
                site_id=None if delivery is None else delivery.from_site_id,
                expected_g=line.dispatched_g, received_g=line.received_g,
                discrepancy_g=line.discrepancy_g,
                message=f"delivery {delivery_id}: outlet {outlet_id} signed for "
                        f"{line.received_g} g of lot {lot_id}, {line.dispatched_g} g "
                        f"dispatched ({line.discrepancy_g:+} g)"))
        return alerts


def utc_today() -> date:
    """Today's date in UTC (best-before dates are compared with it)."""
    return datetime.now(tz=UTC).date()
