"""The alerts consumer: who must be told, as events happen, that food needs attention.

Three rules, pure functions of a small state (:class:`AlertRules`, testable without a broker
or a database):

- **expiring**: a lot with stock (at its site or at outlets) whose best-before is within
  ``expiring_days`` of today (or past) raises one alert per holder (the platform for the
  site's stock, each outlet holding some), once per lot. Checked when a lot's event arrives
  and by a periodic scan, since time passes without events.
- **recalled**: ``lot.recalled`` (the ledger records one for the lot and one for every lot
  made from it) raises one alert per current holder of that lot (the platform for stock at
  its site, outlets holding it or with some in transit to them) and per outlet already
  served (received some, even if none is left), with the quantities.
- **discrepancy**: a delivery stop signed for with a line differing from what was
  dispatched by more than the threshold (alert to the platform that dispatched it), and a
  producer's lot weighed at reception differing from what was expected by more than the
  threshold (alert to the producer). The threshold is in basis points of the expected
  quantity (``discrepancy_bp_max``, 5 % by default), in grams (``discrepancy_g_max``, off by
  default), or both: whichever is set and exceeded raises the alert.

Every rule reads a stream's own events only: a lot's holders come from the lot's stream, a
delivery's platform from the delivery's stream. Each stream is in one partition, in order,
so the alerts do not depend on how partitions interleave.

**Events read**: ``lot.offered``, ``lot.derived``, ``lot.offer_accepted``, ``lot.received``,
``lot.split``, ``lot.merged_into``, ``lot.transformed_into``, ``lot.dispatched``,
``lot.delivered``, ``lot.lost``, ``lot.distributed``, ``lot.recalled``, ``delivery.planned``,
``delivery.stop_received`` (every stored version).

**Tables owned** (prefixed like every view): ``alerts_lots`` (per lot: code, product,
producer, platform, site, best-before, stock on hand and in total, recalled, expiry alerted),
``alerts_lot_outlets`` (per lot and outlet: held, in transit, received in total),
``alerts_deliveries`` (platform and site of each delivery) and ``alerts_outbox`` (every alert
raised, with its delivery status).

**Exactly once, then at least once.** :class:`AlertsView` is a view like the others: the
projection consumer applies each event once (see ``consumers.projection_consumer``), and the
alerts it raises are written to the outbox in the same transaction, keyed by a stable
``alert_id`` (the same fact always gets the same id). A redelivered event raises nothing new.
:class:`AlertDispatcher`, in its own thread, then claims pending alerts, writes each as one
structured log line (``event="alert"``) and, when a webhook is configured, POSTs it as JSON
(header ``Idempotency-Key: <alert_id>``) with bounded retries and timeouts, so a slow
webhook never holds the consumer's poll loop. A webhook that keeps failing is retried on
later rounds up to ``WEBHOOK_ROUNDS_MAX`` times, then the alert is marked failed and an error
logged. A crash between sending and marking sends again: receivers dedupe on ``alert_id``.

**Rebuild from zero**: like every consumer view (drop the tables, restart the consumer). A
rebuilt outbox raises every past alert again as pending: start the rebuild without a webhook
and mark them sent if receivers must not hear them twice.
"""

from __future__ import annotations

import enum
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import msgspec
import structlog

from consumers.projection_consumer import (
    ConsumerSettings,
    LagCallback,
    ProjectionConsumer,
    ProjectionHandler,
)
from domain.base import Event
from domain.deliveries import Delivery
from domain.lots import Lot
from projections.runner import View
from projections.view_store import ViewDatabase, ViewTransaction, chunked, query_in

