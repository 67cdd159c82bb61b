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

``verify_file`` (``infra.audit.history_check``) reads the file with ``FileChainStore`` (two
sequential cursors, one page at a time, so a large file is never loaded whole) and runs the
same walk as ``cocagne verify`` on a database; a line that cannot be read is named (line
number and notification id). How stored values are written in a line and read back is
``infra.audit.history_values``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from uuid import UUID

import msgspec

from infra.audit.chain import (
    ALGORITHM,
    ChainStore,
    DatabaseChainStore,
    Link,
    StoredRow,
    StoredValue,
    iter_events,
    iter_links,
    utc_timestamp,
)
from infra.audit.checkpoints import latest_checkpoint
from infra.audit.history_values import (
    names_member,
    readable,
    state_out,
    stream_out,
    topic_out,
    version_out,
)

EXPORT_TYPE = "cocagne-ledger/history-export"
EXPORT_FORMAT_VERSION = 1
LINE_BYTES_MAX = 16 * 1024 * 1024
"""The longest line read: an event is a few hundred bytes; a batch's largest, a few hundred
kB. Anything longer is not one of ours and is refused rather than read into memory."""


class HistoryFileError(Exception):
    """The export cannot be written, or the file is not a history export at all."""


class NothingSealed(HistoryFileError):
    """The store has no sealed event yet: there is no history to export."""


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
            document.update(sealed_at=link.sealed_at, stream_id=stream_out(row.originator_id),
                            version=version_out(row.originator_version),
                            topic=topic_out(row.topic), state=state_out(row.state),
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
