"""Which records of a batch to apply: new, repeated, or past a gap in their stream (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from consumers.projection_consumer.records import Delivered


@dataclass
class BatchPlan:
    """What a batch does, decided from the records and the streams' applied versions."""

    to_apply: list[Delivered] = field(default_factory=list)
    """New records, in notification order (each stream's in version order)."""
    duplicates: list[Delivered] = field(default_factory=list)
    gaps: list[tuple[Delivered, int]] = field(default_factory=list)
    """Records whose stream misses an earlier version: (record, version expected)."""
    versions: dict[str, int] = field(default_factory=dict)
    """Streams whose applied version moves, with their new version."""


def plan_batch(records: Iterable[Delivered], applied: Mapping[str, int]) -> BatchPlan:
    """Classify records against each stream's last applied version (0: none yet).

    Records are taken in notification order, so a stream's versions come in order even when
    the batch holds a stream's records out of order (a retried produce) or twice.
    """
    plan = BatchPlan()
    ordered = sorted(records, key=lambda record: (record.notification_id, record.partition,
                                                  record.offset))
    for record in ordered:
        stream_id = record.stream_id
        last = plan.versions.get(stream_id)
        if last is None:
            last = applied.get(stream_id, 0)
        if record.stream_version <= last:
            plan.duplicates.append(record)
        elif record.stream_version == last + 1:
            plan.versions[stream_id] = record.stream_version
            plan.to_apply.append(record)
        else:
            plan.gaps.append((record, last + 1))
    return plan
