"""Pick lists: what to take off the shelves for each stop of a planned delivery.

For each stop, the planned lines in first-expired-first-out order (earliest date first,
then lot code), each with its quantity. A line the dispatch would refuse at the picking
moment is not picked but listed apart with the refusal as its reason: a held, recalled or
unsorted lot, a lot past its DLC or with less than the governed remaining life, a lot past
its DDM beyond the grace period, or one short of stock. For each such line, lots of the same
product at the site that could leave instead are proposed, first expired first, with the
quantity each could give (never counting a gram twice over the whole list). A lot past a DDM
within its grace, or past a suggested date, is picked and flagged so the picker checks it.

The refusals are the aggregate's own checks (``Lot.check_dispatch``), so a pick list never
disagrees with the dispatch that follows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from uuid import UUID

import msgspec

from domain.dates import PARIS, DateKind, aware, days_past, paris_day
from domain.deliveries import Stop
from domain.errors import DomainError, InsufficientStock
from domain.lots import Lot, LotStatus
from domain.stock_rules import SetStockRules

SUBSTITUTES_MAX = 5  # Proposals per skipped line: a picker reads a handful, not a catalogue.
DISPATCH_TIME = time(6, 0)
"""When vans leave on a planned day (Europe/Paris): the earliest a delivery is loaded."""


def leaving_moment(planned_for: date, now: datetime) -> datetime:
    """When a delivery planned for a day leaves, as seen ``now``: the morning of that day,
    or now if that is later. Planning and picking check lots as they will be then."""
    return max(aware(now), datetime.combine(planned_for, DISPATCH_TIME, tzinfo=PARIS))


class PickLine(msgspec.Struct, frozen=True, kw_only=True):
    """A lot to pick, and how much."""

    lot_id: UUID
    code: str
    product: str
    variety: str
    best_before: date
    date_kind: DateKind
    quantity_g: int
    past_date_days: int = 0
    """Flag: days past a DDM (within its grace) or past a suggested date; check it."""


class SkippedLine(msgspec.Struct, frozen=True, kw_only=True):
    """A planned line not to pick, with why and what could replace it."""

    lot_id: UUID
    code: str
    product: str
    best_before: date
    date_kind: DateKind
    quantity_g: int
    reason: str
    code_of_refusal: str
    """The refusal's stable code (``lot_held``, ``use_by_date_passed``…)."""
    facts: dict[str, str | int]
    """The refusal's numbers (the hold's reason, the hours left, the days past…)."""
    substitutes: list[PickLine]


class PickStop(msgspec.Struct, frozen=True, kw_only=True):
    """One outlet's stop."""

    outlet_id: UUID
    lines: list[PickLine]
    skipped: list[SkippedLine]

    @property
    def quantity_g(self) -> int:
        """Grams to pick for the stop."""
        return sum(line.quantity_g for line in self.lines)


class PickList(msgspec.Struct, frozen=True, kw_only=True):
    """A delivery's pick list at a picking moment."""

    delivery_id: UUID
    site_id: UUID
    planned_for: date
    picking_day: date
    stops: list[PickStop]


def _line(lot: Lot, quantity_g: int, day: date) -> PickLine:
    flagged = lot.date_kind != DateKind.USE_BY
    return PickLine(lot_id=lot.id, code=lot.code, product=lot.product, variety=lot.variety,
                    best_before=lot.best_before, date_kind=lot.date_kind,
                    quantity_g=quantity_g,
                    past_date_days=days_past(lot.best_before, day) if flagged else 0)


Taken = dict[tuple[UUID, UUID | None], int]
"""Grams the list already takes, per lot: from an outlet's reservation (keyed by the outlet)
or from the lot's available stock (keyed by None)."""


