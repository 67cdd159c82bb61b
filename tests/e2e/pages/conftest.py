"""One served demo and one browser for the whole browser session.

The demo territory (two weeks, governance and baskets included, as ``make demo`` seeds it)
is written into a SQLite file, the demo's sign-in tokens are issued as ``make demo`` issues
them, and a few situations the page tests act on are prepared straight on the ledger: a
delivery on its way to the demo outlet, another already received (stock to distribute), a
basket prepared at the collection point. uvicorn serves it in a thread; the session's one
Debian Chromium (``tests/e2e/conftest.py``) drives the pages.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import uvicorn
from litestar import Litestar
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from domain import commands as c
from domain import governance_commands as g
from domain.base import utc_now
from infra.api import create_app
from infra.api.demo import demo_members
from infra.api.pages.directory import Directory
from infra.demo.territory import generate_demo
from infra.store import StoreLocation, sqlite_location
from tests.builders import DEMO_END

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PAGE_TIMEOUT_MS = 15_000
SERVER_START_S = 30
DEMO_WEEKS = 3
"""Enough for every kind of stream (rounds, deliveries, votes, baskets), and for the key
vote to come after a first round (the demo holds no act after its end)."""
TESTS = Path(__file__).parents[2]
AXE = next(path for path in (TESTS / "api" / "vendor" / "axe.min.js",
                             TESTS / "e2e" / "api" / "vendor" / "axe.min.js") if path.exists())
"""axe-core, vendored with its licence beside the dashboard's browser test."""
SCREENS = TESTS.parent / "docs" / "screens"
MAIN_PAGES = {"producer": "producteur", "platform": "plateforme", "outlet": "structure",
              "voter": "gouvernance", "coordinator": "coordination", "funder": "financeur",
              "household": "foyer", "auditor": "controle", "collection_point": "structure"}


NO_ID = UUID(int=0)


@dataclass
class Demo:
    """The served demo: its URL, app, tokens and the situations prepared for the tests."""

    url: str
    app: Litestar
    location: StoreLocation
    tokens: dict[str, str]
    members: dict[str, UUID]
    held_lot: UUID = NO_ID
    """A lot the demo outlet holds (40 kg received)."""
    transit_delivery: UUID = NO_ID
    """A delivery dispatched to the demo outlet, not yet signed for."""
    basket: UUID = NO_ID
    """A basket prepared at the collection point, waiting to be collected."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ledger(self) -> Any:
        """The served app's ledger."""
        return self.app.state.services.ledger

    def head(self) -> int:
        """The last notification id in the store."""
        return int(self.ledger.recorder.max_notification_id() or 0)

    def events_since(self, position: int, *topics: str) -> list[tuple[int, Any]]:
        """Events stored after ``position`` (of some topics), with their notification ids."""
        page = self.ledger.recorder.select_notifications(position + 1, 10_000,
                                                         topics=list(topics))
        return [(notification.id, self.ledger.mapper.to_domain_event(notification))
                for notification in page]


_counter = iter(range(1, 1_000_000))


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def key(prefix: str) -> str:
    """A command id for the fixture's own acts."""
    return f"e2e-{prefix}-{next(_counter)}"


