"""Verification: recompute the chain from the events and name the first one that fails.

The walk reads the events table and ``event_chain`` side by side in notification order and
recomputes every link from the genesis value. The first of these, in notification order,
is reported:

- ``changed``: the event's stored bytes (or its stream id, version or topic) no longer
  give the sealed link: edited, or swapped with another (the report says whose state the
  row now holds when it can tell);
- ``missing``: a sealed event is gone (deleted, or the tail truncated); also when an event
  was deleted together with its chain row, seen as a gap in the chain positions;
- ``unsealed_insert``: an event sits inside the sealed range without a link (inserted later);
- ``checkpoint_mismatch``: at a kept checkpoint's position the recomputed head differs from
  the signed one: the events were rewritten together with ``event_chain``;
- ``truncated``: a kept checkpoint covers notifications the store no longer has.

- ``unsealed``: events stored after the last link, which nothing vouches for. They are
  recomputed (so a checkpoint can still be checked) and counted, but never reported as
  verified: a store sealed as written has none, so their presence fails the check.

Without a checkpoint the walk trusts ``event_chain`` as a record of what was sealed; with one
it trusts nothing in the database. The same walk checks an exported history file
(``infra.audit.history_file``); in a file scoped to one member, the links of events left out
are taken as given and counted apart (``outside_scope``), never as checked.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path
from uuid import UUID

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from infra.audit.chain import (
    CHECKPOINTS_LISTED_MAX,
    GENESIS_LINK,
    ChainStore,
    DatabaseChainStore,
    Link,
    StoredRow,
    compute_link,
    iter_events,
    iter_links,
)
from infra.audit.chain_stores import open_chain_store
from infra.audit.checkpoints import (
    Checkpoint,
    CheckpointError,
    decode_checkpoint,
    raw_public_key,
)
from infra.store import StoreLocation


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """The first event that no longer matches, and how."""

    problem: str
    notification_id: int | None
    stream_id: str | None = None
    version: int | None = None
    topic: str | None = None
    detail: str

    def describe(self) -> str:
        """One paragraph for people."""
        where = f"notification {self.notification_id}" if self.notification_id else "the store"
        who = ""
        if self.stream_id is not None:
            who = f" (stream {self.stream_id} version {self.version}, topic {self.topic})"
        return f"{self.problem} at {where}{who}: {self.detail}"


class CheckpointCheck(msgspec.Struct, frozen=True, kw_only=True):
    """A kept checkpoint and whether the history still reproduces it."""

    file: str
    notification_id: int
    sequence: int
    key_id: str
    matched: bool


class VerifyReport(msgspec.Struct, frozen=True, kw_only=True):
    """What ``verify`` found."""

    store: str
    ok: bool
    """True only when every event read was checked against its link and none failed."""
    events_read: int
    sealed_checked: int
    unsealed: int
    head_notification_id: int | None
    head: str | None
    checkpoints: list[CheckpointCheck]
    finding: Finding | None
    outside_scope: int = 0
    """Exported file scoped to one member: events left out, whose links were taken as given."""
    sealed_as_written_since: int | None = None
    notes: list[str] = msgspec.field(default_factory=list)
    """What else a reader should know (an export's scope, what its checkpoint covers)."""

    def describe(self) -> str:
        """A few lines for people."""
        lines = [f"store: {self.store}",
                 f"events read: {self.events_read}, sealed links checked: "
                 f"{self.sealed_checked}, not sealed: {self.unsealed}"]
        if self.outside_scope:
            lines.append(f"events outside this export's scope: {self.outside_scope} (left "
                         "out; their links are taken as given, not recomputed)")
        if self.sealed_as_written_since is not None:
            lines.append(f"sealed as written since notification {self.sealed_as_written_since}")
        if self.head_notification_id is not None:
            lines.append(f"chain head: notification {self.head_notification_id}, "
                         f"link {self.head}")
        for check in self.checkpoints:
            state = "reproduced" if check.matched else "NOT reproduced"
            lines.append(f"checkpoint {check.file} (notification {check.notification_id}, "
                         f"key {check.key_id}): {state}")
        lines.extend(self.notes)
        if self.finding is None:
            lines.append(f"OK: all {self.sealed_checked} events read match their links")
        elif self.finding.problem == "unsealed":
            lines.append(f"NOT VERIFIED: {self.finding.describe()}")
        else:
            lines.append(f"FAILED: {self.finding.describe()}")
        return "\n".join(lines)


def _finding(problem: str, row: StoredRow, detail: str) -> Finding:
    """A finding about ``row``, named by its notification id, stream, version and topic."""
    return Finding(problem=problem, notification_id=row.notification_id,
                   stream_id=None if row.originator_id is None else str(row.originator_id),
                   version=row.originator_version
                   if isinstance(row.originator_version, int) else None,
                   topic=None if row.topic is None else str(row.topic), detail=detail)


def _state_owner(state: object) -> tuple[UUID, int] | None:
    """The stream and version an event's own bytes say it belongs to, if readable."""
    if not isinstance(state, bytes):
        return None
    try:
        fields = msgspec.msgpack.decode(state)
        stream = fields["originator_id"]
        version = fields["originator_version"]
        return UUID(bytes=stream), int(version)
    except (msgspec.DecodeError, KeyError, TypeError, ValueError):
        return None


def _changed(row: StoredRow, link: Link) -> Finding:
    reasons = []
    if (str(row.originator_id), row.originator_version, row.topic) != (
            link.originator_id, link.originator_version, link.topic):
        reasons.append(f"it was sealed as stream {link.originator_id} version "
                       f"{link.originator_version} topic {link.topic}")
    owner = _state_owner(row.state)
    if owner is not None and (str(owner[0]), owner[1]) != (str(row.originator_id),
                                                             row.originator_version):
        reasons.append(f"its state is the event of stream {owner[0]} version {owner[1]}: "
                       "events were moved or swapped")
    elif owner is None:
        reasons.append("its state no longer decodes")
    detail = "the stored event no longer gives its sealed link"
    if reasons:
        detail += " (" + "; ".join(reasons) + ")"
    return _finding("changed", row, detail)


def _gap(link: Link, sequence: int, last_notification_id: int) -> Finding:
    """Chain positions skipped before ``link``: events deleted with their chain rows."""
    absent = link.sequence - sequence - 1
    # Notification ids may have gaps of their own (PostgreSQL); only when the ids around the
    # hole are as far apart as the positions is it sure which notifications were there.
    known = link.notification_id - last_notification_id == link.sequence - sequence
    position = f"chain position {sequence + 1}" if absent == 1 else \
        f"chain positions {sequence + 1} to {link.sequence - 1}"
    return Finding(
        problem="missing", notification_id=last_notification_id + 1 if known else None,
        detail=f"{position} ({absent} event{'s' if absent > 1 else ''}, between notification "
               f"{last_notification_id} and notification {link.notification_id}) no longer "
               "exist: deleted together with their chain rows; the stream, version and topic "
               "went with them")


def _out_of_order(link: Link, sequence: int) -> Finding:
    return Finding(problem="changed", notification_id=link.notification_id,
                   stream_id=link.originator_id, version=link.originator_version,
                   topic=link.topic,
                   detail=f"its chain row says position {link.sequence} where position "
                          f"{sequence + 1} follows: chain rows were reordered or duplicated")


def verify(store: ChainStore, checkpoints: Sequence[tuple[Path, Checkpoint]] = (),
           declared_head: Link | None = None) -> VerifyReport:
    """Recompute the chain of ``store``; check it against ``event_chain`` and checkpoints.

    ``declared_head`` is the head an exported file says it runs to (unsigned: it catches a
    file cut short by accident; a signed checkpoint catches one cut on purpose).
    """
    head = store.head()
    walk = _Walk(store, checkpoints)
    finding = walk.run(head.notification_id if head else 0)
    if finding is None:
        finding = walk.after_the_end(store, declared_head)
    return VerifyReport(
        store=store.source, ok=finding is None, events_read=walk.events_read,
        sealed_checked=walk.sealed_checked, unsealed=walk.unsealed,
        head_notification_id=head.notification_id if head else None,
        head=head.link.hex() if head else None, checkpoints=walk.checks, finding=finding,
        outside_scope=walk.outside, sealed_as_written_since=store.sealed_as_written_since())


class _Walk:
    """One walk of ``verify``: the events and the links side by side in notification order,
    the link recomputed so far, the kept checkpoints still ahead, and the counts."""

    def __init__(self, store: ChainStore, checkpoints: Sequence[tuple[Path, Checkpoint]]
                 ) -> None:
        self.kept = sorted(checkpoints, key=lambda item: item[1].notification_id)
        self.checks: list[CheckpointCheck] = []
        self.events = iter_events(store)
        self.links = iter_links(store)
        self.event = next(self.events, None)
        self.link = next(self.links, None)
        self.previous = GENESIS_LINK
        self.sequence = self.last_link_id = 0
        self.events_read = self.sealed_checked = self.unsealed = self.outside = 0
        self.first_unsealed: StoredRow | None = None

    def run(self, head_id: int) -> Finding | None:
        """Walk to the end of the events and links, or to the first finding."""
        finding: Finding | None = None
        # One step per event or link; the walk ends when both are exhausted.
        while finding is None and (self.event is not None or self.link is not None):
            finding = self.step(head_id)
        return finding

    def step(self, head_id: int) -> Finding | None:
        """Take the next event or link, whichever comes first in notification order."""
        event, link = self.event, self.link
        next_id = min(item.notification_id for item in (event, link) if item is not None)
        if self.kept and self.kept[0][1].notification_id < next_id:
            return self.checkpoint_skipped()
        if link is not None and (event is None or link.notification_id < event.notification_id):
            return self.link_without_event(link)
        assert event is not None
        return self.event_read(event, head_id)

    def checkpoint_skipped(self) -> Finding:
        """A kept checkpoint at a notification the walk no longer meets."""
        path, checkpoint = self.kept.pop(0)
        self.checks.append(_check_of(path, checkpoint, matched=False))
        return Finding(
            problem="missing", notification_id=checkpoint.notification_id,
            detail=f"checkpoint {path.name} covers notification "
                   f"{checkpoint.notification_id} but neither the event nor its link "
                   "exists any more: deleted together with its chain row")

    def link_without_event(self, link: Link) -> Finding | None:
        """A link whose event is not in the store: left out of a scoped export, or gone."""
        if link.redacted and link.sequence == self.sequence + 1:
            # Left out of a scoped export: its link is all there is, taken as given.
            self.previous, self.sequence, self.last_link_id = (
                link.link, link.sequence, link.notification_id)
            self.outside += 1
            finding = self.checkpoint_at(link.notification_id, None)
            self.link = next(self.links, None)
            return finding
        if link.sequence > self.sequence + 1:
            return _gap(link, self.sequence, self.last_link_id)
        return Finding(
            problem="missing", notification_id=link.notification_id,
            stream_id=link.originator_id, version=link.originator_version,
            topic=link.topic,
            detail=f"this event was sealed (chain position {link.sequence}) but is no "
                   "longer in the store: deleted"
                   + (" (the history ends before it: truncated)" if self.event is None else ""))

    def event_read(self, event: StoredRow, head_id: int) -> Finding | None:
        """Recompute the link over an event; compare it with the sealed one, if any."""
        self.events_read += 1
        self.previous = compute_link(self.previous, event)
        link = self.link
        if link is not None and link.notification_id == event.notification_id:
            if link.sequence > self.sequence + 1:
                return _gap(link, self.sequence, self.last_link_id)
            if link.sequence != self.sequence + 1:
                return _out_of_order(link, self.sequence)
            self.sealed_checked += 1
            if self.previous != link.link:
                return _changed(event, link)
            self.sequence, self.last_link_id = link.sequence, link.notification_id
            self.link = next(self.links, None)
        elif event.notification_id <= head_id:
            return _finding("unsealed_insert", event,
                            "this event lies inside the sealed range but has no link: it "
                            "was inserted after sealing")
        else:
            self.unsealed += 1
            self.first_unsealed = self.first_unsealed or event
        finding = self.checkpoint_at(event.notification_id, event)
        self.event = next(self.events, None)
        return finding

    def checkpoint_at(self, notification_id: int, row: StoredRow | None) -> Finding | None:
        """Compare the head recomputed so far with a kept checkpoint at this position."""
        kept = self.kept
        if not kept or kept[0][1].notification_id != notification_id:
            return None
        path, checkpoint = kept.pop(0)
        matched = self.previous.hex() == checkpoint.head
        self.checks.append(_check_of(path, checkpoint, matched=matched))
        if matched:
            return None
        detail = (f"the history up to here no longer reproduces checkpoint {path.name} "
                  f"(signed head {checkpoint.head[:16]}…, recomputed "
                  f"{self.previous.hex()[:16]}…): events at or before this one were "
                  "rewritten together with the chain table; an earlier checkpoint narrows "
                  "down where")
        if row is None:
            return Finding(problem="checkpoint_mismatch", notification_id=notification_id,
                           detail=detail)
        return _finding("checkpoint_mismatch", row, detail)

    def after_the_end(self, store: ChainStore, declared_head: Link | None) -> Finding | None:
        """What the end of the walk shows: checkpoints beyond the history, an export cut
        short, events nothing vouches for."""
        if self.kept:
            path, checkpoint = self.kept[0]
            self.checks.extend(_check_of(kept_path, kept_checkpoint, matched=False)
                               for kept_path, kept_checkpoint in self.kept)
            last = store.max_notification_id()
            return Finding(
                problem="truncated", notification_id=last + 1,
                detail=f"checkpoint {path.name} covers {checkpoint.sequence} events up to "
                       f"notification {checkpoint.notification_id}, but the store ends at "
                       f"notification {last}: every event after notification {last} is gone")
        if declared_head is not None and self.sequence < declared_head.sequence:
            return Finding(
                problem="truncated", notification_id=self.last_link_id + 1,
                detail=f"the export declares {declared_head.sequence} events up to "
                       f"notification {declared_head.notification_id}, but its chain ends at "
                       f"position {self.sequence} (notification {self.last_link_id}): the "
                       "file was cut short")
        if self.first_unsealed is not None:
            unsealed = self.unsealed
            return _finding(
                "unsealed", self.first_unsealed,
                f"{unsealed} event{'s' if unsealed > 1 else ''} from here on "
                f"{'have' if unsealed > 1 else 'has'} no link in the chain, so nothing vouches "
                "for them and they were not checked (a store sealed as written has none: look "
                "at them, then `cocagne seal` links them if they are genuine)")
        return None


def _check_of(path: Path, checkpoint: Checkpoint, *, matched: bool) -> CheckpointCheck:
    return CheckpointCheck(file=str(path), notification_id=checkpoint.notification_id,
                           sequence=checkpoint.sequence, key_id=checkpoint.key_id,
                           matched=matched)


def verify_database(location: StoreLocation, kept: Sequence[tuple[Path, Checkpoint]] = (),
                    trusted: Ed25519PublicKey | None = None, *, use_stored: bool = True
                    ) -> VerifyReport:
    """Verify a store, against the given checkpoints and (``use_stored``) the signed ones it
    keeps in ``chain_checkpoints``: a rewrite of events and chain together cannot match those.
    """
    store = open_chain_store(location)
    try:
        stored, finding, notes = _stored_checkpoints(store, trusted) if use_stored \
            else ([], None, [])
        report = verify(store, [*kept, *stored])
    finally:
        store.close()
    report = msgspec.structs.replace(report, notes=[*report.notes, *notes])
    return with_finding(report, finding)


def _stored_checkpoints(store: DatabaseChainStore, trusted: Ed25519PublicKey | None
                        ) -> tuple[list[tuple[Path, Checkpoint]], Finding | None, list[str]]:
    """The checkpoints kept in the store, each signature checked; other keys' set aside."""
    found: list[tuple[Path, Checkpoint]] = []
    other_keys = 0
    for document in store.read_checkpoints(CHECKPOINTS_LISTED_MAX):
        try:
            checkpoint = decode_checkpoint(document, name="a checkpoint kept in the store")
        except CheckpointError as error:
            return found, Finding(problem="bad_checkpoint", notification_id=None,
                                  detail=str(error)), []
        if trusted is not None and \
                raw_public_key(trusted) != base64.b64decode(checkpoint.public_key):
            other_keys += 1
            continue
        found.append((Path(f"kept:{checkpoint.notification_id}"), checkpoint))
    notes = [f"{len(found)} signed checkpoint(s) kept in the store checked"] if found else []
    if other_keys:
        notes.append(f"{other_keys} kept checkpoint(s) signed by another key set aside")
    return found, None, notes


def with_finding(report: VerifyReport, finding: Finding | None) -> VerifyReport:
    """The report, failed by ``finding`` unless it already names an earlier one."""
    if finding is None or report.finding is not None:
        return report
    return msgspec.structs.replace(report, ok=False, finding=finding)
