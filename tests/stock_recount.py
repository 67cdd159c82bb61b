"""An independent recount of stock from the stored events, for tests to check the view by.

It shares nothing with ``projections/stock.py``: it folds the decoded events one by one, in
log order, keeping those that happened (business time) by the moment asked, into plain
dictionaries, then applies the state rules as DESIGN and ``docs/stock.md`` state them, with
the domain's date functions and the stock rules in force on the day. The answer is keyed the
way a comparison needs it: per lot at its site, per site and product, per outlet and lot,
per line in transit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from domain.base import Event
from domain.dates import DateKind, aware, paris_day
from domain.lots import Lot
from domain.rules import Enactment, RuleBook, stock_rules_at


@dataclass
class LotCount:
    """One lot as the recount sees it."""

    code: str
    product: str
    site_id: UUID | None = None
    best_before: date = date.min
    date_kind: DateKind = DateKind.NONE
    bulk: bool = False
    on_hand_g: int = 0
    reserved_g: int = 0
    in_transit: dict[tuple[UUID, UUID], tuple[int, datetime]] = field(default_factory=dict)
    """(delivery, outlet) -> (grams, dispatched at)."""
    at_outlets: dict[UUID, int] = field(default_factory=lambda: defaultdict(int))
    on_hold: bool = False
    hold_reason: str = ""
    recalled: bool = False


@dataclass
class Recount:
    """Stock at one moment, from the events alone."""

    moment: datetime
    day: date
    lots: dict[UUID, LotCount]
    enactments: list[Enactment]

    def lot_states(self, expiring_days: int = 3) -> dict[UUID, dict[str, object]]:
        """Every lot at a site or on the road: its quantities and states on the day."""
        rules, _ = stock_rules_at(self.enactments, self.day)
        answer: dict[UUID, dict[str, object]] = {}
        for lot_id, lot in self.lots.items():
            in_transit_g = sum(grams for grams, _ in lot.in_transit.values())
            if lot.site_id is None or (lot.on_hand_g <= 0 and in_transit_g <= 0):
                continue
            past = (self.day - lot.best_before).days
            expired = past > 0
            soon = not expired and lot.best_before <= self.day + timedelta(days=expiring_days)
            if lot.date_kind == DateKind.USE_BY:
                blocked = past > 0
            elif lot.date_kind == DateKind.BEST_BEFORE:
                blocked = past > rules.grace_days(lot.product)
            else:
                blocked = False
            usable = not (lot.recalled or lot.on_hold or lot.bulk or blocked)
            by_state = lot.on_hand_g if not (lot.recalled or lot.on_hold) else 0
            answer[lot_id] = {
                "site_id": str(lot.site_id), "product": lot.product, "code": lot.code,
                "on_hand_g": lot.on_hand_g, "reserved_g": lot.reserved_g,
                "available_g": lot.on_hand_g - lot.reserved_g if usable else 0,
                "in_transit_g": in_transit_g,
                "on_hold_g": lot.on_hand_g if lot.on_hold and not lot.recalled else 0,
                "recalled_g": lot.on_hand_g if lot.recalled else 0,
                "expired_g": by_state if expired else 0,
                "expiring_soon_g": by_state if soon else 0,
                "blocked_by_date": blocked, "recalled": lot.recalled, "on_hold": lot.on_hold,
            }
        return answer

    def site_totals(self, expiring_days: int = 3) -> dict[tuple[str, str], dict[str, int]]:
        """Sums per site and product of :meth:`lot_states`."""
        totals: dict[tuple[str, str], dict[str, int]] = {}
        for state in self.lot_states(expiring_days).values():
            key = (str(state["site_id"]), str(state["product"]))
            sums = totals.setdefault(key, defaultdict(int))
            sums["lots"] += 1
            for name in ("on_hand_g", "reserved_g", "available_g", "in_transit_g",
                         "on_hold_g", "recalled_g", "expired_g", "expiring_soon_g"):
                value = state[name]
                assert isinstance(value, int)
                sums[name] += value
        return {key: dict(sums) for key, sums in totals.items()}

    def outlet_holdings(self) -> dict[tuple[str, str], int]:
        """(outlet, lot) -> grams the outlet holds."""
        return {(str(outlet_id), str(lot_id)): grams
                for lot_id, lot in self.lots.items()
                for outlet_id, grams in lot.at_outlets.items() if grams > 0}

    def in_transit(self) -> dict[tuple[str, str, str], tuple[int, datetime]]:
        """(lot, delivery, outlet) -> (grams, since)."""
        return {(str(lot_id), str(delivery_id), str(outlet_id)): line
                for lot_id, lot in self.lots.items()
                for (delivery_id, outlet_id), line in lot.in_transit.items()}


def recount(events: Iterable[Event], moment: datetime) -> Recount:
    """Stock as of ``moment`` (business time), folding ``events`` in log order."""
    moment = aware(moment)
    lots: dict[UUID, LotCount] = {}
    enactments: list[Enactment] = []
    for event in events:
        if isinstance(event, RuleBook.RuleEnacted):
            enactments.append(event.enactment)
            continue
        if not isinstance(event, Event) or not type(event).TOPIC.startswith("lot."):
            continue
        if aware(event.context.occurred_at) > moment:
            continue
        _fold(lots, event)
    return Recount(moment=moment, day=paris_day(moment), lots=lots, enactments=enactments)


def _fold(lots: dict[UUID, LotCount], event: Event) -> None:
    lot_id = event.originator_id
    if isinstance(event, Lot.Offered):
        lots[lot_id] = LotCount(code=event.code, product=event.product,
                                best_before=event.best_before, date_kind=event.date_kind)
        return
    if isinstance(event, Lot.Derived):
        lots[lot_id] = LotCount(code=event.code, product=event.product, site_id=event.site_id,
                                best_before=event.best_before, date_kind=event.date_kind,
                                on_hand_g=event.quantity_g)
        return
    if isinstance(event, Lot.DonationReceived):
        lots[lot_id] = LotCount(code=event.code, product="vrac", site_id=event.site_id,
                                best_before=event.best_before, bulk=True,
                                on_hand_g=event.quantity_g)
        return
    lot = lots.get(lot_id)
    if lot is None:
        return  # Created after the moment (its later events are not counted either).
    if isinstance(event, Lot.OfferAccepted | Lot.ReceptionRefused):
        lot.site_id = event.site_id
    elif isinstance(event, Lot.Received):
        lot.site_id = event.site_id
        lot.on_hand_g += event.measured_g
        lot.best_before = event.best_before or lot.best_before
        lot.date_kind = event.date_kind or lot.date_kind
    elif isinstance(event, Lot.Split | Lot.MergedInto | Lot.TransformedInto | Lot.Sorted):
        lot.on_hand_g -= event.used_g
    elif isinstance(event, Lot.Reserved):
        lot.reserved_g += event.quantity_g
    elif isinstance(event, Lot.ReservationReleased):
        lot.reserved_g -= event.quantity_g
    elif isinstance(event, Lot.Dispatched):
        lot.on_hand_g -= event.quantity_g
        lot.reserved_g -= event.from_reservation_g
        lot.in_transit[(event.delivery_id, event.outlet_id)] = (
            event.quantity_g, aware(event.context.occurred_at))
    elif isinstance(event, Lot.Delivered):
        del lot.in_transit[(event.delivery_id, event.outlet_id)]
        lot.at_outlets[event.outlet_id] += event.received_g
    elif isinstance(event, Lot.Lost):
        if event.at_outlet:
            lot.at_outlets[event.holder_id] -= event.quantity_g
        else:
            lot.on_hand_g -= event.quantity_g
    elif isinstance(event, Lot.Distributed):
        lot.at_outlets[event.outlet_id] -= event.quantity_g
    elif isinstance(event, Lot.Recalled):
        lot.recalled = True
    elif isinstance(event, Lot.Held):
        lot.on_hold, lot.hold_reason = True, event.reason
    elif isinstance(event, Lot.HoldReleased):
        lot.on_hold, lot.hold_reason = False, ""
