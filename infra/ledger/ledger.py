"""The ledger application: runs commands, each atomic and idempotent.

A command runs in a unit of work (``infra.ledger.unit_of_work``): its handler (found in
``infra.ledger.registry``) loads the streams it touches once, checks, then changes them, and
all their new events are saved in one transaction together with a command record (see
``domain.command_records``). A refused command raises a ``DomainError`` before anything is
saved. A conflict with a concurrent writer is retried a bounded number of times.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

import msgspec
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Mapper, Notification

from domain import commands as c
from domain.base import Aggregate, Event, utc_now
from domain.codec import StructMapper
from domain.command_records import CommandRecord, command_digest, command_record_id
from domain.errors import CommandIdReused, ConcurrencyConflict, DomainError, InvalidCommand
from infra.audit.sealing import SealedSQLiteApplicationRecorder
from infra.audit.written_links import ledger_rows
from infra.ledger.registry import HANDLERS, Handler, command_name
from infra.ledger.snapshots import SNAPSHOTTED, Snapshots
from infra.ledger.stream_cache import StreamCache
from infra.ledger.unit_of_work import Stores, UnitOfWork
from infra.logs import get_logger
from infra.metrics import COMMAND_LATENCY, COMMANDS, EVENTS_APPENDED
from infra.personal_data_store import PersonalDataStore
from infra.site_index import SiteLotsIndex
from infra.store import (
    APPLICATION_NAME,
    StoreHead,
    StoreLocation,
    location_from_eventsourcing_env,
)

COMMAND_ATTEMPTS_MAX = 5
"""Optimistic-concurrency retries: two writers on one lot rarely collide more than twice;
five attempts absorb bursts without hiding a livelock."""
BATCH_COMMANDS_MAX = 10_000  # One transaction; bounds memory of a batch's unit of work.
TRANSACTION_EVENTS_MAX = 15_000
"""Events one transaction may write. On PostgreSQL, eventsourcing's pipelined insert of about
20,000 events or more never returned (bench.scale found it: the client waited in psycopg's
pipeline while the server held the events table's lock), blocking every other writer; a
recall's bound (10,000 lots) and the demo's largest batches (about 6,000 events at --scale
153) fit under this."""
NOTIFICATIONS_PAGE = 1_000  # Notifications per select when iterating the whole log.

log = get_logger("cocagne.ledger")


class _StartAgainWithLookups(Exception):
    """A replayed command's handler changed streams before being refused: start again."""


class Ledger(Application[UUID]):
    """The cooperative's ledger."""

    name = APPLICATION_NAME
    default_clock: ClassVar[Callable[[], datetime]] = utc_now
    """The clock a new ledger reads "now" from: the wall clock (scenario tests fix it)."""
    lived: bool = False
    """Simulation of past weeks (the demo, scenario tests): each command is run as if
    recorded while it happened, "now" being its own business time (when it gives one), so
    the back-dating window and the future tolerance hold trivially; the founding and
    lot-date plausibility apply in full. Never set by a server or the CLI."""

    def __init__(self, location: StoreLocation | None = None,
                 env: dict[str, str] | None = None) -> None:
        full_env: dict[str, str] = {}
        if location is not None:
            full_env.update(location.eventsourcing_env())
        full_env.update(env or {})
        super().__init__(env=full_env)
        self.location = location or location_from_eventsourcing_env(full_env)
        self._head: StoreHead | None = None
        if isinstance(self.recorder, SealedSQLiteApplicationRecorder):
            recorder = self.recorder  # Its writer connection reads the head best.
            head: Callable[[], int] = lambda: recorder.max_notification_id() or 0  # noqa: E731
        else:
            self._head = StoreHead(self.location, self.recorder)
            head = self._head.read
        self.clock: Callable[[], datetime] = type(self).default_clock
        """What "now" is for the business-time rule (``domain.business_time``)."""
        self.stores = Stores(repository=self.repository, recorder=self.recorder,
                             mapper=self.mapper,
                             site_lots=SiteLotsIndex(self.recorder, self.mapper),
                             personal_data=PersonalDataStore(self.location),
                             cache=StreamCache(head, self._notifications),
                             snapshots=Snapshots(
                                 self.factory.aggregate_recorder(purpose="snapshots"),
                                 self.recorder, self.mapper))

    def _notifications(self, start: int, limit: int, stop: int) -> Sequence[Notification]:
        return self.recorder.select_notifications(start, limit, stop=stop)

    def close(self) -> None:
        """Close the store's connections."""
        if self._head is not None:
            self._head.close()
        if isinstance(self.recorder, SealedSQLiteApplicationRecorder):
            self.recorder.close()
        super().close()

    def construct_mapper(self) -> Mapper[UUID]:
        """Store events as msgspec MessagePack (see ``domain.codec``)."""
        return StructMapper()

    @property
    def personal_data(self) -> PersonalDataStore:
        """Households' sealed personal data and the keys that open it."""
        return self.stores.personal_data

    @staticmethod
    def command_types() -> dict[type[msgspec.Struct], str]:
        """Every command this ledger handles, by type, with its name."""
        return {command_type: command_name(command_type) for command_type in HANDLERS}

    # ------------------------------------------------------------- execution

    def execute(self, command: msgspec.Struct) -> c.CommandResult:
        """Run one command atomically and idempotently."""
        return self.execute_batch([command])[0]

    def execute_batch(self, commands: Sequence[msgspec.Struct]) -> list[c.CommandResult]:
        """Run several commands in one transaction: all take effect, or none.

        A refused command refuses the whole batch (the error names its position).
        """
        if not 1 <= len(commands) <= BATCH_COMMANDS_MAX:
            raise InvalidCommand(f"a batch holds 1 to {BATCH_COMMANDS_MAX} commands, "
                                 f"got {len(commands)}", reason="batch_size",
                                 count=len(commands), maximum=BATCH_COMMANDS_MAX)
        started = time.perf_counter()
        handlers = [_handler_for(command) for command in commands]
        names = [name for name, _ in handlers]
        try:
            results = self._execute_with_retries(commands, handlers)
        except DomainError as error:
            for name in names:
                COMMANDS.labels(name, error.code).inc()
            log.info("command refused", commands=names[:10], code=error.code,
                     reason=error.message, **_identity(commands[0]))
            raise
        elapsed_s = time.perf_counter() - started
        _count(names, results, elapsed_s / len(commands))
        if not log.is_enabled_for(logging.INFO):
            return results  # The line's values (ids as text…) are not worth making.
        if len(commands) == 1:
            log.info("command", command=names[0], outcome="replayed" if results[0].replayed
                     else "accepted", events=results[0].events_written,
                     stream_id=str(results[0].stream_id), duration_ms=round(elapsed_s * 1000, 2),
                     **_identity(commands[0]))
        else:
            log.info("command batch", commands=len(commands),
                     events=sum(result.events_written for result in results),
                     duration_ms=round(elapsed_s * 1000, 2))
        return results

    def _execute_with_retries(self, commands: Sequence[msgspec.Struct],
                              handlers: list[tuple[str, Handler]]) -> list[c.CommandResult]:
        """Run the commands, save, and retry the whole unit of work on a conflict.

        The first attempt does not look for earlier records of the commands: a replayed
        command either is refused by its aggregate (then its record is looked up) or
        collides on its record's unique key when saved (then the retry looks it up). This
        saves one read per command on the common path.
        """
        for attempt in range(1, COMMAND_ATTEMPTS_MAX + 1):
            uow = UnitOfWork(self.stores, self.clock, lived=self.lived)
            records: dict[int, CommandRecord] = {}
            results = []
            try:
                for position, (command, handler) in enumerate(
                        zip(commands, handlers, strict=True), start=1):
                    try:
                        results.append(_run_one(uow, command, handler, records,
                                                look_up_record=attempt > 1))
                    except DomainError as error:
                        uow.finish(None)
                        if len(commands) > 1:
                            _name_batch_position(error, position, len(commands), command)
                        raise
            except _StartAgainWithLookups:
                continue
            changed = uow.changed()
            _refuse_oversized(uow, changed, len(commands))
            if not changed:
                uow.finish(None)
                return results
            try:
                notification_ids = self._save_units(changed)
            except IntegrityError:
                # A replayed command collides on its record's key on the first attempt by
                # design (see the docstring); a concurrent writer collides on a stream.
                # The unit of work's streams hold unsaved changes: they are dropped.
                log.debug("command collided on save, retrying with record lookups",
                          attempt=attempt, **_identity(commands[0]))
                continue
            uow.finish(notification_ids)
            EVENTS_APPENDED.inc(len(notification_ids))
            last_id = notification_ids[-1] if notification_ids else None
            return [result if result.replayed
                    else msgspec.structs.replace(result, notification_id=last_id)
                    for result in results]
        raise ConcurrencyConflict(
            f"command {_identity(commands[0]).get('command_id')} gave up after "
            f"{COMMAND_ATTEMPTS_MAX} attempts: other writers kept changing the same streams",
            reason="gave_up_after_conflicts", attempts=COMMAND_ATTEMPTS_MAX)

    def _save_units(self, aggregates: list[Aggregate]) -> list[int]:
        """Save the aggregates' new events in one transaction; their notification ids.

        The events go straight to the recorder: ``Application.save`` would check each object
        against runtime Protocols and wrap every event in recording and notification objects
        that nothing here reads, which together cost a third of a batched command's time.
        """
        snapshots = self.stores.snapshots
        before = [(aggregate, aggregate.version - len(aggregate.pending_events))
                  for aggregate in aggregates
                  if type(aggregate) in SNAPSHOTTED] if snapshots is not None else []
        notification_ids = self._write_events(
            [event for aggregate in aggregates for event in aggregate.collect_events()])
        if snapshots is not None and before:
            snapshots.take(before)
        return list(notification_ids or ())

    def _write_events(self, events: list[Event]) -> Sequence[int] | None:
        """Store the events in one transaction (all or none); their notification ids.

        The sealing SQLite recorder takes their rows as ``ledger_rows`` makes them, the very
        rows it would make of ``StructMapper.to_stored_event``'s stored events: a batched
        command's three events cost a tenth less without a ``StoredEvent`` each.
        """
        recorder = self.recorder
        if isinstance(recorder, SealedSQLiteApplicationRecorder) and recorder.writes_rows:
            return recorder.insert_rows(ledger_rows(events))
        to_stored = self.mapper.to_stored_event
        return recorder.insert_events([to_stored(event) for event in events])


def _refuse_oversized(uow: UnitOfWork, changed: list[Aggregate], commands: int) -> None:
    """Refuse, writing nothing, commands that would write more than one transaction may
    (``changed``: the unit of work's aggregates with events to save)."""
    events = sum(len(aggregate.pending_events) for aggregate in changed)
    if events > TRANSACTION_EVENTS_MAX:
        uow.finish(None)
        raise InvalidCommand(
            f"one transaction writes at most {TRANSACTION_EVENTS_MAX} events; these {commands} "
            f"commands would write {events}: send them in smaller batches",
            reason="transaction_too_large", events=events, maximum=TRANSACTION_EVENTS_MAX,
            count=commands)


_NAMED_HANDLERS: dict[type[msgspec.Struct], tuple[str, Handler]] = {
    command_type: (command_name(command_type), handler)
    for command_type, handler in HANDLERS.items()}


def _handler_for(command: msgspec.Struct) -> tuple[str, Handler]:
    try:
        return _NAMED_HANDLERS[type(command)]
    except KeyError:
        raise InvalidCommand(f"unknown command type {type(command).__name__}",
                             reason="unknown_command") from None


_COUNTERS: dict[tuple[str, str], Any] = {}
_LATENCIES: dict[str, Any] = {}
"""Metrics' children by label values: ``labels()`` looks them up under a lock each time
(what prometheus-client's documentation suggests keeping instead)."""


def _count(names: list[str], results: list[c.CommandResult], latency_s: float) -> None:
    """Commands by name and outcome, and their latency (children looked up once per name)."""
    outcomes: dict[tuple[str, str], int] = {}
    for name, result in zip(names, results, strict=True):
        key = (name, "replayed" if result.replayed else "accepted")
        outcomes[key] = outcomes.get(key, 0) + 1
    for key, count in outcomes.items():
        counter = _COUNTERS.get(key)
        if counter is None:
            counter = _COUNTERS.setdefault(key, COMMANDS.labels(*key))
        counter.inc(count)
        latency = _LATENCIES.get(key[0])
        if latency is None:
            latency = _LATENCIES.setdefault(key[0], COMMAND_LATENCY.labels(key[0]))
        for _ in range(count):
            latency.observe(latency_s)


def _replay(uow: UnitOfWork, records: dict[int, CommandRecord], name: str, command_id: str,
            digest: str, record_id: UUID) -> c.CommandResult | None:
    """The answer of an earlier run of this command id, or None if there was none."""
    existing = records.get(record_id.int) or uow.find(record_id)
    if existing is None:
        return None
    assert isinstance(existing, CommandRecord)
    if existing.digest != digest or existing.command_type != name:
        raise CommandIdReused(f"command id {command_id!r} was already used for a different "
                              f"{existing.command_type} command", reason="command_id_reused",
                              command=existing.command_type)
    return c.CommandResult(command_id=command_id, command_type=name,
                           stream_id=existing.stream_ids[0], stream_ids=existing.stream_ids,
                           events_written=existing.events_written, replayed=True)


def _run_one(uow: UnitOfWork, command: msgspec.Struct, named_handler: tuple[str, Handler],
             records: dict[int, CommandRecord], *, look_up_record: bool) -> c.CommandResult:
    """Run one command of the unit of work (with its handler and name) and add its command
    record."""
    name, handler = named_handler
    command_id: str = command.command_id  # type: ignore[attr-defined]
    digest = command_digest(command)
    record_id = command_record_id(command_id)
    if look_up_record or record_id.int in records:
        replayed = _replay(uow, records, name, command_id, digest, record_id)
        if replayed is not None:
            return replayed
    uow.begin_command(command)
    try:
        stream_ids = handler(command, uow)
    except DomainError:
        # Refused now; but if the same command ran before, answer as it did then.
        replayed = _replay(uow, records, name, command_id, digest, record_id)
        if replayed is not None:
            if uow.events_of_command():
                # The handler changed streams before it was refused: start the unit of work
                # again, looking records up first, so none of that gets saved.
                raise _StartAgainWithLookups from None
            return replayed
        raise
    events_written = uow.events_of_command()
    assert uow.context is not None
    record = CommandRecord.handled(uow.context, command_type=name, digest=digest,
                                   stream_ids=stream_ids, events_written=events_written,
                                   record_id=record_id)
    records[record_id.int] = record
    uow.add(record)
    return c.CommandResult(command_id=command_id, command_type=name, stream_id=stream_ids[0],
                           stream_ids=stream_ids, events_written=events_written)


def _name_batch_position(error: DomainError, position: int, count: int,
                         command: msgspec.Struct) -> None:
    """Prefix a refusal inside a batch with the refused command's position and id."""
    command_id = getattr(command, "command_id", "")
    error.message = f"batch command {position} of {count} ({command_id}): {error.message}"
    error.args = (error.message,)


def _identity(command: msgspec.Struct) -> dict[str, str]:
    """The ids a log line about a command carries."""
    fields: dict[str, str] = {"command_id": getattr(command, "command_id", "")}
    actor = getattr(command, "actor_id", None)
    if actor is not None:
        fields["actor_id"] = str(actor)
    fields["correlation_id"] = getattr(command, "correlation_id", "") or fields["command_id"]
    return fields


def iter_events(ledger: Any, start: int = 1,
                batch_size: int = NOTIFICATIONS_PAGE) -> Iterator[Event]:
    """Every event in notification order (for tools and tests): anything with a recorder
    and a mapper, such as a ``Ledger`` or an ``infra.reader.Reader``."""
    position = start
    while True:
        notifications = ledger.recorder.select_notifications(position, batch_size)
        if not notifications:
            return
        for notification in notifications:
            yield ledger.mapper.to_domain_event(notification)
        position = notifications[-1].id + 1
