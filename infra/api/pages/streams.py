"""Streams the work pages read (a round, a proposal, a delivery, the colleges, the rule
book), folded once and kept between requests, never stale.

Folding a stream reads and decodes every one of its events: a platform's round with its
needs and lines, or a proposal with its ballots, is thousands of events, and the platform's
and the voters' pages read several on each load. Here each stream is kept as last folded;
the next read asks the store for the events after its version (one indexed query, empty
while nothing was written) and, if there are any, folds them into a *copy* of the kept
aggregate. A kept aggregate is never changed once kept, so a page in another thread may go
on reading it; the pages only read the aggregates they are given.
"""

from __future__ import annotations

import threading
from copy import deepcopy
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.base import Aggregate, project_events
from domain.rules import Enactment, RuleBook, standing_rules
from infra.reader import StreamReader

STREAMS_KEPT_MAX = 2_000
"""Streams kept: the rounds, deliveries and proposals a network's pages show fit many times;
past this the next read starts afresh."""


class PageStreams:
    """Aggregates as last folded, brought up to date on each read (see the module)."""

    def __init__(self, reader: StreamReader) -> None:
        self._reader = reader
        self._kept: dict[UUID, Aggregate] = {}
        self._lock = threading.Lock()

    def get(self, stream_id: UUID) -> Any:
        """The stream folded up to its last event (``AggregateNotFoundError`` if none)."""
        with self._lock:
            kept = self._kept.get(stream_id)
        if kept is None:
            aggregate: Aggregate = self._reader.repository.get(stream_id,
                                                               projector_func=project_events)
        else:
            newer = list(self._reader.repository.event_store.get(originator_id=stream_id,
                                                                 gt=kept.version))
            if not newer:
                return kept
            aggregate = project_events(deepcopy(kept), newer)
        with self._lock:
            current = self._kept.get(stream_id)
            if current is None or current.version < aggregate.version:
                if len(self._kept) >= STREAMS_KEPT_MAX:
                    self._kept.clear()
                self._kept[stream_id] = aggregate
        return aggregate

    def find(self, stream_id: UUID) -> Any | None:
        """The stream folded up to its last event, or None if it has none."""
        try:
            return self.get(stream_id)
        except AggregateNotFoundError:
            return None

    def rule_book(self) -> RuleBook | None:
        """The rule book as it stands (None until a first rule is adopted)."""
        found = self.find(RuleBook.ID)
        assert found is None or isinstance(found, RuleBook)
        return found

    def rules_in_force(self, at: Any) -> list[Enactment]:
        """Every standing rule in force on day ``at`` (as ``reader.rules_in_force``)."""
        return standing_rules(self.rule_book(), at)


def streams_of(extras: dict[str, Any], reader: StreamReader) -> PageStreams:
    """The app's page streams, created on first use (kept in the services' extras)."""
    streams = extras.get("page_streams")
    if streams is None:
        streams = extras.setdefault("page_streams", PageStreams(reader))
    assert isinstance(streams, PageStreams)
    return streams
