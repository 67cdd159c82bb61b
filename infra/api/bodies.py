"""Request bodies: hostile ones refused before any handler runs, commands decoded strictly.

Two steps, each answering in the one error shape (``infra.api.errors``), with the checks of
``infra.strict_input`` (the CLI's too):

1. **Every JSON body** (``body_guard``, an ASGI middleware, so before routing's guards and
   any handler; a form of the work pages is left to Litestar): at most
   ``REQUEST_BODY_BYTES_MAX`` bytes (else 413), then JSON that every
   reader reads the same way (``parse_json``: UTF-8, depth, duplicate keys, NaN and
   Infinity, 64-bit integers, lone surrogates), else 400; then no control character in any
   key or string (``control_character_at``: tab, line feed and carriage return aside), else
   422 ``invalid`` (the API description allows any text: refused on its merits).
   Python's and msgspec's parsers
   would otherwise answer 500 (invalid UTF-8, a ``RecursionError`` on deep nesting) or
   silently keep the last of two keys, where another reader keeps the first.
2. **A command body** (:func:`decode_command_body`) is converted strictly into the command's
   struct (``convert_strict``): a wrong type, a bound or an unknown field (all of them
   named, at any depth) answers 400; a date-time with no UTC moment 422.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from infra.api.access import CONTROL_CHARACTER, control_character_refusal
from infra.api.errors import DETAILS_MAX, ApiError, ErrorBody, FieldError
from infra.api.pages.refusals import french_message, wants_french
from infra.strict_input import (
    JSON_DEPTH_MAX,
    MalformedInput,
    UnsafeJson,
    convert_strict,
    parse_json,
)

__all__ = ["JSON_DEPTH_MAX", "REQUEST_BODY_BYTES_MAX", "body_guard", "decode_command_body"]

REQUEST_BODY_BYTES_MAX = 1_048_576
"""1 MiB: the largest command (a delivery of 50 stops of 200 lines) is about 600 kB."""
BODY_CHUNKS_MAX = 100_000
"""ASGI messages one body may arrive in: a 1 MiB body in 10-byte chunks, and a bound on the
loop against a client trickling empty ones."""
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class HostileBody(ApiError):
    """A body refused before any handler ran (400 ``invalid_request``, 413 ``too_large``, 422
    ``invalid`` for a control character in a text)."""

    def __init__(self, message: str, *, status_code: int = 400, code: str = "invalid_request",
                 field: str = "body", reason: str = "",
                 facts: dict[str, int | str] | None = None) -> None:
        super().__init__(status_code, code, message, [FieldError(field=field, message=message)],
                         reason=reason, facts=facts)


# ---------------------------------------------------------------------------------------------
# Step 1: any body


def check_json_body(raw: bytes) -> Any:
    """The body's JSON value, or :class:`HostileBody` (400, or 413 when too large)."""
    try:
        value = parse_json(raw, bytes_max=REQUEST_BODY_BYTES_MAX)
    except UnsafeJson as refusal:
        if refusal.too_large:
            raise HostileBody(refusal.message, status_code=413, code="too_large") from None
        raise HostileBody(refusal.message, field=refusal.field) from None
    found = control_character_at(value)
    if found is not None:
        field, character = found
        control = control_character_refusal(
            field, character, f"{field} holds a control character (U+{ord(character):04X}): "
            "only tab, line feed and carriage return may appear in a text")
        raise HostileBody(control.message, status_code=control.status_code, code=control.code,
                          field=field, reason=control.reason, facts=control.facts)
    return value


def control_character_at(value: Any, path: str = "body") -> tuple[str, str] | None:
    """The first (path, character) of a control character in a key or string of ``value``.

    No name, code, reason or id needs one; a NUL cannot even be stored in a PostgreSQL text
    column, so an event holding one would stop every view that projects it, and others
    (escape sequences) would reach terminals and printouts.
    """
    if isinstance(value, str):
        found = CONTROL_CHARACTER.search(value)
        return (path, found.group()) if found else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path != "body" else key
            found = CONTROL_CHARACTER.search(key)
            if found:
                return where, found.group()
            inner = control_character_at(item, where)
            if inner is not None:
                return inner
    elif isinstance(value, list):
        for index, item in enumerate(value):
            inner = control_character_at(item, f"{path}[{index}]")
            if inner is not None:
                return inner
    return None


