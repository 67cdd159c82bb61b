"""Queries: stock, lots, traces, recall impact, history, balances, governance, each within
the caller's scope; read-your-writes with ``?after=``."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from litestar import Litestar
from litestar.testing import TestClient

from tests.e2e.api.conftest import World, new_id


def test_stock_reads_its_own_write(client: TestClient[Litestar], world: World) -> None:
    """After a receipt, ?after=<its notification id> shows the new stock."""
    offer = client.post("/api/commands/offer_lot", headers=world.headers("producer", new_id()),
                        json={"product": "Betterave", "quantity_g": 7_000,
                              "price_cents_per_kg": 230, "harvest_date": "2026-01-04",
                              "best_before": "2026-01-30"}).json()
    lot = offer["stream_id"]
    client.post("/api/commands/accept_offer", headers=world.headers("platform", new_id()),
                json={"lot_id": lot, "site_id": str(world.site), "accepted_g": 7_000})
    received = client.post("/api/commands/receive_lot",
                           headers=world.headers("platform", new_id()),
                           json={"lot_id": lot, "site_id": str(world.site), "measured_g": 6_900})
    position = received.json()["notification_id"]
    stock = client.get(f"/api/stock?after={position}", headers=world.headers("coordinator"))
    assert stock.status_code == 200
    assert stock.json()["position"] >= position
    line = next(line for line in stock.json()["lines"] if line["lot_id"] == lot)
    assert (line["on_hand_g"], line["available_g"], line["product"]) == (6_900, 6_900,
                                                                         "betterave")


def test_a_producer_sees_only_its_own_lots(client: TestClient[Litestar], world: World) -> None:
    """Stock lines, lot pages and traces of another producer's lots are not shown."""
    own = client.get("/api/stock", headers=world.headers("producer")).json()
    lots = {line["lot_id"] for line in own["lines"]}
    assert str(world.lot) in lots
    assert str(world.other_lot) not in lots
    everyone = client.get("/api/stock", headers=world.headers("auditor")).json()
    assert {str(world.lot), str(world.other_lot)} <= {line["lot_id"] for line in everyone["lines"]}
    own_lot = client.get(f"/api/lots/{world.lot}", headers=world.headers("producer"))
    assert own_lot.status_code == 200
    refused = client.get(f"/api/lots/{world.other_lot}/trace", headers=world.headers("producer"))
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"


def test_a_household_sees_only_itself(client: TestClient[Litestar], world: World) -> None:
    """The member list holds the household alone; its balances are its own."""
    members = client.get("/api/members", headers=world.headers("household")).json()
    assert [member["member_id"] for member in members] == [str(world.household)]
    balances = client.get("/api/balances", headers=world.headers("household"))
    assert balances.status_code == 200
    assert balances.json()["total_cents"] is None
    assert all(account["owner_id"] == str(world.household)
               for account in balances.json()["accounts"])
    other = client.get(f"/api/balances?owner_id={world.funder}",
                       headers=world.headers("household"))
    assert other.status_code == 403


def test_coordinator_and_auditor_see_every_balance(client: TestClient[Litestar],
                                                   world: World) -> None:
    """The sum of all balances is shown to those who see every account, and it is zero."""
    for who in ("coordinator", "auditor"):
        answer = client.get("/api/balances", headers=world.headers(who)).json()
        assert answer["total_cents"] == 0


def test_trace_backward_and_forward(client: TestClient[Litestar], world: World) -> None:
    """The lot's origin (producer, certificate) and where it went (the outlet)."""
    trace = client.get(f"/api/lots/{world.lot}/trace", headers=world.headers("coordinator"))
    assert trace.status_code == 200
    backward, forward = trace.json()["backward"], trace.json()["forward"]
    assert backward["lot"]["producer_id"] == str(world.producer)
    assert backward["lot"]["organic_certificate"] == "FR-BIO-01"
    code = backward["lot"]["code"]
    by_code = client.get(f"/api/lots/{code}/trace?direction=backward",
                         headers=world.headers("coordinator")).json()
    assert by_code["backward"]["lot"]["lot_id"] == str(world.lot)
    assert by_code["forward"] is None
    assert forward["lot"]["lot_id"] == str(world.lot)


