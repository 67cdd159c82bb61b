"""How the trace view applies a batch of events: rows built in memory, written in bulk."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from domain.base import Event
from domain.lots import Lot
from domain.members import Member
from domain.sites import Site
from projections.runner import View
from projections.trace_records import DONATION, HARVEST
from projections.view_store import IdTexts, ViewTransaction, query_in, to_us

_LOT_COLUMNS = ("lot_id", "code", "product", "variety", "process", "producer_id", "origin",
                "harvest_date", "best_before", "organic_certificate", "quantity_g",
                "platform_id", "site_id", "created_position", "created_at_us",
                "created_recorded_us", "recalled_at_us", "recalled_recorded_us",
                "recall_reason", "recall_origin_id")
_MOVEMENT_COLUMNS = ("position", "lot_id", "kind", "site_id", "holder_id", "actor_id",
                     "quantity_g", "site_delta_g", "holder_delta_g", "transit_delta_g",
                     "discrepancy_g", "channel", "delivery_id", "transformation_id", "reason",
                     "occurred_at_us", "recorded_at_us")


class TraceBatch(IdTexts):
    """The rows one batch writes, built in memory and written with ``executemany``.

    Handlers take ``(position, event, lot_id)``; ids become text once per batch (a memo),
    since ``str(UUID)`` is a measurable share of a rebuild.
    """

    def __init__(self, view: View, transaction: ViewTransaction) -> None:
        self.view = view
        self.transaction = transaction
        self.new_lots: dict[str, list[Any]] = {}
        self.attributes: dict[str, list[Any]] = {}
        """Lots created by earlier batches: platform, site and recall columns to set."""
        self.edges: list[tuple[Any, ...]] = []
        self.movements: list[tuple[Any, ...]] = []
        self.parties: list[tuple[str, str, str, str]] = []
        self.sites: dict[str, str | None] = {}
        super().__init__()
        self.handlers: dict[type[Event], Callable[[int, Any, str], None]] = {
            Lot.Offered: self._offered, Lot.OfferAccepted: self._accepted,
            Lot.OfferDeclined: self._declined, Lot.Received: self._received,
            Lot.ReceptionRefused: self._refused, Lot.DonationReceived: self._donated,
            Lot.Derived: self._derived, Lot.Split: self._split,
            Lot.MergedInto: self._merged, Lot.TransformedInto: self._transformed,
            Lot.Sorted: self._sorted, Lot.Held: self._held, Lot.HoldReleased: self._unheld,
            Lot.Reserved: self._reserved, Lot.ReservationReleased: self._released,
            Lot.Dispatched: self._dispatched, Lot.Delivered: self._delivered,
            Lot.Lost: self._lost, Lot.Distributed: self._distributed,
            Lot.Recalled: self._recalled, Site.Registered: self._site,
            Member.Registered: self._member,
        }

    def run(self, events: Sequence[tuple[int, Event]]) -> None:
        """Look up the sites of the lots the batch moves, apply every event, write."""
        keyed = [(position, event, self.text(event.originator_id))
                 for position, event in events]
        self.load(keyed)
        handlers = self.handlers
        for position, event, lot_id in keyed:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(position, event, lot_id)
        self.write()

    def load(self, keyed: Sequence[tuple[int, Event, str]]) -> None:
        """Look up the site of each lot the batch moves but did not create or place."""
        known: set[str] = set()
        wanted: dict[str, None] = {}
        for _, event, lot_id in keyed:
            kind = type(event)
            if kind in _PLACING:
                known.add(lot_id)
            elif kind not in _NOT_LOTS and lot_id not in known:
                wanted[lot_id] = None
        for lot_id, site_id in query_in(
                self.transaction, f"SELECT lot_id, site_id FROM {self.view.table('trace_lots')}"
                " WHERE lot_id IN ({in_list})", list(wanted)):
            self.sites[lot_id] = site_id

    def write(self) -> None:
        """Insert the batch's rows, then apply its updates in that order."""
        view, transaction = self.view, self.transaction
        if self.new_lots:
            transaction.executemany(
                f"INSERT INTO {view.table('trace_lots')} ({', '.join(_LOT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_LOT_COLUMNS))})", self.new_lots.values())
        transaction.update_many(
            view.table("trace_lots"), "lot_id", _ATTRIBUTE_COLUMNS,
            [(*values, lot_id) for lot_id, values in self.attributes.items()])
        if self.edges:
            transaction.executemany(
                f"INSERT INTO {view.table('trace_edges')} (parent_id, child_id, process, "
                "quantity_g, position, occurred_at_us, recorded_at_us) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", self.edges)
        if self.movements:
            transaction.executemany(
                f"INSERT INTO {view.table('trace_movements')} "
                f"({', '.join(_MOVEMENT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_MOVEMENT_COLUMNS))})", self.movements)
        if self.parties:
            transaction.executemany(
                f"INSERT INTO {view.table('trace_parties')} (party_id, party_type, kind, name) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (party_id) DO NOTHING", self.parties)

    def _move(self, position: int, event: Event, lot_id: str, kind: str, site_id: str | None,
              holder_id: str | None, quantity_g: int, site_delta_g: int = 0,
              holder_delta_g: int = 0, transit_delta_g: int = 0, discrepancy_g: int = 0,
              channel: str | None = None, delivery_id: str | None = None,
              transformation_id: str | None = None, reason: str = "") -> None:
        self.movements.append((
            position, lot_id, kind, site_id, holder_id, self.text(event.context.member_id),
            quantity_g, site_delta_g, holder_delta_g, transit_delta_g, discrepancy_g, channel,
            delivery_id, transformation_id, reason, to_us(event.context.occurred_at),
            to_us(event.timestamp)))

    def _set(self, lot_id: str, **values: Any) -> None:
        row = self.new_lots.get(lot_id)
        if row is not None:
            for column, value in values.items():
                row[_LOT_INDEX[column]] = value
            return
        attributes = self.attributes.setdefault(lot_id, [None] * len(_ATTRIBUTE_COLUMNS))
        for column, value in values.items():
            attributes[_ATTRIBUTE_INDEX[column]] = value

    # --------------------------------------------------------------- handlers

    def _offered(self, position: int, event: Lot.Offered, lot_id: str) -> None:
        producer_id = self.text(event.producer_id)
        self.sites[lot_id] = None
        self.new_lots[lot_id] = [
            lot_id, event.code, event.product, event.variety, HARVEST, producer_id,
            event.origin, event.harvest_date.isoformat(), event.best_before.isoformat(),
            event.organic_certificate, event.quantity_g, None, None, position,
            to_us(event.context.occurred_at), to_us(event.timestamp), None, None, None, None]
        self._move(position, event, lot_id, "offered", None, producer_id, event.quantity_g)

    def _accepted(self, position: int, event: Lot.OfferAccepted, lot_id: str) -> None:
        site_id, platform_id = self.text(event.site_id), self.text(event.platform_id)
        self.sites[lot_id] = site_id
        self._set(lot_id, platform_id=platform_id, site_id=site_id)
        self._move(position, event, lot_id, "accepted", site_id, platform_id, event.accepted_g)

    def _declined(self, position: int, event: Lot.OfferDeclined, lot_id: str) -> None:
        self._move(position, event, lot_id, "declined", None, self.text(event.platform_id), 0,
                   reason=event.reason)

    def _received(self, position: int, event: Lot.Received, lot_id: str) -> None:
        site_id = self.text(event.site_id)
        self.sites[lot_id] = site_id
        self._set(lot_id, site_id=site_id)
        self._move(position, event, lot_id, "received", site_id,
                   self.text(event.context.member_id), event.measured_g,
                   site_delta_g=event.measured_g, discrepancy_g=event.discrepancy_g)

    def _refused(self, position: int, event: Lot.ReceptionRefused, lot_id: str) -> None:
        self._move(position, event, lot_id, "refused", self.text(event.site_id),
                   self.text(event.context.member_id), event.measured_g, reason=event.reason)

    def _donated(self, position: int, event: Lot.DonationReceived, lot_id: str) -> None:
        site_id, platform_id = self.text(event.site_id), self.text(event.platform_id)
        self.sites[lot_id] = site_id
        self.new_lots[lot_id] = [
            lot_id, event.code, "vrac", event.description, DONATION,
            self.text(event.donor_id), "", None, event.best_before.isoformat(),
            event.organic_certificate, event.quantity_g, platform_id, site_id, position,
            to_us(event.context.occurred_at), to_us(event.timestamp), None, None, None, None]
        self._move(position, event, lot_id, "donated", site_id, platform_id, event.quantity_g,
                   site_delta_g=event.quantity_g)

    def _sorted(self, position: int, event: Lot.Sorted, lot_id: str) -> None:
        self._move(position, event, lot_id, "sorted", self.sites.get(lot_id),
                   self.text(event.context.member_id), event.used_g,
                   site_delta_g=-event.used_g, reason=f"déchets {event.waste_g} g")

    def _held(self, position: int, event: Lot.Held, lot_id: str) -> None:
        self._move(position, event, lot_id, "held", self.sites.get(lot_id),
                   self.text(event.context.member_id), 0, reason=event.reason)

    def _unheld(self, position: int, event: Lot.HoldReleased, lot_id: str) -> None:
        self._move(position, event, lot_id, "hold_released", self.sites.get(lot_id),
                   self.text(event.context.member_id), 0, reason=event.reason)

    def _derived(self, position: int, event: Lot.Derived, lot_id: str) -> None:
        site_id, platform_id = self.text(event.site_id), self.text(event.platform_id)
        self.sites[lot_id] = site_id
        occurred_us, recorded_us = to_us(event.context.occurred_at), to_us(event.timestamp)
        process = str(event.process)
        self.new_lots[lot_id] = [
            lot_id, event.code, event.product, event.variety, process,
            None if event.producer_id is None else self.text(event.producer_id), "",
            None if event.harvest_date is None else event.harvest_date.isoformat(),
            event.best_before.isoformat(), event.organic_certificate, event.quantity_g,
            platform_id, site_id, position, occurred_us, recorded_us, None, None, None, None]
        for parent in event.parents:
            self.edges.append((self.text(parent.lot_id), lot_id, process, parent.quantity_g,
                               position, occurred_us, recorded_us))
        self._move(position, event, lot_id, "derived", site_id, platform_id, event.quantity_g,
                   site_delta_g=event.quantity_g)

    def _split(self, position: int, event: Lot.Split, lot_id: str) -> None:
        self._move(position, event, lot_id, "split", self.sites.get(lot_id),
                   self.text(event.context.member_id), event.used_g,
                   site_delta_g=-event.used_g)

    def _merged(self, position: int, event: Lot.MergedInto, lot_id: str) -> None:
        self._move(position, event, lot_id, "merged", self.sites.get(lot_id),
                   self.text(event.context.member_id), event.used_g,
                   site_delta_g=-event.used_g)

    def _transformed(self, position: int, event: Lot.TransformedInto, lot_id: str) -> None:
        self._move(position, event, lot_id, "transformed", self.sites.get(lot_id),
                   self.text(event.context.member_id), event.used_g,
                   site_delta_g=-event.used_g,
                   transformation_id=self.text(event.transformation_id))

    def _reserved(self, position: int, event: Lot.Reserved, lot_id: str) -> None:
        self._move(position, event, lot_id, "reserved", self.sites.get(lot_id),
                   self.text(event.outlet_id), event.quantity_g)

    def _released(self, position: int, event: Lot.ReservationReleased, lot_id: str) -> None:
        self._move(position, event, lot_id, "released", self.sites.get(lot_id),
                   self.text(event.outlet_id), event.quantity_g, reason=event.reason)

    def _dispatched(self, position: int, event: Lot.Dispatched, lot_id: str) -> None:
        self._move(position, event, lot_id, "dispatched", self.sites.get(lot_id),
                   self.text(event.outlet_id), event.quantity_g,
                   site_delta_g=-event.quantity_g, transit_delta_g=event.quantity_g,
                   delivery_id=self.text(event.delivery_id))

    def _delivered(self, position: int, event: Lot.Delivered, lot_id: str) -> None:
        self._move(position, event, lot_id, "delivered", self.sites.get(lot_id),
                   self.text(event.outlet_id), event.received_g,
                   holder_delta_g=event.received_g, transit_delta_g=-event.dispatched_g,
                   discrepancy_g=event.discrepancy_g,
                   delivery_id=self.text(event.delivery_id))

    def _lost(self, position: int, event: Lot.Lost, lot_id: str) -> None:
        if event.at_outlet:
            self._move(position, event, lot_id, "lost", None, self.text(event.holder_id),
                       event.quantity_g, holder_delta_g=-event.quantity_g, reason=event.reason)
        else:
            self._move(position, event, lot_id, "lost", self.sites.get(lot_id),
                       self.text(event.holder_id), event.quantity_g,
                       site_delta_g=-event.quantity_g, reason=event.reason)

    def _distributed(self, position: int, event: Lot.Distributed, lot_id: str) -> None:
        self._move(position, event, lot_id, "distributed", None, self.text(event.outlet_id),
                   event.quantity_g, holder_delta_g=-event.quantity_g,
                   channel=str(event.channel))

    def _recalled(self, position: int, event: Lot.Recalled, lot_id: str) -> None:
        self._set(lot_id, recalled_at_us=to_us(event.context.occurred_at),
                  recalled_recorded_us=to_us(event.timestamp), recall_reason=event.reason,
                  recall_origin_id=self.text(event.origin_lot_id))
        self._move(position, event, lot_id, "recalled", self.sites.get(lot_id),
                   self.text(event.context.member_id), 0, reason=event.reason)

    def _site(self, _: int, event: Site.Registered, site_id: str) -> None:
        self.parties.append((site_id, "site", str(event.kind), event.name))

    def _member(self, _: int, event: Member.Registered, member_id: str) -> None:
        self.parties.append((member_id, "member", str(event.kind), event.name))


_ATTRIBUTE_COLUMNS = ("platform_id", "site_id", "recalled_at_us", "recalled_recorded_us",
                      "recall_reason", "recall_origin_id")
_ATTRIBUTE_INDEX = {column: index for index, column in enumerate(_ATTRIBUTE_COLUMNS)}
_LOT_INDEX = {column: index for index, column in enumerate(_LOT_COLUMNS)}
_PLACING: frozenset[type[Event]] = frozenset({Lot.Offered, Lot.OfferAccepted, Lot.Derived,
                                              Lot.DonationReceived})
"""Events after which the batch itself knows the lot's site (or that it has none yet)."""
_NOT_LOTS: frozenset[type[Event]] = frozenset({Site.Registered, Member.Registered})
