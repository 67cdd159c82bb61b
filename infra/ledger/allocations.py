"""Handlers for a platform's weekly allocation round: open it, collect outlets' needs,
compute the lines with the allocation key in force, adjust them, confirm (reserving stock)."""

from __future__ import annotations

from uuid import UUID

from domain import commands as c
from domain.allocation_keys import Line, LotAvailability, Need, allocate_with
from domain.allocations import AllocationRound, week_monday
from domain.base import Role
from domain.errors import DomainError, RoleRequired
from domain.ids import uuid7
from domain.lots import Lot, LotStatus
from domain.members import Member
from domain.preferences import season_of
from domain.rules import allocation_rule
from infra.ledger.actors import act, held_lot, operated_site, outlet
from infra.ledger.preferences import preference_counts
from infra.ledger.rules import rule_book, stock_rules
from infra.ledger.unit_of_work import UnitOfWork


def _own_round(uow: UnitOfWork, round_id: UUID, platform: Member) -> AllocationRound:
    allocation = uow.get(AllocationRound, round_id, "allocation round")
    if allocation.platform_id != platform.id:
        raise RoleRequired(f"round {allocation.week} belongs to another platform",
                           reason="round_of_another_platform", week=allocation.week)
    return allocation


def open_round(command: c.OpenRound, uow: UnitOfWork) -> list[UUID]:
    """A platform opens the week's round at one of its sites."""
    context, platform = act(uow, command, Role.PLATFORM)
    operated_site(uow, command.site_id, platform)
    allocation = AllocationRound.open(uuid7(), context, site_id=command.site_id,
                                      week=command.week)
    uow.add(allocation)
    return [allocation.id]


def declare_need(command: c.DeclareNeed, uow: UnitOfWork) -> list[UUID]:
    """An outlet declares what it needs this week."""
    context, declarer = act(uow, command, Role.OUTLET)
    allocation = uow.get(AllocationRound, command.round_id, "allocation round")
    product = command.product.strip().lower()
    # The households the outlet referred said what they want this season: the need carries
    # their counts, and so do the round's recorded inputs.
    counts = preference_counts(uow, declarer.id, season_of(week_monday(allocation.week)),
                               product)
    allocation.declare_need(context, Need(declarer.id, product, command.quantity_g,
                                          declarer.households_served, counts))
    return [allocation.id]


def compute_round(command: c.ComputeRound, uow: UnitOfWork) -> list[UUID]:
    """Compute the lines with the allocation key in force on the round's business day."""
    allocation = uow.get(AllocationRound, command.round_id, "allocation round")
    occurred = command.occurred_at or uow.now
    key, parameters, decision_id = allocation_rule(rule_book(uow), occurred.date())
    context, platform = act(uow, command, Role.PLATFORM, decision_id=decision_id)
    rules, _ = stock_rules(uow, context)
    if allocation.platform_id != platform.id:
        raise RoleRequired(f"round {allocation.week} belongs to another platform",
                           reason="round_of_another_platform", week=allocation.week)
    products = {need.product for need in allocation.needs.values()}
    lots: list[LotAvailability] = []
    for lot_id in uow.lots_at_site(allocation.site_id):
        lot = uow.get(Lot, lot_id, "lot")
        if (lot.product not in products or lot.status != LotStatus.RECEIVED
                or lot.available_g <= 0):
            continue
        try:
            # Only what could be reserved today: not recalled, held, unsorted, nor
            # forbidden by its date.
            lot.check_reserve(lot.available_g, context.occurred_at, rules)
        except DomainError:
            continue
        floor = lot.business_time_floor(Lot.Reserved.TOPIC, {"outlet_id": None})
        if floor is not None and floor > context.occurred_at:
            continue  # At the site only after the round's moment: not its to share.
        lots.append(LotAvailability(lot.id, lot.product, lot.available_g,
                                    lot.best_before.isoformat()))
    lines = allocate_with(list(allocation.needs.values()), lots, parameters)
    allocation.record_computation(context, key=key, key_parameters=parameters,
                                  decision_id=decision_id, lots=lots, lines=lines)
    return [allocation.id]


def adjust_round(command: c.AdjustRound, uow: UnitOfWork) -> list[UUID]:
    """Replace the computed lines, with the reason."""
    context, platform = act(uow, command, Role.PLATFORM)
    allocation = _own_round(uow, command.round_id, platform)
    allocation.adjust(context, lines=[Line(line.lot_id, line.outlet_id, line.quantity_g)
                                      for line in command.lines], reason=command.reason)
    return [allocation.id]


def confirm_round(command: c.ConfirmRound, uow: UnitOfWork) -> list[UUID]:
    """Confirm the round: every line's stock is reserved for its outlet, or none is."""
    allocation = uow.get(AllocationRound, command.round_id, "allocation round")
    context, platform = act(uow, command, Role.PLATFORM, decision_id=allocation.decision_id)
    rules, _ = stock_rules(uow, context)
    if allocation.platform_id != platform.id:
        raise RoleRequired(f"round {allocation.week} belongs to another platform",
                           reason="round_of_another_platform", week=allocation.week)
    allocation.check_confirmable()
    # Check every line before reserving any: a round whose stock moved since it was
    # computed is refused whole (adjust it, then confirm).
    wanted: dict[UUID, int] = {}
    for line in allocation.lines:
        wanted[line.lot_id] = wanted.get(line.lot_id, 0) + line.quantity_g
        outlet(uow, line.outlet_id)
    for lot_id, quantity_g in wanted.items():
        held_lot(uow, lot_id, platform).check_reserve(quantity_g, context.occurred_at, rules)
    allocation.confirm(context)
    changed = [allocation.id]
    for line in allocation.lines:
        lot = uow.get(Lot, line.lot_id, "lot")
        lot.reserve(context, outlet_id=line.outlet_id, quantity_g=line.quantity_g,
                    round_id=allocation.id, rules=rules)
        changed.append(lot.id)
    return list(dict.fromkeys(changed))
