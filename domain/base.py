"""The building blocks of every stream: the act's context, events, aggregates.

Events are frozen ``msgspec.Struct`` classes. Each concrete event class names a ``TOPIC``
that is stored with it forever: an event class is never renamed or reused, and a change of
shape bumps ``class_version`` with an ``upcast_vN_vN+1`` static method (see ``codec.py``).

Aggregates follow eventsourcing's protocol (``id``, ``version``, ``collect_events``;
events with ``originator_id``, ``originator_version``, ``timestamp`` and ``mutate``) so the
library's ``Application``, ``Repository`` and recorders store and load them. They are plain
classes rather than subclasses of ``eventsourcing.domain.BaseAggregate``: that base class
rewrites nested event classes with ``dataclasses``, which msgspec Structs cannot take.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar, Self, TypeVar
from uuid import UUID

import msgspec

from domain.business_time import aware, check_act_order
from domain.errors import RoleRequired


class Role(enum.StrEnum):
    """What a member may do in the ledger (DESIGN.md section 1)."""

    PRODUCER = "producer"
    PLATFORM = "platform"
    OUTLET = "outlet"
    FUNDER = "funder"
    HOUSEHOLD = "household"
    VOTER = "voter"
    AUDITOR = "auditor"
    COORDINATOR = "coordinator"
    """The cooperative's secretariat: registers members and sites, opens programmes."""


