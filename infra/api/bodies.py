"""Request bodies: hostile ones refused before any handler runs, commands decoded strictly.

Two steps, each answering 400 in the one error shape (``infra.api.errors``):

1. **Every body** (``body_guard``, an ASGI middleware, so before routing's guards and any
   handler) must be JSON that every client reads the same way: at most
   ``REQUEST_BODY_BYTES_MAX`` bytes (else 413), valid UTF-8, nested at most
   ``JSON_DEPTH_MAX`` deep, no key twice in one object, no ``NaN`` or ``Infinity``, no
   integer beyond 64 bits and no number literal longer than ``NUMBER_LITERAL_LENGTH_MAX``,
   no lone UTF-16 surrogate. Python's and msgspec's parsers would otherwise answer 500
   (invalid UTF-8, a ``RecursionError`` on deep nesting) or silently keep the last of two
   keys, where another reader keeps the first.
2. **A command body** (:func:`decode_command_body`) is converted by msgspec in strict mode
   into the command's struct: no ``"1000"`` for ``1000``, every bound of ``domain.fields``
   checked, and unknown fields refused, all of them named, at any depth.

A number is what JSON (and JSON Schema, hence the OpenAPI document) says it is: ``1000``,
``1000.0`` and ``1e3`` are the same integer, so a number with no fractional part is read as
an integer; ``1000.5`` stays a float, which no integer field accepts.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

import msgspec
from msgspec import inspect as mi

from domain.business_time import check_in_calendar
from infra.api.errors import DETAILS_MAX, ApiError, ErrorBody, FieldError

REQUEST_BODY_BYTES_MAX = 1_048_576
"""1 MiB: the largest command (a delivery of 50 stops of 200 lines) is about 600 kB."""
JSON_DEPTH_MAX = 32
"""Commands nest four levels at most (a proposal's payload's price list); 32 leaves room and
stops a 100,000-level bomb long before any parser's recursion limit."""
INTEGER_BITS_MAX = 64
"""Every integer of the domain fits in a signed 64-bit integer (PostgreSQL's BIGINT)."""
NUMBER_LITERAL_LENGTH_MAX = 40
"""A 64-bit integer has 20 characters with its sign; 40 leaves room for any honest float."""
BODY_CHUNKS_MAX = 100_000
"""ASGI messages one body may arrive in: a 1 MiB body in 10-byte chunks, and a bound on the
loop against a client trickling empty ones."""
UNKNOWN_FIELDS_LISTED_MAX = DETAILS_MAX  # More only repeats the same mistake.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_INTEGER_MIN = -(2 ** (INTEGER_BITS_MAX - 1))
_INTEGER_MAX = 2 ** (INTEGER_BITS_MAX - 1) - 1
_STRUCTURE = re.compile(r'[\[\]{}"\\]')


class HostileBody(ApiError):
    """A body refused before any handler ran (400 ``invalid_request``, 413 ``too_large``)."""

    def __init__(self, message: str, *, status_code: int = 400, code: str = "invalid_request",
                 field: str = "body") -> None:
        super().__init__(status_code, code, message, [FieldError(field=field, message=message)])


# ---------------------------------------------------------------------------------------------
# Step 1: any body


def check_json_body(raw: bytes) -> Any:
    """The body's JSON value, or :class:`HostileBody` saying what is wrong with it."""
    if len(raw) > REQUEST_BODY_BYTES_MAX:
        raise HostileBody(f"the body has {len(raw)} bytes; the most is "
                          f"{REQUEST_BODY_BYTES_MAX}", status_code=413, code="too_large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise HostileBody(f"the body is not valid UTF-8: byte {error.start} "
                          f"(0x{raw[error.start]:02x}) cannot start or continue a "
                          "character") from None
    depth = nesting_depth(text, JSON_DEPTH_MAX)
    if depth > JSON_DEPTH_MAX:
        raise HostileBody(f"the body nests more than {JSON_DEPTH_MAX} levels deep")
    try:
        value = json.loads(text, object_pairs_hook=_refuse_duplicate_keys,
                           parse_int=_bounded_integer, parse_float=_finite_float,
                           parse_constant=_refuse_constant)
    except HostileBody:
        raise
    except json.JSONDecodeError as error:
        raise HostileBody(f"the body is not JSON: {error.msg} at line {error.lineno} column "
                          f"{error.colno}") from None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise HostileBody("the body holds a lone UTF-16 surrogate (\\ud800 to \\udfff "
                          "without its pair): not a character") from None
    return value


