"""Stock states on a December story: on hand, reserved, available, in transit (per delivery),
on hold, recalled, expiring soon and expired, measured from the as-of day; outlet holdings
as of a moment; stock rules enacted by a decision. On SQLite and PostgreSQL.

The story, in business time (December 2026, grams), at the warehouse of Thise:

- 1 Dec: carrots A (100 000, suggested date 20 Dec) and C (15 000, 24 Dec) received;
  yoghurt Y (20 000, DLC 6 Dec) and cheese F (10 000, DDM 2 Dec) received at 3 °C;
- 2 Dec: carrots B (50 000) and R (20 000) received; a shop's bulk donation V (30 000)
  received and sorted the same afternoon into tomatoes V-1 (20 000) and salad V-2 (8 000),
  2 000 wasted;
- 3 Dec: B held for an analysis; 10 000 of A reserved for O1; all of C leaves for O2 at 8:00;
- 4 Dec: R recalled;
- 5 Dec: B released; O2 signs for C at 11:00;
- 11 Dec: a decision's stock rules take effect: chilled DDM grace of 10 days.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

import msgspec
import pytest

from domain import commands as c
from domain.base import Aggregate, Context, Role
from domain.dates import DateKind
from domain.lots import ChildShare, Lot, Process
from domain.members import MemberKind
from domain.rules import RuleBook
from domain.stock_rules import DEFAULT_STOCK_RULES
from infra.ledger.ledger import Ledger, iter_events
from infra.projections_wiring import LedgerProjections, open_projections
from infra.store import StoreLocation
from projections.stock_lines import StockLine
from tests.builders import Territory, found_territory
from tests.conftest import store_of_kind
from tests.stock_recount import recount

_command_ids = itertools.count(1)


def at(day: int, hour: int = 9) -> datetime:
    """A business time in December 2026."""
    return datetime(2026, 12, day, hour, tzinfo=UTC)


@dataclass
class Story:
    """Ids of the December story."""

    territory: Territory
    a: UUID
    b: UUID
    c: UUID
    r: UUID
    y: UUID
    f: UUID
    v: UUID
    v1: UUID
    v2: UUID
    delivery: UUID
    decision: UUID


def context(territory: Territory, moment: datetime,
            member_id: UUID | None = None, role: Role = Role.PLATFORM) -> Context:
    """The context of an act written straight to the store (no handler yet)."""
    command_id = f"direct-{next(_command_ids)}"
    return Context(member_id=member_id or territory.platform_id, role=role,
                   command_id=command_id, correlation_id=command_id, causation_id=command_id,
                   occurred_at=moment)


def lot_of(ledger: Ledger, lot_id: UUID) -> Lot:
    """A lot as stored."""
    lot = ledger.repository.get(lot_id)
    assert isinstance(lot, Lot)
    return lot


def save(ledger: Ledger, *aggregates: Aggregate) -> None:
    """Store the aggregates' new events (their domain methods guarded them)."""
    ledger.save(*aggregates)


def offer(territory: Territory, product: str, quantity_g: int, best_before: date, day: int,
          code: str) -> UUID:
    """Offer and accept a lot (by commands)."""
    lot_id = territory.run(territory.offer_command(
        quantity_g, product=product, best_before=best_before, code=code,
        harvest_date=date(2026, 11, 30), occurred_at=at(day, 7))).stream_id
    territory.run(c.AcceptOffer(command_id=territory.command_id("accept"),
                                actor_id=territory.platform_id, lot_id=lot_id,
                                site_id=territory.site_id, accepted_g=quantity_g,
                                occurred_at=at(day, 8)))
    return lot_id


def stocked(ledger: Ledger, territory: Territory, product: str, quantity_g: int,
            best_before: date, day: int, code: str, temperature_dc: int | None = None) -> UUID:
    """Offer, accept and receive a lot (chilled ones with their temperature)."""
    lot_id = offer(territory, product, quantity_g, best_before, day, code)
    lot = lot_of(ledger, lot_id)
    lot.receive(context(territory, at(day, 10)), site_id=territory.site_id,
                measured_g=quantity_g, temperature_dc=temperature_dc)
    save(ledger, lot)
    return lot_id


