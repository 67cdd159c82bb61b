"""Command record stream: makes every command idempotent.

Each handled command leaves one record whose id is derived from the client-chosen command id.
The record is saved in the same transaction as the command's events, so either both exist or
neither does; a second save with the same command id collides on the store's unique key.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import ClassVar
from uuid import UUID

import msgspec

from domain.base import Aggregate, Context, Created, utc_now
from domain.ids import name_id


def command_record_id(command_id: str) -> UUID:
    """The record stream's id for a client-chosen command id."""
    return name_id("command", command_id)


ADDED_FIELDS: dict[str, object] = {"backdating_reason": ""}
"""Fields every command gained after digests were first recorded, with their defaults: left
out of the digest while at their default, so that a command sent again after an upgrade
still matches the digest its first run recorded (a replay, not ``command_id_reused``)."""


def command_digest(command: msgspec.Struct) -> str:
    """A fingerprint of the command's content, to spot a reused id with different content.

    Fields a command class lists in ``PERSONAL_FIELDS`` (a household's name and contact) are
    left out: the digest outlives a household's erasure, and a hash of a guessable name
    would let anyone confirm a guess.
    """
    cls = type(command)
    added_field = _ADDED_FIELD_TEXT.get(cls)
    if added_field is None:
        added_field = _added_field_text(cls)
    if added_field and getattr(command, "backdating_reason", None) == "":
        # The usual case, the command encoded as it is minus the one field at its default:
        # the same bytes as encoding the dict without it, and a third of the time. The
        # text below can only be that field (a comma in a string value is followed by an
        # escaped quote, never a bare one), and ``_added_field_text`` vouches for the rest.
        encoded = msgspec.json.encode(command).replace(added_field, b"", 1)
        return hashlib.sha256(encoded).hexdigest()
    personal: tuple[str, ...] = getattr(cls, "PERSONAL_FIELDS", ())
    added = [name for name, default in ADDED_FIELDS.items()
             if getattr(command, name, default) == default]
    if personal or added:
        fields = msgspec.structs.asdict(command)
        for name in (*personal, *added):
            fields.pop(name, None)
        return hashlib.sha256(msgspec.json.encode(fields)).hexdigest()
    return hashlib.sha256(msgspec.json.encode(command)).hexdigest()


_ADDED_FIELD_TEXT: dict[type, bytes] = {}


def _added_field_text(cls: type[msgspec.Struct]) -> bytes:
    """``,"backdating_reason":""`` when a command class can be digested by cutting that text
    out of its encoding (no personal field, the field present and not first, and fields
    encoded as named, in order, untagged), else empty."""
    config = cls.__struct_config__
    fields = cls.__struct_fields__
    fits = (not getattr(cls, "PERSONAL_FIELDS", ()) and list(ADDED_FIELDS) == ["backdating_reason"]
            and "backdating_reason" in fields[1:] and cls.__struct_encode_fields__ == fields
            and config.tag is None and not config.omit_defaults and not config.array_like)
    text = b',"backdating_reason":""' if fits else b""
    _ADDED_FIELD_TEXT[cls] = text
    return text


class CommandRecord(Aggregate):
    """The outcome of one command, replayed when the same command id comes again."""

    command_type: str
    digest: str
    stream_ids: list[UUID]
    events_written: int

    class Handled(Created, frozen=True, kw_only=True):
        """A command was handled; these streams changed."""

        TOPIC: ClassVar[str] = "command.handled"
        command_type: str
        digest: str
        stream_ids: list[UUID]
        """Streams the command created or changed, main one first."""
        events_written: int

        def apply(self, record: CommandRecord) -> None:
            record.command_type = self.command_type
            record.digest = self.digest
            record.stream_ids = list(self.stream_ids)
            record.events_written = self.events_written

    @classmethod
    def handled(cls, context: Context, *, command_type: str, digest: str,
                stream_ids: list[UUID], events_written: int,
                record_id: UUID | None = None) -> CommandRecord:
        """Record a handled command (``record_id``: its ``command_record_id``, if known)."""
        return cls._start(cls.Handled(
            originator_id=record_id or command_record_id(context.command_id),
            originator_version=1, timestamp=utc_now(), context=context,
            command_type=command_type, digest=digest, stream_ids=stream_ids,
            events_written=events_written))


CommandRecord.Handled.AGGREGATE = CommandRecord


class Cooperative(Aggregate):
    """Singleton stream founded once: its creation bootstraps the first coordinator."""

    name: str
    founder_id: UUID
    founded_at: datetime
    """Business time of the founding: no act may be dated before it."""

    ID: ClassVar[UUID] = name_id("cooperative", "singleton")

    class Founded(Created, frozen=True, kw_only=True):
        """The cooperative's ledger was started."""

        TOPIC: ClassVar[str] = "cooperative.founded"
        name: str
        founder_id: UUID

        def apply(self, cooperative: Cooperative) -> None:
            cooperative.name = self.name
            cooperative.founder_id = self.founder_id
            cooperative.founded_at = self.context.occurred_at

    @classmethod
    def found(cls, context: Context, *, name: str, founder_id: UUID) -> Cooperative:
        """Found the cooperative."""
        return cls._create(cls.Founded, cls.ID, context=context, name=name,
                           founder_id=founder_id)


Cooperative.Founded.AGGREGATE = Cooperative
