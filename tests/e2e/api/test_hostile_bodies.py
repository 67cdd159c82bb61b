"""Hostile and ill-typed bodies, sent to every command as every role that may send it.

Each kind of bad input (invalid UTF-8, nesting 100,000 levels deep, a key twice, NaN and
Infinity, numbers beyond 64 bits, a lone surrogate, a string where a number goes, an
integer past its bound, a string past its length, unknown fields, a body that is not an
object, more than 1 MiB) answers 4xx in the one error shape, before any handler runs, and
writes nothing: the store's last notification id is the same before and after. Each kind
first goes into a body that the edge accepts as it is (the fields' documented examples), so
the refusal is the bad input's doing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from msgspec import inspect as mi

from domain.base import Role
from infra.api.bodies import JSON_DEPTH_MAX, REQUEST_BODY_BYTES_MAX, decode_command_body
from infra.api.commands import body_struct
from infra.api.policy import POLICY
from tests.e2e.api.conftest import World, head, new_id
from tests.e2e.api.samples import command_body

TOKEN_FOR_ROLE = {Role.COORDINATOR: "coordinator", Role.PRODUCER: "producer",
                  Role.PLATFORM: "platform", Role.OUTLET: "outlet", Role.FUNDER: "funder",
                  Role.HOUSEHOLD: "household", Role.VOTER: "producer"}
"""A test member holding each role (every member kind but the auditor's is a voter)."""

Body = dict[str, Any]


def command_types(client: TestClient[Litestar]) -> dict[str, type[msgspec.Struct]]:
    """Every command with a route, by name."""
    app: Any = client.app
    return {name: command_type
            for command_type, name in app.state.services.ledger.command_types().items()
            if "actor_id" in command_type.__struct_fields__ and name in POLICY}


def spliced(body: Body, fragment: bytes) -> bytes:
    """The body's JSON with ``"pad": <fragment>`` added as its first member."""
    rest = json.dumps(body).encode()[1:]
    return b'{"pad": ' + fragment + (b", " + rest if rest != b"}" else b"}")


def with_first_value(body: Body, literal: bytes) -> bytes:
    """The body's JSON with its first field's value replaced by a raw literal."""
    if not body:
        return spliced(body, literal)
    first = next(iter(body))
    rest = {key: value for key, value in body.items() if key != first}
    tail = json.dumps(rest).encode()[1:]
    return b'{"' + first.encode() + b'": ' + literal + (b", " + tail if tail != b"}" else b"}")


def field_paths(info: mi.Type, prefix: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...],
                                                                           mi.Type]]:
    """Every (path, type) of a struct's fields and of its lists' first items."""
    if isinstance(info, mi.Metadata):
        info = info.type
    found: list[tuple[tuple[Any, ...], mi.Type]] = []
    if isinstance(info, mi.StructType):
        for field in info.fields:
            if field.required:
                found.append(((*prefix, field.encode_name), field.type))
                found.extend(field_paths(field.type, (*prefix, field.encode_name)))
    elif isinstance(info, mi.ListType):
        found.extend(field_paths(info.item_type, (*prefix, 0)))
    return found


def bare(info: mi.Type) -> mi.Type:
    """A type without its description wrapper."""
    return info.type if isinstance(info, mi.Metadata) else info


def replaced(body: Body, path: tuple[Any, ...], value: Any) -> Body:
    """A deep copy of ``body`` with the value at ``path`` replaced."""
    copy: Body = json.loads(json.dumps(body))
    target: Any = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


def typed_mutation(command_type: type[msgspec.Struct], body: Body,
                   wanted: Callable[[mi.Type], Any]) -> bytes | None:
    """The body with the first field for which ``wanted(type)`` gives a value replaced by
    it, as JSON; None when no field qualifies."""
    for path, info in field_paths(mi.type_info(command_type)):
        value = wanted(bare(info))
        if value is not None and _present(body, path):
            return json.dumps(replaced(body, path, value)).encode()
    return None


def _present(body: Body, path: tuple[Any, ...]) -> bool:
    target: Any = body
    for step in path:
        try:
            target = target[step]
        except (KeyError, IndexError, TypeError):
            return False
    return True


def _number_as_string(info: mi.Type) -> Any:
    return "1000" if isinstance(info, mi.IntType) else None


def _past_the_bound(info: mi.Type) -> Any:
    return info.le + 1 if isinstance(info, mi.IntType) and info.le is not None else None


