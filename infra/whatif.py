"""What-if simulations read from a store: the recorded inputs of past weeks, replayed.

``simulate_proposal(reader, proposal_id)`` replays the weeks before a proposal opened (as many
as the cooperative decided, 8 by default: ``domain.rules.replay_weeks_in_force``) under the
proposal's rule; ``simulate_rule`` does the same for any rule and window. The inputs are read
in one pass over the notification log, filtered in SQL to the topics the rule kind needs:

==============  ==============================================================================
rule kind       topics read
==============  ==============================================================================
allocation key  ``allocation_round.computed``, ``allocation_round.adjusted``
price grid      ``delivery.planned/dispatched/stop_received``, ``delivery_settlement.priced/
                stop_settled``, ``lot.offered``, ``lot.derived`` (the lots' pricing facts),
                ``donation.recorded/cancelled`` (a donated lot is never paid: which lots
                were donations when each delivery was dispatched)
basket terms    ``basket_programme.opened``, ``household.enrolled`` (the household's own
                share only), ``basket.prepared/collected``
==============  ==============================================================================

plus ``member.registered`` for the names shown beside each figure, and the rule book's stream
(rules in force, weeks replayed): ``read_topics(kind)`` lists them all, for whoever keeps a
simulation until one of them is recorded (``infra.api.whatif_kept``). The arithmetic is
``domain.whatif``, which calls the functions the real acts call. Nothing is written: this
module reads through a ``StreamReader`` (a read-only ``Reader`` or a ``Ledger``) and never
saves.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any, cast
from uuid import UUID

import msgspec

from domain.allocations import AllocationRound
from domain.base import Event
from domain.baskets import Basket, BasketProgramme, Household
from domain.codec import stored_topic
from domain.deliveries import Delivery, Stop
from domain.donations import Donation
from domain.errors import InvalidCommand, NotFound
from domain.lots import Lot
from domain.members import Member
from domain.pricing import LotPricing
from domain.proposals import Proposal
from domain.rules import (
    RuleBook,
    RuleKind,
    SetAllocationKey,
    SetBasketTerms,
    SetPriceGrid,
    StandingRule,
    replay_weeks_in_force,
    rule_kind,
)
from domain.transfers import AccountKind, DeliverySettlement, account_id
from domain.whatif import (
    BasketInput,
    DeliveryInput,
    Measure,
    ReplayInputs,
    RoundInput,
    Row,
    Section,
    Simulation,
    StopInput,
    Window,
    replay_window,
    simulate,
)
from infra.reader import StreamReader, find_stream, rule_book

NOTIFICATIONS_PAGE = 2_000  # Notifications per select: one round trip per page.
ANCESTORS_MAX = 100
"""Lots looked at above a dispatched lot for a donation, as the settlement does
(``infra.ledger.donations.ANCESTORS_MAX``)."""
PAGES_MAX = 100_000
"""200 million notifications: far beyond any cooperative's history; a loop guard."""

_ROUND_TOPICS = (AllocationRound.Opened, AllocationRound.Computed, AllocationRound.Adjusted)
_DELIVERY_TOPICS = (Delivery.Planned, Delivery.Dispatched, Delivery.StopReceived,
                    DeliverySettlement.Priced, DeliverySettlement.StopSettled, Lot.Offered,
                    Lot.Derived, Donation.Recorded, Donation.Cancelled)
_BASKET_TOPICS = (BasketProgramme.Opened, Household.Enrolled, Basket.Prepared,
                  Basket.Collected)
TOPICS_BY_KIND: dict[RuleKind, tuple[type[Event], ...]] = {
    RuleKind.ALLOCATION_KEY: _ROUND_TOPICS,
    RuleKind.PRICE_GRID: _DELIVERY_TOPICS,
    RuleKind.BASKET_TERMS: _BASKET_TOPICS,
}


def _events(reader: StreamReader, classes: Sequence[type[Event]]) -> Iterator[Event]:
    """Events of the given classes, in notification order."""
    topics = [stored_topic(cls) for cls in classes]
    position = 1
    for _ in range(PAGES_MAX):
        page = reader.recorder.select_notifications(position, NOTIFICATIONS_PAGE, topics=topics)
        for notification in page:
            yield cast(Event, reader.mapper.to_domain_event(notification))
        if len(page) < NOTIFICATIONS_PAGE:
            return
        position = page[-1].id + 1


