"""The alert rules without a broker: who is told what, and when.

A lot is offered, received at the platform's site, dispatched to outlets, distributed, and
recalled; deliveries are signed for short. The rules (pure functions of a small state) decide
the alerts; the alerts view keeps that state and an outbox in a real SQLite file; the
dispatcher logs each alert and POSTs it to a webhook (a local ``http.server``), retrying a
receiver that is down and giving up on one that refuses.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from consumers.alerts import (
    WEBHOOK_ROUNDS_MAX,
    Alert,
    AlertDispatcher,
    AlertKind,
    AlertRules,
    AlertState,
    AlertsView,
    WebhookOutcome,
    WebhookSink,
    decode_alert,
)
from domain.base import Context, Event, Role
from domain.deliveries import Delivery, DeliveryLine, ReceivedLine, Stop
from domain.lots import Channel, Lot
from infra.projections_wiring import postgres_conninfo
from infra.store import StoreLocation
from projections.view_store import PostgresViewDatabase, SQLiteViewDatabase, ViewDatabase

TODAY = date(2026, 11, 3)
AT = datetime(2026, 11, 3, 9, tzinfo=UTC)
PRODUCER, PLATFORM, SITE = uuid4(), uuid4(), uuid4()
OUTLET_A, OUTLET_B, OUTLET_C, OUTLET_D = uuid4(), uuid4(), uuid4(), uuid4()
CONTEXT = Context(member_id=PLATFORM, role=Role.PLATFORM, command_id="c-1",
                  correlation_id="c-1", causation_id="c-1", occurred_at=AT)


@dataclass
class Stream:
    """Events of one stream with consecutive versions, numbered like a notification log."""

    log: list[tuple[int, Event]]
    stream_id: UUID = field(default_factory=uuid4)
    version: int = 0

    def add(self, event_class: type[Event], **fields: Any) -> Event:
        """Append the next event of this stream to the shared log."""
        self.version += 1
        event = event_class(originator_id=self.stream_id, originator_version=self.version,
                            timestamp=AT, context=CONTEXT, **fields)
        self.log.append((len(self.log) + 1, event))
        return event


def received_lot(log: list[tuple[int, Event]], quantity_g: int = 100_000,
                 best_before: date = TODAY + timedelta(days=10),
                 measured_g: int | None = None) -> Stream:
    """A lot offered by the producer, accepted and received at the platform's site."""
    lot = Stream(log)
    lot.add(Lot.Offered, code=f"L-{len(log):04d}", producer_id=PRODUCER, product="carrot",
            variety="Nantaise", quantity_g=quantity_g, price_cents_per_kg=180,
            harvest_date=TODAY, best_before=best_before, organic_certificate="FR-BIO-01",
            origin="parcelle 3")
    lot.add(Lot.OfferAccepted, platform_id=PLATFORM, site_id=SITE, accepted_g=quantity_g)
    measured = quantity_g if measured_g is None else measured_g
    lot.add(Lot.Received, site_id=SITE, expected_g=quantity_g, measured_g=measured,
            discrepancy_g=measured - quantity_g)
    return lot


def deliver(lot: Stream, outlet_id: UUID, quantity_g: int, received_g: int | None = None,
            ) -> None:
    """Dispatch ``quantity_g`` of the lot to an outlet, which signs for ``received_g``."""
    delivery_id = uuid4()
    lot.add(Lot.Dispatched, delivery_id=delivery_id, outlet_id=outlet_id,
            quantity_g=quantity_g, from_reservation_g=0)
    received = quantity_g if received_g is None else received_g
    lot.add(Lot.Delivered, delivery_id=delivery_id, outlet_id=outlet_id,
            dispatched_g=quantity_g, received_g=received, discrepancy_g=received - quantity_g)


def run_rules(log: list[tuple[int, Event]], rules: AlertRules | None = None,
              today: date = TODAY) -> tuple[AlertState, list[Alert]]:
    """Apply the rules to the whole log as the view does: events, then expiry per lot."""
    rules = rules or AlertRules()
    state = AlertState()
    alerts: list[Alert] = []
    for position, event in log:
        alerts.extend(rules.on_event(state, position, event))
        lot = state.lots.get(str(event.originator_id))
        if lot is not None:
            alerts.extend(rules.expiring(lot, today, position))
    return state, alerts


