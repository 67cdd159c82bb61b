"""The live feed: stock changes reach connected clients as server-sent events whose ids are
notification ids, and a client that reconnects with Last-Event-ID gets what it missed."""

from __future__ import annotations

import time
from typing import Any

import httpx
from prometheus_client import REGISTRY

from tests.e2e.api.conftest import LiveServer, new_id
from tests.e2e.api.sse import wait_for_frame

READ_TIMEOUT_S = 10.0  # A blocked read fails the test rather than hanging it.


def stream(server: LiveServer, who: str, headers: dict[str, str] | None = None,
           query: str = "") -> Any:
    """An open SSE request for one member."""
    client = httpx.Client(base_url=server.url, timeout=READ_TIMEOUT_S)
    return client, client.stream("GET", f"/api/live{query}",
                                 headers={**server.world.headers(who), **(headers or {})})


def receive_new_lot(server: LiveServer, grams: int) -> tuple[str, int]:
    """Offer, accept and receive a lot through the API; (lot id, receipt's notification id)."""
    world = server.world
    with httpx.Client(base_url=server.url, timeout=READ_TIMEOUT_S) as client:
        lot = client.post("/api/commands/offer_lot", headers=world.headers("producer", new_id()),
                          json={"product": "carrot", "quantity_g": grams,
                                "price_cents_per_kg": 180, "harvest_date": "2026-01-04",
                                "best_before": "2026-01-30"}).json()["stream_id"]
        client.post("/api/commands/accept_offer", headers=world.headers("platform", new_id()),
                    json={"lot_id": lot, "site_id": str(world.site), "accepted_g": grams})
        received = client.post("/api/commands/receive_lot",
                               headers=world.headers("platform", new_id()),
                               json={"lot_id": lot, "site_id": str(world.site),
                                     "measured_g": grams})
        assert received.status_code == 200, received.text
        return lot, int(received.json()["notification_id"])


def has_lot(lot: str) -> Any:
    """A frame predicate: a stock message carrying this lot."""
    return lambda frame: frame.event == "stock" and any(
        line["lot_id"] == lot for group in frame.data["groups"] for line in group["lines"])


def test_a_receipt_reaches_the_feed_with_its_notification_id(live_server: LiveServer) -> None:
    """The stock message arrives within 2 s, its id at least the receipt's notification id."""
    client, request = stream(live_server, "coordinator")
    with client, request as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        time.sleep(0.2)  # Let the subscription register before the command.
        lot, position = receive_new_lot(live_server, 4_000)
        frame, elapsed_s = wait_for_frame(response, has_lot(lot), timeout_s=5)
    assert elapsed_s < 2.0
    assert frame.id is not None
    assert frame.id >= position
    line = next(line for group in frame.data["groups"] for line in group["lines"]
                if line["lot_id"] == lot)
    assert line["on_hand_g"] == 4_000


def test_a_reconnecting_client_gets_what_it_missed(live_server: LiveServer) -> None:
    """Last-Event-ID older than a receipt: the first message brings that lot."""
    client, request = stream(live_server, "coordinator")
    with client, request as response:
        time.sleep(0.2)
        _, position = receive_new_lot(live_server, 1_000)
        frame, _ = wait_for_frame(response, lambda frame: frame.event == "stock", timeout_s=5)
        last_seen = frame.id
    assert last_seen is not None
    missed_lot, _ = receive_new_lot(live_server, 2_500)  # While disconnected.
    client, request = stream(live_server, "coordinator",
                             headers={"Last-Event-ID": str(last_seen)})
    with client, request as response:
        frame, elapsed_s = wait_for_frame(response, has_lot(missed_lot), timeout_s=5)
    assert frame.id is not None
    assert frame.id > last_seen
    assert elapsed_s < 2.0
    del position


def test_a_producer_stream_carries_only_its_own_lots(live_server: LiveServer) -> None:
    """Lines of other producers' lots, on hand or on the road, are filtered out of a
    producer's messages, and its totals count its own lines only."""
    client, request = stream(live_server, "other_producer", query="?after=0")
    with client, request as response:
        frame, _ = wait_for_frame(response, lambda frame: frame.event == "stock", timeout_s=5)
    lots = {line["lot_id"] for group in frame.data["groups"] for line in group["lines"]}
    assert str(live_server.world.lot) not in lots
    assert str(live_server.world.other_lot) in lots
    on_the_road = {item["lot_id"] for group in frame.data["groups"]
                   for item in group["in_transit"]}
    assert str(live_server.world.lot) not in on_the_road  # Another producer's delivery.
    for group in frame.data["groups"]:
        own_g = sum(line["on_hand_g"] for line in group["lines"])
        assert (group["total"]["on_hand_g"] if group["total"] else 0) == own_g


def test_the_feed_refuses_roles_without_stock_access(live_server: LiveServer) -> None:
    """A household gets 403 role_not_allowed; no token gets 401."""
    with httpx.Client(base_url=live_server.url, timeout=READ_TIMEOUT_S) as client:
        refused = client.get("/api/live", headers=live_server.world.headers("household"))
        assert refused.status_code == 403
        assert refused.json()["code"] == "role_not_allowed"
        assert client.get("/api/live").status_code == 401


def test_sse_clients_gauge_moves(live_server: LiveServer) -> None:
    """The gauge counts connected clients and drops when one leaves."""
    def clients() -> float:
        return REGISTRY.get_sample_value("cocagne_sse_clients") or 0.0

    def settle(expected: float | None = None) -> float:
        # Streams of earlier tests end when the server notices their client left: wait for
        # the gauge to stop moving (or to reach what is expected), at most five seconds.
        deadline = time.monotonic() + 5
        last = clients()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now = clients()
            if (expected is None and now == last) or now == expected:
                return now
            last = now
        return clients()

    before = settle()
    client, request = stream(live_server, "auditor")
    with client, request as response:
        assert response.status_code == 200
        # Keep the line iterator: dropping it would close the connection.
        lines = response.iter_lines()
        next(lines)  # The "connected" comment: the subscription is live.
        assert settle(before + 1) == before + 1
        del lines
    deadline = time.monotonic() + 5
    while clients() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert clients() == before
