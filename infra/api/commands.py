"""One POST route per command: ``POST /api/commands/{name}``.

The request body is the command's own msgspec struct (``domain.commands`` and the other
modules that register commands with the ledger), with two fields made optional:

- ``actor_id``: the actor is the bearer token's member. A body may repeat it; a body naming
  anyone else is refused (403 ``actor_mismatch``): nobody acts in another member's name.
- ``command_id``: the client-chosen id that makes the command idempotent, given either as the
  ``Idempotency-Key`` header or as this field (both: they must agree). Sending the same
  command with the same id again answers the same result (``replayed: true``, header
  ``Idempotent-Replayed: true``) and writes nothing more; the same id with a different
  command is refused (409 ``command_id_reused``).

A refused command answers 4xx with the error shape of ``infra.api.errors`` and writes
nothing: the ledger checks everything before it saves.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from uuid import UUID

import anyio.to_thread
import msgspec
import structlog
from litestar import Request, Response, post
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import BodyKwarg, HeaderParameter

from domain import commands as c
from infra.api.access import Caller
from infra.api.errors import ApiError, error_spec
from infra.api.services import Services
from infra.metrics import COMMANDS

JSON_BODY = BodyKwarg(media_type=RequestEncodingType.JSON)
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
COMMAND_ID_LENGTH_MAX = 128  # As ``domain.commands.CommandId``.
EXCLUDED_COMMANDS = frozenset({"found_cooperative"})
"""Founding happens once, before anyone holds a token (``cocagne demo`` or a script)."""

COMMAND_RESPONSES: dict[int, ResponseSpec] = {
    200: ResponseSpec(data_container=c.CommandResult, generate_examples=False,
                      description="Handled (or replayed: same answer, nothing written again)"),
    400: error_spec("Malformed command, or no command id (code invalid_request)"),
    401: error_spec("Missing or unknown bearer token (code unauthenticated)"),
    403: error_spec("The caller may not do this, or not on that data (code forbidden, "
                    "actor_mismatch)"),
    404: error_spec("The command names a stream that does not exist (code not_found)"),
    409: error_spec("Refused by the state of the ledger (insufficient_stock, invalid_state, "
                    "recalled, already_exists, command_id_reused, conflict)"),
    422: error_spec("Refused on its values (invalid, quantity_mismatch)"),
}


def body_struct(command_type: type[msgspec.Struct]) -> type[msgspec.Struct]:
    """The command struct with ``actor_id`` and ``command_id`` optional."""
    fields: list[Any] = []
    for info in msgspec.structs.fields(command_type):
        if info.name == "actor_id":
            fields.append((info.name, UUID | None, None))
        elif info.name == "command_id":
            fields.append((info.name, c.CommandId | None, None))
        elif info.required:
            fields.append((info.name, info.type))
        elif info.default_factory is not msgspec.NODEFAULT:
            fields.append((info.name, info.type,
                           msgspec.field(default_factory=info.default_factory)))
        else:
            fields.append((info.name, info.type, info.default))
    body: type[msgspec.Struct] = msgspec.defstruct(
        f"{command_type.__name__}Body", fields, kw_only=True, frozen=True,
        forbid_unknown_fields=True, module=command_type.__module__)
    body.__doc__ = command_type.__doc__
    return body


def build_command(command_type: type[msgspec.Struct], body: msgspec.Struct, caller: Caller,
                  idempotency_key: str | None) -> msgspec.Struct:
    """The ledger command for a request: the caller as actor, the chosen command id."""
    fields = msgspec.structs.asdict(body)
    body_actor = fields.pop("actor_id", None)
    body_command_id = fields.pop("command_id", None)
    if body_actor is not None and body_actor != caller.member_id:
        raise ApiError(403, "actor_mismatch",
                       f"the body names actor {body_actor} but the token is member "
                       f"{caller.member_id}: nobody acts in another member's name")
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= COMMAND_ID_LENGTH_MAX:
        raise ApiError(400, "invalid_request",
                       f"the {IDEMPOTENCY_HEADER} header must be 1 to {COMMAND_ID_LENGTH_MAX} "
                       "characters")
    if idempotency_key and body_command_id and idempotency_key != body_command_id:
        raise ApiError(400, "invalid_request",
                       f"the {IDEMPOTENCY_HEADER} header and the body's command_id differ")
    command_id = idempotency_key or body_command_id
    if not command_id:
        raise ApiError(400, "invalid_request",
                       f"a command needs a client-chosen id: the {IDEMPOTENCY_HEADER} header "
                       "or the command_id field")
    return command_type(**fields, actor_id=caller.member_id, command_id=command_id)


def command_route(command_type: type[msgspec.Struct], name: str) -> HTTPRouteHandler:
    """The POST route of one command."""
    body_type = body_struct(command_type)

    async def handle(request: Request[Any, Any, Any], data: Any,
                     idempotency_key: str | None) -> Response[c.CommandResult]:
        services: Services = request.app.state.services
        caller: Caller = request.state.caller
        command = build_command(command_type, data, caller, idempotency_key)
        command_id: str = command.command_id  # type: ignore[attr-defined]
        structlog.contextvars.bind_contextvars(
            command_id=command_id,
            correlation_id=getattr(command, "correlation_id", "") or command_id)
        result: c.CommandResult = await anyio.to_thread.run_sync(services.ledger.execute,
                                                                 command)
        if not result.replayed:
            services.views.wake()
            services.feed.wake()
        headers = {REPLAYED_HEADER: "true"} if result.replayed else {}
        return Response(result, status_code=200, headers=headers)

    handle.__annotations__ = {
        "request": Request,
        "data": Annotated[body_type, JSON_BODY],
        "idempotency_key": Annotated[str | None, HeaderParameter(
            name=IDEMPOTENCY_HEADER, required=False,
            description="The client-chosen command id (or the body's command_id)")],
        "return": Response[c.CommandResult],
    }
    handle.__name__ = name
    handle.__qualname__ = name
    summary = (command_type.__doc__ or name).strip().splitlines()[0]
    decorated: Callable[..., Coroutine[Any, Any, Any]] = handle
    return post(f"/api/commands/{name}", name=name, operation_id=name, summary=summary,
                tags=["commands"], responses=COMMAND_RESPONSES, status_code=200,
                description=(command_type.__doc__ or "").strip())(decorated)


def command_routes(ledger_handlers: dict[type[Any], str]) -> list[HTTPRouteHandler]:
    """A route for each command the ledger handles (but founding)."""
    routes = []
    for command_type, name in ledger_handlers.items():
        if name in EXCLUDED_COMMANDS or "actor_id" not in command_type.__struct_fields__:
            continue
        COMMANDS.labels(name, "accepted")  # Export every command's series from the start.
        routes.append(command_route(command_type, name))
    return sorted(routes, key=lambda route: route.name or "")
