"""AlertsView: the rules' state and the outbox of raised alerts, in the view database."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import ClassVar

from consumers.alerts.alert import Alert, AlertKind, decode_alert, encode_alert
from consumers.alerts.rules import (
    AlertRules,
    AlertState,
    DeliveryWatch,
    LotWatch,
    OutletShare,
    utc_today,
)
from domain.base import Event
from domain.deliveries import Delivery
from domain.lots import Lot
from projections.runner import View
from projections.view_store import ViewDatabase, ViewTransaction, query_in

EXPIRY_SCAN_LOTS_MAX = 1_000
"""Lots alerted per scan: the next scan takes the rest; bounds one transaction."""
OUTBOX_QUERY_MAX = 100_000  # Alerts one listing returns.

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
                  alert.lot_id, encode_alert(alert).decode(), raised_at_us,
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
        return [decode_alert(row[0]) for row in rows]

    def statuses(self) -> dict[str, str]:
        """Each alert's delivery status, by alert id."""
        return {row[0]: row[1] for row in self.database.query(
            f"SELECT alert_id, status FROM {self.table('alerts_outbox')} "
            f"LIMIT {OUTBOX_QUERY_MAX}")}
