"""Operations routes: ``/livez``, ``/readyz`` and ``/metrics``.

``/livez`` answers as long as the process serves requests. ``/readyz`` checks that the event
store answers and that every view is caught up within ``READY_LAG_EVENTS_MAX`` notifications
(and its last batch did not fail): a load balancer sends traffic only to a ready server.
``/metrics`` refreshes the gauges read from elsewhere (view positions, the relay's stored
position, stock per site and product) and then renders the registry in Prometheus' text
format.

Stock gauges are computed when ``/metrics`` is scraped, not after each projection batch:
expiring and expired grams depend on today's date (Europe/Paris), which changes with no
event at all, so a value computed at the last batch would go stale overnight in a quiet
network; and under load the runner applies batches far more often than Prometheus scrapes
(every 5 s), so computing per scrape is also the cheaper side. A scrape that finds the stock
view at the same position on the same day reuses the last snapshot, so a quiet network
costs nothing. The query is one aggregate over the lots in stock now
(``StockView.grams_by_site_and_product``, answered from the view's covering index on lots on
hand): its cost follows what sites hold, never the history's length (``python -m
bench.metrics`` measures it). The whole refresh and the rendering run in a worker thread,
away from the event loop that serves the API and its live feed.
"""

from __future__ import annotations

import contextlib
from typing import Any

import anyio.to_thread
import msgspec
from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from prometheus_client import REGISTRY, generate_latest

from infra.api.services import Services
from infra.logs import get_logger
from infra.metrics import (
    PROJECTION_LAG,
    PROJECTION_POSITION,
    RELAY_LAG,
    RELAY_POSITION,
    STOCK,
)
from projections.stock import cooperative_today

log = get_logger("cocagne.api.ops")

METRICS_MEDIA_TYPE = "text/plain; version=0.0.4"
"""The text format ``generate_latest`` writes (Litestar appends the charset)."""
READY_LAG_EVENTS_MAX = 5_000
"""A view more than one runner batch behind is catching up, not following: not ready yet."""


class Liveness(msgspec.Struct, frozen=True):
    """The process answers."""

    status: str


class ViewReadiness(msgspec.Struct, frozen=True, kw_only=True):
    """One view's progress."""

    position: int
    lag: int
    error: str | None = None


class Readiness(msgspec.Struct, frozen=True, kw_only=True):
    """Whether this server should get traffic, and why not."""

    status: str
    """``ready`` or ``not_ready``."""
    store: str
    """``ok``, or what failed."""
    head: int
    views: dict[str, ViewReadiness]
    lag_max: int = READY_LAG_EVENTS_MAX


@get("/livez", name="livez", tags=["operations"], sync_to_thread=False,
     summary="The process is alive")
def livez() -> Liveness:
    """Always ok while the process serves."""
    return Liveness(status="ok")


@get("/readyz", name="readyz", tags=["operations"],
     summary="The store answers and the views are caught up",
     responses={503: ResponseSpec(data_container=Readiness, generate_examples=False,
                                  description="Not ready: the store fails or a view lags")})
async def readyz(request: Request[Any, Any, Any]) -> Response[Readiness]:
    """503 when the store fails or a view lags beyond the bound."""
    services: Services = request.app.state.services
    readiness = await anyio.to_thread.run_sync(check_readiness, services)
    return Response(readiness, status_code=200 if readiness.status == "ready" else 503)


def check_readiness(services: Services) -> Readiness:
    """Store reachable, views within the lag bound."""
    try:
        head = int(services.ledger.recorder.max_notification_id() or 0)
    except Exception as error:  # Any failure of the store means: not ready.
        return Readiness(status="not_ready", store=f"{type(error).__name__}", head=0, views={})
    views: dict[str, ViewReadiness] = {}
    ready = True
    for name, status in services.views.status().items():
        lag = max(head - int(status["position"]), 0)
        last_error = status.get("last_error")
        views[name] = ViewReadiness(position=int(status["position"]), lag=lag, error=last_error)
        if lag > READY_LAG_EVENTS_MAX or last_error:
            ready = False
    return Readiness(status="ready" if ready else "not_ready", store="ok", head=head,
                     views=views)


@get("/metrics", name="metrics", tags=["operations"], media_type=METRICS_MEDIA_TYPE,
     summary="Prometheus metrics")
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Refresh the gauges read from the store, then render every metric."""
    services: Services = request.app.state.services
    text = await anyio.to_thread.run_sync(render_metrics, services)
    return Response(text, media_type=METRICS_MEDIA_TYPE)


def render_metrics(services: Services) -> bytes:
    """Refresh the gauges, then render the registry (both in a worker thread)."""
    refresh_gauges(services)
    return generate_latest(REGISTRY)


def refresh_gauges(services: Services) -> None:
    """Projection positions and lags from the runner; the relay's from its stored position."""
    head = int(services.ledger.recorder.max_notification_id() or 0)
    for name, status in services.views.status().items():
        PROJECTION_POSITION.labels(name).set(int(status["position"]))
        PROJECTION_LAG.labels(name).set(max(head - int(status["position"]), 0))
    relay_position = read_relay_position(services)
    if relay_position is not None:
        RELAY_POSITION.set(relay_position)
        RELAY_LAG.set(max(head - relay_position, 0))
    refresh_stock_gauges(services)


def refresh_stock_gauges(services: Services) -> None:
    """Grams per site and product from the stock view, expiry counted from today in Paris.

    A failing view leaves the previous snapshot in place (and logs why): ``/metrics`` keeps
    answering, and ``/readyz`` reports a view in trouble.
    """
    stock = services.views.stock
    today = cooperative_today()
    version = (services.views.position("stock"), today)
    if STOCK.is_current(stock, version):
        return  # Same view position, same day: the same grams.
    try:
        groups = stock.grams_by_site_and_product(today=today)
    except Exception as error:  # Any failure of the view database: keep the last snapshot.
        log.warning("stock metrics refresh failed", error_type=type(error).__name__,
                    error=str(error)[:200])
        return
    STOCK.update(groups, source=stock, version=version)


def read_relay_position(services: Services) -> int | None:
    """The Kafka relay's stored position (None when no relay ever ran on this store)."""
    reader = services.extras.get("relay_position")
    if reader is None:
        return None
    with contextlib.suppress(Exception):
        position: int | None = reader()
        return position
    return None


OPS_ROUTES = [livez, readyz, metrics]
