"""Webhook delivery: one alert POSTed as JSON, with bounded attempts and timeouts."""

from __future__ import annotations

import enum
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import structlog

WEBHOOK_TIMEOUT_S = 5.0  # One POST; a receiver slower than this is treated as down.
WEBHOOK_ATTEMPTS_MAX = 3  # POSTs per alert per round, with the backoff below between them.
WEBHOOK_BACKOFF_S = 0.2

log = structlog.get_logger("cocagne.alerts")


class WebhookOutcome(enum.StrEnum):
    """How a webhook POST ended."""

    SENT = "sent"
    RETRY = "retry"
    """The receiver was down or busy (network error, timeout, 408, 429, 5xx)."""
    REFUSED = "refused"
    """The receiver refused the alert itself (another 4xx): sending again will not help."""


class WebhookSink:
    """POSTs alerts as JSON to one URL, with bounded attempts and timeouts."""

    def __init__(self, url: str, *, timeout_s: float = WEBHOOK_TIMEOUT_S,
                 attempts_max: int = WEBHOOK_ATTEMPTS_MAX,
                 backoff_s: float = WEBHOOK_BACKOFF_S) -> None:
        if urlsplit(url).scheme not in {"http", "https"}:
            raise ValueError(f"webhook URL must be http or https, not {url!r}")
        if attempts_max < 1:
            raise ValueError(f"attempts_max {attempts_max} must be at least 1")
        self.url = url
        self.timeout_s = timeout_s
        self.attempts_max = attempts_max
        self.backoff_s = backoff_s

    def send(self, alert_id: str, body: bytes) -> WebhookOutcome:
        """POST one alert; retried within this call up to ``attempts_max`` times."""
        status: int | None = None
        error = ""
        for attempt in range(1, self.attempts_max + 1):
            if attempt > 1:
                time.sleep(self.backoff_s * 2 ** (attempt - 2))
            request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__.
                self.url, data=body, method="POST",
                headers={"Content-Type": "application/json", "Idempotency-Key": alert_id,
                         "User-Agent": "cocagne-alerts"})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310 - checked scheme.
                    status = int(response.status)
            except urllib.error.HTTPError as http_error:
                status, error = http_error.code, str(http_error)
            except (urllib.error.URLError, TimeoutError, OSError) as network_error:
                status, error = None, f"{type(network_error).__name__}: {network_error}"
            if status is not None and 200 <= status < 300:
                return WebhookOutcome.SENT
            if status is not None and 400 <= status < 500 and status not in {408, 429}:
                log.error("alert.webhook_refused", alert_id=alert_id, url=self.url,
                          status=status, error=error)
                return WebhookOutcome.REFUSED
            log.warning("alert.webhook_failed", alert_id=alert_id, url=self.url,
                        attempt=attempt, status=status, error=error)
        return WebhookOutcome.RETRY
