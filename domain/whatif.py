"""What-if replay: what past weeks would have given under another rule, beside what happened.

A member about to vote on a rule (an allocation key, a price grid, a basket programme's terms)
sees what that rule would have done over the cooperative's own recent weeks. The replay reads
the inputs the real acts recorded and runs the functions the real acts ran, with the other
rule:

==================  ==========================================  ===================================
rule                inputs (as recorded)                        the act's own functions
==================  ==========================================  ===================================
allocation key      each round's computation: needs, available  ``allocation_keys.allocate_with``
                    lots, key parameters, lines
price grid          each dispatched delivery: stops, lines,     ``pricing.price_stop``,
                    lots' pricing facts (donations too),        ``pricing.payer_shares``,
                    grams received                              ``pricing.received_payment``
basket terms        each prepared basket: its programme, the    ``baskets.share_under``,
                    household's own share, collected or not     ``baskets.basket_shares``
==================  ==========================================  ===================================

Every figure comes three times: **actual** (what the ledger recorded), **replayed** (the same
inputs run again under the rules that were in force each day, read from the rule book) and
**proposed** (under the rule being voted). Replayed equals actual when the ledger is honest
and the replay faithful: ``Simulation.consistent`` says so, for every simulation.

Figures, never identities: per outlet the kilograms allocated; per producer the euros
posted for what arrived (and, for baskets, the programme's price of each collected basket);
per funder and outlet the euros they paid; per programme the households' share, the baskets
collected and the number of households — never which household paid what.

The replay writes nothing. What it cannot know it says in ``notes`` (``Note`` codes, worded by
whoever shows them): a round adjusted by hand is replayed as computed; a costlier grid is not
checked against the funders' budgets (a real dispatch might have been refused); a basket is
collected or not as it really was.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from uuid import UUID

import msgspec

from domain.allocation_keys import Line, LotAvailability, Need, allocate_with
from domain.baskets import BasketTerms, basket_shares, share_under, terms_in_force
from domain.deliveries import DeliveryLine
from domain.errors import InvalidCommand
from domain.pricing import LotPricing, Payer, payer_shares, price_stop, received_payment
from domain.rules import (
    REPLAY_WEEKS_MAX,
    RuleBook,
    RuleKind,
    SetAllocationKey,
    SetBasketTerms,
    SetPriceGrid,
    StandingRule,
    allocation_parameters,
    allocation_rule,
    price_grid_in_force,
    rule_kind,
)


class Measure(enum.StrEnum):
    """What a row of a simulation counts."""

    OUTLET_ALLOCATED_G = "outlet_allocated_g"
    PRODUCER_PAID_CENTS = "producer_paid_cents"
    FUNDER_SPENT_CENTS = "funder_spent_cents"
    OUTLET_PAID_CENTS = "outlet_paid_cents"
    HOUSEHOLDS_PAID_CENTS = "households_paid_cents"
    """Per programme: what its households paid, all together."""
    BASKETS_COLLECTED = "baskets_collected"
    HOUSEHOLDS_SERVED = "households_served"
    """Per programme: how many households collected at least one basket."""


class Note(enum.StrEnum):
    """What a simulation cannot know, or found."""

    ADJUSTED_ROUNDS = "adjusted_rounds"
    """Some rounds were adjusted by hand: they count as computed (``adjusted_rounds``)."""
    BUDGETS_NOT_CHECKED = "budgets_not_checked"
    """A costlier grid is not checked against budgets: a dispatch might have been refused."""
    COLLECTED_AS_RECORDED = "collected_as_recorded"
    """Each basket is collected or not as it really was."""
    NOT_CONSISTENT = "not_consistent"
    """Replaying the rules in force did not give what was recorded (see ``consistent``)."""


class Unit(enum.StrEnum):
    """The unit of a measure's figures."""

    GRAMS = "g"
    CENTS = "cents"
    COUNT = "count"


