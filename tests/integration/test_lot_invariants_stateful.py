"""Random lives of lots: a hypothesis state machine drives valid and invalid commands.

The machine offers, accepts, declines, receives (chilled food at good, missing or warm
temperatures, refused or held), splits, merges, transforms, reserves, releases, plans,
dispatches, receives and cancels deliveries, records losses and distributions, recalls,
holds and releases lots, receives bulk donations and sorts them, lets time pass (so use-by
and best-before dates run out), sends commands in the wrong role, and replays earlier
commands, on a real SQLite file and (fewer runs) on PostgreSQL. Every act happens at the
machine's clock (business time), which only moves forward. A small model predicts each
command's outcome (accepted, or refused with which error) and the machine checks that the
ledger agrees. After every step it checks, from the stored events and the ledger's
aggregates:

- stock is never negative, reservations never exceed stock;
- mass is conserved: a split's children add up to the parent's used quantity; a merge's
  child is the sum of its parents' parts; a transformation's outputs plus its loss equal
  its inputs; every lot's grams in equal its grams on hand, used, dispatched and lost; every
  dispatch is in transit or delivered (received plus lost in transit); every delivery is
  held, distributed or lost at the outlet;
- no lot was reserved, dispatched or distributed while held or recalled, past its use-by
  date (DLC), with less than the minimum remaining life at dispatch, or past its best-before
  date (DDM) beyond the grace period, judged at each event's own business time;
- sorting a donation: its product lots plus the declared waste weigh what it weighed;
- a refused command wrote nothing (the store's last notification id did not move);
- the model's view of each lot equals the ledger's.

Runs are bounded (few examples, ``STEPS_MAX`` steps) to stay well under 30 s. To see how
often each command was accepted or refused: ``pytest --hypothesis-show-statistics``.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import msgspec
import pytest
from hypothesis import event as record_outcome
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from domain import commands as c
from domain.base import Event, project_events
from domain.dates import DateKind, days_past, paris_day, remaining_life_hours, strictest
from domain.errors import (
    BestBeforeGraceExceeded,
    BulkNotSorted,
    DomainError,
    InsufficientStock,
    InvalidCommand,
    InvalidState,
    LotHeld,
    QuantityMismatch,
    Recalled,
    RemainingLifeTooShort,
    RoleRequired,
    TemperatureOutOfRange,
    TemperatureRequired,
    UseByDatePassed,
)
from domain.lots import Channel, Lot, OutOfRange, ParentShare
from domain.stock_rules import DEFAULT_STOCK_RULES
from infra.ledger.ledger import Ledger, iter_events
from infra.store import StoreLocation, sqlite_location
from tests.builders import PLANNED_FOR, found_territory, max_notification_id
from tests.conftest import create_postgres_database, drop_postgres_database

STEPS_MAX = 40
"""Long enough for split-of-split, merge, deliver and recall chains, and for dates to run
out between a reception and a distribution."""
EXAMPLES_MAX = 25
POSTGRES_EXAMPLES_MAX = 8
"""Fewer runs on PostgreSQL: each creates and drops a database (about 0.3 s)."""
"""Fewer than the ci profile's 60: each run writes about 45 commands to a real file, and 25
runs take about 10 s here; 60 runs of 60 steps passed locally when this was written."""
PRODUCTS = ("Carrot", "Leek", "yaourt", "fromage")
"""Vegetables (no legal date), a DLC product and a DDM product, both chilled (0 to 4 °C)."""
CHILLED = ("yaourt", "fromage")
GOOD_TEMPERATURE_DC = 20
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
RULES = DEFAULT_STOCK_RULES
Error = type[DomainError] | None
"""The refusal the model predicts, or None for success."""

quantities = st.one_of(st.integers(1, 60_000), st.integers(0, 150_000))


@dataclass
class LotModel:
    """What the machine expects of one lot."""

    product: str
    status: str = "offered"
    offered_g: int = 0
    accepted_g: int = 0
    on_hand_g: int = 0
    platform_known: bool = False
    reserved_g: dict[UUID, int] = field(default_factory=dict)
    held_g: dict[UUID, int] = field(default_factory=dict)
    in_transit_g: dict[tuple[UUID, UUID], int] = field(default_factory=dict)
    recalled: bool = False
    children: list[UUID] = field(default_factory=list)
    date_kind: DateKind = DateKind.NONE
    best_before: date = date(2026, 11, 20)
    on_hold: bool = False
    bulk: bool = False

    @property
    def available_g(self) -> int:
        """On hand and not reserved."""
        return self.on_hand_g - sum(self.reserved_g.values())

    def in_stock_error(self) -> Error:
        """``Lot.check_in_stock``: received, not recalled, not held."""
        if self.status != "received":
            return InvalidState
        if self.recalled:
            return Recalled
        if self.on_hold:
            return LotHeld
        return None

    def date_error(self, now: datetime, *, dispatch: bool = False) -> Error:
        """``Lot.check_date``: DLC passed or too close at dispatch; DDM beyond its grace."""
        past_days = days_past(self.best_before, paris_day(now))
        if self.date_kind == DateKind.USE_BY:
            if past_days:
                return UseByDatePassed
            if dispatch and (remaining_life_hours(self.best_before, now)
                             < RULES.use_by_min_remaining_hours):
                return RemainingLifeTooShort
        elif self.date_kind == DateKind.BEST_BEFORE and past_days > RULES.grace_days(
                self.product):
            return BestBeforeGraceExceeded
        return None

    def available_error(self, quantity_g: int) -> Error:
        """``Lot.check_available``."""
        return (self.in_stock_error() or (BulkNotSorted if self.bulk else None)
                or quantity_error(quantity_g)
                or (InsufficientStock if quantity_g > self.available_g else None))

    def reserve_error(self, quantity_g: int, now: datetime) -> Error:
        """``Lot.check_reserve``."""
        return self.available_error(quantity_g) or self.date_error(now)

    def dispatch_error(self, outlet_id: UUID, quantity_g: int, now: datetime) -> Error:
        """``Lot.check_dispatch`` at ``now``."""
        room_g = self.reserved_g.get(outlet_id, 0) + self.available_g
        return (self.in_stock_error() or (BulkNotSorted if self.bulk else None)
                or quantity_error(quantity_g)
                or (InsufficientStock if quantity_g > room_g else None)
                or self.date_error(now, dispatch=True))


@dataclass
class DeliveryModel:
    """A one-stop, one-line delivery."""

    lot_id: UUID
    outlet_id: UUID
    quantity_g: int
    status: str = "planned"


@dataclass
class Flows:
    """Grams moved per lot, folded from the stored events (read once, incrementally)."""

    position: int = 0
    grams_in: dict[UUID, int] = field(default_factory=dict)
    """Measured at receipt, or made by a split, merge or transformation."""
    used_g: dict[UUID, int] = field(default_factory=lambda: defaultdict(int))
    site_lost_g: dict[UUID, int] = field(default_factory=lambda: defaultdict(int))
    dispatched_g: dict[UUID, int] = field(default_factory=lambda: defaultdict(int))
    delivered_sent_g: dict[UUID, int] = field(default_factory=lambda: defaultdict(int))
    delivered_received_g: dict[UUID, int] = field(default_factory=lambda: defaultdict(int))
    outlet_out_g: dict[UUID, int] = field(default_factory=lambda: defaultdict(int))
    """Distributed or lost by outlets."""
    derived_parents: dict[UUID, list[ParentShare]] = field(default_factory=dict)
    shares: dict[UUID, int] = field(default_factory=dict)
    """Each child's quantity as its parents recorded it."""
    transformed: dict[UUID, list[Lot.TransformedInto]] = field(
        default_factory=lambda: defaultdict(list))
    dates: dict[UUID, tuple[DateKind, date, str]] = field(default_factory=dict)
    """Each lot's date kind, date and product, as its events set them."""
    blocked: dict[UUID, set[str]] = field(default_factory=lambda: defaultdict(set))
    """``held`` and ``recalled`` while they last."""

    def check_allowed(self, event: Lot.Reserved | Lot.Dispatched | Lot.Distributed) -> None:
        """The lot was neither held nor recalled, and its date allowed the act, then."""
        lot_id = event.originator_id
        act = type(event).__name__
        assert not self.blocked[lot_id], f"{act} of a lot that is {self.blocked[lot_id]}"
        kind, best_before, product = self.dates[lot_id]
        moment = event.context.occurred_at
        past_days = days_past(best_before, paris_day(moment))
        if kind == DateKind.USE_BY:
            assert not past_days, f"{act} {past_days} days past a DLC"
            if isinstance(event, Lot.Dispatched):
                assert (remaining_life_hours(best_before, moment)
                        >= RULES.use_by_min_remaining_hours), "dispatched too close to a DLC"
        elif kind == DateKind.BEST_BEFORE:
            assert past_days <= RULES.grace_days(product), f"{act} beyond a DDM's grace"

    def fold(self, event: object) -> None:
        """Account for one event."""
        if not isinstance(event, Event) or not type(event).TOPIC.startswith("lot."):
            return
        lot_id = event.originator_id
        if isinstance(event, Lot.Offered):
            self.dates[lot_id] = (event.date_kind, event.best_before, event.product)
        elif isinstance(event, Lot.DonationReceived):
            self.dates[lot_id] = (DateKind.NONE, event.best_before, "vrac")
            self.grams_in[lot_id] = event.quantity_g
        elif isinstance(event, Lot.Held):
            self.blocked[lot_id].add("held")
        elif isinstance(event, Lot.HoldReleased):
            self.blocked[lot_id].discard("held")
        elif isinstance(event, Lot.Recalled):
            self.blocked[lot_id].add("recalled")
        elif isinstance(event, Lot.Sorted):
            assert sum(child.quantity_g for child in event.children) + event.waste_g == (
                event.used_g), "sorting lost or made mass"
            self.used_g[lot_id] += event.used_g
            self.shares.update({child.lot_id: child.quantity_g for child in event.children})
        if isinstance(event, Lot.Reserved | Lot.Dispatched | Lot.Distributed):
            self.check_allowed(event)
        if isinstance(event, Lot.Received):
            self.grams_in[lot_id] = event.measured_g
            kind, best_before, product = self.dates[lot_id]
            self.dates[lot_id] = (event.date_kind or kind, event.best_before or best_before,
                                  product)
        elif isinstance(event, Lot.Derived):
            self.dates[lot_id] = (event.date_kind, event.best_before, event.product)
            self.grams_in[lot_id] = event.quantity_g
            self.derived_parents[lot_id] = event.parents
        elif isinstance(event, Lot.Split):
            assert sum(child.quantity_g for child in event.children) == event.used_g
            self.used_g[lot_id] += event.used_g
            self.shares.update({child.lot_id: child.quantity_g for child in event.children})
        elif isinstance(event, Lot.MergedInto):
            self.used_g[lot_id] += event.used_g
            self.shares[event.child.lot_id] = event.child.quantity_g
        elif isinstance(event, Lot.TransformedInto):
            self.used_g[lot_id] += event.used_g
            self.transformed[event.transformation_id].append(event)
            self.shares.update({child.lot_id: child.quantity_g for child in event.children})
        elif isinstance(event, Lot.Dispatched):
            self.dispatched_g[lot_id] += event.quantity_g
        elif isinstance(event, Lot.Delivered):
            assert event.discrepancy_g == event.received_g - event.dispatched_g <= 0
            self.delivered_sent_g[lot_id] += event.dispatched_g
            self.delivered_received_g[lot_id] += event.received_g
        elif isinstance(event, Lot.Lost) and not event.at_outlet:
            self.site_lost_g[lot_id] += event.quantity_g
        elif isinstance(event, Lot.Lost | Lot.Distributed):
            self.outlet_out_g[lot_id] += event.quantity_g

    def check(self, lots: dict[UUID, Lot]) -> None:
        """Mass balances, given the lots' current state."""
        # Each child's quantity is the share its parents recorded for it.
        for child_id, quantity_g in self.shares.items():
            assert self.grams_in[child_id] == quantity_g
        # Transformations: outputs + loss = inputs = the inputs' used grams.
        transform_outputs: set[UUID] = set()
        for events in self.transformed.values():
            inputs_g = sum(event.used_g for event in events)
            first = events[0]
            assert all(event.inputs_total_g == inputs_g and event.loss_g == first.loss_g
                       and event.children == first.children for event in events)
            assert sum(child.quantity_g for child in first.children) + first.loss_g == inputs_g
            transform_outputs.update(child.lot_id for child in first.children)
        # Splits and merges: a child is exactly the sum of its parents' parts.
        for child_id, parents in self.derived_parents.items():
            if child_id not in transform_outputs:
                assert sum(parent.quantity_g for parent in parents) == self.grams_in[child_id]
        # Every lot: in = on hand + used + dispatched + lost at the site; dispatched = in
        # transit + delivered; delivered = held + distributed + lost at the outlets.
        assert set(self.grams_in) <= set(lots)
        for lot_id, grams_in in self.grams_in.items():
            lot = lots[lot_id]
            assert grams_in == (lot.on_hand_g + self.used_g[lot_id] + self.dispatched_g[lot_id]
                                + self.site_lost_g[lot_id]), f"lot {lot.code} lost mass"
            assert self.dispatched_g[lot_id] == (sum(lot.in_transit_g.values())
                                                 + self.delivered_sent_g[lot_id])
            assert self.delivered_received_g[lot_id] == (sum(lot.held_g.values())
                                                         + self.outlet_out_g[lot_id])


