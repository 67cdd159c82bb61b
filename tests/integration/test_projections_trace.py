"""Traceability view on a hand-built graph: two producers' lots are split, merged and
transformed, partly delivered (one shortfall in transit), lost at the site and at an outlet,
distributed through two channels, one line left in transit. Backward and forward traces,
recall impacts and as-of answers are checked exactly, quantities included, on SQLite and
PostgreSQL.

The story, in business time (November 2026, grams):

- day 2: Vesoul offers A (100 000, harvested 2 Nov), received at 98 000; the farm of the
  Haut-Doubs offers B (50 000, harvested 1 Nov), received whole;
- day 3: A is split into A-1 (60 000) and A-2 (38 000);
- day 4: 20 000 of A-1 and 30 000 of B are merged into M (50 000);
- day 5: 38 000 of A-2 and 10 000 of M are transformed into soup T1 (30 000) and purée T2
  (15 000), losing 3 000;
- day 6: 5 000 of A-1 are lost at the warehouse; 25 000 of M go to outlet O1, which signs
  for 24 000; 10 000 of T1 go to outlet O2;
- day 7: O1 loses 4 000 of M and distributes 15 000 of M as food aid; O2 puts 6 000 of T1
  in baskets;
- day 8: 10 000 of A-1 leave for O2 (not yet signed for); 5 000 of T2 are reserved for O1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from domain import commands as c
from domain.lots import Channel
from domain.members import MemberKind
from infra.ledger.ledger import Ledger
from infra.projections_wiring import LedgerProjections, open_projections
from infra.store import StoreLocation
from projections import trace as trace_module
from projections.trace_records import Reach, TraceEdge
from tests.builders import Territory, found_territory
from tests.conftest import store_of_kind


def at(day: int, hour: int = 9) -> datetime:
    """A business time in November 2026."""
    return datetime(2026, 11, day, hour, tzinfo=UTC)


@dataclass
class Graph:
    """Ids of the hand-built graph."""

    territory: Territory
    second_producer_id: UUID
    a: UUID
    b: UUID
    a1: UUID
    a2: UUID
    m: UUID
    t1: UUID
    t2: UUID
    in_transit_delivery: UUID

    @property
    def o1(self) -> str:
        """The first outlet, as the views spell ids."""
        return str(self.territory.outlet_ids[0])

    @property
    def o2(self) -> str:
        """The second outlet."""
        return str(self.territory.outlet_ids[1])


def _offer(territory: Territory, producer_id: UUID, code: str, quantity_g: int,
           harvest: date, certificate: str, origin: str) -> UUID:
    lot_id = territory.run(c.OfferLot(
        command_id=territory.command_id("offer"), actor_id=producer_id, product="carrot",
        variety="Nantaise", quantity_g=quantity_g, price_cents_per_kg=180,
        harvest_date=harvest, best_before=date(2026, 11, 30), organic_certificate=certificate,
        origin=origin, code=code, occurred_at=at(2, 8))).stream_id
    territory.run(c.AcceptOffer(command_id=territory.command_id("accept"),
                                actor_id=territory.platform_id, lot_id=lot_id,
                                site_id=territory.site_id, accepted_g=quantity_g,
                                occurred_at=at(2, 9)))
    return lot_id


def _deliver(territory: Territory, lot_id: UUID, outlet_id: UUID, quantity_g: int,
             received_g: int | None, day: int) -> UUID:
    platform = territory.platform_id
    delivery_id = territory.run(c.PlanDelivery(
        command_id=territory.command_id("plan"), actor_id=platform,
        from_site_id=territory.site_id, planned_for=date(2026, 11, day),
        stops=[c.PlannedStop(outlet_id, [c.PlannedLine(lot_id, quantity_g)])],
        occurred_at=at(day, 7))).stream_id
    territory.run(c.DispatchDelivery(command_id=territory.command_id("dispatch"),
                                     actor_id=platform, delivery_id=delivery_id,
                                     occurred_at=at(day, 8)))
    if received_g is not None:
        territory.run(c.ReceiveDelivery(
            command_id=territory.command_id("receipt"), actor_id=outlet_id,
            delivery_id=delivery_id, lines=[c.ReceiptLine(lot_id, received_g)],
            signer="Marie", occurred_at=at(day, 11)))
    return delivery_id


def build_graph(ledger: Ledger) -> Graph:
    """Write the module's story into ``ledger``."""
    territory = found_territory(ledger, prefix="g")
    platform = territory.platform_id
    o1, o2 = territory.outlet_ids
    farm = territory.register_member("Ferme du Haut-Doubs", MemberKind.PRODUCER)
    a = _offer(territory, territory.producer_id, "A", 100_000, date(2026, 11, 2), "FR-BIO-01",
               "parcelle 3")
    b = _offer(territory, farm, "B", 50_000, date(2026, 11, 1), "FR-BIO-07", "champ nord")
    for lot_id, measured_g in ((a, 98_000), (b, 50_000)):
        territory.run(c.ReceiveLot(command_id=territory.command_id("receive"),
                                   actor_id=platform, lot_id=lot_id, site_id=territory.site_id,
                                   measured_g=measured_g, occurred_at=at(2, 14)))
    a1, a2 = territory.run(c.SplitLot(
        command_id=territory.command_id("split"), actor_id=platform, lot_id=a,
        parts_g=[60_000, 38_000], occurred_at=at(3))).stream_ids[1:]
    m = territory.run(c.MergeLots(
        command_id=territory.command_id("merge"), actor_id=platform, code="M",
        parents=[c.ParentPart(a1, 20_000), c.ParentPart(b, 30_000)],
        occurred_at=at(4))).stream_id
    t1, t2 = territory.run(c.TransformLots(
        command_id=territory.command_id("transform"), actor_id=platform,
        inputs=[c.ParentPart(a2, 38_000), c.ParentPart(m, 10_000)],
        # Dated like their inputs: without a date, an output gets its shelf life from today.
        outputs=[c.TransformOutput(product="soupe", quantity_g=30_000,
                                   best_before=date(2026, 11, 30)),
                 c.TransformOutput(product="purée", quantity_g=15_000,
                                   best_before=date(2026, 11, 30))],
        loss_g=3_000, occurred_at=at(5))).stream_ids[:2]
    territory.run(c.RecordLoss(command_id=territory.command_id("loss"), actor_id=platform,
                               lot_id=a1, quantity_g=5_000, reason="crates crushed",
                               occurred_at=at(6, 8)))
    _deliver(territory, m, o1, 25_000, 24_000, 6)
    _deliver(territory, t1, o2, 10_000, 10_000, 6)
    territory.run(c.RecordLoss(command_id=territory.command_id("loss"), actor_id=o1,
                               lot_id=m, quantity_g=4_000, reason="fridge failure",
                               occurred_at=at(7, 8)))
    territory.run(c.RecordDistribution(command_id=territory.command_id("distribute"),
                                       actor_id=o1, lot_id=m, quantity_g=15_000,
                                       channel=Channel.FOOD_AID, occurred_at=at(7, 10)))
    territory.run(c.RecordDistribution(command_id=territory.command_id("distribute"),
                                       actor_id=o2, lot_id=t1, quantity_g=6_000,
                                       channel=Channel.BASKET, occurred_at=at(7, 10)))
    in_transit = _deliver(territory, a1, o2, 10_000, None, 8)
    territory.run(c.ReserveLot(command_id=territory.command_id("reserve"), actor_id=platform,
                               lot_id=t2, outlet_id=o1, quantity_g=5_000,
                               occurred_at=at(8, 12)))
    return Graph(territory=territory, second_producer_id=farm, a=a, b=b, a1=a1, a2=a2, m=m,
                 t1=t1, t2=t2, in_transit_delivery=in_transit)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def shared_store(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreLocation]:
    """One store per kind for the read-only tests of this module (the graph is built once)."""
    with store_of_kind(request.param, tmp_path_factory.mktemp("graph")) as location:
        yield location


