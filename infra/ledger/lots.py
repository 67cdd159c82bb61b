"""Handlers for lots: offers, receptions (cold chain included), bulk donations and their
sorting, splits, merges, transformations, reservations, holds, losses, distributions and
recalls. The stock rules in force on the act's day come from the rule book."""

from __future__ import annotations

from uuid import UUID

from domain import commands as c
from domain.base import Context, Role
from domain.dates import paris_day
from domain.errors import AlreadyExists, InvalidCommand, InvalidState, RoleRequired
from domain.ids import name_id, uuid7
from domain.lot_graph import (
    check_inputs,
    check_inputs_available,
    check_transformation_balance,
    merged_identity,
    recall_walk,
)
from domain.lots import ChildShare, Lot, LotCode, Process, output_date
from domain.members import Member
from infra.ledger.actors import act, held_lot, operated_site, outlet
from infra.ledger.rules import stock_rules
from infra.ledger.unit_of_work import UnitOfWork


def claim_code(uow: UnitOfWork, context: Context, code: str, lot_id: UUID, *,
               generated: bool = False) -> None:
    """Reserve a lot code.

    A code the client chose is checked first, to refuse it clearly. A generated code embeds
    the new lot's time-ordered id, so it is not looked up: in the unlikely event of a
    collision the save fails on the index's unique key and the retry generates a fresh id
    and code.
    """
    index_id = name_id("lot-code", code)
    if not generated and uow.find(index_id) is not None:
        raise AlreadyExists(f"lot code {code} is already used by another lot",
                            reason="lot_code_taken", lot=code)
    uow.add(LotCode.claim(index_id, context, code, lot_id))


def offer_lot(command: c.OfferLot, uow: UnitOfWork) -> list[UUID]:
    """A producer offers a harvested lot of its own."""
    context, producer = act(uow, command, Role.PRODUCER)
    rules, context = stock_rules(uow, context)
    lot_id = uuid7()
    harvest = command.harvest_date
    # Formatted by hand: a date format spec costs a tenth of the whole command here.
    code = command.code or (f"L{harvest.year % 100:02d}{harvest.month:02d}{harvest.day:02d}-"
                            f"{lot_id.int & 0xFFFFFFFF:08X}")
    lot = Lot.offer(
        lot_id, context, code=code, producer_id=producer.id, product=command.product,
        variety=command.variety, quantity_g=command.quantity_g,
        price_cents_per_kg=command.price_cents_per_kg, harvest_date=command.harvest_date,
        best_before=command.best_before, organic_certificate=command.organic_certificate,
        origin=command.origin, date_kind=command.date_kind, rules=rules)
    claim_code(uow, context, lot.code, lot_id, generated=not command.code)
    uow.add(lot)
    return [lot_id]


def accept_offer(command: c.AcceptOffer, uow: UnitOfWork) -> list[UUID]:
    """A platform accepts all or part of an offer, to be received at one of its sites."""
    context, platform = act(uow, command, Role.PLATFORM)
    operated_site(uow, command.site_id, platform)
    lot = uow.get(Lot, command.lot_id, "lot")
    lot.accept(context, site_id=command.site_id, accepted_g=command.accepted_g)
    return [lot.id]


def decline_offer(command: c.DeclineOffer, uow: UnitOfWork) -> list[UUID]:
    """A platform declines an offer, with the reason."""
    context, _ = act(uow, command, Role.PLATFORM)
    lot = uow.get(Lot, command.lot_id, "lot")
    lot.decline(context, reason=command.reason)
    return [lot.id]


def receive_lot(command: c.ReceiveLot, uow: UnitOfWork) -> list[UUID]:
    """A platform receives and weighs an accepted lot at one of its sites (measuring the
    temperature of chilled food, refusing it or holding it when out of range)."""
    context, platform = act(uow, command, Role.PLATFORM)
    rules, context = stock_rules(uow, context)
    operated_site(uow, command.site_id, platform)
    lot = held_lot(uow, command.lot_id, platform)
    lot.receive(context, site_id=command.site_id, measured_g=command.measured_g,
                temperature_dc=command.temperature_dc, if_out_of_range=command.if_out_of_range,
                best_before=command.best_before, date_kind=command.date_kind, rules=rules)
    return [lot.id]


def receive_donation(command: c.ReceiveDonation, uow: UnitOfWork) -> list[UUID]:
    """A platform receives an unsorted bulk donation at one of its sites, by weight."""
    context, platform = act(uow, command, Role.PLATFORM)
    rules, context = stock_rules(uow, context)
    operated_site(uow, command.site_id, platform)
    donor = uow.get(Member, command.donor_id, "donor")
    lot_id = uuid7()
    code = command.code or f"V{context.occurred_at:%y%m%d}-{lot_id.hex[-8:].upper()}"
    lot = Lot.receive_donation(lot_id, context, code=code, donor_id=donor.id,
                               site_id=command.site_id, description=command.description,
                               quantity_g=command.quantity_g, best_before=command.best_before,
                               organic_certificate=command.organic_certificate, rules=rules)
    claim_code(uow, context, lot.code, lot_id, generated=not command.code)
    uow.add(lot)
    return [lot_id]


