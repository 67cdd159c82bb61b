"""Reading chosen kinds of events from the store, in notification order, a page at a time.

The store filters by topic (an index-free scan of one column, far cheaper than decoding
every event), so a report decodes only the events it reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from domain.base import Event
from domain.codec import VERSION_SEPARATOR
from infra.reader import StreamReader

PAGE_SIZE = 1_000
"""Notifications per query: bounds memory while keeping round trips few."""


def stored_topics(*event_classes: type[Event]) -> list[str]:
    """Every topic the store may hold for these classes: each version they had."""
    topics = []
    for event_class in event_classes:
        topics.append(event_class.TOPIC)
        topics += [f"{event_class.TOPIC}{VERSION_SEPARATOR}{version}"
                   for version in range(2, event_class.class_version + 1)]
    return topics


def scan(reader: StreamReader, *event_classes: type[Event]) -> Iterator[tuple[int, Event]]:
    """``(notification id, event)`` for every stored event of these classes, in order.

    Pages are bounded by ``PAGE_SIZE``; their number by the history itself.
    """
    topics = stored_topics(*event_classes)
    position = 1
    while True:
        page = reader.recorder.select_notifications(position, PAGE_SIZE, topics=topics)
        for notification in page:
            yield notification.id, cast(Event, reader.mapper.to_domain_event(notification))
        if len(page) < PAGE_SIZE:
            return
        position = page[-1].id + 1
