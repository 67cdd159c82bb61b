"""Handlers for quality labels on lots: declared by the lot's producer or by the platform
holding it, withdrawn by either when declared wrongly."""

from __future__ import annotations

from uuid import UUID

from domain import reporting_commands as r
from domain.base import Context, Role
from domain.errors import AlreadyExists, RoleRequired
from domain.lots import Lot
from domain.members import Member
from domain.quality_labels import LotLabel, lot_label_id
from infra.ledger.actors import act
from infra.ledger.unit_of_work import UnitOfWork


def _lot_of(uow: UnitOfWork, context: Context, actor: Member, lot_id: UUID) -> Lot:
    """The lot, if the actor is its producer (as producer) or holds it (as platform)."""
    lot = uow.get(Lot, lot_id, "lot")
    owner = lot.producer_id if context.role == Role.PRODUCER else lot.platform_id
    if owner != actor.id:
        raise RoleRequired(f"lot {lot.code} is neither produced nor held by {actor.name}",
                           reason="label_not_own_lot", lot=lot.code)
    return lot


def declare_quality_label(command: r.DeclareQualityLabel, uow: UnitOfWork) -> list[UUID]:
    """Declare a quality label on a lot, with its certificate."""
    context, actor = act(uow, command, Role.PRODUCER, Role.PLATFORM)
    lot = _lot_of(uow, context, actor, command.lot_id)
    if uow.find(lot_label_id(lot.id, command.label)) is not None:
        raise AlreadyExists(f"lot {lot.code} already carries the label {command.label}",
                            reason="label_exists", lot=lot.code, label=str(command.label))
    declared = LotLabel.declare(context, lot_id=lot.id, label=command.label,
                                certificate=command.certificate)
    uow.add(declared)
    return [declared.id]


def withdraw_quality_label(command: r.WithdrawQualityLabel, uow: UnitOfWork) -> list[UUID]:
    """Withdraw a label declared wrongly."""
    context, actor = act(uow, command, Role.PRODUCER, Role.PLATFORM)
    lot = _lot_of(uow, context, actor, command.lot_id)
    declared = uow.get(LotLabel, lot_label_id(lot.id, command.label), "label of lot")
    declared.withdraw(context, command.reason)
    return [declared.id]
