"""The exports through the API: each answers a document to the roles allowed to see it, and
refuses the others (403 in the API's error shape); bad input answers 4xx, never 500."""

from __future__ import annotations

import io
import json
import re
from typing import Any
from urllib.parse import unquote

import httpx
import openpyxl
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from infra.api.access import ROLE_NOT_ALLOWED
from tests.e2e.api.conftest import World

BOM = b"\xef\xbb\xbf"
PERIOD = {"from": "2000-01-01", "to": "2099-12-31"}
CSV = {"format": "csv"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def refused(response: httpx.Response, code: str) -> None:
    """A 403 in the API's one error shape."""
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    assert body["request_id"]


def bad(response: httpx.Response, status: int) -> dict[str, Any]:
    """A 4xx in the API's one error shape."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert {"code", "message", "request_id"} <= set(body)
    return body


def epcis(response: httpx.Response) -> dict[str, Any]:
    """The EPCIS document of a 200 answer."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/ld+json")
    document: dict[str, Any] = json.loads(response.content)
    assert document["type"] == "EPCISDocument"
    return document


DISPOSITION = re.compile(r"attachment; filename=\"([A-Za-z0-9-]+\.[a-z]+)\"; "
                         r"filename\*=UTF-8''([A-Za-z0-9%-]+\.[a-z]+)")
"""An attachment named twice (RFC 6266): in plain ASCII, then in UTF-8 with its accents."""


def download_names(response: httpx.Response) -> tuple[str, str]:
    """The ASCII name of an attachment and its accented one."""
    header = response.headers["content-disposition"]
    match = DISPOSITION.fullmatch(header)
    assert match is not None, header
    return match[1], unquote(match[2], errors="strict")


def workbook_rows(response: httpx.Response) -> int:
    """Rows of the first sheet of an XLSX attachment."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert download_names(response)[1].endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return int(book.worksheets[0].max_row or 0)


def csv_text(response: httpx.Response) -> str:
    """The text of a CSV attachment (after its BOM)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert download_names(response)[1].endswith(".csv")
    assert response.content.startswith(BOM)
    return response.content[len(BOM):].decode("utf-8")


def test_epcis_of_a_lot_for_the_platform_and_its_producer(client: TestClient[Litestar],
                                                          world: World) -> None:
    """Platform and own producer get the lot's document; another producer and an outlet not."""
    for who in ("platform", "producer", "auditor"):
        document = epcis(client.get("/api/exports/epcis", params={"lot": str(world.lot)},
                                    headers=world.headers(who)))
        assert document["epcisBody"]["eventList"]
    refused(client.get("/api/exports/epcis", params={"lot": str(world.lot)},
                       headers=world.headers("other_producer")), "forbidden")
    refused(client.get("/api/exports/epcis", params={"lot": str(world.lot)},
                       headers=world.headers("outlet")), ROLE_NOT_ALLOWED)


def test_epcis_of_a_period_holds_only_a_producers_own_lots(client: TestClient[Litestar],
                                                           world: World) -> None:
    """By period, the coordinator sees every event; a producer only its own lots' events."""
    everything = epcis(client.get("/api/exports/epcis", params=PERIOD,
                                  headers=world.headers("coordinator")))
    own = epcis(client.get("/api/exports/epcis", params=PERIOD,
                           headers=world.headers("other_producer")))
    assert 0 < len(own["epcisBody"]["eventList"]) < len(everything["epcisBody"]["eventList"])


def test_trace_spreadsheet_as_csv_and_xlsx(client: TestClient[Litestar], world: World) -> None:
    """CSV with its BOM for the auditor, XLSX for the lot's producer; others refused."""
    url = f"/api/exports/trace/{world.lot}"
    text = csv_text(client.get(url, params={"format": "csv", "lang": "en"},
                               headers=world.headers("auditor")))
    assert len(text.splitlines()) > 1
    xlsx = {"format": "xlsx"}
    assert workbook_rows(client.get(url, params=xlsx, headers=world.headers("producer"))) > 1
    refused(client.get(url, params=xlsx, headers=world.headers("other_producer")), "forbidden")
    refused(client.get(url, params=xlsx, headers=world.headers("funder")), ROLE_NOT_ALLOWED)