def recipients(alerts: list[Alert], kind: AlertKind) -> dict[str | None, Alert]:
    """Alerts of one kind by recipient."""
    return {alert.recipient_id: alert for alert in alerts if alert.kind == kind}


# ---------------------------------------------------------------------------------------------
# Recall


def test_recall_alerts_every_current_holder_and_every_outlet_served() -> None:
    """The platform (site stock), holding outlets, outlets with stock on its way and outlets
    already served are each told once; an outlet never reached is not."""
    log: list[tuple[int, Event]] = []
    lot = received_lot(log)
    deliver(lot, OUTLET_A, 30_000)
    deliver(lot, OUTLET_B, 20_000)
    lot.add(Lot.Distributed, outlet_id=OUTLET_B, quantity_g=20_000, channel=Channel.FOOD_AID)
    lot.add(Lot.Dispatched, delivery_id=uuid4(), outlet_id=OUTLET_C, quantity_g=10_000,
            from_reservation_g=0)
    lot.add(Lot.Recalled, reason="copper residues", origin_lot_id=lot.stream_id)

    _, alerts = run_rules(log)

    recalled = recipients(alerts, AlertKind.RECALLED)
    assert set(recalled) == {str(PLATFORM), str(OUTLET_A), str(OUTLET_B), str(OUTLET_C)}
    assert str(OUTLET_D) not in recalled
    platform = recalled[str(PLATFORM)]
    assert (platform.recipient_role, platform.site_id, platform.on_hand_g) == (
        "platform", str(SITE), 40_000)
    assert (recalled[str(OUTLET_A)].held_g, recalled[str(OUTLET_A)].received_g) == (
        30_000, 30_000)
    assert (recalled[str(OUTLET_B)].held_g, recalled[str(OUTLET_B)].received_g) == (0, 20_000)
    assert recalled[str(OUTLET_C)].in_transit_g == 10_000
    assert all(alert.reason == "copper residues" and alert.position == len(log)
               and alert.origin_lot_id == str(lot.stream_id) for alert in recalled.values())
    assert len({alert.alert_id for alert in recalled.values()}) == 4


def test_recall_of_a_lot_nobody_holds_alerts_nobody() -> None:
    """A lot only offered (never received, never delivered) has no holder to tell."""
    log: list[tuple[int, Event]] = []
    lot = Stream(log)
    lot.add(Lot.Offered, code="L-9", producer_id=PRODUCER, product="leek", variety="Bleu",
            quantity_g=5_000, price_cents_per_kg=260, harvest_date=TODAY,
            best_before=TODAY + timedelta(days=20), organic_certificate="FR-BIO-01",
            origin="parcelle 1")
    lot.add(Lot.Recalled, reason="label error", origin_lot_id=lot.stream_id)

    assert run_rules(log)[1] == []


def test_recalled_lot_raises_no_expiry_alert() -> None:
    """Once recalled, a lot is not to be distributed first: no best-before alert."""
    log: list[tuple[int, Event]] = []
    lot = received_lot(log, best_before=TODAY + timedelta(days=30))
    lot.add(Lot.Recalled, reason="copper residues", origin_lot_id=lot.stream_id)
    state, _ = run_rules(log)

    assert AlertRules().expiring(state.lots[str(lot.stream_id)], TODAY + timedelta(days=29)) == []


# ---------------------------------------------------------------------------------------------
# Best-before


@pytest.mark.parametrize(("days_ahead", "alerted"), [(4, False), (3, True), (0, True),
                                                     (-2, True)])
def test_expiry_window_is_a_number_of_days_before_best_before(days_ahead: int,
                                                              alerted: bool) -> None:
    """A lot with stock is alerted when its best-before is within three days (or past)."""
    log: list[tuple[int, Event]] = []
    received_lot(log, best_before=TODAY + timedelta(days=days_ahead))

    expiring = recipients(run_rules(log)[1], AlertKind.EXPIRING)

    assert bool(expiring) is alerted
    if alerted:
        assert expiring[str(PLATFORM)].days_left == days_ahead
        assert expiring[str(PLATFORM)].on_hand_g == 100_000