def input_classes(kind: RuleKind) -> tuple[type[Event], ...]:
    """The classes of the events a simulation of ``kind`` gathers: its inputs and the names
    of members."""
    return (Member.Registered, *TOPICS_BY_KIND[kind])


def input_events(reader: StreamReader, kind: RuleKind) -> Iterator[Event]:
    """Every event a simulation of ``kind`` reads (the names of members included)."""
    return _events(reader, input_classes(kind))


RULE_BOOK_EVENTS: tuple[type[Event], ...] = tuple(
    member for member in vars(RuleBook).values()
    if isinstance(member, type) and issubclass(member, Event) and member.TOPIC)
"""Every event of the rule book's stream, which a simulation folds (``rule_book``: the
rules in force replayed, the number of weeks replayed)."""


def read_topics(kind: RuleKind) -> tuple[str, ...]:
    """The stored topics of every event a simulation of ``kind`` reads, besides the proposal
    it simulates (whose title, rule and opening its submission sets once for all): while
    none of them is recorded, the simulation's result stays the same."""
    return tuple(stored_topic(cls) for cls in (*input_classes(kind), *RULE_BOOK_EVENTS))


def _day(moment: datetime) -> date:
    """The business day of a moment (naive moments are UTC, as the ledger stores them)."""
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).date()