def write_story(ledger: Ledger) -> Story:
    """Write the module's story."""
    territory = found_territory(ledger, prefix="d")
    o1, o2 = territory.outlet_ids
    shop = territory.register_member("Supermarché de Thise", MemberKind.PRODUCER)
    a = stocked(ledger, territory, "carotte", 100_000, date(2026, 12, 20), 1, "A")
    lot_c = stocked(ledger, territory, "carotte", 15_000, date(2026, 12, 24), 1, "C")
    y = stocked(ledger, territory, "yaourt", 20_000, date(2026, 12, 6), 1, "Y", 30)
    f = stocked(ledger, territory, "fromage", 10_000, date(2026, 12, 2), 1, "F", 30)
    b = stocked(ledger, territory, "carotte", 50_000, date(2026, 12, 22), 2, "B")
    r = stocked(ledger, territory, "carotte", 20_000, date(2026, 12, 22), 2, "R")
    bulk = Lot.receive_donation(UUID(int=0xB01), context(territory, at(2, 10)), code="V",
                                donor_id=shop, site_id=territory.site_id,
                                description="invendus du jour", quantity_g=30_000)
    save(ledger, bulk)
    bulk = lot_of(ledger, bulk.id)
    sorting = context(territory, at(2, 15))
    v1, v2 = UUID(int=0xB11), UUID(int=0xB12)
    bulk.sort(sorting, [ChildShare(v1, "V-1", 20_000), ChildShare(v2, "V-2", 8_000)], 2_000)
    children = [Lot.derive(child_id, sorting, code=code, process=Process.SORT, product=product,
                           variety="", parents=[(bulk, grams)], quantity_g=grams,
                           best_before=best_before, date_kind=DateKind.NONE)
                for child_id, code, product, grams, best_before in (
                    (v1, "V-1", "tomate", 20_000, date(2026, 12, 9)),
                    (v2, "V-2", "laitue", 8_000, date(2026, 12, 4)))]
    save(ledger, bulk, *children)
    held = lot_of(ledger, b)
    held.hold(context(territory, at(3, 8)), reason="analyse de résidus")
    save(ledger, held)
    territory.run(c.ReserveLot(command_id=territory.command_id("reserve"),
                               actor_id=territory.platform_id, lot_id=a, outlet_id=o1,
                               quantity_g=10_000, occurred_at=at(3, 7)))
    delivery = territory.run(c.PlanDelivery(
        command_id=territory.command_id("plan"), actor_id=territory.platform_id,
        from_site_id=territory.site_id, planned_for=date(2026, 12, 3),
        stops=[c.PlannedStop(o2, [c.PlannedLine(lot_c, 15_000)])],
        occurred_at=at(3, 7))).stream_id
    territory.run(c.DispatchDelivery(command_id=territory.command_id("dispatch"),
                                     actor_id=territory.platform_id, delivery_id=delivery,
                                     occurred_at=at(3, 8)))
    territory.run(c.RecallLot(command_id=territory.command_id("recall"),
                              actor_id=territory.coordinator_id, lot_id=r,
                              reason="résidus de cuivre", occurred_at=at(4)))
    released = lot_of(ledger, b)
    released.release_hold(context(territory, at(5, 8)), reason="analyse conforme")
    save(ledger, released)
    territory.run(c.ReceiveDelivery(command_id=territory.command_id("receipt"), actor_id=o2,
                                    delivery_id=delivery,
                                    lines=[c.ReceiptLine(lot_c, 15_000)], signer="Marie",
                                    occurred_at=at(5, 11)))
    decision = UUID(int=0xDEC)
    book = RuleBook.open(context(territory, at(6), territory.coordinator_id, Role.COORDINATOR))
    chilled = [msgspec.structs.replace(category, ddm_grace_days=10)
               if category.category == "frais" else category
               for category in DEFAULT_STOCK_RULES.categories]
    book.enact(context(territory, at(6), territory.coordinator_id, Role.COORDINATOR),
               rule=msgspec.structs.replace(DEFAULT_STOCK_RULES, categories=chilled),
               effective_from=date(2026, 12, 11), decision_id=decision, title="Tolérance DDM")
    save(ledger, book)
    return Story(territory=territory, a=a, b=b, c=lot_c, r=r, y=y, f=f, v=bulk.id, v1=v1,
                 v2=v2, delivery=delivery, decision=decision)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def story_store(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreLocation]:
    """One store per kind for this module (the story is written once)."""
    with store_of_kind(request.param, tmp_path_factory.mktemp("states")) as location:
        yield location