def test_expiry_alerts_each_holder_once_and_never_again() -> None:
    """Site stock and each outlet holding some are told once; later events repeat nothing."""
    log: list[tuple[int, Event]] = []
    lot = received_lot(log, best_before=TODAY + timedelta(days=2))
    deliver(lot, OUTLET_A, 30_000)

    rules = AlertRules()
    state = AlertState()
    first: list[Alert] = []
    for position, event in log:
        rules.on_event(state, position, event)
    watch = state.lots[str(lot.stream_id)]
    first = rules.expiring(watch, TODAY)
    lot.add(Lot.Distributed, outlet_id=OUTLET_A, quantity_g=10_000, channel=Channel.FOOD_AID)
    rules.on_event(state, len(log), log[-1][1])

    assert {(alert.recipient_id, alert.on_hand_g, alert.held_g) for alert in first} == {
        (str(PLATFORM), 70_000, 0), (str(OUTLET_A), 0, 30_000)}
    assert rules.expiring(watch, TODAY) == []


def test_lot_without_stock_is_not_alerted_for_expiry() -> None:
    """A lot wholly distributed before its best-before has nobody to warn."""
    log: list[tuple[int, Event]] = []
    lot = received_lot(log, quantity_g=10_000, best_before=TODAY + timedelta(days=30))
    deliver(lot, OUTLET_A, 10_000)
    lot.add(Lot.Distributed, outlet_id=OUTLET_A, quantity_g=10_000, channel=Channel.BASKET)

    state, alerts = run_rules(log)
    watch = state.lots[str(lot.stream_id)]

    assert alerts == []
    assert watch.stock_g == 0
    assert AlertRules().expiring(watch, TODAY + timedelta(days=29)) == []


# ---------------------------------------------------------------------------------------------
# Discrepancies


@pytest.mark.parametrize(("rules", "expected_g", "difference_g", "alerted"), [
    (AlertRules(), 10_000, -500, False),  # 500 g is 5 % of 10 kg: at the threshold.
    (AlertRules(), 10_000, -501, True),  # above 5 %.
    (AlertRules(), 10_000, 501, True),  # over is a discrepancy too.
    (AlertRules(), 200_000, -5_000, False),  # 2.5 % of a large lot.
    (AlertRules(discrepancy_g_max=1_000), 200_000, -1_001, True),  # grams threshold set.
    (AlertRules(discrepancy_g_max=1_000, discrepancy_bp_max=None), 10_000, -900, False),
    (AlertRules(), 2_000, 0, False),
])
def test_discrepancy_threshold_in_basis_points_or_grams(rules: AlertRules, expected_g: int,
                                                        difference_g: int,
                                                        alerted: bool) -> None:
    """A difference alerts above 500 bp of what was expected, or above a grams threshold
    when one is set; a threshold set to None is not used."""
    assert rules.discrepancy_exceeds(expected_g, difference_g) is alerted


def test_short_delivery_stop_alerts_the_dispatching_platform() -> None:
    """A stop signed 2 kg short of 20 kg (10 %) raises one alert to the delivery's platform;
    100 g short of 5 kg (2 %) does not."""
    log: list[tuple[int, Event]] = []
    lot_id, other_lot_id = uuid4(), uuid4()
    delivery = Stream(log)
    delivery.add(Delivery.Planned, platform_id=PLATFORM, from_site_id=SITE,
                 planned_for=TODAY, stops=[Stop(OUTLET_A, [DeliveryLine(lot_id, 20_000),
                                                           DeliveryLine(other_lot_id, 5_000)])])
    delivery.add(Delivery.Dispatched)
    delivery.add(Delivery.StopReceived, outlet_id=OUTLET_A, signer="Marie", lines=[
        ReceivedLine(lot_id, 20_000, 18_000, -2_000),
        ReceivedLine(other_lot_id, 5_000, 4_900, -100)])

    alerts = run_rules(log)[1]

    assert [(alert.kind, alert.recipient_id, alert.lot_id, alert.outlet_id,
             alert.discrepancy_g, alert.site_id) for alert in alerts] == [
        (AlertKind.DELIVERY_DISCREPANCY, str(PLATFORM), str(lot_id), str(OUTLET_A), -2_000,
         str(SITE))]


