"""Member stream: the producers, platforms, outlets, funders and others of the cooperative."""

from __future__ import annotations

import enum
from typing import ClassVar
from uuid import UUID

from domain.base import Aggregate, Context, Created, Event, Role
from domain.errors import InvalidCommand, InvalidState


class MemberKind(enum.StrEnum):
    """What sort of organisation or person a member is."""

    PRODUCER = "producer"
    PLATFORM = "platform"
    OUTLET = "outlet"
    FUNDER = "funder"
    HOUSEHOLD = "household"
    NETWORK = "network"
    """The national network or a local cooperative office."""


DEFAULT_ROLES: dict[MemberKind, tuple[Role, ...]] = {
    MemberKind.PRODUCER: (Role.PRODUCER, Role.VOTER),
    MemberKind.PLATFORM: (Role.PLATFORM, Role.VOTER),
    MemberKind.OUTLET: (Role.OUTLET, Role.VOTER),
    MemberKind.FUNDER: (Role.FUNDER, Role.VOTER),
    MemberKind.HOUSEHOLD: (Role.HOUSEHOLD, Role.VOTER),
    MemberKind.NETWORK: (Role.COORDINATOR, Role.VOTER),
}

NAME_LENGTH_MAX = 200  # Long enough for any French association's official name.


class Member(Aggregate):
    """A member of the cooperative and the roles it holds."""

    name: str
    kind: MemberKind
    roles: set[Role]
    suspended: bool
    households_served: int

    class Registered(Created, frozen=True, kw_only=True):
        """A member joined the ledger."""

        TOPIC: ClassVar[str] = "member.registered"
        name: str
        kind: MemberKind
        roles: list[Role]
        households_served: int = 0
        """For outlets: households they serve each week (an allocation-key input)."""

        def apply(self, member: Member) -> None:
            member.name = self.name
            member.kind = self.kind
            member.roles = set(self.roles)
            member.suspended = False
            member.households_served = self.households_served

    class RoleGranted(Event, frozen=True, kw_only=True):
        """A member was given a role."""

        TOPIC: ClassVar[str] = "member.role_granted"
        role: Role

        def apply(self, member: Member) -> None:
            member.roles.add(self.role)

    class RoleRevoked(Event, frozen=True, kw_only=True):
        """A member lost a role."""

        TOPIC: ClassVar[str] = "member.role_revoked"
        role: Role
        reason: str

        def apply(self, member: Member) -> None:
            member.roles.discard(self.role)

    class Suspended(Event, frozen=True, kw_only=True):
        """A member may no longer act."""

        TOPIC: ClassVar[str] = "member.suspended"
        reason: str

        def apply(self, member: Member) -> None:
            member.suspended = True

    @classmethod
    def register(cls, member_id: UUID, context: Context, name: str, kind: MemberKind,
                 roles: list[Role] | None = None, households_served: int = 0) -> Member:
        """Register a member with the default roles of its kind unless roles are given."""
        name = name.strip()
        if not name or len(name) > NAME_LENGTH_MAX:
            raise InvalidCommand(f"member name must be 1 to {NAME_LENGTH_MAX} characters",
                                 reason="text_length", field="member name", length=len(name),
                                 maximum=NAME_LENGTH_MAX)
        if households_served < 0:
            raise InvalidCommand(f"households_served must be >= 0, got {households_served}",
                                 reason="households_negative", households=households_served)
        chosen = list(DEFAULT_ROLES[kind]) if roles is None else sorted(set(roles))
        return cls._create(cls.Registered, member_id, context=context, name=name, kind=kind,
                           roles=chosen, households_served=households_served)

    def grant_role(self, context: Context, role: Role) -> None:
        """Give the member a role it does not hold yet."""
        if role in self.roles:
            raise InvalidState(f"member {self.name} already holds the role {role}",
                               reason="role_already_held", member=self.name, role=str(role))
        self._trigger(self.RoleGranted, context=context, role=role)

    def revoke_role(self, context: Context, role: Role, reason: str) -> None:
        """Take a role away."""
        if role not in self.roles:
            raise InvalidState(f"member {self.name} does not hold the role {role}",
                               reason="role_not_held", member=self.name, role=str(role))
        self._trigger(self.RoleRevoked, context=context, role=role, reason=reason)

    def suspend(self, context: Context, reason: str) -> None:
        """Stop the member from acting."""
        if self.suspended:
            raise InvalidState(f"member {self.name} is already suspended",
                               reason="already_suspended", member=self.name)
        self._trigger(self.Suspended, context=context, reason=reason)

    def check_can_act_as(self, role: Role) -> None:
        """Refuse unless the member is active and holds ``role``."""
        from domain.errors import RoleRequired  # noqa: PLC0415 - avoid widening the import.

        if self.suspended:
            raise RoleRequired(f"member {self.name} is suspended and may not act",
                               reason="member_suspended", member=self.name)
        if role not in self.roles:
            held = ", ".join(sorted(self.roles)) or "none"
            raise RoleRequired(f"member {self.name} does not hold the role {role} (holds: {held})",
                               reason="role_missing", member=self.name, role=str(role),
                               roles=" ".join(sorted(self.roles)))


Member.Registered.AGGREGATE = Member
