"""The stream cache hands a stream to one unit of work at a time and never keeps a stream
that another writer may have changed."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.persistence import Notification

from domain.base import Aggregate, utc_now
from infra.ledger.stream_cache import StreamCache


class Store:
    """A head and a log of (position, stream) pairs, as the cache sees a store."""

    def __init__(self) -> None:
        self.log: list[UUID] = []

    def head(self) -> int:
        return len(self.log)

    def write(self, stream_id: UUID) -> int:
        self.log.append(stream_id)
        return len(self.log)

    def notifications(self, start: int, limit: int, stop: int) -> list[Notification]:
        last = min(stop, start + limit - 1, len(self.log))
        return [Notification(originator_id=self.log[position - 1], originator_version=1,
                             topic="t", state=b"", id=position)
                for position in range(start, last + 1)]


def aggregate() -> Aggregate:
    """A bare stream."""
    made = Aggregate()
    made._base_init(uuid4(), 1, utc_now())
    return made


def test_a_saved_stream_is_taken_by_one_unit_of_work_at_a_time() -> None:
    """After a contiguous save the stream is cached; taking it removes it until returned."""
    store = Store()
    cache = StreamCache(store.head, store.notifications)
    stream = aggregate()
    start = cache.begin()
    cache.finish(start, [stream], [store.write(stream.id)])
    assert cache.take(stream.id) is stream
    assert cache.take(stream.id) is None, "a second unit of work must load it from the store"


def test_a_foreign_write_evicts_the_stream_it_touched() -> None:
    """Another process writes the stream: the next begin evicts it, others stay."""
    store = Store()
    cache = StreamCache(store.head, store.notifications)
    touched, untouched = aggregate(), aggregate()
    start = cache.begin()
    cache.finish(start, [touched, untouched],
                 [store.write(touched.id), store.write(untouched.id)])
    store.write(touched.id)  # Another process.
    cache.begin()
    assert cache.take(touched.id) is None
    assert cache.take(untouched.id) is untouched


def test_a_save_after_someone_elses_keeps_nothing() -> None:
    """A write fell between the unit of work's start and its save: nothing it held is kept."""
    store = Store()
    cache = StreamCache(store.head, store.notifications)
    stream = aggregate()
    start = cache.begin()
    store.write(uuid4())  # Another writer, after our start.
    cache.finish(start, [stream], [store.write(stream.id)])
    assert cache.take(stream.id) is None


def test_a_refused_unit_of_work_returns_only_untouched_streams() -> None:
    """Streams with unsaved events are dropped; untouched ones come back."""
    store = Store()
    cache = StreamCache(store.head, store.notifications)
    clean, dirty = aggregate(), aggregate()
    dirty.pending_events.append(object())  # type: ignore[arg-type]
    start = cache.begin()
    cache.finish(start, [clean, dirty], None)
    assert cache.take(clean.id) is clean
    assert cache.take(dirty.id) is None


def test_a_missing_stream_is_remembered_until_an_event_touches_it() -> None:
    """A stream found missing stays known missing until another writer creates it."""
    store = Store()
    cache = StreamCache(store.head, store.notifications)
    missing = uuid4()
    start = cache.begin()
    cache.finish(start, [], None, [missing.int])
    assert cache.is_missing(missing)
    assert cache.is_missing(missing), "asking does not take the knowledge away"
    store.write(missing)  # Another process creates it.
    cache.begin()
    assert not cache.is_missing(missing)


def test_a_stream_created_here_is_no_longer_missing() -> None:
    """A unit of work creates a stream known missing: the cache holds the stream instead."""
    store = Store()
    cache = StreamCache(store.head, store.notifications)
    stream = aggregate()
    start = cache.begin()
    cache.finish(start, [], None, [stream.id.int])
    start = cache.begin()
    cache.finish(start, [stream], [store.write(stream.id)])
    assert not cache.is_missing(stream.id)
    assert cache.take(stream.id) is stream


def test_missing_streams_are_not_kept_when_another_writer_came_between() -> None:
    """A unit of work that may have missed a creation does not teach the cache anything."""
    store = Store()
    cache = StreamCache(store.head, store.notifications)
    missing = uuid4()
    start = cache.begin()
    store.write(missing)  # Another writer creates it after our start.
    cache.finish(start, [], [store.write(uuid4())], [missing.int])
    assert not cache.is_missing(missing)