@pytest.fixture(scope="module")
def story_views(story_store: StoreLocation) -> Iterator[tuple[Story, LedgerProjections]]:
    """The story and its stock and trace views, caught up."""
    ledger = Ledger(story_store)
    projections = open_projections(ledger, names=["stock", "trace"])
    try:
        story = write_story(ledger)
        projections.catch_up()
        yield story, projections
    finally:
        projections.close()
        ledger.close()


def by_code(lines: list[StockLine]) -> dict[str, StockLine]:
    """Lines by lot code."""
    return {line.code: line for line in lines}


def test_a_lot_wholly_on_the_road_still_shows(
        story_views: tuple[Story, LedgerProjections]) -> None:
    """On 3 Dec at noon all of C is in transit: its line stays, with where and since when."""
    story, projections = story_views
    lines = by_code(projections.stock.lines(as_of=at(3, 12)))
    assert (lines["C"].on_hand_g, lines["C"].in_transit_g, lines["C"].available_g) == (
        0, 15_000, 0)
    [transit] = projections.stock.in_transit(as_of=at(3, 12))
    assert (transit.code, transit.quantity_g, transit.site_name, transit.outlet_name,
            transit.delivery_id, transit.since) == (
        "C", 15_000, "Entrepôt de Thise", "Restos du Cœur Besançon", str(story.delivery),
        at(3, 8))
    assert projections.stock.in_transit(as_of=at(3, 7)) == []
    assert projections.stock.in_transit(as_of=at(5, 12)) == []
    assert "C" not in by_code(projections.stock.lines(as_of=at(5, 12)))
    [total] = [total for total in projections.stock.totals(as_of=at(3, 12))
               if total.product == "carotte"]
    assert total.in_transit_g == 15_000


def test_states_on_the_fourth(story_views: tuple[Story, LedgerProjections]) -> None:
    """Held and recalled lots are never available nor expiring; dates from the 4th."""
    _, projections = story_views
    lines = by_code(projections.stock.lines(as_of=at(4, 12)))
    held, recalled = lines["B"], lines["R"]
    assert (held.on_hold, held.on_hold_g, held.available_g, held.hold_reason) == (
        True, 50_000, 0, "analyse de résidus")
    assert held.held_since == at(3, 8).isoformat()
    assert (recalled.recalled, recalled.recalled_g, recalled.available_g,
            recalled.expiring_soon, recalled.on_hold_g) == (True, 20_000, 0, False, 0)
    yoghurt, cheese = lines["Y"], lines["F"]
    assert (yoghurt.date_kind, yoghurt.expiry, yoghurt.days_left, yoghurt.expiring_soon_g,
            yoghurt.available_g) == ("dlc", "expiring_soon", 2, 20_000, 20_000)
    assert (cheese.date_kind, cheese.expiry, cheese.expired_g, cheese.blocked_by_date,
            cheese.available_g) == ("ddm", "expired", 10_000, False, 10_000)
    carrots = lines["A"]
    assert (carrots.on_hand_g, carrots.reserved_g, carrots.available_g, carrots.expiry) == (
        100_000, 10_000, 90_000, "fresh")
    salad = lines["V-2"]  # A suggested date of 4 Dec: expiring on the day itself.
    assert (salad.expiry, salad.days_left, salad.available_g) == ("expiring_soon", 0, 8_000)
    assert "V" not in lines  # The donation was sorted whole.


