"""The work pages' kept streams: folded once, brought up to date on each read, never stale,
and a stream already handed to a page is never changed under it."""

from __future__ import annotations

from uuid import uuid4

from domain import commands as c
from domain.base import Role
from domain.members import Member
from infra.api.pages.streams import PageStreams
from infra.ledger.ledger import Ledger
from tests.builders import found_territory


def test_a_kept_stream_follows_new_events_into_a_copy(ledger: Ledger) -> None:
    """A role granted after the first read shows on the next; the first aggregate stays."""
    territory = found_territory(ledger)
    streams = PageStreams(ledger)
    first = streams.get(territory.producer_id)
    assert isinstance(first, Member)
    assert streams.get(territory.producer_id) is first, "nothing new: the kept stream"
    ledger.execute(c.GrantRole(command_id="t-grant-1", actor_id=territory.coordinator_id,
                               member_id=territory.producer_id, role=Role.AUDITOR))
    second = streams.get(territory.producer_id)
    assert Role.AUDITOR in second.roles
    assert second.version == first.version + 1
    assert Role.AUDITOR not in first.roles, "a page still reading the first copy is unchanged"
    assert second.roles == ledger.repository.get(territory.producer_id).roles
    assert streams.get(territory.producer_id) is second


def test_a_missing_stream_is_none_and_the_rules_default(ledger: Ledger) -> None:
    """No stream: ``find`` answers None; no rule book yet: no rule in force."""
    found_territory(ledger)
    streams = PageStreams(ledger)
    assert streams.find(uuid4()) is None
    assert streams.rule_book() is None