# ---------------------------------------------------------------------------------------------
# The middleware


def body_guard(app: Callable[..., Any]) -> Callable[..., Any]:
    """ASGI middleware: read the whole body (bounded), refuse it if hostile, else replay it
    to the application. The parsed value is left in the scope's state (``json_body``).

    A refusal is answered here, through the ``send`` of the middleware around this one
    (``request_context``), which adds the request id header, logs and counts it.
    """

    async def middleware(scope: dict[str, Any], receive: Callable[..., Any],
                         send: Callable[..., Any]) -> None:
        if (scope["type"] != "http" or scope.get("method") not in BODY_METHODS
                or not _declares_json(scope)):
            # Forms (the work pages) are Litestar's to parse; a command route reads any
            # body as JSON with the same checks (decode_command_body), whatever it declares.
            await app(scope, receive, send)
            return
        try:
            replay = await _checked_body(scope, receive)
        except HostileBody as refusal:
            await _answer(scope, send, refusal)
            return
        if replay is not None:
            await app(scope, replay, send)

    return middleware


def _declares_json(scope: dict[str, Any]) -> bool:
    """Whether the request says its body is JSON (``application/json`` or ``…+json``), or
    says nothing of its type."""
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            media_type = value.split(b";", 1)[0].strip().lower()
            return bool(media_type == b"application/json" or media_type.endswith(b"+json"))
    return True


async def _answer(scope: dict[str, Any], send: Callable[..., Any], refusal: ApiError) -> None:
    """Send the error shape for a refused body."""
    request_id = str(scope.get("state", {}).get("request_id", ""))
    message = refusal.message
    languages = next((value.decode("latin-1") for name, value in scope.get("headers", [])
                      if name == b"accept-language"), "")
    if wants_french(languages):  # As error_response does for every other refusal.
        message = french_message(refusal.code, message, refusal.reason, refusal.facts,
                                 [(item.field, item.message) for item in refusal.details])
    body = msgspec.json.encode(ErrorBody(code=refusal.code, message=message,
                                         request_id=request_id,
                                         details=refusal.details[:DETAILS_MAX],
                                         reason=refusal.reason, facts=refusal.facts))
    await send({"type": "http.response.start", "status": refusal.status_code,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _checked_body(scope: dict[str, Any], receive: Callable[..., Any],
                        ) -> Callable[..., Any] | None:
    """A ``receive`` replaying the checked body (None: the client left); or HostileBody."""
    chunks: list[bytes] = []
    size = 0
    more_body = True
    for _ in range(BODY_CHUNKS_MAX):
        message = await receive()
        if message["type"] == "http.disconnect":
            return None  # The client left: nobody to answer.
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > REQUEST_BODY_BYTES_MAX:
            raise HostileBody(f"the body has more than {REQUEST_BODY_BYTES_MAX} bytes",
                              status_code=413, code="too_large")
        chunks.append(chunk)
        more_body = bool(message.get("more_body", False))
        if not more_body:
            break
    if more_body:
        raise HostileBody(f"the body came in more than {BODY_CHUNKS_MAX} pieces")
    raw = b"".join(chunks)
    if raw.strip():
        scope.setdefault("state", {})["json_body"] = check_json_body(raw)
    replayed = False

    async def replay() -> dict[str, Any]:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": raw, "more_body": False}
        message: dict[str, Any] = await receive()
        return message

    return replay


# ---------------------------------------------------------------------------------------------
# Step 2: a command body


def decode_command_body(raw: bytes, body_type: type[msgspec.Struct],
                        parsed: Any = None) -> msgspec.Struct:
    """The command body, converted strictly; :class:`ApiError` (400) naming what is wrong,
    or ``MomentOutsideCalendar`` (422).

    ``parsed``: the body's JSON value when already parsed (by ``body_guard``).
    """
    value = parsed if parsed is not None else check_json_body(raw)
    try:
        return convert_strict(value, body_type)
    except MalformedInput as refusal:
        raise ApiError(400, "invalid_request", refusal.message,
                       [FieldError(field=field, message=message)
                        for field, message in refusal.details]) from None
