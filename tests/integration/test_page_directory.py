"""The pages' directory names members from memory and never keeps a name older than itself."""

from __future__ import annotations

from domain import commands as c
from domain.members import MemberKind
from infra.api.pages.directory import Directory
from infra.ledger.ledger import Ledger
from tests.builders import found_territory


def test_a_name_follows_the_directory_after_a_refresh(ledger: Ledger) -> None:
    """An id not yet registered is unknown; once registered and refreshed, it has its name,
    looked up by its UUID or its text."""
    territory = found_territory(ledger)
    directory = Directory(ledger)
    directory.refresh()
    assert directory.name(territory.platform_id) == "Banque Alimentaire du Doubs"
    assert directory.name(str(territory.platform_id)) == "Banque Alimentaire du Doubs"
    member_id = ledger.execute(c.RegisterMember(
        command_id="t-new-member", actor_id=territory.coordinator_id, name="Épicerie neuve",
        kind=MemberKind.OUTLET, households_served=10)).stream_id
    assert directory.name(member_id) == "(inconnu)", "not refreshed yet"
    directory.refresh()
    assert directory.name(member_id) == "Épicerie neuve"
    assert directory.name(str(member_id)) == "Épicerie neuve"
    assert directory.name(None) == ""
