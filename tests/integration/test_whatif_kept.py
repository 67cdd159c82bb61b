"""The governance page's what-if sections kept until the store records an event they read, on
SQLite and PostgreSQL: every topic a simulation reads is in the list its section is kept by;
a workshop, a new site or a vote leaves the sections as they were (not replayed); a new
member or a delivery received in the replayed weeks replays them, with the new figures."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, time
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import Repository
from eventsourcing.persistence import ApplicationRecorder, EventStore, Mapper, Notification
from markupsafe import Markup

from domain import commands as c
from domain import reporting_commands as r
from domain.members import MemberKind
from domain.proposals import Proposal
from domain.rules import RuleBook, RuleKind, SetBasketTerms, rule_kind
from domain.sites import SiteKind
from domain.whatif import replay_window
from domain.workshops import WorkshopKind
from infra.api import whatif_html
from infra.api.whatif_html import proposal_section, simulation_section
from infra.api.whatif_kept import KeptSections
from infra.ledger.ledger import Ledger
from infra.reader import StreamReader, find_stream
from infra.whatif import read_topics, simulate_proposal, simulate_rule
from tests.integration.test_whatif import programme_of, simulated_proposals
from tests.whatif_support import DEMO_WEEKS, END, LAST_DAY, Demo, governed_demo


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def demo(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The governed demo on each store, which these tests add acts to."""
    yield from governed_demo(request, tmp_path_factory)