def test_lot_weighed_short_at_reception_alerts_its_producer() -> None:
    """A lot of 50 kg weighed at 45 kg at the platform tells the producer."""
    log: list[tuple[int, Event]] = []
    received_lot(log, quantity_g=50_000, measured_g=45_000)

    alerts = recipients(run_rules(log)[1], AlertKind.RECEPTION_DISCREPANCY)

    assert set(alerts) == {str(PRODUCER)}
    assert (alerts[str(PRODUCER)].expected_g, alerts[str(PRODUCER)].received_g,
            alerts[str(PRODUCER)].discrepancy_g) == (50_000, 45_000, -5_000)


def test_thresholds_are_configurable() -> None:
    """Looser thresholds silence a 2 kg shortfall; negative ones are refused."""
    assert not AlertRules(discrepancy_g_max=5_000, discrepancy_bp_max=2_000
                          ).discrepancy_exceeds(20_000, -2_000)
    with pytest.raises(ValueError, match="must not be negative"):
        AlertRules(expiring_days=-1)


# ---------------------------------------------------------------------------------------------
# The view and its outbox (a real SQLite file)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def alerts_view(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AlertsView]:
    """An alerts view with its tables, on a fresh SQLite file or PostgreSQL database;
    today is ``TODAY``."""
    database: ViewDatabase
    if request.param == "sqlite":
        database = SQLiteViewDatabase(tmp_path / "alerts.db")
    else:
        location: StoreLocation = request.getfixturevalue("postgres_store")
        database = PostgresViewDatabase(postgres_conninfo(location))
    view = AlertsView(database, today=lambda: TODAY)
    with database.transaction() as transaction:
        view.create(transaction)
    try:
        yield view
    finally:
        database.close()


def test_view_keeps_state_across_batches_and_outboxes_each_alert_once(
        alerts_view: AlertsView) -> None:
    """Split over batches, the log raises the same alerts as in one go, each stored once."""
    log: list[tuple[int, Event]] = []
    lot = received_lot(log, best_before=TODAY + timedelta(days=30))
    deliver(lot, OUTLET_A, 30_000)
    lot.add(Lot.Recalled, reason="copper residues", origin_lot_id=lot.stream_id)

    for start in range(0, len(log), 2):
        with alerts_view.database.transaction() as transaction:
            alerts_view.apply(transaction, log[start:start + 2])

    assert alerts_view.alerts() == recipients_list(run_rules(log)[1])
    assert set(alerts_view.statuses().values()) == {"pending"}


def recipients_list(alerts: list[Alert]) -> list[Alert]:
    """Alerts in outbox order (position, then id)."""
    return sorted(alerts, key=lambda alert: (alert.position, alert.alert_id))


def test_periodic_scan_alerts_lots_whose_window_opened_since_their_last_event(
        alerts_view: AlertsView) -> None:
    """Days pass without events: the scan raises the expiry alert, once."""
    log: list[tuple[int, Event]] = []
    lot = received_lot(log, best_before=TODAY + timedelta(days=10))
    with alerts_view.database.transaction() as transaction:
        alerts_view.apply(transaction, log)
        assert alerts_view.scan_expiring(transaction, TODAY) == 0
        assert alerts_view.scan_expiring(transaction, TODAY + timedelta(days=7)) == 1
        assert alerts_view.scan_expiring(transaction, TODAY + timedelta(days=8)) == 0

    (alert,) = alerts_view.alerts(kind=AlertKind.EXPIRING)
    assert (alert.lot_id, alert.position, alert.days_left) == (str(lot.stream_id), 0, 3)


# ---------------------------------------------------------------------------------------------
# Webhook