UNITS: dict[Measure, Unit] = {
    Measure.OUTLET_ALLOCATED_G: Unit.GRAMS,
    Measure.PRODUCER_PAID_CENTS: Unit.CENTS,
    Measure.FUNDER_SPENT_CENTS: Unit.CENTS,
    Measure.OUTLET_PAID_CENTS: Unit.CENTS,
    Measure.HOUSEHOLDS_PAID_CENTS: Unit.CENTS,
    Measure.BASKETS_COLLECTED: Unit.COUNT,
    Measure.HOUSEHOLDS_SERVED: Unit.COUNT,
}
MEASURES_BY_KIND: dict[RuleKind, tuple[Measure, ...]] = {
    RuleKind.ALLOCATION_KEY: (Measure.OUTLET_ALLOCATED_G,),
    RuleKind.PRICE_GRID: (Measure.PRODUCER_PAID_CENTS, Measure.FUNDER_SPENT_CENTS,
                          Measure.OUTLET_PAID_CENTS),
    RuleKind.BASKET_TERMS: (Measure.HOUSEHOLDS_PAID_CENTS, Measure.BASKETS_COLLECTED,
                            Measure.HOUSEHOLDS_SERVED, Measure.FUNDER_SPENT_CENTS,
                            Measure.PRODUCER_PAID_CENTS),
}

Tally = dict[tuple[Measure, UUID], int]
"""Figures by measure and party (an outlet, producer, funder or programme)."""


# ------------------------------------------------------------------ inputs


class RoundInput(msgspec.Struct, frozen=True, kw_only=True):
    """An allocation round's last computation, as recorded."""

    round_id: UUID
    week: str
    computed_on: date
    """Business day of the computation: the rule in force that day applied."""
    needs: list[Need]
    lots: list[LotAvailability]
    lines: list[Line]
    key_parameters: dict[str, int]
    decision_id: UUID | None
    adjusted: bool = False
    """The platform replaced the computed lines by hand afterwards."""


class StopInput(msgspec.Struct, frozen=True, kw_only=True):
    """One stop of a dispatched delivery and what its outlet signed for."""

    outlet_id: UUID
    lines: list[DeliveryLine]
    received_g: dict[UUID, int] | None
    """Grams received per lot; None while the stop is not received."""


class DeliveryInput(msgspec.Struct, frozen=True, kw_only=True):
    """A dispatched delivery, and the money its settlement recorded."""

    delivery_id: UUID
    dispatched_on: date
    dispatcher_id: UUID
    stops: list[StopInput]
    recorded: dict[tuple[Measure, UUID], int] = msgspec.field(default_factory=dict)
    """What was posted: per producer, per funder, per outlet (empty without a price grid)."""
    donated_lots: list[UUID] = msgspec.field(default_factory=list)
    """Its lots that were (or were made from) a donation when it was dispatched: unpaid."""


class BasketInput(msgspec.Struct, frozen=True, kw_only=True):
    """A prepared basket, its household's own share, and what was recorded."""

    basket_id: UUID
    programme_id: UUID
    household_id: UUID
    """Only to count households; never part of a simulation's figures."""
    producer_id: UUID
    prepared_on: date
    own_share_bp: int | None
    collected: bool
    price_cents: int
    household_cents: int
    funder_cents: list[tuple[UUID, int]]


