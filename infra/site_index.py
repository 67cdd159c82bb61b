"""Which lots have been at which site: a small in-memory index that follows the event log.

Allocation rounds need the candidate lots of a site; the aggregates then say, authoritatively,
what each lot has available. The index reads only ``lot.received`` and ``lot.derived``
notifications (the recorder filters by topic) and catches up before each lookup.
"""

from __future__ import annotations

import threading
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper

from domain.lots import Lot

CATCH_UP_BATCH_SIZE = 5_000  # Notifications per select: bounded memory per round trip.
CATCH_UP_BATCHES_MAX = 100_000  # 500 M notifications: beyond any history, a loop guard.


class SiteLotsIndex:
    """Lot ids per site, in the order they arrived."""

    TOPICS = (Lot.Received.TOPIC, Lot.Derived.TOPIC)

    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[UUID]) -> None:
        self._recorder = recorder
        self._mapper = mapper
        self._position = 0
        self._lots: dict[UUID, dict[UUID, None]] = {}
        self._lock = threading.Lock()

    def lots_at(self, site_id: UUID) -> list[UUID]:
        """Every lot received at or derived at ``site_id``."""
        with self._lock:
            self._catch_up()
            return list(self._lots.get(site_id, {}))

    def _catch_up(self) -> None:
        for _ in range(CATCH_UP_BATCHES_MAX):
            notifications = self._recorder.select_notifications(
                self._position + 1, CATCH_UP_BATCH_SIZE, topics=self.TOPICS)
            if not notifications:
                return
            for notification in notifications:
                event = self._mapper.to_domain_event(notification)
                assert isinstance(event, Lot.Received | Lot.Derived)
                self._lots.setdefault(event.site_id, {})[event.originator_id] = None
            self._position = notifications[-1].id
