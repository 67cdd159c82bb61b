"""The Litestar application: ``create_app(location)`` wires the ledger, tokens, views, the
live feed, every route, the error shape, request logs and metrics.

Every request gets an id (``X-Request-ID``: the client's if it sent a sane one, else a new
one), bound to the structlog context with the actor, command id and correlation id once
known, so every log line of the request carries them. The request's one access-log line has
the route *name* (never the raw path with its ids, never the query string, which may hold a
token), the status and the duration; bodies are never logged, so no personal data is either.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Any, cast

import anyio.to_thread
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar import Litestar
from litestar.enums import ScopeType
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Server
from litestar.types import (
    ASGIApp,
    ControllerRouterHandler,
    LifeSpanReceive,
    LifeSpanScope,
    LifeSpanSend,
    Message,
    Receive,
    Scope,
    Send,
)

from infra.api.access import authorize, route_name
from infra.api.audit_routes import AUDIT_ROUTES, SERVICE_KEY
from infra.api.auth import TokenStore
from infra.api.bodies import REQUEST_BODY_BYTES_MAX, body_guard
from infra.api.commands import command_routes
from infra.api.dashboard_routes import DASHBOARD_ROUTES
from infra.api.docs import OfflineDocsPlugin
from infra.api.errors import EXCEPTION_HANDLERS
from infra.api.export_routes import EXPORT_ROUTES
from infra.api.governance_routes import governance_routes
from infra.api.household_routes import household_routes
from infra.api.live import LiveFeed, live_events
from infra.api.openapi import ExactStructSchemaPlugin
from infra.api.ops import OPS_ROUTES
from infra.api.pages.routes import PAGE_ROUTES
from infra.api.printouts import PRINTOUT_ROUTES
from infra.api.queries import QUERY_ROUTES
from infra.api.services import Services, Views, open_views
from infra.api.sql import StoreDatabase
from infra.audit.schedule import (
    CHECKPOINT_POLL_S,
    CheckpointSigner,
    CheckpointThread,
    configured_key,
)
from infra.ledger.ledger import Ledger
from infra.logs import get_logger
from infra.metrics import HTTP_REQUEST_LATENCY, HTTP_REQUESTS
from infra.store import StoreLocation

API_VERSION = "1.0.0"
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
RELAY_POSITION_TABLE = "relay_position"  # As consumers.relay.POSITION_TABLE.
RELAY_NAME = "cocagne.events"  # As consumers.relay.DEFAULT_RELAY_NAME.

log = get_logger("cocagne.api")


def request_context(app: ASGIApp) -> ASGIApp:
    """Request id, structlog context, one access-log line and the HTTP metrics."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        incoming = ""
        for header_name, header_value in scope.get("headers", []):
            if header_name == b"x-request-id":
                incoming = header_value.decode("latin-1")
                break
        request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        streaming = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, streaming
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
                streaming = any(name == b"content-type" and value.startswith(b"text/event-stream")
                                for name, value in headers)
                if not streaming:
                    # The server's own time for the answer (W3C Server-Timing), which
                    # ``bench/api.py`` reads apart from the network and the client.
                    elapsed_ms = (time.perf_counter() - started) * 1000
                    headers.append((b"server-timing", f"app;dur={elapsed_ms:.2f}".encode()))
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await app(scope, receive, send_with_id)
            finally:
                handler = scope.get("route_handler")
                name = route_name(handler) if handler is not None else "unmatched"
                elapsed_s = time.perf_counter() - started
                method = str(scope.get("method", ""))
                HTTP_REQUESTS.labels(name, method, str(status)).inc()
                if not streaming:
                    HTTP_REQUEST_LATENCY.labels(name).observe(elapsed_s)
                log.info("request", method=method, route=name, status=status,
                         duration_ms=round(elapsed_s * 1000, 2))

    return middleware


class _HeadAnswered(Exception):
    """A HEAD's headers are sent: the streaming answer it began has nothing more to send."""


class CocagneApp(Litestar):
    """The Litestar application, answering HEAD wherever GET is allowed.

    HTTP requires it; Litestar's router answered 405 before any middleware could see the
    request. A HEAD goes on as a GET, its body is never sent (the headers are GET's, with
    its ``Content-Length``), and a stream (the live feed) is cut once its headers are out.
    """

    async def __call__(self, scope: Scope | LifeSpanScope, receive: Receive | LifeSpanReceive,
                       send: Send | LifeSpanSend) -> None:
        if scope["type"] != ScopeType.HTTP or scope.get("method") != "HEAD":
            await super().__call__(scope, receive, send)
            return
        http_send = cast("Send", send)  # Not a lifespan: an HTTP request.
        answered = False

        async def send_headers_only(message: Message) -> None:
            nonlocal answered
            if answered:
                raise _HeadAnswered
            if message["type"] == "http.response.body":
                answered = True
                await http_send({"type": "http.response.body", "body": b"",
                                 "more_body": False})
                if message.get("more_body", False):
                    raise _HeadAnswered
                return
            await http_send(message)

        as_get = cast("Scope", {**scope, "method": "GET"})
        with suppress(_HeadAnswered):
            await super().__call__(as_get, receive, send_headers_only)


def relay_position_reader(database: StoreDatabase) -> Callable[[], int | None]:
    """Reads the relay's stored position, if a relay ever ran on this store."""

    def read() -> int | None:
        if not database.table_exists(RELAY_POSITION_TABLE):
            return None
        rows = database.execute(f"SELECT notification_id FROM {RELAY_POSITION_TABLE} "
                                "WHERE relay_name = ?", (RELAY_NAME,))
        return int(rows[0][0]) if rows else None

    return read