def sort_donation(command: c.SortDonation, uow: UnitOfWork) -> list[UUID]:
    """Sort a bulk donation into product lots, declaring the waste: products + waste = the
    donation; each product lot's date comes from its shelf life unless given."""
    context, platform = act(uow, command, Role.PLATFORM)
    rules, context = stock_rules(uow, context)
    bulk = held_lot(uow, command.lot_id, platform)
    bulk.check_sort([output.quantity_g for output in command.outputs], command.waste_g)
    sorted_on = paris_day(context.occurred_at)
    first_index = len(bulk.children) + 1
    children = [ChildShare(uuid7(), output.code or f"{bulk.code}-{first_index + index}",
                           output.quantity_g)
                for index, output in enumerate(command.outputs)]
    for child, output in zip(children, command.outputs, strict=True):
        claim_code(uow, context, child.code, child.lot_id, generated=not output.code)
    bulk.sort(context, children, command.waste_g)
    for child, output in zip(children, command.outputs, strict=True):
        product = output.product.strip().lower()
        date_kind, best_before = output_date(rules, product, sorted_on,
                                             date_kind=output.date_kind,
                                             best_before=output.best_before)
        uow.add(Lot.derive(child.lot_id, context, code=child.code, process=Process.SORT,
                           product=product, variety=output.variety,
                           parents=[(bulk, child.quantity_g)], quantity_g=child.quantity_g,
                           best_before=best_before, date_kind=date_kind))
    return [bulk.id, *(child.lot_id for child in children)]


def _lot_to_hold(command: c.HoldLot | c.ReleaseHold, uow: UnitOfWork) -> tuple[Context, Lot]:
    """A platform holds or releases lots at its own sites; a coordinator any lot."""
    context, actor = act(uow, command, Role.PLATFORM, Role.COORDINATOR)
    if context.role == Role.PLATFORM:
        return context, held_lot(uow, command.lot_id, actor)
    return context, uow.get(Lot, command.lot_id, "lot")


def hold_lot(command: c.HoldLot, uow: UnitOfWork) -> list[UUID]:
    """Block a lot pending an analysis or a check, saying why."""
    context, lot = _lot_to_hold(command, uow)
    lot.hold(context, reason=command.reason)
    return [lot.id]


def release_hold(command: c.ReleaseHold, uow: UnitOfWork) -> list[UUID]:
    """Lift a lot's hold, saying why."""
    context, lot = _lot_to_hold(command, uow)
    lot.release_hold(context, reason=command.reason)
    return [lot.id]


def split_lot(command: c.SplitLot, uow: UnitOfWork) -> list[UUID]:
    """Split a lot's available stock into new lots (crates, pallets)."""
    context, platform = act(uow, command, Role.PLATFORM)
    parent = held_lot(uow, command.lot_id, platform)
    parent.check_split(list(command.parts_g))
    first_index = len(parent.children) + 1
    children = [ChildShare(uuid7(), f"{parent.code}-{first_index + index}", quantity_g)
                for index, quantity_g in enumerate(command.parts_g)]
    for child in children:
        claim_code(uow, context, child.code, child.lot_id)
    parent.split(context, children)
    for child in children:
        uow.add(Lot.derive(child.lot_id, context, code=child.code, process=Process.SPLIT,
                           product=parent.product, variety=parent.variety,
                           parents=[(parent, child.quantity_g)], quantity_g=child.quantity_g))
    return [parent.id, *(child.lot_id for child in children)]


def _inputs(uow: UnitOfWork, platform: Member, parts: list[c.ParentPart],
            act_name: str) -> list[tuple[Lot, int]]:
    """The input lots of a merge or transformation with the grams taken from each."""
    check_inputs(act_name, [part.lot_id for part in parts])
    parents = [(held_lot(uow, part.lot_id, platform), part.quantity_g) for part in parts]
    check_inputs_available(act_name, parents)
    return parents


def merge_lots(command: c.MergeLots, uow: UnitOfWork) -> list[UUID]:
    """Merge lots of one product at one site into a new lot."""
    context, platform = act(uow, command, Role.PLATFORM)
    if len(command.parents) < 2:
        raise InvalidCommand("a merge takes at least two lots", reason="merge_needs_two",
                             count=len(command.parents))
    parents = _inputs(uow, platform, list(command.parents), "merge")
    product, variety, total_g = merged_identity(parents)
    child_id = uuid7()
    code = command.code or f"M{context.occurred_at:%y%m%d}-{child_id.hex[-8:].upper()}"
    claim_code(uow, context, code, child_id, generated=not command.code)
    share = ChildShare(child_id, code, total_g)
    for lot, used_g in parents:
        lot.merge_into(context, share, used_g)
    uow.add(Lot.derive(child_id, context, code=code, process=Process.MERGE, product=product,
                       variety=variety, parents=parents, quantity_g=total_g))
    return [child_id, *(lot.id for lot, _ in parents)]


