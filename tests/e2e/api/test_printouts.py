"""Pick lists and labels of the demo, printed to PDF through the API; each label's QR code,
read back from the rendered page, leads to that lot's trace page. On an SQLite file.

The demo ends on Thursday 10 December 2026 at 18:00: a delivery is still on the road, the
warehouse holds a sorted donation (some of it past its date), a held lot and a recalled
one; the network's stock rules give its squash soup a GTIN, so soup labels carry a GS1
Digital Link address and the others the lot's own page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from uuid import UUID

import pypdfium2
import pytest
import zxingcpp
from litestar import Litestar
from litestar.testing import TestClient

from domain import commands as c
from infra.api import create_app
from infra.demo.territory import DemoSummary, generate_demo
from infra.ledger.ledger import Ledger
from infra.store import sqlite_location

DEMO_END = date(2026, 12, 10)
RENDER_DPI = 300  # A label printer's resolution: QR modules are several pixels wide.



def saved_as(disposition: str) -> tuple[str, str]:
    """The ASCII and the accented names a printout is shown and saved under."""
    match = re.fullmatch(r"inline; filename=\"([A-Za-z0-9-]+\.pdf)\"; "
                         r"filename\*=UTF-8''([A-Za-z0-9%-]+\.pdf)", disposition)
    assert match is not None, disposition
    return match[1], unquote(match[2], errors="strict")

@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[TestClient[Litestar], DemoSummary, dict[str, str]]]:
    """The demo served by the API, a client, and tokens for the platform and coordinator."""
    location = sqlite_location(tmp_path_factory.mktemp("printouts") / "ledger.db")
    ledger = Ledger(location)
    summary = generate_demo(ledger, weeks=3, seed=4, end=DEMO_END)
    ledger.close()
    app = create_app(location)
    with TestClient(app, base_url="http://cocagne.test") as client:
        services = app.state.services
        services.views.wait_for(services.ledger.recorder.max_notification_id())
        assert summary.coordinator_id is not None
        tokens = {"platform": services.tokens.create(summary.platform_ids[0])[1],
                  "coordinator": services.tokens.create(summary.coordinator_id)[1]}
        yield client, summary, tokens


def auth(tokens: dict[str, str], who: str) -> dict[str, str]:
    """The bearer header of one member."""
    return {"Authorization": f"Bearer {tokens[who]}"}


def pages(pdf: bytes) -> list[Any]:
    """The pages of a PDF."""
    return list(pypdfium2.PdfDocument(pdf))


def text_of(page: Any) -> str:
    """A page's text, no-break spaces as plain ones."""
    return str(page.get_textpage().get_text_range()).replace("\u00a0", " ")


def test_a_pick_list_sets_apart_what_the_dispatch_would_refuse(
        demo: tuple[TestClient[Litestar], DemoSummary, dict[str, str]],
        tmp_path: Path) -> None:
    """A run planned from the demo's stock, then one of its lots held: FEFO per stop, the
    held line set apart with its reason; in JSON, HTML and PDF."""
    client, summary, tokens = demo
    app: Any = client.app
    ledger = app.state.services.ledger
    site_id = app.state.services.views.stock.lines()[0].site_id
    lines = [line for line in app.state.services.views.stock.lines(site_id=site_id)
             if line.available_g >= 4_000 and line.date_kind == "none"][:3]
    held = next(line for line in app.state.services.views.stock.lines(site_id=site_id)
                if line.on_hold)
    outlets = [holding.outlet_id for holding in
               app.state.services.views.stock.in_transit()][:1]
    platform = summary.platform_ids[0]
    # A held lot cannot be planned; one held after planning is set apart by the pick list.
    delivery = ledger.execute(c.PlanDelivery(
        command_id="printout-plan", actor_id=platform, from_site_id=UUID(site_id),
        planned_for=date(2026, 12, 11),
        stops=[c.PlannedStop(UUID(outlets[0]), [c.PlannedLine(UUID(line.lot_id), 1_000)
                                                for line in lines])])).stream_id
    ledger.execute(c.HoldLot(command_id="printout-hold", actor_id=platform,
                             lot_id=UUID(lines[-1].lot_id), reason="odeur suspecte"))
    answer = client.get(f"/api/deliveries/{delivery}/pick-list", headers=auth(tokens, "platform"))
    assert answer.status_code == 200, answer.text
    [stop] = answer.json()["stops"]
    picked = [row["code"] for row in stop["rows"]]
    expected = sorted((line for line in lines[:-1]), key=lambda line: (line.best_before,
                                                                      line.code))
    assert picked == [line.code for line in expected]
    [skipped] = stop["skipped"]
    assert (skipped["code"], skipped["reason"]) == (lines[-1].code, "Lot bloqué : odeur suspecte")
    assert held.code not in picked
    page = client.get(f"/api/deliveries/{delivery}/pick-list.html",
                      headers=auth(tokens, "platform"))
    assert page.headers["content-type"].startswith("text/html")
    assert "@media print" in page.text
    assert "À ne pas prélever" in page.text
    pdf = client.get(f"/api/deliveries/{delivery}/pick-list.pdf",
                     headers=auth(tokens, "platform"))
    assert pdf.headers["content-type"] == "application/pdf"
    fallback, name = saved_as(pdf.headers["content-disposition"])
    assert name.startswith("liste-de-préparation-2026-12-11-"), name
    assert fallback.startswith("liste-de-preparation-2026-12-11-"), fallback
    (tmp_path / "preparation.pdf").write_bytes(pdf.content)
    text = text_of(pages(pdf.content)[0])
    assert "Liste de préparation — livraison du 11/12/2026" in text
    assert all(code in text for code in picked)
    assert "Lot bloqué : odeur suspecte" in text
    other = client.get(f"/api/deliveries/{delivery}/pick-list",
                       headers=auth(tokens, "coordinator"))
    assert other.status_code == 200
    gone = client.get(f"/api/deliveries/{summary.in_transit_delivery_ids[0]}/pick-list",
                      headers=auth(tokens, "platform"))
    assert (gone.status_code, gone.json()["code"]) == (409, "invalid_state")