class Context(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Who acted, in which role, when, and why: carried by every event.

    Not tracked by the garbage collector (``gc=False``, like events): it holds ids, text and
    a time, so it can never be part of a reference cycle.
    """

    member_id: UUID
    role: Role
    command_id: str
    correlation_id: str
    causation_id: str
    occurred_at: datetime
    """Business time: when the act happened in the world (the event's ``timestamp`` is when
    the ledger recorded it)."""
    decision_id: UUID | None = None
    """The adopted proposal whose rule this act applied, where one applies."""
    backdating_reason: str | msgspec.UnsetType = msgspec.UNSET
    """Why a coordinator dated this act before the back-dating window (``domain.business_time``).
    UNSET (not stored at all) otherwise, so every other event keeps its stored bytes exactly
    as before the field existed (``tests/integration/test_codec.py`` pins them)."""

    def require(self, *roles: Role) -> None:
        """Refuse unless the actor acts in one of ``roles``."""
        if self.role not in roles:
            allowed = " or ".join(str(role) for role in roles)
            raise RoleRequired(f"member {self.member_id} acting as {self.role} may not do this: "
                               f"it takes the role {allowed}", reason="role_for_act",
                               role=str(self.role), roles=" ".join(str(role) for role in roles))


def project_events(aggregate: Any, events: Iterable[Any]) -> Any:
    """Fold events into an aggregate (the projector given to eventsourcing's repository).

    eventsourcing's default projector checks each event against a runtime Protocol, which
    cost 40 % of command time here; our events are all ``Event``.
    """
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(tz=UTC)


_registry: dict[str, type[Event]] = {}


def event_class_for_topic(topic: str) -> type[Event]:
    """The event class registered under ``topic`` (without a version suffix)."""
    return _registry[topic]


def registered_event_classes() -> dict[str, type[Event]]:
    """Every concrete event class by topic."""
    return dict(_registry)


TAggregate = TypeVar("TAggregate", bound="Aggregate")


class Event(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """An immutable fact in one stream.

    Concrete classes set ``TOPIC``; abstract bases (no ``TOPIC``) are not registered.

    Events are not tracked by the garbage collector (``gc=False``, inherited by every event
    class): a frozen event made from a command's values cannot be part of a reference cycle
    (the lists it may hold are built for it and never hold it), and a command makes several,
    each of which the collector would otherwise scan at every pass until it is saved.
    """

    TOPIC: ClassVar[str] = ""
    class_version: ClassVar[int] = 1

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    context: Context

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        topic = cls.__dict__.get("TOPIC", "")
        if topic:
            if topic in _registry and _registry[topic].__qualname__ != cls.__qualname__:
                msg = f"event topic {topic!r} of {cls.__qualname__} is taken by {_registry[topic]}"
                raise TypeError(msg)
            _registry[topic] = cls

    def mutate(self, aggregate: Aggregate | None) -> Aggregate | None:
        """Apply this event to the aggregate (eventsourcing's projector protocol)."""
        assert aggregate is not None, f"{type(self).__qualname__} cannot start a stream"
        if self.originator_version != aggregate.version + 1:
            msg = (f"event version {self.originator_version} does not follow "
                   f"aggregate version {aggregate.version} of {aggregate.id}")
            raise ValueError(msg)
        self.apply(aggregate)
        aggregate.version = self.originator_version
        aggregate.modified_on = self.timestamp
        occurred_at = self.context.occurred_at
        if occurred_at.tzinfo is None:  # ``aware`` inlined: every event of every load.
            occurred_at = occurred_at.replace(tzinfo=UTC)
        latest = aggregate.latest_occurred_at
        if latest is None or occurred_at > latest:
            aggregate.latest_occurred_at = occurred_at
        if aggregate.NOTES_ACTS:
            aggregate.note_act(self, occurred_at)
        return aggregate

    def apply(self, aggregate: Any) -> None:
        """Evolve the aggregate's state; overridden by each event."""

    def _as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__struct_fields__}


class Created(Event, frozen=True, kw_only=True):
    """The first event of a stream: it constructs the aggregate."""

    AGGREGATE: ClassVar[type[Aggregate]]

    def mutate(self, aggregate: Aggregate | None) -> Aggregate | None:
        """Construct the aggregate, then apply this event to it."""
        assert aggregate is None, f"{type(self).__qualname__} only starts a stream"
        new = self.AGGREGATE.__new__(self.AGGREGATE)
        new._base_init(self.originator_id, self.originator_version, self.timestamp)
        new.latest_occurred_at = aware(self.context.occurred_at)
        self.apply(new)
        if new.NOTES_ACTS:
            new.note_act(self, new.latest_occurred_at)
        return new


class Aggregate:
    """A stream's current state, rebuilt from its events.

    Command methods check first (raising a ``DomainError``) and only then ``_trigger`` events,
    so a refused command leaves both the aggregate and the store unchanged.

    Every aggregate remembers the latest business time of its events
    (``latest_occurred_at``, the greatest ``context.occurred_at`` folded so far: derived
    from the stored events, never stored itself). A stream whose acts are causally ordered
    (a lot, a delivery, a transfer, a basket, a donation) sets ``ORDERED_IN_BUSINESS_TIME``
    and names itself (``business_time_label``): each new act on it is then refused when
    dated before that latest time (``business_time.check_act_order``). Streams whose acts
    are independent of each other (an account's movements, a round's needs, a proposal's
    votes) do not.
    """

    ORDERED_IN_BUSINESS_TIME: ClassVar[bool] = False
    """Whether an act may not be dated before the stream's latest act (see the class)."""
    NOTES_ACTS: ClassVar[bool] = False
    """Whether ``note_act`` sees each event folded (a lot keeps a latest time per holder)."""

    def _base_init(self, aggregate_id: UUID, version: int, timestamp: datetime) -> None:
        self._id = aggregate_id
        self._version = version
        self.created_on = timestamp
        self.modified_on = timestamp
        self._pending_events: list[Event] = []
        self.latest_occurred_at: datetime | None = None
        """The latest business time of the events folded (a snapshot keeps it). None
        before any, and for an account loaded from its first and last events only
        (``Account.resume``; accounts are not ``ORDERED_IN_BUSINESS_TIME``)."""

    def note_act(self, event: Event, occurred_at: datetime) -> None:
        """Remember more of an event's business time than ``latest_occurred_at`` (called
        after each event is applied, when ``NOTES_ACTS``; ``occurred_at`` is in UTC)."""

    def business_time_floor(self, topic: str,  # noqa: ARG002 - a lot's override reads them.
                            fields: dict[str, Any]) -> datetime | None:  # noqa: ARG002
        """The earliest business time an act of ``topic`` with ``fields`` may take on this
        ordered stream: its latest act's (a lot narrows it to the holder the act concerns)."""
        return self.latest_occurred_at

    def business_time_label(self) -> tuple[str, str]:
        """What the stream is and its name, for a refusal of an act dated too early
        (``("lot", "CAR-0001")``); overridden by ordered streams."""
        return type(self).__name__.lower(), str(self.id)

    @property
    def id(self) -> UUID:
        """The stream id."""
        return self._id

    @property
    def version(self) -> int:
        """The position of the last event applied."""
        return self._version

    @version.setter
    def version(self, value: int) -> None:
        self._version = value

    @classmethod
    def _create(cls, event_class: type[Created], aggregate_id: UUID, **fields: Any) -> Self:
        return cls._start(event_class(originator_id=aggregate_id, originator_version=1,
                                      timestamp=utc_now(), **fields))

    @classmethod
    def _start(cls, event: Created) -> Self:
        """A new stream from its first event, made by the caller (version 1, recorded now).

        What ``_create`` does, for the streams nearly every command starts (a lot, its code,
        the command's record): the caller builds the event itself, so its fields are not
        packed into a dictionary and unpacked again, and the checks ``Created.mutate`` makes
        of a stored first event are not needed of one just built.
        """
        aggregate_class = event.AGGREGATE
        aggregate = aggregate_class.__new__(aggregate_class)
        aggregate._base_init(event.originator_id, event.originator_version, event.timestamp)
        aggregate.latest_occurred_at = aware(event.context.occurred_at)
        event.apply(aggregate)
        if aggregate.NOTES_ACTS:
            aggregate.note_act(event, aggregate.latest_occurred_at)
        assert isinstance(aggregate, cls)
        aggregate._pending_events.append(event)
        return aggregate

    def _trigger(self, event_class: type[Event], **fields: Any) -> None:
        if self.ORDERED_IN_BUSINESS_TIME:
            floor = self.business_time_floor(event_class.TOPIC, fields)
            if floor is not None:
                what, name = self.business_time_label()
                check_act_order(fields["context"].occurred_at, floor, what=what, name=name,
                                act=event_class.TOPIC)
        event = event_class(originator_id=self.id, originator_version=self.version + 1,
                            timestamp=utc_now(), **fields)
        event.mutate(self)
        self._pending_events.append(event)

    @property
    def pending_events(self) -> list[Event]:
        """Events triggered but not yet saved."""
        return self._pending_events

    def collect_events(self) -> list[Event]:
        """Hand the pending events to the application for saving."""
        collected, self._pending_events = self._pending_events, []
        return collected

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        # Aggregates hold only plain containers and immutable values; a structural copy is
        # enough and much cheaper than deepcopy's generic walk.
        import copy  # noqa: PLC0415 - only needed on the rare cache path.

        clone = self.__class__.__new__(self.__class__)
        for key, value in self.__dict__.items():
            setattr(clone, key, copy.deepcopy(value, memo))
        return clone
