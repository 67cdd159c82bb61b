"""French date rules, holds, cold chain and bulk sorting, on the Lot aggregate alone.

No store: lots are built in memory by their command methods, each refusal is checked to
raise its own error type with the numbers, and to leave the lot without a new event. The
day of an act is its business time in Europe/Paris.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import msgspec
import pytest

from domain.base import Context, Role
from domain.codec import StructMapper, encode_event
from domain.cold_chain import celsius
from domain.dates import (
    DateKind,
    Expiry,
    day_end,
    expiry,
    paris_day,
    remaining_life_hours,
    strictest,
)
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
    TemperatureOutOfRange,
    TemperatureRequired,
    UseByDatePassed,
)
from domain.lots import (
    Channel,
    ChildShare,
    ColdChain,
    Lot,
    LotStatus,
    OutOfRange,
    Process,
    output_date,
)
from domain.rules import Enactment, RuleKind, check_payload, normalised_payload, stock_rules_at
from domain.stock_rules import (
    DEFAULT_STOCK_RULES,
    CategoryStockRule,
    ProductStockRule,
    SetStockRules,
    gtin_is_valid,
)

PRODUCER = UUID("01900000-0000-7000-8000-000000000001")
PLATFORM = UUID("01900000-0000-7000-8000-000000000002")
SITE = UUID("01900000-0000-7000-8000-000000000003")
OUTLET = UUID("01900000-0000-7000-8000-000000000004")
DONOR = UUID("01900000-0000-7000-8000-000000000005")
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
HARVEST = date(2026, 12, 6)
_ids = iter(range(1_000, 1_000_000))


def new_id() -> UUID:
    """A fresh id for a lot or delivery."""
    return UUID(int=next(_ids))


def context(at: datetime = MONDAY, member_id: UUID = PLATFORM,
            role: Role = Role.PLATFORM) -> Context:
    """The context of an act at ``at``."""
    return Context(member_id=member_id, role=role, command_id=f"c-{new_id()}",
                   correlation_id="", causation_id="", occurred_at=at)


def offered(product: str = "carotte", quantity_g: int = 100_000, *,
            date_kind: DateKind | None = None, best_before: date | None = None,
            rules: SetStockRules = DEFAULT_STOCK_RULES) -> Lot:
    """A lot offered by the producer and accepted whole for the site."""
    lot = Lot.offer(new_id(), context(member_id=PRODUCER, role=Role.PRODUCER),
                    code=f"L-{new_id().int}", producer_id=PRODUCER, product=product,
                    variety="", quantity_g=quantity_g, price_cents_per_kg=100,
                    harvest_date=min(HARVEST, best_before or HARVEST), best_before=best_before,
                    organic_certificate="FR-BIO",
                    origin="", date_kind=date_kind, rules=rules)
    lot.accept(context(), site_id=SITE, accepted_g=quantity_g)
    return lot


def stocked(product: str = "carotte", quantity_g: int = 100_000, *,
            date_kind: DateKind | None = None, best_before: date | None = None,
            temperature_dc: int | None = None) -> Lot:
    """A lot received whole at the site (chilled products in the middle of their range)."""
    lot = offered(product, quantity_g, date_kind=date_kind, best_before=best_before)
    temperature_range = DEFAULT_STOCK_RULES.temperature_range(lot.product)
    if temperature_dc is None and temperature_range is not None:
        temperature_dc = (temperature_range[1] + temperature_range[2]) // 2
    lot.receive(context(), site_id=SITE, measured_g=quantity_g, temperature_dc=temperature_dc)
    return lot


def refused(lot: Lot, error: type[DomainError], act: Callable[[], object],
            match: str) -> DomainError:
    """Run ``act`` (a no-argument callable), expect exactly ``error`` and no new event."""
    before = len(lot.pending_events)
    with pytest.raises(error, match=match) as caught:
        act()
    assert type(caught.value) is error
    assert len(lot.pending_events) == before, "a refused act triggered events"
    return caught.value


# --------------------------------------------------------------------- dates


def test_days_are_paris_days_and_life_runs_to_the_end_of_the_date() -> None:
    """23:30 UTC on 6 December is already 7 December in Paris; a DLC runs to its midnight."""
    assert paris_day(datetime(2026, 12, 6, 23, 30, tzinfo=UTC)) == date(2026, 12, 7)
    assert paris_day(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == date(2026, 7, 1)
    assert day_end(date(2026, 12, 8)) == datetime(2026, 12, 8, 23, 0, tzinfo=UTC)
    assert remaining_life_hours(date(2026, 12, 8), MONDAY) == 38
    assert remaining_life_hours(date(2026, 12, 6), MONDAY) == -10


def test_expiry_is_measured_from_the_day_given() -> None:
    """Past the date: expired; within the window: expiring soon; the date itself is soon."""
    best_before = date(2026, 12, 10)
    assert expiry(best_before, date(2026, 12, 6), 3) == Expiry.FRESH
    assert expiry(best_before, date(2026, 12, 7), 3) == Expiry.EXPIRING_SOON
    assert expiry(best_before, date(2026, 12, 10), 3) == Expiry.EXPIRING_SOON
    assert expiry(best_before, date(2026, 12, 11), 3) == Expiry.EXPIRED


def test_the_strictest_kind_binds_a_lot_made_of_several() -> None:
    """A DLC parent makes a DLC child; a DDM beats a suggested date."""
    assert strictest([DateKind.NONE, DateKind.USE_BY, DateKind.BEST_BEFORE]) == DateKind.USE_BY
    assert strictest([DateKind.NONE, DateKind.BEST_BEFORE]) == DateKind.BEST_BEFORE
    assert strictest([]) == DateKind.NONE


def test_an_offer_without_a_date_gets_the_suggested_one() -> None:
    """Fresh carrots keep 21 days from harvest; a yoghurt is a DLC product."""
    carrots = offered("Carotte")
    assert (carrots.date_kind, carrots.best_before) == (DateKind.NONE, date(2026, 12, 27))
    yoghurt = offered("yaourt", best_before=date(2026, 12, 20))
    assert (yoghurt.date_kind, yoghurt.best_before) == (DateKind.USE_BY, date(2026, 12, 20))
    unknown = offered("topinambour")
    assert unknown.best_before == HARVEST + timedelta(days=7)
    given = offered("carotte", date_kind=DateKind.BEST_BEFORE, best_before=date(2027, 1, 2))
    assert (given.date_kind, given.best_before) == (DateKind.BEST_BEFORE, date(2027, 1, 2))


def test_the_receiver_corrects_the_date_and_its_kind() -> None:
    """The reception records only what changed; the lot takes the corrected values."""
    lot = offered("carotte")
    lot.receive(context(), site_id=SITE, measured_g=100_000, best_before=date(2026, 12, 15),
                date_kind=DateKind.BEST_BEFORE)
    received = lot.pending_events[-1]
    assert isinstance(received, Lot.Received)
    assert (received.best_before, received.date_kind) == (date(2026, 12, 15),
                                                          DateKind.BEST_BEFORE)
    assert (lot.best_before, lot.date_kind) == (date(2026, 12, 15), DateKind.BEST_BEFORE)
    unchanged = offered("carotte")
    unchanged.receive(context(), site_id=SITE, measured_g=100_000,
                      best_before=unchanged.best_before)
    again = unchanged.pending_events[-1]
    assert isinstance(again, Lot.Received)
    assert (again.best_before, again.date_kind) == (None, None)


def test_past_a_use_by_date_nothing_is_reserved_dispatched_or_distributed() -> None:
    """A DLC of 6 December on the 7th: each act refused with the date, its kind and today."""
    lot = stocked("yaourt", best_before=date(2026, 12, 6))
    error = refused(lot, UseByDatePassed,
                    lambda: lot.reserve(context(), outlet_id=OUTLET, quantity_g=1_000),
                    r"reserve refused: lot L-\d+ is past its use-by date \(DLC 06/12/2026; "
                    r"today 07/12/2026\)")
    assert (error.reason, error.facts["best_before"], error.facts["date_kind"],
            error.facts["on_date"]) == ("use_by_date_passed", "2026-12-06", "dlc", "2026-12-07")
    refused(lot, UseByDatePassed,
            lambda: lot.dispatch(context(), delivery_id=new_id(), outlet_id=OUTLET,
                                 quantity_g=1_000), "dispatch refused")
    # Stock that reached an outlet before the date may not be handed out after it.
    early = stocked("yaourt", best_before=date(2026, 12, 10))
    delivery_id = new_id()
    early.dispatch(context(), delivery_id=delivery_id, outlet_id=OUTLET, quantity_g=5_000)
    early.deliver(context(member_id=OUTLET, role=Role.OUTLET), delivery_id=delivery_id,
                  outlet_id=OUTLET, received_g=5_000)
    late = context(MONDAY + timedelta(days=4), OUTLET, Role.OUTLET)
    refused(early, UseByDatePassed,
            lambda: early.distribute(late, outlet_id=OUTLET, quantity_g=1_000,
                                     channel=Channel.FOOD_AID),
            r"distribute refused: .* \(DLC 10/12/2026; today 11/12/2026\)")
    on_the_day = context(MONDAY + timedelta(days=3), OUTLET, Role.OUTLET)
    early.distribute(on_the_day, outlet_id=OUTLET, quantity_g=1_000, channel=Channel.FOOD_AID)


def test_a_use_by_lot_leaves_only_with_the_minimum_remaining_life() -> None:
    """48 h by default: a DLC of the 8th leaves 38 h on Monday 9:00 UTC, refused."""
    lot = stocked("yaourt", best_before=date(2026, 12, 8))
    error = refused(lot, RemainingLifeTooShort,
                    lambda: lot.dispatch(context(), delivery_id=new_id(), outlet_id=OUTLET,
                                         quantity_g=1_000),
                    r"dispatch refused: lot L-\d+ \(DLC 08/12/2026\) has 38 h of life left, "
                    r"below the 48 h minimum")
    assert (error.facts["remaining_hours"], error.facts["minimum_hours"]) == (38, 48)
    # Reserving is still allowed (it is not past), and a rule of 24 h lets it leave.
    lot.reserve(context(), outlet_id=OUTLET, quantity_g=1_000)
    relaxed = msgspec.structs.replace(DEFAULT_STOCK_RULES, use_by_min_remaining_hours=24)
    lot.dispatch(context(), delivery_id=new_id(), outlet_id=OUTLET, quantity_g=1_000,
                 rules=relaxed)
    assert lot.check_dispatch(OUTLET, 1_000) == 0  # Without a moment, no date check.


def test_past_a_best_before_date_within_grace_distribution_is_flagged() -> None:
    """Fromage (chilled, 7-day grace): 5 days past is handed out and flagged, 8 refused."""
    lot = stocked("fromage", best_before=date(2026, 12, 2), temperature_dc=30)
    lot.reserve(context(), outlet_id=OUTLET, quantity_g=10_000)
    delivery_id = new_id()
    lot.dispatch(context(), delivery_id=delivery_id, outlet_id=OUTLET, quantity_g=10_000)
    lot.deliver(context(member_id=OUTLET, role=Role.OUTLET), delivery_id=delivery_id,
                outlet_id=OUTLET, received_g=10_000)
    lot.distribute(context(member_id=OUTLET, role=Role.OUTLET), outlet_id=OUTLET,
                   quantity_g=4_000, channel=Channel.FOOD_AID)
    distributed = lot.pending_events[-1]
    assert isinstance(distributed, Lot.Distributed)
    assert distributed.past_date_days == 5
    later = context(MONDAY + timedelta(days=3), OUTLET, Role.OUTLET)
    error = refused(lot, BestBeforeGraceExceeded,
                    lambda: lot.distribute(later, outlet_id=OUTLET, quantity_g=1_000,
                                           channel=Channel.FOOD_AID),
                    r"distribute refused: lot L-\d+ passed its best-before date "
                    r"\(DDM 02/12/2026\) 8 days ago, beyond the 7-day grace period")
    assert (error.facts["past_days"], error.facts["grace_days"]) == (8, 7)


def test_a_groceries_lot_uses_its_category_grace_and_others_the_general_one() -> None:
    """Pasta 60 days past its DDM is within 90 days; an unlisted product gets 30."""
    pasta = stocked("pâtes", best_before=date(2026, 10, 8))
    pasta.reserve(context(), outlet_id=OUTLET, quantity_g=1_000)
    other = stocked("confiture", date_kind=DateKind.BEST_BEFORE, best_before=date(2026, 11, 6))
    refused(other, BestBeforeGraceExceeded,
            lambda: other.reserve(context(), outlet_id=OUTLET, quantity_g=1_000),
            "31 days ago, beyond the 30-day grace period")


def test_a_suggested_date_never_refuses_but_is_flagged() -> None:
    """Fresh produce two months past its suggested date is still reserved and handed out."""
    lot = stocked("laitue", best_before=date(2026, 10, 1))
    lot.reserve(context(), outlet_id=OUTLET, quantity_g=1_000)
    delivery_id = new_id()
    lot.dispatch(context(), delivery_id=delivery_id, outlet_id=OUTLET, quantity_g=1_000)
    lot.deliver(context(member_id=OUTLET, role=Role.OUTLET), delivery_id=delivery_id,
                outlet_id=OUTLET, received_g=1_000)
    lot.distribute(context(member_id=OUTLET, role=Role.OUTLET), outlet_id=OUTLET,
                   quantity_g=1_000, channel=Channel.BASKET)
    distributed = lot.pending_events[-1]
    assert isinstance(distributed, Lot.Distributed)
    assert distributed.past_date_days == 67


def test_children_keep_the_strictest_kind_and_transforms_set_theirs() -> None:
    """A merge of a DLC and a suggested date is a DLC of the earliest date; a soup made
    today has the DLC its shelf life gives."""
    yoghurt = stocked("yaourt", best_before=date(2026, 12, 20), temperature_dc=20)
    carrots = stocked("yaourt", date_kind=DateKind.NONE, best_before=date(2026, 12, 15),
                      temperature_dc=20)
    child = Lot.derive(new_id(), context(), code="M-1", process=Process.MERGE,
                       product="yaourt", variety="", parents=[(yoghurt, 1_000),
                                                              (carrots, 1_000)],
                       quantity_g=2_000)
    assert (child.date_kind, child.best_before) == (DateKind.USE_BY, date(2026, 12, 15))
    assert output_date(DEFAULT_STOCK_RULES, "soupe de courge", date(2026, 12, 7)) == (
        DateKind.USE_BY, date(2026, 12, 12))
    assert output_date(DEFAULT_STOCK_RULES, "soupe de courge", date(2026, 12, 7),
                       best_before=date(2026, 12, 10)) == (DateKind.USE_BY, date(2026, 12, 10))


# --------------------------------------------------------------------- holds


def test_a_held_lot_is_blocked_for_every_act_until_released() -> None:
    """Hold with a reason; reserve, dispatch, split, merge, transform, distribute refused
    with the reason and the day; released, they go through again."""
    lot = stocked()
    lot.hold(context(), reason="analyse de résidus en cours")
    assert lot.on_hold is not None
    assert (lot.on_hold.reason, lot.on_hold.held_by) == ("analyse de résidus en cours",
                                                         PLATFORM)
    message = r"it is held since 07/12/2026 \(analyse de résidus en cours\)"
    error = refused(lot, LotHeld,
                    lambda: lot.reserve(context(), outlet_id=OUTLET, quantity_g=1_000),
                    f"cannot reserve lot L-\\d+: {message}")
    assert (error.reason, error.facts["hold_reason"]) == ("lot_held",
                                                          "analyse de résidus en cours")
    refused(lot, LotHeld, lambda: lot.dispatch(context(), delivery_id=new_id(),
                                               outlet_id=OUTLET, quantity_g=1_000),
            "cannot dispatch")
    refused(lot, LotHeld, lambda: lot.split(context(), [ChildShare(new_id(), "a", 50_000),
                                                        ChildShare(new_id(), "b", 50_000)]),
            "cannot split")
    refused(lot, LotHeld, lambda: lot.merge_into(context(), ChildShare(new_id(), "m", 1_000),
                                                 1_000), "cannot merge")
    refused(lot, LotHeld, lambda: lot.transform_into(
        context(), transformation_id=new_id(), used_g=1_000, children=[], inputs_total_g=1_000,
        loss_g=1_000), "cannot transform")
    refused(lot, InvalidState, lambda: lot.hold(context(), reason="encore"),
            r"already held since 07/12/2026 \(analyse")
    lot.release_hold(context(), reason="analyse conforme")
    assert lot.on_hold is None
    refused(lot, InvalidState, lambda: lot.release_hold(context(), reason="x"), "is not held")
    lot.reserve(context(), outlet_id=OUTLET, quantity_g=1_000)


def test_a_hold_also_stops_distribution_at_outlets() -> None:
    """Stock already at an outlet may not be handed out while the lot is held."""
    lot = stocked()
    delivery_id = new_id()
    lot.dispatch(context(), delivery_id=delivery_id, outlet_id=OUTLET, quantity_g=10_000)
    lot.deliver(context(member_id=OUTLET, role=Role.OUTLET), delivery_id=delivery_id,
                outlet_id=OUTLET, received_g=10_000)
    lot.hold(context(), reason="suspicion de listeria")
    refused(lot, LotHeld, lambda: lot.distribute(context(member_id=OUTLET, role=Role.OUTLET),
                                                 outlet_id=OUTLET, quantity_g=1_000,
                                                 channel=Channel.FOOD_AID),
            "cannot distribute")
    # A loss (destroying held food) stays possible.
    lot.lose(context(member_id=OUTLET, role=Role.OUTLET), holder_id=OUTLET, at_outlet=True,
             quantity_g=10_000, reason="détruit")


def test_holds_need_a_received_lot_and_a_recall_is_never_released() -> None:
    """An offer cannot be held; a recalled lot is already blocked for good."""
    lot = offered()
    refused(lot, InvalidState, lambda: lot.hold(context(), reason="x"), "not been received")
    recalled = stocked()
    recalled.recall(context(), reason="rappel", origin_lot_id=recalled.id)
    refused(recalled, Recalled, lambda: recalled.hold(context(), reason="x"),
            "recalled, which holds it for good")
    refused(recalled, InvalidCommand, lambda: stocked().hold(context(), reason=" "),
            "reason must not be empty")


# ---------------------------------------------------------------- cold chain


def test_a_chilled_reception_needs_its_temperature() -> None:
    """Yoghurt without a measure is refused, naming the range."""
    lot = offered("yaourt", best_before=date(2026, 12, 20))
    error = refused(lot, TemperatureRequired,
                    lambda: lot.receive(context(), site_id=SITE, measured_g=100_000),
                    r"needs its measured temperature \(range 0,0 °C to 4,0 °C for "
                    r"produits frais\)")
    assert (error.facts["temperature_min_dc"], error.facts["temperature_max_dc"]) == (0, 40)


def test_out_of_range_is_refused_unless_the_platform_chooses() -> None:
    """9.5 °C for a 0 to 4 °C product: an error with the numbers, then refuse or hold."""
    lot = offered("yaourt", best_before=date(2026, 12, 20))
    error = refused(lot, TemperatureOutOfRange,
                    lambda: lot.receive(context(), site_id=SITE, measured_g=100_000,
                                        temperature_dc=95),
                    r"measured 9,5 °C, outside 0,0 °C to 4,0 °C for produits frais; refuse "
                    "the lot or accept it under hold")
    assert {name: error.facts[name] for name in (
        "temperature_dc", "temperature_min_dc", "temperature_max_dc", "category")} == {
        "temperature_dc": 95, "temperature_min_dc": 0, "temperature_max_dc": 40,
        "category": "frais"}
    lot.receive(context(), site_id=SITE, measured_g=100_000, temperature_dc=95,
                if_out_of_range=OutOfRange.REFUSE)
    refusal = lot.pending_events[-1]
    assert isinstance(refusal, Lot.ReceptionRefused)
    assert (refusal.temperature_dc, refusal.temperature_min_dc, refusal.temperature_max_dc,
            refusal.measured_g) == (95, 0, 40, 100_000)
    assert "9,5 °C" in refusal.reason
    assert (lot.status, lot.on_hand_g) == (LotStatus.REFUSED, 0)
    refused(lot, InvalidState, lambda: lot.reserve(context(), outlet_id=OUTLET, quantity_g=1),
            "it is refused")


def test_out_of_range_accepted_under_hold() -> None:
    """The platform keeps the lot blocked: the reception says held, a hold follows."""
    lot = offered("légumes surgelés", best_before=date(2027, 6, 1))
    lot.receive(context(), site_id=SITE, measured_g=100_000, temperature_dc=-120,
                if_out_of_range=OutOfRange.HOLD)
    received, held = lot.pending_events[-2:]
    assert isinstance(received, Lot.Received)
    assert isinstance(held, Lot.Held)
    assert (received.cold_chain, received.temperature_dc, received.temperature_min_dc,
            received.temperature_max_dc) == (ColdChain.HELD, -120, -400, -150)
    assert held.reason == ("chaîne du froid : -12,0 °C mesurés à la réception, hors plage "
                           "-40,0 °C à -15,0 °C")
    assert (lot.on_hand_g, lot.temperature_dc, lot.on_hold is not None) == (100_000, -120, True)


def test_in_range_and_fresh_produce_receptions() -> None:
    """In range: recorded as such (the choice is not used); vegetables are not checked."""
    lot = offered("yaourt", best_before=date(2026, 12, 20))
    lot.receive(context(), site_id=SITE, measured_g=100_000, temperature_dc=40,
                if_out_of_range=OutOfRange.REFUSE)
    received = lot.pending_events[-1]
    assert isinstance(received, Lot.Received)
    assert (received.cold_chain, lot.on_hold) == (ColdChain.IN_RANGE, None)
    carrots = offered()
    carrots.receive(context(), site_id=SITE, measured_g=100_000, temperature_dc=150)
    received = carrots.pending_events[-1]
    assert isinstance(received, Lot.Received)
    assert (received.cold_chain, received.temperature_dc) == (ColdChain.NOT_CHECKED, 150)
    assert (celsius(-5), celsius(0), celsius(123)) == ("-0,5 °C", "0,0 °C", "12,3 °C")


# ---------------------------------------------------------------------- bulk


def donation(quantity_g: int = 80_000) -> Lot:
    """A bulk donation from a shop, received at the site."""
    return Lot.receive_donation(new_id(), context(), code=f"V-{new_id().int}", donor_id=DONOR,
                                site_id=SITE, description="invendus fruits et légumes",
                                quantity_g=quantity_g)


def test_a_bulk_donation_is_received_by_weight_to_be_sorted_the_next_day() -> None:
    """The donor is recorded; the lot is bulk, to be sorted by tomorrow."""
    lot = donation()
    assert (lot.status, lot.on_hand_g, lot.bulk, lot.donor_id, lot.platform_id) == (
        LotStatus.RECEIVED, 80_000, True, DONOR, PLATFORM)
    assert (lot.product, lot.best_before) == ("vrac", date(2026, 12, 8))


def test_an_unsorted_donation_is_only_sorted() -> None:
    """Reserve, split or dispatch an unsorted donation: refused, sort it first."""
    lot = donation()
    for act in (lambda: lot.reserve(context(), outlet_id=OUTLET, quantity_g=1_000),
                lambda: lot.split(context(), [ChildShare(new_id(), "a", 40_000),
                                              ChildShare(new_id(), "b", 40_000)]),
                lambda: lot.dispatch(context(), delivery_id=new_id(), outlet_id=OUTLET,
                                     quantity_g=1_000)):
        refused(lot, BulkNotSorted, act, "unsorted bulk donation; sort it into product lots")


def test_sorting_balances_products_and_waste() -> None:
    """Products plus waste must weigh the donation; then the children trace to it."""
    lot = donation()
    children = [ChildShare(new_id(), "V-1", 50_000), ChildShare(new_id(), "V-2", 25_000)]
    refused(lot, QuantityMismatch, lambda: lot.sort(context(), children, 4_000),
            r"products 75000 g \+ waste 4000 g = 79000 g, but bulk lot V-\d+ weighs 80000 g")
    lot.sort(context(), children, 5_000)
    sorted_event = lot.pending_events[-1]
    assert isinstance(sorted_event, Lot.Sorted)
    assert (sorted_event.used_g, sorted_event.waste_g, lot.on_hand_g) == (80_000, 5_000, 0)
    kind, best_before = output_date(DEFAULT_STOCK_RULES, "tomate", date(2026, 12, 7))
    child = Lot.derive(children[0].lot_id, context(), code="V-1", process=Process.SORT,
                       product="tomate", variety="", parents=[(lot, 50_000)],
                       quantity_g=50_000, best_before=best_before, date_kind=kind)
    assert (child.parents[0].lot_id, child.best_before, child.bulk) == (
        lot.id, date(2026, 12, 14), False)
    refused(stocked(), InvalidState, lambda: stocked().sort(context(), children, 0),
            "not an unsorted bulk donation")


def test_a_held_donation_is_not_sorted() -> None:
    """A hold stops sorting too."""
    lot = donation()
    lot.hold(context(), reason="odeur suspecte")
    refused(lot, LotHeld, lambda: lot.sort(context(), [ChildShare(new_id(), "x", 80_000)], 0),
            "cannot sort")


def test_insufficient_stock_still_comes_before_dates() -> None:
    """A reservation beyond what is there says so, even on an expired DLC lot."""
    lot = stocked("yaourt", best_before=date(2026, 12, 1))
    refused(lot, InsufficientStock,
            lambda: lot.reserve(context(), outlet_id=OUTLET, quantity_g=200_000),
            "has 100000 g available")


# -------------------------------------------------------------- stock rules


def test_stock_rules_are_checked_and_normalised() -> None:
    """Duplicates, unknown categories, one-sided or reversed ranges are refused."""
    def rules(**fields: object) -> SetStockRules:
        return msgspec.structs.replace(DEFAULT_STOCK_RULES, **fields)

    check_payload(DEFAULT_STOCK_RULES)
    bad = [
        (rules(products=[ProductStockRule(product="a", shelf_life_days=1)] * 2),
         "each product once"),
        (rules(products=[ProductStockRule(product="a", category="cave", shelf_life_days=1)]),
         "category cave, which the rules do not list"),
        (rules(products=[], categories=[CategoryStockRule(category="x",
                                                          temperature_min_dc=0)]),
         "one temperature bound"),
        (rules(products=[], categories=[CategoryStockRule(category="x", temperature_min_dc=50,
                                             temperature_max_dc=10)]), "must be ordered"),
        (rules(ddm_grace_days=-1), r"DDM grace \(par défaut\) must be 0 to 3650 days, got -1"),
        (rules(use_by_min_remaining_hours=1_000), "got 1000"),
        (rules(products=[ProductStockRule(product="a", shelf_life_days=1,
                                          gtin="3769999000016")]),
         "'3769999000016' is not a GTIN-8, -12, -13 or -14 with a valid check digit"),
    ]
    for payload, message in bad:
        with pytest.raises(InvalidCommand, match=message):
            check_payload(payload)
    tidy = normalised_payload(SetStockRules(
        products=[ProductStockRule(product=" Tomate ", shelf_life_days=6),
                  ProductStockRule(product="Ail", category=" FRAIS", shelf_life_days=60)],
        categories=[CategoryStockRule(category="Frais", temperature_min_dc=0,
                                      temperature_max_dc=40)]))
    assert isinstance(tidy, SetStockRules)
    assert [(rule.product, rule.category) for rule in tidy.products] == [
        ("ail", "frais"), ("tomate", "fruits_legumes")]
    assert tidy.categories[0].category == "frais"


def test_gtins_are_checked_by_their_check_digit() -> None:
    """EAN-13, EAN-8 and GTIN-14 with a right check digit pass; a wrong one or letters fail."""
    assert all(gtin_is_valid(gtin) for gtin in ("4006381333931", "96385074",
                                                "03769999000015", "3769999000015"))
    assert not any(gtin_is_valid(gtin) for gtin in ("4006381333932", "40063813339",
                                                    "376999900001A", ""))


def test_the_rules_in_force_replace_the_defaults_from_their_date() -> None:
    """Before the enactment the defaults apply with no decision; from it, the vote's."""
    voted = SetStockRules(use_by_min_remaining_hours=72)
    decision = new_id()
    enactment = Enactment(sequence=1, kind=RuleKind.STOCK_RULES, scope_id=None, rule=voted,
                          effective_from=date(2026, 12, 10), decision_id=decision,
                          title="Règles de stock 2027")
    assert stock_rules_at([enactment], date(2026, 12, 9)) == (DEFAULT_STOCK_RULES, None)
    assert stock_rules_at([enactment], date(2026, 12, 10)) == (voted, decision)


# ---------------------------------------------------------------- stored form


def test_new_lot_events_round_trip_and_old_shapes_keep_their_bytes() -> None:
    """Every new event decodes back equal; an event at its new fields' defaults encodes
    exactly as before the fields existed (so stored bytes and hash chains never change)."""
    mapper = StructMapper()
    lot = donation()
    lot.hold(context(), reason="contrôle")
    lot.release_hold(context(), reason="ok")
    lot.sort(context(), [ChildShare(new_id(), "V-9", 80_000)], 0)
    chilled = offered("yaourt", best_before=date(2026, 12, 20))
    chilled.receive(context(), site_id=SITE, measured_g=1_000, temperature_dc=90,
                    if_out_of_range=OutOfRange.REFUSE)
    for event in [*lot.pending_events, *chilled.pending_events]:
        assert mapper.to_domain_event(mapper.to_stored_event(event)) == event
    plain = stocked().pending_events[-1]
    assert isinstance(plain, Lot.Received)
    fields = msgspec.msgpack.decode(encode_event(plain))
    assert set(fields) == {"originator_id", "originator_version", "timestamp", "context",
                           "site_id", "expected_g", "measured_g", "discrepancy_g"}
