"""Pick lists on the Lot aggregate alone: first expired, first out; held, recalled and
expired lots skipped with the dispatch's own refusal, and replaced from the site's stock."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from domain.dates import DateKind
from domain.deliveries import DeliveryLine, Stop
from domain.lots import Lot
from domain.picking import fefo, pick_list
from domain.stock_rules import DEFAULT_STOCK_RULES
from tests.unit.test_lot_dates_holds_domain import (
    MONDAY,
    OUTLET,
    SITE,
    context,
    new_id,
    stocked,
)

OTHER_OUTLET = UUID("01900000-0000-7000-8000-000000000009")


def plan(*lines: tuple[Lot, int], outlet_id: UUID = OUTLET) -> Stop:
    """A stop taking these quantities of these lots."""
    return Stop(outlet_id, [DeliveryLine(lot.id, grams) for lot, grams in lines])


def test_lines_come_first_expired_first_out_with_flags() -> None:
    """Carrots of the 20th after carrots of the 10th; a DDM two days past is flagged."""
    late = stocked("carotte", best_before=date(2026, 12, 20))
    early = stocked("carotte", best_before=date(2026, 12, 10))
    cheese = stocked("fromage", best_before=date(2026, 12, 5))
    lots = {lot.id: lot for lot in (late, early, cheese)}
    listed = pick_list(delivery_id=new_id(), site_id=SITE, planned_for=date(2026, 12, 7),
                       stops=[plan((late, 5_000), (cheese, 1_000), (early, 7_000))],
                       lots=lots, site_lots=list(lots.values()), moment=MONDAY,
                       rules=DEFAULT_STOCK_RULES)
    [stop] = listed.stops
    assert [(line.code, line.quantity_g, line.past_date_days) for line in stop.lines] == [
        (cheese.code, 1_000, 2), (early.code, 7_000, 0), (late.code, 5_000, 0)]
    assert (stop.skipped, stop.quantity_g, listed.picking_day) == ([], 13_000,
                                                                   date(2026, 12, 7))


def test_held_recalled_and_expired_lots_are_skipped_and_replaced() -> None:
    """Each skipped line says the dispatch's refusal; same-product lots fill in, FEFO."""
    held = stocked("carotte", best_before=date(2026, 12, 15))
    held.hold(context(), reason="analyse")
    recalled = stocked("carotte", best_before=date(2026, 12, 16))
    recalled.recall(context(), reason="rappel", origin_lot_id=recalled.id)
    short_life = stocked("yaourt", best_before=date(2026, 12, 8))
    spare_yoghurt = stocked("yaourt", best_before=date(2026, 12, 12), quantity_g=3_000)
    spare_old = stocked("carotte", best_before=date(2026, 12, 9), quantity_g=4_000)
    spare_new = stocked("carotte", best_before=date(2026, 12, 30), quantity_g=50_000)
    spare_new.reserve(context(), outlet_id=OTHER_OUTLET, quantity_g=45_000)
    spare_held = stocked("carotte", best_before=date(2026, 12, 1))
    spare_held.hold(context(), reason="analyse")
    site_lots = [held, recalled, short_life, spare_yoghurt, spare_old, spare_new, spare_held]
    listed = pick_list(delivery_id=new_id(), site_id=SITE, planned_for=date(2026, 12, 7),
                       stops=[plan((held, 6_000), (recalled, 2_000), (short_life, 5_000))],
                       lots={lot.id: lot for lot in site_lots}, site_lots=site_lots,
                       moment=MONDAY, rules=DEFAULT_STOCK_RULES)
    [stop] = listed.stops
    assert stop.lines == []
    reasons = {line.code: (line.code_of_refusal, [(sub.code, sub.quantity_g)
                                                  for sub in line.substitutes])
               for line in stop.skipped}
    assert reasons == {
        # 4 kg of the earliest spare, then 2 kg of the next (45 kg of its 50 are reserved
        # elsewhere, so 5 kg could go); the held spare is never proposed.
        held.code: ("lot_held", [(spare_old.code, 4_000), (spare_new.code, 2_000)]),
        # The first skipped line took those grams: 3 kg remain of the later spare.
        recalled.code: ("recalled", [(spare_new.code, 2_000)]),
        short_life.code: ("remaining_life_too_short", [(spare_yoghurt.code, 3_000)]),
    }
    assert "has 38 h of life left, below the 48 h minimum" in stop.skipped[2].reason


def test_a_lot_shared_by_two_stops_is_never_counted_twice() -> None:
    """A 10 kg lot planned 6 kg to each of two outlets: the second stop's line is skipped."""
    lot = stocked("carotte", quantity_g=10_000)
    listed = pick_list(delivery_id=new_id(), site_id=SITE, planned_for=date(2026, 12, 7),
                       stops=[plan((lot, 6_000)),
                              plan((lot, 6_000), outlet_id=OTHER_OUTLET)],
                       lots={lot.id: lot}, site_lots=[lot], moment=MONDAY,
                       rules=DEFAULT_STOCK_RULES)
    first, second = listed.stops
    assert [line.quantity_g for line in first.lines] == [6_000]
    assert second.lines == []
    assert second.skipped[0].code_of_refusal == "insufficient_stock"
    assert "4000 g available not already on this list" in second.skipped[0].reason


def test_reservations_for_the_stop_count_as_its_own() -> None:
    """Stock reserved for the outlet is picked for it even when nothing else is free."""
    lot = stocked("carotte", quantity_g=10_000)
    lot.reserve(context(), outlet_id=OUTLET, quantity_g=10_000)
    listed = pick_list(delivery_id=new_id(), site_id=SITE, planned_for=date(2026, 12, 7),
                       stops=[plan((lot, 10_000))], lots={lot.id: lot}, site_lots=[lot],
                       moment=MONDAY + timedelta(hours=1), rules=DEFAULT_STOCK_RULES)
    assert [line.quantity_g for line in listed.stops[0].lines] == [10_000]


def test_fefo_orders_by_date_then_code() -> None:
    """Same date: the lot code breaks the tie."""
    first = stocked("carotte", best_before=date(2026, 12, 9))
    second = stocked("carotte", best_before=date(2026, 12, 9))
    third = stocked("carotte", date_kind=DateKind.BEST_BEFORE, best_before=date(2026, 12, 8))
    assert fefo([second, first, third]) == [third, *sorted([first, second],
                                                           key=lambda lot: lot.code)]
