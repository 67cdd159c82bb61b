"""What-if sections kept per proposal until the store records an event they read.

A proposal's what-if section replays weeks of history; the governance page shows up to
twenty. Keyed by the store's head, any
act anywhere in the network — a reception, a vote — made the next load replay them all. A
``KeptSections`` keeps, per store and proposal, the section, the topics its simulation reads
(``infra.whatif.read_topics``) and the head it is known current at. When the head has moved
it asks the store for one event of those topics recorded since (a select by notification id
between the two heads, filtered by topic: it walks only the new ids): none, and the section
is current at the new head too; one, and it is computed afresh. It never serves a section
that an event recorded before the head it answers for would change.

Notification ids become visible in order (SQLite has one writer; eventsourcing's PostgreSQL
recorder locks the table while it inserts), so "nothing of these topics up to head H" stays
true once seen.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder
from markupsafe import Markup

from infra.reader import StreamReader

Computed = tuple[Markup, tuple[str, ...]]
"""A section and the stored topics of every event its computation read."""


@dataclass(frozen=True)
class Kept:
    """A section, the topics it depends on, and the head at which it is known current."""

    head: int
    topics: tuple[str, ...]
    markup: Markup


class KeptSections:
    """Sections kept per store (its recorder) and proposal; safe across threads."""

    def __init__(self, compute: Callable[[StreamReader, UUID], Computed],
                 entries_max: int) -> None:
        self._compute = compute
        self._entries_max = entries_max
        self._stores: weakref.WeakKeyDictionary[ApplicationRecorder, dict[UUID, Kept]] = (
            weakref.WeakKeyDictionary())
        self._lock = threading.Lock()
        self.computed = 0
        """Sections computed since this object was made (tests and benches read it)."""

    def section(self, reader: StreamReader, proposal_id: UUID) -> Markup:
        """The proposal's section as of the store's head now."""
        head = int(reader.recorder.max_notification_id() or 0)
        with self._lock:
            kept = self._stores.get(reader.recorder, {}).get(proposal_id)
        if kept is not None and kept.head == head:
            return kept.markup
        if kept is not None and kept.head < head and not _recorded_since(
                reader.recorder, kept, head):
            self._keep(reader.recorder, proposal_id, Kept(head, kept.topics, kept.markup))
            return kept.markup
        markup, topics = self._compute(reader, proposal_id)
        with self._lock:
            self.computed += 1
        # Computed from the store as it was at ``head`` or later: an event of these topics
        # after ``head`` is found by the next check, which then computes afresh.
        self._keep(reader.recorder, proposal_id, Kept(head, topics, markup))
        return markup

    def _keep(self, recorder: ApplicationRecorder, proposal_id: UUID, kept: Kept) -> None:
        with self._lock:
            sections = self._stores.setdefault(recorder, {})
            present = sections.get(proposal_id)
            if present is not None and present.head > kept.head:
                return  # Another thread kept a section current at a later head.
            if present is None and len(sections) >= self._entries_max:
                sections.clear()
            sections[proposal_id] = kept

    def forget(self) -> None:
        """Drop every kept section."""
        with self._lock:
            self._stores.clear()


def _recorded_since(recorder: ApplicationRecorder, kept: Kept, head: int) -> bool:
    """Whether an event of the kept section's topics was recorded after its head, up to
    ``head``."""
    found = recorder.select_notifications(kept.head, 1, stop=head, topics=kept.topics,
                                          inclusive_of_start=False)
    return len(found) > 0
