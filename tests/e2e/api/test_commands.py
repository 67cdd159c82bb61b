"""Commands over HTTP: idempotent replays, the actor from the token, one error shape.

A command with an ``Idempotency-Key`` (or ``command_id``) takes effect once: sending it again
answers the same result and writes nothing. A refused command answers 4xx and writes nothing,
and bad input never answers 500.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from tests.e2e.api.conftest import World, head, new_id

OFFER = {"product": "Poireau", "quantity_g": 12_000, "price_cents_per_kg": 260,
         "harvest_date": "2026-01-04", "best_before": "2026-01-18"}
RESULT_FIELDS = ("command_id", "command_type", "stream_id", "stream_ids", "events_written")


def assert_error_shape(response: Any, status: int, code: str) -> None:
    """The one error shape: code, message, request id."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    assert body["message"]
    assert body["request_id"] == response.headers["x-request-id"]


def test_same_key_same_answer_effect_once(client: TestClient[Litestar], world: World) -> None:
    """A replayed command answers the same result and writes nothing more."""
    key = new_id("offer")
    first = client.post("/api/commands/offer_lot", json=OFFER,
                        headers=world.headers("producer", key))
    assert first.status_code == 200, first.text
    after_first = head(client)
    second = client.post("/api/commands/offer_lot", json=OFFER,
                         headers=world.headers("producer", key))
    assert second.status_code == 200
    assert head(client) == after_first
    assert {name: second.json()[name] for name in RESULT_FIELDS} == {
        name: first.json()[name] for name in RESULT_FIELDS}
    assert first.json()["replayed"] is False
    assert second.json()["replayed"] is True
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers


def test_command_id_in_the_body_works_like_the_header(client: TestClient[Litestar],
                                                      world: World) -> None:
    """The id may come as the body's command_id; replaying it replays."""
    body = {**OFFER, "command_id": new_id("body")}
    first = client.post("/api/commands/offer_lot", json=body, headers=world.headers("producer"))
    second = client.post("/api/commands/offer_lot", json=body, headers=world.headers("producer"))
    assert first.status_code == second.status_code == 200
    assert second.json()["replayed"] is True
    assert second.json()["stream_id"] == first.json()["stream_id"]


def test_same_key_with_another_command_is_refused(client: TestClient[Litestar],
                                                  world: World) -> None:
    """Reusing an id for a different command answers 409 and writes nothing."""
    key = new_id("reuse")
    assert client.post("/api/commands/offer_lot", json=OFFER,
                       headers=world.headers("producer", key)).status_code == 200
    before = head(client)
    response = client.post("/api/commands/offer_lot", json={**OFFER, "quantity_g": 1},
                           headers=world.headers("producer", key))
    assert_error_shape(response, 409, "command_id_reused")
    assert head(client) == before


def test_a_command_without_an_id_is_refused(client: TestClient[Litestar], world: World) -> None:
    """No Idempotency-Key and no command_id: 400, nothing written."""
    before = head(client)
    response = client.post("/api/commands/offer_lot", json=OFFER,
                           headers=world.headers("producer"))
    assert_error_shape(response, 400, "invalid_request")
    assert head(client) == before


def test_header_and_body_ids_must_agree(client: TestClient[Litestar], world: World) -> None:
    """Two different ids for one command: 400."""
    response = client.post("/api/commands/offer_lot", json={**OFFER, "command_id": "one"},
                           headers=world.headers("producer", "two"))
    assert_error_shape(response, 400, "invalid_request")


def test_an_overlong_idempotency_key_is_refused(client: TestClient[Litestar],
                                                world: World) -> None:
    """Keys longer than 128 characters: 400."""
    response = client.post("/api/commands/offer_lot", json=OFFER,
                           headers=world.headers("producer", "k" * 129))
    assert_error_shape(response, 400, "invalid_request")


def test_the_actor_is_the_token_member(client: TestClient[Litestar], world: World) -> None:
    """A body naming another actor is refused; naming oneself is accepted."""
    before = head(client)
    response = client.post("/api/commands/offer_lot",
                           json={**OFFER, "actor_id": str(world.other_producer)},
                           headers=world.headers("producer", new_id("other")))
    assert_error_shape(response, 403, "actor_mismatch")
    assert head(client) == before
    own = client.post("/api/commands/offer_lot", json={**OFFER, "actor_id": str(world.producer)},
                      headers=world.headers("producer", new_id("self")))
    assert own.status_code == 200, own.text