def _past_the_length(info: mi.Type) -> Any:
    if isinstance(info, mi.StrType) and info.max_length is not None and info.pattern is None:
        return "x" * (info.max_length + 1)
    return None


HOSTILE: dict[str, Callable[[type[msgspec.Struct], Body], bytes | None]] = {
    "invalid UTF-8": lambda _, body: spliced(body, b'"caf\xe9 cr\xc3\x28me"'),
    "nested 100,000 deep": lambda _, body: spliced(body, b"[" * 100_000 + b"]" * 100_000),
    "a key twice": lambda _, body: (json.dumps(body)[:-1] + ", " + json.dumps(body)[1:]).encode()
    if body else b'{"pad": 1, "pad": 2}',
    "NaN": lambda _, body: with_first_value(body, b"NaN"),
    "Infinity": lambda _, body: with_first_value(body, b"Infinity"),
    "-Infinity": lambda _, body: with_first_value(body, b"-Infinity"),
    "an integer beyond 64 bits": lambda _, body: with_first_value(body, b"9" * 30),
    "a float beyond any": lambda _, body: with_first_value(body, b"1e400"),
    "a lone surrogate": lambda _, body: with_first_value(body, b'"\\ud800"'),
    "a string for a number": lambda command, body: typed_mutation(command, body,
                                                                  _number_as_string),
    "an integer past its bound": lambda command, body: typed_mutation(command, body,
                                                                      _past_the_bound),
    "a string past its length": lambda command, body: typed_mutation(command, body,
                                                                     _past_the_length),
    "unknown fields": lambda _, body: json.dumps({**body, "colour": "red",
                                                  "size": 3}).encode(),
    "not an object": lambda _, body: json.dumps([body]).encode(),
    "more than 1 MiB": lambda _, body: spliced(body, b'"' + b"x" * REQUEST_BODY_BYTES_MAX
                                               + b'"'),
}


def assert_refused(response: Any, kind: str, where: str) -> None:
    """4xx in the one error shape: code, message, request id (as the header), details."""
    assert 400 <= response.status_code < 500, f"{kind} to {where}: {response.status_code} " \
                                              f"{response.text[:300]}"
    body = response.json()
    assert {"code", "message", "request_id", "details"} <= set(body), body
    assert body["code"] in {"invalid_request", "too_large"}, (kind, where, body)
    assert body["message"]
    assert body["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_each_bad_input_is_refused_for_every_command_and_role_with_nothing_written(
        client: TestClient[Litestar], world: World, kind: str) -> None:
    """One kind of bad input, to every command as each role that may send it: 4xx in the
    one shape, and the store's last notification id does not move."""
    before = head(client)
    sent = 0
    for name, command_type in sorted(command_types(client).items()):
        body = command_body(command_type)
        decode_command_body(json.dumps(body).encode(), body_struct(command_type))  # accepted
        raw = HOSTILE[kind](command_type, body)
        if raw is None:
            continue  # This command has no field of that type.
        for role in POLICY[name].roles:
            response = client.post(
                f"/api/commands/{name}", content=raw,
                headers={**world.headers(TOKEN_FOR_ROLE[role], new_id(name)),
                         "Content-Type": "application/json"})
            assert_refused(response, kind, f"{name} as {role}")
            sent += 1
    assert sent > 0
    assert head(client) == before


def test_each_refusal_says_what_is_wrong(client: TestClient[Litestar], world: World) -> None:
    """The messages name the byte, the depth limit, the key, the constant, the field."""
    headers = {**world.headers("producer"), "Content-Type": "application/json"}
    offer = command_body(command_types(client)["offer_lot"])

    def message(raw: bytes) -> str:
        response = client.post("/api/commands/offer_lot", content=raw,
                               headers={**headers, "Idempotency-Key": new_id("msg")})
        assert response.status_code == 400, response.text
        text: str = response.json()["message"]
        return text

    assert "not valid UTF-8: byte" in message(spliced(offer, b'"\xff"'))
    assert f"more than {JSON_DEPTH_MAX} levels" in message(
        spliced(offer, b"[" * (JSON_DEPTH_MAX + 1) + b"]" * (JSON_DEPTH_MAX + 1)))
    assert "'product' appears twice" in message(
        b'{"product": "poireau", "product": "carotte"}')
    assert "NaN is not a JSON number" in message(with_first_value(offer, b"NaN"))
    assert "does not fit in 64 bits" in message(with_first_value(offer, b"9" * 30))
    assert "lone UTF-16 surrogate" in message(with_first_value(offer, b'"\\ud800"'))
    assert "quantity_g: Expected `int`, got `str`" in message(
        json.dumps({**offer, "quantity_g": "1000"}).encode())
    assert "quantity_g: Expected `int` <= 50000000" in message(
        json.dumps({**offer, "quantity_g": 50_000_001}).encode())
    response = client.post("/api/commands/offer_lot",
                           content=json.dumps({**offer, "colour": "red", "size": 3}).encode(),
                           headers={**headers, "Idempotency-Key": new_id("msg")})
    assert response.json()["message"] == "unknown fields: colour, size"
    assert [detail["field"] for detail in response.json()["details"]] == ["colour", "size"]