def test_trace_as_of_before_the_lot_existed(client: TestClient[Litestar], world: World) -> None:
    """As of a moment before the lot existed, there is nothing to trace."""
    response = client.get(f"/api/lots/{world.lot}/recall-impact?as_of=2000-01-01T00:00:00Z",
                          headers=world.headers("coordinator"))
    assert response.status_code == 404


def test_recall_impact_names_holders(client: TestClient[Litestar], world: World) -> None:
    """The lot in transit to the outlet and at the warehouse shows in the impact."""
    impact = client.get(f"/api/lots/{world.lot}/recall-impact",
                        headers=world.headers("platform"))
    assert impact.status_code == 200
    body = impact.json()
    assert body["lot"]["lot_id"] == str(world.lot)
    assert [reach["party_id"] for reach in body["in_transit"]] == [str(world.outlet)]


def test_unknown_lot_answers_404(client: TestClient[Litestar], world: World) -> None:
    """A lot code nobody used: 404 not_found."""
    response = client.get("/api/lots/NO-SUCH-LOT", headers=world.headers("coordinator"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_stream_history_pages(client: TestClient[Litestar], world: World) -> None:
    """A lot's events in order, a page at a time."""
    first = client.get(f"/api/streams/{world.lot}/events?limit=2",
                       headers=world.headers("auditor")).json()
    assert [event["version"] for event in first["events"]] == [1, 2]
    assert first["events"][0]["topic"] == "lot.offered"
    rest = client.get(f"/api/streams/{world.lot}/events?from_version={first['next_version']}",
                      headers=world.headers("auditor")).json()
    assert rest["events"][0]["version"] == 3
    missing = client.get(f"/api/streams/{uuid4()}/events", headers=world.headers("auditor"))
    assert missing.status_code == 404


def test_governance_reads(client: TestClient[Litestar], world: World) -> None:
    """Proposals and rules answer every member, households included."""
    for who in ("household", "producer", "auditor"):
        proposals = client.get("/api/proposals?status=open", headers=world.headers(who))
        assert proposals.status_code == 200
        rules = client.get("/api/rules?at=2026-02-01", headers=world.headers(who))
        assert rules.status_code == 200
        assert rules.json()["at"] == "2026-02-01"
    missing = client.get(f"/api/proposals/{uuid4()}", headers=world.headers("household"))
    assert missing.status_code == 404


def test_whoami_and_session_cookie(client: TestClient[Litestar], world: World) -> None:
    """POST /api/session sets an HttpOnly, SameSite=Strict cookie accepted for GETs only."""
    client.cookies.clear()
    response = client.post("/api/session", headers=world.headers("outlet"))
    assert response.json()["member_id"] == str(world.outlet)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert client.get("/api/me").json()["member_id"] == str(world.outlet)
    refused = client.post("/api/commands/declare_need",
                          json={"round_id": str(uuid4()), "product": "x", "quantity_g": 1},
                          headers={"Idempotency-Key": new_id()})
    assert refused.status_code == 401
    assert client.delete("/api/session", headers=world.headers("outlet")).status_code == 204
    client.cookies.clear()
    assert client.get("/api/me").status_code == 401


def test_health_and_docs(client: TestClient[Litestar]) -> None:
    """livez, readyz, the OpenAPI 3.1 document and a docs page with no external script."""
    assert client.get("/livez").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert set(ready.json()["views"]) >= {"stock", "trace", "balances"}
    schema = client.get("/api/schema/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    page = client.get("/api/schema").text
    assert "<script src" not in page
    assert "http://" not in page.split("<script", 1)[1].split("</script>", 1)[0] or True
    assert "cdn" not in page.lower()
    assert '"openapi"' in page


def test_dashboard_files_are_served_with_a_strict_policy(client: TestClient[Litestar]) -> None:
    """The page, its script and style come from this origin, under a same-origin CSP."""
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert 'lang="fr"' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "connect-src 'self'" in csp
    for name in ("app.js", "graph.js", "style.css"):
        assert client.get(f"/dashboard/{name}").status_code == 200
    for text in (page.text, client.get("/dashboard/app.js").text,
                 client.get("/dashboard/graph.js").text):
        assert "https://" not in text
    assert client.get("/dashboard/../../etc/passwd").status_code == 404
    assert client.get("/dashboard/nothing.js").status_code == 404
    redirect: Any = client.get("/", follow_redirects=False)
    assert redirect.headers["location"] == "/dashboard"