def create_app(location: StoreLocation, *, ledger: Ledger | None = None,
               views: Views | None = None, follow_views: bool = True,
               poll_interval_s: float | None = None, debug: bool = False,
               checkpoint_key: Ed25519PrivateKey | None = None,
               checkpoint_signer: CheckpointSigner | None = None,
               checkpoint_poll_s: float = CHECKPOINT_POLL_S) -> Litestar:
    """The API and dashboard over the store at ``location``.

    ``ledger`` and ``views`` may be given (tests, the demo); otherwise they are opened here
    and closed on shutdown. With ``follow_views`` the views' runner follows the store in a
    background thread while the app runs. With a checkpoint key (``checkpoint_key``, else
    ``COCAGNE_CHECKPOINT_KEY_FILE`` / ``COCAGNE_CHECKPOINT_KEY``) the server signs
    checkpoints of the chain head on a schedule (``checkpoint_signer`` sets another one)
    and publishes the public key.
    """
    services, store_database = open_services(location, ledger=ledger, views=views,
                                             poll_interval_s=poll_interval_s)
    key = checkpoint_key or (checkpoint_signer.key if checkpoint_signer else configured_key())
    services.extras[SERVICE_KEY] = key
    signer_thread = CheckpointThread(checkpoint_signer or CheckpointSigner(location, key),
                                     poll_s=checkpoint_poll_s) if key is not None else None
    lifespan = services_lifespan(services, store_database, signer_thread,
                                 follow_views=follow_views)
    app = CocagneApp(
        route_handlers=route_handlers(services.ledger),
        guards=[authorize],
        # request_context first (outermost): a hostile body's answer carries the request id.
        middleware=[request_context, body_guard],
        plugins=[ExactStructSchemaPlugin()],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan],
        request_max_body_size=REQUEST_BODY_BYTES_MAX,
        # Our logs are structlog JSON lines (infra.logs); Litestar's own stdlib logging set-up
        # (a queue handler and its thread, plain-text lines) would only duplicate them.
        logging_config=None,
        openapi_config=openapi_config(),
        debug=debug,
    )
    app.state.services = services
    return app


def open_services(location: StoreLocation, *, ledger: Ledger | None, views: Views | None,
                  poll_interval_s: float | None) -> tuple[Services, StoreDatabase]:
    """What the handlers share: the ledger and the views (opened here unless given), the
    token store, the store's own database (relay position) and the live feed."""
    owns_ledger = ledger is None
    if location.kind == "sqlite" and location.sqlite_path is not None:
        location.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    the_ledger = ledger if ledger is not None else Ledger(location)
    the_views = views if views is not None else open_views(the_ledger)
    if views is not None:
        the_views.owns_runner = False
    tokens = TokenStore(location)
    services = Services(location=location, ledger=the_ledger, tokens=tokens, views=the_views,
                        feed=None, owns_ledger=owns_ledger)
    services.extras["store_database"] = store_database = StoreDatabase(location)
    services.extras["relay_position"] = relay_position_reader(store_database)
    services.feed = LiveFeed(services, **({"poll_interval_s": poll_interval_s}
                                          if poll_interval_s else {}))
    return services, store_database


def services_lifespan(services: Services, store_database: StoreDatabase,
                      signer_thread: CheckpointThread | None, *, follow_views: bool
                      ) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """Start the views' runner, the live feed and the checkpoint signer with the app; stop
    them, and close what ``open_services`` opened, when it stops."""
    the_views, tokens, the_ledger = services.views, services.tokens, services.ledger
    owns_ledger = services.owns_ledger

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        del app
        if follow_views:
            await anyio.to_thread.run_sync(the_views.start)
        await services.feed.start()
        if signer_thread is not None:
            signer_thread.start()
        try:
            yield
        finally:
            if signer_thread is not None:
                await anyio.to_thread.run_sync(signer_thread.stop)
            await services.feed.close()
            if follow_views:
                await anyio.to_thread.run_sync(the_views.stop)
            tokens.close()
            store_database.close()
            if owns_ledger:
                the_ledger.close()

    return lifespan


def route_handlers(ledger: Ledger) -> list[ControllerRouterHandler]:
    """Every route, by area: commands, queries and the live feed, governance, households,
    operations, the dashboard, exports, work pages, audit and printouts."""
    return [*command_routes(ledger_handlers(ledger)), *QUERY_ROUTES, live_events,
            *governance_routes(), *household_routes(), *OPS_ROUTES, *DASHBOARD_ROUTES,
            *EXPORT_ROUTES, *PAGE_ROUTES, *AUDIT_ROUTES, *PRINTOUT_ROUTES]


def openapi_config() -> OpenAPIConfig:
    """The OpenAPI document at ``/api/schema``: the API's contract, bearer tokens."""
    return OpenAPIConfig(
        title="cocagne-ledger API", version=API_VERSION,
        description="Coordination ledger of the Jardins de Cocagne cooperative: commands "
                    "(idempotent by Idempotency-Key), stock, traceability, balances and "
                    "governance. This document is the contract: a request it describes "
                    "is never refused as malformed (400); 400 answers only requests "
                    "that break it, and a well-formed command the ledger refuses on its "
                    "merits answers 404, 409 or 422 with the refusal's code.",
        path="/api/schema",
        render_plugins=[OfflineDocsPlugin(), JsonRenderPlugin()],
        components=Components(security_schemes={
            "bearer": SecurityScheme(type="http", scheme="bearer",
                                     description="A member's token (cocagne token create)"),
        }),
        security=[{"bearer": []}],
        servers=[Server(url="/")],
        use_handler_docstrings=True,
    )


def ledger_handlers(ledger: Ledger) -> dict[type[Any], str]:
    """Every command the ledger handles (``infra.ledger.registry``)."""
    return ledger.command_types()
