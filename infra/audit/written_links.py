"""The write path's rows and links: a transaction's own events linked straight from what it
inserts.

``infra.audit.chain.compute_link`` hashes an events-table row as the driver reads it back.
A sealing recorder links the events it has just inserted, whose values it holds: stream ids
as 32 hexadecimal digits of a ``UUID`` (as eventsourcing writes them, read back as a
``UUID``), versions as ``int``, topics as ``str``, states as ``bytes``. For those types the
canonical bytes are fixed, so this module builds them with fewer steps (each topic's field
and each small version's encoded once, each stream id formatted once for the events table
and the chain row) and gives exactly ``compute_link``'s links:
``tests/unit/test_written_links.py`` pins them to it. Anything else is left to the general
path.

The ledger's rows come straight from its events (``ledger_rows``): the same values
eventsourcing's mapper and SQLite recorder would insert (``StructMapper.to_stored_event``,
then the stream id's hex), without a ``StoredEvent`` per event.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.base import Event
from domain.codec import encode_event, stored_topic
from infra.audit.chain import ChainRow

_INTEGER_HEAD = struct.Struct(">cI").pack  # b"I" and the decimal text's length.
_BYTES_HEAD = struct.Struct(">cQ").pack  # b"B" and the state's length.
_TEXT_HEAD = struct.Struct(">cQ").pack  # b"S" and the topic's length.
_TOPIC_FIELDS_MAX = 10_000  # Distinct topics remembered: a few hundred event classes.
_topic_fields: dict[str, bytes] = {}
_VERSION_FIELDS = [_INTEGER_HEAD(b"I", len(b"%d" % version)) + b"%d" % version
                   for version in range(4_096)]
"""The canonical field of each small version: most events are among a stream's first."""

EventRow = tuple[str, int, str, bytes]
"""An events-table row as inserted into SQLite by the ledger: stream id (32 hex digits of a
``UUID``, as eventsourcing writes it), version, topic, state."""


AnyRow = tuple[Any, int, str, bytes]
"""An events-table row as inserted into SQLite from any stored event (its stream id as the
recorder got it, unless a ``UUID``)."""


def sqlite_event_rows(events: Sequence[StoredEvent]) -> tuple[list[AnyRow], bool]:
    """The rows to insert, and whether every row holds the ledger's types (then
    ``written_links`` links them; otherwise ``compute_link`` must)."""
    rows: list[AnyRow] = []
    linkable = True
    for event in events:
        stream: Any = event.originator_id
        version, topic, state = event.originator_version, event.topic, event.state
        if type(stream) is UUID:
            stream = f"{stream.int:032x}"
        else:
            linkable = False
        if not (type(version) is int and type(topic) is str and type(state) is bytes):
            linkable = False
        rows.append((stream, version, topic, state))
    return rows, linkable


_topics: dict[type[Event], str] = {}


def ledger_rows(events: Iterable[Event]) -> list[EventRow]:
    """The rows of the ledger's events, exactly as ``sqlite_event_rows`` makes them from
    ``StructMapper.to_stored_event``'s stored events (``tests/unit/test_written_links.py``).

    Every event's stream id is a ``UUID`` (``Event.originator_id``), its version an ``int``
    and its state the bytes ``encode_event`` gives, so ``written_links`` can link them.
    """
    topics, encode = _topics, encode_event
    rows = []
    for event in events:
        topic = topics.get(type(event))
        if topic is None:
            topic = topics[type(event)] = stored_topic(type(event))
        rows.append((f"{event.originator_id.int:032x}", event.originator_version, topic,
                     encode(event)))
    return rows


def written_links(previous: bytes, sequence: int, first_id: int, rows: Sequence[EventRow],
                  sealed_at: str) -> list[ChainRow]:
    """The chain rows of ``rows``, stored under consecutive notification ids from
    ``first_id`` right after the link ``previous`` at chain position ``sequence``.

    ``rows``: as ``ledger_rows`` makes them, or ``sqlite_event_rows`` when it found them
    linkable (stream ids as 32 hex digits of a ``UUID``).
    """
    links: list[ChainRow] = []
    sha256, fromhex, join = hashlib.sha256, bytes.fromhex, b"".join
    topic_fields, version_fields = _topic_fields, _VERSION_FIELDS
    number_head_length, number_head = 0, b""
    notification_id = first_id
    for text, version, topic, state in rows:
        topic_field = topic_fields.get(topic)
        if topic_field is None:
            data = topic.encode("utf-8", "surrogatepass")
            topic_field = _TEXT_HEAD(b"S", len(data)) + data
            if len(topic_fields) < _TOPIC_FIELDS_MAX:
                topic_fields[topic] = topic_field
        number = b"%d" % notification_id
        if len(number) != number_head_length:
            number_head_length = len(number)
            number_head = _INTEGER_HEAD(b"I", number_head_length)
        if 0 <= version < 4_096:
            version_field = version_fields[version]
        else:
            version_text = b"%d" % version
            version_field = _INTEGER_HEAD(b"I", len(version_text)) + version_text
        previous = sha256(join((previous, number_head, number, b"U", fromhex(text),
                                version_field, topic_field, _BYTES_HEAD(b"B", len(state)),
                                state))).digest()
        sequence += 1
        links.append((notification_id, sequence,
                      f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}",
                      version, topic, previous, sealed_at))
        notification_id += 1
    return links
