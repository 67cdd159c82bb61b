"""Handlers for donations: a platform records that a lot it received was given, valued at
the donor's declared value or at the reference price in force; or cancels one recorded by
mistake. Also ``donated_lot``, which the settlement asks before paying a producer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from domain import reporting_commands as r
from domain.base import Role
from domain.donations import Donation, donation_id, paris_day, value_donation
from domain.errors import AlreadyExists, InvalidCommand, InvalidState, RoleRequired
from domain.lots import Lot, LotStatus
from domain.members import Member
from domain.rules import reference_prices_in_force
from infra.ledger.actors import act
from infra.ledger.rules import rule_book
from infra.ledger.unit_of_work import UnitOfWork

ANCESTORS_MAX = 100
"""Lots looked at above a dispatched lot to find a donation: a split of a merge of splits is
a handful; a hundred is far beyond any real genealogy (``domain.lot_graph.INPUT_LOTS_MAX``)."""


def record_donation(command: r.RecordDonation, uow: UnitOfWork) -> list[UUID]:
    """Record a received lot as a donation from a donor, with its value."""
    context, platform = act(uow, command, Role.PLATFORM)
    lot = uow.get(Lot, command.lot_id, "lot")
    if lot.platform_id != platform.id:
        raise RoleRequired(f"lot {lot.code} is not held by {platform.name}",
                           reason="lot_of_another_platform", lot=lot.code)
    if lot.status != LotStatus.RECEIVED or lot.site_id is None:
        raise InvalidState(f"cannot record lot {lot.code} as a donation: it has not been "
                           f"received (it is {lot.status})", reason="lot_not_received",
                           lot=lot.code, status=str(lot.status))
    donor = uow.get(Member, command.donor_id, "donor")
    _check_donor(lot, donor)
    if uow.find(donation_id(lot.id)) is not None:
        raise AlreadyExists(f"lot {lot.code} is already recorded as a donation",
                            reason="donation_exists", lot=lot.code)
    donated_on = command.donated_on or paris_day(context.occurred_at)
    quantity_g = lot.on_hand_g if command.quantity_g is None else command.quantity_g
    found = reference_prices_in_force(rule_book(uow), donated_on)
    value = value_donation(product=lot.product, quantity_g=quantity_g, donated_on=donated_on,
                           declared_value_cents=command.declared_value_cents,
                           reference=found)
    if value.decision_id is not None:
        context = msgspec.structs.replace(context, decision_id=value.decision_id)
        uow.context = context
    nature = command.nature or (f"{lot.product} — {lot.variety}" if lot.variety
                                else lot.product)
    donation = Donation.record(
        context, lot_id=lot.id, lot_code=lot.code, donor_id=donor.id, site_id=lot.site_id,
        product=lot.product, nature=nature, organic_certificate=lot.organic_certificate,
        quantity_g=quantity_g, on_hand_g=lot.on_hand_g, donated_on=donated_on, value=value,
        note=command.note)
    uow.add(donation)
    return [donation.id]


def _check_donor(lot: Lot, donor: Member) -> None:
    """A lot a producer offered can only be given by that producer; a bulk donation
    received from a donor (``Lot.donor_id``, where the lot stream knows it) by that donor."""
    known_donor: Any = getattr(lot, "donor_id", None)
    expected = known_donor or lot.producer_id
    if expected is not None and expected != donor.id:
        raise InvalidCommand(f"lot {lot.code} came from member {expected}, so {donor.name} "
                             "cannot be its donor", reason="donor_mismatch", lot=lot.code,
                             donor=donor.name, source_id=str(expected))


def cancel_donation(command: r.CancelDonation, uow: UnitOfWork) -> list[UUID]:
    """Cancel a donation recorded by mistake (the platform that recorded it)."""
    context, _ = act(uow, command, Role.PLATFORM)
    donation = uow.get(Donation, donation_id(command.lot_id), "donation of lot")
    donation.cancel(context, command.reason)
    return [donation.id]


def donated_lot(uow: UnitOfWork, lot: Lot) -> bool:
    """Whether the lot, or any lot it was made from, is a donation still in force."""
    queue = [lot]
    seen: set[UUID] = set()
    while queue and len(seen) < ANCESTORS_MAX:
        current = queue.pop()
        if current.id in seen:
            continue
        seen.add(current.id)
        found = uow.find(donation_id(current.id))
        if isinstance(found, Donation) and not found.cancelled:
            return True
        queue.extend(uow.get(Lot, parent.lot_id, "lot") for parent in current.parents)
    return False
