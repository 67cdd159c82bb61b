"""The traceability history the exports are made from, read straight from the event store.

One pass over the notification log (a page at a time) keeps the members, sites and lots and
turns every lot event that moves, makes, consumes or flags food into a ``TrackingEvent``:
FSMA 204's critical tracking events (harvest/offer, receiving, shipping, transformation)
and the cooperative's own (distribution, loss, recall). Reservations and their releases move
nothing and are left out.

Events read: ``member.registered``, ``site.registered`` and every ``lot.*`` event. Nothing is
stored: the history is rebuilt on each export, so it is always the event store's truth.
A dedicated traceability view (``projections/trace.py``) can replace this reader for large
stores without changing the exports, which only use ``History``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

from domain.base import Event
from domain.codec import split_stored_topic
from domain.lots import Lot
from domain.members import Member
from domain.sites import Site
from infra.exports.errors import HistoryError
from infra.reader import StreamReader

PAGE_SIZE = 1_000
"""Notifications read per query: bounds memory while keeping round trips few."""
GENEALOGY_LOTS_MAX = 10_000
"""Lots reached from one lot: the recall's own bound (``RECALL_DEPTH_MAX``)."""
_MEMBER_TOPICS = {Member.Registered.TOPIC}
_SITE_TOPICS = {Site.Registered.TOPIC}
_LOT_PREFIX = "lot."


__all__ = ["HistoryError"]  # Re-exported: exports and their callers catch it from here.


class TrackingKind(enum.StrEnum):
    """What happened to a lot."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    RECEIVED = "received"
    SPLIT = "split"
    MERGED = "merged"
    TRANSFORMED = "transformed"
    DERIVED = "derived"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    LOST = "lost"
    DISTRIBUTED = "distributed"
    RECALLED = "recalled"


@dataclass(frozen=True)
class Party:
    """A member as the exports name it."""

    id: UUID
    name: str
    kind: str


@dataclass(frozen=True)
class Place:
    """A site as the exports name it."""

    id: UUID
    name: str
    kind: str
    city: str
    operator_id: UUID


@dataclass
class LotInfo:
    """What the exports need to know about a lot."""

    id: UUID
    code: str
    product: str
    variety: str
    producer_id: UUID | None
    harvest_date: date | None
    best_before: date
    organic_certificate: str
    origin: str
    process: str
    """``harvest`` for an offered lot, ``donation`` for a bulk donation (its donor stands as
    producer), else ``split``, ``merge``, ``transform`` or ``sort``."""
    quantity_g: int
    """Offered, or made by the split, merge or transformation."""
    code_source_id: UUID | None
    """The member that assigned the lot code: its producer, or the platform that made it."""
    price_cents_per_kg: int = 0
    """The offer price (0 for a lot made from other lots)."""
    code_source_site_id: UUID | None = None
    platform_id: UUID | None = None
    site_id: UUID | None = None
    parents: list[tuple[UUID, int]] = field(default_factory=list)
    children: list[UUID] = field(default_factory=list)
    transformation_id: UUID | None = None
    """For a lot made by a transformation: that transformation."""
    transformed_into: dict[UUID, UUID] = field(default_factory=dict)
    """For a lot used by transformations: each output lot and its transformation."""
    recalled: bool = False


@dataclass(frozen=True)
class TrackingEvent:
    """One stored lot event that moved, made, consumed or flagged food."""

    kind: TrackingKind
    notification_id: int
    stream_id: UUID
    version: int
    occurred_at: datetime
    """Business time: when it happened."""
    recorded_at: datetime
    lot_id: UUID
    quantity_g: int | None
    site_id: UUID | None
    """The site where it happened, if at a site."""
    location_party_id: UUID | None
    """The member whose premises it happened at (the outlet, for events at outlets)."""
    from_party_id: UUID | None
    to_party_id: UUID | None
    reference_kind: str
    """``delivery``, ``transformation``, ``round`` or ``command``."""
    reference_id: str
    related: tuple[tuple[UUID, int], ...] = ()
    """Other lots involved (parents of a made lot, children of a used one) and grams."""
    detail: str = ""
    """Free text or a code: reason of a loss or recall, channel, process, field."""
    discrepancy_g: int = 0
    """Receipts: measured minus expected (negative when less arrived)."""
    loss_g: int = 0
    """Transformations: mass the whole transformation lost."""
    inputs_total_g: int = 0
    """Transformations: mass of all its inputs."""
    command_id: str = ""

    @property
    def event_ref(self) -> str:
        """``stream:version``: names the stored event (as ``cocagne verify`` does)."""
        return f"{self.stream_id}:{self.version}"


@dataclass
class History:
    """Members, sites, lots and their tracking events, in notification order."""

    members: dict[UUID, Party] = field(default_factory=dict)
    sites: dict[UUID, Place] = field(default_factory=dict)
    lots: dict[UUID, LotInfo] = field(default_factory=dict)
    events: list[TrackingEvent] = field(default_factory=list)
    lot_ids_by_code: dict[str, UUID] = field(default_factory=dict)
    last_notification_id: int = 0

    def lot_by_code(self, code: str) -> LotInfo:
        """The lot with ``code`` (or with that id)."""
        lot_id = self.lot_ids_by_code.get(code)
        if lot_id is None:
            try:
                lot_id = UUID(code)
            except ValueError:
                lot_id = None
        if lot_id is None or lot_id not in self.lots:
            raise HistoryError("no lot has the code {code!r}", code=code)
        return self.lots[lot_id]

    def member(self, name_or_id: str) -> Party:
        """The member with that id or exact name."""
        try:
            member = self.members.get(UUID(name_or_id))
        except ValueError:
            member = None
        if member is not None:
            return member
        matches = [party for party in self.members.values() if party.name == name_or_id]
        if not matches:
            raise HistoryError("no member is named {name!r}", name=name_or_id)
        if len(matches) > 1:
            raise HistoryError("{count} members are named {name!r}: give the member id",
                               count=len(matches), name=name_or_id)
        return matches[0]

    def party_name(self, member_id: UUID | None) -> str:
        """A member's name ('' for none)."""
        if member_id is None:
            return ""
        party = self.members.get(member_id)
        return party.name if party else str(member_id)

    def site_name(self, site_id: UUID | None) -> str:
        """A site's name ('' for none)."""
        if site_id is None:
            return ""
        place = self.sites.get(site_id)
        return place.name if place else str(site_id)

    def genealogy(self, lot_id: UUID) -> list[UUID]:
        """The lot, every lot it was made from and every lot made from it."""
        reached: dict[UUID, None] = {}
        for direction in ("parents", "children"):
            queue = [lot_id]
            seen: set[UUID] = set()
            while queue:
                if len(seen) > GENEALOGY_LOTS_MAX:
                    raise HistoryError("lot {lot} reaches more than {limit} lots",
                                       lot=lot_id, limit=GENEALOGY_LOTS_MAX)
                current = queue.pop()
                if current in seen or current not in self.lots:
                    continue
                seen.add(current)
                reached[current] = None
                lot = self.lots[current]
                if direction == "parents":
                    queue.extend(parent for parent, _ in lot.parents)
                else:
                    queue.extend(lot.children)
        return list(reached)

    def events_of(self, lot_ids: set[UUID]) -> list[TrackingEvent]:
        """Tracking events of those lots, in business-time then notification order."""
        chosen = [event for event in self.events if event.lot_id in lot_ids]
        return sorted(chosen, key=lambda event: (event.occurred_at, event.notification_id))