class _Gathered:
    """Inputs collected while walking the log once."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.names: dict[UUID, str] = {}
        self.weeks: dict[UUID, str] = {}
        self.rounds: dict[UUID, RoundInput] = {}
        self.planned: dict[UUID, Delivery.Planned] = {}
        self.dispatched: dict[UUID, date] = {}
        self.received: dict[tuple[UUID, UUID], dict[UUID, int]] = {}
        self.settlements: dict[UUID, UUID] = {}
        self.payers: dict[UUID, tuple[Measure, UUID]] = {}
        self.recorded: dict[UUID, dict[tuple[Measure, UUID], int]] = {}
        self.lots: dict[UUID, LotPricing] = {}
        self.parents: dict[UUID, list[UUID]] = {}
        self.donations: dict[UUID, UUID] = {}
        """Donations in force: donation stream id -> the donated lot."""
        self.donated: dict[UUID, list[UUID]] = {}
        """Per delivery dispatched in the window: its lots that were donations then."""
        self.programmes: dict[UUID, BasketProgramme.Opened] = {}
        self.own_shares: dict[UUID, int | None] = {}
        self.baskets: dict[UUID, Basket.Prepared] = {}
        self.collected: set[UUID] = set()

    def in_window(self, day: date) -> bool:
        return self.window.first_day <= day <= self.window.last_day

    def take(self, event: Event) -> None:
        if isinstance(event, Member.Registered):
            self.names[event.originator_id] = event.name
        elif isinstance(event, AllocationRound.Opened):
            self.weeks[event.originator_id] = event.week
        elif isinstance(event, AllocationRound.Computed):
            day = _day(event.context.occurred_at)
            if self.in_window(day):
                self.rounds[event.originator_id] = RoundInput(
                    round_id=event.originator_id, week=self.weeks.get(event.originator_id, ""),
                    computed_on=day,
                    needs=list(event.needs), lots=list(event.lots), lines=list(event.lines),
                    key_parameters=dict(event.key_parameters), decision_id=event.decision_id)
            else:
                self.rounds.pop(event.originator_id, None)
        elif isinstance(event, AllocationRound.Adjusted):
            found = self.rounds.get(event.originator_id)
            if found is not None:
                self.rounds[event.originator_id] = msgspec.structs.replace(found, adjusted=True)
        elif isinstance(event, Delivery.Planned):
            self.planned[event.originator_id] = event
        elif isinstance(event, Delivery.Dispatched):
            day = _day(event.context.occurred_at)
            if self.in_window(day):
                self.dispatched[event.originator_id] = day
                self.donated[event.originator_id] = self._donated_now(event.originator_id)
        elif isinstance(event, Delivery.StopReceived):
            self.received[(event.originator_id, event.outlet_id)] = {
                line.lot_id: line.received_g for line in event.lines}
        elif isinstance(event, DeliverySettlement.Priced):
            self.settlements[event.originator_id] = event.delivery_id
            for payment in event.payments:
                for payer in payment.payers:
                    outlet_account = account_id(AccountKind.OUTLET, payer.payer_id)
                    measure = (Measure.OUTLET_PAID_CENTS if payer.account_id == outlet_account
                               else Measure.FUNDER_SPENT_CENTS)
                    self.payers[payer.transfer_id] = (measure, payer.payer_id)
        elif isinstance(event, DeliverySettlement.StopSettled):
            delivery_id = self.settlements[event.originator_id]
            recorded = self.recorded.setdefault(delivery_id, {})
            for settled in event.payments:
                key = (Measure.PRODUCER_PAID_CENTS, settled.producer_id)
                recorded[key] = recorded.get(key, 0) + settled.received_cents
                for share in settled.shares:
                    payer_key = self.payers[share.transfer_id]
                    recorded[payer_key] = recorded.get(payer_key, 0) + share.posted_cents
        elif isinstance(event, Lot.Offered):
            self.lots[event.originator_id] = LotPricing(
                lot_id=event.originator_id, product=event.product,
                producer_id=event.producer_id, price_cents_per_kg=event.price_cents_per_kg)
        elif isinstance(event, Donation.Recorded):
            self.donations[event.originator_id] = event.lot_id
        elif isinstance(event, Donation.Cancelled):
            self.donations.pop(event.originator_id, None)
        elif isinstance(event, Lot.Derived):
            self.parents[event.originator_id] = [parent.lot_id for parent in event.parents]
            self.lots[event.originator_id] = LotPricing(
                lot_id=event.originator_id, product=event.product,
                producer_id=event.producer_id, price_cents_per_kg=0,
                single_parent_id=event.parents[0].lot_id if len(event.parents) == 1 else None)
        elif isinstance(event, BasketProgramme.Opened):
            self.programmes[event.originator_id] = event
            self.names[event.originator_id] = event.name
        elif isinstance(event, Household.Enrolled):
            self.own_shares[event.originator_id] = event.share_bp
        elif isinstance(event, Basket.Prepared):
            if self.in_window(event.prepared_on):
                self.baskets[event.originator_id] = event
        elif isinstance(event, Basket.Collected):
            self.collected.add(event.originator_id)

    def _donated_now(self, delivery_id: UUID) -> list[UUID]:
        """The delivery's lots that are, or were made from, a donation in force now."""
        given = set(self.donations.values())
        found = []
        for stop in self.planned[delivery_id].stops:
            for line in stop.lines:
                queue: list[UUID] = [line.lot_id]
                seen: set[UUID] = set()
                while queue and len(seen) < ANCESTORS_MAX:
                    current = queue.pop()
                    if current in seen:
                        continue
                    seen.add(current)
                    if current in given:
                        found.append(line.lot_id)
                        break
                    queue.extend(self.parents.get(current, []))
        return found

    def inputs(self) -> ReplayInputs:
        deliveries = []
        for delivery_id, day in self.dispatched.items():
            planned = self.planned[delivery_id]
            deliveries.append(DeliveryInput(
                delivery_id=delivery_id, dispatched_on=day, dispatcher_id=planned.platform_id,
                stops=[_stop(delivery_id, stop, self.received) for stop in planned.stops],
                recorded=self.recorded.get(delivery_id, {}),
                donated_lots=self.donated.get(delivery_id, [])))
        baskets = [BasketInput(
            basket_id=basket_id, programme_id=prepared.programme_id,
            household_id=prepared.household_id, producer_id=prepared.producer_id,
            prepared_on=prepared.prepared_on,
            own_share_bp=self.own_shares.get(prepared.household_id),
            collected=basket_id in self.collected, price_cents=prepared.price_cents,
            household_cents=prepared.household_cents,
            funder_cents=[(payment.funder_id, payment.amount_cents)
                          for payment in prepared.funder_payments])
            for basket_id, prepared in self.baskets.items()]
        return ReplayInputs(
            rounds=list(self.rounds.values()), deliveries=deliveries, lots=self.lots,
            baskets=baskets,
            opening_terms={programme_id: opened.terms
                           for programme_id, opened in self.programmes.items()})


