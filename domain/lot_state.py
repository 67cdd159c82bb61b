"""A lot's state, the quantities derived from it, and the checks that guard every act on it.

``Lot`` (``domain.lots``) adds the events that evolve this state and the commands that
record them; the checks here are also what other code asks before acting on several lots
at once (a merge's inputs, a delivery's lines, a picking list). Each check raises one domain
error per refusal reason, with the numbers, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from domain.base import Aggregate, Event
from domain.business_time import check_reception_date
from domain.dates import DateKind, dated, days_past, french_date, paris_day, remaining_life_hours
from domain.errors import (
    BestBeforeGraceExceeded,
    BulkNotSorted,
    InsufficientStock,
    InvalidCommand,
    InvalidState,
    LotHeld,
    QuantityMismatch,
    Recalled,
    RemainingLifeTooShort,
    UseByDatePassed,
)
from domain.input_bounds import check_quantity
from domain.lot_values import Hold, LotStatus, ParentShare
from domain.stock_rules import DEFAULT_STOCK_RULES, SetStockRules

PARTS_MAX = 100  # A split into more than 100 parts is not a split but a data-entry error.
LOT_WIDE_ACTS = frozenset({"lot.held", "lot.hold_released", "lot.recalled"})
"""Acts that bind every holder of the lot: a hold or a recall blocks outlets' handouts too."""
OUTLET_ACTS = frozenset({"lot.delivered", "lot.distributed"})
"""Acts of one outlet on what it holds of the lot (with a loss at an outlet)."""
ALL_HOLDERS = "all"


def act_holder(topic: str, fields: Any) -> UUID | str | None:
    """Who an act of a lot concerns: an outlet (its id), the site (None), or every holder
    (``ALL_HOLDERS``); ``fields`` is the event or its fields (a mapping)."""
    get: Callable[[str], Any] = (fields.get if isinstance(fields, dict)
                                 else fields.__getattribute__)
    if topic in OUTLET_ACTS:
        outlet: UUID = get("outlet_id")
        return outlet
    if topic == "lot.lost" and get("at_outlet"):
        holder: UUID = get("holder_id")
        return holder
    return ALL_HOLDERS if topic in LOT_WIDE_ACTS else None


