"""Traceability view: the lot graph and every movement, backward and forward, at any moment.

**Events read**: every ``lot.*`` event (``offered``, ``offer_accepted``, ``offer_declined``,
``received``, ``reception_refused``, ``donation_received``, ``derived``, ``split``,
``merged_into``, ``transformed_into``, ``sorted``, ``reserved``, ``reservation_released``,
``dispatched``, ``delivered``, ``lost``, ``distributed``, ``recalled``, ``held``,
``hold_released``), ``site.registered`` and ``member.registered`` (every stored version).

**Tables owned** (prefixed, ``view_`` by default):

- ``trace_lots``: one row per lot: code, product, variety, how it was made (``harvest`` for
  an offered lot, ``donation`` for a bulk donation, whose donor stands as its producer,
  else ``split``, ``merge``, ``transform`` or ``sort``), producer, field of origin,
  harvest date, best-before, organic certificate, initial quantity, platform and site, when
  it was created and when (and why, from which origin lot) it was recalled.
- ``trace_edges``: the lot graph, one row per parent → child link with the quantity of the
  parent that went into the child. For a transformation with several outputs the domain
  records only what each input gave to the whole transformation, so each output's edges carry
  that full quantity (shared by the outputs, not split among them).
- ``trace_movements``: one row per lot event (the event's notification id is the key): kind,
  site, holder (producer, platform or outlet concerned), actor, quantity, the change it made
  to the site's on-hand stock, to the holder's stock and to stock in transit, discrepancy,
  channel, delivery, transformation, reason, and both times. Current or past holdings are
  sums of these changes.
- ``trace_parties``: names of members and sites.

**Position**: the runner stores the last notification id applied in the ``tracking`` table,
in the same transaction as the batch's rows.

**Rebuild from zero**: ``cocagne rebuild trace`` drops these tables, resets the position and
replays the log.

**Queries** walk the graph breadth-first, one indexed ``IN`` query per level, with a visited
set (merges make diamonds, which a recursive SQL walk would enumerate once per path) and named
bounds on depth and size. **As-of** uses business time (``context.occurred_at``) by default,
or recorded time on request: edges, lots, movements and recalls after the moment are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Literal
from uuid import UUID

import msgspec

from domain.base import Event
from domain.lots import Lot
from domain.members import Member
from domain.sites import Site
from projections.runner import View
from projections.view_store import IN_LIST_SIZE_MAX, ViewTransaction, from_us, query_in, to_us

TimeBasis = Literal["business", "recorded"]
TRACE_DEPTH_MAX = 64
"""Levels walked from a lot: a lot split, merged or transformed 64 times over is a data error,
not a food chain (real chains are a handful of steps)."""
TRACE_LOTS_MAX = 10_000  # Matches the application's recall bound: one trace never reaches more.
MOVEMENTS_MAX = 100_000  # Rows one movement listing returns.

HARVEST = "harvest"
DONATION = "donation"
ORIGINS = (HARVEST, DONATION)
"""How the lots at the roots of a trace came in: harvested and offered, or donated."""


class TraceLimitExceeded(ValueError):
    """A trace reached more lots or levels than its named bounds allow."""


class TraceLot(msgspec.Struct, frozen=True, kw_only=True):
    """A lot in a trace, with where it sits in the walk."""

    lot_id: str
    code: str
    product: str
    variety: str
    process: str
    """``harvest`` for a producer's lot, ``donation`` for a bulk donation, else ``split``,
    ``merge``, ``transform`` or ``sort``."""
    producer_id: str | None
    producer_name: str
    origin: str
    harvest_date: str | None
    best_before: str
    organic_certificate: str
    quantity_g: int
    """Offered quantity of a harvested lot, or the quantity a derived lot was made with."""
    site_id: str | None
    site_name: str
    created_at: datetime
    recalled: bool
    depth: int = 0
    """Steps from the traced lot (0 for the lot itself)."""


class TraceEdge(msgspec.Struct, frozen=True, kw_only=True):
    """A parent lot went (partly) into a child lot."""

    parent_id: str
    parent_code: str
    child_id: str
    child_code: str
    process: str
    quantity_g: int
    occurred_at: datetime


class Movement(msgspec.Struct, frozen=True, kw_only=True):
    """One event in a lot's life."""

    position: int
    lot_id: str
    code: str
    kind: str
    site_id: str | None
    site_name: str
    holder_id: str | None
    holder_name: str
    quantity_g: int
    discrepancy_g: int
    channel: str | None
    delivery_id: str | None
    reason: str
    occurred_at: datetime
    recorded_at: datetime


