"""Verification: recompute the chain from the events and name the first one that fails.

The walk reads the events table and ``event_chain`` side by side in notification order and
recomputes every link from the genesis value. The first of these, in notification order,
is reported:

- ``changed``: the event's stored bytes (or its stream id, version or topic) no longer
  give the sealed link: edited, or swapped with another (the report says whose state the
  row now holds when it can tell);
- ``missing``: a sealed event is gone (deleted, or the tail truncated);
- ``unsealed_insert``: an event sits inside the sealed range without a link (inserted later);
- ``checkpoint_mismatch``: at a kept checkpoint's position the recomputed head differs from
  the signed one: the events were rewritten together with ``event_chain``;
- ``truncated``: a kept checkpoint covers notifications the store no longer has.

Without a checkpoint the walk trusts ``event_chain`` as a record of what was sealed; with one
it trusts nothing in the database. Events stored after the last link are recomputed (so a
checkpoint can still be checked) and counted as unsealed; they are not a failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from uuid import UUID

import msgspec

from infra.audit.chain import (
    GENESIS_LINK,
    ChainStore,
    Link,
    StoredRow,
    compute_link,
    iter_events,
    iter_links,
)
from infra.audit.checkpoints import Checkpoint


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
    events_read: int
    sealed_checked: int
    unsealed: int
    head_notification_id: int | None
    head: str | None
    checkpoints: list[CheckpointCheck]
    finding: Finding | None

    def describe(self) -> str:
        """A few lines for people."""
        lines = [f"store: {self.store}",
                 f"events read: {self.events_read}, sealed links checked: "
                 f"{self.sealed_checked}, not yet sealed: {self.unsealed}"]
        if self.head_notification_id is not None:
            lines.append(f"chain head: notification {self.head_notification_id}, "
                         f"link {self.head}")
        for check in self.checkpoints:
            state = "reproduced" if check.matched else "NOT reproduced"
            lines.append(f"checkpoint {check.file} (notification {check.notification_id}, "
                         f"key {check.key_id}): {state}")
        if self.finding is None:
            lines.append("OK: every sealed event matches its link")
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


def verify(store: ChainStore, checkpoints: Sequence[tuple[Path, Checkpoint]] = ()
           ) -> VerifyReport:
    """Recompute the chain of ``store``; check it against ``event_chain`` and checkpoints."""
    head = store.head()
    head_id = head.notification_id if head else 0
    kept = sorted(checkpoints, key=lambda item: item[1].notification_id)
    checks: list[CheckpointCheck] = []
    events = iter_events(store)
    links = iter_links(store)
    event = next(events, None)
    link = next(links, None)
    previous = GENESIS_LINK
    events_read = sealed_checked = unsealed = 0
    finding: Finding | None = None

    def check_of(path: Path, checkpoint: Checkpoint, *, matched: bool) -> CheckpointCheck:
        return CheckpointCheck(file=str(path), notification_id=checkpoint.notification_id,
                               sequence=checkpoint.sequence, key_id=checkpoint.key_id,
                               matched=matched)

    # One step per event or link; the walk ends when both are exhausted.
    while finding is None and (event is not None or link is not None):
        next_id = min(item.notification_id for item in (event, link) if item is not None)
        if kept and kept[0][1].notification_id < next_id:
            path, checkpoint = kept.pop(0)
            checks.append(check_of(path, checkpoint, matched=False))
            finding = Finding(
                problem="missing", notification_id=checkpoint.notification_id,
                detail=f"checkpoint {path.name} covers notification "
                       f"{checkpoint.notification_id} but neither the event nor its link "
                       "exists any more: deleted together with its chain row")
            break
        if link is not None and (event is None or link.notification_id < event.notification_id):
            finding = Finding(
                problem="missing", notification_id=link.notification_id,
                stream_id=link.originator_id, version=link.originator_version,
                topic=link.topic,
                detail=f"this event was sealed (chain position {link.sequence}) but is no "
                       "longer in the store: deleted"
                       + (" (the history ends before it: truncated)" if event is None else ""))
            break
        assert event is not None
        events_read += 1
        previous = compute_link(previous, event)
        if link is not None and link.notification_id == event.notification_id:
            sealed_checked += 1
            if previous != link.link:
                finding = _changed(event, link)
                break
            link = next(links, None)
        elif event.notification_id <= head_id:
            finding = _finding("unsealed_insert", event,
                               "this event lies inside the sealed range but has no link: it "
                               "was inserted after sealing")
            break
        else:
            unsealed += 1
        if kept and kept[0][1].notification_id == event.notification_id:
            path, checkpoint = kept.pop(0)
            matched = previous.hex() == checkpoint.head
            checks.append(check_of(path, checkpoint, matched=matched))
            if not matched:
                finding = _finding(
                    "checkpoint_mismatch", event,
                    f"the history up to here no longer reproduces checkpoint {path.name} "
                    f"(signed head {checkpoint.head[:16]}…, recomputed {previous.hex()[:16]}…): "
                    "events at or before this one were rewritten together with the chain "
                    "table; an earlier checkpoint narrows down where")
                break
        event = next(events, None)

    if finding is None and kept:
        path, checkpoint = kept[0]
        checks.extend(check_of(kept_path, kept_checkpoint, matched=False)
                      for kept_path, kept_checkpoint in kept)
        last = store.max_notification_id()
        finding = Finding(
            problem="truncated", notification_id=last + 1,
            detail=f"checkpoint {path.name} covers {checkpoint.sequence} events up to "
                   f"notification {checkpoint.notification_id}, but the store ends at "
                   f"notification {last}: every event after notification {last} is gone")
    return VerifyReport(
        store=store.location.url, ok=finding is None, events_read=events_read,
        sealed_checked=sealed_checked, unsealed=unsealed,
        head_notification_id=head.notification_id if head else None,
        head=head.link.hex() if head else None, checkpoints=checks, finding=finding)