class RecordingRecorder:
    """A recorder that notes the topics and streams every read asks for."""

    def __init__(self, inner: ApplicationRecorder) -> None:
        self.inner = inner
        self.topics: set[str] = set()
        self.streams: set[UUID] = set()

    def select_notifications(self, start: int | None, limit: int, stop: int | None = None,
                             topics: Sequence[str] = (), **options: Any,
                             ) -> Sequence[Notification]:
        assert topics, "a simulation reads the log filtered by topic"
        self.topics.update(topics)
        return self.inner.select_notifications(start, limit, stop, topics, **options)

    def select_events(self, originator_id: UUID, **options: Any) -> Any:
        self.streams.add(originator_id)
        return self.inner.select_events(originator_id, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class RecordingReader:
    """A ``StreamReader`` whose every read goes through a ``RecordingRecorder``."""

    def __init__(self, ledger: Ledger) -> None:
        self.recording = RecordingRecorder(ledger.recorder)
        self.recorder: ApplicationRecorder = self.recording  # type: ignore[assignment]
        self.mapper: Mapper[UUID] = ledger.mapper
        self._repository: Repository[UUID] = Repository(
            event_store=EventStore(self.mapper, self.recorder))

    @property
    def repository(self) -> Repository[UUID]:
        return self._repository


def assert_kept_by_what_it_read(reader: RecordingReader, ledger: Ledger, topics: Sequence[str],
                                proposal_id: UUID | None) -> None:
    """Every topic read, and every event of every stream folded (but the proposal's own,
    whose title, rule and opening its submission alone sets), is in ``topics``."""
    assert reader.recording.topics, "the simulation read the log"
    assert reader.recording.topics <= set(topics)
    assert reader.recording.streams <= {RuleBook.ID, proposal_id}
    assert RuleBook.ID in reader.recording.streams
    stored = {item.topic for item in ledger.recorder.select_events(RuleBook.ID)}
    assert stored
    assert stored <= set(topics)


def test_every_topic_a_simulation_reads_keeps_its_section(demo: Demo) -> None:
    """Each rule kind, simulated through a reader that notes what it reads."""
    for proposal_id in simulated_proposals(demo.ledger):
        reader = RecordingReader(demo.ledger)
        simulation = simulate_proposal(reader, proposal_id)
        proposal = find_stream(demo.ledger, proposal_id)
        assert isinstance(proposal, Proposal)
        assert rule_kind(proposal.payload) == simulation.kind
        assert_kept_by_what_it_read(reader, demo.ledger, read_topics(simulation.kind),
                                    proposal_id)
    programme = programme_of(demo.ledger)
    terms = programme.terms
    rule = SetBasketTerms(programme_id=programme.id, basket_price_cents=1_500,
                          household_share_cap_bp=terms.household_share_cap_bp,
                          funders=list(terms.funders))
    reader = RecordingReader(demo.ledger)
    simulation = simulate_rule(reader, rule, replay_window(END, DEMO_WEEKS))
    assert simulation.acts > 0
    assert_kept_by_what_it_read(reader, demo.ledger, read_topics(simulation.kind), None)


def _coordinator(ledger: Ledger) -> UUID:
    """The member who founded the demo's cooperative."""
    first = ledger.recorder.select_notifications(1, 1, topics=["member.registered"])[0]
    return UUID(str(first.originator_id))


def _outlet(ledger: Ledger) -> UUID:
    """An outlet of the demo: the first stop of its first delivery."""
    first = ledger.recorder.select_notifications(1, 1, topics=["delivery.planned"])[0]
    delivery: Any = find_stream(ledger, UUID(str(first.originator_id)))
    return UUID(str(delivery.stops[0].outlet_id))


def _sections(ledger: Ledger, proposals: list[UUID]) -> list[Markup]:
    return [proposal_section(ledger, proposal_id, open_vote=True) for proposal_id in proposals]


def test_a_section_is_kept_across_acts_it_does_not_read(demo: Demo) -> None:
    """A workshop and a new site move the store's head: the sections are not replayed."""
    ledger = demo.ledger
    proposals = simulated_proposals(ledger)
    kept = whatif_html.kept_sections
    kept.forget()
    computed = kept.computed
    first = _sections(ledger, proposals)
    assert kept.computed == computed + len(proposals)
    assert _sections(ledger, proposals) == first
    assert kept.computed == computed + len(proposals)
    coordinator, outlet = _coordinator(ledger), _outlet(ledger)
    head = ledger.recorder.max_notification_id()
    ledger.execute(r.RecordWorkshop(command_id="kept-workshop", actor_id=outlet,
                                    kind=WorkshopKind.COOKING, held_on=LAST_DAY,
                                    attendance_count=12))
    ledger.execute(c.RegisterSite(command_id="kept-site", actor_id=coordinator,
                                  name="Local de quartier", kind=SiteKind.OUTLET,
                                  operator_id=outlet, city="Dijon"))
    assert (ledger.recorder.max_notification_id() or 0) > (head or 0)
    assert _sections(ledger, proposals) == first
    assert kept.computed == computed + len(proposals), "nothing the simulations read changed"


def test_a_section_is_replayed_after_an_act_it_reads(demo: Demo) -> None:
    """A new member (a name a simulation may show) replays every section, once."""
    ledger = demo.ledger
    proposals = simulated_proposals(ledger)
    kept = whatif_html.kept_sections
    _sections(ledger, proposals)
    computed = kept.computed
    ledger.execute(c.RegisterMember(command_id="kept-member", actor_id=_coordinator(ledger),
                                    name="Épicerie des Tanneries", kind=MemberKind.OUTLET,
                                    households_served=30))
    _sections(ledger, proposals)
    assert kept.computed == computed + len(proposals)
    _sections(ledger, proposals)
    assert kept.computed == computed + len(proposals)


def _payload(ledger: Ledger, proposal_id: UUID) -> Any:
    proposal = find_stream(ledger, proposal_id)
    assert isinstance(proposal, Proposal)
    return proposal.payload


def _undelivered(ledger: Ledger) -> tuple[UUID, UUID, list[c.ReceiptLine]]:
    """The demo's delivery dispatched but not yet received: its id, outlet and lines less
    a kilogram each (a shortfall)."""
    dispatched = {UUID(str(item.originator_id)) for item in ledger.recorder.select_notifications(
        1, 10_000, topics=["delivery.dispatched"])}
    received = {UUID(str(item.originator_id)) for item in ledger.recorder.select_notifications(
        1, 10_000, topics=["delivery.stop_received"])}
    delivery_id = next(iter(dispatched - received))
    delivery: Any = find_stream(ledger, delivery_id)
    stop = delivery.stops[0]
    lines = [c.ReceiptLine(line.lot_id, max(line.quantity_g - 1_000, 1)) for line in stop.lines]
    return delivery_id, stop.outlet_id, lines


def test_a_delivery_received_in_the_replayed_weeks_replays_the_grid(demo: Demo) -> None:
    """The grid proposal over the demo weeks: a workshop keeps it, the last delivery's
    receipt replays it and its figures change."""
    ledger = demo.ledger
    grid = next(pid for pid in simulated_proposals(ledger)
                if rule_kind(_payload(ledger, pid)) == RuleKind.PRICE_GRID)

    def compute(reader: StreamReader, proposal_id: UUID) -> tuple[Markup, tuple[str, ...]]:
        simulation = simulate_proposal(reader, proposal_id, weeks=DEMO_WEEKS, before=END)
        return simulation_section(simulation), read_topics(simulation.kind)

    kept = KeptSections(compute, entries_max=8)
    first = kept.section(ledger, grid)
    ledger.execute(r.RecordWorkshop(command_id="kept-workshop-2", actor_id=_outlet(ledger),
                                    kind=WorkshopKind.COOKING, held_on=LAST_DAY,
                                    attendance_count=8))
    assert kept.section(ledger, grid) == first
    assert kept.computed == 1
    delivery_id, outlet_id, lines = _undelivered(ledger)
    ledger.execute(c.ReceiveDelivery(
        command_id="kept-receipt", actor_id=outlet_id, delivery_id=delivery_id, lines=lines,
        signer="Banc", occurred_at=datetime.combine(END, time(9), tzinfo=UTC)))
    again = kept.section(ledger, grid)
    assert kept.computed == 2
    assert again != first, "the shortfall changes what the grid would have paid"
