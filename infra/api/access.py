"""Who is calling: the bearer token's member, and what the policy table lets it do here.

One guard runs before every handler. It finds the route's entry in ``policy.POLICY`` (by the
handler's name), lets public routes through, authenticates the caller (the
``Authorization: Bearer`` header; for GET requests only, also the dashboard's session
cookie, so a cross-site form can never post a command with it), loads the member's current
roles from the ledger, and checks that one of them is allowed. The caller and the scope it
gets (``ALL`` or ``OWN``) are left on ``request.state`` for the handler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

import anyio.to_thread
import structlog
from eventsourcing.application import AggregateNotFoundError
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from domain.base import Role
from domain.baskets import Household
from domain.members import Member
from infra.api.errors import ApiError, FieldError
from infra.api.policy import Access, Scope, access_for
from infra.metrics import COMMANDS

if TYPE_CHECKING:
    from infra.api.services import Services

SESSION_COOKIE = "cocagne_session"
ROLE_NOT_ALLOWED = "role_not_allowed"
"""The code of a refusal by the policy table (the domain's own refusals say ``forbidden``)."""
SCHEMA_PATH = "/api/schema"
SCHEMA_ROUTE_NAME = "api_schema"
"""Litestar names the OpenAPI router's handlers itself; they share this one policy entry."""
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters no id, code, name, day or number holds (tab, line feed and carriage
return aside, as in bodies): a NUL cannot even be sent to PostgreSQL in a text parameter."""
CONTROL_CHARACTER_REASON = "text_control_character"


def control_character_refusal(field: str, character: str, message: str) -> ApiError:
    """422 ``invalid``: a value the API description allows (any text) refused on its merits,
    naming the field and the character (said in French from its reason)."""
    return ApiError(422, "invalid", message, [FieldError(field=field, message=message)],
                    reason=CONTROL_CHARACTER_REASON,
                    facts={"field": field, "character": f"U+{ord(character):04X}"})


@dataclass(frozen=True)
class Caller:
    """The member a request acts for."""

    member_id: UUID
    roles: frozenset[Role]
    kind: str

    def scope_for(self, access: Access) -> Scope | None:
        """The widest scope any of the caller's roles gets on a route, or None."""
        scopes = {access.roles[role] for role in self.roles if role in access.roles}
        if not scopes:
            return None
        return Scope.ALL if Scope.ALL in scopes else Scope.OWN


def route_name(handler: BaseRouteHandler) -> str:
    """The name a handler is known by in the policy table."""
    owner_path = str(getattr(getattr(handler, "owner", None), "path", ""))
    if owner_path.startswith(SCHEMA_PATH) or any(
            path.startswith(SCHEMA_PATH) for path in handler.paths):
        return SCHEMA_ROUTE_NAME
    return handler.name or ""


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token of a request: the Authorization header, else (GET only) the cookie."""
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if connection.scope.get("method") in {"GET", "HEAD"}:
        return connection.cookies.get(SESSION_COOKIE)
    return None


def load_caller(services: Services, token: str) -> Caller | None:
    """The live member a token names, with its current roles (None if unknown)."""
    member_id = services.tokens.resolve(token)
    if member_id is None:
        return None
    try:
        member: Any = services.ledger.repository.get(member_id)
    except AggregateNotFoundError:
        return None
    if isinstance(member, Household):
        # A household's own token (``cocagne token create --member HOUSEHOLD_ID``) names its
        # Household stream: it acts in the household role only, on its own account. An
        # erased household has no one left to sign in.
        if member.erased:
            raise ApiError(403, "suspended", f"household {member.reference} was erased",
                           reason="household_gone", facts={"reference": member.reference})
        return Caller(member_id=member_id, roles=frozenset({Role.HOUSEHOLD}),
                      kind="household")
    if not isinstance(member, Member):
        return None
    if member.suspended:
        raise ApiError(403, "suspended", f"member {member_id} is suspended and may not act",
                       reason="member_suspended", facts={"member": member.name})
    return Caller(member_id=member_id, roles=frozenset(member.roles), kind=str(member.kind))


def is_automatic_options(handler: BaseRouteHandler) -> bool:
    """Whether ``handler`` is Litestar's own OPTIONS answer (``204``, ``Allow``: the route's
    methods, which the public API description lists anyway)."""
    return getattr(handler, "http_methods", None) == {"OPTIONS"} and not handler.name


def check_parameters(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Refuse a path or query value holding a control character (422, as a body's), and a
    query parameter given twice (400): every parameter of the API has one value, and which
    of two a server keeps (the first, the last) is a guess no client should depend on."""
    found = CONTROL_CHARACTER.search(connection.scope.get("path", ""))
    if found:
        message = (f"the path holds a control character (U+{ord(found.group()):04X}) at "
                   f"position {found.start()}")
        raise control_character_refusal("path", found.group(), message)
    seen: set[str] = set()
    for key, value in connection.query_params.multi_items():
        found = CONTROL_CHARACTER.search(f"{key}{value}")
        if found:
            message = (f"the query parameter {key!r} holds a control character "
                       f"(U+{ord(found.group()):04X})")
            raise control_character_refusal(key, found.group(), message)
        if key in seen:
            count = len(connection.query_params.getall(key))
            message = f"the query parameter {key!r} is given {count} times: give it once"
            raise ApiError(400, "invalid_request", message, [FieldError(field=key,
                                                                        message=message)])
        seen.add(key)


async def authorize(connection: ASGIConnection[Any, Any, Any, Any],
                    handler: BaseRouteHandler) -> None:
    """The guard of every route: parameters, policy entry, token, roles."""
    check_parameters(connection)
    if is_automatic_options(handler):
        return
    name = route_name(handler)
    access = access_for(name)
    if access is None:
        raise ApiError(403, ROLE_NOT_ALLOWED, f"route {name or connection.url.path} has no "
                                              "policy entry: refused to everyone")
    if access.public:
        return
    token = bearer_token(connection)
    if token is None:
        raise NotAuthorizedException("this route needs a bearer token "
                                     "(Authorization: Bearer coc_…)")
    services: Services = connection.app.state.services
    if services.location.kind == "sqlite":
        # Two indexed reads of a local file (about 0.15 ms): cheaper inline than the hop to
        # a worker thread, which costs a millisecond or more under load on two cores.
        caller = load_caller(services, token)
    else:
        caller = await anyio.to_thread.run_sync(load_caller, services, token)
    if caller is None:
        raise NotAuthorizedException("unknown or revoked token")
    structlog.contextvars.bind_contextvars(actor_id=str(caller.member_id))
    scope = caller.scope_for(access)
    if scope is None:
        allowed = ", ".join(sorted(access.roles)) or "nobody"
        held = ", ".join(sorted(caller.roles)) or "none"
        if access.writes:
            COMMANDS.labels(name, ROLE_NOT_ALLOWED).inc()
        raise ApiError(403, ROLE_NOT_ALLOWED,
                       f"{name.replace('_', ' ')} is for the roles {allowed}; member "
                       f"{caller.member_id} holds {held}")
    connection.state.caller = caller
    connection.state.scope = scope