def nesting_depth(text: str, limit: int) -> int:
    """How deep arrays and objects nest in ``text`` (JSON), counted up to ``limit + 1``.

    Only the structural characters are visited (found by a regular expression, in C), so a
    body with few brackets costs almost nothing and the worst case is linear.
    """
    if text.count("[") + text.count("{") <= limit:
        return 0  # Fewer openings than the limit: cannot nest deeper than it.
    depth = deepest = 0
    in_string = False
    escaped_at = -1
    for match in _STRUCTURE.finditer(text):
        position, character = match.start(), match.group()
        if in_string:
            if position == escaped_at:
                continue  # This quote or backslash is escaped.
            if character == "\\":
                escaped_at = position + 1
            elif character == '"':
                in_string = False
            continue
        if character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif character in "]}":
            depth -= 1
    return deepest


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for key, item in pairs:
        if key in value:
            raise HostileBody(f"the key {key!r} appears twice in one object: readers would "
                              "disagree on which one counts", field=key)
        value[key] = item
    return value


def _bounded_integer(literal: str) -> int:
    if len(literal) > NUMBER_LITERAL_LENGTH_MAX:
        raise HostileBody(f"the number {literal[:24]}... has {len(literal)} characters; "
                          f"the most is {NUMBER_LITERAL_LENGTH_MAX}")
    value = int(literal)
    if not _INTEGER_MIN <= value <= _INTEGER_MAX:
        raise HostileBody(f"the integer {literal} does not fit in {INTEGER_BITS_MAX} bits")
    return value


def _finite_float(literal: str) -> float | int:
    if len(literal) > NUMBER_LITERAL_LENGTH_MAX:
        raise HostileBody(f"the number {literal[:24]}... has {len(literal)} characters; "
                          f"the most is {NUMBER_LITERAL_LENGTH_MAX}")
    value = float(literal)
    if not math.isfinite(value):
        raise HostileBody(f"the number {literal} is too large to be a finite number")
    if value.is_integer():  # 1000.0 and 1e3 are the integer 1000, as JSON Schema reads them.
        integral = int(value)
        if not _INTEGER_MIN <= integral <= _INTEGER_MAX:
            raise HostileBody(f"the number {literal} does not fit in {INTEGER_BITS_MAX} bits")
        return integral
    return value


def _refuse_constant(literal: str) -> Any:
    raise HostileBody(f"{literal} is not a JSON number (NaN and Infinity are refused)")


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
        if scope["type"] != "http" or scope.get("method") not in BODY_METHODS:
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