@contextmanager
def views_of_graph(store: StoreLocation) -> Iterator[tuple[Graph, LedgerProjections]]:
    """The graph written to a fresh store, and its views caught up."""
    ledger = Ledger(store)
    projections = open_projections(ledger)
    try:
        graph = build_graph(ledger)
        projections.catch_up()
        yield graph, projections
    finally:
        projections.close()
        ledger.close()


@pytest.fixture(scope="module")
def graph_views(shared_store: StoreLocation) -> Iterator[tuple[Graph, LedgerProjections]]:
    """The graph and its views, shared by the tests that only read them."""
    with views_of_graph(shared_store) as built:
        yield built


@pytest.fixture
def own_graph_views(store: StoreLocation) -> Iterator[tuple[Graph, LedgerProjections]]:
    """The graph and its views, for a test that adds commands."""
    with views_of_graph(store) as built:
        yield built


def codes(graph: Graph) -> dict[str, str]:
    """Lot ids (as the views spell them) to their letters in the story."""
    return {str(graph.a): "A", str(graph.b): "B", str(graph.a1): "A-1", str(graph.a2): "A-2",
            str(graph.m): "M", str(graph.t1): "T1", str(graph.t2): "T2"}


def edges_of(graph: Graph, edges: list[TraceEdge]) -> set[tuple[str, str, str, int]]:
    """Edges as (parent letter, child letter, process, grams)."""
    names = codes(graph)
    return {(names[edge.parent_id], names[edge.child_id], edge.process, edge.quantity_g)
            for edge in edges}