def test_an_outlet_signs_only_its_own_stop(client: TestClient[Litestar], world: World) -> None:
    """Another outlet receiving the first outlet's delivery is refused, nothing written."""
    receipt = {"delivery_id": str(world.delivery),
               "lines": [{"lot_id": str(world.lot), "received_g": 20_000}], "signer": "Marie"}
    before = head(client)
    response = client.post("/api/commands/receive_delivery", json=receipt,
                           headers=world.headers("other_outlet", new_id("steal")))
    assert 400 <= response.status_code < 500
    assert head(client) == before


def test_a_producer_recalls_only_its_own_lots(client: TestClient[Litestar],
                                              world: World) -> None:
    """The producer of the other lot may not recall this one: 403 forbidden, nothing written."""
    before = head(client)
    response = client.post("/api/commands/recall_lot",
                           json={"lot_id": str(world.lot), "reason": "Contrôle"},
                           headers=world.headers("other_producer", new_id("recall")))
    assert_error_shape(response, 403, "forbidden")
    assert head(client) == before


def test_domain_refusals_keep_their_code(client: TestClient[Litestar], world: World) -> None:
    """Reserving more than is available: 409 insufficient_stock with the numbers."""
    before = head(client)
    response = client.post("/api/commands/reserve_lot",
                           json={"lot_id": str(world.other_lot), "outlet_id": str(world.outlet),
                                 "quantity_g": 10_000_000},
                           headers=world.headers("platform", new_id("reserve")))
    assert_error_shape(response, 409, "insufficient_stock")
    assert "10000000 g" in response.json()["message"]
    assert head(client) == before


def test_unknown_streams_answer_404(client: TestClient[Litestar], world: World) -> None:
    """A command naming a missing lot: 404 not_found."""
    response = client.post("/api/commands/decline_offer",
                           json={"lot_id": "00000000-0000-4000-8000-000000000000",
                                 "reason": "plein"},
                           headers=world.headers("platform", new_id("decline")))
    assert_error_shape(response, 404, "not_found")


def test_malformed_bodies_answer_400_never_500(client: TestClient[Litestar],
                                                world: World) -> None:
    """Broken JSON, wrong types, unknown fields, out-of-range values: 400 with details."""
    headers = {**world.headers("producer", new_id("bad")), "Content-Type": "application/json"}
    before = head(client)
    for raw in (b"{", b"[]", b'"x"', b"null",
                b'{"product": 5, "quantity_g": "a"}',
                b'{"product": "x", "quantity_g": -1, "price_cents_per_kg": 1, '
                b'"harvest_date": "2026-01-01", "best_before": "2026-01-02"}',
                b'{"product": "x", "quantity_g": 1, "price_cents_per_kg": 1, '
                b'"harvest_date": "2026-13-01", "best_before": "2026-01-02"}',
                b'{"product": "x", "quantity_g": 1, "price_cents_per_kg": 1, '
                b'"harvest_date": "2026-01-01", "best_before": "2026-01-02", "colour": "red"}'):
        response = client.post("/api/commands/offer_lot", content=raw, headers=headers)
        assert_error_shape(response, 400, "invalid_request")
    detailed = client.post("/api/commands/offer_lot", content=b'{"product": 5}', headers=headers)
    assert detailed.json()["details"]
    assert head(client) == before


def test_a_too_large_body_is_refused(client: TestClient[Litestar], world: World) -> None:
    """More than 1 MiB: 413 too_large."""
    response = client.post("/api/commands/offer_lot",
                           content=b'{"product": "' + b"x" * 1_100_000 + b'"}',
                           headers={**world.headers("producer", new_id("big")),
                                    "Content-Type": "application/json"})
    assert_error_shape(response, 413, "too_large")


def test_unknown_routes_and_methods_use_the_error_shape(client: TestClient[Litestar],
                                                        world: World) -> None:
    """404 and 405 answer the same JSON shape."""
    assert_error_shape(client.get("/api/nowhere", headers=world.headers("coordinator")),
                       404, "not_found")
    assert_error_shape(client.get("/api/commands/offer_lot",
                                  headers=world.headers("producer")), 405, "method_not_allowed")


def test_a_client_request_id_is_kept(client: TestClient[Litestar], world: World) -> None:
    """A sane X-Request-ID is echoed; an odd one is replaced."""
    kept = client.get("/api/me", headers={**world.headers("funder"), "X-Request-ID": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
    replaced = client.get("/api/me", headers={**world.headers("funder"),
                                              "X-Request-ID": "bad id\twith spaces"})
    assert replaced.headers["x-request-id"] != "bad id\twith spaces"
