"""Snapshots of long-lived streams, so a command loads them in bounded time however long
their history grows.

Colleges gain a seat change at every admission, a proposal a ballot at every vote (members
may change their vote until closing), an allocation round a need at every declaration, the
rule book an enactment at every adopted rule. Replaying each of those streams in full for
every command would make governance slower year after year. Every ``INTERVAL`` events the
stream's state is saved in the store's ``snapshots`` table; a unit of work then loads the
latest snapshot and only the events after it (at most ``INTERVAL``). Accounts do not need
this: each of their events carries the account's totals (``Account.resume``).

The snapshot's shape is the aggregate's annotated attributes, encoded with msgspec as a
Struct built from those annotations. Its topic names the class and a digest of that shape:
when a class's attributes change, old snapshots no longer match and are ignored (the stream
is replayed from its events, which upcasting keeps readable), so snapshots never need a
migration. Snapshots are a cache derived from the events: the hash chain covers the events,
not the snapshots; deleting the table loses nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar, cast, get_origin, get_type_hints
from uuid import UUID

import msgspec
from eventsourcing.persistence import AggregateRecorder, Mapper, StoredEvent

from domain.allocations import AllocationRound
from domain.base import Aggregate, Event
from domain.governance import Colleges
from domain.proposals import Proposal
from domain.rules import RuleBook

INTERVAL = 200
"""Events between two snapshots: a load replays at most this many after the snapshot."""
SNAPSHOTTED: frozenset[type[Aggregate]] = frozenset({Proposal, Colleges, AllocationRound,
                                                     RuleBook})
TOPIC_PREFIX = "snapshot:"
_BASE_FIELDS = [("snapshot_id", UUID), ("snapshot_version", int),
                ("snapshot_created_on", datetime), ("snapshot_modified_on", datetime),
                ("snapshot_latest_occurred_at", datetime | None)]
"""What every aggregate keeps besides its annotated attributes (``Aggregate._base_init``);
the latest business time was added in 0.2.2, so snapshots taken before it carry another
topic and are ignored (the stream is replayed once more, and snapshotted again)."""


_shapes: dict[type[Aggregate], tuple[type[msgspec.Struct], str, tuple[str, ...]]] = {}


def _shape(cls: type[Aggregate]) -> tuple[type[msgspec.Struct], str, tuple[str, ...]]:
    """The state Struct of a class, the topic its snapshots carry, and its attribute names."""
    known = _shapes.get(cls)
    if known is not None:
        return known
    hints = get_type_hints(cls)
    names = tuple(name for name, hint in hints.items()
                  if get_origin(hint) is not ClassVar and hint is not ClassVar)
    fields = [*_BASE_FIELDS, *((name, hints[name]) for name in names)]
    state = msgspec.defstruct(f"{cls.__name__}Snapshot", fields, module=cls.__module__)
    digest = hashlib.sha256(repr(fields).encode()).hexdigest()[:12]
    shape = (state, f"{TOPIC_PREFIX}{cls.__module__}.{cls.__qualname__}#{digest}", names)
    _shapes[cls] = shape
    return shape


def encode_snapshot(aggregate: Aggregate) -> StoredEvent:
    """The stored form of an aggregate's state at its current version."""
    state, topic, names = _shape(type(aggregate))
    values = {name: getattr(aggregate, name) for name in names}
    snapshot = state(snapshot_id=aggregate.id, snapshot_version=aggregate.version,
                     snapshot_created_on=aggregate.created_on,
                     snapshot_modified_on=aggregate.modified_on,
                     snapshot_latest_occurred_at=aggregate.latest_occurred_at, **values)
    return StoredEvent(originator_id=aggregate.id, originator_version=aggregate.version,
                       topic=topic, state=msgspec.msgpack.encode(snapshot))


def decode_snapshot(cls: type[Aggregate], stored: StoredEvent) -> Aggregate | None:
    """The aggregate a snapshot holds, or None when it has another shape (an older class)."""
    state, topic, names = _shape(cls)
    if stored.topic != topic:
        return None
    snapshot: Any = msgspec.msgpack.decode(stored.state, type=state)
    aggregate = cls.__new__(cls)
    aggregate._base_init(snapshot.snapshot_id, snapshot.snapshot_version,
                         snapshot.snapshot_created_on)
    aggregate.modified_on = snapshot.snapshot_modified_on
    aggregate.latest_occurred_at = snapshot.snapshot_latest_occurred_at
    for name in names:
        setattr(aggregate, name, getattr(snapshot, name))
    return aggregate


class Snapshots:
    """The snapshots table of a store (absent for the in-memory store)."""

    def __init__(self, recorder: AggregateRecorder, events: AggregateRecorder,
                 mapper: Mapper[UUID]) -> None:
        self._recorder = recorder
        self._events = events
        self._mapper = mapper

    def load(self, cls: type[Aggregate], stream_id: UUID) -> Aggregate | None:
        """The stream from its latest snapshot and the events after it (None: no snapshot)."""
        found = self._recorder.select_events(stream_id, desc=True, limit=1)
        if not found:
            return None
        aggregate = decode_snapshot(cls, found[0])
        if aggregate is None:
            return None
        for stored in self._events.select_events(stream_id, gt=aggregate.version):
            event = cast(Event, self._mapper.to_domain_event(stored))
            event.mutate(aggregate)
        return aggregate

    def take(self, saved: Sequence[tuple[Aggregate, int]]) -> None:
        """Snapshot the streams a save carried past a multiple of ``INTERVAL`` events.

        ``saved`` pairs each saved aggregate with its version before the save. Written in a
        transaction of its own after the events: a crash in between loses only a snapshot.
        """
        due = [encode_snapshot(aggregate) for aggregate, before in saved
               if type(aggregate) in SNAPSHOTTED
               and aggregate.version // INTERVAL > before // INTERVAL]
        if due:
            self._recorder.insert_events(due)