def reaches_of(graph: Graph, reaches: list[Reach]) -> set[tuple[str, str, str | None, int]]:
    """Reaches as (lot letter, party name, channel, grams)."""
    names = codes(graph)
    return {(names[reach.lot_id], reach.party_name, reach.channel, reach.quantity_g)
            for reach in reaches}


O1_NAME = "Épicerie solidaire Planoise"
O2_NAME = "Restos du Cœur Besançon"
PLATFORM_NAME = "Banque Alimentaire du Doubs"
SITE_NAME = "Entrepôt de Thise"


def test_backward_trace_reaches_both_producers_with_quantities(
        graph_views: tuple[Graph, LedgerProjections]) -> None:
    """The soup goes back through the split, merge and transformation to A's and B's producers."""
    graph, projections = graph_views
    trace = projections.trace.backward(str(graph.t1))
    assert trace is not None
    names = codes(graph)
    assert names[trace.lot.lot_id] == "T1"
    assert trace.lot.quantity_g == 30_000
    assert trace.lot.process == "transform"
    assert {(names[lot.lot_id], lot.depth) for lot in trace.ancestors} == {
        ("A-2", 1), ("M", 1), ("A", 2), ("A-1", 2), ("B", 2)}
    assert edges_of(graph, trace.edges) == {
        ("A-2", "T1", "transform", 38_000), ("M", "T1", "transform", 10_000),
        ("A", "A-2", "split", 38_000), ("A-1", "M", "merge", 20_000),
        ("B", "M", "merge", 30_000), ("A", "A-1", "split", 60_000)}
    assert {(lot.code, lot.producer_name, lot.harvest_date, lot.organic_certificate,
             lot.origin, lot.quantity_g) for lot in trace.origins} == {
        ("A", "Jardin de Cocagne de Vesoul", "2026-11-02", "FR-BIO-01", "parcelle 3", 100_000),
        ("B", "Ferme du Haut-Doubs", "2026-11-01", "FR-BIO-07", "champ nord", 50_000)}
    assert reaches_of(graph, trace.sites) == {
        ("A", SITE_NAME, None, 98_000), ("B", SITE_NAME, None, 50_000),
        ("A-1", SITE_NAME, None, 60_000), ("A-2", SITE_NAME, None, 38_000),
        ("M", SITE_NAME, None, 50_000), ("T1", SITE_NAME, None, 30_000)}


