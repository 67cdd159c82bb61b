"""Allocation keys: pure functions that share a product's available stock among outlets.

Every key returns whole grams and never gives an outlet more than it asked for nor more in
total than is available. Remainders go by the largest-remainder method, ties broken by the
outlet id so that the same inputs always give the same lines.
"""

from __future__ import annotations

from uuid import UUID

import msgspec

from domain.preferences import PreferenceCounts

PROPORTIONAL_TO_NEEDS = "proportional_to_needs"
"""The default key: proportional to declared needs, capped by what is available."""


class Need(msgspec.Struct, frozen=True):
    """An outlet's declared need for a product in a round."""

    outlet_id: UUID
    product: str
    quantity_g: int
    households_served: int = 0
    preferences: PreferenceCounts | None = None
    """What the outlet's households said of the product this season, as counts (None when
    none of them stated preferences, and in needs recorded before households could)."""


class LotAvailability(msgspec.Struct, frozen=True):
    """A lot's available stock when the round was computed (an input of the key)."""

    lot_id: UUID
    product: str
    available_g: int
    best_before: str
    """ISO date, so the inputs sort and serialise plainly."""


class Line(msgspec.Struct, frozen=True):
    """A computed allocation: so many grams of a lot for an outlet."""

    lot_id: UUID
    outlet_id: UUID
    quantity_g: int


def largest_remainder(total_g: int, weights: dict[UUID, int],
                      caps: dict[UUID, int]) -> dict[UUID, int]:
    """Share ``total_g`` in proportion to ``weights``, no share above its cap.

    Shares that reach their cap free the rest for the others, so the result gives out
    ``min(total_g, sum(caps))`` grams exactly.
    """
    shares = dict.fromkeys(weights, 0)
    remaining_g = min(total_g, sum(caps.values()))
    open_ids = {key for key in weights if caps.get(key, 0) > 0}
    # Each pass either gives everything out or fills at least one share to its cap, so at
    # most len(weights) + 1 passes happen.
    for _ in range(len(weights) + 1):
        if remaining_g <= 0 or not open_ids:
            break
        weight_total = sum(weights[key] for key in open_ids)
        if weight_total <= 0:
            # No weight left: share equally among the outlets still short.
            weight_total = len(open_ids)
            current = dict.fromkeys(open_ids, 1)
        else:
            current = {key: weights[key] for key in open_ids}
        exact = {key: remaining_g * current[key] for key in open_ids}
        floors = {key: exact[key] // weight_total for key in open_ids}
        leftover = remaining_g - sum(floors.values())
        by_remainder = sorted(open_ids, key=lambda key: (-(exact[key] % weight_total), str(key)))
        for key in by_remainder[:leftover]:
            floors[key] += 1
        capped = False
        for key in sorted(open_ids, key=str):
            room_g = caps[key] - shares[key]
            given_g = min(room_g, floors[key])
            shares[key] += given_g
            remaining_g -= given_g
            if shares[key] >= caps[key]:
                open_ids.discard(key)
                capped = True
        if not capped:
            break
    return shares


def allocate(needs: list[Need], lots: list[LotAvailability], *,
             weight_of: str = "need", minimum_share_bp: int = 0) -> list[Line]:
    """Compute allocation lines for every product.

    ``weight_of`` is ``"need"`` (proportional to declared needs) or ``"households"``
    (proportional to households served). ``minimum_share_bp`` guarantees each outlet with a
    need at least that share (in basis points) of the product's available stock, capped by
    its need, before the rest is shared. Each outlet's grams are then taken from lots in
    first-expiring-first-out order.
    """
    lines: list[Line] = []
    for product in sorted({need.product for need in needs}):
        product_needs = [need for need in needs if need.product == product and need.quantity_g > 0]
        product_lots = sorted(
            (lot for lot in lots if lot.product == product and lot.available_g > 0),
            key=lambda lot: (lot.best_before, str(lot.lot_id)),
        )
        available_g = sum(lot.available_g for lot in product_lots)
        if not product_needs or available_g == 0:
            continue
        caps: dict[UUID, int] = {}
        weights: dict[UUID, int] = {}
        for need in product_needs:
            caps[need.outlet_id] = caps.get(need.outlet_id, 0) + need.quantity_g
            weight = need.quantity_g if weight_of == "need" else need.households_served
            weights[need.outlet_id] = weights.get(need.outlet_id, 0) + weight
        shares = dict.fromkeys(caps, 0)
        if minimum_share_bp > 0:
            floor_g = available_g * minimum_share_bp // 10_000
            for outlet_id in sorted(caps, key=str):
                given_g = min(floor_g, caps[outlet_id], available_g - sum(shares.values()))
                shares[outlet_id] += given_g
        rest_g = available_g - sum(shares.values())
        rest_caps = {key: caps[key] - shares[key] for key in caps}
        for key, extra_g in largest_remainder(rest_g, weights, rest_caps).items():
            shares[key] += extra_g
        lines.extend(_fill_from_lots(shares, product_lots))
    return lines


def _fill_from_lots(shares: dict[UUID, int], lots: list[LotAvailability]) -> list[Line]:
    """Take each outlet's share from lots, first expiring first."""
    lines: list[Line] = []
    remaining = {lot.lot_id: lot.available_g for lot in lots}
    for outlet_id in sorted(shares, key=str):
        wanted_g = shares[outlet_id]
        for lot in lots:
            if wanted_g == 0:
                break
            taken_g = min(wanted_g, remaining[lot.lot_id])
            if taken_g:
                lines.append(Line(lot.lot_id, outlet_id, taken_g))
                remaining[lot.lot_id] -= taken_g
                wanted_g -= taken_g
    return lines


def allocate_with(needs: list[Need], lots: list[LotAvailability],
                  key_parameters: dict[str, int]) -> list[Line]:
    """``allocate`` with the parameters a round records (``domain.rules.allocation_parameters``).

    The round's computation and the what-if replay both call this, so a key's recorded
    parameters always mean the same lines.
    """
    return allocate(needs, lots,
                    weight_of="households" if key_parameters.get("by_households") else "need",
                    minimum_share_bp=key_parameters.get("minimum_share_bp", 0))