def quantity_error(quantity_g: int, *, allow_zero: bool = False) -> Error:
    """``check_quantity``: 1 g (or 0 g) to 50 t."""
    low = 0 if allow_zero else 1
    return None if low <= quantity_g <= 50_000_000 else InvalidCommand


def take(grams_by_key: dict[UUID, int], key: UUID, quantity_g: int) -> None:
    """Subtract, dropping entries that reach zero (as the aggregates do)."""
    remaining = grams_by_key[key] - quantity_g
    if remaining:
        grams_by_key[key] = remaining
    else:
        del grams_by_key[key]


def add(grams_by_key: dict[UUID, int], key: UUID, quantity_g: int) -> None:
    """Add, keeping no zero entries."""
    if quantity_g:
        grams_by_key[key] = grams_by_key.get(key, 0) + quantity_g


def partition(data: st.DataObject, total_g: int, parts_min: int, parts_max: int) -> list[int]:
    """``total_g`` cut into ``parts_min``..``parts_max`` parts of at least 1 g each."""
    count = data.draw(st.integers(parts_min, min(parts_max, total_g)))
    cuts: list[int] = []
    if count > 1:
        cuts = sorted(data.draw(st.lists(st.integers(1, total_g - 1), min_size=count - 1,
                                         max_size=count - 1, unique=True)))
    edges = [0, *cuts, total_g]
    return [high - low for low, high in itertools.pairwise(edges)]


