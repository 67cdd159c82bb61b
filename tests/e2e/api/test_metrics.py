"""/metrics: valid for promtool, and each metric moves when its cause happens."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

from infra.api import create_app
from infra.metrics import OTHER_PRODUCTS_LABEL, STOCK, StockCollector, fold_stock_series
from infra.store import sqlite_location
from projections.stock import cooperative_today
from projections.stock_lines import StockGrams
from tests.e2e.api.conftest import World, build_world, new_id

PROMTOOL_TIMEOUT_S = 30

OFFER = {"product": "Chou", "quantity_g": 5_000, "price_cents_per_kg": 170,
         "harvest_date": "2026-01-04", "best_before": "2026-01-18"}


def value(name: str, **labels: str) -> float:
    """A sample's current value in this process's registry (0 if absent)."""
    found = REGISTRY.get_sample_value(name, labels)
    return found if found is not None else 0.0


@pytest.fixture(scope="module")
def idle_views(tmp_path_factory: pytest.TempPathFactory,
               ) -> Iterator[tuple[TestClient[Litestar], World]]:
    """An app whose views do not follow the store on their own (to see their lag)."""
    location = sqlite_location(Path(tmp_path_factory.mktemp("metrics")) / "ledger.db")
    app = create_app(location, follow_views=False)
    with TestClient(app) as client:
        world = build_world(app, location)
        yield client, world


def test_promtool_accepts_the_metrics(idle_views: tuple[TestClient[Litestar], World]) -> None:
    """`promtool check metrics` finds nothing wrong in the /metrics text."""
    client, world = idle_views
    client.post("/api/commands/offer_lot", json=OFFER, headers=world.headers("producer", new_id()))
    client.get("/api/stock", headers=world.headers("coordinator"))
    promtool = shutil.which("promtool")
    assert promtool is not None, "promtool is missing: apt-get install -y prometheus"
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    checked = subprocess.run([promtool, "check", "metrics"], input=response.content,
                             capture_output=True, timeout=PROMTOOL_TIMEOUT_S, check=False)
    assert checked.returncode == 0, checked.stdout.decode() + checked.stderr.decode()
    text = response.text
    for name in ("cocagne_commands_total", "cocagne_command_duration_seconds",
                 "cocagne_events_appended_total", "cocagne_projection_position",
                 "cocagne_projection_lag_events", "cocagne_relay_position",
                 "cocagne_relay_lag_events", "cocagne_consumer_lag_messages",
                 "cocagne_sse_clients", "cocagne_http_requests_total",
                 "cocagne_http_request_duration_seconds", "cocagne_stock_on_hand_grams",
                 "cocagne_stock_reserved_grams", "cocagne_stock_available_grams",
                 "cocagne_stock_expiring_grams", "cocagne_stock_expired_grams",
                 "cocagne_stock_recalled_grams"):
        assert f"# TYPE {name.removesuffix('_total')}" in text, name


def test_commands_latency_and_events_move(idle_views: tuple[TestClient[Litestar], World]) -> None:
    """Accepted, replayed and refused commands count by outcome; latency and events too."""
    client, world = idle_views
    accepted = value("cocagne_commands_total", command="offer_lot", outcome="accepted")
    replayed = value("cocagne_commands_total", command="offer_lot", outcome="replayed")
    refused = value("cocagne_commands_total", command="offer_lot", outcome="role_not_allowed")
    invalid = value("cocagne_commands_total", command="reserve_lot",
                    outcome="insufficient_stock")
    timed = value("cocagne_command_duration_seconds_count", command="offer_lot")
    events = value("cocagne_events_appended_total")
    key = new_id()
    written = client.post("/api/commands/offer_lot", json=OFFER,
                          headers=world.headers("producer", key)).json()["events_written"]
    client.post("/api/commands/offer_lot", json=OFFER, headers=world.headers("producer", key))
    client.post("/api/commands/offer_lot", json=OFFER, headers=world.headers("funder", new_id()))
    client.post("/api/commands/reserve_lot", headers=world.headers("platform", new_id()),
                json={"lot_id": str(world.lot), "outlet_id": str(world.outlet),
                      "quantity_g": 50_000_000})
    assert value("cocagne_commands_total", command="offer_lot",
                 outcome="accepted") == accepted + 1
    assert value("cocagne_commands_total", command="offer_lot",
                 outcome="replayed") == replayed + 1
    assert value("cocagne_commands_total", command="offer_lot",
                 outcome="role_not_allowed") == refused + 1
    assert value("cocagne_commands_total", command="reserve_lot",
                 outcome="insufficient_stock") == invalid + 1
    assert value("cocagne_command_duration_seconds_count", command="offer_lot") == timed + 2
    # Stored events are the command's own plus its command record.
    assert value("cocagne_events_appended_total") == events + written + 1


def test_projection_position_and_lag_move(idle_views: tuple[TestClient[Litestar], World]) -> None:
    """A command makes the views lag; catching up moves their position to the head."""
    client, world = idle_views
    app = client.app
    views = app.state.services.views
    views.runner.catch_up()
    client.get("/metrics")
    assert value("cocagne_projection_lag_events", projection="stock") == 0
    result = client.post("/api/commands/offer_lot", json=OFFER,
                         headers=world.headers("producer", new_id())).json()
    client.get("/metrics")
    assert value("cocagne_projection_lag_events", projection="stock") > 0
    views.runner.catch_up()
    client.get("/metrics")
    assert value("cocagne_projection_lag_events", projection="stock") == 0
    assert value("cocagne_projection_position", projection="stock") >= result["notification_id"]


def test_readiness_follows_the_lag_bound(idle_views: tuple[TestClient[Litestar], World]) -> None:
    """Ready when caught up; the answer lists each view's position and lag."""
    client, _ = idle_views
    client.app.state.services.views.runner.catch_up()
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert all(view["lag"] == 0 for view in ready["views"].values())