EXPIRING_DAYS_DEFAULT = 3
"""Same window as the stock view's expiring-soon flag: a weekly round plus delivery."""
DISCREPANCY_G_MAX_DEFAULT: int | None = None
"""Off by default: a fixed number of grams is noise on a 200 kg lot and huge on a 2 kg one."""
DISCREPANCY_BP_MAX_DEFAULT: int | None = 500
"""5 %: beyond the usual weighing and handling losses of fresh vegetables."""
EXPIRY_SCAN_INTERVAL_S = 60.0
"""Best-before dates move one day at a time; a scan a minute notices a new day promptly."""
EXPIRY_SCAN_LOTS_MAX = 1_000
"""Lots alerted per scan: the next scan takes the rest; bounds one transaction."""
OUTBOX_BATCH_MAX = 100
"""Alerts claimed per dispatch round: a healthy webhook takes them in well under a second; a
dead one ends the round after one alert's attempts (see ``dispatch_pending``)."""
OUTBOX_QUERY_MAX = 100_000  # Alerts one listing returns.
CLAIM_TIMEOUT_S = 120
"""An alert claimed by a dispatcher that died is claimed again after this long."""
DISPATCH_INTERVAL_S = 1.0  # Idle dispatcher wake-up; a committed batch wakes it at once.
WEBHOOK_TIMEOUT_S = 5.0  # One POST; a receiver slower than this is treated as down.
WEBHOOK_ATTEMPTS_MAX = 3  # POSTs per alert per round, with the backoff below between them.
WEBHOOK_BACKOFF_S = 0.2
WEBHOOK_ROUNDS_MAX = 10
"""Rounds an alert is retried over (with a failing webhook, about ten minutes) before it is
marked failed and logged as an error."""

log = structlog.get_logger("cocagne.alerts")


class AlertKind(enum.StrEnum):
    """What an alert is about."""

    EXPIRING = "lot.expiring"
    RECALLED = "lot.recalled"
    DELIVERY_DISCREPANCY = "delivery.discrepancy"
    RECEPTION_DISCREPANCY = "reception.discrepancy"


