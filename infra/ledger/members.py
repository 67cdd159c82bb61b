"""Handlers for the cooperative's membership: founding, members, roles and sites."""

from __future__ import annotations

from uuid import UUID

from domain import commands as c
from domain.base import Context, Role
from domain.command_records import Cooperative
from domain.errors import AlreadyExists
from domain.ids import uuid7
from domain.members import Member, MemberKind
from domain.sites import Site
from infra.ledger.actors import act, aware
from infra.ledger.unit_of_work import UnitOfWork


def found_cooperative(command: c.FoundCooperative, uow: UnitOfWork) -> list[UUID]:
    """Found the cooperative once, with its first coordinator (who acts for this act)."""
    if uow.find(Cooperative.ID) is not None:
        raise AlreadyExists("the cooperative is already founded",
                            reason="cooperative_exists")
    founder_id = uuid7()
    context = Context(member_id=founder_id, role=Role.COORDINATOR,
                      command_id=command.command_id,
                      correlation_id=command.correlation_id or command.command_id,
                      causation_id=command.command_id,
                      occurred_at=aware(command.occurred_at) if command.occurred_at
                      else uow.now)
    uow.context = context
    founder = Member.register(founder_id, context, command.coordinator_name,
                              MemberKind.NETWORK)
    cooperative = Cooperative.found(context, name=command.name, founder_id=founder_id)
    uow.add(founder)
    uow.add(cooperative)
    return [founder_id, Cooperative.ID]


def register_member(command: c.RegisterMember, uow: UnitOfWork) -> list[UUID]:
    """Register a member with the roles of its kind (or those given)."""
    context, _ = act(uow, command, Role.COORDINATOR)
    member = Member.register(uuid7(), context, command.name, command.kind, command.roles,
                             command.households_served)
    uow.add(member)
    return [member.id]


def grant_role(command: c.GrantRole, uow: UnitOfWork) -> list[UUID]:
    """Give a member a role."""
    context, _ = act(uow, command, Role.COORDINATOR)
    member = uow.get(Member, command.member_id, "member")
    member.grant_role(context, command.role)
    return [member.id]


def revoke_role(command: c.RevokeRole, uow: UnitOfWork) -> list[UUID]:
    """Take a role from a member, with the reason."""
    context, _ = act(uow, command, Role.COORDINATOR)
    member = uow.get(Member, command.member_id, "member")
    member.revoke_role(context, command.role, command.reason)
    return [member.id]


def suspend_member(command: c.SuspendMember, uow: UnitOfWork) -> list[UUID]:
    """Stop a member from acting, with the reason."""
    context, _ = act(uow, command, Role.COORDINATOR)
    member = uow.get(Member, command.member_id, "member")
    member.suspend(context, command.reason)
    return [member.id]


def register_site(command: c.RegisterSite, uow: UnitOfWork) -> list[UUID]:
    """Register a site (warehouse, garden, outlet premises) and who operates it."""
    context, _ = act(uow, command, Role.COORDINATOR)
    uow.get(Member, command.operator_id, "operator")
    site = Site.register(uuid7(), context, command.name, command.kind, command.operator_id,
                         command.city)
    uow.add(site)
    return [site.id]
