"""Reading a store's history without the write application: the recorder, the mapper and
streams folded on demand, for read-only commands (stock, trace, recall, balances, rules,
tally, exports) and for the API's reads.

``Reader`` never registers handlers, opens side stores or indexes; a ``Ledger`` has the
same ``recorder``, ``mapper`` and ``repository``, so every function here takes either.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Protocol, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.persistence import (
    ApplicationRecorder,
    EventStore,
    InfrastructureFactory,
    Mapper,
)
from eventsourcing.utils import Environment

from domain.base import Aggregate, Event, project_events
from domain.baskets import Household
from domain.codec import StructMapper
from domain.personal_data import PersonalData
from domain.proposals import Tally, recount
from domain.rules import Enactment, RuleBook, standing_rules
from infra.store import APPLICATION_NAME, StoreLocation

if TYPE_CHECKING:
    from infra.personal_data_store import PersonalDataStore


class StreamReader(Protocol):
    """What reading a history needs: a ``Reader`` or a ``Ledger``."""

    recorder: ApplicationRecorder
    mapper: Mapper[UUID]

    @property
    def repository(self) -> Repository[UUID]:
        """Streams folded into aggregates."""
        ...


class Reader:
    """The events of one store, read-only."""

    def __init__(self, location: StoreLocation) -> None:
        self.location = location
        # The plain recorder: a reader writes nothing, not even a sealing catch-up.
        env = Environment(APPLICATION_NAME, {**os.environ,
                                             **location.eventsourcing_env(sealing=False)})
        self._factory = InfrastructureFactory.construct(env)
        self.recorder: ApplicationRecorder = self._factory.application_recorder()
        self.mapper: Mapper[UUID] = StructMapper()
        self.events: EventStore[UUID] = EventStore(self.mapper, self.recorder)
        self._repository: Repository[UUID] = Repository(event_store=self.events)

    @property
    def repository(self) -> Repository[UUID]:
        """Streams folded into aggregates."""
        return self._repository

    def close(self) -> None:
        """Close the store's connections."""
        self._factory.close()


def find_stream(reader: StreamReader, stream_id: UUID) -> Aggregate | None:
    """A stream folded into its aggregate, or None if it does not exist."""
    try:
        return cast(Aggregate, reader.repository.get(stream_id, projector_func=project_events))
    except AggregateNotFoundError:
        return None


def rule_book(reader: StreamReader) -> RuleBook | None:
    """The rule book as it stands (None until a first rule is adopted)."""
    found = find_stream(reader, RuleBook.ID)
    assert found is None or isinstance(found, RuleBook)
    return found


def rules_in_force(reader: StreamReader, at: date) -> list[Enactment]:
    """Every standing rule in force on day ``at`` (one per kind and scope)."""
    return standing_rules(rule_book(reader), at)


def recount_proposal(reader: StreamReader, proposal_id: UUID) -> tuple[Tally, Tally | None]:
    """Recount a proposal from its stored events (see ``domain.proposals.recount``)."""
    stored = reader.recorder.select_events(proposal_id)
    return recount(cast(Event, reader.mapper.to_domain_event(item)) for item in stored)


def reveal_household(reader: StreamReader, personal_data: PersonalDataStore,
                     household_id: UUID) -> PersonalData | None:
    """A household's name and contact, or None once erased."""
    household = find_stream(reader, household_id)
    assert isinstance(household, Household), f"stream {household_id} is not a household"
    return personal_data.reveal(household.id, household.sealed_personal_data)


def stored_events(reader: StreamReader, stream_id: UUID) -> Iterable[Event]:
    """A stream's events in order."""
    for item in reader.recorder.select_events(stream_id):
        yield cast(Event, reader.mapper.to_domain_event(item))
