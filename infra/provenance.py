"""Decision provenance, both ways: from a rule to the acts that applied it, and from an act
(an allocation round and its lines, a payment, a basket) to the decision it applied.

- ``rule_history(reader)``: every standing rule ever enacted, in order, with the proposal that
  set it (its tally and per-college participation), when the vote closed, the days it was in
  force (until a later decision of the same kind and scope replaced it), and the acts that
  applied it, counted by kind;
- ``acts_of_decision(reader, decision_id)``: those acts, each with the stream it changed;
- ``provenance_of(reader, stream_id)``: the decisions an act's stream applied, per event, and
  for an allocation round the decision of each line.

An act applied a decision when its events' context names it (``Context.decision_id``): the
real acts record it (a round's computation and confirmation, a delivery's pricing and its
receipts' posting, a basket's preparation, a donation valued at the reference prices).
Counting reads those topics only (``ACT_CLASSES``), one pass over the notification log,
filtered in SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

import msgspec

from domain.allocations import AllocationRound
from domain.base import Event
from domain.baskets import Basket, BasketProgramme
from domain.codec import stored_topic
from domain.deliveries import Delivery
from domain.donations import Donation
from domain.errors import NotFound
from domain.proposals import CollegeParticipation, Proposal, Tally, participation
from domain.rules import Enactment
from domain.transfers import DeliverySettlement, settlement_id
from infra.reader import StreamReader, find_stream, rule_book

ACT_CLASSES: tuple[type[Event], ...] = (
    AllocationRound.Computed, AllocationRound.Confirmed, DeliverySettlement.Priced,
    DeliverySettlement.StopSettled, Basket.Prepared, Donation.Recorded)
"""The events that open an act applying a standing rule (one per command)."""
NOTIFICATIONS_PAGE = 2_000  # Notifications per select: one round trip per page.
PAGES_MAX = 100_000  # 200 million notifications: a loop guard far beyond any history.
ACTS_LISTED_MAX = 1_000
"""Acts listed per decision (the count is always complete): a page, not the whole year."""
STREAM_EVENTS_MAX = 10_000  # Events read of one act's stream (a round has hundreds at most).


def proposal_link(decision_id: UUID) -> str:
    """Where a decision is shown."""
    return f"/api/proposals/{decision_id}"


def act_link(stream_id: UUID) -> str:
    """Where an act's provenance is shown."""
    return f"/api/acts/{stream_id}"


class ActEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One act that applied a decision."""

    stream_id: UUID
    kind: str
    """The topic of the act's event (``allocation_round.computed``…)."""
    command_id: str
    occurred_at: datetime
    link: str


class RuleHistoryEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A standing rule that was in force, the decision that set it and what applied it."""

    sequence: int
    kind: str
    scope_id: UUID | None
    scope_name: str
    rule: dict[str, Any]
    decision_id: UUID
    title: str
    link: str
    opens_at: datetime | None
    closed_at: datetime | None
    tally: Tally | None
    participation: list[CollegeParticipation]
    effective_from: date
    replaced_from: date | None
    """The day a later decision of the same kind and scope took over (None: still in force
    unless a later-dated one is pending)."""
    acts: int
    acts_by_kind: dict[str, int]
    acts_link: str


class DecisionApplied(msgspec.Struct, frozen=True, kw_only=True):
    """A decision one of an act's events applied."""

    decision_id: UUID
    title: str
    link: str
    applied_by: list[str]
    """The topics of the events that name it."""


class LineProvenance(msgspec.Struct, frozen=True, kw_only=True):
    """An allocation line and the decision whose key computed it (None: the default key)."""

    lot_id: UUID
    outlet_id: UUID
    quantity_g: int
    decision_id: UUID | None
    link: str | None


class ActProvenance(msgspec.Struct, frozen=True, kw_only=True):
    """The decisions an act's stream applied."""

    stream_id: UUID
    kind: str
    decisions: list[DecisionApplied]
    lines: list[LineProvenance] = msgspec.field(default_factory=list)
    """For an allocation round: each computed line."""


def _events(reader: StreamReader, classes: tuple[type[Event], ...]) -> Iterator[Event]:
    topics = [stored_topic(cls) for cls in classes]
    position = 1
    for _ in range(PAGES_MAX):
        page = reader.recorder.select_notifications(position, NOTIFICATIONS_PAGE, topics=topics)
        for notification in page:
            yield cast(Event, reader.mapper.to_domain_event(notification))
        if len(page) < NOTIFICATIONS_PAGE:
            return
        position = page[-1].id + 1


def _acts_by_decision(reader: StreamReader) -> dict[UUID, list[ActEntry]]:
    """Every act applying a decision, one per command, in log order."""
    acts: dict[UUID, dict[str, ActEntry]] = {}
    for event in _events(reader, ACT_CLASSES):
        decision_id = event.context.decision_id
        if decision_id is None:
            continue
        by_command = acts.setdefault(decision_id, {})
        if event.context.command_id not in by_command:
            by_command[event.context.command_id] = ActEntry(
                stream_id=event.originator_id, kind=type(event).TOPIC,
                command_id=event.context.command_id, occurred_at=event.context.occurred_at,
                link=act_link(event.originator_id))
    return {decision_id: list(entries.values()) for decision_id, entries in acts.items()}