def test_relay_position_and_lag_move(idle_views: tuple[TestClient[Litestar], World]) -> None:
    """The relay's stored position shows as its position, and the rest as its lag."""
    client, world = idle_views
    location = world.location
    assert location.sqlite_path is not None
    head = int(client.app.state.services.ledger.recorder.max_notification_id())
    # The relay's own table and row (consumers.relay.SQLitePositionStore), written by hand:
    # importing the relay would load the Kafka client, which this test does not need.
    positions = sqlite3.connect(location.sqlite_path, isolation_level=None)
    try:
        positions.execute("CREATE TABLE IF NOT EXISTS relay_position (relay_name TEXT PRIMARY "
                          "KEY, notification_id BIGINT NOT NULL)")
        upsert = ("INSERT INTO relay_position VALUES ('cocagne.events', ?) ON CONFLICT "
                  "(relay_name) DO UPDATE SET notification_id = excluded.notification_id")
        positions.execute(upsert, (head - 3,))
        client.get("/metrics")
        assert value("cocagne_relay_position") == head - 3
        assert value("cocagne_relay_lag_events") == 3
        positions.execute(upsert, (head,))
        client.get("/metrics")
        assert value("cocagne_relay_lag_events") == 0
    finally:
        positions.close()


def test_http_requests_count_by_route_and_status(
        idle_views: tuple[TestClient[Litestar], World]) -> None:
    """Each answered request counts under its route name (never its raw path)."""
    client, world = idle_views
    before = value("cocagne_http_requests_total", route="get_lot", method="GET", status="200")
    timed = value("cocagne_http_request_duration_seconds_count", route="get_lot")
    client.get(f"/api/lots/{world.lot}", headers=world.headers("coordinator"))
    assert value("cocagne_http_requests_total", route="get_lot", method="GET",
                 status="200") == before + 1
    assert value("cocagne_http_request_duration_seconds_count", route="get_lot") == timed + 1


