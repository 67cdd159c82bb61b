"""The dashboard in Debian's headless Chromium (through playwright's Python package only):
a receipt posted through the API changes the stock figure on the page within 2 seconds, the
trace search draws the lot's graph, and axe finds no serious accessibility violation."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.api.conftest import LiveServer, new_id

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
PAGE_TIMEOUT_MS = 10_000  # Loading and connecting; the 2-second bound is checked apart.
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.slow
# The browser is the session's one Chromium (tests/e2e/conftest.py).


def open_dashboard(browser: Browser, server: LiveServer, who: str) -> Page:
    """The dashboard signed in as ``who`` (token in the fragment), live feed connected."""
    # The page's Content-Security-Policy allows this origin's scripts only; the test bypasses
    # it to inject axe, which the application itself never serves.
    page = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.goto(f"{server.url}/dashboard#token={server.world.tokens[who]}")
    page.wait_for_function("document.getElementById('etat-direct').textContent === 'En direct'")
    page.wait_for_function("Number(document.getElementById('stock-total').dataset.grams) > 0")
    return page


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    results: dict[str, Any] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": violation["id"], "impact": violation["impact"],
             "nodes": [node["target"] for node in violation["nodes"]][:5]}
            for violation in results["violations"]
            if violation["impact"] in {"serious", "critical"}]


def test_a_receipt_changes_the_stock_figure_within_two_seconds(browser: Browser,
                                                               live_server: LiveServer) -> None:
    """Post a receipt through the API; the page's total moves by its weight within 2 s."""
    world = live_server.world
    grams = 3_250
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        lot = client.post("/api/commands/offer_lot", headers=world.headers("producer", new_id()),
                          json={"product": "Potimarron", "quantity_g": grams,
                                "price_cents_per_kg": 220, "harvest_date": "2026-01-04",
                                "best_before": "2026-02-20"}).json()["stream_id"]
        client.post("/api/commands/accept_offer", headers=world.headers("platform", new_id()),
                    json={"lot_id": lot, "site_id": str(world.site), "accepted_g": grams})
        page = open_dashboard(browser, live_server, "platform")
        before = int(page.get_attribute("#stock-total", "data-grams") or 0)
        started = time.perf_counter()
        receipt = client.post("/api/commands/receive_lot",
                              headers=world.headers("platform", new_id()),
                              json={"lot_id": lot, "site_id": str(world.site),
                                    "measured_g": grams})
        assert receipt.status_code == 200, receipt.text
        page.wait_for_function(
            f"Number(document.getElementById('stock-total').dataset.grams) === {before + grams}",
            timeout=2_000)
        elapsed_s = time.perf_counter() - started
    assert elapsed_s < 2.0
    row = page.locator(f"tr[data-lot-id='{lot}']")
    assert "potimarron" in row.inner_text()
    assert serious_violations(page) == []
    page.context.close()


def test_the_trace_search_draws_the_graph(browser: Browser, live_server: LiveServer) -> None:
    """Searching a lot draws its graph in SVG, reaching the outlet it was sent to."""
    page = open_dashboard(browser, live_server, "coordinator")
    page.fill("#lot-recherche", str(live_server.world.lot))
    page.click("#recherche-trace button[type=submit]")
    page.wait_for_selector("#trace-resultat svg g.noeud")
    graph = page.locator("#trace-resultat svg")
    assert graph.get_attribute("role") == "img"
    assert page.locator("#trace-resultat svg g.noeud.cible").count() == 1
    assert page.locator("#trace-resultat svg g.noeud.sortie").count() == 0  # Not yet received.
    assert "Jardin de Chalon" in page.locator("#trace-resultat").inner_text()
    assert serious_violations(page) == []
    page.context.close()


def test_the_page_fits_a_phone_and_speaks_french(browser: Browser,
                                                 live_server: LiveServer) -> None:
    """No sideways scrolling of the page itself at phone width; French throughout."""
    page = open_dashboard(browser, live_server, "auditor")
    assert page.get_attribute("html", "lang") == "fr"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert "Stock par site, produit et lot" in page.inner_text("main")
    page.context.close()