def _stop(delivery_id: UUID, stop: Stop,
          received: dict[tuple[UUID, UUID], dict[UUID, int]]) -> StopInput:
    return StopInput(outlet_id=stop.outlet_id, lines=list(stop.lines),
                     received_g=received.get((delivery_id, stop.outlet_id)))


def gather_inputs(reader: StreamReader, kind: RuleKind, window: Window,
                  ) -> tuple[ReplayInputs, dict[UUID, str]]:
    """The recorded inputs of a rule kind over a window, and the names of the parties."""
    gathered = _Gathered(window)
    for event in input_events(reader, kind):
        gathered.take(event)
    return gathered.inputs(), gathered.names


def sort_key(label: str) -> str:
    """A name as French readers sort it: accents and case aside (É with E)."""
    return unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().casefold()


def _labelled(simulation: Simulation, names: dict[UUID, str]) -> Simulation:
    """Each row named (members and programmes by name, anything else by its id)."""
    sections = []
    for section in simulation.sections:
        rows = [msgspec.structs.replace(row, label=names.get(row.party_id, str(row.party_id)))
                for row in section.rows]
        rows.sort(key=lambda row: (sort_key(row.label), str(row.party_id)))
        sections.append(msgspec.structs.replace(section, rows=rows))
    return msgspec.structs.replace(simulation, sections=sections)


def simulate_rule(reader: StreamReader, rule: StandingRule, window: Window, *,
                  proposal_id: UUID | None = None, title: str = "") -> Simulation:
    """Replay the window under ``rule``, beside what happened (writes nothing)."""
    kind = rule_kind(rule)
    if kind not in TOPICS_BY_KIND:
        raise InvalidCommand("only an allocation key, a price grid or a programme's basket "
                             "terms can be simulated", reason="rule_not_simulated")
    inputs, names = gather_inputs(reader, kind, window)
    if isinstance(rule, SetBasketTerms) and rule.programme_id not in inputs.opening_terms:
        raise NotFound(f"basket programme {rule.programme_id} does not exist",
                       reason="stream_missing", what="basket programme")
    book = rule_book(reader)
    return _labelled(simulate(rule, inputs, book, window, proposal_id=proposal_id,
                              title=title), names)


def proposal_window(reader: StreamReader, proposal: Proposal, weeks: int | None = None,
                    before: date | None = None) -> Window:
    """The weeks a proposal's simulation replays: those before it opened (or ``before``),
    as many as decided for that day (``weeks`` overrides)."""
    day = before or _day(proposal.opens_at)
    if weeks is None:
        weeks, _ = replay_weeks_in_force(rule_book(reader), day)
    return replay_window(day, weeks)


def simulate_proposal(reader: StreamReader, proposal_id: UUID, *, weeks: int | None = None,
                      before: date | None = None) -> Simulation:
    """What a proposal's rule would have given over the weeks before it opened."""
    proposal = find_stream(reader, proposal_id)
    if not isinstance(proposal, Proposal):
        raise NotFound(f"proposal {proposal_id} does not exist", reason="stream_missing",
                       what="proposal")
    payload = proposal.payload
    if not isinstance(payload, SetAllocationKey | SetPriceGrid | SetBasketTerms):
        raise InvalidCommand(f"proposal {proposal.title!r} sets no allocation key, price grid "
                             "or basket terms: there is nothing to simulate",
                             reason="rule_not_simulated")
    return simulate_rule(reader, payload, proposal_window(reader, proposal, weeks, before),
                         proposal_id=proposal.id, title=proposal.title)


def simulation_json(simulation: Simulation) -> dict[str, Any]:
    """The simulation as plain JSON values (what the CLI prints and the API answers)."""
    answer: dict[str, Any] = msgspec.to_builtins(simulation)
    return answer


def rows_changed(section: Section) -> list[Row]:
    """The rows a proposal changes."""
    return [row for row in section.rows if row.difference]

