"""What the relay writes for one stored event: its key, value and headers."""

from __future__ import annotations

import msgspec
from eventsourcing.persistence import Notification


class _Context(msgspec.Struct):
    correlation_id: str = ""


class _Envelope(msgspec.Struct):
    """Only what the relay reads from a stored event; msgspec skips every other field."""

    context: _Context = msgspec.field(default_factory=_Context)


envelope_decoder = msgspec.msgpack.Decoder(type=_Envelope)
"""Reads only a stored event's correlation id (the relay's hot loop uses it directly)."""


def correlation_id_of(state: bytes) -> str:
    """The ``context.correlation_id`` of a stored event, or ``""`` if it has none."""
    try:
        return envelope_decoder.decode(state).context.correlation_id
    except (msgspec.DecodeError, msgspec.ValidationError):
        # Not every stored record need be a ledger event (a foreign or older shape): it is
        # still relayed, without a correlation id, rather than stopping the log.
        return ""


def headers_for(notification: Notification) -> list[tuple[str, bytes]]:
    """The Kafka headers the relay writes for one notification."""
    return [
        ("event-type", notification.topic.encode()),
        ("notification-id", str(notification.id).encode()),
        ("stream-version", str(notification.originator_version).encode()),
        ("correlation-id", correlation_id_of(notification.state).encode()),
    ]


def key_for(notification: Notification) -> bytes:
    """The Kafka key of a notification: its stream id as a canonical UUID string."""
    return str(notification.originator_id).encode()