class LotState(Aggregate):
    """What a lot is and holds, and what it refuses; ``Lot`` records what happens to it."""

    code: str
    product: str
    variety: str
    producer_id: UUID | None
    price_cents_per_kg: int
    harvest_date: date | None
    best_before: date
    organic_certificate: str
    origin: str
    status: LotStatus
    offered_g: int
    accepted_g: int
    platform_id: UUID | None
    site_id: UUID | None
    on_hand_g: int
    reserved_g: dict[UUID, int]
    in_transit_g: dict[tuple[UUID, UUID], int]
    held_g: dict[UUID, int]
    parents: list[ParentShare]
    children: list[UUID]
    recalled: bool
    date_kind: DateKind
    on_hold: Hold | None
    """The hold blocking the lot, if any (a recall blocks it too, for good)."""
    bulk: bool
    """An unsorted donation: only sorting (or a loss) may take from it."""
    donor_id: UUID | None
    temperature_dc: int | None
    """Measured at reception (chilled and frozen products)."""

    latest_by_holder: dict[UUID | None, datetime]
    """The latest business time of the acts of each holder: the site (None) or an outlet."""
    latest_lot_wide: datetime | None
    """The latest business time of a hold, its release or a recall."""

    ORDERED_IN_BUSINESS_TIME: ClassVar[bool] = True
    """No act on a lot is dated before the latest act it follows (``business_time``): a
    dispatch before the reception would make stock as of the moment between negative.
    Once parts of a lot are at outlets, each holder's acts follow each other, not the
    others' (an outlet typing Friday's handouts after another one recorded Saturday's is
    a late entry, not a reordering); a hold, its release or a recall binds them all."""
    NOTES_ACTS: ClassVar[bool] = True

    def note_act(self, event: Event, occurred_at: datetime) -> None:
        """Keep the latest business time of the holder the act concerns."""
        holder = act_holder(event.TOPIC, event)
        if holder == ALL_HOLDERS:
            if self.latest_lot_wide is None or occurred_at > self.latest_lot_wide:
                self.latest_lot_wide = occurred_at
            return
        assert not isinstance(holder, str)
        latest = self.latest_by_holder.get(holder)
        if latest is None or occurred_at > latest:
            self.latest_by_holder[holder] = occurred_at

    def business_time_floor(self, topic: str, fields: dict[str, Any]) -> datetime | None:
        """A hold, its release or a recall follows every act of the lot; any other act, the
        acts of its holder and the lot-wide ones."""
        holder = act_holder(topic, fields)
        if holder == ALL_HOLDERS:
            return self.latest_occurred_at
        assert not isinstance(holder, str)
        floors = [moment for moment in (self.latest_by_holder.get(holder),
                                        self.latest_lot_wide) if moment is not None]
        return max(floors) if floors else None

    def business_time_label(self) -> tuple[str, str]:
        """The lot by its code, in a refusal of an act dated before its latest."""
        return "lot", self.code

    # ------------------------------------------------------------ state helpers

    def _init_common(self, code: str, product: str, variety: str, best_before: date,
                     organic_certificate: str) -> None:
        self.code = code
        self.product = product
        self.variety = variety
        self.best_before = best_before
        self.organic_certificate = organic_certificate
        self.producer_id = None
        self.harvest_date = None
        self.origin = ""
        self.price_cents_per_kg = 0
        self.offered_g = 0
        self.accepted_g = 0
        self.platform_id = None
        self.site_id = None
        self.on_hand_g = 0
        self.reserved_g = {}
        self.in_transit_g = {}
        self.held_g = {}
        self.parents = []
        self.children = []
        self.recalled = False
        self.date_kind = DateKind.NONE
        self.on_hold = None
        self.bulk = False
        self.donor_id = None
        self.temperature_dc = None
        self.latest_by_holder = {}
        self.latest_lot_wide = None

    def _take_held(self, outlet_id: UUID, quantity_g: int) -> None:
        remaining = self.held_g[outlet_id] - quantity_g
        if remaining:
            self.held_g[outlet_id] = remaining
        else:
            del self.held_g[outlet_id]

    @property
    def reserved_total_g(self) -> int:
        """Stock set aside for outlets."""
        return sum(self.reserved_g.values())

    @property
    def available_g(self) -> int:
        """On-hand stock not reserved."""
        return self.on_hand_g - self.reserved_total_g

    # ------------------------------------------------------------------ checks

    def check_status(self, expected: LotStatus, act: str) -> None:
        """Refuse unless the lot is in the ``expected`` state."""
        if self.status != expected:
            raise InvalidState(f"cannot {act} lot {self.code}: it is {self.status}, "
                               f"not {expected}", reason="lot_status", lot=self.code,
                               status=str(self.status), expected=str(expected))

    def check_in_stock(self, act: str) -> None:
        """Refuse unless the lot is held at a site, not recalled and not on hold."""
        if self.status != LotStatus.RECEIVED:
            raise InvalidState(f"cannot {act} lot {self.code}: it has not been received "
                               f"(it is {self.status})", reason="lot_not_received",
                               lot=self.code, status=str(self.status))
        if self.recalled:
            raise Recalled(f"cannot {act} lot {self.code}: it is recalled",
                           reason="lot_recalled", lot=self.code)
        self.check_not_held(act)

    def check_not_held(self, act: str) -> None:
        """Refuse while the lot is on hold, saying why, since when and by whom."""
        if self.on_hold is not None:
            raise LotHeld(
                f"cannot {act} lot {self.code}: it is held since "
                f"{french_date(paris_day(self.on_hold.since))} ({self.on_hold.reason})",
                reason="lot_held", lot=self.code, hold_reason=self.on_hold.reason,
                held_by=str(self.on_hold.held_by), held_at=self.on_hold.since.isoformat())

    def check_sorted(self, act: str) -> None:
        """Refuse acts on an unsorted bulk donation other than sorting it."""
        if self.bulk:
            raise BulkNotSorted(f"cannot {act} lot {self.code}: it is an unsorted bulk "
                                "donation; sort it into product lots first",
                                reason="bulk_not_sorted", lot=self.code)

    def check_date(self, act: str, moment: datetime, rules: SetStockRules, *,
                   dispatch: bool = False) -> int:
        """Refuse an act the lot's date forbids on the day of ``moment``; days past it.

        Past a DLC: refused. Past a DDM: allowed within the grace period of the product's
        category, refused beyond. A dispatch of a DLC lot also needs the governed minimum
        of remaining life. A suggested date (fresh produce) never refuses.
        """
        today = paris_day(moment)
        past_days = days_past(self.best_before, today)
        facts: dict[str, str | int] = {
            "lot": self.code, "best_before": self.best_before.isoformat(),
            "date_kind": str(self.date_kind), "on_date": today.isoformat()}
        if self.date_kind == DateKind.USE_BY:
            if past_days:
                raise UseByDatePassed(
                    f"{act} refused: lot {self.code} is past its use-by date "
                    f"({dated(self.date_kind, self.best_before)}; today "
                    f"{french_date(today)})", reason="use_by_date_passed", **facts)
            if dispatch:
                hours = remaining_life_hours(self.best_before, moment)
                minimum = rules.use_by_min_remaining_hours
                if hours < minimum:
                    raise RemainingLifeTooShort(
                        f"{act} refused: lot {self.code} "
                        f"({dated(self.date_kind, self.best_before)}) has {hours} h of life "
                        f"left, below the {minimum} h minimum",
                        reason="remaining_life_too_short", remaining_hours=hours,
                        minimum_hours=minimum, **facts)
        elif self.date_kind == DateKind.BEST_BEFORE:
            grace_days = rules.grace_days(self.product)
            if past_days > grace_days:
                raise BestBeforeGraceExceeded(
                    f"{act} refused: lot {self.code} passed its best-before date "
                    f"({dated(self.date_kind, self.best_before)}) {past_days} days ago, "
                    f"beyond the {grace_days}-day grace period",
                    reason="best_before_grace_exceeded", past_days=past_days,
                    grace_days=grace_days, **facts)
        return past_days

    def check_available(self, act: str, quantity_g: int) -> None:
        """Refuse unless ``quantity_g`` is available (on hand and not reserved)."""
        self.check_in_stock(act)
        self.check_sorted(act)
        check_quantity(f"{act} quantity", quantity_g)
        if quantity_g > self.available_g:
            raise InsufficientStock(
                f"{act} {quantity_g} g refused: lot {self.code} has {self.available_g} g "
                f"available ({self.on_hand_g} g on hand, {self.reserved_total_g} g reserved)",
                reason="not_available", quantity_g=quantity_g, lot=self.code,
                available_g=self.available_g, on_hand_g=self.on_hand_g,
                reserved_g=self.reserved_total_g)

    def check_accept(self, accepted_g: int) -> None:
        """An offer is accepted while offered, for at most the quantity offered."""
        self.check_status(LotStatus.OFFERED, "accept the offer of")
        check_quantity("accepted quantity", accepted_g)
        if accepted_g > self.offered_g:
            raise InvalidCommand(f"accept {accepted_g} g refused: lot {self.code} offers "
                                 f"{self.offered_g} g", reason="accept_more_than_offered",
                                 accepted_g=accepted_g, offered_g=self.offered_g,
                                 lot=self.code)

    def check_reception(self, site_id: UUID, measured_g: int, moment: datetime) -> None:
        """An accepted lot is received at the site it was accepted for, weighed, not before
        its harvest."""
        self.check_status(LotStatus.ACCEPTED, "receive")
        if site_id != self.site_id:
            raise InvalidCommand(f"lot {self.code} was accepted for site {self.site_id}, "
                                 f"not {site_id}", reason="receive_at_other_site",
                                 lot=self.code)
        check_quantity("measured quantity", measured_g)
        check_reception_date(harvest_date=self.harvest_date, received_at=moment)

    def check_split(self, parts_g: list[int]) -> None:
        """The parts of a split must be at least two and add up to the available stock."""
        self.check_in_stock("split")
        self.check_sorted("split")
        if not 2 <= len(parts_g) <= PARTS_MAX:
            raise InvalidCommand(f"a split takes 2 to {PARTS_MAX} parts, got {len(parts_g)}",
                                 reason="split_parts_count", count=len(parts_g),
                                 maximum=PARTS_MAX, lot=self.code)
        for part_g in parts_g:
            check_quantity("split part", part_g)
        if sum(parts_g) != self.available_g:
            raise QuantityMismatch(
                f"split refused: parts sum to {sum(parts_g)} g but lot {self.code} has "
                f"{self.available_g} g available to split", reason="split_sum",
                parts_g=sum(parts_g), available_g=self.available_g, lot=self.code)

    def check_sort(self, outputs_g: list[int], waste_g: int) -> None:
        """A bulk donation is sorted whole: outputs plus waste weigh what it weighs."""
        self.check_in_stock("sort")
        if not self.bulk:
            raise InvalidState(f"cannot sort lot {self.code}: it is not an unsorted bulk "
                               "donation (split or transform it instead)",
                               reason="sort_not_bulk", lot=self.code)
        if not 1 <= len(outputs_g) <= PARTS_MAX:
            raise InvalidCommand(f"sorting makes 1 to {PARTS_MAX} product lots, "
                                 f"got {len(outputs_g)}", reason="sorted_lots_count",
                                 lot=self.code, count=len(outputs_g), maximum=PARTS_MAX)
        for output_g in outputs_g:
            check_quantity("sorted quantity", output_g)
        check_quantity("waste", waste_g, allow_zero=True)
        if sum(outputs_g) + waste_g != self.available_g:
            raise QuantityMismatch(
                f"sorting refused: products {sum(outputs_g)} g + waste {waste_g} g = "
                f"{sum(outputs_g) + waste_g} g, but bulk lot {self.code} weighs "
                f"{self.available_g} g", reason="sort_balance", lot=self.code,
                outputs_g=sum(outputs_g), waste_g=waste_g,
                total_g=sum(outputs_g) + waste_g, available_g=self.available_g)

    def check_reserve(self, quantity_g: int, moment: datetime,
                      rules: SetStockRules = DEFAULT_STOCK_RULES) -> None:
        """Refuse a reservation of more than is available, or of a lot its date forbids."""
        self.check_available("reserve", quantity_g)
        self.check_date("reserve", moment, rules)

    def check_release(self, outlet_id: UUID, quantity_g: int) -> None:
        """Refuse giving back more than is reserved for the outlet."""
        check_quantity("released quantity", quantity_g)
        reserved_g = self.reserved_g.get(outlet_id, 0)
        if quantity_g > reserved_g:
            raise InsufficientStock(f"release {quantity_g} g refused: lot {self.code} has "
                                    f"{reserved_g} g reserved for outlet {outlet_id}",
                                    reason="release_more_than_reserved",
                                    quantity_g=quantity_g, reserved_g=reserved_g,
                                    lot=self.code, outlet_id=str(outlet_id))

    def check_dispatch(self, outlet_id: UUID, quantity_g: int, moment: datetime | None = None,
                       rules: SetStockRules = DEFAULT_STOCK_RULES) -> int:
        """Refuse a dispatch beyond the outlet's reservation plus available stock, or one the
        lot's date forbids at ``moment`` (when given).

        Returns how much of the quantity comes out of the outlet's reservation.
        """
        self.check_in_stock("dispatch")
        self.check_sorted("dispatch")
        check_quantity("dispatched quantity", quantity_g)
        reserved_g = self.reserved_g.get(outlet_id, 0)
        if quantity_g > reserved_g + self.available_g:
            raise InsufficientStock(
                f"dispatch {quantity_g} g refused: lot {self.code} has {reserved_g} g "
                f"reserved for this outlet and {self.available_g} g available",
                reason="dispatch_more_than_stock", quantity_g=quantity_g,
                reserved_g=reserved_g, available_g=self.available_g, lot=self.code)
        if moment is not None:
            self.check_date("dispatch", moment, rules, dispatch=True)
        return min(reserved_g, quantity_g)

    def check_delivery(self, delivery_id: UUID, outlet_id: UUID, received_g: int) -> int:
        """Refuse receipts of more than was dispatched; return the dispatched quantity."""
        dispatched_g = self.in_transit_g.get((delivery_id, outlet_id))
        if dispatched_g is None:
            raise InvalidState(f"lot {self.code} is not in transit to outlet {outlet_id} "
                               f"on delivery {delivery_id}", reason="not_in_transit",
                               lot=self.code)
        check_quantity("received quantity", received_g, allow_zero=True)
        if received_g > dispatched_g:
            raise InvalidCommand(f"receipt of {received_g} g refused: only {dispatched_g} g "
                                 f"of lot {self.code} were dispatched",
                                 reason="receive_more_than_dispatched",
                                 received_g=received_g, dispatched_g=dispatched_g,
                                 lot=self.code)
        return dispatched_g

    def check_loss(self, holder_id: UUID, *, at_outlet: bool, quantity_g: int) -> None:
        """A loss at an outlet is of what it holds; at the site, of available stock."""
        if at_outlet:
            check_quantity("lost quantity", quantity_g)
            held_g = self.held_g.get(holder_id, 0)
            if quantity_g > held_g:
                raise InsufficientStock(f"loss of {quantity_g} g refused: outlet {holder_id} "
                                        f"holds {held_g} g of lot {self.code}",
                                        reason="loss_more_than_held", quantity_g=quantity_g,
                                        held_g=held_g, lot=self.code,
                                        outlet_id=str(holder_id))
        else:
            if self.status != LotStatus.RECEIVED:
                raise InvalidState(f"cannot record a loss on lot {self.code}: it is "
                                   f"{self.status}", reason="lot_not_received",
                                   lot=self.code, status=str(self.status))
            check_quantity("lost quantity", quantity_g)
            if quantity_g > self.available_g:
                raise InsufficientStock(
                    f"loss of {quantity_g} g refused: lot {self.code} has {self.available_g} g "
                    "available (release reservations first)", reason="loss_more_than_available",
                    quantity_g=quantity_g, available_g=self.available_g, lot=self.code)

    def check_distribution(self, outlet_id: UUID, quantity_g: int, moment: datetime,
                           rules: SetStockRules = DEFAULT_STOCK_RULES) -> int:
        """Refuse passing on a recalled or held lot, more than the outlet holds, or what the
        lot's date forbids at ``moment``; return the days past its date (flagged)."""
        if self.recalled:
            raise Recalled(f"cannot distribute lot {self.code}: it is recalled",
                           reason="lot_recalled", lot=self.code)
        self.check_not_held("distribute")
        check_quantity("distributed quantity", quantity_g)
        held_g = self.held_g.get(outlet_id, 0)
        if quantity_g > held_g:
            raise InsufficientStock(f"distribute {quantity_g} g refused: outlet {outlet_id} "
                                    f"holds {held_g} g of lot {self.code}",
                                    reason="distribute_more_than_held", quantity_g=quantity_g,
                                    held_g=held_g, lot=self.code, outlet_id=str(outlet_id))
        return self.check_date("distribute", moment, rules)

    def check_holdable(self) -> None:
        """A lot is held once received, unless recalled (for good) or already held."""
        if self.status != LotStatus.RECEIVED:
            raise InvalidState(f"cannot hold lot {self.code}: it has not been received "
                               f"(it is {self.status})", reason="lot_not_received",
                               lot=self.code, status=str(self.status))
        if self.recalled:
            raise Recalled(f"cannot hold lot {self.code}: it is recalled, which holds it "
                           "for good", reason="lot_recalled", lot=self.code)
        if self.on_hold is not None:
            raise InvalidState(f"lot {self.code} is already held since "
                               f"{french_date(paris_day(self.on_hold.since))} "
                               f"({self.on_hold.reason})", reason="lot_already_held",
                               lot=self.code, held_at=self.on_hold.since.isoformat(),
                               hold_reason=self.on_hold.reason)