class ReplayInputs(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a simulation replays, for the days of its window."""

    rounds: list[RoundInput] = msgspec.field(default_factory=list)
    deliveries: list[DeliveryInput] = msgspec.field(default_factory=list)
    lots: dict[UUID, LotPricing] = msgspec.field(default_factory=dict)
    baskets: list[BasketInput] = msgspec.field(default_factory=list)
    opening_terms: dict[UUID, BasketTerms] = msgspec.field(default_factory=dict)
    """Each programme's terms as it opened (in force until a decision changes them)."""


# ------------------------------------------------------------------ output


class Row(msgspec.Struct, frozen=True, kw_only=True):
    """One party's figure: as recorded, replayed under the rules in force, and proposed."""

    party_id: UUID
    label: str = ""
    actual: int
    replayed: int
    proposed: int
    difference: int
    """``proposed - actual``."""


class Section(msgspec.Struct, frozen=True, kw_only=True):
    """The rows of one measure, with their totals."""

    measure: Measure
    unit: Unit
    rows: list[Row]
    actual_total: int
    replayed_total: int
    proposed_total: int
    difference_total: int


class Window(msgspec.Struct, frozen=True, kw_only=True):
    """The whole ISO weeks a simulation replays."""

    weeks: list[str]
    first_day: date
    last_day: date


class Simulation(msgspec.Struct, frozen=True, kw_only=True):
    """What a rule would have given over past weeks, beside what happened."""

    kind: RuleKind
    rule: StandingRule
    proposal_id: UUID | None
    title: str
    window: Window
    acts: int
    """Rounds, deliveries or baskets replayed."""
    sections: list[Section]
    consistent: bool
    """Replaying the rules in force gave exactly what the ledger recorded."""
    notes: list[Note]
    adjusted_rounds: int = 0


def iso_week(day: date) -> str:
    """``2026-W07``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def replay_window(before: date, weeks: int) -> Window:
    """The ``weeks`` whole ISO weeks that end before the week of ``before``."""
    if not 1 <= weeks <= REPLAY_WEEKS_MAX:
        raise InvalidCommand(f"a simulation replays 1 to {REPLAY_WEEKS_MAX} weeks, got {weeks}",
                             reason="replay_weeks_out_of_range", weeks=weeks,
                             weeks_max=REPLAY_WEEKS_MAX)
    monday = before - timedelta(days=before.weekday())
    first_day = monday - timedelta(weeks=weeks)
    return Window(weeks=[iso_week(first_day + timedelta(weeks=index)) for index in range(weeks)],
                  first_day=first_day, last_day=monday - timedelta(days=1))


# ------------------------------------------------------------------ replays


def _add(tally: Tally, measure: Measure, party_id: UUID, amount: int) -> None:
    key = (measure, party_id)
    tally[key] = tally.get(key, 0) + amount


def _grams_by_outlet(tally: Tally, needs: Iterable[Need], lines: Iterable[Line]) -> None:
    for need in needs:
        _add(tally, Measure.OUTLET_ALLOCATED_G, need.outlet_id, 0)
    for line in lines:
        _add(tally, Measure.OUTLET_ALLOCATED_G, line.outlet_id, line.quantity_g)


def replay_rounds(rounds: Iterable[RoundInput], book: RuleBook | None,
                  proposed: SetAllocationKey) -> tuple[Tally, Tally, Tally]:
    """Grams per outlet: recorded, under the key in force each day, under ``proposed``."""
    actual: Tally = {}
    replayed: Tally = {}
    under_proposal: Tally = {}
    _, proposed_parameters = allocation_parameters(proposed)
    for allocation in rounds:
        _, parameters, _ = allocation_rule(book, allocation.computed_on)
        _grams_by_outlet(actual, allocation.needs, allocation.lines)
        _grams_by_outlet(replayed, allocation.needs,
                         allocate_with(allocation.needs, allocation.lots, parameters))
        _grams_by_outlet(under_proposal, allocation.needs,
                         allocate_with(allocation.needs, allocation.lots, proposed_parameters))
    return actual, replayed, under_proposal


def delivery_money(delivery: DeliveryInput, grid: SetPriceGrid | None,
                   lots: Mapping[UUID, LotPricing]) -> Tally:
    """What a delivery posts under a grid: per producer, per funder, per outlet.

    The same steps as the real act: ``price_stop`` at dispatch, ``payer_shares`` for who
    pays, ``received_payment`` when the stop is received (nothing is posted before).
    """
    money: Tally = {}
    if grid is None:
        return money
    donated = set(delivery.donated_lots)

    def line_lot(lot_id: UUID) -> LotPricing:
        lot = lots[lot_id]
        return msgspec.structs.replace(lot, donated=True) if lot_id in donated else lot

    for stop in delivery.stops:
        payments, _ = price_stop(
            stop.outlet_id, [(line_lot(line.lot_id), line.quantity_g) for line in stop.lines],
            dispatcher_id=delivery.dispatcher_id, grid=grid, parent_of=lots.__getitem__)
        if stop.received_g is None:
            continue
        for payment in payments:
            payers = payer_shares(payment.amount_cents, grid, stop.outlet_id)
            received_cents, parts = received_payment(
                payment.lines, stop.received_g, [cents for _, _, cents in payers],
                payment.amount_cents)
            _add(money, Measure.PRODUCER_PAID_CENTS, payment.producer_id, received_cents)
            for (payer, payer_id, _), part in zip(payers, parts, strict=True):
                measure = (Measure.OUTLET_PAID_CENTS if payer == Payer.OUTLET
                           else Measure.FUNDER_SPENT_CENTS)
                _add(money, measure, payer_id, part)
    return money


def _merge(into: Tally, figures: Mapping[tuple[Measure, UUID], int]) -> None:
    for (measure, party_id), amount in figures.items():
        _add(into, measure, party_id, amount)


def replay_deliveries(deliveries: Iterable[DeliveryInput], lots: Mapping[UUID, LotPricing],
                      book: RuleBook | None, proposed: SetPriceGrid
                      ) -> tuple[Tally, Tally, Tally]:
    """Money of deliveries: recorded, under the grid in force each day, under ``proposed``."""
    actual: Tally = {}
    replayed: Tally = {}
    under_proposal: Tally = {}
    for delivery in deliveries:
        decided = price_grid_in_force(book, delivery.dispatched_on)
        _merge(actual, delivery.recorded)
        _merge(replayed, delivery_money(delivery, None if decided is None else decided[0],
                                        lots))
        _merge(under_proposal, delivery_money(delivery, proposed, lots))
    return actual, replayed, under_proposal


def basket_money(basket: BasketInput, terms: BasketTerms) -> Tally:
    """What a basket posts under terms (nothing unless it was collected)."""
    money: Tally = {}
    programme = basket.programme_id
    _add(money, Measure.HOUSEHOLDS_PAID_CENTS, programme, 0)
    _add(money, Measure.BASKETS_COLLECTED, programme, 0)
    if not basket.collected:
        return money
    household_cents, funder_cents = basket_shares(
        terms.basket_price_cents, share_under(basket.own_share_bp, terms.household_share_cap_bp),
        terms.funders)
    _add(money, Measure.HOUSEHOLDS_PAID_CENTS, programme, household_cents)
    _add(money, Measure.BASKETS_COLLECTED, programme, 1)
    _add(money, Measure.PRODUCER_PAID_CENTS, basket.producer_id, terms.basket_price_cents)
    for funder_id, cents in funder_cents:
        _add(money, Measure.FUNDER_SPENT_CENTS, funder_id, cents)
    return money


def _recorded_basket(basket: BasketInput) -> Tally:
    money: Tally = {}
    programme = basket.programme_id
    _add(money, Measure.HOUSEHOLDS_PAID_CENTS, programme, 0)
    _add(money, Measure.BASKETS_COLLECTED, programme, 0)
    if not basket.collected:
        return money
    _add(money, Measure.HOUSEHOLDS_PAID_CENTS, programme, basket.household_cents)
    _add(money, Measure.BASKETS_COLLECTED, programme, 1)
    _add(money, Measure.PRODUCER_PAID_CENTS, basket.producer_id, basket.price_cents)
    for funder_id, cents in basket.funder_cents:
        _add(money, Measure.FUNDER_SPENT_CENTS, funder_id, cents)
    return money


def _households(tally: Tally, baskets: Iterable[BasketInput]) -> None:
    served: dict[UUID, set[UUID]] = {}
    for basket in baskets:
        households = served.setdefault(basket.programme_id, set())
        if basket.collected:
            households.add(basket.household_id)
    for programme_id, households in served.items():
        _add(tally, Measure.HOUSEHOLDS_SERVED, programme_id, len(households))


def replay_baskets(baskets: list[BasketInput], opening_terms: Mapping[UUID, BasketTerms],
                   book: RuleBook | None, proposed: SetBasketTerms
                   ) -> tuple[Tally, Tally, Tally]:
    """The programme's baskets: recorded, under the terms in force each day, proposed."""
    mine = [basket for basket in baskets if basket.programme_id == proposed.programme_id]
    proposed_terms = BasketTerms(basket_price_cents=proposed.basket_price_cents,
                                 household_share_cap_bp=proposed.household_share_cap_bp,
                                 funders=list(proposed.funders))
    actual: Tally = {}
    replayed: Tally = {}
    under_proposal: Tally = {}
    for basket in mine:
        in_force, _ = terms_in_force(book, basket.programme_id,
                                     opening_terms[basket.programme_id], basket.prepared_on)
        _merge(actual, _recorded_basket(basket))
        _merge(replayed, basket_money(basket, in_force))
        _merge(under_proposal, basket_money(basket, proposed_terms))
    for tally in (actual, replayed, under_proposal):
        _households(tally, mine)
    return actual, replayed, under_proposal


# ------------------------------------------------------------------ simulation


def compare(kind: RuleKind, actual: Tally, replayed: Tally, proposed: Tally) -> list[Section]:
    """One section per measure of the rule kind, a row per party named anywhere."""
    sections = []
    for measure in MEASURES_BY_KIND[kind]:
        parties = sorted({party for tally in (actual, replayed, proposed)
                          for (row_measure, party) in tally if row_measure == measure},
                         key=str)
        rows = []
        for party in parties:
            key = (measure, party)
            figures = (actual.get(key, 0), replayed.get(key, 0), proposed.get(key, 0))
            rows.append(Row(party_id=party, actual=figures[0], replayed=figures[1],
                            proposed=figures[2], difference=figures[2] - figures[0]))
        totals = [sum(getattr(row, column) for row in rows)
                  for column in ("actual", "replayed", "proposed")]
        sections.append(Section(measure=measure, unit=UNITS[measure], rows=rows,
                                actual_total=totals[0], replayed_total=totals[1],
                                proposed_total=totals[2],
                                difference_total=totals[2] - totals[0]))
    return sections


def simulate(rule: StandingRule, inputs: ReplayInputs, book: RuleBook | None, window: Window,
             *, proposal_id: UUID | None = None, title: str = "") -> Simulation:
    """Replay the window's recorded inputs under ``rule``, beside what happened."""
    kind = rule_kind(rule)
    notes: list[Note] = []
    adjusted = 0
    if not isinstance(rule, SetAllocationKey | SetPriceGrid | SetBasketTerms) or kind is None:
        raise InvalidCommand("only an allocation key, a price grid or a programme's basket "
                             "terms can be simulated", reason="rule_not_simulated")
    if isinstance(rule, SetAllocationKey):
        actual, replayed, proposed = replay_rounds(inputs.rounds, book, rule)
        acts = len(inputs.rounds)
        adjusted = sum(1 for allocation in inputs.rounds if allocation.adjusted)
        if adjusted:
            notes.append(Note.ADJUSTED_ROUNDS)
    elif isinstance(rule, SetPriceGrid):
        actual, replayed, proposed = replay_deliveries(inputs.deliveries, inputs.lots, book,
                                                       rule)
        acts = len(inputs.deliveries)
        notes.append(Note.BUDGETS_NOT_CHECKED)
    else:
        actual, replayed, proposed = replay_baskets(inputs.baskets, inputs.opening_terms, book,
                                                    rule)
        acts = sum(1 for basket in inputs.baskets if basket.programme_id == rule.programme_id)
        notes.append(Note.COLLECTED_AS_RECORDED)
    sections = compare(kind, actual, replayed, proposed)
    consistent = all(row.actual == row.replayed for section in sections for row in section.rows)
    if not consistent:
        notes.append(Note.NOT_CONSISTENT)
    return Simulation(kind=kind, rule=rule, proposal_id=proposal_id, title=title,
                      window=window, acts=acts, sections=sections, consistent=consistent,
                      notes=notes, adjusted_rounds=adjusted)
