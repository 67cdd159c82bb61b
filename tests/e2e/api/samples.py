"""Well-typed sample bodies for any command struct, built from its msgspec type info.

The values pass the edge's validation (types, bounds, patterns: each field's documented
example where it has one); they name streams that do not exist, so an allowed caller reaches
the ledger and is refused there (never by the policy table).
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import msgspec
from msgspec import inspect as mi

DEPTH_MAX = 6  # Nested structs in a command are at most a few levels deep.


def sample(info: mi.Type, depth: int = 0) -> Any:
    """A JSON-ready value of a msgspec type: the field's documented example when it has one."""
    if depth > DEPTH_MAX:
        return None
    if isinstance(info, mi.Metadata):
        examples = (info.extra_json_schema or {}).get("examples")
        return examples[0] if examples else sample(info.type, depth)
    if isinstance(info, mi.UnionType):
        kinds = [member for member in info.types if not isinstance(member, mi.NoneType)]
        return sample(kinds[0], depth + 1) if kinds else None
    if isinstance(info, mi.UUIDType):
        return str(uuid4())
    if isinstance(info, mi.IntType):
        low = info.ge if info.ge is not None else (info.gt + 1 if info.gt is not None else 1)
        return max(low, 1) if info.le is None or info.le >= 1 else low
    if isinstance(info, mi.StrType):
        return "x" * max(info.min_length or 1, 1)
    if isinstance(info, mi.BoolType):
        return False
    if isinstance(info, mi.DateType):
        return "2026-01-05"
    if isinstance(info, mi.DateTimeType):
        return "2026-01-05T09:00:00Z"
    if isinstance(info, mi.EnumType):
        return next(iter(info.cls)).value
    if isinstance(info, mi.LiteralType):
        return info.values[0]
    if isinstance(info, mi.ListType | mi.VarTupleType | mi.SetType | mi.FrozenSetType):
        return [sample(info.item_type, depth + 1)]
    if isinstance(info, mi.DictType):
        return {}
    if isinstance(info, mi.StructType):
        return struct_sample(info, depth + 1)
    return None


def struct_sample(info: mi.StructType, depth: int = 0) -> dict[str, Any]:
    """Every required field of a struct (and its tag, if tagged)."""
    body: dict[str, Any] = {}
    if info.tag_field is not None:
        body[info.tag_field] = info.tag
    for field in info.fields:
        if field.required:
            body[field.encode_name] = sample(field.type, depth)
    return body


def command_body(command_type: type[msgspec.Struct]) -> dict[str, Any]:
    """A sample body for a command (without actor_id and command_id)."""
    info = mi.type_info(command_type)
    assert isinstance(info, mi.StructType)
    body = struct_sample(info)
    body.pop("actor_id", None)
    body.pop("command_id", None)
    return body
