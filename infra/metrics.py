"""Every Prometheus metric of the ledger, defined once, in base units."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

COMMANDS = Counter(
    "cocagne_commands_total", "Commands handled, by command type and outcome.",
    labelnames=("command", "outcome"),
)
COMMAND_LATENCY = Histogram(
    "cocagne_command_duration_seconds", "Time to validate and record a command.",
    labelnames=("command",),
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
EVENTS_APPENDED = Counter(
    "cocagne_events_appended_total", "Events written to the event store.",
)
PROJECTION_POSITION = Gauge(
    "cocagne_projection_position", "Last notification id applied by a projection.",
    labelnames=("projection",),
)
PROJECTION_LAG = Gauge(
    "cocagne_projection_lag_events", "Notifications not yet applied by a projection.",
    labelnames=("projection",),
)
RELAY_POSITION = Gauge(
    "cocagne_relay_position", "Last notification id the relay had acknowledged by the broker.",
)
RELAY_LAG = Gauge(
    "cocagne_relay_lag_events", "Notifications not yet published by the relay.",
)
CONSUMER_LAG = Gauge(
    "cocagne_consumer_lag_messages", "Messages a consumer group has not yet applied.",
    labelnames=("consumer",),
)
HTTP_REQUESTS = Counter(
    "cocagne_http_requests_total", "HTTP requests answered, by route name, method and status.",
    labelnames=("route", "method", "status"),
)
HTTP_REQUEST_LATENCY = Histogram(
    "cocagne_http_request_duration_seconds", "Time to answer an HTTP request (SSE streams "
    "excluded: they last as long as the client stays).",
    labelnames=("route",),
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
SSE_CLIENTS = Gauge(
    "cocagne_sse_clients", "Dashboard clients connected to the live feed.",
)
SSE_MESSAGES = Counter(
    "cocagne_sse_messages_total", "Live-feed messages sent to clients, by event type.",
    labelnames=("event",),
)
LIVE_FEED_POSITION = Gauge(
    "cocagne_live_feed_position", "Last notification id the dashboard's live feed has read.",
)
