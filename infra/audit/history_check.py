"""Reading a history export back and verifying it alone, with no database and no server.

The file is read a page at a time (``FileChainStore``); ``verify_file`` checks its chain, its
signed checkpoint, its lines and the checkpoints a member kept.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from infra.audit.chain import ALGORITHM, ChainError, Link, StoredRow
from infra.audit.checkpoints import Checkpoint, CheckpointError, check_signature, key_id
from infra.audit.history_file import (
    EXPORT_FORMAT_VERSION,
    EXPORT_TYPE,
    LINE_BYTES_MAX,
    HistoryFileError,
)
from infra.audit.history_values import readable, state_in, stream_in, topic_in, version_in
from infra.audit.verify import Finding, VerifyReport, verify

_NOTIFICATION_ID = re.compile(rb'"notification_id"\s*:\s*(\d+)')


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
                    originator_id=stream_in(document["stream_id"]),
                    originator_version=version_in(document["version"]),
                    topic=topic_in(document["topic"]), state=state_in(document["state"]))
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
