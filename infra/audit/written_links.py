"""The write path's links: a transaction's own events linked straight from what it inserts.

``infra.audit.chain.compute_link`` hashes an events-table row as the driver reads it back.
A sealing recorder links the events it has just inserted, whose values it holds: stream ids
as ``UUID``, versions as ``int``, topics as ``str``, states as ``bytes``. For those types
the canonical bytes are fixed, so this module builds them with fewer steps (each topic's
field encoded once, each stream id formatted once for the events table and the chain row)
and gives exactly ``compute_link``'s links: ``tests/unit/test_written_links.py`` pins them
to it. Anything else is left to the general path (``None``).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from infra.audit.chain import ChainRow

_INTEGER_HEAD = struct.Struct(">cI").pack  # b"I" and the decimal text's length.
_BYTES_HEAD = struct.Struct(">cQ").pack  # b"B" and the state's length.
_TEXT_HEAD = struct.Struct(">cQ").pack  # b"S" and the topic's length.
_TOPIC_FIELDS_MAX = 10_000  # Distinct topics remembered: a few hundred event classes.
_topic_fields: dict[str, bytes] = {}

EventRow = tuple[object, int, str, bytes]
"""An events-table row as inserted into SQLite: stream id (32 hex digits for a ``UUID``, as
eventsourcing writes it), version, topic, state."""


def sqlite_event_rows(events: Sequence[StoredEvent]) -> tuple[list[EventRow], list[object]]:
    """The rows to insert, and each event's stream id as inserted (formatted once)."""
    rows: list[EventRow] = []
    streams: list[object] = []
    for event in events:
        stream: object = event.originator_id
        if isinstance(stream, UUID):
            stream = f"{stream.int:032x}"
        streams.append(stream)
        rows.append((stream, event.originator_version, event.topic, event.state))
    return rows, streams


def written_links(previous: bytes, sequence: int, first_id: int,
                  events: Sequence[StoredEvent], inserted: Sequence[object],
                  sealed_at: str) -> list[ChainRow] | None:
    """The chain rows of ``events``, stored under consecutive notification ids from
    ``first_id`` right after the link ``previous`` at chain position ``sequence``; None
    unless every event holds the ledger's types (then ``compute_link`` must do it).

    ``inserted``: the stream ids as ``sqlite_event_rows`` gave them.
    """
    links: list[ChainRow] = []
    sha256 = hashlib.sha256
    notification_id = first_id
    for event, text in zip(events, inserted, strict=True):
        stream, version, topic, state = (event.originator_id, event.originator_version,
                                         event.topic, event.state)
        if not (type(stream) is UUID and type(text) is str and type(version) is int
                and type(topic) is str and type(state) is bytes):
            return None
        topic_field = _topic_fields.get(topic)
        if topic_field is None:
            data = topic.encode("utf-8", "surrogatepass")
            topic_field = _TEXT_HEAD(b"S", len(data)) + data
            if len(_topic_fields) < _TOPIC_FIELDS_MAX:
                _topic_fields[topic] = topic_field
        number, version_text = b"%d" % notification_id, b"%d" % version
        previous = sha256(b"".join((
            previous, _INTEGER_HEAD(b"I", len(number)), number, b"U", bytes.fromhex(text),
            _INTEGER_HEAD(b"I", len(version_text)), version_text, topic_field,
            _BYTES_HEAD(b"B", len(state)), state))).digest()
        sequence += 1
        links.append((notification_id, sequence,
                      f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}",
                      version, topic, previous, sealed_at))
        notification_id += 1
    return links
