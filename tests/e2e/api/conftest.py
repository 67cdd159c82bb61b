"""A small cooperative served by the API, with a token for every role.

The world: a coordinator, two producers, a platform with its warehouse, two outlets, a
funder, a household and an auditor; two received lots (one per producer), a delivery of
part of the first lot dispatched to the first outlet. Built once per module and store
(SQLite file and PostgreSQL): reads do not change it, refused commands write nothing, and
tests that write use fresh command ids.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import uvicorn
from litestar import Litestar
from litestar.testing import TestClient

from domain import commands as c
from domain.base import Role, utc_now
from domain.members import MemberKind
from domain.sites import SiteKind
from infra.api import create_app
from infra.ledger.ledger import Ledger
from infra.store import StoreLocation, sqlite_location
from tests.conftest import SCENARIO_FOUNDED_AT, store_of_kind

_ids = itertools.count(1)
WORLD_NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
"""The test world's clock (``build_world``): just after its dates (harvests on 4 January, a
delivery on the 8th), fixed so that no test depends on the day it runs."""


@pytest.fixture(autouse=True, scope="module")
def live_server_time() -> Iterator[None]:
    """The API runs as a live server: each command at the clock's now (not the scenario
    tests' lived history) on the wall clock, so the back-dating window and the future
    tolerance apply; the test world's ledger fixes its own clock."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Ledger, "lived", False)
        patch.setattr(Ledger, "default_clock", utc_now)
        yield


def new_id(prefix: str = "t") -> str:
    """A command id never used before in this test run."""
    return f"{prefix}-{next(_ids)}-{time.monotonic_ns()}"


@dataclass
class World:
    """Ids and tokens of the test cooperative."""

    location: StoreLocation
    coordinator: UUID
    producer: UUID
    other_producer: UUID
    platform: UUID
    site: UUID
    outlet: UUID
    other_outlet: UUID
    funder: UUID
    household: UUID
    auditor: UUID
    lot: UUID
    other_lot: UUID
    delivery: UUID
    tokens: dict[str, str] = field(default_factory=dict)
    """Token per role name (and ``other_producer``, ``other_outlet``)."""

    def headers(self, who: str, key: str | None = None) -> dict[str, str]:
        """Authorization (and Idempotency-Key) headers for one member."""
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers


def build_world(app: Litestar, location: StoreLocation) -> World:
    """Found the cooperative and run a week's first acts, straight on the ledger."""
    ledger = app.state.services.ledger
    ledger.clock = lambda: WORLD_NOW
    coordinator = ledger.execute(c.FoundCooperative(
        command_id=new_id("found"), name="Coopérative de test",
        coordinator_name="Secrétariat", occurred_at=SCENARIO_FOUNDED_AT)).stream_id

    def member(name: str, kind: MemberKind, roles: list[Role] | None = None) -> UUID:
        result = ledger.execute(c.RegisterMember(command_id=new_id("member"), actor_id=coordinator,
                                                 name=name, kind=kind, roles=roles,
                                                 households_served=50))
        return result.stream_id

    producer = member("Jardin de Chalon", MemberKind.PRODUCER)
    other_producer = member("Jardin de Lens", MemberKind.PRODUCER)
    platform = member("Banque alimentaire", MemberKind.PLATFORM)
    outlet = member("Épicerie solidaire", MemberKind.OUTLET)
    other_outlet = member("Restos du quartier", MemberKind.OUTLET)
    funder = member("Fondation", MemberKind.FUNDER)
    household = member("Foyer 0042", MemberKind.HOUSEHOLD)
    auditor = member("Commissaire aux comptes", MemberKind.NETWORK, [Role.AUDITOR])
    site = ledger.execute(c.RegisterSite(command_id=new_id("site"), actor_id=coordinator,
                                         name="Entrepôt", kind=SiteKind.WAREHOUSE,
                                         operator_id=platform, city="Dijon")).stream_id

    def received_lot(by: UUID, product: str, grams: int) -> UUID:
        lot = ledger.execute(c.OfferLot(
            command_id=new_id("offer"), actor_id=by, product=product, quantity_g=grams,
            price_cents_per_kg=180, harvest_date=date(2026, 1, 4),
            best_before=date(2026, 1, 20), organic_certificate="FR-BIO-01")).stream_id
        ledger.execute(c.AcceptOffer(command_id=new_id("accept"), actor_id=platform, lot_id=lot,
                                     site_id=site, accepted_g=grams))
        ledger.execute(c.ReceiveLot(command_id=new_id("receive"), actor_id=platform, lot_id=lot,
                                    site_id=site, measured_g=grams))
        return lot

    lot = received_lot(producer, "carrot", 100_000)
    other_lot = received_lot(other_producer, "leek", 50_000)
    delivery = ledger.execute(c.PlanDelivery(
        command_id=new_id("plan"), actor_id=platform, from_site_id=site,
        planned_for=date(2026, 1, 8),
        stops=[c.PlannedStop(outlet, [c.PlannedLine(lot, 20_000)])])).stream_id
    ledger.execute(c.DispatchDelivery(command_id=new_id("dispatch"), actor_id=platform,
                                      delivery_id=delivery))
    world = World(location=location, coordinator=coordinator, producer=producer,
                  other_producer=other_producer, platform=platform, site=site, outlet=outlet,
                  other_outlet=other_outlet, funder=funder, household=household,
                  auditor=auditor, lot=lot, other_lot=other_lot, delivery=delivery)
    tokens = app.state.services.tokens
    for name, member_id in (("coordinator", coordinator), ("producer", producer),
                            ("other_producer", other_producer), ("platform", platform),
                            ("outlet", outlet), ("other_outlet", other_outlet),
                            ("funder", funder), ("household", household),
                            ("auditor", auditor)):
        world.tokens[name] = tokens.create(member_id, label=f"test {name}")[1]
    return world


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def module_store(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreLocation]:
    """A fresh store per test module, on each backend."""
    with store_of_kind(request.param, tmp_path_factory.mktemp("api")) as location:
        yield location


@pytest.fixture(scope="module")
def served(module_store: StoreLocation) -> Iterator[tuple[TestClient[Litestar], World]]:
    """The app over the test cooperative, and a client."""
    app = create_app(module_store)
    with TestClient(app) as client:
        world = build_world(app, module_store)
        app.state.services.views.wait_for(
            app.state.services.ledger.recorder.max_notification_id())
        yield client, world


@pytest.fixture
def client(served: tuple[TestClient[Litestar], World]) -> TestClient[Litestar]:
    """A client of the served app."""
    return served[0]


@pytest.fixture
def world(served: tuple[TestClient[Litestar], World]) -> World:
    """The test cooperative."""
    return served[1]


def head(client: TestClient[Litestar]) -> int:
    """The last notification id in the store."""
    app: Any = client.app
    return int(app.state.services.ledger.recorder.max_notification_id() or 0)


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    """A real uvicorn server in a thread, over the test cooperative."""

    url: str
    app: Litestar
    world: World


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """uvicorn on 127.0.0.1 (SQLite), for the live feed and the browser."""
    location = sqlite_location(Path(tmp_path_factory.mktemp("live")) / "ledger.db")
    app = create_app(location)
    world = build_world(app, location)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           access_log=False, lifespan="on",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the test server did not start within 20 s"
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", app=app, world=world)
    finally:
        app.state.services.feed.end_streams()
        server.should_exit = True
        thread.join(10)
