"""Every stream module of the domain, imported: the complete catalogue of event classes.

An event class registers its ``TOPIC`` when its module is imported (``domain.base``). A
process that decodes every stored event whatever its type (a Kafka consumer, which must
tell an event of a type this code does not know from one it merely does not read) imports
this module first, so that "unknown" means unknown to the code, not just to the modules
that process happened to load. ``tests/unit/test_catalogue.py`` checks that every module
defining an event is listed here.
"""

from __future__ import annotations

from domain import (
    allocations,
    baskets,
    command_records,
    deliveries,
    donations,
    governance,
    lots,
    members,
    preferences,
    proposals,
    quality_labels,
    rules,
    sites,
    transfers,
    workshops,
)
from domain.base import Event, registered_event_classes

STREAM_MODULES = (allocations, baskets, command_records, deliveries, donations, governance,
                  lots, members, preferences, proposals, quality_labels, rules, sites,
                  transfers, workshops)


def event_classes() -> dict[str, type[Event]]:
    """Every event class of the domain, by topic."""
    return registered_event_classes()
