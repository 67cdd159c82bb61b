"""ProjectionHandler: a batch of records applied to one view in one transaction, exactly once."""

from __future__ import annotations

import functools
import logging
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
import structlog

from consumers.dead_letters import DeadLetter
from consumers.projection_consumer.plan import BatchPlan, plan_batch
from consumers.projection_consumer.records import Delivered, HandlerError, dead_letter_of_record
from consumers.projection_consumer.state import ConsumerState
from domain import catalogue
from domain.base import Event, event_class_for_topic
from domain.codec import decode_event, split_stored_topic
from projections.runner import View
from projections.view_store import ViewTransaction

# Why 20: a broken republication can make every record of a batch a gap; twenty lines name
# the problem, the summary line counts the rest.
GAP_LOG_LINES_MAX = 20
# Why 100: a topic flooded with garbage must not flood the log; a hundred lines per batch name
# the records (all are in the dead-letter table), the summary line counts them.
DEAD_LETTER_LOG_LINES_MAX = 100
# Why 1,024: several times the catalogue's event types (versions included); a few garbage
# headers beside them do not evict the real ones for long.
TYPE_REFUSALS_CACHED = 1_024

# Every event type the ledger writes is known to this process, whatever views it feeds: a
# type missing from the catalogue is a newer ledger's (or garbage), and is set aside.
KNOWN_STREAM_MODULES = catalogue.STREAM_MODULES

log = structlog.get_logger("cocagne.consumer")


def is_database_error(error: BaseException) -> bool:
    """Whether ``error`` came from the view database (never a record's fault: retried)."""
    return isinstance(error, sqlite3.Error | psycopg.Error)


@contextmanager
def savepoint(transaction: ViewTransaction, name: str) -> Iterator[None]:
    """A savepoint: what the block wrote is undone if it raises, the transaction lives on."""
    transaction.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        transaction.execute(f"ROLLBACK TO SAVEPOINT {name}")
        transaction.execute(f"RELEASE SAVEPOINT {name}")
        raise
    transaction.execute(f"RELEASE SAVEPOINT {name}")


@dataclass
class BatchOutcome:
    """What one handled batch did."""

    records: int = 0
    applied: int = 0
    """Records whose stream version advanced (the view's own events and the others)."""
    events_applied: int = 0
    """Events handed to ``View.apply`` (those of the view's topics)."""
    duplicates: int = 0
    gaps: int = 0
    dead_letters: int = 0
    """Records set aside in the dead-letter table (not decodable, not applicable)."""
    next_offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    notification_ids: list[int] = field(default_factory=list)
    """Notification ids whose effect the batch made durable (new records only)."""


