"""Logs: one JSON line per request and per command, carrying the request id, the actor, the
command id and the correlation id, and never the personal data of a body."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from infra.logs import configure_logging
from tests.e2e.api.conftest import World, new_id

SECRET = "Madame Dupont, 12 rue des Lilas"


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """JSON log lines at info level on the captured stderr, for one test."""
    configure_logging("info", json_lines=True)
    capsys.readouterr()
    try:
        yield capsys
    finally:
        configure_logging("warning")


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    """The JSON log lines written so far."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()
            if line.startswith("{")]


def test_request_and_command_lines_carry_the_ids(client: TestClient[Litestar], world: World,
                                                 json_logs: pytest.CaptureFixture[str]) -> None:
    """The command's line and the request's line share a request id, actor and command id."""
    key = new_id("logged")
    response = client.post(
        "/api/commands/offer_lot", headers={**world.headers("producer", key),
                                            "X-Request-ID": "req-logs-1"},
        json={"product": "Navet", "quantity_g": 3_000, "price_cents_per_kg": 150,
              "harvest_date": "2026-01-04", "best_before": "2026-01-20",
              "origin": SECRET, "correlation_id": "flow-42"})
    assert response.status_code == 200
    logged = lines(json_logs)
    command = next(line for line in logged if line.get("event") == "command")
    request = next(line for line in logged if line.get("event") == "request")
    for line in (command, request):
        assert line["request_id"] == "req-logs-1"
        assert line["actor_id"] == str(world.producer)
        assert line["command_id"] == key
        assert line["correlation_id"] == "flow-42"
    assert request["route"] == "offer_lot"
    assert request["status"] == 200


def test_no_body_and_no_token_reach_the_logs(client: TestClient[Litestar], world: World,
                                             json_logs: pytest.CaptureFixture[str]) -> None:
    """Free text of a body, bearer tokens and query strings are never logged."""
    client.post("/api/commands/offer_lot", headers=world.headers("producer", new_id()),
                json={"product": "Navet", "quantity_g": 3_000, "price_cents_per_kg": 150,
                      "harvest_date": "2026-01-04", "best_before": "2026-01-20",
                      "origin": SECRET})
    client.get(f"/api/stock?product={SECRET}", headers=world.headers("coordinator"))
    client.post("/api/commands/offer_lot", headers=world.headers("funder", new_id()),
                json={"product": SECRET, "quantity_g": 1, "price_cents_per_kg": 1,
                      "harvest_date": "2026-01-04", "best_before": "2026-01-20"})
    text = json_logs.readouterr().err
    assert "request" in text
    assert SECRET not in text
    assert "Lilas" not in text
    for token in world.tokens.values():
        assert token not in text
