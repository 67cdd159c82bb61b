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

What the queries answer is in ``projections/trace_records.py``; how a batch is applied, in
``projections/trace_batch.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

import msgspec

from domain.base import Event
from domain.lots import Lot
from domain.members import Member
from domain.sites import Site
from projections.runner import View
from projections.trace_batch import TraceBatch
from projections.trace_records import (
    ORIGINS,
    BackwardTrace,
    ForwardTrace,
    Movement,
    Reach,
    RecallImpact,
    TraceEdge,
    TraceLot,
)
from projections.view_store import IN_LIST_SIZE_MAX, ViewTransaction, from_us, to_us

TimeBasis = Literal["business", "recorded"]
TRACE_DEPTH_MAX = 64
"""Levels walked from a lot: a lot split, merged or transformed 64 times over is a data error,
not a food chain (real chains are a handful of steps)."""
TRACE_LOTS_MAX = 10_000  # Matches the application's recall bound: one trace never reaches more.
MOVEMENTS_MAX = 100_000  # Rows one movement listing returns.


class TraceLimitExceeded(ValueError):
    """A trace reached more lots or levels than its named bounds allow."""


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
        TraceBatch(self, transaction).run(events)

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
