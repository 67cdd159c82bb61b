"""Which lots have stock at which site: a small in-memory index that follows the event log.

Allocation rounds need the candidate lots of a site; the aggregates then say, authoritatively,
what each lot has available. The index folds only the events that change a lot's on-hand
stock (the recorder filters by topic) and catches up before each lookup, so depleted and
recalled lots drop out and a round loads only lots that can still be allocated.
"""

from __future__ import annotations

import threading
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper

from domain.lots import Lot

CATCH_UP_BATCH_SIZE = 5_000  # Notifications per select: bounded memory per round trip.
CATCH_UP_BATCHES_MAX = 100_000  # 500 M notifications: beyond any history, a loop guard.


class SiteLotsIndex:
    """On-hand grams of each lot, per site, in order of arrival."""

    TOPICS = (Lot.Received.TOPIC, Lot.Derived.TOPIC, Lot.DonationReceived.TOPIC,
              Lot.Split.TOPIC, Lot.MergedInto.TOPIC, Lot.TransformedInto.TOPIC,
              Lot.Sorted.TOPIC, Lot.Dispatched.TOPIC, Lot.Lost.TOPIC, Lot.Recalled.TOPIC)

    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[UUID]) -> None:
        self._recorder = recorder
        self._mapper = mapper
        self._position = 0
        self._site_of: dict[UUID, UUID] = {}
        self._on_hand_g: dict[UUID, dict[UUID, int]] = {}
        self._lock = threading.Lock()

    def lots_at(self, site_id: UUID) -> list[UUID]:
        """Lots with stock on hand at ``site_id`` and not recalled."""
        with self._lock:
            self._catch_up()
            return [lot_id for lot_id, grams in self._on_hand_g.get(site_id, {}).items()
                    if grams > 0]

    def _change(self, lot_id: UUID, delta_g: int) -> None:
        site_id = self._site_of.get(lot_id)
        if site_id is None:
            return
        lots = self._on_hand_g[site_id]
        if lot_id in lots:
            lots[lot_id] += delta_g
            if lots[lot_id] <= 0:
                del lots[lot_id]

    def _catch_up(self) -> None:
        for _ in range(CATCH_UP_BATCHES_MAX):
            notifications = self._recorder.select_notifications(
                self._position + 1, CATCH_UP_BATCH_SIZE, topics=self.TOPICS)
            if not notifications:
                return
            for notification in notifications:
                self._apply(self._mapper.to_domain_event(notification))
            self._position = notifications[-1].id

    def _apply(self, event: object) -> None:
        match event:
            case Lot.Received() | Lot.Derived() | Lot.DonationReceived():
                self._site_of[event.originator_id] = event.site_id
                grams = event.measured_g if isinstance(event, Lot.Received) else event.quantity_g
                self._on_hand_g.setdefault(event.site_id, {})[event.originator_id] = grams
            case Lot.Split() | Lot.MergedInto() | Lot.TransformedInto() | Lot.Sorted():
                self._change(event.originator_id, -event.used_g)
            case Lot.Dispatched():
                self._change(event.originator_id, -event.quantity_g)
            case Lot.Lost() if not event.at_outlet:
                self._change(event.originator_id, -event.quantity_g)
            case Lot.Recalled():
                site_id = self._site_of.get(event.originator_id)
                if site_id is not None:
                    self._on_hand_g[site_id].pop(event.originator_id, None)
            case _:
                pass