def test_register_for_the_member_itself_and_the_coordinator(client: TestClient[Litestar],
                                                            world: World) -> None:
    """A platform exports its own register; the coordinator anyone's; an outlet not its."""
    url = f"/api/exports/register/{world.platform}"
    assert len(csv_text(client.get(url, params={**PERIOD, "format": "csv"},
                                   headers=world.headers("platform"))).splitlines()) > 1
    assert workbook_rows(client.get(url, params={**PERIOD, "format": "xlsx"},
                                    headers=world.headers("coordinator"))) > 1
    refused(client.get(url, params={**PERIOD, "format": "csv"}, headers=world.headers("outlet")),
            "forbidden")


def test_funder_report_for_the_funder_itself_and_the_auditor(client: TestClient[Litestar],
                                                             world: World) -> None:
    """The funder and the auditor get the report; a producer is refused by the table."""
    url = f"/api/exports/funder-report/{world.funder}"
    assert workbook_rows(client.get(url, params={**PERIOD, "format": "xlsx"},
                                    headers=world.headers("funder"))) > 1
    assert csv_text(client.get(url, params={**PERIOD, "format": "csv"},
                               headers=world.headers("auditor")))
    refused(client.get(url, params={**PERIOD, "format": "xlsx"},
                       headers=world.headers("producer")), ROLE_NOT_ALLOWED)


@pytest.mark.parametrize(("path", "params", "status"), [
    ("/api/exports/trace/NO-SUCH-LOT", CSV, 404),
    ("/api/exports/trace/{lot}", {}, 400),
    ("/api/exports/trace/{lot}", {"format": "ods"}, 400),
    ("/api/exports/trace/{lot}", {**CSV, "lang": "de"}, 400),
    ("/api/exports/epcis", {"lot": "NO-SUCH-LOT"}, 404),
    ("/api/exports/epcis", {"from": "yesterday"}, 400),
    ("/api/exports/epcis", {"from": "2026-02-01", "to": "2026-01-01"}, 422),
    ("/api/exports/epcis", {"lot": "X", "from": "2026-01-01"}, 422),
    ("/api/exports/register/{outlet}", {**CSV, "from": "2026-13-01", "to": "2026-12-31"}, 400),
    ("/api/exports/register/{outlet}", {**CSV, "from": "2026-02-01", "to": "2026-01-01"}, 422),
    ("/api/exports/register/{outlet}", {**CSV, "from": "2026-01-01", "to": "9999-12-31"}, 422),
    ("/api/exports/register/Nobody", {**PERIOD, **CSV}, 404),
    ("/api/exports/funder-report/{outlet}", {**PERIOD, **CSV}, 404),
    ("/api/exports/funder-report/{funder}", {**PERIOD, "format": "ods"}, 400),
    ("/api/exports/funder-report/{funder}", {**CSV, "from": "2026-01-01"}, 400),
])
def test_bad_input_answers_4xx_in_the_error_shape(client: TestClient[Litestar], world: World,
                                                  path: str, params: dict[str, str],
                                                  status: int) -> None:
    """Unknown lots and members, bad dates and unknown formats: 4xx, never 500 (400 when a
    parameter breaks the document, 422 when well-formed ones are refused together)."""
    url = path.format(lot=world.lot, outlet=world.outlet, funder=world.funder)
    bad(client.get(url, params=params, headers=world.headers("coordinator")), status)


PDF = "application/pdf"


