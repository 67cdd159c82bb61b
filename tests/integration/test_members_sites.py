"""Members and sites: founding the cooperative, registering, roles, suspension, sites.

Each command's success and each of its refusals, on SQLite and PostgreSQL. Every refusal is
checked to have written nothing (``assert_refused``).
"""

from __future__ import annotations

from uuid import UUID

from domain import commands as c
from domain.base import Role
from domain.command_records import Cooperative
from domain.errors import AlreadyExists, InvalidCommand, InvalidState, NotFound, RoleRequired
from domain.members import Member, MemberKind
from domain.sites import Site, SiteKind
from infra.ledger.ledger import Ledger
from tests.builders import assert_refused, events_of_stream, found_territory

UNKNOWN_ID = UUID("00000000-0000-7000-8000-000000000001")


def test_founding_registers_the_first_coordinator(ledger: Ledger) -> None:
    """Founding writes the cooperative and a network member holding the coordinator role."""
    result = ledger.execute(c.FoundCooperative(command_id="found", name="Réseau Cocagne",
                                               coordinator_name="Secrétariat national"))
    founder = ledger.repository.get(result.stream_id)
    cooperative = ledger.repository.get(Cooperative.ID)
    assert isinstance(founder, Member)
    assert isinstance(cooperative, Cooperative)
    assert founder.kind == MemberKind.NETWORK
    assert founder.roles == {Role.COORDINATOR, Role.VOTER}
    assert cooperative.founder_id == founder.id
    assert result.stream_ids == [founder.id, Cooperative.ID]
    assert result.events_written == 2


def test_the_cooperative_is_founded_once(ledger: Ledger) -> None:
    """A second founding (another command id) is refused as already existing."""
    found_territory(ledger)
    assert_refused(ledger, c.FoundCooperative(command_id="again", name="Autre",
                                              coordinator_name="Quelqu'un"),
                   AlreadyExists, "already founded")


def test_register_member_gives_the_default_roles_of_its_kind(ledger: Ledger) -> None:
    """Producers, platforms and outlets get their role and the voter role unless told."""
    territory = found_territory(ledger)
    assert territory.member(territory.producer_id).roles == {Role.PRODUCER, Role.VOTER}
    assert territory.member(territory.platform_id).roles == {Role.PLATFORM, Role.VOTER}
    outlet = territory.member(territory.outlet_id)
    assert outlet.roles == {Role.OUTLET, Role.VOTER}
    assert outlet.households_served == 120
    funder_id = territory.register_member("Fondation Carasso", MemberKind.FUNDER,
                                          roles=[Role.FUNDER, Role.AUDITOR, Role.FUNDER])
    assert territory.member(funder_id).roles == {Role.FUNDER, Role.AUDITOR}


def test_register_member_refusals(ledger: Ledger) -> None:
    """Only an active coordinator registers members, with a name and no negative counts."""
    territory = found_territory(ledger)

    def register(actor_id: UUID, name: str = "Jardin du Plessis",
                 households_served: int = 0) -> c.RegisterMember:
        return c.RegisterMember(command_id=territory.command_id("member"), actor_id=actor_id,
                                name=name, kind=MemberKind.PRODUCER,
                                households_served=households_served)

    assert_refused(ledger, register(territory.producer_id), RoleRequired,
                   "may not register member: it takes the role coordinator")
    assert_refused(ledger, register(UNKNOWN_ID), NotFound, f"member {UNKNOWN_ID}")
    assert_refused(ledger, register(territory.coordinator_id, name="   "), InvalidCommand,
                   "member name")
    assert_refused(ledger, register(territory.coordinator_id, name="x" * 201), InvalidCommand,
                   "1 to 200 characters")
    assert_refused(ledger, register(territory.coordinator_id, households_served=-1),
                   InvalidCommand, "households_served must be >= 0, got -1")


def test_grant_role_lets_a_member_act_in_it(ledger: Ledger) -> None:
    """A producer granted the platform role may then accept offers."""
    territory = found_territory(ledger)
    ledger.execute(c.GrantRole(command_id="grant", actor_id=territory.coordinator_id,
                               member_id=territory.producer_id, role=Role.PLATFORM))
    assert Role.PLATFORM in territory.member(territory.producer_id).roles
    site_id = territory.register_site("Hangar du jardin", territory.producer_id)
    lot_id = territory.offer(10_000)
    territory.accept(lot_id, 10_000, site_id=site_id, platform_id=territory.producer_id)
    assert territory.lot(lot_id).platform_id == territory.producer_id


def test_grant_role_refusals(ledger: Ledger) -> None:
    """Granting a role already held, to nobody, or by a non-coordinator is refused."""
    territory = found_territory(ledger)

    def grant(actor_id: UUID, member_id: UUID, role: Role) -> c.GrantRole:
        return c.GrantRole(command_id=territory.command_id("grant"), actor_id=actor_id,
                           member_id=member_id, role=role)

    assert_refused(ledger, grant(territory.coordinator_id, territory.producer_id,
                                 Role.PRODUCER), InvalidState, "already holds the role producer")
    assert_refused(ledger, grant(territory.coordinator_id, UNKNOWN_ID, Role.AUDITOR), NotFound,
                   "does not exist")
    assert_refused(ledger, grant(territory.platform_id, territory.platform_id,
                                 Role.COORDINATOR), RoleRequired, "takes the role coordinator")


