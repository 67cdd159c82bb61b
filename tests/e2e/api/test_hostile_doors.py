"""Hostile input at the API's doors other than command bodies: query and path parameters,
moments, control characters, repeated parameters, methods (an adversarial audit).

Each refusal answers 4xx in the one error shape, never 500, and writes nothing (the store's
last notification id does not move). The store-backed checks run on SQLite and PostgreSQL
(``client``); the method checks on a real uvicorn server (``live_server``).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.e2e.api.conftest import LiveServer, World, head, new_id

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}
OFFER = {"product": "carotte", "quantity_g": 1_000, "price_cents_per_kg": 180,
         "harvest_date": "2026-01-04", "best_before": "2026-01-20",
         "organic_certificate": "FR-BIO-01"}


def as_of_routes(world: World) -> list[str]:
    """Every route taking ``as_of``."""
    lot = world.lot
    return ["/api/stock", f"/api/lots/{lot}", f"/api/lots/{lot}/trace",
            f"/api/lots/{lot}/recall-impact", "/api/balances"]


def assert_refused(response: Any, status: int, code: str) -> dict[str, Any]:
    """The one error shape, with its status and code."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["message"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


# ------------------------------------------------------------------ moments


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00",
                                    "9999-12-31T23:30:00Z"])
def test_an_as_of_outside_the_calendar_is_refused_on_its_merits(client: TestClient[Litestar],
                                                                world: World,
                                                                moment: str) -> None:
    """Year 1 at +01:00, or a moment whose Paris day is in year 10000, has no answer: 422
    ``moment_outside_calendar`` naming it, on every as-of route (``/api/stock`` answered
    500: the Paris day overflowed)."""
    for route in as_of_routes(world):
        response = client.get(route, params={"as_of": moment}, headers=world.headers("auditor"))
        body = assert_refused(response, 422, "moment_outside_calendar")
        assert body["facts"] == {"moment": moment.replace("Z", "+00:00")}, (route, body)
    french = client.get("/api/stock", params={"as_of": moment},
                        headers={**world.headers("auditor"), **FRENCH})
    assert "sort du calendrier" in assert_refused(french, 422, "moment_outside_calendar")[
        "message"]


def test_an_as_of_without_offset_is_utc_on_every_route(client: TestClient[Litestar],
                                                       world: World) -> None:
    """A moment with no offset is UTC, as the document says of business time: every route
    answers it as it answers the same moment with ``Z`` (``recall-impact`` answered 500,
    comparing it with the events' aware moments)."""
    for route in as_of_routes(world):
        naive = client.get(route, params={"as_of": "2026-01-10T18:00:00"},
                           headers=world.headers("auditor"))
        aware = client.get(route, params={"as_of": "2026-01-10T18:00:00Z"},
                           headers=world.headers("auditor"))
        assert naive.status_code == 200, (route, naive.text)
        assert naive.json() == aware.json(), route


# ------------------------------------------------------------------ control characters


@pytest.mark.parametrize(("route", "params", "field"), [
    ("/api/stock", {"product": "car\x00otte"}, "product"),
    ("/api/balances", {"kind": "outlet\x00"}, "kind"),
    ("/api/exports/epcis", {"lot": "L\x1b[2J"}, "lot"),
    ("/api/lots/L260104%00ABCD", {}, "path"),
    ("/api/exports/register/Jardin%00de%20Chalon",
     {"from": "2026-01-01", "to": "2026-01-31", "format": "csv"}, "path"),
])
def test_a_control_character_in_a_parameter_is_refused(client: TestClient[Litestar],
                                                       world: World, route: str,
                                                       params: dict[str, str],
                                                       field: str) -> None:
    """A NUL (or an escape) in a query or path value: 422 naming the parameter (the API
    description allows any text: refused on its merits, not as malformed). PostgreSQL
    refuses a NUL in a text parameter, so these answered 500 there."""
    before = head(client)
    response = client.get(route, params=params, headers=world.headers("auditor"))
    body = assert_refused(response, 422, "invalid")
    assert body["reason"] == "text_control_character"
    assert "control character" in body["message"]
    assert [detail["field"] for detail in body["details"]] == [field]
    assert head(client) == before


@pytest.mark.parametrize(("field", "value"), [
    ("product", "car\x00otte"), ("variety", "nantaise\x00"),
    ("organic_certificate", "FR-BIO\x00-01"), ("product", "\x1b[31mcarotte"),
    ("command_id", "offre\x00-1"), ("correlation_id", "semaine\x07"),
])
def test_a_control_character_in_a_command_is_refused_and_writes_nothing(
        client: TestClient[Litestar], world: World, field: str, value: str) -> None:
    """A producer's offer with a NUL in its product was accepted: on PostgreSQL the stock and
    trace views then failed on that event for good (``readyz`` not ready, dashboards
    frozen for everyone). Now 422 naming the field and the character, in French on the
    pages, nothing written, the views still following the store."""
    before = head(client)
    body = {**OFFER, field: value}
    key = None if field == "command_id" else new_id("ctl")
    response = client.post("/api/commands/offer_lot", content=json.dumps(body).encode(),
                           headers={**world.headers("producer", key),
                                    "Content-Type": "application/json"})
    refusal = assert_refused(response, 422, "invalid")
    first = next(character for character in value if character < " ")
    assert refusal["facts"] == {"field": field, "character": f"U+{ord(first):04X}"}
    assert f"{field} holds a control character (U+{ord(first):04X})" in refusal["message"]
    assert [detail["field"] for detail in refusal["details"]] == [field]
    assert head(client) == before
    assert client.get("/readyz").json()["status"] == "ready"