def test_a_sheet_of_labels_reads_back_to_each_lots_trace(
        demo: tuple[TestClient[Litestar], DemoSummary, dict[str, str]],
        tmp_path: Path) -> None:
    """The site's labels as PDF, eight per page: every QR code on the first page decodes to
    an address the app answers with that lot's trace page."""
    client, _, tokens = demo
    app: Any = client.app
    site_id = app.state.services.views.stock.lines()[0].site_id
    answer = client.get(f"/api/sites/{site_id}/labels.pdf", headers=auth(tokens, "platform"))
    assert answer.status_code == 200, answer.text
    fallback, name = saved_as(answer.headers["content-disposition"])
    assert name.startswith("étiquettes-"), name
    assert fallback.startswith("etiquettes-"), fallback
    (tmp_path / "etiquettes.pdf").write_bytes(answer.content)
    first = pages(answer.content)[0]
    image = first.render(scale=RENDER_DPI / 72).to_pil()
    addresses = [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    assert 1 <= len(addresses) <= 8
    text = text_of(first)
    for address in addresses:
        parts = urlsplit(address)
        assert parts.netloc == "cocagne.test"
        code = re.sub(r"^/(lot|01/\d{14}/10)/", "", parts.path)
        assert f"Lot {code}" in text
        page = client.get(parts.path, headers=auth(tokens, "coordinator"))
        assert page.status_code == 200, (address, page.text)
        assert f'<span class="lot">{code}</span></h1>' in page.text
        assert "Origine" in page.text
        assert "Mouvements" in page.text


def test_a_soup_label_carries_a_gs1_digital_link(
        demo: tuple[TestClient[Litestar], DemoSummary, dict[str, str]]) -> None:
    """The network's soup has a GTIN: its label's QR code is /01/{GTIN}/10/{lot}, which the
    app answers with the soup's trace page; a wrong GTIN is not found."""
    client, _, tokens = demo
    app: Any = client.app
    soup = next(line.lot_id for line in app.state.services.views.stock.lines()
                if line.product == "soupe de courge")
    answer = client.get(f"/api/lots/{soup}/label.pdf", headers=auth(tokens, "coordinator"))
    image = pages(answer.content)[0].render(scale=RENDER_DPI / 72).to_pil()
    [address] = [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    path = urlsplit(address).path
    assert re.fullmatch(r"/01/03769999000015/10/T\d{6}-\d{5}", path), path
    page = client.get(path, headers=auth(tokens, "coordinator"))
    assert page.status_code == 200
    assert "soupe de courge" in page.text.lower()
    assert "DLC" in page.text
    wrong = client.get(path.replace("03769999000015", "4006381333931"),
                       headers=auth(tokens, "coordinator"))
    assert wrong.status_code == 404


def test_the_lot_page_needs_a_member(
        demo: tuple[TestClient[Litestar], DemoSummary, dict[str, str]]) -> None:
    """Without a session or a token, the trace page is refused."""
    client, summary, _ = demo
    client.cookies.clear()
    code = summary.held_lot_codes[0]
    assert client.get(f"/lot/{code}").status_code == 401


def test_a_refusal_answers_its_code_and_its_numbers(
        demo: tuple[TestClient[Litestar], DemoSummary, dict[str, str]]) -> None:
    """Reserving the held lot: 409 lot_held, the hold's reason among the facts, nothing
    written."""
    client, _, tokens = demo
    app: Any = client.app
    held = next(line for line in app.state.services.views.stock.lines() if line.on_hold)
    outlet = app.state.services.views.stock.in_transit()[0].outlet_id
    before = app.state.services.ledger.recorder.max_notification_id()
    answer = client.post("/api/commands/reserve_lot",
                         json={"lot_id": held.lot_id, "outlet_id": outlet, "quantity_g": 1_000},
                         headers={**auth(tokens, "platform"), "Idempotency-Key": "held-1"})
    body = answer.json()
    assert (answer.status_code, body["code"], body["reason"]) == (409, "lot_held", "lot_held")
    assert body["facts"]["hold_reason"] == held.hold_reason
    assert app.state.services.ledger.recorder.max_notification_id() == before
