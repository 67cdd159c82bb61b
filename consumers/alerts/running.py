"""Running the alerts consumer: the view's consumer and the dispatcher's thread together."""

from __future__ import annotations

import threading
from collections.abc import Callable

from consumers.alerts.dispatcher import AlertDispatcher
from consumers.alerts.view import AlertsView
from consumers.alerts.webhook import WEBHOOK_ATTEMPTS_MAX, WEBHOOK_TIMEOUT_S, WebhookSink
from consumers.projection_consumer import (
    ConsumerSettings,
    LagCallback,
    ProjectionConsumer,
    ProjectionHandler,
)

EXPIRY_SCAN_INTERVAL_S = 60.0
"""Best-before dates move one day at a time; a scan a minute notices a new day promptly."""


def run_alerts(settings: ConsumerSettings, view: AlertsView, stop: threading.Event, *,
               sink: WebhookSink | None = None, on_lag: LagCallback | None = None,
               scan_interval_s: float = EXPIRY_SCAN_INTERVAL_S,
               ready: Callable[[ProjectionConsumer, AlertDispatcher], None] | None = None,
               ) -> None:
    """Consume the topic into the alerts view and dispatch its alerts until ``stop``."""
    handler = ProjectionHandler(view)
    dispatcher = AlertDispatcher(view, sink, lock=handler.state.lock)

    def scan() -> None:
        raised: list[int] = []
        handler.run_in_transaction(lambda transaction: raised.append(
            view.scan_expiring(transaction)))
        if raised and raised[0]:
            dispatcher.wake()

    consumer = ProjectionConsumer(settings, handler, on_lag=on_lag,
                                  on_batch=lambda _: dispatcher.wake(), periodic=scan,
                                  periodic_interval_s=scan_interval_s)
    if ready is not None:
        ready(consumer, dispatcher)
    handler.setup()  # The dispatcher reads the outbox at once.
    dispatching = threading.Thread(target=dispatcher.run, args=(stop,), name="alerts-dispatch",
                                   daemon=True)
    dispatching.start()
    try:
        consumer.run(stop)
    finally:
        stop.set()
        dispatcher.wake()
        dispatching.join(timeout=WEBHOOK_TIMEOUT_S * WEBHOOK_ATTEMPTS_MAX + 5)