def test_unknown_fields_are_named_at_any_depth(client: TestClient[Litestar],
                                               world: World) -> None:
    """A delivery's stop and line with stray keys: each named with its path."""
    plan = command_body(command_types(client)["plan_delivery"])
    plan["stops"][0]["truck"] = "B"
    plan["stops"][0]["lines"][0]["crate"] = 3
    response = client.post("/api/commands/plan_delivery", content=json.dumps(plan).encode(),
                           headers={**world.headers("platform", new_id("deep")),
                                    "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["message"] == "unknown fields: stops[0].truck, stops[0].lines[0].crate"


def test_a_number_is_what_json_says_it_is(client: TestClient[Litestar], world: World) -> None:
    """1.2e5 and 120000.0 are the integer 120000, as the document's schema reads them; a
    fraction is refused, and so is a string of digits."""
    offer = command_body(command_types(client)["offer_lot"])
    headers = {**world.headers("producer"), "Content-Type": "application/json"}
    for literal in (b"1.2e5", b"120000.0"):
        raw = json.dumps({**offer, "quantity_g": 0}).encode().replace(
            b'"quantity_g": 0', b'"quantity_g": ' + literal)
        response = client.post("/api/commands/offer_lot", content=raw,
                               headers={**headers, "Idempotency-Key": new_id("num")})
        assert response.status_code == 200, response.text
    for value in (120000.5, "120000"):
        response = client.post("/api/commands/offer_lot",
                               content=json.dumps({**offer, "quantity_g": value}).encode(),
                               headers={**headers, "Idempotency-Key": new_id("num")})
        assert response.status_code == 400, response.text


def test_a_moment_with_no_utc_time_is_refused_on_its_merits(client: TestClient[Litestar],
                                                            world: World) -> None:
    """Year 1 at +01:00 is a valid RFC 3339 date-time, so not malformed: 422 with its own
    code, where it answered 500 (the stored timestamp overflowed)."""
    offer = command_body(command_types(client)["offer_lot"])
    before = head(client)
    for moment in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"):
        response = client.post("/api/commands/offer_lot",
                               content=json.dumps({**offer, "occurred_at": moment}).encode(),
                               headers={**world.headers("producer", new_id("cal")),
                                        "Content-Type": "application/json"})
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "moment_outside_calendar"
    assert head(client) == before


def test_business_time_is_held_to_its_bounds_over_http(client: TestClient[Litestar],
                                                       world: World) -> None:
    """A producer's offer dated a month back, or next year: 422 with the rule's code and the
    dates; the same offer dated yesterday is late entry, accepted."""
    offer = {**command_body(command_types(client)["offer_lot"]),
             "harvest_date": "2026-01-04", "best_before": "2026-01-18"}
    before = head(client)
    for moment, code in (("2025-12-10T09:00:00Z", "occurred_at_backdated_too_far"),
                         ("2027-01-10T09:00:00Z", "occurred_at_in_future")):
        response = client.post("/api/commands/offer_lot",
                               content=json.dumps({**offer, "occurred_at": moment}).encode(),
                               headers={**world.headers("producer", new_id("time")),
                                        "Content-Type": "application/json"})
        assert response.status_code == 422, response.text
        assert response.json()["code"] == code
        assert moment.replace(":00Z", "Z")[:16] in response.json()["message"]
    assert head(client) == before
    accepted = client.post("/api/commands/offer_lot",
                           content=json.dumps({**offer,
                                               "occurred_at": "2026-01-09T09:00:00Z"}).encode(),
                           headers={**world.headers("producer", new_id("time")),
                                    "Content-Type": "application/json"})
    assert accepted.status_code == 200, accepted.text