def prepare(demo: Demo) -> None:
    """The situations the page tests act on, recorded straight on the ledger."""
    ledger = demo.ledger
    directory = Directory(ledger)
    directory.refresh()
    producer, platform, outlet = (demo.members[name] for name in ("producer", "platform",
                                                                  "outlet"))
    site = directory.sites_of(platform)[0][0]

    def run(command: Any) -> Any:
        return ledger.execute(command)

    def received_lot(product: str, grams: int) -> UUID:
        lot = run(c.OfferLot(command_id=key("offer"), actor_id=producer, product=product,
                             quantity_g=grams, price_cents_per_kg=180,
                             harvest_date=date(2026, 1, 18), best_before=date(2026, 2, 28),
                             organic_certificate="FR-BIO-01")).stream_id
        run(c.AcceptOffer(command_id=key("accept"), actor_id=platform, lot_id=lot,
                          site_id=site, accepted_g=grams))
        run(c.ReceiveLot(command_id=key("receive"), actor_id=platform, lot_id=lot,
                         site_id=site, measured_g=grams))
        return lot

    def delivery(lot: UUID, grams: int, *, sign: bool) -> UUID:
        planned = run(c.PlanDelivery(command_id=key("plan"), actor_id=platform,
                                     from_site_id=site, planned_for=date(2026, 1, 22),
                                     stops=[c.PlannedStop(outlet, [c.PlannedLine(lot, grams)])]))
        run(c.DispatchDelivery(command_id=key("dispatch"), actor_id=platform,
                               delivery_id=planned.stream_id))
        if sign:
            run(c.ReceiveDelivery(command_id=key("sign"), actor_id=outlet,
                                  delivery_id=planned.stream_id,
                                  lines=[c.ReceiptLine(lot, grams)], signer="Accueil"))
        return planned.stream_id

    demo.extra["recall_lot"] = received_lot("betterave", 20_000)
    # Stock acts of the stock tests: a lot to hold and release, and yoghurts accepted and
    # awaited at the dock (a chilled product: its reception needs a temperature).
    demo.extra["hold_lot"] = received_lot("céleri", 15_000)
    # Dated before the demo's last weeks: an offer's harvest is never after the offer,
    # whatever "now" the ledger is given while the fixture writes (tests/conftest.py).
    chilled = run(c.OfferLot(command_id=key("offer"), actor_id=producer, product="yaourt",
                             variety="nature", quantity_g=6_000, price_cents_per_kg=350,
                             harvest_date=date(2026, 11, 20), best_before=date(2026, 12, 31),
                             organic_certificate="FR-BIO-01")).stream_id
    run(c.AcceptOffer(command_id=key("accept"), actor_id=platform, lot_id=chilled,
                      site_id=site, accepted_g=6_000))
    demo.extra["chilled_lot"] = chilled
    held = received_lot("carotte", 200_000)
    demo.held_lot = held
    delivery(held, 40_000, sign=True)
    demo.transit_delivery = delivery(received_lot("poireau", 60_000), 30_000, sign=False)
    # A basket at the collection point: the basket garden delivers a lot, the point makes
    # up one household's basket of a later week and waits for the household.
    programme = next(iter(directory.programmes.values()))
    garden, point = programme.producer_id, programme.collection_point_ids[0]
    garden_site = directory.sites_of(garden)[0][0]
    lot = run(c.OfferLot(command_id=key("offer"), actor_id=garden, product="courge",
                         quantity_g=8_000, price_cents_per_kg=0, harvest_date=date(2026, 1, 19),
                         best_before=date(2026, 2, 10))).stream_id
    run(c.AcceptOffer(command_id=key("accept"), actor_id=garden, lot_id=lot,
                      site_id=garden_site, accepted_g=8_000))
    run(c.ReceiveLot(command_id=key("receive"), actor_id=garden, lot_id=lot,
                     site_id=garden_site, measured_g=8_000))
    to_point = run(c.PlanDelivery(command_id=key("plan"), actor_id=garden,
                                  from_site_id=garden_site, planned_for=date(2026, 1, 19),
                                  stops=[c.PlannedStop(point, [c.PlannedLine(lot, 8_000)])]))
    run(c.DispatchDelivery(command_id=key("dispatch"), actor_id=garden,
                           delivery_id=to_point.stream_id))
    run(c.ReceiveDelivery(command_id=key("sign"), actor_id=point,
                          delivery_id=to_point.stream_id, lines=[c.ReceiptLine(lot, 8_000)],
                          signer="Accueil du centre social"))
    household = next(entry.household_id for entry in directory.households.values()
                     if entry.household_id != demo.members["household"])
    demo.basket = run(g.PrepareBasket(command_id=key("basket"), actor_id=point,
                                      household_id=household, week="2026-W40",
                                      lines=[g.BasketLineInput(lot, 2_000)])).stream_id
    demo.members["collection_point"] = point
    demo.extra["basket_household"] = household
    demo.extra["point_lot"] = lot
    demo.extra["programme"] = programme.programme_id
    demo.extra["site"] = site


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo territory served by uvicorn on a free port, with its sign-in tokens."""
    location = sqlite_location(Path(tmp_path_factory.mktemp("pages")) / "ledger.db")
    app = create_app(location)
    ledger = app.state.services.ledger
    generate_demo(ledger, weeks=DEMO_WEEKS, seed=7, scale=1, end=DEMO_END)
    chosen = demo_members(ledger)
    members = {str(role): member_id for role, member_id in chosen.items()}
    port = free_port()
    served = Demo(url=f"http://127.0.0.1:{port}", app=app, location=location, tokens={},
                  members=members)
    prepare(served)
    tokens = app.state.services.tokens
    for name, member_id in members.items():
        served.tokens[name] = tokens.create(member_id, label=f"e2e {name}")[1]
    # Written as lived history (as the scenario tests' ledgers are), served live: the pages'
    # acts happen now, on the wall clock (a vote closes a few real seconds later).
    ledger.lived = False
    ledger.clock = utc_now
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           access_log=False, lifespan="on",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, name="uvicorn-e2e", daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_S
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, f"the demo server did not start within {SERVER_START_S} s"
    try:
        yield served
    finally:
        app.state.services.feed.end_streams()
        server.should_exit = True
        thread.join(10)


def sign_in(browser: Browser, demo: Demo, who: str, *, viewport: dict[str, int] | None = None,
            service_worker: bool = False, main: str = "") -> Page:
    """A new French phone-sized browser context signed in through ``who``'s demo link (a
    member outside the demo roles names its ``main`` page)."""
    context = browser.new_context(viewport=viewport or PHONE, locale="fr-FR",
                                  timezone_id="Europe/Paris", bypass_csp=True,
                                  service_workers="allow" if service_worker else "block")
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{demo.url}/espace#token={demo.tokens[who]}")
    page.wait_for_url(f"**/espace/{main or MAIN_PAGES[who]}")
    page.wait_for_load_state("load")
    assert errors == [], errors
    return page


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    results: dict[str, Any] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": violation["id"], "impact": violation["impact"],
             "nodes": [node["target"] for node in violation["nodes"]][:5]}
            for violation in results["violations"]
            if violation["impact"] in {"serious", "critical"}]


def submit(page: Page, command: str, values: dict[str, str], *, index: int = 0,
           reload: bool = True, double: bool = False) -> None:
    """Fill the ``index``-th form of ``command`` (field name → text or option value) and
    send it; wait for the page to come back with the act applied when ``reload``."""
    form = page.locator(f"form.acte[data-command='{command}']").nth(index)
    for name, text in values.items():
        fields = form.locator(f"[name='{name}']")
        for position, part in enumerate(text.split("|")) if "|" in text else [(0, text)]:
            target = fields.nth(position)
            if target.evaluate("element => element.tagName") == "SELECT":
                target.select_option(part)
            elif target.get_attribute("type") == "checkbox":
                target.check()
            else:
                target.fill(part)
    button = form.locator("button[type=submit]")
    if not reload:
        button.click()
        return
    try:
        with refreshed(page):
            if double:
                button.dblclick()
            else:
                button.click()
    except PlaywrightTimeoutError as error:
        problem = form.locator(".erreur-formulaire").inner_text()
        acts = page.locator("#file-actes").inner_text()
        raise AssertionError(f"{command} was not applied: form says {problem!r}; "
                             f"acts: {acts!r}") from error


@contextmanager
def refreshed(page: Page) -> Iterator[None]:
    """Wait, after the block, until the page shows the acts it sent: its sections are
    refreshed in place and ``data-position`` names the act's notification."""
    before = page.evaluate("document.body.dataset.position")
    yield
    page.wait_for_function("before => document.body.dataset.position !== before", arg=before)


def refused_reason(page: Page) -> str:
    """The reason shown for the newest refused act."""
    page.wait_for_selector("#file-actes li[data-etat='refuse'] .raison")
    return page.locator("#file-actes li[data-etat='refuse'] .raison").first.inner_text()


def text_of(page: Page) -> str:
    """The page's main text with French spaces made plain."""
    return page.inner_text("main").replace("\u202f", " ").replace("\u00a0", " ")