def test_forward_trace_reaches_every_lot_outlet_channel_and_loss(
        graph_views: tuple[Graph, LedgerProjections]) -> None:
    """From A: five lots made from it, the outlets and channels reached, every loss."""
    graph, projections = graph_views
    trace = projections.trace.forward(str(graph.a))
    assert trace is not None
    names = codes(graph)
    assert {(names[lot.lot_id], lot.depth) for lot in trace.descendants} == {
        ("A-1", 1), ("A-2", 1), ("M", 2), ("T1", 2), ("T2", 2)}
    assert edges_of(graph, trace.edges) == {
        ("A", "A-1", "split", 60_000), ("A", "A-2", "split", 38_000),
        ("A-1", "M", "merge", 20_000), ("A-2", "T1", "transform", 38_000),
        ("A-2", "T2", "transform", 38_000), ("M", "T1", "transform", 10_000),
        ("M", "T2", "transform", 10_000)}
    assert reaches_of(graph, trace.deliveries) == {("M", O1_NAME, None, 24_000),
                                                   ("T1", O2_NAME, None, 10_000)}
    assert reaches_of(graph, trace.distributions) == {("M", O1_NAME, "food_aid", 15_000),
                                                      ("T1", O2_NAME, "basket", 6_000)}
    assert reaches_of(graph, trace.losses) == {("A-1", PLATFORM_NAME, None, 5_000),
                                               ("M", O1_NAME, None, 4_000)}
    assert reaches_of(graph, trace.transit_losses) == {("M", O1_NAME, None, 1_000)}


def test_recall_impact_lists_exactly_the_holders_and_outlets(
        graph_views: tuple[Graph, LedgerProjections]) -> None:
    """Recalling B reaches M, T1 and T2: stock left at the site and outlets, outlets served."""
    graph, projections = graph_views
    impact = projections.trace.recall_impact(str(graph.b))
    assert impact is not None
    names = codes(graph)
    assert [(names[lot.lot_id], lot.depth) for lot in impact.lots] == [
        ("B", 0), ("M", 1), ("T1", 2), ("T2", 2)]
    assert reaches_of(graph, impact.site_stock) == {
        ("B", SITE_NAME, None, 20_000), ("M", SITE_NAME, None, 15_000),
        ("T1", SITE_NAME, None, 20_000), ("T2", SITE_NAME, None, 15_000)}
    assert reaches_of(graph, impact.outlet_stock) == {("M", O1_NAME, None, 5_000),
                                                      ("T1", O2_NAME, None, 4_000)}
    assert impact.in_transit == []
    assert reaches_of(graph, impact.outlets_served) == {("M", O1_NAME, None, 24_000),
                                                        ("T1", O2_NAME, None, 10_000)}
    assert reaches_of(graph, impact.distributed) == {("M", O1_NAME, "food_aid", 15_000),
                                                     ("T1", O2_NAME, "basket", 6_000)}


def test_recall_impact_includes_stock_in_transit(
        graph_views: tuple[Graph, LedgerProjections]) -> None:
    """Recalling A-1 finds the 10 000 g on their way to O2 besides the stock at the site."""
    graph, projections = graph_views
    impact = projections.trace.recall_impact(str(graph.a1))
    assert impact is not None
    assert reaches_of(graph, impact.in_transit) == {("A-1", O2_NAME, None, 10_000)}
    assert reaches_of(graph, impact.site_stock) == {
        ("A-1", SITE_NAME, None, 25_000), ("M", SITE_NAME, None, 15_000),
        ("T1", SITE_NAME, None, 20_000), ("T2", SITE_NAME, None, 15_000)}
    assert reaches_of(graph, impact.outlet_stock) == {("M", O1_NAME, None, 5_000),
                                                      ("T1", O2_NAME, None, 4_000)}


def test_as_of_trace_leaves_out_what_happened_later(
        graph_views: tuple[Graph, LedgerProjections]) -> None:
    """On day 4 the transformation had not happened: A reached A-1, A-2 and M only."""
    graph, projections = graph_views
    trace = projections.trace.forward(str(graph.a), as_of=at(4, 23))
    assert trace is not None
    names = codes(graph)
    assert {names[lot.lot_id] for lot in trace.descendants} == {"A-1", "A-2", "M"}
    assert trace.deliveries == []
    assert trace.losses == []
    assert projections.trace.backward(str(graph.t1), as_of=at(4, 23)) is None
    impact = projections.trace.recall_impact(str(graph.b), as_of=at(6, 23))
    assert impact is not None
    assert reaches_of(graph, impact.outlet_stock) == {("M", O1_NAME, None, 24_000),
                                                      ("T1", O2_NAME, None, 10_000)}
    assert impact.distributed == []


