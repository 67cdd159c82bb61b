"""What the stock view answers, and the state of each gram of a lot on a day.

Lines per lot, totals per site and product, lines on the road, outlet holdings and grams for
the metrics, as ``projections.stock.StockView`` returns them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import msgspec

from domain.dates import DateKind, Expiry, days_past, expiry
from domain.stock_rules import SetStockRules
from projections.view_store import Row, from_us


class StockLine(msgspec.Struct, frozen=True, kw_only=True):
    """One lot's stock at one site, and its state."""

    site_id: str
    site_name: str
    product: str
    lot_id: str
    code: str
    variety: str
    best_before: str
    date_kind: str
    """``dlc``, ``ddm`` or ``none`` (a suggested date)."""
    on_hand_g: int
    reserved_g: int
    available_g: int
    in_transit_g: int
    on_hold_g: int
    recalled_g: int
    expired_g: int
    expiring_soon_g: int
    expiry: str
    """``fresh``, ``expiring_soon`` or ``expired`` on the as-of day (whatever the holds)."""
    days_left: int
    """Days from the as-of day to the date (negative once past)."""
    blocked_by_date: bool
    """Past its DLC, or past its DDM beyond the grace period: it may not be passed on."""
    expiring_soon: bool
    """On hand, neither recalled nor held nor expired, and its date within the window."""
    recalled: bool
    on_hold: bool
    hold_reason: str
    held_since: str
    bulk: bool
    """An unsorted bulk donation (to sort before anything else)."""


class StockTotal(msgspec.Struct, frozen=True, kw_only=True):
    """One product's stock at one site (sums of its lines)."""

    site_id: str
    site_name: str
    product: str
    lots: int
    on_hand_g: int
    reserved_g: int
    available_g: int
    in_transit_g: int
    on_hold_g: int
    recalled_g: int
    expired_g: int
    expiring_soon_g: int


class InTransit(msgspec.Struct, frozen=True, kw_only=True):
    """A lot line on the road: from which site, to which outlet, on which delivery, since
    when."""

    lot_id: str
    code: str
    product: str
    site_id: str
    site_name: str
    outlet_id: str
    outlet_name: str
    delivery_id: str
    quantity_g: int
    since: datetime
    recalled: bool
    on_hold: bool


class StockGrams(msgspec.Struct, frozen=True, kw_only=True):
    """What one site holds of one product, in grams, split by expiry (for metrics)."""

    site_id: str
    site_name: str
    product: str
    on_hand_g: int
    reserved_g: int
    available_g: int
    expiring_g: int
    """On hand with a best-before from today to ``expiring_days`` days ahead."""
    expired_g: int
    """On hand with a best-before before today."""
    recalled_g: int


class OutletHolding(msgspec.Struct, frozen=True, kw_only=True):
    """What an outlet holds of a lot, and its state."""

    outlet_id: str
    outlet_name: str
    lot_id: str
    code: str
    product: str
    held_g: int
    """Grams the outlet holds (delivered, not yet distributed or lost)."""
    best_before: str
    date_kind: str
    expiry: str
    blocked_by_date: bool
    recalled: bool
    on_hold: bool


class Hold(msgspec.Struct, frozen=True):
    """The hold on a lot at a moment: why, and since when (microseconds)."""

    reason: str
    since_us: int



def blocked_by_date(kind: DateKind, best_before: date, day: date, rules: SetStockRules,
                    product: str) -> bool:
    """Whether the lot's date forbids passing it on on ``day`` (as ``Lot.check_date``)."""
    past_days = days_past(best_before, day)
    if kind == DateKind.USE_BY:
        return past_days > 0
    if kind == DateKind.BEST_BEFORE:
        return past_days > rules.grace_days(product)
    return False


def totals_of(lines: Sequence[StockLine]) -> list[StockTotal]:
    """Sums of lines per site and product, in the lines' order."""
    totals: dict[tuple[str, str], list[Any]] = {}
    for line in lines:
        entry = totals.setdefault((line.site_id, line.product),
                                  [line.site_name, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        entry[1] += 1
        for index, value in enumerate(
                (line.on_hand_g, line.reserved_g, line.available_g, line.in_transit_g,
                 line.on_hold_g, line.recalled_g, line.expired_g, line.expiring_soon_g),
                start=2):
            entry[index] += value
    return [StockTotal(site_id=site, site_name=entry[0], product=product_name, lots=entry[1],
                       on_hand_g=entry[2], reserved_g=entry[3], available_g=entry[4],
                       in_transit_g=entry[5], on_hold_g=entry[6], recalled_g=entry[7],
                       expired_g=entry[8], expiring_soon_g=entry[9])
            for (site, product_name), entry in totals.items()]


def stock_line(row: Row, hold: Hold | None, rules: SetStockRules, day: date,
          expiring_days: int) -> StockLine:
    """A stock line from a row ``(site, site name, product, lot, code, variety, date, kind,
    bulk, on hand, reserved, in transit, recalled)`` and the lot's hold."""
    product, on_hand_g, reserved_g = row[2], int(row[9]), int(row[10])
    best_before, kind, recalled, bulk = date.fromisoformat(row[6]), DateKind(row[7]), \
        bool(row[12]), bool(row[8])
    state = expiry(best_before, day, expiring_days)
    blocked = blocked_by_date(kind, best_before, day, rules, product)
    on_hold = hold is not None
    # Each gram on hand in one bucket: recalled, else on hold, else by its date.
    recalled_g = on_hand_g if recalled else 0
    on_hold_g = on_hand_g if on_hold and not recalled else 0
    dated_g = on_hand_g - recalled_g - on_hold_g
    usable = not (recalled or on_hold or bulk or blocked)
    return StockLine(
        site_id=row[0], site_name=row[1], product=product, lot_id=row[3], code=row[4],
        variety=row[5], best_before=row[6], date_kind=row[7], on_hand_g=on_hand_g,
        reserved_g=reserved_g, available_g=on_hand_g - reserved_g if usable else 0,
        in_transit_g=int(row[11]), on_hold_g=on_hold_g, recalled_g=recalled_g,
        expired_g=dated_g if state == Expiry.EXPIRED else 0,
        expiring_soon_g=dated_g if state == Expiry.EXPIRING_SOON else 0,
        expiry=str(state), days_left=(best_before - day).days, blocked_by_date=blocked,
        expiring_soon=bool(dated_g) and state == Expiry.EXPIRING_SOON, recalled=recalled,
        on_hold=on_hold, hold_reason=hold.reason if hold else "",
        held_since=from_us(hold.since_us).isoformat() if hold else "", bulk=bulk)