class Receiver:
    """A local webhook: answers each POST with the next status of a script (then 200)."""

    def __init__(self, statuses: list[int], delay_s: float = 0) -> None:
        self.statuses = list(statuses)
        self.delay_s = delay_s
        self.bodies: list[dict[str, Any]] = []
        self.keys: list[str] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                time.sleep(receiver.delay_s)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200:
                    receiver.bodies.append(body)
                    receiver.keys.append(self.headers["Idempotency-Key"])
                self.send_response(status)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return  # Keep the test output clean.

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Where to POST."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/alerts"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_webhook_retries_a_receiver_that_is_down_then_delivers() -> None:
    """503 then 500 then 200: one alert delivered, within the attempts allowed."""
    with Receiver([503, 500]) as receiver:
        sink = WebhookSink(receiver.url, backoff_s=0.01)
        outcome = sink.send("a-1", b'{"alert_id": "a-1"}')
    assert outcome is WebhookOutcome.SENT
    assert (receiver.bodies, receiver.keys) == ([{"alert_id": "a-1"}], ["a-1"])


def test_webhook_gives_up_on_a_refusal_and_bounds_a_dead_receiver() -> None:
    """A 400 is not retried; a receiver that never answers costs at most the timeouts."""
    with Receiver([400]) as receiver:
        assert WebhookSink(receiver.url).send("a-2", b"{}") is WebhookOutcome.REFUSED
        assert receiver.statuses == []
    with Receiver([], delay_s=1.0) as slow:
        started_s = time.monotonic()
        outcome = WebhookSink(slow.url, timeout_s=0.2, attempts_max=2,
                              backoff_s=0.01).send("a-3", b"{}")
        elapsed_s = time.monotonic() - started_s
    assert outcome is WebhookOutcome.RETRY
    assert elapsed_s < 1.0
    with pytest.raises(ValueError, match="http or https"):
        WebhookSink("file:///etc/passwd")


def test_dispatcher_logs_posts_and_marks_each_alert_then_retries_failures(
        alerts_view: AlertsView, capsys: pytest.CaptureFixture[str]) -> None:
    """Pending alerts are logged once and POSTed, then marked sent; with the receiver down a
    round costs one alert's attempts, and alerts are marked failed after their last round."""
    log: list[tuple[int, Event]] = []
    lot = received_lot(log)
    deliver(lot, OUTLET_A, 30_000)
    lot.add(Lot.Recalled, reason="copper residues", origin_lot_id=lot.stream_id)
    with alerts_view.database.transaction() as transaction:
        alerts_view.apply(transaction, log)

    with Receiver([]) as receiver:
        dispatcher = AlertDispatcher(alerts_view, WebhookSink(receiver.url))
        assert dispatcher.dispatch_pending() == 2
        assert dispatcher.dispatch_pending() == 0
    assert sorted(receiver.keys) == sorted(alerts_view.statuses())
    assert [decode_alert(json.dumps(body)) for body in receiver.bodies] == alerts_view.alerts()
    assert set(alerts_view.statuses().values()) == {"sent"}
    assert capsys.readouterr().err.count('"event": "alert"') == 2

    start = len(log)
    lot.add(Lot.Distributed, outlet_id=OUTLET_A, quantity_g=1_000, channel=Channel.FOOD_AID)
    second = received_lot(log)
    deliver(second, OUTLET_B, 10_000)
    second.add(Lot.Recalled, reason="label error", origin_lot_id=second.stream_id)
    with alerts_view.database.transaction() as transaction:
        alerts_view.apply(transaction, log[start:])
    with Receiver([503] * 1_000) as down:
        dispatcher = AlertDispatcher(alerts_view, WebhookSink(down.url, attempts_max=1))
        # Each round tries one alert, finds the receiver down and puts the other back
        # untried: the first fails for good after its last round, then the second is tried.
        claimed = [dispatcher.dispatch_pending() for _ in range(2 * WEBHOOK_ROUNDS_MAX + 1)]
        posts = 1_000 - len(down.statuses)
    assert claimed == [2] * WEBHOOK_ROUNDS_MAX + [1] * WEBHOOK_ROUNDS_MAX + [0]
    assert posts == 2 * WEBHOOK_ROUNDS_MAX
    assert sorted(alerts_view.statuses().values()) == ["failed", "failed", "sent", "sent"]
    assert capsys.readouterr().err.count('"event": "alert"') == 2  # Logged once each.