class Reach(msgspec.Struct, frozen=True, kw_only=True):
    """Quantity of a lot that reached (or sits with) a party."""

    lot_id: str
    code: str
    party_id: str
    party_name: str
    quantity_g: int
    channel: str | None = None


class BackwardTrace(msgspec.Struct, frozen=True, kw_only=True):
    """Where a lot came from."""

    lot: TraceLot
    ancestors: list[TraceLot]
    edges: list[TraceEdge]
    origins: list[TraceLot]
    """Harvested or donated lots at the roots: producers (or donors), fields, harvest dates,
    certificates."""
    sites: list[Reach]
    """Sites the lot and its ancestors were received or made at (quantity: what arrived)."""


class ForwardTrace(msgspec.Struct, frozen=True, kw_only=True):
    """Where a lot went."""

    lot: TraceLot
    descendants: list[TraceLot]
    edges: list[TraceEdge]
    deliveries: list[Reach]
    """Per lot and outlet: quantity received by the outlet."""
    distributions: list[Reach]
    """Per lot, outlet and channel: quantity passed on to people."""
    losses: list[Reach]
    """Per lot and holder (platform or outlet): quantity lost."""
    transit_losses: list[Reach]
    """Per lot and outlet: quantity dispatched to the outlet that never arrived."""


class RecallImpact(msgspec.Struct, frozen=True, kw_only=True):
    """What a recall of a lot reaches."""

    lot: TraceLot
    lots: list[TraceLot]
    """The lot and every lot made from it."""
    site_stock: list[Reach]
    """Sites holding stock of those lots now (party: the site)."""
    outlet_stock: list[Reach]
    """Outlets holding those lots now."""
    in_transit: list[Reach]
    """Dispatched to an outlet, not yet signed for (party: the outlet)."""
    outlets_served: list[Reach]
    """Outlets that already received those lots (quantity received in total)."""
    distributed: list[Reach]
    """Quantities already passed on to people, per outlet and channel."""


_LOT_COLUMNS = ("lot_id", "code", "product", "variety", "process", "producer_id", "origin",
                "harvest_date", "best_before", "organic_certificate", "quantity_g",
                "platform_id", "site_id", "created_position", "created_at_us",
                "created_recorded_us", "recalled_at_us", "recalled_recorded_us",
                "recall_reason", "recall_origin_id")
_MOVEMENT_COLUMNS = ("position", "lot_id", "kind", "site_id", "holder_id", "actor_id",
                     "quantity_g", "site_delta_g", "holder_delta_g", "transit_delta_g",
                     "discrepancy_g", "channel", "delivery_id", "transformation_id", "reason",
                     "occurred_at_us", "recorded_at_us")


@dataclass(frozen=True)
class _Sum:
    """One of the sums a trace reads (see ``TraceView._sums``)."""

    condition: str
    party_column: str
    quantity: str
    positive: bool = False
    by_channel: bool = False


