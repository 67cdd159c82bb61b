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

The body is decoded strictly (``infra.api.bodies``) before the handler runs: no string for
a number, every bound of ``domain.fields``, no unknown field (all of them named). Bodies that
break the documented schema answer 400 ``invalid_request``; commands the ledger refuses on
their merits answer 404, 409 or 422 with the refusal's own code. Either way nothing is
written: the ledger checks everything before it saves.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
import msgspec
import structlog
from litestar import Request, Response, post
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Operation, Parameter, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import BodyKwarg, HeaderParameter

from domain import commands as c
from domain.fields import COMMAND_ID_LENGTH_MAX, ActorId, CommandId
from infra.api.access import CONTROL_CHARACTER, Caller
from infra.api.bodies import decode_command_body
from infra.api.errors import ApiError, error_spec
from infra.api.services import Services
from infra.metrics import COMMANDS

JSON_BODY = BodyKwarg(media_type=RequestEncodingType.JSON)
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
IDEMPOTENCY_KEY_DESCRIPTION = (
    "The client-chosen command id: the same key sent again answers the same result and "
    "writes nothing more; another command under a used key is refused (409 "
    "command_id_reused). Required, unless the body carries the same id as command_id (for "
    "clients that cannot set headers); when both are given they must agree.")
IDEMPOTENCY_KEY_EXAMPLE = "offer-2026-01-05-jardin-chalon-42"
EXCLUDED_COMMANDS = frozenset({"found_cooperative"})
"""Founding happens once, before anyone holds a token (``cocagne demo`` or a script)."""

COMMAND_RESPONSES: dict[int, ResponseSpec] = {
    200: ResponseSpec(data_container=c.CommandResult, generate_examples=False,
                      description="Handled (or replayed: same answer, nothing written again)"),
    400: error_spec("The body breaks this schema (a wrong type, a bound, an unknown field, "
                    "hostile JSON), or no command id (code invalid_request)"),
    401: error_spec("Missing or unknown bearer token (code unauthenticated)"),
    403: error_spec("The caller may not do this, or not on that data (code forbidden, "
                    "actor_mismatch)"),
    404: error_spec("The command names a stream that does not exist (code not_found)"),
    409: error_spec("Refused by the state of the ledger (insufficient_stock, invalid_state, "
                    "recalled, already_exists, command_id_reused, conflict)"),
    413: error_spec("The body is larger than 1 MiB (code too_large)"),
    422: error_spec("Well formed, but refused on its values by the ledger (invalid, "
                    "quantity_mismatch, occurred_at_in_future and the other date codes…)"),
}


@dataclass
class CommandOperation(Operation):
    """A command's OpenAPI operation: ``Idempotency-Key`` documented as the required header
    it is for any client generated from the schema (see ``IDEMPOTENCY_KEY_DESCRIPTION``)."""

    def __post_init__(self) -> None:
        for parameter in self.parameters or []:
            if isinstance(parameter, Parameter) and parameter.name == IDEMPOTENCY_HEADER:
                parameter.required = True
                parameter.description = IDEMPOTENCY_KEY_DESCRIPTION
                parameter.schema = Schema(
                    type=OpenAPIType.STRING, min_length=1, max_length=COMMAND_ID_LENGTH_MAX,
                    description=IDEMPOTENCY_KEY_DESCRIPTION,
                    examples=[IDEMPOTENCY_KEY_EXAMPLE])


def body_struct(command_type: type[msgspec.Struct]) -> type[msgspec.Struct]:
    """The command struct with ``actor_id`` and ``command_id`` optional."""
    fields: list[Any] = []
    for info in msgspec.structs.fields(command_type):
        if info.name == "actor_id":
            fields.append((info.name, ActorId | None, None))
        elif info.name == "command_id":
            fields.append((info.name, Annotated[CommandId, msgspec.Meta(
                description="The command id, if not sent as the Idempotency-Key header (both: "
                            "they must agree)")] | None, None))
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
    if idempotency_key is not None and CONTROL_CHARACTER.search(idempotency_key):
        raise ApiError(400, "invalid_request",
                       f"the {IDEMPOTENCY_HEADER} header holds a control character: "
                       "a command id is printable text")
    if idempotency_key and body_command_id and idempotency_key != body_command_id:
        raise ApiError(400, "invalid_request",
                       f"the {IDEMPOTENCY_HEADER} header and the body's command_id differ")
    command_id = idempotency_key or body_command_id
    if not command_id:
        raise ApiError(400, "invalid_request",
                       f"a command needs a client-chosen id: the {IDEMPOTENCY_HEADER} header "
                       "or the command_id field")
    return command_type(**fields, actor_id=caller.member_id, command_id=command_id)


def strict_body(body_type: type[msgspec.Struct]) -> Callable[[Request[Any, Any, Any]],
                                                              Coroutine[Any, Any, None]]:
    """A ``before_request`` hook: decode the body strictly into ``request.state.command``.

    It runs after the guards (a caller who may not act is refused 403 whatever the body) and
    before Litestar parses ``data`` for itself, which, being lenient, can only agree.
    """

    async def decode(request: Request[Any, Any, Any]) -> None:
        raw = await request.body()
        request.state.command_body = decode_command_body(
            raw, body_type, request.scope.get("state", {}).get("json_body"))

    return decode


def command_route(command_type: type[msgspec.Struct], name: str) -> HTTPRouteHandler:
    """The POST route of one command."""
    body_type = body_struct(command_type)

    async def handle(request: Request[Any, Any, Any], data: Any,
                     idempotency_key: str | None) -> Response[c.CommandResult]:
        del data  # Litestar's lenient copy; the strict one is request.state.command_body.
        services: Services = request.app.state.services
        caller: Caller = request.state.caller
        command = build_command(command_type, request.state.command_body, caller,
                                idempotency_key)
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
                description=(command_type.__doc__ or "").strip(),
                before_request=strict_body(body_type),
                operation_class=CommandOperation)(decorated)


def command_routes(ledger_handlers: dict[type[Any], str]) -> list[HTTPRouteHandler]:
    """A route for each command the ledger handles (but founding)."""
    routes = []
    for command_type, name in ledger_handlers.items():
        if name in EXCLUDED_COMMANDS or "actor_id" not in command_type.__struct_fields__:
            continue
        COMMANDS.labels(name, "accepted")  # Export every command's series from the start.
        routes.append(command_route(command_type, name))
    return sorted(routes, key=lambda route: route.name or "")