def _closing(reader: StreamReader, proposal_id: UUID) -> datetime | None:
    for item in reader.recorder.select_events(proposal_id, desc=True, limit=1):
        event = cast(Event, reader.mapper.to_domain_event(item))
        if isinstance(event, Proposal.Adopted | Proposal.Rejected):
            return event.context.occurred_at
    return None


def _scope_name(reader: StreamReader, scope_id: UUID | None) -> str:
    if scope_id is None:
        return ""
    programme = find_stream(reader, scope_id)
    return programme.name if isinstance(programme, BasketProgramme) else str(scope_id)


def _replaced_from(enactment: Enactment, enactments: list[Enactment]) -> date | None:
    later = [other.effective_from for other in enactments
             if other.kind == enactment.kind and other.scope_id == enactment.scope_id
             and (other.effective_from, other.sequence) > (enactment.effective_from,
                                                           enactment.sequence)]
    return min(later) if later else None


def rule_history(reader: StreamReader) -> list[RuleHistoryEntry]:
    """Every standing rule ever enacted, oldest first, with its decision and its acts."""
    book = rule_book(reader)
    if book is None:
        return []
    acts = _acts_by_decision(reader)
    entries = []
    for enactment in book.enactments:
        proposal = find_stream(reader, enactment.decision_id)
        outcome = proposal.outcome if isinstance(proposal, Proposal) else None
        applied = acts.get(enactment.decision_id, [])
        by_kind: dict[str, int] = {}
        for act in applied:
            by_kind[act.kind] = by_kind.get(act.kind, 0) + 1
        entries.append(RuleHistoryEntry(
            sequence=enactment.sequence, kind=str(enactment.kind), scope_id=enactment.scope_id,
            scope_name=_scope_name(reader, enactment.scope_id),
            rule=msgspec.to_builtins(enactment.rule), decision_id=enactment.decision_id,
            title=enactment.title, link=proposal_link(enactment.decision_id),
            opens_at=proposal.opens_at if isinstance(proposal, Proposal) else None,
            closed_at=_closing(reader, enactment.decision_id),
            tally=outcome, participation=participation(outcome) if outcome else [],
            effective_from=enactment.effective_from,
            replaced_from=_replaced_from(enactment, book.enactments), acts=len(applied),
            acts_by_kind=by_kind, acts_link=f"{proposal_link(enactment.decision_id)}/acts"))
    return entries


def acts_of_decision(reader: StreamReader, decision_id: UUID, *, offset: int = 0,
                     limit: int = ACTS_LISTED_MAX) -> tuple[int, list[ActEntry]]:
    """How many acts applied a decision, and a page of them (oldest first)."""
    if not isinstance(find_stream(reader, decision_id), Proposal):
        raise NotFound(f"proposal {decision_id} does not exist", reason="stream_missing",
                       what="proposal")
    applied = _acts_by_decision(reader).get(decision_id, [])
    limit = max(0, min(limit, ACTS_LISTED_MAX))
    return len(applied), applied[offset:offset + limit]


def _stream_events(reader: StreamReader, stream_id: UUID) -> list[Event]:
    return [cast(Event, reader.mapper.to_domain_event(item))
            for item in reader.recorder.select_events(stream_id, limit=STREAM_EVENTS_MAX)]


def provenance_of(reader: StreamReader, stream_id: UUID) -> ActProvenance:
    """The decisions the acts on a stream applied (a delivery: its settlement's too)."""
    events = _stream_events(reader, stream_id)
    if not events:
        raise NotFound(f"stream {stream_id} does not exist", reason="stream_missing",
                       what="record")
    first = events[0]
    kind = first.TOPIC.split(".")[0]
    if isinstance(first, Delivery.Planned):
        events += _stream_events(reader, settlement_id(stream_id))
    applied: dict[UUID, list[str]] = {}
    for event in events:
        if event.context.decision_id is not None:
            topics = applied.setdefault(event.context.decision_id, [])
            if event.TOPIC not in topics:
                topics.append(event.TOPIC)
    decisions = []
    for decision_id, topics in applied.items():
        proposal = find_stream(reader, decision_id)
        decisions.append(DecisionApplied(
            decision_id=decision_id,
            title=proposal.title if isinstance(proposal, Proposal) else "",
            link=proposal_link(decision_id), applied_by=topics))
    lines: list[LineProvenance] = []
    computed = [event for event in events if isinstance(event, AllocationRound.Computed)]
    if computed:
        last = computed[-1]
        link = proposal_link(last.decision_id) if last.decision_id else None
        lines = [LineProvenance(lot_id=line.lot_id, outlet_id=line.outlet_id,
                                quantity_g=line.quantity_g, decision_id=last.decision_id,
                                link=link) for line in last.lines]
    return ActProvenance(stream_id=stream_id, kind=kind, decisions=decisions, lines=lines)

