"""Stored values as a history export writes them and reads them back.

Each value typed, tagged when unusual, so the chain's bytes are reproduced exactly; the
readable rendering of an event's state; which events name a member.
"""

from __future__ import annotations

import base64
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

import msgspec

from infra.audit.chain import StoredRow, StoredValue

RENDER_DEPTH_MAX = 32
"""Nesting rendered in ``data``: events are a few levels deep; deeper is cut with a marker."""
UUID_BYTES = 16


def _tagged(value: StoredValue) -> Any:
    if value is None:
        return None
    if isinstance(value, UUID):
        return {"uuid": str(value)}
    if isinstance(value, bool):  # Never stored; bool is an int subclass, so be explicit.
        return {"int": int(value)}
    if isinstance(value, int):
        return {"int": value}
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode()}
    return {"text": value}


def stream_out(value: StoredValue) -> Any:
    return str(value) if isinstance(value, UUID) else _tagged(value)


def version_out(value: StoredValue) -> Any:
    return value if isinstance(value, int) and not isinstance(value, bool) else _tagged(value)


def topic_out(value: StoredValue) -> Any:
    return value if isinstance(value, str) else _tagged(value)


def state_out(value: StoredValue) -> Any:
    return base64.b64encode(value).decode() if isinstance(value, bytes) else _tagged(value)


def _untagged(value: Any) -> StoredValue:
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError(f"not a stored value: {value!r:.80}")
    (kind, inner), = value.items()
    if kind == "uuid" and isinstance(inner, str):
        return _canonical_uuid(inner)
    if kind == "int" and isinstance(inner, int) and not isinstance(inner, bool):
        return inner
    if kind == "bytes" and isinstance(inner, str):
        return base64.b64decode(inner, validate=True)
    if kind == "text" and isinstance(inner, str):
        return inner
    raise ValueError(f"not a stored value: {value!r:.80}")


def _canonical_uuid(text: str) -> UUID:
    value = UUID(text)
    if str(value) != text:
        raise ValueError(f"{text!r} is not a UUID written canonically")
    return value


def stream_in(value: Any) -> StoredValue:
    return _canonical_uuid(value) if isinstance(value, str) else _untagged(value)


def version_in(value: Any) -> StoredValue:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return _untagged(value)


def topic_in(value: Any) -> StoredValue:
    return value if isinstance(value, str) else _untagged(value)


def state_in(value: Any) -> StoredValue:
    if isinstance(value, str):
        return base64.b64decode(value, validate=True)
    return _untagged(value)


def readable(state: StoredValue) -> Any:
    """A readable rendering of stored bytes (MessagePack): 16-byte values as UUIDs."""
    if not isinstance(state, bytes):
        return None
    try:
        decoded = msgspec.msgpack.decode(state)
    except msgspec.DecodeError:
        return {"undecodable": True}
    # One JSON round trip gives what a reader of the file sees, so comparisons are exact.
    return msgspec.json.decode(msgspec.json.encode(_render(decoded, 0)))


def _render(value: Any, depth: int) -> Any:
    if depth > RENDER_DEPTH_MAX:
        return "…"
    if isinstance(value, dict):
        return {str(key): _render(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_render(item, depth + 1) for item in value]
    if isinstance(value, bytes):
        if len(value) == UUID_BYTES:
            return str(UUID(bytes=value))
        return "base64:" + base64.b64encode(value).decode()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, msgspec.msgpack.Ext):
        return {"ext": value.code, "base64": base64.b64encode(value.data).decode()}
    return value


def _uuid_values(value: Any, found: set[bytes], depth: int = 0) -> None:
    """Every 16-byte value inside a decoded event (where its ids are)."""
    if depth > RENDER_DEPTH_MAX:
        return
    if isinstance(value, bytes) and len(value) == UUID_BYTES:
        found.add(value)
    elif isinstance(value, dict):
        for item in value.values():
            _uuid_values(item, found, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            _uuid_values(item, found, depth + 1)


def names_member(row: StoredRow, member_id: UUID) -> bool:
    """Whether a stored event is the member's own or names its id in any field."""
    if row.originator_id == member_id:
        return True
    if not isinstance(row.state, bytes):
        return False
    try:
        decoded = msgspec.msgpack.decode(row.state)
    except msgspec.DecodeError:
        return False
    found: set[bytes] = set()
    _uuid_values(decoded, found)
    return member_id.bytes in found