def _notifications(ledger: StreamReader) -> Iterator[tuple[int, Event]]:
    """Members, sites and lot events in notification order, decoded.

    Pages are bounded by ``PAGE_SIZE``; their number by the history itself. Other topics
    are skipped before decoding.
    """
    position = 1
    while True:
        page = ledger.recorder.select_notifications(position, PAGE_SIZE)
        for notification in page:
            base, _ = split_stored_topic(notification.topic)
            if base.startswith(_LOT_PREFIX) or base in _MEMBER_TOPICS or base in _SITE_TOPICS:
                event = cast(Event, ledger.mapper.to_domain_event(notification))
                yield notification.id, event
        if len(page) < PAGE_SIZE:
            return
        position = page[-1].id + 1


def load_history(ledger: StreamReader) -> History:
    """Read the whole notification log into a ``History``."""
    history = History()
    builder = _Builder(history)
    for notification_id, event in _notifications(ledger):
        builder.apply(notification_id, event)
        history.last_notification_id = notification_id
    return history


class _Builder:
    """Turns stored events into the history, one at a time, in notification order."""

    def __init__(self, history: History) -> None:
        self.history = history

    def apply(self, notification_id: int, event: Event) -> None:
        if isinstance(event, Member.Registered):
            self.history.members[event.originator_id] = Party(
                event.originator_id, event.name, str(event.kind))
        elif isinstance(event, Site.Registered):
            self.history.sites[event.originator_id] = Place(
                event.originator_id, event.name, str(event.kind), event.city, event.operator_id)
        elif isinstance(event, Lot.Offered | Lot.Derived):
            self._created(notification_id, event)
        elif isinstance(event, Lot.DonationReceived):
            self._donated(notification_id, event)
        else:
            lot = self.history.lots.get(event.originator_id)
            if lot is not None:
                self._lot_event(notification_id, lot, event)

    def _track(self, notification_id: int, event: Event, kind: TrackingKind, lot: LotInfo,
               **fields: Any) -> None:
        fields.setdefault("site_id", lot.site_id)
        fields.setdefault("location_party_id", lot.platform_id)
        fields.setdefault("reference_kind", "command")
        fields.setdefault("reference_id", event.context.command_id)
        self.history.events.append(TrackingEvent(
            kind=kind, notification_id=notification_id, stream_id=event.originator_id,
            version=event.originator_version, occurred_at=event.context.occurred_at,
            recorded_at=event.timestamp, lot_id=lot.id, command_id=event.context.command_id,
            **fields))

    def _created(self, notification_id: int, event: Lot.Offered | Lot.Derived) -> None:
        if isinstance(event, Lot.Offered):
            lot = LotInfo(
                id=event.originator_id, code=event.code, product=event.product,
                variety=event.variety, producer_id=event.producer_id,
                harvest_date=event.harvest_date, best_before=event.best_before,
                organic_certificate=event.organic_certificate, origin=event.origin,
                process="harvest", quantity_g=event.quantity_g,
                code_source_id=event.producer_id, price_cents_per_kg=event.price_cents_per_kg)
            self.history.lots[lot.id] = lot
            self.history.lot_ids_by_code[lot.code] = lot.id
            self._track(notification_id, event, TrackingKind.OFFERED, lot,
                        quantity_g=event.quantity_g, site_id=None,
                        location_party_id=event.producer_id, from_party_id=event.producer_id,
                        to_party_id=None, detail=event.origin)
            return
        lot = LotInfo(
            id=event.originator_id, code=event.code, product=event.product,
            variety=event.variety, producer_id=event.producer_id,
            harvest_date=event.harvest_date, best_before=event.best_before,
            organic_certificate=event.organic_certificate, origin="",
            process=str(event.process), quantity_g=event.quantity_g,
            code_source_id=event.platform_id, code_source_site_id=event.site_id,
            platform_id=event.platform_id, site_id=event.site_id,
            parents=[(parent.lot_id, parent.quantity_g) for parent in event.parents])
        self.history.lots[lot.id] = lot
        self.history.lot_ids_by_code[lot.code] = lot.id
        transformation_id = self._transformation_of(lot.id, lot.parents)
        lot.transformation_id = transformation_id
        self._track(notification_id, event, TrackingKind.DERIVED, lot,
                    quantity_g=event.quantity_g, from_party_id=event.platform_id,
                    to_party_id=event.platform_id, related=tuple(lot.parents),
                    reference_kind="transformation" if transformation_id else "command",
                    reference_id=str(transformation_id) if transformation_id
                    else event.context.command_id,
                    detail=str(event.process))

    def _donated(self, notification_id: int, event: Lot.DonationReceived) -> None:
        """A bulk donation: an origin lot (its donor as producer), received at once."""
        lot = LotInfo(
            id=event.originator_id, code=event.code, product="vrac",
            variety=event.description, producer_id=event.donor_id, harvest_date=None,
            best_before=event.best_before, organic_certificate=event.organic_certificate,
            origin="", process="donation", quantity_g=event.quantity_g,
            code_source_id=event.platform_id, code_source_site_id=event.site_id,
            platform_id=event.platform_id, site_id=event.site_id)
        self.history.lots[lot.id] = lot
        self.history.lot_ids_by_code[lot.code] = lot.id
        self._track(notification_id, event, TrackingKind.RECEIVED, lot,
                    quantity_g=event.quantity_g, site_id=event.site_id,
                    from_party_id=event.donor_id, to_party_id=event.platform_id,
                    detail=event.description)

    def _transformation_of(self, lot_id: UUID, parents: list[tuple[UUID, int]]
                           ) -> UUID | None:
        # A transformation's outputs are recorded after its inputs' events (same
        # transaction, inputs first), so a parent already names the transformation.
        for parent_id, _ in parents:
            parent = self.history.lots.get(parent_id)
            if parent is not None and lot_id in parent.transformed_into:
                return parent.transformed_into[lot_id]
        return None

    def _lot_event(self, notification_id: int, lot: LotInfo, event: Event) -> None:
        track = self._track
        if isinstance(event, Lot.OfferAccepted):
            lot.platform_id = event.platform_id
            lot.site_id = event.site_id
            track(notification_id, event, TrackingKind.ACCEPTED, lot, quantity_g=event.accepted_g,
                  from_party_id=lot.producer_id, to_party_id=event.platform_id)
        elif isinstance(event, Lot.OfferDeclined):
            track(notification_id, event, TrackingKind.DECLINED, lot, quantity_g=None,
                  site_id=None, location_party_id=event.platform_id,
                  from_party_id=lot.producer_id, to_party_id=event.platform_id,
                  detail=event.reason)
        elif isinstance(event, Lot.Received):
            lot.site_id = event.site_id
            track(notification_id, event, TrackingKind.RECEIVED, lot, quantity_g=event.measured_g,
                  site_id=event.site_id, from_party_id=lot.producer_id,
                  to_party_id=lot.platform_id, discrepancy_g=event.discrepancy_g)
        elif isinstance(event, Lot.Split):
            lot.children.extend(child.lot_id for child in event.children)
            track(notification_id, event, TrackingKind.SPLIT, lot, quantity_g=event.used_g,
                  from_party_id=lot.platform_id, to_party_id=lot.platform_id,
                  related=tuple((child.lot_id, child.quantity_g) for child in event.children))
        elif isinstance(event, Lot.Sorted):
            # Sorting a donation divides it into product lots, the waste aside: a split.
            lot.children.extend(child.lot_id for child in event.children)
            track(notification_id, event, TrackingKind.SPLIT, lot, quantity_g=event.used_g,
                  from_party_id=lot.platform_id, to_party_id=lot.platform_id,
                  related=tuple((child.lot_id, child.quantity_g) for child in event.children),
                  detail=f"tri, déchets {event.waste_g} g")
        elif isinstance(event, Lot.MergedInto):
            lot.children.append(event.child.lot_id)
            track(notification_id, event, TrackingKind.MERGED, lot, quantity_g=event.used_g,
                  from_party_id=lot.platform_id, to_party_id=lot.platform_id,
                  related=((event.child.lot_id, event.child.quantity_g),))
        elif isinstance(event, Lot.TransformedInto):
            lot.children.extend(child.lot_id for child in event.children)
            lot.transformed_into.update(
                {child.lot_id: event.transformation_id for child in event.children})
            track(notification_id, event, TrackingKind.TRANSFORMED, lot, quantity_g=event.used_g,
                  from_party_id=lot.platform_id, to_party_id=lot.platform_id,
                  reference_kind="transformation", reference_id=str(event.transformation_id),
                  related=tuple((child.lot_id, child.quantity_g) for child in event.children),
                  loss_g=event.loss_g, inputs_total_g=event.inputs_total_g)
        elif isinstance(event, Lot.Dispatched):
            track(notification_id, event, TrackingKind.SHIPPED, lot, quantity_g=event.quantity_g,
                  from_party_id=lot.platform_id, to_party_id=event.outlet_id,
                  reference_kind="delivery", reference_id=str(event.delivery_id))
        elif isinstance(event, Lot.Delivered):
            track(notification_id, event, TrackingKind.DELIVERED, lot,
                  quantity_g=event.received_g, site_id=None,
                  location_party_id=event.outlet_id, from_party_id=lot.platform_id,
                  to_party_id=event.outlet_id, reference_kind="delivery",
                  reference_id=str(event.delivery_id), discrepancy_g=event.discrepancy_g)
        elif isinstance(event, Lot.Lost):
            track(notification_id, event, TrackingKind.LOST, lot, quantity_g=event.quantity_g,
                  site_id=None if event.at_outlet else lot.site_id,
                  location_party_id=event.holder_id, from_party_id=event.holder_id,
                  to_party_id=None, detail=event.reason)
        elif isinstance(event, Lot.Distributed):
            track(notification_id, event, TrackingKind.DISTRIBUTED, lot,
                  quantity_g=event.quantity_g, site_id=None, location_party_id=event.outlet_id,
                  from_party_id=event.outlet_id, to_party_id=None, detail=str(event.channel))
        elif isinstance(event, Lot.Recalled):
            lot.recalled = True
            track(notification_id, event, TrackingKind.RECALLED, lot, quantity_g=None,
                  from_party_id=None, to_party_id=None, detail=event.reason,
                  related=((event.origin_lot_id, 0),) if event.origin_lot_id != lot.id else ())
