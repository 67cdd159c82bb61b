"""Who is acting, in which role, on whose behalf: the ``Context`` of an act and the checks
that a member may do it (``act``), may use a site, may handle a lot, or is what a command
names it (an outlet, a funder)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import msgspec

from domain.base import Context, Role
from domain.business_time import BusinessTimeRule, business_day
from domain.command_records import Cooperative
from domain.commands import Command
from domain.errors import InvalidCommand, RoleRequired
from domain.lots import Lot
from domain.members import Member
from domain.rules import backdating_window_in_force
from domain.sites import Site
from infra.ledger.rules import rule_book
from infra.ledger.unit_of_work import UnitOfWork


def aware(moment: datetime) -> datetime:
    """A business time with its zone: a naive one is taken as UTC (msgspec decodes naive)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def act(uow: UnitOfWork, command: Command, *roles: Role,
        decision_id: UUID | None = None) -> tuple[Context, Member]:
    """The context of an act by ``command.actor_id`` in the first of ``roles`` it holds."""
    member = uow.get(Member, command.actor_id, "member")
    if member.suspended:
        raise RoleRequired(f"member {member.name} is suspended and may not act",
                           reason="member_suspended", member=member.name)
    held_roles = member.roles
    for role in roles:
        if role in held_roles:
            break
    else:
        wanted = " or ".join(str(role) for role in roles)
        held = ", ".join(sorted(member.roles)) or "none"
        what = type(command).NAME.replace("_", " ")
        raise RoleRequired(f"member {member.name} may not {what}: it takes the role "
                           f"{wanted} (holds: {held})", reason="role_for_command",
                           member=member.name, command=type(command).NAME,
                           roles=" ".join(str(role) for role in roles),
                           held=" ".join(sorted(member.roles)))
    occurred_at = uow.now
    if command.occurred_at is not None:
        occurred_at = aware(command.occurred_at)
        business_time_rule(uow).check(occurred_at, now=uow.now,
                                      coordinator=role == Role.COORDINATOR,
                                      backdating_reason=command.backdating_reason)
    context = Context(
        member_id=member.id, role=role, command_id=command.command_id,
        correlation_id=command.correlation_id or command.command_id,
        causation_id=command.causation_id or command.command_id,
        occurred_at=occurred_at, decision_id=decision_id,
        backdating_reason=command.backdating_reason.strip() or msgspec.UNSET)
    uow.context = context
    return context, member


def business_time_rule(uow: UnitOfWork) -> BusinessTimeRule:
    """The bounds of business time now: the founding, and the back-dating window in force
    today (a decision's, or the default week)."""
    cooperative = uow.get(Cooperative, Cooperative.ID, "cooperative")
    window, _ = backdating_window_in_force(rule_book(uow), business_day(uow.now))
    return BusinessTimeRule(founded_at=cooperative.founded_at, backdating_window=window)


def operated_site(uow: UnitOfWork, site_id: UUID, operator: Member) -> Site:
    """A site the acting member operates."""
    site = uow.get(Site, site_id, "site")
    if site.operator_id != operator.id:
        raise RoleRequired(f"site {site.name} is not operated by {operator.name}",
                           reason="site_not_operated", site=site.name)
    return site


def held_lot(uow: UnitOfWork, lot_id: UUID, platform: Member) -> Lot:
    """A lot held at a site of ``platform`` (the platform's own stock), or not yet placed."""
    lot = uow.get(Lot, lot_id, "lot")
    if lot.platform_id is not None and lot.platform_id != platform.id:
        raise RoleRequired(f"lot {lot.code} is handled by another platform",
                           reason="lot_of_another_platform", lot=lot.code)
    return lot


def outlet(uow: UnitOfWork, outlet_id: UUID) -> Member:
    """A member the command names as an outlet."""
    found = uow.get(Member, outlet_id, "outlet")
    if Role.OUTLET not in found.roles:
        raise InvalidCommand(f"member {found.name} is not an outlet", reason="member_not_in_role",
                             member=found.name, role=str(Role.OUTLET))
    return found


def member_with(uow: UnitOfWork, member_id: UUID, role: Role, what: str) -> Member:
    """A member the command names in a role (a funder, a producer, a voter…)."""
    member = uow.get(Member, member_id, what)
    if role not in member.roles:
        raise InvalidCommand(f"member {member.name} is not a {role} (holds: "
                             f"{', '.join(sorted(member.roles)) or 'none'})",
                             reason="member_not_in_role", member=member.name, role=str(role))
    return member
