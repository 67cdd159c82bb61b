"""Stock view on the hand-built graph of ``test_projections_trace``: what the warehouse holds
per product and lot (on hand, reserved, available, in transit), totals, what outlets hold,
expiring and recalled flags, and the stock at past moments, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from infra.projections_wiring import LedgerProjections
from infra.store import StoreLocation
from projections.stock import cooperative_today
from projections.stock_lines import StockGrams, StockLine
from tests.conftest import store_of_kind
from tests.integration.test_projections_trace import Graph, at, codes, views_of_graph

SITE_NAME = "Entrepôt de Thise"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def stock_store(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreLocation]:
    """One store per kind for this module (the graph is built once)."""
    with store_of_kind(request.param, tmp_path_factory.mktemp("stock")) as location:
        yield location


@pytest.fixture(scope="module")
def graph_views(stock_store: StoreLocation) -> Iterator[tuple[Graph, LedgerProjections]]:
    """The graph and its views."""
    with views_of_graph(stock_store) as built:
        yield built


def by_letter(graph: Graph, lines: list[StockLine]) -> dict[str, tuple[int, int, int, int]]:
    """Lines as letter → (on hand, reserved, available, in transit)."""
    names = codes(graph)
    return {names[line.lot_id]: (line.on_hand_g, line.reserved_g, line.available_g,
                                 line.in_transit_g) for line in lines}


def test_stock_lines_per_lot_at_the_end(graph_views: tuple[Graph, LedgerProjections]) -> None:
    """Lots with stock on hand, with reservations and what is on its way to outlets."""
    graph, projections = graph_views
    lines = projections.stock.lines()
    assert by_letter(graph, lines) == {
        "A-1": (25_000, 0, 25_000, 10_000), "B": (20_000, 0, 20_000, 0),
        "M": (15_000, 0, 15_000, 0), "T1": (20_000, 0, 20_000, 0),
        "T2": (15_000, 5_000, 10_000, 0)}
    assert {line.site_name for line in lines} == {SITE_NAME}
    assert [line.product for line in lines] == ["carrot", "carrot", "carrot", "purée", "soupe"]
    assert not any(line.recalled for line in lines)


def test_totals_per_site_and_product(graph_views: tuple[Graph, LedgerProjections]) -> None:
    """Sums per site and product."""
    _, projections = graph_views
    totals = {(total.site_name, total.product): (total.lots, total.on_hand_g,
                                                 total.reserved_g, total.available_g)
              for total in projections.stock.totals()}
    assert totals == {(SITE_NAME, "carrot"): (3, 60_000, 0, 60_000),
                      (SITE_NAME, "soupe"): (1, 20_000, 0, 20_000),
                      (SITE_NAME, "purée"): (1, 15_000, 5_000, 10_000)}


def test_filters_by_site_and_product(graph_views: tuple[Graph, LedgerProjections]) -> None:
    """A site found by name, a product in any case."""
    graph, projections = graph_views
    [(site_id, name)] = projections.stock.find_sites("entrepôt de thise")
    assert (site_id, name) == (str(graph.territory.site_id), SITE_NAME)
    lines = projections.stock.lines(site_id=site_id, product="Soupe")
    assert by_letter(graph, lines) == {"T1": (20_000, 0, 20_000, 0)}
    assert projections.stock.lines(site_id="elsewhere") == []


def test_delivered_stock_moves_to_the_outlets(
        graph_views: tuple[Graph, LedgerProjections]) -> None:
    """What outlets received, less what they lost and distributed."""
    graph, projections = graph_views
    names = codes(graph)
    held = {(holding.outlet_name, names[holding.lot_id], holding.held_g)
            for holding in projections.stock.outlet_holdings()}
    assert held == {("Épicerie solidaire Planoise", "M", 5_000),
                    ("Restos du Cœur Besançon", "T1", 4_000)}
    mine = projections.stock.outlet_holdings(outlet_id=graph.o2)
    assert [names[holding.lot_id] for holding in mine] == ["T1"]


def test_expiring_soon_depends_on_today_and_the_window(
        graph_views: tuple[Graph, LedgerProjections]) -> None:
    """Every lot keeps until 30 November: flagged from the 27th with a three-day window."""
    _, projections = graph_views
    stock = projections.stock
    assert not any(line.expiring_soon for line in stock.lines(today=date(2026, 11, 26)))
    assert all(line.expiring_soon for line in stock.lines(today=date(2026, 11, 27)))
    assert all(line.expiring_soon
               for line in stock.lines(today=date(2026, 11, 20), expiring_days=10))
    [soup] = stock.totals(product="soupe", today=date(2026, 11, 28))
    assert soup.expiring_soon_g == 20_000


def grams(projections: LedgerProjections, today: date) -> dict[tuple[str, str], tuple[int, ...]]:
    """(site, product) → (on hand, reserved, available, expiring, expired, recalled)."""
    found: list[StockGrams] = projections.stock.grams_by_site_and_product(today=today)
    return {(group.site_name, group.product): (
        group.on_hand_g, group.reserved_g, group.available_g, group.expiring_g,
        group.expired_g, group.recalled_g) for group in found}


def test_grams_per_site_and_product_split_by_expiry(
        graph_views: tuple[Graph, LedgerProjections]) -> None:
    """Every lot keeps until 30 November: fresh on the 26th, expiring from the 27th to the
    30th itself, expired from 1 December; the sums match the stock totals."""
    _, projections = graph_views
    carrot, soupe, puree = ((SITE_NAME, "carrot"), (SITE_NAME, "soupe"), (SITE_NAME, "purée"))
    assert grams(projections, date(2026, 11, 26)) == {
        carrot: (60_000, 0, 60_000, 0, 0, 0), soupe: (20_000, 0, 20_000, 0, 0, 0),
        puree: (15_000, 5_000, 10_000, 0, 0, 0)}
    for day in (27, 30):
        assert grams(projections, date(2026, 11, day))[puree] == (
            15_000, 5_000, 10_000, 15_000, 0, 0)
    assert grams(projections, date(2026, 12, 1)) == {
        carrot: (60_000, 0, 60_000, 0, 60_000, 0), soupe: (20_000, 0, 20_000, 0, 20_000, 0),
        puree: (15_000, 5_000, 10_000, 0, 15_000, 0)}
    totals = {(total.site_name, total.product): (total.on_hand_g, total.reserved_g)
              for total in projections.stock.totals()}
    assert {key: value[:2] for key, value in grams(projections, date(2026, 11, 1)).items()} == (
        totals)


def test_today_is_the_day_in_paris() -> None:
    """At 23:30 UTC on 6 December it is already the 7th in Paris; at 22:30 UTC in July too."""
    assert cooperative_today(datetime(2026, 12, 6, 23, 30, tzinfo=UTC)) == date(2026, 12, 7)
    assert cooperative_today(datetime(2026, 12, 6, 22, 30, tzinfo=UTC)) == date(2026, 12, 6)
    assert cooperative_today(datetime(2026, 7, 6, 22, 30, tzinfo=UTC)) == date(2026, 7, 7)


def test_stock_as_of_past_moments(graph_views: tuple[Graph, LedgerProjections]) -> None:
    """Day 3 after the split, and day 6 before the reservation of T2."""
    graph, projections = graph_views
    assert by_letter(graph, projections.stock.lines(as_of=at(3, 23))) == {
        "A-1": (60_000, 0, 60_000, 0), "A-2": (38_000, 0, 38_000, 0),
        "B": (50_000, 0, 50_000, 0)}
    assert by_letter(graph, projections.stock.lines(as_of=at(6, 23))) == {
        "A-1": (35_000, 0, 35_000, 0), "B": (20_000, 0, 20_000, 0),
        "M": (15_000, 0, 15_000, 0), "T1": (20_000, 0, 20_000, 0),
        "T2": (15_000, 0, 15_000, 0)}
    assert projections.stock.lines(as_of=at(1)) == []
    totals = {total.product: total.on_hand_g
              for total in projections.stock.totals(as_of=at(5, 23))}
    assert totals == {"carrot": 100_000, "soupe": 30_000, "purée": 15_000}


def test_stock_as_of_for_one_site_or_product_is_the_whole_stock_filtered(
        graph_views: tuple[Graph, LedgerProjections]) -> None:
    """A site's or a product's stock as of a moment (summed over its own lots' changes only)
    is the whole stock as of that moment, filtered."""
    _, projections = graph_views
    for moment in (at(3, 23), at(6, 23)):
        everything = projections.stock.lines(as_of=moment)
        assert everything
        for site_id in {line.site_id for line in everything}:
            assert projections.stock.lines(site_id=site_id, as_of=moment) == [
                line for line in everything if line.site_id == site_id]
        for product in {line.product for line in everything}:
            assert projections.stock.lines(product=product, as_of=moment) == [
                line for line in everything if line.product == product]
