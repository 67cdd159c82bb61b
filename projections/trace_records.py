"""What a trace answers: lots, edges, movements, reaches, and the three traces.

Lots in a walk, graph edges, movements, quantities reaching a party, and the backward,
forward and recall traces ``projections.trace.TraceView`` makes of them.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

HARVEST = "harvest"
DONATION = "donation"
ORIGINS = (HARVEST, DONATION)
"""How the lots at the roots of a trace came in: harvested and offered, or donated."""


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