class Alert(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One alert to one recipient; its JSON is the webhook's body."""

    alert_id: str
    """Stable: the same fact raises the same id (receivers dedupe on it)."""
    kind: AlertKind
    position: int
    """Notification id of the event that raised it (0 for the periodic expiry scan)."""
    recipient_id: str | None
    recipient_role: str
    """``platform``, ``outlet`` or ``producer``."""
    message: str
    lot_id: str | None = None
    code: str = ""
    product: str = ""
    site_id: str | None = None
    outlet_id: str | None = None
    delivery_id: str | None = None
    on_hand_g: int = 0
    held_g: int = 0
    in_transit_g: int = 0
    received_g: int = 0
    expected_g: int = 0
    discrepancy_g: int = 0
    best_before: str | None = None
    days_left: int | None = None
    reason: str = ""
    origin_lot_id: str | None = None


_alert_encoder = msgspec.json.Encoder()
_alert_decoder = msgspec.json.Decoder(Alert)


# ---------------------------------------------------------------------------------------------
# State and rules (pure)


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


# ---------------------------------------------------------------------------------------------
# The view: state and outbox in the view database

_LOT_COLUMNS = ("lot_id", "code", "product", "best_before", "producer_id", "platform_id",
                "site_id", "on_hand_g", "stock_g", "recalled", "expiry_alerted")
_LOT_EVENTS: tuple[type[Event], ...] = (
    Lot.Offered, Lot.Derived, Lot.OfferAccepted, Lot.Received, Lot.Split, Lot.MergedInto,
    Lot.TransformedInto, Lot.Dispatched, Lot.Delivered, Lot.Lost, Lot.Distributed,
    Lot.Recalled)


class AlertsView(View):
    """The alert rules' state and the outbox of raised alerts."""

    name: ClassVar[str] = "alerts"
    schema_version: ClassVar[int] = 1
    event_classes: ClassVar[tuple[type[Event], ...]] = (
        *_LOT_EVENTS, Delivery.Planned, Delivery.StopReceived)
    table_names: ClassVar[tuple[str, ...]] = (
        "alerts_lots", "alerts_lot_outlets", "alerts_deliveries", "alerts_outbox")

    def __init__(self, database: ViewDatabase, rules: AlertRules | None = None,
                 today: Callable[[], date] = utc_today) -> None:
        super().__init__(database)
        self.rules = rules or AlertRules()
        self.today = today

    def create_statements(self) -> list[str]:
        """Tables and indexes."""
        lots, outlets, deliveries, outbox = (self.table(name) for name in self.table_names)
        return [
            f"CREATE TABLE IF NOT EXISTS {lots} ("
            "lot_id TEXT PRIMARY KEY, code TEXT NOT NULL, product TEXT NOT NULL, "
            "best_before TEXT NOT NULL, producer_id TEXT, platform_id TEXT, site_id TEXT, "
            "on_hand_g BIGINT NOT NULL, stock_g BIGINT NOT NULL, recalled INTEGER NOT NULL, "
            "expiry_alerted INTEGER NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {lots}_expiry ON {lots} (best_before) "
            "WHERE expiry_alerted = 0 AND recalled = 0 AND stock_g > 0",
            f"CREATE TABLE IF NOT EXISTS {outlets} ("
            "lot_id TEXT NOT NULL, outlet_id TEXT NOT NULL, held_g BIGINT NOT NULL, "
            "in_transit_g BIGINT NOT NULL, received_g BIGINT NOT NULL, "
            "PRIMARY KEY (lot_id, outlet_id))",
            f"CREATE TABLE IF NOT EXISTS {deliveries} ("
            "delivery_id TEXT PRIMARY KEY, platform_id TEXT NOT NULL, "
            "from_site_id TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {outbox} ("
            "alert_id TEXT PRIMARY KEY, position BIGINT NOT NULL, kind TEXT NOT NULL, "
            "recipient_id TEXT, lot_id TEXT, payload TEXT NOT NULL, "
            "raised_at_us BIGINT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, "
            "logged INTEGER NOT NULL, claimed_at_us BIGINT)",
            f"CREATE INDEX IF NOT EXISTS {outbox}_status ON {outbox} (status, position)",
        ]

    # ------------------------------------------------------------------ apply

    def apply(self, transaction: ViewTransaction, events: Sequence[tuple[int, Event]]) -> None:
        """Load the lots and deliveries the batch touches, run the rules, write back."""
        lot_ids = list(dict.fromkeys(str(event.originator_id) for _, event in events
                                     if isinstance(event, _LOT_EVENTS)))
        delivery_ids = list(dict.fromkeys(
            str(event.originator_id) for _, event in events
            if isinstance(event, Delivery.StopReceived)))
        state = AlertState(lots=self._load_lots(transaction, lot_ids),
                           deliveries=self._load_deliveries(transaction, delivery_ids))
        alerts: list[Alert] = []
        last_position: dict[str, int] = {}
        for position, event in events:
            alerts.extend(self.rules.on_event(state, position, event))
            if isinstance(event, _LOT_EVENTS):
                last_position[str(event.originator_id)] = position
        today = self.today()
        for lot_id, position in last_position.items():
            lot = state.lots.get(lot_id)
            if lot is not None:
                alerts.extend(self.rules.expiring(lot, today, position))
        self._save(transaction, state, alerts)

    def scan_expiring(self, transaction: ViewTransaction, today: date | None = None) -> int:
        """Alert lots whose best-before window opened since their last event; how many
        alerts were raised (at most ``EXPIRY_SCAN_LOTS_MAX`` lots per scan)."""
        today = today or self.today()
        limit = date.fromordinal(today.toordinal() + self.rules.expiring_days).isoformat()
        lot_ids = [row[0] for row in transaction.query(
            f"SELECT lot_id FROM {self.table('alerts_lots')} WHERE expiry_alerted = 0 "
            f"AND recalled = 0 AND stock_g > 0 AND best_before <= ? ORDER BY best_before "
            f"LIMIT {EXPIRY_SCAN_LOTS_MAX}", (limit,))]
        if not lot_ids:
            return 0
        state = AlertState(lots=self._load_lots(transaction, lot_ids))
        alerts = [alert for lot in state.lots.values()
                  for alert in self.rules.expiring(lot, today)]
        self._save(transaction, state, alerts)
        return len(alerts)

    def _load_lots(self, transaction: ViewTransaction,
                   lot_ids: Sequence[str]) -> dict[str, LotWatch]:
        lots: dict[str, LotWatch] = {}
        for row in query_in(transaction, f"SELECT {', '.join(_LOT_COLUMNS)} FROM "
                            f"{self.table('alerts_lots')} WHERE lot_id IN ({{in_list}})",
                            lot_ids):
            lots[row[0]] = LotWatch(
                lot_id=row[0], code=row[1], product=row[2],
                best_before=date.fromisoformat(row[3]), producer_id=row[4],
                platform_id=row[5], site_id=row[6], on_hand_g=int(row[7]),
                recalled=bool(row[9]), expiry_alerted=bool(row[10]))
        for lot_id, outlet_id, held_g, in_transit_g, received_g in query_in(
                transaction, f"SELECT lot_id, outlet_id, held_g, in_transit_g, received_g "
                f"FROM {self.table('alerts_lot_outlets')} WHERE lot_id IN ({{in_list}})",
                lot_ids):
            lots[lot_id].outlets[outlet_id] = OutletShare(
                held_g=int(held_g), in_transit_g=int(in_transit_g),
                received_g=int(received_g))
        return lots

    def _load_deliveries(self, transaction: ViewTransaction,
                         delivery_ids: Sequence[str]) -> dict[str, DeliveryWatch]:
        return {row[0]: DeliveryWatch(row[1], row[2]) for row in query_in(
            transaction, f"SELECT delivery_id, platform_id, from_site_id FROM "
            f"{self.table('alerts_deliveries')} WHERE delivery_id IN ({{in_list}})",
            delivery_ids)}

    def _save(self, transaction: ViewTransaction, state: AlertState,
              alerts: Sequence[Alert]) -> None:
        lots = self.table("alerts_lots")
        if state.lots:
            updates = ", ".join(f"{column} = excluded.{column}" for column in _LOT_COLUMNS[1:])
            transaction.executemany(
                f"INSERT INTO {lots} ({', '.join(_LOT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_LOT_COLUMNS))}) "
                f"ON CONFLICT (lot_id) DO UPDATE SET {updates}",
                [(lot.lot_id, lot.code, lot.product, lot.best_before.isoformat(),
                  lot.producer_id, lot.platform_id, lot.site_id, lot.on_hand_g, lot.stock_g,
                  int(lot.recalled), int(lot.expiry_alerted)) for lot in state.lots.values()])
        shares = [(lot.lot_id, outlet_id, share.held_g, share.in_transit_g, share.received_g)
                  for lot in state.lots.values() for outlet_id, share in lot.outlets.items()]
        if shares:
            outlets = self.table("alerts_lot_outlets")
            transaction.executemany(
                f"INSERT INTO {outlets} (lot_id, outlet_id, held_g, in_transit_g, received_g) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (lot_id, outlet_id) DO UPDATE SET "
                "held_g = excluded.held_g, in_transit_g = excluded.in_transit_g, "
                "received_g = excluded.received_g", shares)
        if state.deliveries:
            transaction.executemany(
                f"INSERT INTO {self.table('alerts_deliveries')} (delivery_id, platform_id, "
                "from_site_id) VALUES (?, ?, ?) ON CONFLICT (delivery_id) DO NOTHING",
                [(delivery_id, delivery.platform_id, delivery.from_site_id)
                 for delivery_id, delivery in state.deliveries.items()])
        if alerts:
            raised_at_us = time.time_ns() // 1_000
            unique = {alert.alert_id: alert for alert in alerts}
            transaction.executemany(
                f"INSERT INTO {self.table('alerts_outbox')} (alert_id, position, kind, "
                "recipient_id, lot_id, payload, raised_at_us, status, attempts, logged, "
                "claimed_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (alert_id) DO NOTHING",
                [(alert.alert_id, alert.position, str(alert.kind), alert.recipient_id,
                  alert.lot_id, _alert_encoder.encode(alert).decode(), raised_at_us,
                  "pending", 0, 0, None) for alert in unique.values()])

    # ---------------------------------------------------------------- queries

    def alerts(self, *, kind: AlertKind | None = None,
               status: str | None = None) -> list[Alert]:
        """Alerts in the outbox, in the order they were raised."""
        clauses, params = [], []
        if kind is not None:
            clauses.append("kind = ?")
            params.append(str(kind))
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.database.query(
            f"SELECT payload FROM {self.table('alerts_outbox')}{where} "
            f"ORDER BY position, alert_id LIMIT {OUTBOX_QUERY_MAX}", params)
        return [_alert_decoder.decode(row[0]) for row in rows]

    def statuses(self) -> dict[str, str]:
        """Each alert's delivery status, by alert id."""
        return {row[0]: row[1] for row in self.database.query(
            f"SELECT alert_id, status FROM {self.table('alerts_outbox')} "
            f"LIMIT {OUTBOX_QUERY_MAX}")}


# ---------------------------------------------------------------------------------------------
# Delivery: log lines and webhook


class WebhookOutcome(enum.StrEnum):
    """How a webhook POST ended."""

    SENT = "sent"
    RETRY = "retry"
    """The receiver was down or busy (network error, timeout, 408, 429, 5xx)."""
    REFUSED = "refused"
    """The receiver refused the alert itself (another 4xx): sending again will not help."""


class WebhookSink:
    """POSTs alerts as JSON to one URL, with bounded attempts and timeouts."""

    def __init__(self, url: str, *, timeout_s: float = WEBHOOK_TIMEOUT_S,
                 attempts_max: int = WEBHOOK_ATTEMPTS_MAX,
                 backoff_s: float = WEBHOOK_BACKOFF_S) -> None:
        if urlsplit(url).scheme not in {"http", "https"}:
            raise ValueError(f"webhook URL must be http or https, not {url!r}")
        if attempts_max < 1:
            raise ValueError(f"attempts_max {attempts_max} must be at least 1")
        self.url = url
        self.timeout_s = timeout_s
        self.attempts_max = attempts_max
        self.backoff_s = backoff_s

    def send(self, alert_id: str, body: bytes) -> WebhookOutcome:
        """POST one alert; retried within this call up to ``attempts_max`` times."""
        status: int | None = None
        error = ""
        for attempt in range(1, self.attempts_max + 1):
            if attempt > 1:
                time.sleep(self.backoff_s * 2 ** (attempt - 2))
            request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__.
                self.url, data=body, method="POST",
                headers={"Content-Type": "application/json", "Idempotency-Key": alert_id,
                         "User-Agent": "cocagne-alerts"})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310 - checked scheme.
                    status = int(response.status)
            except urllib.error.HTTPError as http_error:
                status, error = http_error.code, str(http_error)
            except (urllib.error.URLError, TimeoutError, OSError) as network_error:
                status, error = None, f"{type(network_error).__name__}: {network_error}"
            if status is not None and 200 <= status < 300:
                return WebhookOutcome.SENT
            if status is not None and 400 <= status < 500 and status not in {408, 429}:
                log.error("alert.webhook_refused", alert_id=alert_id, url=self.url,
                          status=status, error=error)
                return WebhookOutcome.REFUSED
            log.warning("alert.webhook_failed", alert_id=alert_id, url=self.url,
                        attempt=attempt, status=status, error=error)
        return WebhookOutcome.RETRY