def test_tab_and_line_breaks_stay_allowed_in_a_text(client: TestClient[Litestar],
                                                    world: World) -> None:
    """A reason on two lines is still a reason: only the other control characters are
    refused."""
    body = {**OFFER, "variety": "nantaise\tprimeur\r\nlot du matin"}
    response = client.post("/api/commands/offer_lot", json=body,
                           headers=world.headers("producer", new_id("tab")))
    assert response.status_code == 200, response.text


# ------------------------------------------------------------------ repeated parameters


@pytest.mark.parametrize(("who", "query", "field"), [
    ("auditor", "after=1&after=2", "after"),
    ("producer", "owner_id={producer}&owner_id={other_producer}", "owner_id"),
    ("auditor", "basis=business&as_of=2026-01-09T12:00:00Z&basis=recorded", "basis"),
])
def test_a_query_parameter_given_twice_is_refused(client: TestClient[Litestar], world: World,
                                                  who: str, query: str, field: str) -> None:
    """Which of two values a server keeps is a guess: the answer silently used the last
    one. Now 400 naming the parameter and how many times it came."""
    route = "/api/balances" if "owner_id" in query else "/api/stock"
    url = f"{route}?" + query.format(producer=world.producer,
                                     other_producer=world.other_producer)
    body = assert_refused(client.get(url, headers=world.headers(who)), 400, "invalid_request")
    assert body["message"] == f"the query parameter {field!r} is given 2 times: give it once"
    assert [detail["field"] for detail in body["details"]] == [field]


# ------------------------------------------------------------------ methods, on a real server


def test_options_answers_the_allowed_methods(live_server: LiveServer) -> None:
    """OPTIONS answered 403 ``route … has no policy entry: refused to everyone``; it names
    the route's methods (as the public API description does), with or without a token."""
    world = live_server.world
    for route, methods in (("/api/stock", {"GET", "OPTIONS"}),
                           ("/api/commands/offer_lot", {"POST", "OPTIONS"}),
                           (f"/api/lots/{world.lot}/trace", {"GET", "OPTIONS"})):
        for headers in ({}, world.headers("household")):
            response = httpx.request("OPTIONS", live_server.url + route, headers=headers)
            assert response.status_code == 204, (route, response.text)
            assert {method.strip() for method in response.headers["allow"].split(",")} \
                == methods


def test_a_method_not_allowed_names_the_allowed_ones(live_server: LiveServer) -> None:
    """405 in the error shape, with the ``Allow`` header HTTP requires (it was dropped)."""
    world = live_server.world
    for method, route in (("PUT", "/api/stock"), ("DELETE", "/api/commands/offer_lot"),
                          ("PATCH", f"/api/lots/{world.lot}")):
        response = httpx.request(method, live_server.url + route,
                                 headers=world.headers("auditor"))
        assert_refused(response, 405, "method_not_allowed")
        assert "OPTIONS" in response.headers["allow"], route


def test_a_text_answer_names_its_charset_once(live_server: LiveServer) -> None:
    """Pages, scripts, printouts and CSV said ``text/html; charset=utf-8; charset=utf-8``:
    a parameter named twice, which a strict client may refuse."""
    world = live_server.world
    for route in ("/dashboard", "/dashboard/app.js", "/espace", "/espace/sw.js",
                  f"/lot/{world.lot}", f"/api/lots/{world.lot}/label.html",
                  f"/api/exports/trace/{world.lot}?format=csv"):
        response = httpx.get(live_server.url + route, headers=world.headers("coordinator"))
        assert response.status_code == 200, (route, response.text[:200])
        content_type = response.headers["content-type"]
        assert content_type.startswith("text/"), route
        assert content_type.count("charset=") == 1, (route, content_type)


def test_head_answers_what_get_would_without_a_body(live_server: LiveServer) -> None:
    """HEAD answered 405 on every route, though HTTP requires it wherever GET is allowed: it
    now gives GET's status and headers and no body; the live feed (a stream) answers its
    headers and ends; a route without GET still refuses it."""
    world = live_server.world
    for route, who in (("/api/stock", "auditor"), (f"/api/lots/{world.lot}/trace", "auditor"),
                       ("/espace", "coordinator"), ("/dashboard/app.js", "coordinator"),
                       ("/api/live", "auditor")):
        got = httpx.head(live_server.url + route, headers=world.headers(who), timeout=10)
        assert got.status_code == 200, (route, got.text)
        assert got.content == b"", route
        assert got.headers["content-type"].split(";")[0] in {
            "application/json", "text/html", "text/javascript", "text/event-stream"}, route
        assert got.headers["x-request-id"]
    refused = httpx.head(live_server.url + "/api/stock", timeout=10)
    assert refused.status_code == 401
    assert httpx.head(live_server.url + "/api/commands/offer_lot",
                      headers=world.headers("producer"), timeout=10).status_code == 405
