"""The policy table: every route has an entry, and every role is allowed or refused by it.

Each route is called by a member of each role. Where the table allows the role, the request
gets past the policy (the ledger or the query may still refuse it on its merits); where it
does not, the answer is 403 ``role_not_allowed`` and nothing is written.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.testing import TestClient

from domain.base import Role
from infra.api.access import ROLE_NOT_ALLOWED, route_name
from infra.api.app import ledger_handlers
from infra.api.policy import POLICY, Scope
from tests.e2e.api.conftest import World, head, new_id
from tests.e2e.api.samples import command_body

ROLE_MEMBERS = ("coordinator", "platform", "producer", "outlet", "funder", "household",
                "auditor")


def handlers(app: Litestar) -> list[tuple[str, str, HTTPRouteHandler]]:
    """(path, method, handler) of every route but Litestar's automatic OPTIONS."""
    found = []
    for route in app.routes:
        for handler in route.route_handlers:
            if not isinstance(handler, HTTPRouteHandler):
                continue
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                found.append((route.path, method, handler))
    return found


def test_every_route_has_a_policy_entry(client: TestClient[Litestar]) -> None:
    """A route missing from the policy table fails here (and refuses everyone at run time)."""
    missing = [f"{method} {path}" for path, method, handler in handlers(client.app)
               if route_name(handler) not in POLICY]
    assert missing == []


def test_every_policy_entry_names_a_route(client: TestClient[Litestar]) -> None:
    """No stale entries: each name in the table is a route of the app."""
    names = {route_name(handler) for _, _, handler in handlers(client.app)}
    assert sorted(set(POLICY) - names) == []


def test_the_auditor_writes_nothing_anywhere() -> None:
    """No entry that writes lists the auditor role."""
    assert [name for name, access in POLICY.items()
            if access.writes and Role.AUDITOR in access.roles] == []


def test_only_health_metrics_docs_dashboard_files_and_the_public_key_are_public() -> None:
    """Every data route needs a token (the work pages' sign-in and sign-out forms, manifest
    and service worker carry no data; the checkpoint public key is public by nature)."""
    public = sorted(name for name, access in POLICY.items() if access.public)
    assert public == ["api_schema", "checkpoint_public_key", "dashboard_assets",
                      "dashboard_index", "dashboard_redirect", "livez", "metrics",
                      "pages_home", "pages_manifest", "pages_sign_in", "pages_sign_out",
                      "pages_worker", "readyz"]


def test_every_command_route_is_in_the_table_as_a_write(client: TestClient[Litestar]) -> None:
    """Each command the ledger handles has a route whose entry writes."""
    app: Any = client.app
    names = [name for name in ledger_handlers(app.state.services.ledger).values()
             if name != "found_cooperative"]
    assert [name for name in names if not POLICY[name].writes] == []


def _request(world: World, path: str, handler: HTTPRouteHandler,
             command_types: dict[str, type[Any]]) -> tuple[str, dict[str, Any] | None]:
    name = route_name(handler)
    url = (path.replace("{lot:str}", str(world.lot))
           .replace("{stream_id:uuid}", str(world.lot))
           .replace("{proposal_id:uuid}", str(uuid4()))
           .replace("{delivery_id:uuid}", str(uuid4()))
           .replace("{site_id:uuid}", str(uuid4()))
           .replace("{gtin:str}", "3769999000015")
           .replace("{household_id:uuid}", str(uuid4())))
    body = command_body(command_types[name]) if name in command_types else None
    return url, body


@pytest.mark.parametrize("who", ROLE_MEMBERS)
def test_each_role_is_allowed_or_refused_as_the_table_says(client: TestClient[Litestar],
                                                           world: World, who: str) -> None:
    """Allowed roles pass the policy; refused roles get 403 role_not_allowed, nothing written."""
    app: Any = client.app
    ledger = app.state.services.ledger
    member = ledger.repository.get(getattr(world, who))
    command_types = {name: command_type
                     for command_type, name in ledger_handlers(ledger).items()}
    checked = 0
    for path, method, handler in handlers(client.app):
        name = route_name(handler)
        access = POLICY[name]
        if access.public or (name == "live_events" and Role.AUDITOR in member.roles):
            continue
        allowed = any(role in access.roles for role in member.roles)
        if name == "live_events" and allowed:
            continue  # A stream that stays open: see test_live.py.
        url, body = _request(world, path, handler, command_types)
        before = head(client)
        response = client.request(method, url, json=body,
                                   headers=world.headers(who, new_id(f"matrix-{name}")))
        content_type = response.headers.get("content-type", "")
        # The history export is JSON Lines (x-ndjson): one document per line, not one.
        is_json = "json" in content_type and "ndjson" not in content_type
        answer = response.json() if response.content and is_json else {}
        answer = answer if isinstance(answer, dict) else {}
        label = f"{who} {method} {url} -> {response.status_code} {answer}"
        assert response.status_code < 500, label
        if allowed:
            assert response.status_code != 401, label
            assert answer.get("code") != ROLE_NOT_ALLOWED, label
        else:
            assert response.status_code == 403, label
            assert answer["code"] == ROLE_NOT_ALLOWED, label
            assert head(client) == before, label
        checked += 1
    assert checked > 40


def test_no_token_is_refused_everywhere_but_public_routes(client: TestClient[Litestar],
                                                          world: World) -> None:
    """Without a token every data route answers 401 in the error shape."""
    client.cookies.clear()
    app: Any = client.app
    command_types = {name: command_type for command_type, name
                     in ledger_handlers(app.state.services.ledger).items()}
    for path, method, handler in handlers(client.app):
        if POLICY[route_name(handler)].public:
            continue
        url, body = _request(world, path, handler, command_types)
        response = client.request(method, url, json=body)
        assert response.status_code == 401, url
        assert response.json()["code"] == "unauthenticated"
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_an_unknown_or_revoked_token_is_refused(client: TestClient[Litestar],
                                                world: World) -> None:
    """A made-up token and a revoked one both answer 401."""
    app: Any = client.app
    tokens = app.state.services.tokens
    token_id, token = tokens.create(world.funder, label="to revoke")
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert tokens.revoke(token_id)
    for bearer in (token, "coc_" + "A" * 43, "not-a-token"):
        response = client.get("/api/me", headers={"Authorization": f"Bearer {bearer}"})
        assert response.status_code == 401


def test_scopes_of_multi_role_members_take_the_widest(world: World) -> None:
    """A member holding several roles gets the widest scope any of them gives."""
    from infra.api.access import Caller  # noqa: PLC0415 - the unit under test.

    caller = Caller(member_id=world.producer, roles=frozenset({Role.PRODUCER, Role.AUDITOR}),
                    kind="producer")
    assert caller.scope_for(POLICY["get_stock"]) == Scope.ALL
    only_producer = Caller(member_id=world.producer, roles=frozenset({Role.PRODUCER}),
                           kind="producer")
    assert only_producer.scope_for(POLICY["get_stock"]) == Scope.OWN
    assert only_producer.scope_for(POLICY["stream_history"]) is None