def pdf_bytes(response: httpx.Response) -> bytes:
    """The bytes of a PDF attachment."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PDF
    assert download_names(response)[1].endswith(".pdf")
    assert response.content.startswith(b"%PDF")
    return response.content


def test_casf_register_for_the_organisation_itself(client: TestClient[Litestar],
                                                   world: World) -> None:
    """The platform gets its register as PDF and CSV; another outlet may not read it; a
    producer is refused by the table."""
    url = f"/api/exports/casf-register/{world.platform}"
    pdf_bytes(client.get(url, params={**PERIOD, "format": "pdf"},
                         headers=world.headers("platform")))
    text = csv_text(client.get(url, params={**PERIOD, **CSV, "table": "summary"},
                               headers=world.headers("auditor")))
    assert text.startswith("Étape;Mouvement;Sens;Lignes")
    refused(client.get(url, params={**PERIOD, **CSV}, headers=world.headers("outlet")),
            "forbidden")
    refused(client.get(url, params={**PERIOD, **CSV}, headers=world.headers("producer")),
            ROLE_NOT_ALLOWED)
    bad(client.get(url, params={**PERIOD, **CSV, "table": "nothing"},
                   headers=world.headers("platform")), 422)


def test_donation_attestation_and_activity(client: TestClient[Litestar], world: World) -> None:
    """A producer gets its own (empty) attestation; a funder the network's activity; an
    outlet must name a programme it serves; the household is refused."""
    pdf_bytes(client.get(f"/api/exports/donation-attestation/{world.producer}",
                         params={"year": 2026}, headers=world.headers("producer")))
    refused(client.get(f"/api/exports/donation-attestation/{world.producer}",
                       params={"year": 2026}, headers=world.headers("household")),
            ROLE_NOT_ALLOWED)
    text = csv_text(client.get("/api/exports/activity", params={"year": 2026, **CSV},
                               headers=world.headers("funder")))
    assert text.startswith("Programme;Jardin;Paniers préparés")
    refused(client.get("/api/exports/activity", params={"year": 2026, **CSV},
                       headers=world.headers("outlet")), "forbidden")
    bad(client.get("/api/exports/activity", params={"year": 1999, **CSV},
                   headers=world.headers("funder")), 400)


def test_funder_report_as_pdf_and_one_csv_table(client: TestClient[Litestar],
                                                world: World) -> None:
    """The PDF is a document; ``table=operations`` is the operations alone."""
    url = f"/api/exports/funder-report/{world.funder}"
    pdf_bytes(client.get(url, params={**PERIOD, "format": "pdf"},
                         headers=world.headers("funder")))
    text = csv_text(client.get(url, params={**PERIOD, **CSV, "table": "operations"},
                               headers=world.headers("funder")))
    assert text.startswith("Date (heure de Paris);Opération;Référence")


def test_recall_impact_says_what_money_is_at_stake(client: TestClient[Litestar],
                                                   world: World) -> None:
    """No price grid in this world: the money section is there, and empty."""
    body = client.get(f"/api/lots/{world.lot}/recall-impact",
                      headers=world.headers("platform")).json()
    assert body["money"]["transfers"] == []
    assert body["money"]["totals"]["posted_cents"] == 0
    assert body["in_transit"]


def test_downloads_are_named_in_french_with_their_accents(client: TestClient[Litestar],
                                                          world: World) -> None:
    """Each export is saved under a French name: the accented one (``filename*``) and its
    ASCII spelling (``filename``) for clients that know only that."""
    day = {"from": "2026-01-01", "to": "2026-01-31"}
    coordinator = world.headers("coordinator")
    named = {
        f"/api/exports/register/{world.outlet}": (
            {**day, "format": "xlsx"},
            "registre-Épicerie-solidaire-2026-01-01-2026-01-31.xlsx"),
        f"/api/exports/casf-register/{world.outlet}": (
            {**day, "format": "pdf"},
            "registre-casf-Épicerie-solidaire-2026-01-01-2026-01-31.pdf"),
        f"/api/exports/funder-report/{world.funder}": (
            {**day, "format": "csv"}, "rapport-financeur-Fondation-2026-01-01-2026-01-31.csv"),
        f"/api/exports/donation-attestation/{world.producer}": (
            {"year": 2026}, "attestation-dons-Jardin-de-Chalon-2026.pdf"),
        "/api/exports/activity": ({"year": 2026, "format": "csv"}, None),
        "/api/exports/epcis": ({"from": "2026-01-01"}, "epcis-2026-01-01-maintenant.jsonld"),
    }
    for url, (params, expected) in named.items():
        response = client.get(url, params=params, headers=coordinator)
        assert response.status_code == 200, response.text
        ascii_name, name = download_names(response)
        if expected is not None:
            assert name == expected
        else:
            assert name.startswith("activité-"), name
            assert name.endswith("-2026.csv"), name
        assert ascii_name == name.replace("É", "E").replace("é", "e"), ascii_name
    trace = client.get(f"/api/exports/trace/{world.lot}", params={"format": "xlsx"},
                       headers=coordinator)
    ascii_name, name = download_names(trace)
    assert re.fullmatch(r"traçabilité-L[A-Z0-9-]+\.xlsx", name), name
    assert ascii_name == name.replace("ç", "c").replace("é", "e")