def test_as_of_by_recorded_time_sees_everything_recorded_so_far(
        graph_views: tuple[Graph, LedgerProjections]) -> None:
    """Recorded time is when the ledger learnt of an act: now covers the whole story."""
    graph, projections = graph_views
    moment = datetime.now(tz=UTC)
    trace = projections.trace.forward(str(graph.a), as_of=moment, basis="recorded")
    assert trace is not None
    assert len(trace.descendants) == 5
    past = projections.trace.forward(str(graph.a), as_of=datetime(2020, 1, 1, tzinfo=UTC),
                                     basis="recorded")
    assert past is None


def test_movements_list_every_event_of_a_lot_in_order(
        graph_views: tuple[Graph, LedgerProjections]) -> None:
    """M's life: made, used by the transformation, sent, signed for short, lost, distributed."""
    graph, projections = graph_views
    movements = projections.trace.movements([str(graph.m)])
    assert [(movement.kind, movement.quantity_g, movement.discrepancy_g, movement.channel)
            for movement in movements] == [
        ("derived", 50_000, 0, None), ("transformed", 10_000, 0, None),
        ("dispatched", 25_000, 0, None), ("delivered", 24_000, -1_000, None),
        ("lost", 4_000, 0, None), ("distributed", 15_000, 0, "food_aid")]
    assert movements[0].site_name == SITE_NAME
    assert movements[3].holder_name == O1_NAME
    assert movements[-1].occurred_at == at(7, 10)


def test_lots_are_found_by_code_or_id(graph_views: tuple[Graph, LedgerProjections]) -> None:
    """A lot resolves from its code or its id; an unknown one does not."""
    graph, projections = graph_views
    assert projections.trace.resolve("M") == str(graph.m)
    assert projections.trace.resolve(str(graph.b)) == str(graph.b)
    assert projections.trace.resolve("nope") is None


def test_a_recall_flags_every_derived_lot(
        own_graph_views: tuple[Graph, LedgerProjections]) -> None:
    """After recalling B, the trace and stock views flag B, M, T1 and T2, and only them."""
    graph, projections = own_graph_views
    territory = graph.territory
    result = territory.run(c.RecallLot(command_id=territory.command_id("recall"),
                                       actor_id=graph.second_producer_id, lot_id=graph.b,
                                       reason="listeria found", occurred_at=at(9)))
    assert projections.wait_for(result.notification_id, timeout_s=5)
    impact = projections.trace.recall_impact(str(graph.b))
    assert impact is not None
    assert all(lot.recalled for lot in impact.lots)
    forward = projections.trace.forward(str(graph.a))
    assert forward is not None
    names = codes(graph)
    assert {names[lot.lot_id] for lot in [forward.lot, *forward.descendants]
            if lot.recalled} == {"M", "T1", "T2"}
    recalled_lines = {names[line.lot_id] for line in projections.stock.lines() if line.recalled}
    assert recalled_lines == {"B", "M", "T1", "T2"}
    held = {(names[holding.lot_id], holding.recalled)
            for holding in projections.stock.outlet_holdings()}
    assert held == {("M", True), ("T1", True)}
    before = projections.trace.recall_impact(str(graph.b), as_of=at(8, 23))
    assert before is not None
    assert not any(lot.recalled for lot in before.lots)


def test_a_trace_beyond_its_bounds_is_refused(graph_views: tuple[Graph, LedgerProjections],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk stops at its named depth and size bounds instead of running away."""
    graph, projections = graph_views
    monkeypatch.setattr(trace_module, "TRACE_DEPTH_MAX", 1)
    with pytest.raises(trace_module.TraceLimitExceeded, match="deeper than 1 levels"):
        projections.trace.backward(str(graph.t1))
    monkeypatch.setattr(trace_module, "TRACE_DEPTH_MAX", 64)
    monkeypatch.setattr(trace_module, "TRACE_LOTS_MAX", 3)
    with pytest.raises(trace_module.TraceLimitExceeded, match="more than 3 lots"):
        projections.trace.forward(str(graph.a))
