"""AlertDispatcher: pending alerts claimed from the outbox, logged, sent, and marked."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog

from consumers.alerts.alert import alert_fields, decode_alert
from consumers.alerts.view import AlertsView
from consumers.alerts.webhook import WebhookOutcome, WebhookSink
from projections.view_store import ViewTransaction, chunked

OUTBOX_BATCH_MAX = 100
"""Alerts claimed per dispatch round: a healthy webhook takes them in well under a second; a
dead one ends the round after one alert's attempts (see ``dispatch_pending``)."""
CLAIM_TIMEOUT_S = 120
"""An alert claimed by a dispatcher that died is claimed again after this long."""
DISPATCH_INTERVAL_S = 1.0  # Idle dispatcher wake-up; a committed batch wakes it at once.
WEBHOOK_ROUNDS_MAX = 10
"""Rounds an alert is retried over (with a failing webhook, about ten minutes) before it is
marked failed and logged as an error."""

log = structlog.get_logger("cocagne.alerts")


class AlertDispatcher:
    """Turns pending outbox rows into log lines and webhook POSTs, then marks them."""

    def __init__(self, view: AlertsView, sink: WebhookSink | None = None, *,
                 lock: Callable[[ViewTransaction], None] | None = None,
                 batch_max: int = OUTBOX_BATCH_MAX) -> None:
        self.view = view
        self.sink = sink
        self.lock = lock
        self.batch_max = batch_max
        self.logged_total = 0
        self.sent_total = 0
        self._wake = threading.Event()

    def wake(self) -> None:
        """Dispatch now (a batch just committed alerts)."""
        self._wake.set()

    def dispatch_pending(self, stop: threading.Event | None = None) -> int:
        """One round: claim up to ``batch_max`` alerts, log each (once) and send them; how
        many were claimed.

        After the first alert the webhook could not take, the others of the round are put
        back untried (no attempt counted): a receiver that is down costs one alert's
        attempts per round, not a round's worth of timeouts.
        """
        claimed = self._claim()
        if not claimed:
            return 0
        updates: list[tuple[str, int, str]] = []
        receiver_down = False
        for alert_id, payload, attempts_before, logged in claimed:
            if not logged:
                log.warning("alert", **alert_fields(decode_alert(payload)))
                self.logged_total += 1
            attempts = attempts_before
            if self.sink is None:
                status = "sent"
            elif receiver_down or (stop is not None and stop.is_set()):
                status = "pending"
            else:
                attempts += 1
                status, receiver_down = self._send(alert_id, payload, attempts)
            updates.append((status, attempts, alert_id))
        with self.view.database.transaction() as transaction:
            if self.lock is not None:
                self.lock(transaction)
            transaction.executemany(
                f"UPDATE {self.view.table('alerts_outbox')} SET status = ?, attempts = ?, "
                "logged = 1, claimed_at_us = NULL WHERE alert_id = ?", updates)
        return len(claimed)

    def _send(self, alert_id: str, payload: str, attempts: int) -> tuple[str, bool]:
        """POST one alert: its new status, and whether the receiver seems down."""
        assert self.sink is not None
        outcome = self.sink.send(alert_id, payload.encode())
        down = outcome is WebhookOutcome.RETRY
        if outcome is WebhookOutcome.SENT:
            self.sent_total += 1
            return "sent", down
        if down and attempts < WEBHOOK_ROUNDS_MAX:
            return "pending", down
        log.error("alert.undelivered", alert_id=alert_id, url=self.sink.url,
                  position=decode_alert(payload).position, attempts=attempts,
                  outcome=str(outcome))
        return "failed", down

    def _claim(self) -> list[tuple[str, str, int, bool]]:
        now_us = time.time_ns() // 1_000
        outbox = self.view.table("alerts_outbox")
        with self.view.database.transaction() as transaction:
            if self.lock is not None:
                self.lock(transaction)
            rows = transaction.query(
                f"SELECT alert_id, payload, attempts, logged FROM {outbox} "
                "WHERE status = 'pending' OR (status = 'claimed' AND claimed_at_us < ?) "
                f"ORDER BY position, alert_id LIMIT {self.batch_max}",
                (now_us - CLAIM_TIMEOUT_S * 1_000_000,))
            for chunk in chunked([row[0] for row in rows], self.batch_max):
                transaction.execute(
                    f"UPDATE {outbox} SET status = 'claimed', claimed_at_us = ? "
                    f"WHERE alert_id IN ({','.join('?' * len(chunk))})", (now_us, *chunk))
        return [(str(row[0]), str(row[1]), int(row[2]), bool(row[3])) for row in rows]

    def run(self, stop: threading.Event) -> None:
        """Dispatch until ``stop`` is set: when woken, else every ``DISPATCH_INTERVAL_S``.

        Unbounded on purpose (a service thread); each round is bounded by ``batch_max``.
        """
        while not stop.is_set():
            try:
                while self.dispatch_pending(stop) == self.batch_max and not stop.is_set():
                    pass  # A full round: more may be waiting.
            except Exception as error:  # A failing round must not end the thread.
                log.exception("alert.dispatch_failed", error=f"{type(error).__name__}: {error}")
            self._wake.wait(DISPATCH_INTERVAL_S)
            self._wake.clear()