def _take(lot: Lot, outlet_id: UUID, quantity_g: int, taken: Taken) -> None:
    """Take ``quantity_g`` for the outlet, from its reservation first, as a dispatch does;
    refuse when the list already took what the lot can give."""
    reserved_g = lot.reserved_g.get(outlet_id, 0) - taken.get((lot.id, outlet_id), 0)
    from_reservation_g = min(max(reserved_g, 0), quantity_g)
    from_available_g = quantity_g - from_reservation_g
    available_g = lot.available_g - taken.get((lot.id, None), 0)
    if from_available_g > available_g:
        raise InsufficientStock(
            f"pick {quantity_g} g refused: lot {lot.code} has {max(reserved_g, 0)} g reserved "
            f"for this outlet and {available_g} g available not already on this list",
            reason="pick_more_than_stock", lot=lot.code, quantity_g=quantity_g,
            available_g=available_g)
    taken[(lot.id, outlet_id)] = taken.get((lot.id, outlet_id), 0) + from_reservation_g
    taken[(lot.id, None)] = taken.get((lot.id, None), 0) + from_available_g


def _room(lot: Lot, outlet_id: UUID, taken: Taken) -> int:
    """Grams the lot can still give the outlet on this list."""
    reserved_g = lot.reserved_g.get(outlet_id, 0) - taken.get((lot.id, outlet_id), 0)
    return max(reserved_g, 0) + lot.available_g - taken.get((lot.id, None), 0)


def fefo(lots: Sequence[Lot]) -> list[Lot]:
    """Lots first expired, first out (earliest date, then code)."""
    return sorted(lots, key=lambda lot: (lot.best_before, lot.code))


def pick_list(*, delivery_id: UUID, site_id: UUID, planned_for: date, stops: Sequence[Stop],
              lots: dict[UUID, Lot], site_lots: Sequence[Lot], moment: datetime,
              rules: SetStockRules) -> PickList:
    """The pick list of a planned delivery at ``moment``.

    ``lots`` holds every lot the delivery names; ``site_lots`` the lots at the site that
    may replace a skipped line.
    """
    day = paris_day(moment)
    # A lot may feed several lines: each takes from what earlier lines left of it.
    taken: Taken = {}
    answer: list[PickStop] = []
    for stop in stops:
        picked: list[PickLine] = []
        skipped: list[SkippedLine] = []
        for planned in stop.lines:
            lot = lots[planned.lot_id]
            try:
                lot.check_dispatch(stop.outlet_id, planned.quantity_g, moment, rules)
                _take(lot, stop.outlet_id, planned.quantity_g, taken)
            except DomainError as refusal:
                skipped.append(SkippedLine(
                    lot_id=lot.id, code=lot.code, product=lot.product,
                    best_before=lot.best_before, date_kind=lot.date_kind,
                    quantity_g=planned.quantity_g, reason=refusal.message,
                    code_of_refusal=refusal.code, facts=dict(refusal.facts),
                    substitutes=_substitutes(lot, planned.quantity_g, stop.outlet_id,
                                             site_lots, taken, moment, rules, day)))
                continue
            picked.append(_line(lot, planned.quantity_g, day))
        answer.append(PickStop(outlet_id=stop.outlet_id,
                               lines=sorted(picked, key=lambda line: (line.best_before,
                                                                      line.code)),
                               skipped=skipped))
    return PickList(delivery_id=delivery_id, site_id=site_id, planned_for=planned_for,
                    picking_day=day, stops=answer)


def _substitutes(missing: Lot, wanted_g: int, outlet_id: UUID, site_lots: Sequence[Lot],
                 taken: Taken, moment: datetime, rules: SetStockRules,
                 day: date) -> list[PickLine]:
    """Lots of the same product that could leave instead, first expired first, covering
    ``wanted_g`` as far as they can (their grams are then taken)."""
    proposals: list[PickLine] = []
    for lot in fefo([lot for lot in site_lots
                     if lot.product == missing.product and lot.id != missing.id
                     and lot.status == LotStatus.RECEIVED]):
        if wanted_g <= 0 or len(proposals) >= SUBSTITUTES_MAX:
            break
        quantity_g = min(_room(lot, outlet_id, taken), wanted_g)
        if quantity_g <= 0:
            continue
        try:
            lot.check_dispatch(outlet_id, quantity_g, moment, rules)
        except DomainError:
            continue
        _take(lot, outlet_id, quantity_g, taken)
        wanted_g -= quantity_g
        proposals.append(_line(lot, quantity_g, day))
    return proposals