def test_revoke_role_stops_the_member_acting_in_it(ledger: Ledger) -> None:
    """A producer whose role was revoked may no longer offer lots; the reason is recorded."""
    territory = found_territory(ledger)
    ledger.execute(c.RevokeRole(command_id="revoke", actor_id=territory.coordinator_id,
                                member_id=territory.producer_id, role=Role.PRODUCER,
                                reason="certification expirée"))
    assert territory.member(territory.producer_id).roles == {Role.VOTER}
    revoked = events_of_stream(ledger, territory.producer_id)[-1]
    assert isinstance(revoked, Member.RoleRevoked)
    assert revoked.reason == "certification expirée"
    assert_refused(ledger, territory.offer_command(), RoleRequired,
                   r"takes the role producer \(holds: voter\)")


def test_revoke_role_refusals(ledger: Ledger) -> None:
    """Revoking a role not held, from nobody, or by a non-coordinator is refused."""
    territory = found_territory(ledger)

    def revoke(actor_id: UUID, member_id: UUID, role: Role) -> c.RevokeRole:
        return c.RevokeRole(command_id=territory.command_id("revoke"), actor_id=actor_id,
                            member_id=member_id, role=role, reason="erreur")

    assert_refused(ledger, revoke(territory.coordinator_id, territory.producer_id,
                                  Role.PLATFORM), InvalidState, "does not hold the role platform")
    assert_refused(ledger, revoke(territory.coordinator_id, UNKNOWN_ID, Role.PRODUCER),
                   NotFound, "does not exist")
    assert_refused(ledger, revoke(territory.outlet_id, territory.producer_id, Role.PRODUCER),
                   RoleRequired, "takes the role coordinator")


def test_a_suspended_member_may_not_act(ledger: Ledger) -> None:
    """After suspension every act of the member is refused, whatever its roles."""
    territory = found_territory(ledger)
    ledger.execute(c.SuspendMember(command_id="suspend", actor_id=territory.coordinator_id,
                                   member_id=territory.producer_id, reason="impayés"))
    assert territory.member(territory.producer_id).suspended
    assert_refused(ledger, territory.offer_command(), RoleRequired, "is suspended")


def test_suspend_member_refusals(ledger: Ledger) -> None:
    """Suspending twice, nobody, or by a non-coordinator is refused."""
    territory = found_territory(ledger)

    def suspend(actor_id: UUID, member_id: UUID) -> c.SuspendMember:
        return c.SuspendMember(command_id=territory.command_id("suspend"), actor_id=actor_id,
                               member_id=member_id, reason="contrôle")

    ledger.execute(suspend(territory.coordinator_id, territory.outlet_ids[1]))
    assert_refused(ledger, suspend(territory.coordinator_id, territory.outlet_ids[1]),
                   InvalidState, "already suspended")
    assert_refused(ledger, suspend(territory.coordinator_id, UNKNOWN_ID), NotFound,
                   "does not exist")
    assert_refused(ledger, suspend(territory.platform_id, territory.producer_id), RoleRequired,
                   "takes the role coordinator")


def test_register_site_records_its_operator(ledger: Ledger) -> None:
    """A site is registered under an existing operator, with a trimmed name and city."""
    territory = found_territory(ledger)
    result = ledger.execute(c.RegisterSite(
        command_id="site", actor_id=territory.coordinator_id, name="  Pôle logistique  ",
        kind=SiteKind.HUB, operator_id=territory.platform_id, city=" Dole "))
    site = ledger.repository.get(result.stream_id)
    assert isinstance(site, Site)
    assert (site.name, site.kind, site.operator_id, site.city) == (
        "Pôle logistique", SiteKind.HUB, territory.platform_id, "Dole")


def test_register_site_refusals(ledger: Ledger) -> None:
    """A site needs a coordinator, an existing operator and a name."""
    territory = found_territory(ledger)

    def register(actor_id: UUID, operator_id: UUID, name: str = "Quai") -> c.RegisterSite:
        return c.RegisterSite(command_id=territory.command_id("site"), actor_id=actor_id,
                              name=name, kind=SiteKind.WAREHOUSE, operator_id=operator_id)

    assert_refused(ledger, register(territory.platform_id, territory.platform_id),
                   RoleRequired, "takes the role coordinator")
    assert_refused(ledger, register(territory.coordinator_id, UNKNOWN_ID), NotFound,
                   f"operator {UNKNOWN_ID} does not exist")
    assert_refused(ledger, register(territory.coordinator_id, territory.platform_id, name=""),
                   InvalidCommand, "site name")
