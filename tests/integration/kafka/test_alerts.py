"""The alerts consumer's story, against a real Tansu broker, store and webhook (no mocks).

A platform receives a lot, splits it into crates, delivers one crate to an outlet, another
to a second outlet that signs for it short and hands it all out, and sends part of the lot
itself on its way to the first outlet; then the producer recalls the lot. The relay publishes
the log, the alerts consumer raises one alert per current holder and per outlet served of
every recalled lot (exactly those the in-process traceability view names), plus the short
delivery and a lot near its best-before; a local webhook receives each alert once, even when
the whole topic is published again. The demo scenario's recall is checked the same way.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from consumers.alerts import (
    Alert,
    AlertDispatcher,
    AlertKind,
    AlertRules,
    AlertsView,
    WebhookSink,
    run_alerts,
)
from consumers.projection_consumer import ConsumerSettings, ProjectionConsumer
from domain import commands as c
from domain.lots import Channel
from infra.demo.territory import generate_demo
from infra.ledger.ledger import Ledger
from infra.projections_wiring import open_projections
from infra.store import StoreLocation
from projections.trace_records import RecallImpact
from projections.view_store import SQLiteViewDatabase
from tests.builders import BEST_BEFORE, DEMO_END, found_territory
from tests.integration.kafka.test_consumers import relay_catch_up

TODAY = BEST_BEFORE - timedelta(days=10)
TIMEOUT_S = 45  # A group's first record can take 23 s on Tansu.


class Webhook:
    """A local receiver recording every alert POSTed to it."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.keys: list[str] = []
        received = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                received.bodies.append(body)
                received.keys.append(self.headers["Idempotency-Key"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    """A webhook listening on 127.0.0.1."""
    receiver = Webhook()
    try:
        yield receiver
    finally:
        receiver.close()


class AlertsRun:
    """The alerts consumer running in a thread (consumer and dispatcher exposed)."""

    def __init__(self, view: AlertsView, bootstrap_servers: str, group: str,
                 sink: WebhookSink | None) -> None:
        self.stop = threading.Event()
        self.consumer: ProjectionConsumer | None = None
        self.dispatcher: AlertDispatcher | None = None

        def ready(consumer: ProjectionConsumer, dispatcher: AlertDispatcher) -> None:
            self.consumer, self.dispatcher = consumer, dispatcher

        settings = ConsumerSettings(bootstrap_servers=bootstrap_servers, group_id=group,
                                    client_id=f"test-{group}")
        self.thread = threading.Thread(
            target=run_alerts, args=(settings, view, self.stop),
            kwargs={"sink": sink, "ready": ready, "scan_interval_s": 3_600}, name="alerts")
        self.thread.start()

    def wait_for_applied(self, count: int) -> None:
        """Wait until the consumer has taken ``count`` records into account."""
        deadline_s = time.monotonic() + TIMEOUT_S
        while self.consumer is None or (self.consumer.applied_total
                                        + self.consumer.duplicates_total) < count:
            assert time.monotonic() < deadline_s, "the alerts consumer did not catch up"
            time.sleep(0.1)

    def close(self) -> None:
        """Stop the consumer and its dispatcher."""
        self.stop.set()
        self.thread.join(timeout=20)
        assert not self.thread.is_alive(), "the alerts consumer did not stop"


def wait_until(condition: Any, message: str) -> None:
    """Poll ``condition()`` until true."""
    deadline_s = time.monotonic() + TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline_s, message
        time.sleep(0.1)


def recall_pairs(alerts: list[Alert]) -> set[tuple[str | None, str | None]]:
    """(lot, site or outlet) of each recall alert: where the recalled food is or went."""
    return {(alert.lot_id, alert.outlet_id if alert.recipient_role == "outlet"
             else alert.site_id) for alert in alerts if alert.kind == AlertKind.RECALLED}


def impact_pairs(impact: RecallImpact) -> set[tuple[str | None, str | None]]:
    """(lot, party) of every holder and outlet served in the traceability view's answer."""
    return {(reach.lot_id, reach.party_id)
            for reaches in (impact.site_stock, impact.outlet_stock, impact.in_transit,
                            impact.outlets_served)
            for reach in reaches}


@pytest.mark.kafka
def test_a_recall_alerts_exactly_the_holders_and_outlets_served_once_each(
        sqlite_store: StoreLocation, kafka_bootstrap_servers: str, webhook: Webhook,
        tmp_path: Path) -> None:
    """Recall of a split lot: the platform, the outlet holding a crate and awaiting more,
    the outlet already served; plus the short delivery and the lot near its best-before."""
    ledger = Ledger(sqlite_store)
    try:
        t = found_territory(ledger)
        outlet_1, outlet_2 = (str(outlet) for outlet in t.outlet_ids)
        parent = t.stocked_lot(100_000)
        t.reserve(parent, 50_000, t.outlet_ids[0])  # A split takes what is not reserved.
        crate_1, crate_2 = t.split(parent, [30_000, 20_000])
        t.deliver(crate_1, 30_000, t.outlet_ids[0])
        t.deliver(crate_2, 20_000, t.outlet_ids[1], received_g=17_000)
        t.run(c.RecordDistribution(command_id=t.command_id("hand-out"),
                                   actor_id=t.outlet_ids[1], lot_id=crate_2,
                                   quantity_g=17_000, channel=Channel.FOOD_AID))
        t.dispatch(t.plan(parent, 10_000, t.outlet_ids[0]))
        soon = t.stocked_lot(5_000, product="Lettuce", best_before=TODAY + timedelta(days=1))
        t.run(c.RecallLot(command_id=t.command_id("recall"), actor_id=t.producer_id,
                          lot_id=parent, reason="Copper residues above the organic limit"))
        head = ledger.recorder.max_notification_id() or 0
        projections = open_projections(ledger)
        projections.catch_up()
        impact = projections.trace.recall_impact(str(parent))
        projections.close()
    finally:
        ledger.close()
    assert impact is not None
    site = str(t.site_id)
    platform = str(t.platform_id)
    store_env = sqlite_store.eventsourcing_env()
    assert relay_catch_up(store_env, kafka_bootstrap_servers) == head

    database = SQLiteViewDatabase(tmp_path / "kafka-views.db")
    view = AlertsView(database, AlertRules(), today=lambda: TODAY)
    run = AlertsRun(view, kafka_bootstrap_servers, "test.alerts", WebhookSink(webhook.url))
    try:
        run.wait_for_applied(head)
        wait_until(lambda: set(view.statuses().values()) == {"sent"}, "alerts not all sent")
        alerts = view.alerts()

        expected = {(str(parent), site), (str(parent), outlet_1), (str(crate_1), outlet_1),
                    (str(crate_2), outlet_2)}
        assert recall_pairs(alerts) == expected == impact_pairs(impact)
        recalled = {(alert.lot_id, alert.recipient_id): alert for alert in alerts
                    if alert.kind == AlertKind.RECALLED}
        assert recalled[str(parent), platform].on_hand_g == 40_000
        assert recalled[str(parent), outlet_1].in_transit_g == 10_000
        assert recalled[str(crate_1), outlet_1].held_g == 30_000
        assert (recalled[str(crate_2), outlet_2].held_g,
                recalled[str(crate_2), outlet_2].received_g) == (0, 17_000)
        assert [(alert.kind, alert.recipient_id, alert.lot_id, alert.discrepancy_g)
                for alert in alerts if alert.kind != AlertKind.RECALLED] == [
            (AlertKind.DELIVERY_DISCREPANCY, platform, str(crate_2), -3_000),
            (AlertKind.EXPIRING, platform, str(soon), 0)]

        # Each alert reached the webhook once, as stored.
        assert sorted(webhook.keys) == sorted(alert.alert_id for alert in alerts)
        assert sorted(json.dumps(body, sort_keys=True) for body in webhook.bodies) == sorted(
            json.dumps(json.loads(_json(alert)), sort_keys=True) for alert in alerts)

        # The whole topic published again: every record is a repeat, nothing is raised.
        assert relay_catch_up(store_env, kafka_bootstrap_servers, rewind_to=0) == head
        run.wait_for_applied(2 * head)
        time.sleep(0.5)  # Give a wrongly raised alert time to reach the webhook.
        assert len(webhook.bodies) == len(alerts)
        assert run.consumer is not None
        assert run.consumer.duplicates_total == head
    finally:
        run.close()
        database.close()


def _json(alert: Alert) -> str:
    from consumers.alerts import encode_alert  # noqa: PLC0415 - one use.

    return encode_alert(alert).decode()


@pytest.mark.kafka
def test_the_demo_recall_alerts_every_holder_the_trace_view_names(
        sqlite_store: StoreLocation, kafka_bootstrap_servers: str, tmp_path: Path) -> None:
    """The demo scenario's recall: the alerts name exactly the traceability view's holders
    and outlets served, for the recalled lot and every lot made from it."""
    ledger = Ledger(sqlite_store)
    try:
        summary = generate_demo(ledger, weeks=2, with_governance=False, end=DEMO_END)
        head = ledger.recorder.max_notification_id() or 0
        projections = open_projections(ledger)
        projections.catch_up()
        (code,) = summary.recalled_lot_codes
        lot_id = projections.trace.resolve(code)
        assert lot_id is not None
        impact = projections.trace.recall_impact(lot_id)
        projections.close()
    finally:
        ledger.close()
    assert impact is not None
    assert impact_pairs(impact), "the demo's recall must reach someone"
    relay_catch_up(sqlite_store.eventsourcing_env(), kafka_bootstrap_servers)

    database = SQLiteViewDatabase(tmp_path / "kafka-views.db")
    view = AlertsView(database, AlertRules(), today=lambda: TODAY)
    run = AlertsRun(view, kafka_bootstrap_servers, "test.alerts", None)
    try:
        run.wait_for_applied(head)
        alerts = view.alerts(kind=AlertKind.RECALLED)
        assert recall_pairs(alerts) == impact_pairs(impact)
        assert {alert.origin_lot_id for alert in alerts} == {lot_id}
        assert {alert.lot_id for alert in alerts} <= {lot.lot_id for lot in impact.lots}
        wait_until(lambda: set(view.statuses().values()) == {"sent"}, "alerts not all logged")
    finally:
        run.close()
        database.close()
