"""The relay's records as the handler sees them, and the dead letters made of bad ones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from consumers.dead_letters import DeadLetter, dead_letter

_HEADER_EVENT_TYPE = "event-type"
# The relay's keys are ``str(UUID)``: checked by this pattern in a tenth of what parsing them
# with ``UUID()`` costs (which still judges any other spelling, as before).
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEADER_NOTIFICATION_ID = "notification-id"
_HEADER_STREAM_VERSION = "stream-version"


class HandlerError(RuntimeError):
    """A record could not be applied; names the record so the log line can."""

    def __init__(self, message: str, record: Delivered | None = None) -> None:
        super().__init__(message)
        self.record = record


@dataclass(frozen=True, slots=True)
class Delivered:
    """One record of the relay's topic, as the handler sees it (no broker types)."""

    topic: str
    partition: int
    offset: int
    stream_id: str
    event_type: str
    notification_id: int
    stream_version: int
    value: bytes


def delivered_from_message(message: Any) -> Delivered:
    """A :class:`Delivered` from a kafka-python ``ConsumerRecord`` written by the relay."""
    headers = dict(message.headers or ())
    try:
        stream_id = bytes(message.key).decode("ascii")
        if _CANONICAL_UUID.fullmatch(stream_id) is None:
            UUID(stream_id)  # The relay keys every record by its stream's id.
        return Delivered(
            topic=message.topic, partition=message.partition, offset=message.offset,
            stream_id=stream_id,
            event_type=headers[_HEADER_EVENT_TYPE].decode(),
            notification_id=int(headers[_HEADER_NOTIFICATION_ID]),
            stream_version=int(headers[_HEADER_STREAM_VERSION]),
            value=bytes(message.value))
    except (KeyError, ValueError, TypeError, UnicodeDecodeError) as error:
        raise HandlerError(f"record is not a relayed event (a stream id as key, headers "
                           f"{_HEADER_EVENT_TYPE}, {_HEADER_NOTIFICATION_ID}, "
                           f"{_HEADER_STREAM_VERSION} required): {error!r}") from error


def dead_letter_of_message(view: str, message: Any, error: Exception) -> DeadLetter:
    """The dead letter of a kafka-python record that is not a relayed event."""
    value = message.value if isinstance(message.value, bytes | bytearray) else None
    return dead_letter(view=view, topic=message.topic, partition=message.partition,
                       offset=message.offset, error=str(error),
                       value=None if value is None else bytes(value))


def dead_letter_of_record(view: str, record: Delivered, error: Exception) -> DeadLetter:
    """The dead letter of a relayed record that could not be decoded or applied."""
    return dead_letter(view=view, topic=record.topic, partition=record.partition,
                       offset=record.offset, error=str(error), value=record.value,
                       stream_id=record.stream_id, event_type=record.event_type,
                       notification_id=record.notification_id,
                       stream_version=record.stream_version)