def transform_lots(command: c.TransformLots, uow: UnitOfWork) -> list[UUID]:
    """Transform lots into new products (soup, preserves), declaring the loss."""
    context, platform = act(uow, command, Role.PLATFORM)
    rules, context = stock_rules(uow, context)
    parents = _inputs(uow, platform, list(command.inputs), "transform")
    inputs_g = sum(used_g for _, used_g in parents)
    check_transformation_balance(inputs_g, [output.quantity_g for output in command.outputs],
                                 command.loss_g)
    transformation_id = uuid7()
    children = []
    for index, output in enumerate(command.outputs, start=1):
        child_id = uuid7()
        code = output.code or (
            f"T{context.occurred_at:%y%m%d}-{transformation_id.hex[-8:].upper()}-{index}")
        claim_code(uow, context, code, child_id, generated=not output.code)
        children.append(ChildShare(child_id, code, output.quantity_g))
    for lot, used_g in parents:
        lot.transform_into(context, transformation_id=transformation_id, used_g=used_g,
                           children=children, inputs_total_g=inputs_g, loss_g=command.loss_g)
    made_on = paris_day(context.occurred_at)
    for child, output in zip(children, command.outputs, strict=True):
        # The exact split of inputs among outputs is not known, so the graph records each
        # input's full used quantity on the transformation's events and links each output
        # to every input. What is made gets its own kind and date (a soup has a DLC): as
        # given, else the product's usual kind and its shelf life from today.
        product = output.product.lower()
        date_kind, best_before = output_date(rules, product, made_on,
                                             date_kind=output.date_kind,
                                             best_before=output.best_before)
        uow.add(Lot.derive(child.lot_id, context, code=child.code, process=Process.TRANSFORM,
                           product=product, variety=output.variety,
                           parents=parents, quantity_g=output.quantity_g,
                           best_before=best_before, date_kind=date_kind))
    return [child.lot_id for child in children] + [lot.id for lot, _ in parents]


def reserve_lot(command: c.ReserveLot, uow: UnitOfWork) -> list[UUID]:
    """Set stock aside for an outlet."""
    context, platform = act(uow, command, Role.PLATFORM)
    rules, context = stock_rules(uow, context)
    outlet(uow, command.outlet_id)
    lot = held_lot(uow, command.lot_id, platform)
    lot.reserve(context, outlet_id=command.outlet_id, quantity_g=command.quantity_g,
                rules=rules)
    return [lot.id]


def release_reservation(command: c.ReleaseReservation, uow: UnitOfWork) -> list[UUID]:
    """Give back stock set aside for an outlet."""
    context, platform = act(uow, command, Role.PLATFORM)
    lot = held_lot(uow, command.lot_id, platform)
    lot.release(context, outlet_id=command.outlet_id, quantity_g=command.quantity_g,
                reason=command.reason)
    return [lot.id]


def record_loss(command: c.RecordLoss, uow: UnitOfWork) -> list[UUID]:
    """A loss at the platform's site (from available stock) or at an outlet."""
    context, holder = act(uow, command, Role.PLATFORM, Role.OUTLET)
    lot = uow.get(Lot, command.lot_id, "lot")
    at_outlet = context.role == Role.OUTLET
    if not at_outlet and lot.platform_id != holder.id:
        raise RoleRequired(f"lot {lot.code} is not held by {holder.name}",
                           reason="lot_not_held", lot=lot.code)
    lot.lose(context, holder_id=holder.id, at_outlet=at_outlet,
             quantity_g=command.quantity_g, reason=command.reason)
    return [lot.id]


def record_distribution(command: c.RecordDistribution, uow: UnitOfWork) -> list[UUID]:
    """An outlet hands food from a lot it holds to people, through a channel."""
    context, holder = act(uow, command, Role.OUTLET)
    rules, context = stock_rules(uow, context)
    lot = uow.get(Lot, command.lot_id, "lot")
    lot.distribute(context, outlet_id=holder.id, quantity_g=command.quantity_g,
                   channel=command.channel, rules=rules)
    return [lot.id]


def recall_lot(command: c.RecallLot, uow: UnitOfWork) -> list[UUID]:
    """Recall a lot and every lot made from it."""
    context, actor = act(uow, command, Role.COORDINATOR, Role.PLATFORM, Role.PRODUCER)
    origin = uow.get(Lot, command.lot_id, "lot")
    if context.role == Role.PRODUCER and origin.producer_id != actor.id:
        raise RoleRequired(f"producer {actor.name} may only recall its own lots",
                           reason="recall_not_own_lot")
    if origin.recalled:
        raise InvalidState(f"lot {origin.code} is already recalled",
                           reason="already_recalled", lot=origin.code)
    recalled: list[UUID] = []
    for lot in recall_walk(origin, lambda lot_id: uow.get(Lot, lot_id, "lot")):
        if not lot.recalled:
            lot.recall(context, reason=command.reason, origin_lot_id=origin.id)
            recalled.append(lot.id)
    return recalled
