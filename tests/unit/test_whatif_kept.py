"""``KeptSections`` on in-memory ledgers: a section is computed once per store and proposal,
kept while the events recorded since are of other topics, computed afresh after one of its
topics; two stores never share a section."""

from __future__ import annotations

from uuid import UUID, uuid4

from markupsafe import Markup

from domain import commands as c
from domain.codec import stored_topic
from domain.members import Member, MemberKind
from domain.sites import SiteKind
from infra.api.whatif_kept import KeptSections
from infra.ledger.ledger import Ledger
from infra.reader import StreamReader

PROPOSAL = uuid4()


def founded() -> tuple[Ledger, UUID]:
    """A ledger with its cooperative founded, and its coordinator."""
    ledger = Ledger()
    coordinator = ledger.execute(c.FoundCooperative(
        command_id="found", name="Coopérative", coordinator_name="Secrétariat")).stream_id
    return ledger, coordinator


def counting() -> tuple[KeptSections, list[int]]:
    """Sections that show the store's number of members, read by topic."""
    heads: list[int] = []

    def compute(reader: StreamReader, proposal_id: UUID) -> tuple[Markup, tuple[str, ...]]:
        topic = stored_topic(Member.Registered)
        members = len(reader.recorder.select_notifications(1, 1_000, topics=[topic]))
        heads.append(int(reader.recorder.max_notification_id() or 0))
        return Markup(f"{proposal_id}: {members}"), (topic,)

    return KeptSections(compute, entries_max=4), heads


def test_a_section_is_kept_until_an_event_of_its_topics() -> None:
    ledger, coordinator = founded()
    kept, computed = counting()
    first = kept.section(ledger, PROPOSAL)
    assert first == f"{PROPOSAL}: 1"
    assert kept.section(ledger, PROPOSAL) == first
    ledger.execute(c.RegisterSite(command_id="site", actor_id=coordinator, name="Entrepôt",
                                  kind=SiteKind.WAREHOUSE, operator_id=coordinator,
                                  city="Dijon"))
    assert kept.section(ledger, PROPOSAL) == first
    assert len(computed) == 1, "a new site is not read"
    ledger.execute(c.RegisterMember(command_id="member", actor_id=coordinator,
                                    name="Jardin", kind=MemberKind.PRODUCER))
    assert kept.section(ledger, PROPOSAL) == f"{PROPOSAL}: 2"
    assert len(computed) == 2
    assert kept.section(ledger, PROPOSAL) == f"{PROPOSAL}: 2"
    assert kept.computed == 2


def test_two_stores_never_share_a_section() -> None:
    one, coordinator = founded()
    other, other_coordinator = founded()
    other.execute(c.RegisterMember(command_id="member", actor_id=other_coordinator,
                                   name="Jardin", kind=MemberKind.PRODUCER))
    kept, computed = counting()
    assert kept.section(one, PROPOSAL) == f"{PROPOSAL}: 1"
    assert kept.section(other, PROPOSAL) == f"{PROPOSAL}: 2"
    assert kept.section(one, PROPOSAL) == f"{PROPOSAL}: 1"
    assert len(computed) == 2
    assert coordinator != other_coordinator


def test_more_proposals_than_kept_start_afresh() -> None:
    ledger, _ = founded()
    kept, computed = counting()
    proposals = [uuid4() for _ in range(5)]
    for proposal_id in proposals:
        kept.section(ledger, proposal_id)
    assert len(computed) == 5
    kept.section(ledger, proposals[-1])
    assert len(computed) == 5, "the last one is kept"
    kept.forget()
    kept.section(ledger, proposals[-1])
    assert len(computed) == 6
