"""Every Prometheus metric of the ledger, defined once, in base units.

Every process (the API, the relay, each consumer) imports this module, so each one's
registry holds every metric below; a process exports samples only for what it does (the
API: commands, HTTP, views, stock, live feed; the relay: its position and lag; a consumer:
its lag). Labels never carry a lot, member or command id: only bounded sets (command type,
outcome, route, view, site, product).

Stock in grams (``cocagne_stock_*_grams``, per site and product) comes from the stock view
through :data:`STOCK`, which the API refreshes when ``/metrics`` is scraped (see
``infra.api.ops``).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable, Iterator
from typing import Protocol

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily

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


# ------------------------------------------------------------------------------ stock


class StockGroup(Protocol):
    """What one site holds of one product (``projections.stock_lines.StockGrams``)."""

    @property
    def site_id(self) -> str: ...
    @property
    def site_name(self) -> str: ...
    @property
    def product(self) -> str: ...
    @property
    def on_hand_g(self) -> int: ...
    @property
    def reserved_g(self) -> int: ...
    @property
    def available_g(self) -> int: ...
    @property
    def expiring_g(self) -> int: ...
    @property
    def expired_g(self) -> int: ...
    @property
    def recalled_g(self) -> int: ...


STOCK_METRICS = (
    ("cocagne_stock_on_hand_grams", "on_hand_g",
     "Grams on hand per site and product (received, not yet dispatched, used or lost)."),
    ("cocagne_stock_reserved_grams", "reserved_g",
     "Grams reserved for outlets per site and product (part of on hand)."),
    ("cocagne_stock_available_grams", "available_g",
     "Grams on hand and not reserved per site and product."),
    ("cocagne_stock_expiring_grams", "expiring_g",
     "Grams on hand whose best-before is today or within the next three days "
     "(Europe/Paris days)."),
    ("cocagne_stock_expired_grams", "expired_g",
     "Grams on hand whose best-before has passed (Europe/Paris days)."),
    ("cocagne_stock_recalled_grams", "recalled_g",
     "Grams on hand of recalled lots per site and product."),
)
"""(metric name, field of :class:`StockGroup`, help) of each stock gauge."""
STOCK_LABELS = ("site", "product")
STOCK_SERIES_MAX = 2_000
"""(site, product) series per stock gauge. A national network has about a hundred sites
holding stock, each with ten to twenty products at once: about this many. Past the bound, a
site's smallest products are summed under :data:`OTHER_PRODUCTS_LABEL`, so each site's total
stays exact while a scrape stays small: rendering is what costs most (about 3 µs per sample,
six gauges per series: some 40 ms here at the bound, ``python -m bench.metrics``)."""
OTHER_PRODUCTS_LABEL = "autres produits"


class StockCollector:
    """The stock gauges, from the latest snapshot of the stock view.

    A custom collector rather than labelled ``Gauge`` objects: each refresh replaces the
    whole snapshot, so a product that left a site's stock disappears from the output instead
    of staying at its last value. Until the first refresh the gauges are exported empty.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, str], tuple[int, ...]] = {}
        self._source: object | None = None
        self._version: Hashable = None

    def is_current(self, source: object, version: Hashable) -> bool:
        """Whether the snapshot came from ``source`` (compared by identity) at ``version``:
        then refreshing it again would give the same values."""
        with self._lock:
            return self._source is source and self._version == version

    def update(self, groups: Iterable[StockGroup], source: object | None = None,
               version: Hashable = None) -> None:
        """Replace the snapshot: one series per (site name, product), summed when two sites
        share a name, folded past :data:`STOCK_SERIES_MAX`; ``source`` and ``version`` say
        what it was computed from (see :meth:`is_current`)."""
        fields = [field for _, field, _ in STOCK_METRICS]
        summed: dict[tuple[str, str], list[int]] = {}
        for group in groups:
            key = (group.site_name or group.site_id, group.product)
            numbers = summed.setdefault(key, [0] * len(fields))
            for index, field in enumerate(fields):
                numbers[index] += int(getattr(group, field))
        snapshot = {key: tuple(numbers) for key, numbers in fold_stock_series(summed).items()}
        with self._lock:
            self._values = snapshot
            self._source = source
            self._version = version

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The gauges' names and help, for the registry's duplicate check."""
        for name, _, documentation in STOCK_METRICS:
            yield GaugeMetricFamily(name, documentation, labels=STOCK_LABELS)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The gauges with the latest snapshot's samples."""
        with self._lock:
            values = self._values
        for index, (name, _, documentation) in enumerate(STOCK_METRICS):
            family = GaugeMetricFamily(name, documentation, labels=STOCK_LABELS)
            for (site, product), numbers in values.items():
                family.add_metric([site, product], numbers[index])
            yield family


def fold_stock_series(summed: dict[tuple[str, str], list[int]],
                      series_max: int = STOCK_SERIES_MAX) -> dict[tuple[str, str], list[int]]:
    """At most ``series_max`` series (plus one per site): the largest on hand kept, each
    site's others summed under :data:`OTHER_PRODUCTS_LABEL`."""
    if len(summed) <= series_max:
        return summed
    by_size = sorted(summed.items(), key=lambda item: item[1][0], reverse=True)
    kept = dict(by_size[:series_max])
    for (site, _), numbers in by_size[series_max:]:
        other = kept.setdefault((site, OTHER_PRODUCTS_LABEL), [0] * len(numbers))
        for index, number in enumerate(numbers):
            other[index] += number
    return kept


STOCK = StockCollector()
REGISTRY.register(STOCK)
