"""Stored form of events: MessagePack by msgspec, typed decoding, upcasting.

The stored topic is the event class's ``TOPIC`` for version 1, and ``TOPIC#vN`` for later
versions, so a reader knows the stored shape before decoding. Events of the current version
decode straight into their Struct (``msgspec.msgpack.decode(state, type=cls)``); older ones
decode to a dict, pass through the class's ``upcast_vN_vN+1`` static methods, then convert.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent

from domain.base import Event, event_class_for_topic

VERSION_SEPARATOR = "#v"

_encoder = msgspec.msgpack.Encoder(uuid_format="bytes")
_dict_decoder = msgspec.msgpack.Decoder()


_stored_topics: dict[type[Event], str] = {}


def stored_topic(event_class: type[Event]) -> str:
    """The topic written in the store for the current version of ``event_class``."""
    topic = _stored_topics.get(event_class)
    if topic is None:
        topic = event_class.TOPIC
        if event_class.class_version != 1:
            topic = f"{topic}{VERSION_SEPARATOR}{event_class.class_version}"
        _stored_topics[event_class] = topic
    return topic


def split_stored_topic(topic: str) -> tuple[str, int]:
    """``("lot.offered", 2)`` from ``"lot.offered#v2"``; version 1 when unsuffixed."""
    base, separator, version = topic.rpartition(VERSION_SEPARATOR)
    if separator and version.isdigit():
        return base, int(version)
    return topic, 1


@lru_cache(maxsize=512)
def _decoder_for(topic: str) -> tuple[type[Event], int, msgspec.msgpack.Decoder[Any]]:
    base, version = split_stored_topic(topic)
    event_class = event_class_for_topic(base)
    return event_class, version, msgspec.msgpack.Decoder(type=event_class)


encode_event: Callable[[Event], bytes] = _encoder.encode
"""The stored bytes of an event (the encoder's own method: one call fewer per event)."""


def decode_event(topic: str, state: bytes) -> Event:
    """Decode stored bytes, upcasting older versions to the current class."""
    event_class, stored_version, decoder = _decoder_for(topic)
    if stored_version == event_class.class_version:
        event: Event = decoder.decode(state)
        return event
    fields: dict[str, Any] = _dict_decoder.decode(state)
    version = stored_version
    while version < event_class.class_version:
        upcast = getattr(event_class, f"upcast_v{version}_v{version + 1}")
        upcast(fields)
        version += 1
    converted: Event = msgspec.convert(fields, type=event_class, dec_hook=_bytes_to_uuid)
    return converted


def _bytes_to_uuid(target_type: type, value: Any) -> Any:
    if target_type is UUID and isinstance(value, bytes):
        return UUID(bytes=value)
    raise NotImplementedError


class StructMapper(Mapper[UUID]):
    """eventsourcing mapper for msgspec Struct events (no transcoder, cipher or compressor)."""

    def __init__(self) -> None:
        # The base class wants a transcoder; this mapper never calls one.
        self.transcoder = None  # type: ignore[assignment]
        self.compressor = None
        self.cipher = None

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        """Encode an event as eventsourcing stores it."""
        event: Event = domain_event
        topic = _stored_topics.get(type(event)) or stored_topic(type(event))
        # Positional: a frozen dataclass's keyword arguments cost a third more, per event.
        return StoredEvent(event.originator_id, event.originator_version, topic,
                           _encoder.encode(event))

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        """Decode a stored event (upcasting it when stored by an older version)."""
        try:
            return decode_event(stored_event.topic, stored_event.state)
        except (msgspec.DecodeError, msgspec.ValidationError, KeyError) as error:
            msg = (f"cannot decode stored event {stored_event.topic!r} of stream "
                   f"{stored_event.originator_id} version {stored_event.originator_version}: "
                   f"{error}")
            raise MapperDeserialisationError(msg) from error
