"""Long-lived streams load from their latest snapshot and the events after it, and that
gives exactly the state a full replay gives; a snapshot of another shape is ignored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
from eventsourcing.persistence import StoredEvent

from domain import governance_commands as g
from domain.base import Aggregate, project_events
from domain.governance import College, Colleges
from domain.proposals import Choice, Proposal
from domain.rules import SetAllocationKey
from infra.ledger.ledger import Ledger
from infra.ledger.snapshots import INTERVAL, decode_snapshot, encode_snapshot
from infra.ledger.unit_of_work import UnitOfWork
from infra.store import StoreLocation
from tests.governance_support import Governed, at, governed_territory

VOTES = 2 * INTERVAL + 50


def state(aggregate: Aggregate) -> dict[str, Any]:
    """An aggregate's attributes, without what is not saved."""
    return {name: value for name, value in vars(aggregate).items()
            if name != "_pending_events"}


def replayed(ledger: Ledger, stream_id: Any) -> Aggregate:
    """The stream folded from its first event, as if no snapshot existed."""
    aggregate: Aggregate = ledger.repository.get(stream_id, projector_func=project_events)
    return aggregate


def long_vote(gov: Governed) -> Any:
    """A proposal whose few voters change their minds hundreds of times."""
    proposal_id = gov.propose(SetAllocationKey(key="proportional_to_households"),
                              effective_from=at(7).date())
    voters = [*gov.seats[College.PRODUCERS], *gov.seats[College.OUTLETS]]
    for number in range(VOTES):
        # Each voter's next ballot differs from its last (an identical one is refused).
        choice = (Choice.YES, Choice.NO, Choice.ABSTAIN)[(number // len(voters) + number) % 3]
        gov.vote(proposal_id, voters[number % len(voters)], choice,
                 at(1) + timedelta(seconds=number))
    return proposal_id


def test_a_long_proposal_loads_from_its_snapshot_as_a_replay_would(
        store: StoreLocation) -> None:
    """Snapshots are taken every INTERVAL events; a cold load equals the full replay."""
    writer = Ledger(store)
    try:
        gov = governed_territory(writer)
        proposal_id = long_vote(gov)
        snapshots = writer.factory.aggregate_recorder(purpose="snapshots")
        taken = snapshots.select_events(proposal_id)
        assert [snapshot.originator_version for snapshot in taken] == [INTERVAL, 2 * INTERVAL]
    finally:
        writer.close()
    reader = Ledger(store)  # A cold process: nothing cached.
    try:
        loaded = UnitOfWork(reader.stores).get(Proposal, proposal_id, "proposal")
        full = replayed(reader, proposal_id)
        assert loaded.version == VOTES + 1
        assert state(loaded) == state(full)
        gov = Governed(base=gov.base, funder_ids=gov.funder_ids,
                       collection_point_id=gov.collection_point_id,
                       referrer_id=gov.referrer_id, seats=gov.seats,
                       outsider_id=gov.outsider_id)
        gov.base.ledger = reader
        assert gov.close(proposal_id, at(5)).outcome is not None
    finally:
        reader.close()


def test_every_snapshotted_kind_round_trips(ledger: Ledger) -> None:
    """Colleges and a proposal encode and decode to the very same attributes."""
    gov = governed_territory(ledger)
    proposal_id = gov.propose(SetAllocationKey(key="proportional_to_needs"),
                              effective_from=at(7).date())
    gov.vote_college(proposal_id, College.PRODUCERS, Choice.YES, Choice.NO)
    gov.close(proposal_id, at(5))
    for stream_id, kind in ((Colleges.ID, Colleges), (proposal_id, Proposal)):
        aggregate = replayed(ledger, stream_id)
        restored = decode_snapshot(kind, encode_snapshot(aggregate))
        assert restored is not None
        assert state(restored) == state(aggregate)


def test_a_snapshot_of_another_shape_is_ignored(ledger: Ledger) -> None:
    """An old class's snapshot (another topic) is skipped: the stream is replayed."""
    gov = governed_territory(ledger)
    colleges = replayed(ledger, Colleges.ID)
    stale = encode_snapshot(colleges)
    renamed = StoredEvent(originator_id=stale.originator_id,
                          originator_version=stale.originator_version,
                          topic=stale.topic.rsplit("#", 1)[0] + "#000000000000",
                          state=msgspec.msgpack.encode({"something": "else"}))
    assert decode_snapshot(Colleges, renamed) is None
    gov.run(g.UnseatMember, actor_id=gov.coordinator_id,
            member_id=gov.seats[College.EMPLOYEES][0], reason="départ")
    assert College.EMPLOYEES not in replayed(ledger, Colleges.ID).members.values()
