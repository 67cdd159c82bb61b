"""The unit of work: the streams one command (or one atomic batch) loads, changes and saves.

Each stream is loaded once per unit of work and every change is saved together, in one
transaction, by ``infra.ledger.ledger.Ledger``. The unit of work also owns what is cached for
the length of one command: accounts resumed from their first and last events, and the
lookups handlers make through the ledger's side stores (the site-lots index, the household
keys).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.persistence import ApplicationRecorder, Mapper

from domain.base import Aggregate, Context, Event, project_events, utc_now
from domain.baskets import HouseholdReference
from domain.business_time import aware
from domain.command_records import CommandRecord
from domain.errors import NotFound
from domain.lots import LotCode
from domain.transfers import Account
from infra.ledger.snapshots import SNAPSHOTTED, Snapshots
from infra.ledger.stream_cache import StreamCache
from infra.personal_data_store import PersonalDataStore
from infra.site_index import SiteLotsIndex

T = TypeVar("T", bound=Aggregate)
WRITE_ONCE: frozenset[type[Aggregate]] = frozenset({CommandRecord, LotCode, HouseholdReference})
"""Index streams written once and read only on a replay or a clash: not worth caching."""


@dataclass(frozen=True)
class Stores:
    """Where a unit of work reads: the event store and the ledger's side stores."""

    repository: Repository[UUID]
    recorder: ApplicationRecorder
    mapper: Mapper[UUID]
    site_lots: SiteLotsIndex
    """Which lots have stock at which site (allocation rounds look candidates up here)."""
    personal_data: PersonalDataStore
    """Households' sealed names and contacts, and the keys that open them."""
    cache: StreamCache | None = None
    """Streams as this process last saved them (``infra.ledger.stream_cache``)."""
    snapshots: Snapshots | None = None
    """Snapshots of long-lived streams (``infra.ledger.snapshots``)."""


