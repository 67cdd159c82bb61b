"""How the stock view applies a batch of events: gathered in memory, written in bulk."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from domain.base import Event
from domain.dates import DateKind
from domain.lots import Lot
from domain.members import Member
from domain.rules import RuleBook, RuleKind
from domain.sites import Site
from projections.runner import View
from projections.view_store import IdTexts, ViewTransaction, execute_in, to_us

# Column order of a stock_lots row held in memory during a batch.
_LOT_COLUMNS = ("lot_id", "code", "product", "variety", "producer_id", "platform_id",
                "site_id", "status", "best_before", "date_kind", "bulk", "on_hand_g",
                "reserved_g", "in_transit_g", "recalled_at_us", "recalled_recorded_us")
_LOT_INDEX = {column: index for index, column in enumerate(_LOT_COLUMNS)}
_ON_HAND, _RESERVED, _IN_TRANSIT = (_LOT_INDEX[name]
                                    for name in ("on_hand_g", "reserved_g", "in_transit_g"))
_TRANSIT_COLUMNS = ("transit_key", "lot_id", "delivery_id", "outlet_id", "quantity_g",
                    "dispatched_at_us", "dispatched_recorded_us", "arrived_at_us",
                    "arrived_recorded_us")
_HOLD_COLUMNS = ("position", "lot_id", "reason", "held_by", "held_at_us", "held_recorded_us",
                 "released_at_us", "released_recorded_us", "release_reason")


class StockBatch(IdTexts):
    """What one batch changes, gathered in memory and written with a few bulk statements.

    Nothing is read back: lots created in the batch are inserted whole (later events of the
    batch change the row in memory first); existing lots get their quantity changes summed
    per lot and added in one ``UPDATE`` each, and their few attribute changes (site, status,
    date, recall) set the same way; outlet holdings are upserted with their summed change,
    and those that reach zero deleted; transit lines and holds opened in the batch are
    closed in memory, older ones by keyed updates. Handlers take ``(position, event,
    lot_id)``: the stream id becomes text once per event, other ids through a per-batch memo.
    """

    def __init__(self, view: View, transaction: ViewTransaction) -> None:
        self.view = view
        self.transaction = transaction
        self.new: dict[str, list[Any]] = {}
        self.deltas: dict[str, list[int]] = {}
        """Existing lots: summed change of on hand, reserved, in transit."""
        self.attributes: dict[str, list[Any]] = {}
        """Existing lots: platform, site, status, date, kind, recall times (None: unchanged)."""
        self.holdings: dict[tuple[str, str], int] = {}
        """Summed change of each outlet holding."""
        self.changes: list[tuple[Any, ...]] = []
        self.transit: dict[str, list[Any]] = {}
        """Transit lines dispatched in the batch, by key."""
        self.arrivals: dict[str, list[Any]] = {}
        """Older transit lines the batch closes: arrival times by key."""
        self.holds: list[list[Any]] = []
        self.open_holds: dict[str, list[Any]] = {}
        """Holds opened in the batch and still open, by lot."""
        self.releases: list[tuple[Any, ...]] = []
        """Older holds the batch releases: (times, reason, lot)."""
        self.rules: list[tuple[int, int, str, str, str]] = []
        self.sites: list[tuple[str, str, str, str, str]] = []
        self.members: list[tuple[str, str, str]] = []
        super().__init__()
        self.handlers: dict[type[Event], Callable[[int, Any, str], None]] = {
            Lot.Offered: self._offered, Lot.OfferAccepted: self._accepted,
            Lot.OfferDeclined: self._declined, Lot.Received: self._received,
            Lot.ReceptionRefused: self._refused, Lot.DonationReceived: self._donation,
            Lot.Derived: self._derived, Lot.Split: self._used, Lot.MergedInto: self._used,
            Lot.TransformedInto: self._used, Lot.Sorted: self._used,
            Lot.Reserved: self._reserved, Lot.ReservationReleased: self._released,
            Lot.Dispatched: self._dispatched, Lot.Delivered: self._delivered,
            Lot.Lost: self._lost, Lot.Distributed: self._distributed,
            Lot.Recalled: self._recalled, Lot.Held: self._held,
            Lot.HoldReleased: self._hold_released, RuleBook.RuleEnacted: self._rule,
            Site.Registered: self._site, Member.Registered: self._member,
        }

    def run(self, events: Sequence[tuple[int, Event]]) -> None:
        """Apply every event in memory, then write."""
        handlers = self.handlers
        text = self.text
        for position, event in events:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(position, event, text(event.originator_id))
        self.write()

    def write(self) -> None:
        """Write the batch's rows and changes."""
        view, transaction = self.view, self.transaction
        lots = view.table("stock_lots")
        if self.new:
            transaction.executemany(
                f"INSERT INTO {lots} ({', '.join(_LOT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_LOT_COLUMNS))})", self.new.values())
        transaction.update_many(
            lots, "lot_id", _ATTRIBUTE_COLUMNS,
            [(*values, lot_id) for lot_id, values in self.attributes.items()])
        transaction.update_many(
            lots, "lot_id", _QUANTITY_COLUMNS,
            [(*values, lot_id) for lot_id, values in self.deltas.items()], add=True)
        if self.holdings:
            holdings = view.table("stock_outlet_holdings")
            transaction.executemany(
                f"INSERT INTO {holdings} (lot_id, outlet_id, held_g) VALUES (?, ?, ?) "
                f"ON CONFLICT (lot_id, outlet_id) DO UPDATE "
                f"SET held_g = {holdings}.held_g + excluded.held_g",
                [(lot_id, outlet_id, held_g)
                 for (lot_id, outlet_id), held_g in self.holdings.items()])
            execute_in(transaction, f"DELETE FROM {holdings} WHERE held_g = 0 AND lot_id IN "
                       "({in_list})", list(dict.fromkeys(lot_id for lot_id, _ in self.holdings)))
        if self.changes:
            transaction.executemany(
                f"INSERT INTO {view.table('stock_changes')} (position, lot_id, outlet_id, "
                "on_hand_delta_g, reserved_delta_g, in_transit_delta_g, held_delta_g, "
                "occurred_at_us, recorded_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self.changes)
        self._write_transit_and_holds()
        if self.rules:
            transaction.executemany(
                f"INSERT INTO {view.table('stock_rules')} (position, sequence, effective_from, "
                "decision_id, rule) VALUES (?, ?, ?, ?, ?)", self.rules)
        if self.sites:
            transaction.executemany(
                f"INSERT INTO {view.table('stock_sites')} (site_id, name, kind, operator_id, "
                "city) VALUES (?, ?, ?, ?, ?) ON CONFLICT (site_id) DO NOTHING", self.sites)
        if self.members:
            transaction.executemany(
                f"INSERT INTO {view.table('stock_members')} (member_id, name, kind) "
                "VALUES (?, ?, ?) ON CONFLICT (member_id) DO NOTHING", self.members)

    def _write_transit_and_holds(self) -> None:
        view, transaction = self.view, self.transaction
        if self.transit:
            transaction.executemany(
                f"INSERT INTO {view.table('stock_transit')} ({', '.join(_TRANSIT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_TRANSIT_COLUMNS))})", self.transit.values())
        transaction.update_many(
            view.table("stock_transit"), "transit_key", ("arrived_at_us", "arrived_recorded_us"),
            [(*times, key) for key, times in self.arrivals.items()])
        if self.holds:
            transaction.executemany(
                f"INSERT INTO {view.table('stock_holds')} ({', '.join(_HOLD_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_HOLD_COLUMNS))})", self.holds)
        if self.releases:
            # Rare (a few holds a week): one statement each is cheap enough.
            transaction.executemany(
                f"UPDATE {view.table('stock_holds')} SET released_at_us = ?, "
                "released_recorded_us = ?, release_reason = ? "
                "WHERE lot_id = ? AND released_recorded_us IS NULL", self.releases)

    # ---------------------------------------------------------------- helpers

    def _add(self, lot_id: str, on_hand_g: int, reserved_g: int, in_transit_g: int) -> None:
        row = self.new.get(lot_id)
        if row is not None:
            row[_ON_HAND] += on_hand_g
            row[_RESERVED] += reserved_g
            row[_IN_TRANSIT] += in_transit_g
            return
        delta = self.deltas.get(lot_id)
        if delta is None:
            self.deltas[lot_id] = [on_hand_g, reserved_g, in_transit_g]
        else:
            delta[0] += on_hand_g
            delta[1] += reserved_g
            delta[2] += in_transit_g

    def _set(self, lot_id: str, **values: Any) -> None:
        row = self.new.get(lot_id)
        if row is not None:
            for column, value in values.items():
                row[_LOT_INDEX[column]] = value
            return
        attributes = self.attributes.setdefault(lot_id, [None] * len(_ATTRIBUTE_COLUMNS))
        for column, value in values.items():
            attributes[_ATTRIBUTE_INDEX[column]] = value

    def _hold(self, lot_id: str, outlet_id: str, held_g: int) -> None:
        key = (lot_id, outlet_id)
        self.holdings[key] = self.holdings.get(key, 0) + held_g

    def _change(self, position: int, event: Event, lot_id: str, outlet_id: str | None,
                on_hand_g: int, reserved_g: int, in_transit_g: int, held_g: int) -> None:
        self.changes.append((position, lot_id, outlet_id, on_hand_g, reserved_g, in_transit_g,
                             held_g, to_us(event.context.occurred_at), to_us(event.timestamp)))

    # --------------------------------------------------------------- handlers

    def _offered(self, _: int, event: Lot.Offered, lot_id: str) -> None:
        self.new[lot_id] = [
            lot_id, event.code, event.product, event.variety, self.text(event.producer_id),
            None, None, "offered", event.best_before.isoformat(), str(event.date_kind), 0,
            0, 0, 0, None, None]

    def _accepted(self, _: int, event: Lot.OfferAccepted, lot_id: str) -> None:
        self._set(lot_id, platform_id=self.text(event.platform_id),
                  site_id=self.text(event.site_id), status="accepted")

    def _declined(self, _: int, event: Lot.OfferDeclined, lot_id: str) -> None:
        self._set(lot_id, platform_id=self.text(event.platform_id), status="declined")

    def _received(self, position: int, event: Lot.Received, lot_id: str) -> None:
        corrections: dict[str, str] = {}
        if event.best_before is not None:
            corrections["best_before"] = event.best_before.isoformat()
        if event.date_kind is not None:
            corrections["date_kind"] = str(event.date_kind)
        self._set(lot_id, site_id=self.text(event.site_id), status="received", **corrections)
        self._add(lot_id, event.measured_g, 0, 0)
        self._change(position, event, lot_id, None, event.measured_g, 0, 0, 0)

    def _refused(self, _: int, event: Lot.ReceptionRefused, lot_id: str) -> None:
        self._set(lot_id, site_id=self.text(event.site_id), status="refused")

    def _donation(self, position: int, event: Lot.DonationReceived, lot_id: str) -> None:
        self.new[lot_id] = [
            lot_id, event.code, "vrac", event.description, self.text(event.donor_id),
            self.text(event.platform_id), self.text(event.site_id), "received",
            event.best_before.isoformat(), str(DateKind.NONE), 1, event.quantity_g, 0, 0,
            None, None]
        self._change(position, event, lot_id, None, event.quantity_g, 0, 0, 0)

    def _derived(self, position: int, event: Lot.Derived, lot_id: str) -> None:
        self.new[lot_id] = [
            lot_id, event.code, event.product, event.variety,
            None if event.producer_id is None else self.text(event.producer_id),
            self.text(event.platform_id), self.text(event.site_id), "received",
            event.best_before.isoformat(), str(event.date_kind), 0, event.quantity_g, 0, 0,
            None, None]
        self._change(position, event, lot_id, None, event.quantity_g, 0, 0, 0)

    def _used(self, position: int,
              event: Lot.Split | Lot.MergedInto | Lot.TransformedInto | Lot.Sorted,
              lot_id: str) -> None:
        self._add(lot_id, -event.used_g, 0, 0)
        self._change(position, event, lot_id, None, -event.used_g, 0, 0, 0)

    def _reserved(self, position: int, event: Lot.Reserved, lot_id: str) -> None:
        self._add(lot_id, 0, event.quantity_g, 0)
        self._change(position, event, lot_id, self.text(event.outlet_id), 0,
                     event.quantity_g, 0, 0)

    def _released(self, position: int, event: Lot.ReservationReleased, lot_id: str) -> None:
        self._add(lot_id, 0, -event.quantity_g, 0)
        self._change(position, event, lot_id, self.text(event.outlet_id), 0,
                     -event.quantity_g, 0, 0)

    def _dispatched(self, position: int, event: Lot.Dispatched, lot_id: str) -> None:
        outlet_id, delivery_id = self.text(event.outlet_id), self.text(event.delivery_id)
        self._add(lot_id, -event.quantity_g, -event.from_reservation_g, event.quantity_g)
        self._change(position, event, lot_id, outlet_id, -event.quantity_g,
                     -event.from_reservation_g, event.quantity_g, 0)
        key = f"{lot_id}/{delivery_id}/{outlet_id}"
        occurred_us, recorded_us = self.changes[-1][7:9]  # The times _change just converted.
        self.transit[key] = [key, lot_id, delivery_id, outlet_id, event.quantity_g,
                             occurred_us, recorded_us, None, None]

    def _delivered(self, position: int, event: Lot.Delivered, lot_id: str) -> None:
        outlet_id = self.text(event.outlet_id)
        self._add(lot_id, 0, 0, -event.dispatched_g)
        self._hold(lot_id, outlet_id, event.received_g)
        self._change(position, event, lot_id, outlet_id, 0, 0, -event.dispatched_g,
                     event.received_g)
        key = f"{lot_id}/{self.text(event.delivery_id)}/{outlet_id}"
        times = list(self.changes[-1][7:9])
        row = self.transit.get(key)
        if row is not None:
            row[7:9] = times
        else:
            self.arrivals[key] = times

    def _lost(self, position: int, event: Lot.Lost, lot_id: str) -> None:
        if event.at_outlet:
            outlet_id = self.text(event.holder_id)
            self._hold(lot_id, outlet_id, -event.quantity_g)
            self._change(position, event, lot_id, outlet_id, 0, 0, 0, -event.quantity_g)
        else:
            self._add(lot_id, -event.quantity_g, 0, 0)
            self._change(position, event, lot_id, None, -event.quantity_g, 0, 0, 0)

    def _distributed(self, position: int, event: Lot.Distributed, lot_id: str) -> None:
        outlet_id = self.text(event.outlet_id)
        self._hold(lot_id, outlet_id, -event.quantity_g)
        self._change(position, event, lot_id, outlet_id, 0, 0, 0, -event.quantity_g)

    def _recalled(self, _: int, event: Lot.Recalled, lot_id: str) -> None:
        self._set(lot_id, recalled_at_us=to_us(event.context.occurred_at),
                  recalled_recorded_us=to_us(event.timestamp))

    def _held(self, position: int, event: Lot.Held, lot_id: str) -> None:
        row = [position, lot_id, event.reason, self.text(event.context.member_id),
               to_us(event.context.occurred_at), to_us(event.timestamp), None, None, None]
        self.holds.append(row)
        self.open_holds[lot_id] = row

    def _hold_released(self, _: int, event: Lot.HoldReleased, lot_id: str) -> None:
        times = (to_us(event.context.occurred_at), to_us(event.timestamp))
        row = self.open_holds.pop(lot_id, None)
        if row is not None:
            row[6:9] = [*times, event.reason]
        else:
            self.releases.append((*times, event.reason, lot_id))

    def _rule(self, position: int, event: RuleBook.RuleEnacted, _: str) -> None:
        enactment = event.enactment
        if enactment.kind == RuleKind.STOCK_RULES:
            self.rules.append((position, enactment.sequence,
                               enactment.effective_from.isoformat(),
                               self.text(enactment.decision_id),
                               msgspec.json.encode(enactment.rule).decode()))

    def _site(self, _: int, event: Site.Registered, site_id: str) -> None:
        self.sites.append((site_id, event.name, str(event.kind), self.text(event.operator_id),
                           event.city))

    def _member(self, _: int, event: Member.Registered, member_id: str) -> None:
        self.members.append((member_id, event.name, str(event.kind)))


_QUANTITY_COLUMNS = ("on_hand_g", "reserved_g", "in_transit_g")
_ATTRIBUTE_COLUMNS = ("platform_id", "site_id", "status", "best_before", "date_kind",
                      "recalled_at_us", "recalled_recorded_us")
_ATTRIBUTE_INDEX = {column: index for index, column in enumerate(_ATTRIBUTE_COLUMNS)}