def test_after_release_and_past_the_dates(story_views: tuple[Story, LedgerProjections]) -> None:
    """On the 7th: B is available again; Y is past its DLC; F is 5 days into its grace."""
    _, projections = story_views
    lines = by_code(projections.stock.lines(as_of=at(7, 12)))
    assert (lines["B"].on_hold, lines["B"].available_g) == (False, 50_000)
    assert (lines["Y"].expiry, lines["Y"].blocked_by_date, lines["Y"].available_g,
            lines["Y"].expired_g, lines["Y"].expiring_soon) == ("expired", True, 0, 20_000,
                                                                 False)
    assert (lines["F"].blocked_by_date, lines["F"].available_g) == (False, 10_000)
    assert (lines["V-2"].expiry, lines["V-2"].available_g) == ("expired", 8_000)


def test_a_decision_changes_the_grace_from_its_date(
        story_views: tuple[Story, LedgerProjections]) -> None:
    """F's DDM was 2 Dec: on the 10th (8 days) it is beyond the default 7-day grace; from
    the 11th a decided 10-day grace lets it go again, until the 13th (11 days)."""
    _, projections = story_views

    def blocked(day: int) -> bool:
        return by_code(projections.stock.lines(as_of=at(day, 12)))["F"].blocked_by_date

    assert [blocked(day) for day in (9, 10, 11, 12, 13)] == [False, True, False, False, True]
    assert by_code(projections.stock.lines(as_of=at(10, 12)))["F"].available_g == 0
    # The live view measures from the day it is given (today in Paris otherwise).
    assert by_code(projections.stock.lines(today=date(2026, 12, 10)))["F"].blocked_by_date
    assert not by_code(projections.stock.lines(today=date(2026, 12, 11)))["F"].blocked_by_date


def test_totals_partition_the_grams_on_hand(
        story_views: tuple[Story, LedgerProjections]) -> None:
    """Per product, recalled + on hold + expired + expiring + fresh grams = on hand."""
    _, projections = story_views
    lines = projections.stock.lines(as_of=at(4, 12))
    totals = {total.product: total for total in projections.stock.totals(as_of=at(4, 12))}
    carrots = totals["carotte"]
    assert (carrots.lots, carrots.on_hand_g, carrots.reserved_g, carrots.available_g,
            carrots.in_transit_g, carrots.on_hold_g, carrots.recalled_g) == (
        4, 170_000, 10_000, 90_000, 15_000, 50_000, 20_000)
    for line in lines:
        fresh_g = line.on_hand_g if line.expiry == "fresh" else 0
        if line.recalled or line.on_hold:
            fresh_g = 0
        assert (line.recalled_g + line.on_hold_g + line.expired_g + line.expiring_soon_g
                + fresh_g == line.on_hand_g), line.code


def test_outlet_holdings_honour_as_of(story_views: tuple[Story, LedgerProjections]) -> None:
    """Before O2 signed for C, it held nothing; afterwards, C with its date's state."""
    story, projections = story_views
    assert projections.stock.outlet_holdings(as_of=at(4, 12)) == []
    [holding] = projections.stock.outlet_holdings(as_of=at(5, 12))
    assert (holding.code, holding.held_g, holding.outlet_id, holding.expiry,
            holding.on_hold) == ("C", 15_000, str(story.territory.outlet_ids[1]), "fresh",
                                 False)
    assert projections.stock.outlet_holdings() == [holding]
    assert projections.stock.outlet_holdings(as_of=at(5, 12), today=date(2026, 12, 25))[
        0].expiry == "expired"