async def _answer(scope: dict[str, Any], send: Callable[..., Any], refusal: ApiError) -> None:
    """Send the error shape for a refused body."""
    request_id = str(scope.get("state", {}).get("request_id", ""))
    body = msgspec.json.encode(ErrorBody(code=refusal.code, message=refusal.message,
                                         request_id=request_id,
                                         details=refusal.details[:DETAILS_MAX]))
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
    """The command body, decoded strictly; :class:`ApiError` (400) naming what is wrong.

    ``parsed``: the body's JSON value when already parsed (by ``body_guard``).
    """
    value = parsed if parsed is not None else check_json_body(raw)
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_request",
                       f"a command is a JSON object, not {type(value).__name__}",
                       [FieldError(field="body", message="expected an object")])
    unknown = unknown_fields(value, _type_info(body_type))
    if unknown:
        listed = ", ".join(unknown[:UNKNOWN_FIELDS_LISTED_MAX])
        more = len(unknown) - UNKNOWN_FIELDS_LISTED_MAX
        raise ApiError(400, "invalid_request",
                       f"unknown field{'s' if len(unknown) > 1 else ''}: {listed}"
                       + (f" and {more} more" if more > 0 else ""),
                       [FieldError(field=path, message="unknown field")
                        for path in unknown[:UNKNOWN_FIELDS_LISTED_MAX]])
    try:
        # From the checked JSON value, not the raw bytes: its numbers are read as JSON reads
        # them (see the module docstring); strings still convert as in JSON (ids, dates).
        body: msgspec.Struct = msgspec.convert(value, type=body_type, strict=True)
    except msgspec.ValidationError as error:
        message, _, where = str(error).partition(" - at `")
        field = where.rstrip("`").removeprefix("$").lstrip(".") or "body"
        raise ApiError(400, "invalid_request", f"the request is malformed: {field}: {message}",
                       [FieldError(field=field, message=message)]) from None
    check_moments(body)
    return body


def check_moments(value: Any, path: str = "") -> None:
    """Refuse (422, ``moment_outside_calendar``) a date-time the document allows but that
    has no UTC moment, such as year 1 at +01:00: it could not be stored."""
    if isinstance(value, datetime):
        check_in_calendar(path, value)
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            check_moments(getattr(value, name), _join(path, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_moments(item, f"{path}[{index}]")


@lru_cache(maxsize=256)
def _type_info(body_type: type[msgspec.Struct]) -> mi.Type:
    return mi.type_info(body_type)


def unknown_fields(value: Any, info: mi.Type, path: str = "") -> list[str]:
    """Paths of the keys of ``value`` that its type does not know, at any depth."""
    if isinstance(info, mi.Metadata):
        info = info.type
    if isinstance(info, mi.UnionType):
        return _unknown_in_union(value, info, path)
    if isinstance(info, mi.StructType) and isinstance(value, dict):
        return _unknown_in_struct(value, info, path)
    if isinstance(info, mi.ListType | mi.VarTupleType | mi.SetType | mi.FrozenSetType) \
            and isinstance(value, list):
        found: list[str] = []
        for index, item in enumerate(value):
            found.extend(unknown_fields(item, info.item_type, f"{path}[{index}]"))
        return found
    return []


def _unknown_in_struct(value: dict[str, Any], info: mi.StructType, path: str) -> list[str]:
    fields = {field.encode_name: field for field in info.fields}
    found = [_join(path, key) for key in value
             if key not in fields and key != info.tag_field]
    for key, field in fields.items():
        if key in value:
            found.extend(unknown_fields(value[key], field.type, _join(path, key)))
    return found


def _unknown_in_union(value: Any, info: mi.UnionType, path: str) -> list[str]:
    members = [member.type if isinstance(member, mi.Metadata) else member
               for member in info.types]
    structs = [member for member in members if isinstance(member, mi.StructType)]
    if isinstance(value, dict) and structs:
        chosen = _chosen_struct(value, structs)
        return [] if chosen is None else _unknown_in_struct(value, chosen, path)
    lists: Iterable[mi.Type] = (member for member in members
                                if isinstance(member, mi.ListType | mi.VarTupleType))
    for member in lists:
        return unknown_fields(value, member, path)
    return []


def _chosen_struct(value: dict[str, Any], structs: list[mi.StructType]) -> mi.StructType | None:
    """The struct of a union a JSON object is meant as: by its tag, or the only one."""
    if len(structs) == 1 and structs[0].tag_field is None:
        return structs[0]
    for struct in structs:
        if struct.tag_field is not None and value.get(struct.tag_field) == struct.tag:
            return struct
    return None  # An unknown tag: the strict decoder names it.


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