class UnitOfWork:
    """Aggregates loaded and changed by one command (or one atomic batch of commands)."""

    def __init__(self, stores: Stores, clock: Callable[[], datetime] = utc_now, *,
                 lived: bool = False) -> None:
        self.stores = stores
        self._started_at = clock()
        self.lived = lived
        """``Ledger.lived``: each command's "now" is its own business time."""
        self.now = self._started_at
        """The moment the current command runs at, which business times are checked against
        (``infra.ledger.actors.act``): the clock read once for the whole unit of work (every
        act of a batch shares it), or in ``lived`` mode the command's own business time."""
        self._cache = stores.cache
        self._start_head = self._cache.begin() if self._cache is not None else 0
        # Keyed by the id's integer: ``UUID.__hash__`` is Python code, called a dozen times
        # per command; an int hashes in C.
        self._aggregates: dict[int, Aggregate] = {}
        self._missing: set[int] = set()
        self._baseline: dict[int, int] = {}
        self.context: Context | None = None
        """The context of the current command's act, set by ``infra.ledger.actors.act``."""

    def finish(self, saved_ids: Sequence[int] | None) -> None:
        """Give the streams held back to the cache (after a save, or after a refusal).

        A unit of work whose save failed must not call this: its streams hold changes that
        were never stored.
        """
        if self._cache is not None:
            # A command record or a lot code found missing, then written by this unit of
            # work, is no longer missing: a replay must find it.
            self._cache.finish(self._start_head,
                               (aggregate for aggregate in self._aggregates.values()
                                if type(aggregate) not in WRITE_ONCE), saved_ids,
                               self._missing, written=self._aggregates if saved_ids else ())

    # ------------------------------------------------------------ per command

    def begin_command(self, command: object = None) -> None:
        """Start counting the events of the next command of the unit of work."""
        self._baseline = {}
        self.context = None
        lived_at = getattr(command, "occurred_at", None) if self.lived else None
        self.now = aware(lived_at) if isinstance(lived_at, datetime) else self._started_at

    def events_of_command(self) -> int:
        """Events the current command triggered so far."""
        aggregates = self._aggregates
        count = 0
        for key, baseline in self._baseline.items():
            count += len(aggregates[key]._pending_events) - baseline
        return count

    # ---------------------------------------------------------------- streams

    def get(self, cls: type[T], aggregate_id: UUID, what: str) -> T:
        """Load a stream (once per unit of work); refuse if absent or of another kind."""
        aggregate = self.find(aggregate_id, cls)
        if not isinstance(aggregate, cls):
            raise NotFound(f"{what} {aggregate_id} does not exist", reason="stream_missing",
                           what=what)
        return aggregate

    def find(self, aggregate_id: UUID,
             expected: type[Aggregate] | None = None) -> Aggregate | None:
        """Load a stream, or None if it does not exist.

        ``expected``: the kind of stream the caller wants; long-lived kinds load from their
        latest snapshot and the events after it.
        """
        key = aggregate_id.int
        aggregate = self._aggregates.get(key)
        if aggregate is not None:
            self._baseline.setdefault(key, len(aggregate.pending_events))
            return aggregate
        if key in self._missing:
            return None
        cache = self._cache
        if cache is not None:
            cached = cache.take(aggregate_id)
            if cached is not None:
                self._track(cached)
                return cached
            if cache.is_missing(aggregate_id):
                self._missing.add(key)
                return None
        snapshots = self.stores.snapshots
        if snapshots is not None and expected in SNAPSHOTTED:
            resumed = snapshots.load(expected, aggregate_id)
            if resumed is not None:
                self._track(resumed)
                return resumed
        try:
            loaded = cast(Aggregate, self.stores.repository.get(
                aggregate_id, projector_func=project_events))
        except AggregateNotFoundError:
            self._missing.add(key)
            return None
        self._track(loaded)
        return loaded

    def add(self, aggregate: Aggregate) -> None:
        """Track a new stream."""
        key = aggregate.id.int
        self._missing.discard(key)
        self._aggregates[key] = aggregate
        self._baseline.setdefault(key, 0)

    def _track(self, aggregate: Aggregate) -> None:
        key = aggregate.id.int
        self._aggregates[key] = aggregate
        self._baseline.setdefault(key, 0)

    def changed(self) -> list[Aggregate]:
        """Aggregates with events to save."""
        return [aggregate for aggregate in self._aggregates.values() if aggregate._pending_events]

    # --------------------------------------------------------------- accounts

    def account(self, account_id: UUID) -> Account | None:
        """An account, loaded from its first and last events only (``Account.resume``).

        An account of a busy producer holds thousands of events; every event after the
        first carries the totals after it, so two reads give its state however long it is.
        Once loaded (or opened) it is tracked like any stream of the unit of work.
        """
        key = account_id.int
        tracked = self._aggregates.get(key)
        if tracked is not None:
            assert isinstance(tracked, Account), f"stream {account_id} is not an account"
            # Loaded by an earlier command of the batch: count this command's events too.
            self._baseline.setdefault(key, len(tracked.pending_events))
            return tracked
        if key in self._missing:
            return None
        cached = self._cache.take(account_id) if self._cache is not None else None
        if isinstance(cached, Account):
            self._track(cached)
            return cached
        recorder, mapper = self.stores.recorder, self.stores.mapper
        first = recorder.select_events(account_id, limit=1)
        if not first:
            self._missing.add(key)
            return None
        last = recorder.select_events(account_id, desc=True, limit=1)
        account = Account.resume(cast(Event, mapper.to_domain_event(first[0])),
                                 cast(Event, mapper.to_domain_event(last[0])))
        self._track(account)
        return account

    def get_account(self, account_id: UUID) -> Account:
        """An existing account; refuse if there is none."""
        account = self.account(account_id)
        if account is None:
            raise NotFound(f"account {account_id} does not exist", reason="stream_missing",
                           what="account")
        return account

    # ------------------------------------------------------------ side stores

    def lots_at_site(self, site_id: UUID) -> list[UUID]:
        """Lots with stock on hand at a site and not recalled, in order of arrival."""
        return self.stores.site_lots.lots_at(site_id)

    @property
    def personal_data(self) -> PersonalDataStore:
        """Where households' personal data is sealed and erased."""
        return self.stores.personal_data