class TraceView(View):
    """The lot graph and every movement."""

    name: ClassVar[str] = "trace"
    schema_version: ClassVar[int] = 2
    event_classes: ClassVar[tuple[type[Event], ...]] = (
        Lot.Offered, Lot.OfferAccepted, Lot.OfferDeclined, Lot.Received, Lot.ReceptionRefused,
        Lot.DonationReceived, Lot.Derived, Lot.Split, Lot.MergedInto, Lot.TransformedInto,
        Lot.Sorted, Lot.Reserved, Lot.ReservationReleased, Lot.Dispatched, Lot.Delivered,
        Lot.Lost, Lot.Distributed, Lot.Recalled, Lot.Held, Lot.HoldReleased,
        Site.Registered, Member.Registered,
    )
    table_names: ClassVar[tuple[str, ...]] = (
        "trace_lots", "trace_edges", "trace_movements", "trace_parties")

    def create_statements(self) -> list[str]:
        """Tables and indexes."""
        without_rowid = " WITHOUT ROWID" if self.database.dialect == "sqlite" else ""
        lots, edges, movements, parties = (self.table(name) for name in self.table_names)
        return [
            f"CREATE TABLE IF NOT EXISTS {lots} ("
            "lot_id TEXT PRIMARY KEY, code TEXT NOT NULL, product TEXT NOT NULL, "
            "variety TEXT NOT NULL, process TEXT NOT NULL, producer_id TEXT, "
            "origin TEXT NOT NULL, harvest_date TEXT, best_before TEXT NOT NULL, "
            "organic_certificate TEXT NOT NULL, quantity_g BIGINT NOT NULL, platform_id TEXT, "
            "site_id TEXT, created_position BIGINT NOT NULL, created_at_us BIGINT NOT NULL, "
            "created_recorded_us BIGINT NOT NULL, recalled_at_us BIGINT, "
            "recalled_recorded_us BIGINT, recall_reason TEXT, recall_origin_id TEXT)"
            f"{without_rowid}",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {lots}_code ON {lots} (code)",
            f"CREATE TABLE IF NOT EXISTS {edges} ("
            "parent_id TEXT NOT NULL, child_id TEXT NOT NULL, process TEXT NOT NULL, "
            "quantity_g BIGINT NOT NULL, position BIGINT NOT NULL, "
            "occurred_at_us BIGINT NOT NULL, recorded_at_us BIGINT NOT NULL, "
            f"PRIMARY KEY (parent_id, child_id)){without_rowid}",
            f"CREATE INDEX IF NOT EXISTS {edges}_child ON {edges} (child_id)",
            f"CREATE TABLE IF NOT EXISTS {movements} ("
            f"position {self.database.integer_key}, lot_id TEXT NOT NULL, kind TEXT NOT NULL, "
            "site_id TEXT, holder_id TEXT, actor_id TEXT NOT NULL, quantity_g BIGINT NOT NULL, "
            "site_delta_g BIGINT NOT NULL, holder_delta_g BIGINT NOT NULL, "
            "transit_delta_g BIGINT NOT NULL, discrepancy_g BIGINT NOT NULL, channel TEXT, "
            "delivery_id TEXT, transformation_id TEXT, reason TEXT NOT NULL, "
            "occurred_at_us BIGINT NOT NULL, recorded_at_us BIGINT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {movements}_lot ON {movements} (lot_id)",
            f"CREATE TABLE IF NOT EXISTS {parties} ("
            "party_id TEXT PRIMARY KEY, party_type TEXT NOT NULL, kind TEXT NOT NULL, "
            "name TEXT NOT NULL)",
        ]

    def apply(self, transaction: ViewTransaction, events: Sequence[tuple[int, Event]]) -> None:
        """Apply a batch: look up the sites of the lots it moves, then write its rows."""
        _TraceBatch(self, transaction).run(events)

    # ---------------------------------------------------------------- queries

    def resolve(self, lot: str) -> str | None:
        """The id of the lot whose id or code is ``lot``."""
        rows = self.database.query(
            f"SELECT lot_id FROM {self.table('trace_lots')} WHERE lot_id = ? OR code = ?",
            (lot, lot))
        return str(rows[0][0]) if rows else None

    def lots(self, lot_ids: Sequence[str], *, at_us: int | None = None,
             basis: TimeBasis = "business") -> dict[str, TraceLot]:
        """Lots by id (those created by ``at_us`` when given)."""
        created = "l.created_at_us" if basis == "business" else "l.created_recorded_us"
        recalled = "l.recalled_at_us" if basis == "business" else "l.recalled_recorded_us"
        lots, parties = self.table("trace_lots"), self.table("trace_parties")
        rows = self.database.query_in(
            "SELECT l.lot_id, l.code, l.product, l.variety, l.process, l.producer_id, "
            "COALESCE(p.name, ''), l.origin, l.harvest_date, l.best_before, "
            "l.organic_certificate, l.quantity_g, l.site_id, COALESCE(s.name, ''), "
            f"l.created_at_us, {recalled}, {created} FROM {lots} l "
            f"LEFT JOIN {parties} p ON p.party_id = l.producer_id "
            f"LEFT JOIN {parties} s ON s.party_id = l.site_id "
            "WHERE l.lot_id IN ({in_list})", list(lot_ids))
        found: dict[str, TraceLot] = {}
        for row in rows:
            if at_us is not None and row[16] > at_us:
                continue
            recalled_at = row[15]
            found[row[0]] = TraceLot(
                lot_id=row[0], code=row[1], product=row[2], variety=row[3], process=row[4],
                producer_id=row[5], producer_name=row[6], origin=row[7], harvest_date=row[8],
                best_before=row[9], organic_certificate=row[10], quantity_g=int(row[11]),
                site_id=row[12], site_name=row[13], created_at=from_us(int(row[14])),
                recalled=recalled_at is not None and (at_us is None or recalled_at <= at_us))
        return found

    def _walk(self, lot_id: str, *, upward: bool, at_us: int | None,
              basis: TimeBasis) -> tuple[dict[str, int], list[TraceEdge]]:
        """Breadth-first walk of the graph: depth of each lot reached, and the edges used."""
        time_column = "e.occurred_at_us" if basis == "business" else "e.recorded_at_us"
        near = "child_id" if upward else "parent_id"
        edges_table, lots_table = self.table("trace_edges"), self.table("trace_lots")
        sql = ("SELECT e.parent_id, p.code, e.child_id, c.code, e.process, e.quantity_g, "
               f"e.occurred_at_us, {time_column} FROM {edges_table} e "
               f"JOIN {lots_table} p ON p.lot_id = e.parent_id "
               f"JOIN {lots_table} c ON c.lot_id = e.child_id "
               f"WHERE e.{near} IN ({{in_list}})")
        depths = {lot_id: 0}
        edges: list[TraceEdge] = []
        frontier = [lot_id]
        for depth in range(1, TRACE_DEPTH_MAX + 1):
            if not frontier:
                break
            next_frontier: list[str] = []
            for row in sorted(self.database.query_in(sql, frontier)):
                if at_us is not None and row[7] > at_us:
                    continue
                edges.append(TraceEdge(parent_id=row[0], parent_code=row[1], child_id=row[2],
                                       child_code=row[3], process=row[4],
                                       quantity_g=int(row[5]),
                                       occurred_at=from_us(int(row[6]))))
                reached = row[0] if upward else row[2]
                if reached not in depths:
                    depths[reached] = depth
                    next_frontier.append(reached)
            if len(depths) > TRACE_LOTS_MAX:
                raise TraceLimitExceeded(f"trace of lot {lot_id} reaches more than "
                                         f"{TRACE_LOTS_MAX} lots")
            frontier = next_frontier
        else:
            if frontier:
                raise TraceLimitExceeded(f"trace of lot {lot_id} is deeper than "
                                         f"{TRACE_DEPTH_MAX} levels")
        unique = {(edge.parent_id, edge.child_id): edge for edge in edges}
        return depths, list(unique.values())

    def _placed(self, depths: dict[str, int], at_us: int | None,
                basis: TimeBasis) -> list[TraceLot]:
        lots = self.lots(list(depths), at_us=at_us, basis=basis)
        placed = [msgspec.structs.replace(lot, depth=depths[lot_id])
                  for lot_id, lot in lots.items()]
        return sorted(placed, key=lambda lot: (lot.depth, lot.code))

    def backward(self, lot_id: str, *, as_of: datetime | None = None,
                 basis: TimeBasis = "business") -> BackwardTrace | None:
        """The lot's ancestors up to the harvested lots, with producers and sites."""
        at_us = None if as_of is None else to_us(as_of)
        depths, edges = self._walk(lot_id, upward=True, at_us=at_us, basis=basis)
        placed = self._placed(depths, at_us, basis)
        if not placed or placed[0].lot_id != lot_id:
            return None
        origins = [lot for lot in placed if lot.process in ORIGINS]
        sites = self._sums(list(depths), "m.kind IN ('received', 'derived', 'donated')",
                           "site_id",
                           "m.quantity_g", at_us, basis)
        return BackwardTrace(lot=placed[0], ancestors=placed[1:], edges=edges,
                             origins=origins, sites=sites)

    def forward(self, lot_id: str, *, as_of: datetime | None = None,
                basis: TimeBasis = "business") -> ForwardTrace | None:
        """Every lot made from the lot, every outlet and channel they reached, every loss."""
        at_us = None if as_of is None else to_us(as_of)
        depths, edges = self._walk(lot_id, upward=False, at_us=at_us, basis=basis)
        placed = self._placed(depths, at_us, basis)
        if not placed or placed[0].lot_id != lot_id:
            return None
        deliveries, distributions, losses, transit_losses = self._sums_at_once(
            list(depths), [
                _Sum("m.kind = 'delivered'", "holder_id", "m.quantity_g"),
                _Sum("m.kind = 'distributed'", "holder_id", "m.quantity_g", by_channel=True),
                _Sum("m.kind = 'lost'", "holder_id", "m.quantity_g"),
                _Sum("m.kind = 'delivered' AND m.discrepancy_g < 0", "holder_id",
                     "-m.discrepancy_g")], at_us, basis)
        return ForwardTrace(lot=placed[0], descendants=placed[1:], edges=edges,
                            deliveries=deliveries, distributions=distributions, losses=losses,
                            transit_losses=transit_losses)

    def recall_impact(self, lot_id: str, *, as_of: datetime | None = None,
                      basis: TimeBasis = "business") -> RecallImpact | None:
        """Every lot made from the lot, who holds them now, and who was already served."""
        at_us = None if as_of is None else to_us(as_of)
        depths, _ = self._walk(lot_id, upward=False, at_us=at_us, basis=basis)
        placed = self._placed(depths, at_us, basis)
        if not placed or placed[0].lot_id != lot_id:
            return None
        site_stock, outlet_stock, in_transit, outlets_served, distributed = self._sums_at_once(
            list(depths), [
                _Sum("m.site_delta_g <> 0", "site_id", "m.site_delta_g", positive=True),
                _Sum("m.holder_delta_g <> 0", "holder_id", "m.holder_delta_g", positive=True),
                _Sum("m.transit_delta_g <> 0", "holder_id", "m.transit_delta_g", positive=True),
                _Sum("m.kind = 'delivered'", "holder_id", "m.quantity_g"),
                _Sum("m.kind = 'distributed'", "holder_id", "m.quantity_g", by_channel=True)],
            at_us, basis)
        return RecallImpact(lot=placed[0], lots=placed, site_stock=site_stock,
                            outlet_stock=outlet_stock, in_transit=in_transit,
                            outlets_served=outlets_served, distributed=distributed)

    def _sums_at_once(self, lot_ids: list[str], sums: list[_Sum], at_us: int | None,
                      basis: TimeBasis) -> list[list[Reach]]:
        """Each of ``sums`` as ``_sums`` gives it, in one statement (UNION ALL): one round
        trip to the database instead of one per sum, which is most of a trace's time."""
        if len(lot_ids) > IN_LIST_SIZE_MAX:
            return [self._sums(lot_ids, part.condition, part.party_column, part.quantity,
                               at_us, basis, positive=part.positive, by_channel=part.by_channel)
                    for part in sums]
        time_column = "occurred_at_us" if basis == "business" else "recorded_at_us"
        movements, lots, parties = (self.table("trace_movements"), self.table("trace_lots"),
                                    self.table("trace_parties"))
        time_filter = f" AND {time_column} <= ?" if at_us is not None else ""
        # The lots' movements are read once (m), each sum groups them by lot and party (and
        # channel); codes and names are looked up per result row by their keys: a join let
        # the planner, which cannot tell how few rows the sums give, hash every lot and party
        # of the view (7 ms at 10 M events, growing with the history).
        parts = " UNION ALL ".join(
            f"SELECT {index} AS part, m.lot_id, m.{part.party_column} AS party_id, "
            f"{'m.channel' if part.by_channel else 'NULL'} AS channel, "
            f"SUM({part.quantity}) AS quantity_g FROM m WHERE {part.condition} "
            f"GROUP BY m.lot_id, m.{part.party_column}{', m.channel' if part.by_channel else ''}"
            for index, part in enumerate(sums))
        sql = (f"WITH m AS (SELECT * FROM {movements} "
               f"WHERE lot_id IN ({','.join('?' * len(lot_ids))}){time_filter}) "
               f"SELECT s.part, s.lot_id, (SELECT l.code FROM {lots} l "
               "WHERE l.lot_id = s.lot_id), s.party_id, "
               f"COALESCE((SELECT p.name FROM {parties} p WHERE p.party_id = s.party_id), ''), "
               f"s.channel, s.quantity_g FROM ({parts}) s")
        params = [*lot_ids, *([] if at_us is None else [at_us])]
        found: list[list[Reach]] = [[] for _ in sums]
        for row in self.database.query(sql, params):
            if row[2] is not None and (not sums[int(row[0])].positive or int(row[6]) > 0):
                found[int(row[0])].append(Reach(lot_id=row[1], code=row[2], party_id=row[3],
                                                party_name=row[4], channel=row[5],
                                                quantity_g=int(row[6])))
        return [sorted(reaches, key=lambda reach: (reach.code, reach.party_name,
                                                   reach.party_id, reach.channel or ""))
                for reaches in found]

    def _sums(self, lot_ids: list[str], condition: str, party_column: str,
              quantity: str, at_us: int | None, basis: TimeBasis, *,
              positive: bool = False, by_channel: bool = False) -> list[Reach]:
        """Sums of ``quantity`` (an expression over a movement ``m``) per lot and party
        (and channel), over the movements of ``lot_ids`` meeting ``condition``."""
        time_column = "m.occurred_at_us" if basis == "business" else "m.recorded_at_us"
        channel = "m.channel" if by_channel else "NULL"
        movements, lots, parties = (self.table("trace_movements"), self.table("trace_lots"),
                                    self.table("trace_parties"))
        time_filter = f" AND {time_column} <= ?" if at_us is not None else ""
        rows = self.database.query_in(
            f"SELECT m.lot_id, l.code, m.{party_column}, COALESCE(p.name, ''), {channel}, "
            f"SUM({quantity}) FROM {movements} m "
            f"JOIN {lots} l ON l.lot_id = m.lot_id "
            f"LEFT JOIN {parties} p ON p.party_id = m.{party_column} "
            f"WHERE m.lot_id IN ({{in_list}}) AND {condition}{time_filter} "
            f"GROUP BY m.lot_id, l.code, m.{party_column}, p.name"
            f"{', m.channel' if by_channel else ''}",
            lot_ids, params_after=[] if at_us is None else [at_us])
        reaches = [Reach(lot_id=row[0], code=row[1], party_id=row[2], party_name=row[3],
                         channel=row[4], quantity_g=int(row[5]))
                   for row in rows if not positive or int(row[5]) > 0]
        return sorted(reaches, key=lambda reach: (reach.code, reach.party_name, reach.party_id,
                                                  reach.channel or ""))

    def movements(self, lot_ids: Sequence[str], *, as_of: datetime | None = None,
                  basis: TimeBasis = "business") -> list[Movement]:
        """Every movement of the lots, in log order."""
        at_us = None if as_of is None else to_us(as_of)
        time_column = "m.occurred_at_us" if basis == "business" else "m.recorded_at_us"
        movements, lots, parties = (self.table("trace_movements"), self.table("trace_lots"),
                                    self.table("trace_parties"))
        time_filter = f" AND {time_column} <= ?" if at_us is not None else ""
        rows = self.database.query_in(
            "SELECT m.position, m.lot_id, l.code, m.kind, m.site_id, COALESCE(s.name, ''), "
            "m.holder_id, COALESCE(h.name, ''), m.quantity_g, m.discrepancy_g, m.channel, "
            "m.delivery_id, m.reason, m.occurred_at_us, m.recorded_at_us "
            f"FROM {movements} m JOIN {lots} l ON l.lot_id = m.lot_id "
            f"LEFT JOIN {parties} s ON s.party_id = m.site_id "
            f"LEFT JOIN {parties} h ON h.party_id = m.holder_id "
            f"WHERE m.lot_id IN ({{in_list}}){time_filter}",
            list(lot_ids), params_after=[] if at_us is None else [at_us])
        rows.sort()
        return [Movement(position=int(row[0]), lot_id=row[1], code=row[2], kind=row[3],
                         site_id=row[4], site_name=row[5], holder_id=row[6],
                         holder_name=row[7], quantity_g=int(row[8]),
                         discrepancy_g=int(row[9]), channel=row[10], delivery_id=row[11],
                         reason=row[12], occurred_at=from_us(int(row[13])),
                         recorded_at=from_us(int(row[14])))
                for row in rows[:MOVEMENTS_MAX]]


class _TraceBatch:
    """The rows one batch writes, built in memory and written with ``executemany``.

    Handlers take ``(position, event, lot_id)``; ids become text once per batch (a memo),
    since ``str(UUID)`` is a measurable share of a rebuild.
    """

    def __init__(self, view: TraceView, transaction: ViewTransaction) -> None:
        self.view = view
        self.transaction = transaction
        self.new_lots: dict[str, list[Any]] = {}
        self.attributes: dict[str, list[Any]] = {}
        """Lots created by earlier batches: platform, site and recall columns to set."""
        self.edges: list[tuple[Any, ...]] = []
        self.movements: list[tuple[Any, ...]] = []
        self.parties: list[tuple[str, str, str, str]] = []
        self.sites: dict[str, str | None] = {}
        self._ids: dict[int, str] = {}
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

    def text(self, value: UUID) -> str:
        """An id as text, memoised for the batch (keyed by the id's integer: hashing a
        ``UUID`` itself runs Python code, hashing its ``int`` does not)."""
        key = value.int
        text = self._ids.get(key)
        if text is None:
            text = self._ids[key] = str(value)
        return text

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