def test_live_and_as_of_now_agree(story_views: tuple[Story, LedgerProjections]) -> None:
    """The live answer equals the as-of answer at a moment after the last event."""
    _, projections = story_views
    today = date(2026, 12, 7)
    live = projections.stock.lines(today=today)
    as_of = projections.stock.lines(as_of=at(31, 12), today=today)
    assert live == as_of
    assert projections.stock.in_transit() == projections.stock.in_transit(as_of=at(31, 12))


def test_a_rebuild_equals_the_live_view(story_views: tuple[Story, LedgerProjections]) -> None:
    """Rebuilt from zero, the view answers the same, table for table."""
    _, projections = story_views
    before = projections.stock.dump()
    projections.rebuild("stock")
    assert projections.stock.dump() == before


def test_sorted_lots_trace_back_to_the_donation_and_its_donor(
        story_views: tuple[Story, LedgerProjections]) -> None:
    """V-1's origin is the bulk donation V, whose donor stands as its producer."""
    story, projections = story_views
    backward = projections.trace.backward(str(story.v1))
    assert backward is not None
    [origin] = backward.origins
    assert (origin.code, origin.process, origin.producer_name, origin.quantity_g) == (
        "V", "donation", "Supermarché de Thise", 30_000)
    assert [(edge.parent_code, edge.child_code, edge.process, edge.quantity_g)
            for edge in backward.edges] == [("V", "V-1", "sort", 20_000)]
    forward = projections.trace.forward(str(story.v))
    assert forward is not None
    assert sorted(lot.code for lot in forward.descendants) == ["V-1", "V-2"]
    kinds = [movement.kind for movement in projections.trace.movements([str(story.v)])]
    assert kinds == ["donated", "sorted"]
    held = [(movement.kind, movement.reason)
            for movement in projections.trace.movements([str(story.b)])
            if movement.kind.startswith("h")]
    assert held == [("held", "analyse de résidus"), ("hold_released", "analyse conforme")]


def view_states(lines: list[StockLine]) -> dict[UUID, dict[str, object]]:
    """The view's lines keyed and shaped as the recount's lot states."""
    return {UUID(line.lot_id): {
        "site_id": line.site_id, "product": line.product, "code": line.code,
        "on_hand_g": line.on_hand_g, "reserved_g": line.reserved_g,
        "available_g": line.available_g, "in_transit_g": line.in_transit_g,
        "on_hold_g": line.on_hold_g, "recalled_g": line.recalled_g,
        "expired_g": line.expired_g, "expiring_soon_g": line.expiring_soon_g,
        "blocked_by_date": line.blocked_by_date, "recalled": line.recalled,
        "on_hold": line.on_hold} for line in lines}


def test_the_view_equals_a_recount_from_the_events_at_every_moment(
        story_views: tuple[Story, LedgerProjections]) -> None:
    """Four moments a day from 1 to 14 December: lots, totals, transit, outlets agree."""
    story, projections = story_views
    events = list(iter_events(story.territory.ledger))
    stock = projections.stock
    for day in range(1, 15):
        for hour in (6, 9, 12, 18):
            moment = at(day, hour)
            counted = recount(events, moment)
            assert view_states(stock.lines(as_of=moment)) == counted.lot_states(), moment
            assert {(total.site_id, total.product): {
                "lots": total.lots, "on_hand_g": total.on_hand_g,
                "reserved_g": total.reserved_g, "available_g": total.available_g,
                "in_transit_g": total.in_transit_g, "on_hold_g": total.on_hold_g,
                "recalled_g": total.recalled_g, "expired_g": total.expired_g,
                "expiring_soon_g": total.expiring_soon_g}
                for total in stock.totals(as_of=moment)} == counted.site_totals(), moment
            assert {(holding.outlet_id, holding.lot_id): holding.held_g
                    for holding in stock.outlet_holdings(as_of=moment)} == (
                counted.outlet_holdings()), moment
            assert {(line.lot_id, line.delivery_id, line.outlet_id): (line.quantity_g,
                                                                      line.since)
                    for line in stock.in_transit(as_of=moment)} == counted.in_transit(), moment