class AlertDispatcher:
    """Turns pending outbox rows into log lines and webhook POSTs, then marks them."""

    def __init__(self, view: AlertsView, sink: WebhookSink | None = None, *,
                 lock: Callable[[ViewTransaction], None] | None = None,
                 batch_max: int = OUTBOX_BATCH_MAX) -> None:
        self.view = view
        self.sink = sink
        self.lock = lock
        self.batch_max = batch_max
        self.logged_total = 0
        self.sent_total = 0
        self._wake = threading.Event()

    def wake(self) -> None:
        """Dispatch now (a batch just committed alerts)."""
        self._wake.set()

    def dispatch_pending(self, stop: threading.Event | None = None) -> int:
        """One round: claim up to ``batch_max`` alerts, log each (once) and send them; how
        many were claimed.

        After the first alert the webhook could not take, the others of the round are put
        back untried (no attempt counted): a receiver that is down costs one alert's
        attempts per round, not a round's worth of timeouts.
        """
        claimed = self._claim()
        if not claimed:
            return 0
        updates: list[tuple[str, int, str]] = []
        receiver_down = False
        for alert_id, payload, attempts_before, logged in claimed:
            if not logged:
                log.warning("alert", **alert_fields(_alert_decoder.decode(payload)))
                self.logged_total += 1
            attempts = attempts_before
            if self.sink is None:
                status = "sent"
            elif receiver_down or (stop is not None and stop.is_set()):
                status = "pending"
            else:
                attempts += 1
                status, receiver_down = self._send(alert_id, payload, attempts)
            updates.append((status, attempts, alert_id))
        with self.view.database.transaction() as transaction:
            if self.lock is not None:
                self.lock(transaction)
            transaction.executemany(
                f"UPDATE {self.view.table('alerts_outbox')} SET status = ?, attempts = ?, "
                "logged = 1, claimed_at_us = NULL WHERE alert_id = ?", updates)
        return len(claimed)

    def _send(self, alert_id: str, payload: str, attempts: int) -> tuple[str, bool]:
        """POST one alert: its new status, and whether the receiver seems down."""
        assert self.sink is not None
        outcome = self.sink.send(alert_id, payload.encode())
        down = outcome is WebhookOutcome.RETRY
        if outcome is WebhookOutcome.SENT:
            self.sent_total += 1
            return "sent", down
        if down and attempts < WEBHOOK_ROUNDS_MAX:
            return "pending", down
        log.error("alert.undelivered", alert_id=alert_id, url=self.sink.url,
                  position=_alert_decoder.decode(payload).position, attempts=attempts,
                  outcome=str(outcome))
        return "failed", down

    def _claim(self) -> list[tuple[str, str, int, bool]]:
        now_us = time.time_ns() // 1_000
        outbox = self.view.table("alerts_outbox")
        with self.view.database.transaction() as transaction:
            if self.lock is not None:
                self.lock(transaction)
            rows = transaction.query(
                f"SELECT alert_id, payload, attempts, logged FROM {outbox} "
                "WHERE status = 'pending' OR (status = 'claimed' AND claimed_at_us < ?) "
                f"ORDER BY position, alert_id LIMIT {self.batch_max}",
                (now_us - CLAIM_TIMEOUT_S * 1_000_000,))
            for chunk in chunked([row[0] for row in rows], self.batch_max):
                transaction.execute(
                    f"UPDATE {outbox} SET status = 'claimed', claimed_at_us = ? "
                    f"WHERE alert_id IN ({','.join('?' * len(chunk))})", (now_us, *chunk))
        return [(str(row[0]), str(row[1]), int(row[2]), bool(row[3])) for row in rows]

    def run(self, stop: threading.Event) -> None:
        """Dispatch until ``stop`` is set: when woken, else every ``DISPATCH_INTERVAL_S``.

        Unbounded on purpose (a service thread); each round is bounded by ``batch_max``.
        """
        while not stop.is_set():
            try:
                while self.dispatch_pending(stop) == self.batch_max and not stop.is_set():
                    pass  # A full round: more may be waiting.
            except Exception as error:  # A failing round must not end the thread.
                log.exception("alert.dispatch_failed", error=f"{type(error).__name__}: {error}")
            self._wake.wait(DISPATCH_INTERVAL_S)
            self._wake.clear()


