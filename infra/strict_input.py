"""Input a client controls, read strictly the same way at every door (HTTP API and CLI).

- :func:`parse_json`: JSON that every reader reads the same way: valid UTF-8, nested at most
  ``JSON_DEPTH_MAX`` deep, no key twice in one object, no ``NaN`` or ``Infinity``, no
  integer beyond 64 bits and no number literal longer than ``NUMBER_LITERAL_LENGTH_MAX``,
  no lone UTF-16 surrogate. Python's and msgspec's parsers would otherwise fail with a
  ``RecursionError`` on deep nesting or silently keep the last of two keys. A number is
  what JSON (and JSON Schema) says it is: ``1000``, ``1000.0`` and ``1e3`` are the same
  integer; ``1000.5`` stays a float, which no integer field accepts.
- :func:`convert_strict`: a JSON value into a command's struct with msgspec in strict mode
  (no ``"1000"`` for ``1000``, every bound of ``domain.fields``), unknown fields refused,
  all of them named, at any depth; date-times with no UTC moment refused on their merits.
- :func:`checked_command`: the same checks for a command built in Python (the CLI's).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

import msgspec
from msgspec import inspect as mi

from domain.business_time import check_in_calendar
from domain.errors import DomainError

JSON_DEPTH_MAX = 32
"""Commands nest four levels at most (a proposal's payload's price list); 32 leaves room and
stops a 100,000-level bomb long before any parser's recursion limit."""
INTEGER_BITS_MAX = 64
"""Every integer of the domain fits in a signed 64-bit integer (PostgreSQL's BIGINT)."""
NUMBER_LITERAL_LENGTH_MAX = 40
"""A 64-bit integer has 20 characters with its sign; 40 leaves room for any honest float."""
FIELDS_NAMED_MAX = 20  # Unknown or bad fields named per refusal: more repeats the mistake.

_INTEGER_MIN = -(2 ** (INTEGER_BITS_MAX - 1))
_INTEGER_MAX = 2 ** (INTEGER_BITS_MAX - 1) - 1
_STRUCTURE = re.compile(r'[\[\]{}"\\]')
T = TypeVar("T", bound=msgspec.Struct)


class UnsafeJson(ValueError):
    """JSON refused before anything reads it (see :func:`parse_json`)."""

    def __init__(self, message: str, *, field: str = "body", too_large: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.too_large = too_large


class MalformedInput(DomainError):
    """Input that breaks the documented shape of a command (the API answers it 400)."""

    code = "invalid_request"

    def __init__(self, message: str, details: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.details = details or []
        """(field, what is wrong) for each offending field."""


# ---------------------------------------------------------------------------------------------
# JSON


def parse_json(raw: bytes, *, bytes_max: int, what: str = "the body") -> Any:
    """The JSON value of ``raw``, or :class:`UnsafeJson` saying what is wrong with it."""
    if len(raw) > bytes_max:
        raise UnsafeJson(f"{what} has {len(raw)} bytes; the most is {bytes_max}",
                         too_large=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnsafeJson(f"{what} is not valid UTF-8: byte {error.start} "
                          f"(0x{raw[error.start]:02x}) cannot start or continue a "
                          "character") from None
    depth = nesting_depth(text, JSON_DEPTH_MAX)
    if depth > JSON_DEPTH_MAX:
        raise UnsafeJson(f"{what} nests more than {JSON_DEPTH_MAX} levels deep")
    try:
        value = json.loads(text, object_pairs_hook=_refuse_duplicate_keys,
                           parse_int=_bounded_integer, parse_float=_finite_float,
                           parse_constant=_refuse_constant)
    except UnsafeJson:
        raise
    except json.JSONDecodeError as error:
        raise UnsafeJson(f"{what} is not JSON: {error.msg} at line {error.lineno} column "
                          f"{error.colno}") from None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise UnsafeJson(f"{what} holds a lone UTF-16 surrogate (\\ud800 to \\udfff "
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
            raise UnsafeJson(f"the key {key!r} appears twice in one object: readers would "
                              "disagree on which one counts", field=key)
        value[key] = item
    return value


def _bounded_integer(literal: str) -> int:
    if len(literal) > NUMBER_LITERAL_LENGTH_MAX:
        raise UnsafeJson(f"the number {literal[:24]}... has {len(literal)} characters; "
                          f"the most is {NUMBER_LITERAL_LENGTH_MAX}")
    value = int(literal)
    if not _INTEGER_MIN <= value <= _INTEGER_MAX:
        raise UnsafeJson(f"the integer {literal} does not fit in {INTEGER_BITS_MAX} bits")
    return value


def _finite_float(literal: str) -> float | int:
    if len(literal) > NUMBER_LITERAL_LENGTH_MAX:
        raise UnsafeJson(f"the number {literal[:24]}... has {len(literal)} characters; "
                          f"the most is {NUMBER_LITERAL_LENGTH_MAX}")
    value = float(literal)
    if not math.isfinite(value):
        raise UnsafeJson(f"the number {literal} is too large to be a finite number")
    if value.is_integer():  # 1000.0 and 1e3 are the integer 1000, as JSON Schema reads them.
        integral = int(value)
        if not _INTEGER_MIN <= integral <= _INTEGER_MAX:
            raise UnsafeJson(f"the number {literal} does not fit in {INTEGER_BITS_MAX} bits")
        return integral
    return value


def _refuse_constant(literal: str) -> Any:
    raise UnsafeJson(f"{literal} is not a JSON number (NaN and Infinity are refused)")


# ---------------------------------------------------------------------------------------------
# Into a command


def convert_strict(value: Any, target: type[T]) -> T:
    """``value`` (checked JSON) as a ``target`` struct; :class:`MalformedInput` naming what
    is wrong (a type, a bound, an unknown field), or ``MomentOutsideCalendar``."""
    if not isinstance(value, dict):
        raise MalformedInput(f"a command is a JSON object, not {type(value).__name__}",
                             [("body", "expected an object")])
    unknown = unknown_fields(value, _type_info(target))
    if unknown:
        listed = ", ".join(unknown[:FIELDS_NAMED_MAX])
        more = len(unknown) - FIELDS_NAMED_MAX
        raise MalformedInput(f"unknown field{'s' if len(unknown) > 1 else ''}: {listed}"
                             + (f" and {more} more" if more > 0 else ""),
                             [(path, "unknown field") for path in unknown[:FIELDS_NAMED_MAX]])
    try:
        # From the checked JSON value: its numbers are read as JSON reads them; strings still
        # convert as in JSON (ids, dates, date-times).
        converted: T = msgspec.convert(value, type=target, strict=True)
    except msgspec.ValidationError as error:
        message, _, where = str(error).partition(" - at `")
        field = where.rstrip("`").removeprefix("$").lstrip(".") or "body"
        raise MalformedInput(f"the request is malformed: {field}: {message}",
                             [(field, message)]) from None
    check_moments(converted)
    return converted


def checked_command(command: T) -> T:
    """A command built in Python (the CLI's), held to the same checks as one from JSON."""
    return convert_strict(msgspec.to_builtins(command), type(command))


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
