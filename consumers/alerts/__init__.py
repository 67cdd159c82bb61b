"""The alerts consumer: who must be told, as events happen, that food needs attention.

Three rules, pure functions of a small state (:class:`AlertRules`, testable without a broker
or a database):

- **expiring**: a lot with stock (at its site or at outlets) whose best-before is within
  ``expiring_days`` of today (or past) raises one alert per holder (the platform for the
  site's stock, each outlet holding some), once per lot. Checked when a lot's event arrives
  and by a periodic scan, since time passes without events.
- **recalled**: ``lot.recalled`` (the ledger records one for the lot and one for every lot
  made from it) raises one alert per current holder of that lot (the platform for stock at
  its site, outlets holding it or with some in transit to them) and per outlet already
  served (received some, even if none is left), with the quantities.
- **discrepancy**: a delivery stop signed for with a line differing from what was
  dispatched by more than the threshold (alert to the platform that dispatched it), and a
  producer's lot weighed at reception differing from what was expected by more than the
  threshold (alert to the producer). The threshold is in basis points of the expected
  quantity (``discrepancy_bp_max``, 5 % by default), in grams (``discrepancy_g_max``, off by
  default), or both: whichever is set and exceeded raises the alert.

Every rule reads a stream's own events only: a lot's holders come from the lot's stream, a
delivery's platform from the delivery's stream. Each stream is in one partition, in order,
so the alerts do not depend on how partitions interleave.

**Events read**: ``lot.offered``, ``lot.derived``, ``lot.offer_accepted``, ``lot.received``,
``lot.split``, ``lot.merged_into``, ``lot.transformed_into``, ``lot.dispatched``,
``lot.delivered``, ``lot.lost``, ``lot.distributed``, ``lot.recalled``, ``delivery.planned``,
``delivery.stop_received`` (every stored version).

**Tables owned** (prefixed like every view): ``alerts_lots`` (per lot: code, product,
producer, platform, site, best-before, stock on hand and in total, recalled, expiry alerted),
``alerts_lot_outlets`` (per lot and outlet: held, in transit, received in total),
``alerts_deliveries`` (platform and site of each delivery) and ``alerts_outbox`` (every alert
raised, with its delivery status).

**Exactly once, then at least once.** :class:`AlertsView` is a view like the others: the
projection consumer applies each event once (see ``consumers.projection_consumer``), and the
alerts it raises are written to the outbox in the same transaction, keyed by a stable
``alert_id`` (the same fact always gets the same id). A redelivered event raises nothing new.
:class:`AlertDispatcher`, in its own thread, then claims pending alerts, writes each as one
structured log line (``event="alert"``) and, when a webhook is configured, POSTs it as JSON
(header ``Idempotency-Key: <alert_id>``) with bounded retries and timeouts, so a slow
webhook never holds the consumer's poll loop. A webhook that keeps failing is retried on
later rounds up to ``WEBHOOK_ROUNDS_MAX`` times, then the alert is marked failed and an error
logged. A crash between sending and marking sends again: receivers dedupe on ``alert_id``.

**Rebuild from zero**: like every consumer view (drop the tables, restart the consumer). A
rebuilt outbox raises every past alert again as pending: start the rebuild without a webhook
and mark them sent if receivers must not hear them twice.

**Layout.** ``alert`` (``Alert``, its kinds and JSON), ``rules`` (``AlertRules`` and the state
they keep, pure), ``view`` (``AlertsView``: that state and the outbox in the view database),
``webhook`` (``WebhookSink``: one POST, bounded), ``dispatcher`` (``AlertDispatcher``: the
outbox to log lines and the webhook) and ``running`` (``run_alerts``: consumer and dispatcher
together). This package re-exports their public names.
"""

from __future__ import annotations

from consumers.alerts.alert import (
    Alert,
    AlertKind,
    alert_fields,
    decode_alert,
    encode_alert,
)
from consumers.alerts.dispatcher import (
    CLAIM_TIMEOUT_S,
    DISPATCH_INTERVAL_S,
    OUTBOX_BATCH_MAX,
    WEBHOOK_ROUNDS_MAX,
    AlertDispatcher,
)
from consumers.alerts.rules import (
    DISCREPANCY_BP_MAX_DEFAULT,
    DISCREPANCY_G_MAX_DEFAULT,
    EXPIRING_DAYS_DEFAULT,
    AlertRules,
    AlertState,
    DeliveryWatch,
    LotWatch,
    OutletShare,
    utc_today,
)
from consumers.alerts.running import (
    EXPIRY_SCAN_INTERVAL_S,
    run_alerts,
)
from consumers.alerts.view import (
    EXPIRY_SCAN_LOTS_MAX,
    OUTBOX_QUERY_MAX,
    AlertsView,
)
from consumers.alerts.webhook import (
    WEBHOOK_ATTEMPTS_MAX,
    WEBHOOK_BACKOFF_S,
    WEBHOOK_TIMEOUT_S,
    WebhookOutcome,
    WebhookSink,
)

__all__ = [
    "CLAIM_TIMEOUT_S",
    "DISCREPANCY_BP_MAX_DEFAULT",
    "DISCREPANCY_G_MAX_DEFAULT",
    "DISPATCH_INTERVAL_S",
    "EXPIRING_DAYS_DEFAULT",
    "EXPIRY_SCAN_INTERVAL_S",
    "EXPIRY_SCAN_LOTS_MAX",
    "OUTBOX_BATCH_MAX",
    "OUTBOX_QUERY_MAX",
    "WEBHOOK_ATTEMPTS_MAX",
    "WEBHOOK_BACKOFF_S",
    "WEBHOOK_ROUNDS_MAX",
    "WEBHOOK_TIMEOUT_S",
    "Alert",
    "AlertDispatcher",
    "AlertKind",
    "AlertRules",
    "AlertState",
    "AlertsView",
    "DeliveryWatch",
    "LotWatch",
    "OutletShare",
    "WebhookOutcome",
    "WebhookSink",
    "alert_fields",
    "decode_alert",
    "encode_alert",
    "run_alerts",
    "utc_today",
]