def test_stock_gauges_follow_the_stock_view(
        idle_views: tuple[TestClient[Litestar], World]) -> None:
    """Grams per site and product as the view sums them; a recall shows in recalled grams;
    the test lots' best-before (20 January 2026) is past, so all they hold is expired."""
    client, world = idle_views
    views = client.app.state.services.views
    views.runner.catch_up()
    client.get("/metrics")
    totals = views.stock.totals()
    assert totals
    for total in totals:
        labels = {"site": total.site_name, "product": total.product}
        assert value("cocagne_stock_on_hand_grams", **labels) == total.on_hand_g > 0
        assert value("cocagne_stock_reserved_grams", **labels) == total.reserved_g
        assert value("cocagne_stock_available_grams", **labels) == total.available_g
        assert value("cocagne_stock_expired_grams", **labels) == total.on_hand_g
        assert value("cocagne_stock_expiring_grams", **labels) == 0
    leek = {"site": "Entrepôt", "product": "leek"}
    assert value("cocagne_stock_recalled_grams", **leek) == 0
    recalled = client.post("/api/commands/recall_lot",
                           json={"lot_id": str(world.other_lot), "reason": "analyse"},
                           headers=world.headers("other_producer", new_id()))
    assert recalled.status_code == 200, recalled.text
    views.runner.catch_up()
    client.get("/metrics")
    assert value("cocagne_stock_recalled_grams", **leek) == value(
        "cocagne_stock_on_hand_grams", **leek) == 50_000


def test_stock_snapshot_is_recomputed_only_when_the_view_or_the_day_moved(
        idle_views: tuple[TestClient[Litestar], World]) -> None:
    """A scrape at the same view position on the same Paris day reuses the snapshot; a new
    batch applied, or a new day, makes it stale."""
    client, world = idle_views
    views = client.app.state.services.views
    stock = views.stock
    views.runner.catch_up()
    client.get("/metrics")
    today = cooperative_today()
    assert STOCK.is_current(stock, (views.position("stock"), today))
    assert not STOCK.is_current(stock, (views.position("stock"), date.fromordinal(
        today.toordinal() + 1)))
    client.post("/api/commands/offer_lot", json=OFFER, headers=world.headers("producer", new_id()))
    views.runner.catch_up()
    assert not STOCK.is_current(stock, (views.position("stock"), today))
    client.get("/metrics")
    assert STOCK.is_current(stock, (views.position("stock"), today))


def stock_group(site_id: str, site_name: str, product: str, on_hand_g: int) -> StockGrams:
    """A stock group with nothing reserved, expiring or recalled."""
    return StockGrams(site_id=site_id, site_name=site_name, product=product,
                      on_hand_g=on_hand_g, reserved_g=0, available_g=on_hand_g,
                      expiring_g=0, expired_g=0, recalled_g=0)


def test_stock_collector_replaces_its_snapshot() -> None:
    """A product that left a site disappears; two sites of one name add up under it."""
    registry = CollectorRegistry()
    collector = StockCollector()
    registry.register(collector)
    collector.update([stock_group("a", "Entrepôt", "chou", 1_000),
                      stock_group("b", "Entrepôt", "chou", 500),
                      stock_group("a", "Entrepôt", "poireau", 2_000)])
    sample = registry.get_sample_value
    assert sample("cocagne_stock_on_hand_grams", {"site": "Entrepôt", "product": "chou"}) == 1_500
    collector.update([stock_group("a", "Entrepôt", "chou", 1_000)])
    assert sample("cocagne_stock_on_hand_grams",
                  {"site": "Entrepôt", "product": "poireau"}) is None
    assert b"poireau" not in generate_latest(registry)


def test_stock_series_are_bounded_and_each_site_total_kept() -> None:
    """Past the bound, a site's smallest products are summed under one label."""
    summed = {("Dijon", "chou"): [9, 1], ("Dijon", "navet"): [2, 0],
              ("Dijon", "radis"): [1, 0], ("Lens", "chou"): [5, 0]}
    folded = fold_stock_series(summed, series_max=2)
    assert folded == {("Dijon", "chou"): [9, 1], ("Lens", "chou"): [5, 0],
                      ("Dijon", OTHER_PRODUCTS_LABEL): [3, 0]}
