"""The history export: stored events with their chain links and the latest signed checkpoint,
in one file anyone can verify with no database and no server.

The file is JSON Lines (UTF-8, one JSON object per line):

- line 1, the header: ``type`` (``cocagne-ledger/history-export``), ``format_version``,
  ``algorithm`` (the chain's), ``store``, ``exported_at``, ``scope`` (``all``, or one
  member), ``head`` (the chain head the export runs to: notification id, position, link),
  ``events`` and ``outside_scope`` (how many lines of each kind follow),
  ``sealed_as_written_since`` and ``checkpoint`` (the latest signed checkpoint at or before
  the head, as ``cocagne checkpoint`` writes it, or null);
- then one line per event, in notification order: ``notification_id``, ``sequence`` (its
  chain position), ``link`` (hex), ``sealed_at``, and the stored row exactly as the database
  holds it: ``stream_id``, ``version``, ``topic`` and ``state`` (the stored bytes in
  base64), plus ``data``, a readable rendering of those bytes (checked against them);
- in an export scoped to one member, an event that does not concern the member is a line
  with its ``notification_id``, ``sequence`` and ``link`` only, and ``outside_scope: true``.

A stored value that is not of its usual type (a stream id that is not a UUID, say) is
written tagged, ``{"text": …}``, ``{"bytes": base64}``, ``{"int": …}``, so the bytes the
chain hashes are reproduced exactly and a changed type still breaks the link.

An event *concerns* a member when its stream does: a stream concerns the member when it is
the member's own, or when any of its events names the member (as actor, producer, platform,
outlet, funder, household… any field holding its id). The member's file holds those streams
whole; the links of every other event are given so the chain can be followed to the head,
but they cannot be recomputed without the events, so they are taken as given and counted
apart: such a file proves the member's events are the ones sealed, and that the chain they
sit in ends at the signed head, only as far as those other links are honest.

``verify_file`` reads the file with ``FileChainStore`` (two sequential cursors, one page at a
time, so a large file is never loaded whole) and runs the same walk as ``cocagne verify``
on a database; a line that cannot be read is named (line number and notification id).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from infra.audit.chain import (
    ALGORITHM,
    ChainError,
    ChainStore,
    DatabaseChainStore,
    Link,
    StoredRow,
    StoredValue,
    iter_events,
    iter_links,
    utc_timestamp,
)
from infra.audit.checkpoints import (
    Checkpoint,
    CheckpointError,
    check_signature,
    key_id,
    latest_checkpoint,
)
from infra.audit.verify import Finding, VerifyReport, verify

EXPORT_TYPE = "cocagne-ledger/history-export"
EXPORT_FORMAT_VERSION = 1
LINE_BYTES_MAX = 16 * 1024 * 1024
"""The longest line read: an event is a few hundred bytes; a batch's largest, a few hundred
kB. Anything longer is not one of ours and is refused rather than read into memory."""
RENDER_DEPTH_MAX = 32
"""Nesting rendered in ``data``: events are a few levels deep; deeper is cut with a marker."""
UUID_BYTES = 16
_NOTIFICATION_ID = re.compile(rb'"notification_id"\s*:\s*(\d+)')


class HistoryFileError(Exception):
    """The export cannot be written, or the file is not a history export at all."""


class NothingSealed(HistoryFileError):
    """The store has no sealed event yet: there is no history to export."""


# ------------------------------------------------------------------------- values


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


def _stream_out(value: StoredValue) -> Any:
    return str(value) if isinstance(value, UUID) else _tagged(value)


def _version_out(value: StoredValue) -> Any:
    return value if isinstance(value, int) and not isinstance(value, bool) else _tagged(value)


def _topic_out(value: StoredValue) -> Any:
    return value if isinstance(value, str) else _tagged(value)


def _state_out(value: StoredValue) -> Any:
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


def _stream_in(value: Any) -> StoredValue:
    return _canonical_uuid(value) if isinstance(value, str) else _untagged(value)


def _version_in(value: Any) -> StoredValue:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return _untagged(value)


def _topic_in(value: Any) -> StoredValue:
    return value if isinstance(value, str) else _untagged(value)


def _state_in(value: Any) -> StoredValue:
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


# ------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class ExportSummary:
    """What an export holds."""

    head_notification_id: int
    events: int
    outside_scope: int
    checkpoint_notification_id: int | None


def _line(document: dict[str, Any]) -> bytes:
    return msgspec.json.encode(document) + b"\n"


def streams_of_member(store: ChainStore, member_id: UUID, up_to: int
                      ) -> tuple[set[StoredValue], int]:
    """The streams that concern a member (see the module's docstring) up to a notification,
    and how many events they hold."""
    streams: set[StoredValue] = {member_id}
    counts: dict[StoredValue, int] = {}
    for row in iter_events(store):
        if row.notification_id > up_to:
            break
        counts[row.originator_id] = counts.get(row.originator_id, 0) + 1
        if row.originator_id not in streams and names_member(row, member_id):
            streams.add(row.originator_id)
    return streams, sum(counts.get(stream, 0) for stream in streams)


def write_history(store: DatabaseChainStore, out: IO[bytes],
                  member_id: UUID | None = None) -> ExportSummary:
    """Write the history export of ``store`` (one member's when ``member_id``) to ``out``.

    The export runs to the chain head read at the start: later events are left for the next
    export, so the file is one consistent prefix of the history even while writers go on
    (ids up to the head are all committed, and no writer adds one below it).
    """
    head = store.head()
    if head is None:
        raise NothingSealed(f"nothing is sealed in {store.source}: no history to export")
    checkpoint = latest_checkpoint(store, at_or_before=head.notification_id)
    streams: set[StoredValue] | None = None
    events = head.sequence
    if member_id is not None:
        streams, events = streams_of_member(store, member_id, head.notification_id)
    header = {
        "type": EXPORT_TYPE, "format_version": EXPORT_FORMAT_VERSION, "algorithm": ALGORITHM,
        "store": store.source, "exported_at": utc_timestamp(),
        "scope": {"kind": "all"} if member_id is None else
        {"kind": "member", "member_id": str(member_id)},
        "head": {"notification_id": head.notification_id, "sequence": head.sequence,
                 "link": head.link.hex()},
        "events": events, "outside_scope": head.sequence - events,
        "sealed_as_written_since": store.sealed_as_written_since(),
        "checkpoint": msgspec.to_builtins(checkpoint) if checkpoint else None,
    }
    out.write(_line(header))
    rows = (row for row in iter_events(store) if row.notification_id <= head.notification_id)
    links = (link for link in iter_links(store) if link.notification_id <= head.notification_id)
    for link, row in _paired(links, rows, store.source):
        document: dict[str, Any] = {"notification_id": link.notification_id,
                                    "sequence": link.sequence, "link": link.link.hex()}
        if streams is not None and row.originator_id not in streams:
            document["outside_scope"] = True
        else:
            document.update(sealed_at=link.sealed_at, stream_id=_stream_out(row.originator_id),
                            version=_version_out(row.originator_version),
                            topic=_topic_out(row.topic), state=_state_out(row.state),
                            data=readable(row.state))
        out.write(_line(document))
    return ExportSummary(head_notification_id=head.notification_id, events=events,
                         outside_scope=head.sequence - events,
                         checkpoint_notification_id=checkpoint.notification_id
                         if checkpoint else None)


def _paired(links: Iterator[Link], rows: Iterator[StoredRow], source: str
            ) -> Iterator[tuple[Link, StoredRow]]:
    """Each link with its event; an export is refused if the store itself does not verify."""
    for link in links:
        row = next(rows, None)
        if row is None or row.notification_id != link.notification_id:
            raise HistoryFileError(
                f"{source}: the events and the chain disagree at notification "
                f"{link.notification_id}: run `cocagne verify` before exporting")
        yield link, row
    extra = next(rows, None)
    if extra is not None:
        raise HistoryFileError(f"{source}: notification {extra.notification_id} has no link: "
                               "run `cocagne verify` before exporting")


# ------------------------------------------------------------------------- reading


class Header(msgspec.Struct, frozen=True, kw_only=True):
    """The first line of an export."""

    type: str
    format_version: int
    algorithm: str
    store: str
    exported_at: str
    scope: dict[str, str]
    head: dict[str, int | str]
    events: int
    outside_scope: int
    sealed_as_written_since: int | None = None
    checkpoint: Checkpoint | None = None


@dataclass(frozen=True)
class Damage:
    """The first line that cannot be read as part of an export."""

    line: int
    notification_id: int | None
    reason: str


def _parse_line(raw: bytes) -> tuple[Link, StoredRow | None, Any]:
    document = msgspec.json.decode(raw)
    if not isinstance(document, dict):
        raise TypeError("not a JSON object")
    notification_id = document["notification_id"]
    sequence = document["sequence"]
    if not (isinstance(notification_id, int) and isinstance(sequence, int)) or \
            notification_id < 1 or sequence < 1:
        raise ValueError("notification_id and sequence must be positive integers")
    link_bytes = bytes.fromhex(document["link"])
    if document.get("outside_scope") is True:
        return Link(sequence=sequence, notification_id=notification_id, originator_id="",
                    originator_version=-1, topic="", link=link_bytes, sealed_at="",
                    redacted=True), None, None
    row = StoredRow(notification_id=notification_id,
                    originator_id=_stream_in(document["stream_id"]),
                    originator_version=_version_in(document["version"]),
                    topic=_topic_in(document["topic"]), state=_state_in(document["state"]))
    stream, version = row.originator_id, row.originator_version
    link = Link(sequence=sequence, notification_id=notification_id,
                originator_id="" if stream is None else
                stream.hex() if isinstance(stream, bytes) else str(stream),
                originator_version=version if isinstance(version, int) else -1,
                topic="" if row.topic is None else str(row.topic), link=link_bytes,
                sealed_at=str(document.get("sealed_at", "")))
    return link, row, document.get("data")


class _Cursor:
    """Reads the event lines of a file in order, one at a time."""

    def __init__(self, path: Path, stop_line: int | None) -> None:
        self._file = path.open("rb")
        self._file.readline(LINE_BYTES_MAX)  # The header.
        self._line_number = 1
        self._stop_line = stop_line

    def next(self) -> tuple[Link, StoredRow | None, Any] | None:
        raw = self._file.readline(LINE_BYTES_MAX)
        self._line_number += 1
        if not raw.strip() or (self._stop_line is not None and
                               self._line_number >= self._stop_line):
            return None
        return _parse_line(raw)

    def close(self) -> None:
        self._file.close()


class FileChainStore:
    """A history export read as a ``ChainStore``: the same walk verifies it."""

    def __init__(self, path: Path, header: Header, stop_line: int | None = None,
                 last: Link | None = None) -> None:
        self.source = str(path)
        self.header = header
        self._events = _Cursor(path, stop_line)
        self._links = _Cursor(path, stop_line)
        self._last = last
        self.data_mismatch: tuple[StoredRow, Link] | None = None
        """The first event whose readable ``data`` does not render its stored bytes."""

    def read_events(self, start: int, limit: int) -> list[StoredRow]:
        """Events with notification id ``>= start`` (the walk asks in increasing order)."""
        found: list[StoredRow] = []
        while len(found) < limit:
            item = self._events.next()
            if item is None:
                break
            link, row, data = item
            if row is None or link.notification_id < start:
                continue
            if self.data_mismatch is None and data != readable(row.state):
                self.data_mismatch = (row, link)
            found.append(row)
        return found

    def read_links(self, start: int, limit: int) -> list[Link]:
        """Links with notification id ``>= start``."""
        found: list[Link] = []
        while len(found) < limit:
            item = self._links.next()
            if item is None:
                break
            if item[0].notification_id >= start:
                found.append(item[0])
        return found

    def head(self) -> Link | None:
        """The last link of the file."""
        return self._last

    def append(self, links: object, expected_head_sequence: int) -> None:
        """A file is read, never extended."""
        del links, expected_head_sequence
        raise ChainError("an exported history is read-only")

    def max_notification_id(self) -> int:
        """The last notification id in the file."""
        return self._last.notification_id if self._last else 0

    def sealed_as_written_since(self) -> int | None:
        """As the header says."""
        return self.header.sealed_as_written_since

    def close(self) -> None:
        """Close both cursors."""
        self._events.close()
        self._links.close()


def read_header(path: Path) -> Header:
    """The header of an export, or ``HistoryFileError``."""
    try:
        with path.open("rb") as file:
            first = file.readline(LINE_BYTES_MAX)
    except OSError as error:
        raise HistoryFileError(f"cannot read {path}: {error}") from error
    try:
        header = msgspec.json.decode(first, type=Header)
    except msgspec.DecodeError as error:
        raise HistoryFileError(f"{path} is not a history export (its first line: "
                               f"{error})") from error
    if header.type != EXPORT_TYPE or header.format_version != EXPORT_FORMAT_VERSION:
        raise HistoryFileError(f"{path} is a {header.type} version {header.format_version}, "
                               f"not a {EXPORT_TYPE} version {EXPORT_FORMAT_VERSION}")
    if header.algorithm != ALGORITHM:
        raise HistoryFileError(f"{path} uses the chain {header.algorithm}, not {ALGORITHM}")
    return header


def _survey(path: Path) -> tuple[Link | None, Damage | None]:
    """One pass over the lines: the last link, and the first line that cannot be read."""
    last: Link | None = None
    with path.open("rb") as file:
        file.readline(LINE_BYTES_MAX)
        for number, raw in enumerate(iter(lambda: file.readline(LINE_BYTES_MAX), b""),
                                     start=2):
            if not raw.strip():
                continue
            guess = _NOTIFICATION_ID.search(raw)
            guessed = int(guess.group(1)) if guess else None
            try:
                link, _, _ = _parse_line(raw)
            except (msgspec.DecodeError, KeyError, TypeError, ValueError,
                    binascii.Error) as error:
                return last, Damage(number, guessed, f"{type(error).__name__}: {error}")
            if not raw.endswith(b"\n"):
                return last, Damage(number, guessed, "the line is cut short")
            if last is not None and link.notification_id <= last.notification_id:
                return last, Damage(number, link.notification_id,
                                    f"notification {link.notification_id} comes after "
                                    f"{last.notification_id}: lines were moved or repeated")
            last = link
    return last, None


def _declared_head(header: Header) -> Link | None:
    head = header.head
    try:
        return Link(sequence=int(head["sequence"]), notification_id=int(head["notification_id"]),
                    originator_id="", originator_version=-1, topic="",
                    link=bytes.fromhex(str(head["link"])), sealed_at="")
    except (KeyError, ValueError):
        return None


def verify_file(path: Path, trusted_key: Ed25519PublicKey | None = None,
                kept: Sequence[tuple[Path, Checkpoint]] = ()) -> VerifyReport:
    """Verify an exported history alone: its chain, its signed checkpoint, its lines, and the
    checkpoints a member kept (``kept``, already read and checked)."""
    header = read_header(path)
    notes: list[str] = []
    checkpoints: list[tuple[Path, Checkpoint]] = list(kept)
    checkpoint_finding: Finding | None = None
    if header.checkpoint is not None:
        try:
            checkpoint = check_signature(header.checkpoint, trusted_key,
                                         name=f"the checkpoint in {path.name}")
            checkpoints.append((Path(f"{path.name}#checkpoint"), checkpoint))
            notes.append(f"signed checkpoint: {checkpoint.sequence} events up to notification "
                         f"{checkpoint.notification_id}, key {checkpoint.key_id}"
                         + ("" if trusted_key else " (key not pinned: pass --public-key)"))
        except CheckpointError as error:
            checkpoint_finding = Finding(problem="bad_checkpoint",
                                         notification_id=header.checkpoint.notification_id,
                                         detail=str(error))
    elif trusted_key is not None:
        checkpoint_finding = Finding(
            problem="unsigned", notification_id=None,
            detail=f"the export carries no signed checkpoint: nothing ties it to key "
                   f"{key_id(trusted_key)}")
    else:
        notes.append("no signed checkpoint in the export: the chain is only checked "
                     "against itself")
    last, damage = _survey(path)
    store = FileChainStore(path, header, stop_line=damage.line if damage else None, last=last)
    try:
        report = verify(store, checkpoints,
                        declared_head=None if damage else _declared_head(header))
    finally:
        store.close()
    finding = report.finding
    if damage is not None and (finding is None or finding.problem == "truncated" or
                               (finding.notification_id or 0) >= (damage.notification_id or 0)):
        finding = Finding(problem="unreadable", notification_id=damage.notification_id,
                          detail=f"line {damage.line} of {path.name} is not an exported event "
                                 f"({damage.reason}): the file was edited or damaged there")
    if finding is None and store.data_mismatch is not None:
        row, _ = store.data_mismatch
        finding = Finding(problem="changed", notification_id=row.notification_id,
                          stream_id=str(row.originator_id), version=row.originator_version
                          if isinstance(row.originator_version, int) else None,
                          topic=str(row.topic),
                          detail="its readable data no longer renders its stored bytes: the "
                                 "readable copy was edited")
    if finding is None and checkpoint_finding is not None:
        finding = checkpoint_finding
    if header.scope.get("kind") == "member":
        notes.insert(0, f"scope: the history that concerns member {header.scope.get('member_id')}")
    covered = max((checkpoint.notification_id for _, checkpoint in checkpoints), default=None)
    if covered is not None and last is not None and last.notification_id > covered:
        notes.append(f"events after notification {covered} are checked against the export's "
                     "own links only (a later checkpoint covers them)")
    return msgspec.structs.replace(report, ok=finding is None, finding=finding, notes=notes)