# ---------------------------------------------------------------------------------------------
# Running


def run_alerts(settings: ConsumerSettings, view: AlertsView, stop: threading.Event, *,
               sink: WebhookSink | None = None, on_lag: LagCallback | None = None,
               scan_interval_s: float = EXPIRY_SCAN_INTERVAL_S,
               ready: Callable[[ProjectionConsumer, AlertDispatcher], None] | None = None,
               ) -> None:
    """Consume the topic into the alerts view and dispatch its alerts until ``stop``."""
    handler = ProjectionHandler(view)
    dispatcher = AlertDispatcher(view, sink, lock=handler.state.lock)

    def scan() -> None:
        raised: list[int] = []
        handler.run_in_transaction(lambda transaction: raised.append(
            view.scan_expiring(transaction)))
        if raised and raised[0]:
            dispatcher.wake()

    consumer = ProjectionConsumer(settings, handler, on_lag=on_lag,
                                  on_batch=lambda _: dispatcher.wake(), periodic=scan,
                                  periodic_interval_s=scan_interval_s)
    if ready is not None:
        ready(consumer, dispatcher)
    handler.setup()  # The dispatcher reads the outbox at once.
    dispatching = threading.Thread(target=dispatcher.run, args=(stop,), name="alerts-dispatch",
                                   daemon=True)
    dispatching.start()
    try:
        consumer.run(stop)
    finally:
        stop.set()
        dispatcher.wake()
        dispatching.join(timeout=WEBHOOK_TIMEOUT_S * WEBHOOK_ATTEMPTS_MAX + 5)


def encode_alert(alert: Alert) -> bytes:
    """An alert's JSON, as the webhook receives it."""
    return _alert_encoder.encode(alert)


def decode_alert(body: bytes | str) -> Alert:
    """An alert from its JSON."""
    return _alert_decoder.decode(body)


def alert_fields(alert: Alert) -> dict[str, Any]:
    """An alert's fields as in its JSON (empty ones left out)."""
    fields: dict[str, Any] = msgspec.to_builtins(alert)
    return fields