class ProjectionHandler:
    """Applies batches of relayed records to one view, exactly once each.

    The handler knows nothing of Kafka: it takes :class:`Delivered` records and returns when
    their effect is committed, so tests drive it without a broker.
    """

    def __init__(self, view: View, *, view_name: str | None = None) -> None:
        self.view = view
        self.database = view.database
        self.state = ConsumerState(view.database, view_name or view.name)
        self._base_topics = {split_stored_topic(topic)[0] for topic in view.topics}
        # Per event type (header), memoised: whether the view reads it (asked of decoded
        # records only, so bounded by the catalogue's types).
        self._reads_type: dict[str, bool] = {}
        self.reset_at_setup = False

    @property
    def name(self) -> str:
        """The view's name, which keys the consumer state."""
        return self.state.view_name

    def setup(self) -> None:
        """Create the view's and the consumer's tables (reset on a schema change)."""
        self.reset_at_setup = self.state.setup(self.view)
        if self.reset_at_setup:
            log.info("consumer.view_created", view=self.name,
                     schema_version=self.view.schema_version)

    def handle(self, records: Sequence[Delivered],
               rejected: Sequence[DeadLetter] = ()) -> BatchOutcome:
        """Apply a batch in one transaction; returns once it is committed.

        ``rejected``: records of the batch that are not relayed events (set aside as they
        are). Records that cannot be decoded or applied are set aside too; the offsets of
        every record, set aside or not, are stored with the batch.
        """
        outcome = BatchOutcome(records=len(records) + len(rejected))
        if not records and not rejected:
            return outcome
        places = [(record.topic, record.partition, record.offset) for record in records]
        places += [(letter.topic, letter.partition, letter.offset) for letter in rejected]
        for topic, partition, offset in places:
            key = (topic, partition)
            outcome.next_offsets[key] = max(outcome.next_offsets.get(key, 0), offset + 1)
        # Decoded before the transaction: the view's lock is held for the database work only,
        # so the other processes of the group decode their batches meanwhile.
        decoded = {_key(record): self._decoded(record) for record in records}
        with self.database.transaction() as transaction:
            self.state.lock(transaction)
            stream_ids = list(dict.fromkeys(record.stream_id for record in records))
            applied = self.state.applied_versions(transaction, stream_ids)
            plan, events, dead = self._plan(records, applied, decoded)
            batch = [(record.notification_id, events[_key(record)])
                     for record in plan.to_apply if self._reads(record)]
            if batch:
                try:
                    with savepoint(transaction, "consumer_batch"):
                        self.view.apply(transaction, batch)
                except Exception as error:
                    if is_database_error(error):
                        raise
                    plan, failed = self._apply_one_by_one(transaction, plan, events, applied)
                    dead.extend(failed)
                    batch = [(record.notification_id, events[_key(record)])
                             for record in plan.to_apply if self._reads(record)]
            letters = [*rejected, *dead]
            self.state.dead_letters.record(transaction, letters)
            self.state.save(transaction, plan.versions, outcome.next_offsets)
        outcome.applied = len(plan.to_apply)
        outcome.events_applied = len(batch)
        outcome.duplicates = len(plan.duplicates)
        outcome.gaps = len(plan.gaps)
        outcome.dead_letters = len(letters)
        outcome.notification_ids = [record.notification_id for record in plan.to_apply]
        self._log_messages(plan)
        self._log_gaps(plan.gaps)
        self._log_dead_letters(letters)
        return outcome

    def _plan(self, records: Sequence[Delivered], applied: Mapping[str, int],
              decoded: Mapping[tuple[str, int, int], Event | HandlerError],
              ) -> tuple[BatchPlan, dict[tuple[str, int, int], Event], list[DeadLetter]]:
        """The batch's plan once records that do not decode are set aside.

        Each round takes the decoding of the records the plan would apply (``decoded``,
        done before the transaction); one that failed is set aside and the batch planned
        again without it, so its stream's later records become gaps. A record that failed
        but is a repeat is counted as a repeat, as it was never going to be applied.
        Bounded: every round but the last sets aside at least one record.
        """
        events: dict[tuple[str, int, int], Event] = {}
        dead: list[DeadLetter] = []
        excluded: set[tuple[str, int, int]] = set()
        plan = BatchPlan()
        for _ in range(len(records) + 1):
            plan = plan_batch([record for record in records if _key(record) not in excluded],
                              applied)
            failed = False
            for record in plan.to_apply:
                key = _key(record)
                if key in events:
                    continue
                event = decoded[key]
                if isinstance(event, HandlerError):
                    excluded.add(key)
                    dead.append(dead_letter_of_record(self.name, record, event))
                    failed = True
                else:
                    events[key] = event
            if not failed:
                break
        return plan, events, dead

    def _apply_one_by_one(self, transaction: ViewTransaction, plan: BatchPlan,
                          events: Mapping[tuple[str, int, int], Event],
                          applied: Mapping[str, int]) -> tuple[BatchPlan, list[DeadLetter]]:
        """Apply the plan's records one at a time (after the whole batch raised): those the
        view raises on are set aside, with their streams' later records held as gaps."""
        kept = BatchPlan(duplicates=plan.duplicates, gaps=list(plan.gaps))
        dead: list[DeadLetter] = []
        blocked: set[str] = set()
        for record in plan.to_apply:
            stream_id = record.stream_id
            if stream_id in blocked:
                expected = kept.versions.get(stream_id, applied.get(stream_id, 0)) + 1
                kept.gaps.append((record, expected))
                continue
            if self._reads(record):
                try:
                    with savepoint(transaction, "consumer_record"):
                        self.view.apply(transaction,
                                        [(record.notification_id, events[_key(record)])])
                except Exception as error:
                    if is_database_error(error):
                        raise
                    blocked.add(stream_id)
                    dead.append(dead_letter_of_record(
                        self.name, record, HandlerError(
                            f"cannot apply {record.event_type!r} to view {self.name!r}: "
                            f"{type(error).__name__}: {error}", record)))
                    continue
            kept.to_apply.append(record)
            kept.versions[stream_id] = record.stream_version
        return kept, dead

    def _log_messages(self, plan: BatchPlan) -> None:
        """One debug line per consumed message (none at the usual info level)."""
        bound = log.bind(view=self.name)
        if not bound.is_enabled_for(logging.DEBUG):
            return
        for outcome, records in (("applied", plan.to_apply), ("duplicate", plan.duplicates)):
            for record in records:
                bound.debug("consumer.message", topic=record.topic, partition=record.partition,
                            offset=record.offset, notification_id=record.notification_id,
                            stream_id=record.stream_id, stream_version=record.stream_version,
                            event_type=record.event_type, outcome=outcome)

    def run_in_transaction(self, work: Callable[[ViewTransaction], None]) -> None:
        """Run ``work`` in a locked transaction of the view (periodic work, e.g. alerts)."""
        with self.database.transaction() as transaction:
            self.state.lock(transaction)
            work(transaction)

    def _reads(self, record: Delivered) -> bool:
        reads = self._reads_type.get(record.event_type)
        if reads is None:
            reads = split_stored_topic(record.event_type)[0] in self._base_topics
            self._reads_type[record.event_type] = reads
        return reads

    def _decoded(self, record: Delivered) -> Event | HandlerError:
        """:meth:`_decode`, its error returned rather than raised."""
        try:
            return self._decode(record)
        except HandlerError as error:
            return error

    def _decode(self, record: Delivered) -> Event:
        """The record's event, checked against its headers; :class:`HandlerError` if the
        record is not one this code can read (every record is decoded, whether the view
        reads it or not, so that every consumer sets aside the same records)."""
        refusal = _type_refusal(record.event_type)
        if refusal is not None:
            raise HandlerError(refusal, record)
        try:
            event = decode_event(record.event_type, record.value)
        except Exception as error:  # msgspec and upcasters raise several types.
            raise HandlerError(f"cannot decode {record.event_type!r}: "
                               f"{type(error).__name__}: {error}", record) from error
        if (str(event.originator_id) != record.stream_id
                or event.originator_version != record.stream_version):
            raise HandlerError(f"the event is version {event.originator_version} of stream "
                               f"{event.originator_id}, but its record is keyed as version "
                               f"{record.stream_version} of {record.stream_id}", record)
        return event

    def _log_gaps(self, gaps: Sequence[tuple[Delivered, int]]) -> None:
        for record, expected in gaps[:GAP_LOG_LINES_MAX]:
            log.error("consumer.gap", view=self.name, topic=record.topic,
                      partition=record.partition, offset=record.offset,
                      stream_id=record.stream_id, stream_version=record.stream_version,
                      expected_version=expected, notification_id=record.notification_id,
                      hint="an earlier event of this stream never arrived; it is applied "
                           "when the relay republishes it (cocagne relay --from N)")
        if len(gaps) > GAP_LOG_LINES_MAX:
            log.error("consumer.gaps", view=self.name, gaps=len(gaps),
                      logged=GAP_LOG_LINES_MAX)

    def _log_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        for letter in letters[:DEAD_LETTER_LOG_LINES_MAX]:
            log.error("consumer.dead_letter", view=self.name, topic=letter.topic,
                      partition=letter.partition, offset=letter.offset,
                      stream_id=letter.stream_id, event_type=letter.event_type,
                      notification_id=letter.notification_id,
                      stream_version=letter.stream_version, error=letter.error,
                      hint="set aside in the dead-letter table and skipped: "
                           "cocagne consume VIEW --dead-letters lists them")
        if len(letters) > DEAD_LETTER_LOG_LINES_MAX:
            log.error("consumer.dead_letters", view=self.name, dead_letters=len(letters),
                      logged=DEAD_LETTER_LOG_LINES_MAX)


# Bounded: every header of a topic flooded with garbage is a new key.
@functools.lru_cache(maxsize=TYPE_REFUSALS_CACHED)
def _type_refusal(event_type: str) -> str | None:
    """Why a record of ``event_type`` (its header) cannot be read by this code, if so."""
    base, version = split_stored_topic(event_type)
    try:
        known = event_class_for_topic(base).class_version
    except KeyError:
        return f"unknown event type {event_type!r}"
    if version > known:
        # Written by a newer ledger: applying it as an older shape could lose fields.
        return (f"event type {event_type!r} is newer than this code (version {known}): "
                "upgrade the consumer")
    return None


def _key(record: Delivered) -> tuple[str, int, int]:
    """Where a record sits on the broker: unique within one poll."""
    return (record.topic, record.partition, record.offset)