class LotLives(RuleBasedStateMachine):
    """Random commands on the lots of one platform, two outlets and one producer."""

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="cocagne-stateful-"))
        self.ledger = Ledger(self.open_store())
        self.territory = found_territory(self.ledger, prefix="s")
        self.lots: dict[UUID, LotModel] = {}
        self.deliveries: dict[UUID, DeliveryModel] = {}
        self.accepted: list[msgspec.Struct] = []
        self.flows = Flows()
        self.now = START

    def open_store(self) -> StoreLocation:
        """A fresh store for one run: an SQLite file."""
        return sqlite_location(self.directory / "ledger.db")

    def teardown(self) -> None:
        """Close the store and delete its file."""
        self.ledger.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    # -------------------------------------------------------------- plumbing

    def run(self, command: msgspec.Struct, expected: Error) -> c.CommandResult | None:
        """Execute at the machine's clock; check the outcome is the predicted one and a
        refusal wrote nothing."""
        if getattr(command, "occurred_at", START) is None:
            command = msgspec.structs.replace(command, occurred_at=self.now)
        before = max_notification_id(self.ledger)
        refusal: DomainError | None = None
        try:
            result = self.ledger.execute(command)
        except DomainError as error:
            refusal = error
        if refusal is not None:
            assert max_notification_id(self.ledger) == before, f"refusal wrote: {refusal!r}"
            assert expected is not None, f"model expected success, got {refusal!r}"
            assert type(refusal) is expected, f"expected {expected.__name__}, got {refusal!r}"
            record_outcome(f"{type(command).__name__} refused: {expected.__name__}")
            return None
        assert expected is None, f"model expected {expected.__name__}, got success"
        assert not result.replayed
        assert max_notification_id(self.ledger) > before
        self.accepted.append(command)
        record_outcome(f"{type(command).__name__} accepted")
        return result

    def command_id(self, label: str) -> str:
        """A fresh deterministic command id."""
        return self.territory.command_id(label)

    def pick_lot(self, data: st.DataObject) -> tuple[UUID, LotModel]:
        """Mostly a lot with stock at the site (where most acts happen), else any lot."""
        # Lots in creation order: ids are time-ordered with random bits, so sorting by id
        # would make the same draws pick different lots from one run to the next.
        stocked = [lot_id for lot_id, lot in self.lots.items()
                   if lot.in_stock_error() is None and lot.on_hand_g]
        every = list(self.lots)
        choices = st.sampled_from(every)
        if stocked:
            choices = st.one_of(st.sampled_from(stocked), st.sampled_from(stocked), choices)
        lot_id = data.draw(choices)
        return lot_id, self.lots[lot_id]

    def pick_lot_where(self, data: st.DataObject, wanted: list[UUID]) -> tuple[UUID, LotModel]:
        """Mostly one of ``wanted`` (the lots an act is meant for), else as ``pick_lot``."""
        if wanted and data.draw(st.integers(0, 3)):
            lot_id = data.draw(st.sampled_from(wanted))
            return lot_id, self.lots[lot_id]
        return self.pick_lot(data)

    @staticmethod
    def draw_grams(data: st.DataObject, fitting_g: int) -> int:
        """Mostly 1 g to ``fitting_g`` (what fits), sometimes anything, zero included."""
        if fitting_g <= 0:
            return data.draw(quantities)
        fitting = st.integers(1, fitting_g)
        return data.draw(st.one_of(fitting, fitting, quantities))

    def pick_outlet(self, data: st.DataObject) -> UUID:
        """One of the two outlets."""
        return data.draw(st.sampled_from(self.territory.outlet_ids))

    def add_lot(self, lot_id: UUID, product: str, quantity_g: int, date_kind: DateKind,
                best_before: date) -> None:
        """A lot made at the site from other lots."""
        self.lots[lot_id] = LotModel(product=product, status="received",
                                     on_hand_g=quantity_g, platform_known=True,
                                     date_kind=date_kind, best_before=best_before)

    @property
    def today(self) -> date:
        """The machine's day in Europe/Paris."""
        return paris_day(self.now)

    def made_today(self, product: str) -> tuple[DateKind, date]:
        """Kind and date of a lot made (transformed, sorted) today without a date."""
        rule = RULES.product_rule(product)
        return rule.date_kind, self.today + timedelta(days=rule.shelf_life_days)

    def offer_command(self, data: st.DataObject, quantity_g: int, product: str) -> c.OfferLot:
        """An offer; chilled products carry a date around today (some already past)."""
        fields: dict[str, object] = {}
        if product in CHILLED:
            fields["best_before"] = self.today + timedelta(days=data.draw(st.integers(-12, 12)))
        return self.territory.offer_command(quantity_g, product=product, **fields)

    def offered_model(self, command: c.OfferLot, quantity_g: int) -> LotModel:
        """The model of a lot just offered."""
        product = command.product.lower()
        return LotModel(product=product, offered_g=quantity_g,
                        date_kind=RULES.product_rule(product).date_kind,
                        best_before=command.best_before or self.today)

    # ------------------------------------------------------------------ time

    @rule(hours=st.integers(1, 60))
    def time_passes(self, hours: int) -> None:
        """The clock moves on: dates come closer and pass."""
        self.now += timedelta(hours=hours)

    # ---------------------------------------------------------------- offers

    @initialize(data=st.data())
    def stock_two_lots(self, data: st.DataObject) -> None:
        """Start with a lot of each product in stock, so every act has something to act on."""
        for product in PRODUCTS:
            self.stock_a_lot(data, data.draw(st.integers(1, 120_000)), product)

    @rule(data=st.data(), quantity_g=st.integers(1, 120_000),
          product=st.sampled_from(PRODUCTS))
    def stock_a_lot(self, data: st.DataObject, quantity_g: int, product: str) -> None:
        """Offer, accept and receive a lot in one go (each step must be accepted)."""
        command = self.offer_command(data, quantity_g, product)
        result = self.run(command, None)
        assert result is not None
        lot_id = result.stream_id
        self.run(c.AcceptOffer(command_id=self.command_id("accept"),
                               actor_id=self.territory.platform_id, lot_id=lot_id,
                               site_id=self.territory.site_id, accepted_g=quantity_g), None)
        self.run(c.ReceiveLot(command_id=self.command_id("receive"),
                              actor_id=self.territory.platform_id, lot_id=lot_id,
                              site_id=self.territory.site_id, measured_g=quantity_g,
                              temperature_dc=GOOD_TEMPERATURE_DC), None)
        model = self.offered_model(command, quantity_g)
        model.status, model.accepted_g, model.on_hand_g = "received", quantity_g, quantity_g
        model.platform_known = True
        self.lots[lot_id] = model

    @rule(data=st.data(), quantity_g=quantities, product=st.sampled_from(PRODUCTS))
    def offer(self, data: st.DataObject, quantity_g: int, product: str) -> None:
        """The producer offers a lot."""
        command = self.offer_command(data, quantity_g, product)
        result = self.run(command, quantity_error(quantity_g))
        if result:
            self.lots[result.stream_id] = self.offered_model(command, quantity_g)

    @precondition(lambda self: self.lots)
    @rule(data=st.data())
    def accept(self, data: st.DataObject) -> None:
        """The platform accepts (part of) an offer."""
        lot_id, lot = self.pick_lot_where(data, [lot_id for lot_id, lot in self.lots.items()
                                                 if lot.status == "offered"])
        quantity_g = self.draw_grams(data, lot.offered_g)
        expected = (InvalidState if lot.status != "offered" else quantity_error(quantity_g)
                    or (InvalidCommand if quantity_g > lot.offered_g else None))
        command = c.AcceptOffer(command_id=self.command_id("accept"),
                                actor_id=self.territory.platform_id, lot_id=lot_id,
                                site_id=self.territory.site_id, accepted_g=quantity_g)
        if self.run(command, expected):
            lot.status, lot.accepted_g, lot.platform_known = "accepted", quantity_g, True

    def accept_chilled(self, data: st.DataObject) -> UUID:
        """Offer a chilled lot and accept it whole (so receptions meet the cold chain)."""
        quantity_g = data.draw(st.integers(1, 60_000))
        command = self.offer_command(data, quantity_g, data.draw(st.sampled_from(CHILLED)))
        result = self.run(command, None)
        assert result is not None
        self.run(c.AcceptOffer(command_id=self.command_id("accept"),
                               actor_id=self.territory.platform_id, lot_id=result.stream_id,
                               site_id=self.territory.site_id, accepted_g=quantity_g), None)
        model = self.offered_model(command, quantity_g)
        model.status, model.accepted_g, model.platform_known = "accepted", quantity_g, True
        self.lots[result.stream_id] = model
        return result.stream_id

    @precondition(lambda self: self.lots)
    @rule(data=st.data())
    def decline(self, data: st.DataObject) -> None:
        """The platform declines an offer."""
        lot_id, lot = self.pick_lot(data)
        command = c.DeclineOffer(command_id=self.command_id("decline"),
                                 actor_id=self.territory.platform_id, lot_id=lot_id,
                                 reason="hors calibre")
        if self.run(command, InvalidState if lot.status != "offered" else None):
            lot.status, lot.platform_known = "declined", True

    @precondition(lambda self: self.lots)
    @rule(data=st.data())
    def receive(self, data: st.DataObject) -> None:
        """The platform weighs an accepted lot (about what was accepted, or anything), and
        measures chilled food: in range, not at all, or too warm (then refused or held, or
        no choice made)."""
        waiting = [lot_id for lot_id, lot in self.lots.items() if lot.status == "accepted"]
        if not waiting and data.draw(st.booleans()):
            waiting = [self.accept_chilled(data)]
        lot_id, lot = self.pick_lot_where(data, waiting)
        measured_g = data.draw(st.one_of(
            st.integers(max(0, lot.accepted_g - 2_000), lot.accepted_g + 2_000), quantities))
        temperature_dc = data.draw(st.sampled_from([GOOD_TEMPERATURE_DC, None, 95]))
        choice = data.draw(st.sampled_from([None, OutOfRange.REFUSE, OutOfRange.HOLD]))
        expected = InvalidState if lot.status != "accepted" else quantity_error(measured_g)
        chilled = lot.product in CHILLED
        if expected is None and chilled:
            if temperature_dc is None:
                expected = TemperatureRequired
            elif temperature_dc != GOOD_TEMPERATURE_DC and choice is None:
                expected = TemperatureOutOfRange
        command = c.ReceiveLot(command_id=self.command_id("receive"),
                               actor_id=self.territory.platform_id, lot_id=lot_id,
                               site_id=self.territory.site_id, measured_g=measured_g,
                               temperature_dc=temperature_dc, if_out_of_range=choice)
        if self.run(command, expected):
            warm = chilled and temperature_dc != GOOD_TEMPERATURE_DC
            if warm and choice == OutOfRange.REFUSE:
                lot.status = "refused"
                return
            lot.status, lot.on_hand_g, lot.on_hold = "received", measured_g, warm

    # ---------------------------------------------- split, merge, transform

    @precondition(lambda self: self.lots)
    @rule(data=st.data())
    def split(self, data: st.DataObject) -> None:
        """Split a lot's available stock, in parts that add up or not."""
        lot_id, lot = self.pick_lot(data)
        if lot.available_g >= 2 and data.draw(st.booleans()):
            parts_g = partition(data, lot.available_g, 2, 4)
        else:
            parts_g = data.draw(st.lists(quantities, min_size=1, max_size=3))
        expected = lot.in_stock_error() or (BulkNotSorted if lot.bulk else None) or (
            InvalidCommand if len(parts_g) < 2 or any(quantity_error(part) for part in parts_g)
            else QuantityMismatch if sum(parts_g) != lot.available_g else None)
        command = c.SplitLot(command_id=self.command_id("split"),
                             actor_id=self.territory.platform_id, lot_id=lot_id,
                             parts_g=parts_g)
        result = self.run(command, expected)
        if result:
            lot.on_hand_g -= sum(parts_g)
            for child_id, part_g in zip(result.stream_ids[1:], parts_g, strict=True):
                self.add_lot(child_id, lot.product, part_g, lot.date_kind, lot.best_before)
                lot.children.append(child_id)

    def parents_error(self, parts: list[tuple[UUID, int]]) -> Error:
        """``Ledger._parents``: distinct lots, each with the quantity available."""
        if len({lot_id for lot_id, _ in parts}) != len(parts):
            return InvalidCommand
        for lot_id, quantity_g in parts:
            error = self.lots[lot_id].available_error(quantity_g)
            if error:
                return error
        return None

    def draw_parts(self, data: st.DataObject, count_min: int) -> list[tuple[UUID, int]]:
        """Lots with quantities: mostly within what they have available."""
        parts = []
        for _ in range(data.draw(st.integers(count_min, 2))):
            lot_id, lot = self.pick_lot(data)
            parts.append((lot_id, self.draw_grams(data, lot.available_g)))
        return parts

    @precondition(lambda self: self.lots)
    @rule(data=st.data())
    def merge(self, data: st.DataObject) -> None:
        """Merge parts of two lots into one, mostly of one product."""
        parts = self.draw_parts(data, 1)
        first = self.lots[parts[0][0]]
        same = [lot_id for lot_id, lot in self.lots.items()
                if lot.product == first.product and lot_id != parts[0][0] and lot.available_g]
        if same and data.draw(st.booleans()):
            lot_id = data.draw(st.sampled_from(same))
            parts = [parts[0], (lot_id, data.draw(st.integers(1, self.lots[lot_id].available_g)))]
        products = {self.lots[lot_id].product for lot_id, _ in parts}
        expected = (InvalidCommand if len(parts) < 2 else self.parents_error(parts)
                    or (InvalidCommand if len(products) != 1 else None))
        command = c.MergeLots(command_id=self.command_id("merge"),
                              actor_id=self.territory.platform_id,
                              parents=[c.ParentPart(lot_id, grams) for lot_id, grams in parts])
        result = self.run(command, expected)
        if result:
            inputs = [self.lots[lot_id] for lot_id, _ in parts]
            self.add_lot(result.stream_id, products.pop(), sum(grams for _, grams in parts),
                         strictest([lot.date_kind for lot in inputs]),
                         min(lot.best_before for lot in inputs))
            for lot_id, grams in parts:
                self.lots[lot_id].on_hand_g -= grams
                self.lots[lot_id].children.append(result.stream_id)

    @precondition(lambda self: self.lots)
    @rule(data=st.data())
    def transform(self, data: st.DataObject) -> None:
        """Transform parts of lots into soups, declaring a loss that balances or not."""
        parts = self.draw_parts(data, 1)
        inputs_g = sum(grams for _, grams in parts)
        if inputs_g >= 1 and data.draw(st.booleans()):
            loss_g = data.draw(st.integers(0, inputs_g - 1))
            outputs_g = partition(data, inputs_g - loss_g, 1, 3)
        else:
            loss_g = data.draw(st.integers(0, 10_000))
            outputs_g = data.draw(st.lists(quantities, max_size=2))
        expected = self.parents_error(parts) or (
            InvalidCommand if not outputs_g or any(quantity_error(g) for g in outputs_g)
            else QuantityMismatch if sum(outputs_g) + loss_g != inputs_g else None)
        command = c.TransformLots(
            command_id=self.command_id("transform"), actor_id=self.territory.platform_id,
            inputs=[c.ParentPart(lot_id, grams) for lot_id, grams in parts], loss_g=loss_g,
            outputs=[c.TransformOutput(product="Soup", quantity_g=grams) for grams in outputs_g])
        result = self.run(command, expected)
        if result:
            children = result.stream_ids[:len(outputs_g)]
            for child_id, grams in zip(children, outputs_g, strict=True):
                self.add_lot(child_id, "soup", grams, *self.made_today("soup"))
            for lot_id, grams in parts:
                self.lots[lot_id].on_hand_g -= grams
                self.lots[lot_id].children.extend(children)

    # ------------------------------------------------- reserve and release

    @precondition(lambda self: self.lots)
    @rule(data=st.data())
    def reserve(self, data: st.DataObject) -> None:
        """Reserve stock for an outlet."""
        lot_id, lot = self.pick_lot(data)
        quantity_g = self.draw_grams(data, lot.available_g)
        outlet_id = self.pick_outlet(data)
        command = c.ReserveLot(command_id=self.command_id("reserve"),
                               actor_id=self.territory.platform_id, lot_id=lot_id,
                               outlet_id=outlet_id, quantity_g=quantity_g)
        if self.run(command, lot.reserve_error(quantity_g, self.now)):
            add(lot.reserved_g, outlet_id, quantity_g)

    @precondition(lambda self: self.lots)
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        """Release (part of) an outlet's reservation, or more than it has."""
        lot_id, lot = self.pick_lot(data)
        outlet_id = self.pick_outlet(data)
        reserved_g = lot.reserved_g.get(outlet_id, 0)
        quantity_g = data.draw(st.one_of(st.integers(0, reserved_g + 1_000), quantities))
        expected = quantity_error(quantity_g) or (
            InsufficientStock if quantity_g > reserved_g else None)
        command = c.ReleaseReservation(command_id=self.command_id("release"),
                                       actor_id=self.territory.platform_id, lot_id=lot_id,
                                       outlet_id=outlet_id, quantity_g=quantity_g,
                                       reason="besoin revu")
        if self.run(command, expected):
            take(lot.reserved_g, outlet_id, quantity_g)

    # ------------------------------------------------------------ deliveries

    @precondition(lambda self: self.lots)
    @rule(data=st.data())
    def plan(self, data: st.DataObject) -> None:
        """Plan a one-line delivery to an outlet."""
        lot_id, lot = self.pick_lot(data)
        outlet_id = self.pick_outlet(data)
        quantity_g = self.draw_grams(data, lot.reserved_g.get(outlet_id, 0) + lot.available_g)
        self.plan_and_record(lot_id, outlet_id, quantity_g)

    def plan_and_record(self, lot_id: UUID, outlet_id: UUID, quantity_g: int) -> None:
        """Plan a one-line delivery and remember it if accepted."""
        lot = self.lots[lot_id]
        command = c.PlanDelivery(
            command_id=self.command_id("plan"), actor_id=self.territory.platform_id,
            from_site_id=self.territory.site_id, planned_for=PLANNED_FOR,
            stops=[c.PlannedStop(outlet_id, [c.PlannedLine(lot_id, quantity_g)])])
        expected = lot.in_stock_error() or lot.dispatch_error(outlet_id, quantity_g, self.now)
        result = self.run(command, expected)
        if result:
            self.deliveries[result.stream_id] = DeliveryModel(lot_id, outlet_id, quantity_g)

    @precondition(lambda self: self.lots)
    @rule(data=st.data())
    def deliver(self, data: st.DataObject) -> None:
        """Plan a delivery of stock that fits and dispatch it at once."""
        lot_id, lot = self.pick_lot(data)
        outlet_id = self.pick_outlet(data)
        room_g = lot.reserved_g.get(outlet_id, 0) + lot.available_g
        quantity_g = data.draw(st.integers(1, room_g)) if room_g else 1
        known = len(self.deliveries)
        self.plan_and_record(lot_id, outlet_id, quantity_g)
        if len(self.deliveries) == known:
            return
        delivery_id = next(reversed(self.deliveries))
        self.dispatch_and_record(delivery_id)
        if data.draw(st.booleans()):
            self.receive_and_record(delivery_id, outlet_id,
                                    data.draw(st.integers(0, quantity_g)))
            if lot.held_g.get(outlet_id) and data.draw(st.booleans()):
                # Days may pass before the food is handed out.
                self.now += timedelta(hours=data.draw(st.integers(0, 96)))
                self.distribute_and_record(data, lot_id, outlet_id, Channel.FOOD_AID)

    def pick_delivery(self, data: st.DataObject) -> tuple[UUID, DeliveryModel]:
        """Mostly a delivery on its way, else any delivery."""
        on_the_way = [delivery_id for delivery_id, delivery in self.deliveries.items()
                      if delivery.status == "dispatched"]
        choices = st.sampled_from(list(self.deliveries))
        if on_the_way:
            choices = st.one_of(st.sampled_from(on_the_way), choices)
        delivery_id = data.draw(choices)
        return delivery_id, self.deliveries[delivery_id]

    @precondition(lambda self: self.deliveries)
    @rule(data=st.data())
    def dispatch(self, data: st.DataObject) -> None:
        """Dispatch a delivery (its stock may have moved since it was planned)."""
        self.dispatch_and_record(self.pick_delivery(data)[0])

    def dispatch_and_record(self, delivery_id: UUID) -> None:
        """Dispatch a delivery and move the model's stock if accepted."""
        delivery = self.deliveries[delivery_id]
        lot = self.lots[delivery.lot_id]
        expected = (InvalidState if delivery.status != "planned"
                    else lot.dispatch_error(delivery.outlet_id, delivery.quantity_g, self.now))
        command = c.DispatchDelivery(command_id=self.command_id("dispatch"),
                                     actor_id=self.territory.platform_id,
                                     delivery_id=delivery_id)
        if self.run(command, expected):
            delivery.status = "dispatched"
            lot.on_hand_g -= delivery.quantity_g
            from_reservation_g = min(lot.reserved_g.get(delivery.outlet_id, 0),
                                     delivery.quantity_g)
            if from_reservation_g:
                take(lot.reserved_g, delivery.outlet_id, from_reservation_g)
            lot.in_transit_g[(delivery_id, delivery.outlet_id)] = delivery.quantity_g

    @precondition(lambda self: self.deliveries)
    @rule(data=st.data())
    def receive_delivery(self, data: st.DataObject) -> None:
        """An outlet signs for a stop: all, part, more than sent, or not its stop."""
        delivery_id, delivery = self.pick_delivery(data)
        outlet_id = data.draw(st.one_of(st.just(delivery.outlet_id), st.just(delivery.outlet_id),
                                        st.sampled_from(self.territory.outlet_ids)))
        received_g = data.draw(st.one_of(st.just(delivery.quantity_g),
                                         st.integers(0, delivery.quantity_g + 1_000)))
        if delivery.status == "completed" and outlet_id == delivery.outlet_id:
            expected: Error = InvalidState  # Already signed for.
        elif delivery.status != "dispatched":
            expected = InvalidState
        elif outlet_id != delivery.outlet_id:
            expected = InvalidCommand  # Not a stop of this delivery.
        else:
            expected = InvalidCommand if received_g > delivery.quantity_g else None
        self.receive_and_record(delivery_id, outlet_id, received_g, expected)

    def receive_and_record(self, delivery_id: UUID, outlet_id: UUID, received_g: int,
                           expected: Error = None) -> None:
        """An outlet signs for a delivery; the model's stock moves if accepted."""
        delivery = self.deliveries[delivery_id]
        command = c.ReceiveDelivery(command_id=self.command_id("receipt"), actor_id=outlet_id,
                                    delivery_id=delivery_id, signer="Marie",
                                    lines=[c.ReceiptLine(delivery.lot_id, received_g)])
        if self.run(command, expected):
            delivery.status = "completed"
            lot = self.lots[delivery.lot_id]
            del lot.in_transit_g[(delivery_id, outlet_id)]
            add(lot.held_g, outlet_id, received_g)

    @precondition(lambda self: self.deliveries)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        """Cancel a delivery (only a planned one may be)."""
        delivery_id, delivery = self.pick_delivery(data)
        command = c.CancelDelivery(command_id=self.command_id("cancel"),
                                   actor_id=self.territory.platform_id,
                                   delivery_id=delivery_id, reason="camion en panne")
        if self.run(command, InvalidState if delivery.status != "planned" else None):
            delivery.status = "cancelled"

    # ------------------------------------------------- losses, distribution

    @precondition(lambda self: self.lots)
    @rule(data=st.data())
    def lose_at_site(self, data: st.DataObject) -> None:
        """The platform records a loss from available stock."""
        lot_id, lot = self.pick_lot(data)
        quantity_g = self.draw_grams(data, lot.available_g)
        if not lot.platform_known:
            expected: Error = RoleRequired  # Nobody's stock yet: not the platform's.
        elif lot.status != "received":
            expected = InvalidState
        else:
            expected = quantity_error(quantity_g) or (
                InsufficientStock if quantity_g > lot.available_g else None)
        command = c.RecordLoss(command_id=self.command_id("loss"),
                               actor_id=self.territory.platform_id, lot_id=lot_id,
                               quantity_g=quantity_g, reason="pourriture")
        if self.run(command, expected):
            lot.on_hand_g -= quantity_g

    @precondition(lambda self: self.lots)
    @rule(data=st.data())
    def lose_at_outlet(self, data: st.DataObject) -> None:
        """An outlet records a loss of what it holds."""
        lot_id, lot = self.pick_lot(data)
        outlet_id = self.pick_outlet(data)
        held_g = lot.held_g.get(outlet_id, 0)
        quantity_g = data.draw(st.integers(0, held_g + 1_000))
        expected = quantity_error(quantity_g) or (
            InsufficientStock if quantity_g > held_g else None)
        command = c.RecordLoss(command_id=self.command_id("loss"), actor_id=outlet_id,
                               lot_id=lot_id, quantity_g=quantity_g, reason="chambre froide")
        if self.run(command, expected):
            take(lot.held_g, outlet_id, quantity_g)

    @precondition(lambda self: self.lots)
    @rule(data=st.data(), channel=st.sampled_from(Channel))
    def distribute(self, data: st.DataObject, channel: Channel) -> None:
        """An outlet hands food on to people."""
        lot_id, lot = self.pick_lot_where(data, [lot_id for lot_id, lot in self.lots.items()
                                                 if lot.held_g])
        outlet_id = (data.draw(st.sampled_from(sorted(lot.held_g, key=str)))
                     if lot.held_g and data.draw(st.booleans()) else self.pick_outlet(data))
        self.distribute_and_record(data, lot_id, outlet_id, channel)

    def distribute_and_record(self, data: st.DataObject, lot_id: UUID, outlet_id: UUID,
                              channel: Channel) -> None:
        """An outlet hands food from a lot on; the model's holding moves if accepted."""
        lot = self.lots[lot_id]
        held_g = lot.held_g.get(outlet_id, 0)
        quantity_g = self.draw_grams(data, held_g)
        expected = (Recalled if lot.recalled else LotHeld if lot.on_hold else
                    quantity_error(quantity_g)
                    or (InsufficientStock if quantity_g > held_g else None)
                    or lot.date_error(self.now))
        command = c.RecordDistribution(command_id=self.command_id("distribute"),
                                       actor_id=outlet_id, lot_id=lot_id,
                                       quantity_g=quantity_g, channel=channel)
        if self.run(command, expected):
            take(lot.held_g, outlet_id, quantity_g)

    # -------------------------------------------------------- recall, roles

    # Not before a few lots exist: an early recall would block most acts of the run.
    @precondition(lambda self: len(self.lots) >= 4)
    @rule(data=st.data())
    def recall(self, data: st.DataObject) -> None:
        """The coordinator recalls a lot and everything made from it (mostly a parent)."""
        parents = [lot_id for lot_id, lot in self.lots.items() if lot.children]
        if parents and data.draw(st.booleans()):
            lot_id = data.draw(st.sampled_from(parents))
            lot = self.lots[lot_id]
        else:
            lot_id, lot = self.pick_lot(data)
        command = c.RecallLot(command_id=self.command_id("recall"),
                              actor_id=self.territory.coordinator_id, lot_id=lot_id,
                              reason="contrôle sanitaire")
        if self.run(command, InvalidState if lot.recalled else None):
            queue = [lot_id]
            while queue:  # Bounded: lots form a finite acyclic graph.
                current = self.lots[queue.pop()]
                current.recalled = True
                queue.extend(current.children)

    @precondition(lambda self: self.lots)
    @rule(data=st.data())
    def hold(self, data: st.DataObject) -> None:
        """The platform holds a lot pending an analysis."""
        lot_id, lot = self.pick_lot(data)
        expected = (InvalidState if lot.status != "received" else Recalled if lot.recalled
                    else InvalidState if lot.on_hold else None)
        command = c.HoldLot(command_id=self.command_id("hold"),
                            actor_id=self.territory.platform_id, lot_id=lot_id,
                            reason="analyse en cours")
        if self.run(command, expected):
            lot.on_hold = True

    @precondition(lambda self: any(lot.on_hold for lot in self.lots.values()))
    @rule(data=st.data())
    def release_hold(self, data: st.DataObject) -> None:
        """The platform lifts a hold (mostly of a held lot)."""
        held = [lot_id for lot_id, lot in self.lots.items() if lot.on_hold]
        lot_id = data.draw(st.one_of(st.sampled_from(held), st.sampled_from(list(self.lots))))
        lot = self.lots[lot_id]
        command = c.ReleaseHold(command_id=self.command_id("release"),
                                actor_id=self.territory.platform_id, lot_id=lot_id,
                                reason="analyse conforme")
        if self.run(command, None if lot.on_hold else InvalidState):
            lot.on_hold = False

    @rule(quantity_g=st.integers(1, 120_000))
    def receive_donation(self, quantity_g: int) -> None:
        """A shop's unsorted donation arrives, weighed as one lot."""
        command = c.ReceiveDonation(command_id=self.command_id("donation"),
                                    actor_id=self.territory.platform_id,
                                    site_id=self.territory.site_id,
                                    donor_id=self.territory.producer_id,
                                    description="invendus", quantity_g=quantity_g)
        result = self.run(command, None)
        assert result is not None
        self.lots[result.stream_id] = LotModel(
            product="vrac", status="received", on_hand_g=quantity_g, platform_known=True,
            bulk=True, best_before=self.today + timedelta(days=1))

    @precondition(lambda self: self.lots)
    @rule(data=st.data())
    def sort(self, data: st.DataObject) -> None:
        """Sort a donation (mostly) into carrots and yoghurts, with waste that balances or
        not."""
        lot_id, lot = self.pick_lot_where(data, [lot_id for lot_id, lot in self.lots.items()
                                                 if lot.bulk and lot.on_hand_g])
        if lot.available_g >= 1 and data.draw(st.booleans()):
            waste_g = data.draw(st.integers(0, lot.available_g - 1))
            outputs_g = partition(data, lot.available_g - waste_g, 1, 3)
        else:
            waste_g = data.draw(st.integers(0, 10_000))
            outputs_g = data.draw(st.lists(quantities, max_size=2))
        products = [data.draw(st.sampled_from(["carrot", "yaourt"])) for _ in outputs_g]
        expected = lot.in_stock_error() or (None if lot.bulk else InvalidState) or (
            InvalidCommand if not outputs_g or any(quantity_error(g) for g in outputs_g)
            else QuantityMismatch if sum(outputs_g) + waste_g != lot.available_g else None)
        command = c.SortDonation(
            command_id=self.command_id("sort"), actor_id=self.territory.platform_id,
            lot_id=lot_id, waste_g=waste_g,
            outputs=[c.SortedOutput(product=product, quantity_g=grams)
                     for product, grams in zip(products, outputs_g, strict=True)])
        result = self.run(command, expected)
        if result:
            lot.on_hand_g = 0
            for child_id, product, grams in zip(result.stream_ids[1:], products, outputs_g,
                                                strict=True):
                self.add_lot(child_id, product, grams, *self.made_today(product))
                lot.children.append(child_id)

    @precondition(lambda self: self.lots)
    @rule(data=st.data(), quantity_g=quantities)
    def act_in_the_wrong_role(self, data: st.DataObject, quantity_g: int) -> None:
        """An outlet tries to reserve, a producer to split: refused whatever the lot."""
        lot_id, _ = self.pick_lot(data)
        command: msgspec.Struct = data.draw(st.sampled_from([
            c.ReserveLot(command_id=self.command_id("intrude"),
                         actor_id=self.territory.outlet_id, lot_id=lot_id,
                         outlet_id=self.territory.outlet_id, quantity_g=quantity_g),
            c.SplitLot(command_id=self.command_id("intrude"),
                       actor_id=self.territory.producer_id, lot_id=lot_id,
                       parts_g=[quantity_g, quantity_g])]))
        self.run(command, RoleRequired)

    @precondition(lambda self: self.accepted)
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        """Any accepted command sent again is answered from its record and writes nothing."""
        command = data.draw(st.sampled_from(self.accepted))
        before = max_notification_id(self.ledger)
        result = self.ledger.execute(command)
        assert result.replayed
        assert max_notification_id(self.ledger) == before

    # ------------------------------------------------------------ invariants

    @invariant()
    def stock_is_sane_and_mass_is_conserved(self) -> None:
        """Checked after every step, on each lot loaded once from the store."""
        lots = {}
        for lot_id in self.lots:
            lot = self.ledger.repository.get(lot_id, projector_func=project_events)
            assert isinstance(lot, Lot)
            lots[lot_id] = lot
        self.check_lots_match_the_model(lots)
        self.check_mass_is_conserved(lots)

    def check_lots_match_the_model(self, lots: dict[UUID, Lot]) -> None:
        """Stock and reservations are never negative, and equal the model's."""
        for lot_id, expected in self.lots.items():
            lot = lots[lot_id]
            assert lot.on_hand_g >= 0
            assert all(grams > 0 for grams in lot.reserved_g.values())
            assert lot.reserved_total_g <= lot.on_hand_g
            assert all(grams > 0 for grams in lot.held_g.values())
            assert all(grams > 0 for grams in lot.in_transit_g.values())
            assert (lot.status, lot.on_hand_g, lot.reserved_g, lot.held_g, lot.in_transit_g,
                    lot.recalled, lot.on_hold is not None, lot.bulk, lot.date_kind,
                    lot.best_before) == (
                expected.status, expected.on_hand_g, expected.reserved_g, expected.held_g,
                expected.in_transit_g, expected.recalled, expected.on_hold, expected.bulk,
                expected.date_kind, expected.best_before), f"lot {lot.code} drifted"

    def check_mass_is_conserved(self, lots: dict[UUID, Lot]) -> None:
        """Every gram that came in is on hand, moved on, in transit, held, eaten or lost."""
        for event in iter_events(self.ledger, start=self.flows.position + 1):
            self.flows.fold(event)
        self.flows.position = max_notification_id(self.ledger)
        self.flows.check(lots)


LotLives.TestCase.settings = settings(max_examples=EXAMPLES_MAX, stateful_step_count=STEPS_MAX,
                                      deadline=None)
test_lot_lives = LotLives.TestCase
test_lot_lives.__doc__ = "Random valid and invalid lot commands keep every lot invariant."


class LotLivesOnPostgres(LotLives):
    """The same random lives on a fresh PostgreSQL database per run."""

    def open_store(self) -> StoreLocation:
        """A fresh PostgreSQL database, dropped at teardown."""
        self.location = create_postgres_database()
        return self.location

    def teardown(self) -> None:
        """Close the store and drop its database."""
        super().teardown()
        drop_postgres_database(self.location)


LotLivesOnPostgres.TestCase.settings = settings(
    max_examples=POSTGRES_EXAMPLES_MAX, stateful_step_count=STEPS_MAX, deadline=None)
test_lot_lives_on_postgres = pytest.mark.postgres(LotLivesOnPostgres.TestCase)
test_lot_lives_on_postgres.__doc__ = ("Random valid and invalid lot commands keep every lot "
                                      "invariant on PostgreSQL too.")
