"""Streams as this process last saw them, reused by the next units of work while no other
writer has touched them.

A command loads its streams (the actor, a lot, a proposal…) from the store; without a cache
the same member or round is read and folded again for every command. Here a unit of work
*takes* a stream from the cache (no one else holds it while it runs) and, when it ends,
*returns* what it holds — only when nothing it holds can be stale:

- ``begin`` asks the store for its head (one cheap query) and evicts every stream that an
  event after the last head seen touched (a page of notifications, rarely read: other
  writers). The head seen when a unit of work begins is its ``start_head``.
- ``finish`` after a save keeps the saved streams only if this process accounted for every
  event up to ``start_head`` and the save's events come right after it (so no other write
  fell in between); after a refusal it keeps the untouched streams only if the head seen
  has not moved. Otherwise it keeps nothing and the next unit of work reloads.

Streams found missing are remembered the same way (the rule book, before any rule is
adopted, is looked up by nearly every command): ``finish`` keeps a unit of work's missing
ids under the same conditions, any event on such a stream evicts it, and a stream this
process creates replaces it.

Events written by another process always appear after the head this cache has accounted
for, so the next ``begin`` reads them and evicts what they touched. Optimistic concurrency
still guards every save: a stream that changed under a unit of work fails its save and is
reloaded on the retry.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from uuid import UUID

from eventsourcing.persistence import Notification

from domain.base import Aggregate

CAPACITY_DEFAULT = 20_000
"""Streams kept: a territory's members, sites, open rounds and live lots fit many times."""
MISSING_CAPACITY = 1_000
"""Streams remembered as missing: a few singletons (the rule book…) and recent lookups of
names not taken (lot codes…), which must not push real streams out."""
EVICT_PAGE = 1_000  # Notifications read per query while evicting what others wrote.
EVICT_READ_MAX = 20_000
"""Beyond this many foreign events since the last look, clearing is cheaper than reading."""

Head = Callable[[], int]
Notifications = Callable[[int, int, int], Sequence[Notification]]
"""``(start, limit, stop)``: notifications from ``start`` to ``stop`` inclusive."""


class StreamCache:
    """Aggregates keyed by stream id, least recently used first out."""

    def __init__(self, head: Head, notifications: Notifications,
                 capacity: int = CAPACITY_DEFAULT) -> None:
        self._head = head
        self._notifications = notifications
        self._capacity = capacity
        self._entries: OrderedDict[int, Aggregate] = OrderedDict()
        """Keyed by the id's integer, which hashes in C (``UUID.__hash__`` is Python)."""
        self._missing: OrderedDict[int, None] = OrderedDict()
        """Streams known not to exist (as of ``_known_head``), least recently used first."""
        self._known_head = head()
        self._lock = threading.Lock()

    def begin(self) -> int:
        """Evict what other writers changed since the last look; the head now seen."""
        head = self._head()
        with self._lock:
            if head == self._known_head:
                return head
            if head < self._known_head or head - self._known_head > EVICT_READ_MAX:
                self._entries.clear()  # A store replaced, or a long absence: start over.
                self._missing.clear()
            else:
                self._evict_between(self._known_head + 1, head)
            self._known_head = head
            return head

    def _evict_between(self, start: int, stop: int) -> None:
        position = start
        while position <= stop:
            page = self._notifications(position, EVICT_PAGE, stop)
            if not page:
                return
            for notification in page:
                stream_id = notification.originator_id
                key = stream_id.int if isinstance(stream_id, UUID) else UUID(stream_id).int
                self._entries.pop(key, None)
                self._missing.pop(key, None)
            position = page[-1].id + 1

    def take(self, stream_id: UUID) -> Aggregate | None:
        """The cached stream, now held by the caller alone (None when not cached)."""
        with self._lock:
            return self._entries.pop(stream_id.int, None)

    def is_missing(self, stream_id: UUID) -> bool:
        """Whether the stream is known not to exist (not taken: a missing stream can be
        created by one unit of work only, the store's unique key refusing the others)."""
        with self._lock:
            return stream_id.int in self._missing

    def finish(self, start_head: int, held: Iterable[Aggregate],
               saved_ids: Sequence[int] | None, missing: Iterable[int] = (),
               written: Iterable[int] = ()) -> None:
        """Return the streams a unit of work held, and the ids it found missing (still
        missing at its end), if none can be stale (see the module).

        ``written``: the ids of every stream the save wrote, kept or not (index streams are
        not kept): none of them is missing any more.
        """
        with self._lock:
            if self._known_head != start_head:
                return
            if saved_ids:
                contiguous = (saved_ids[0] == start_head + 1
                              and saved_ids[-1] - saved_ids[0] + 1 == len(saved_ids))
                if not contiguous:
                    return
                self._known_head = saved_ids[-1]
                if self._missing:
                    for key in written:
                        self._missing.pop(key, None)
                kept = list(held)
            else:
                kept = [aggregate for aggregate in held if not aggregate.pending_events]
            for aggregate in kept:
                key = aggregate.id.int
                self._entries[key] = aggregate
                self._entries.move_to_end(key)
                self._missing.pop(key, None)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
            for key in missing:
                self._missing[key] = None
                self._missing.move_to_end(key)
            while len(self._missing) > MISSING_CAPACITY:
                self._missing.popitem(last=False)

    def clear(self) -> None:
        """Forget every stream."""
        with self._lock:
            self._entries.clear()
            self._missing.clear()
