"""Handlers for workshops: an outlet or a garden records a cooking, gardening or nutrition
workshop it held (for a basket programme it serves, or on its own), or cancels one recorded
by mistake."""

from __future__ import annotations

from uuid import UUID

from domain import reporting_commands as r
from domain.base import Role
from domain.baskets import BasketProgramme
from domain.donations import paris_day
from domain.errors import RoleRequired
from domain.ids import uuid7
from domain.workshops import Workshop
from infra.ledger.actors import act
from infra.ledger.unit_of_work import UnitOfWork


def record_workshop(command: r.RecordWorkshop, uow: UnitOfWork) -> list[UUID]:
    """Record a workshop held by the acting outlet or garden."""
    context, organiser = act(uow, command, Role.OUTLET, Role.PRODUCER)
    if command.programme_id is not None:
        programme = uow.get(BasketProgramme, command.programme_id, "basket programme")
        if organiser.id not in {programme.producer_id, *programme.collection_point_ids}:
            raise RoleRequired(f"{organiser.name} is neither the garden nor a collection "
                               f"point of programme {programme.name}",
                               reason="workshop_not_in_programme", member=organiser.name,
                               programme=programme.name)
    workshop = Workshop.hold(uuid7(), context, programme_id=command.programme_id,
                             kind=command.kind, held_on=command.held_on,
                             attendance_count=command.attendance_count, title=command.title,
                             act_day=paris_day(context.occurred_at))
    uow.add(workshop)
    return [workshop.id]


def cancel_workshop(command: r.CancelWorkshop, uow: UnitOfWork) -> list[UUID]:
    """Cancel a workshop recorded by mistake (its organiser)."""
    context, _ = act(uow, command, Role.OUTLET, Role.PRODUCER)
    workshop = uow.get(Workshop, command.workshop_id, "workshop")
    workshop.cancel(context, command.reason)
    return [workshop.id]
