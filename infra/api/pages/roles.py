"""Which page each role opens: the slug, policy entry, title and builder of every page.

Each builder lives in a module of its own (``producer``, ``warehouse``, ``outlet``,
``governance``, ``coordination``, ``funder``, ``household``, ``audit``); ``page`` holds
what they share.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from domain.base import Role
from infra.api.access import Caller
from infra.api.pages.audit import audit_page
from infra.api.pages.coordination import coordination_page
from infra.api.pages.funder import funder_page
from infra.api.pages.governance import governance_page
from infra.api.pages.household import household_page
from infra.api.pages.outlet import outlet_page
from infra.api.pages.page import Page
from infra.api.pages.producer import producer_page
from infra.api.pages.warehouse import platform_page
from infra.api.policy import POLICY

PAGES: dict[str, tuple[str, str, Callable[[Page], Markup]]] = {
    # slug: (policy name, title, builder)
    "producteur": ("page_producer", "Mes lots", producer_page),
    "plateforme": ("page_platform", "Entrepôt", platform_page),
    "structure": ("page_outlet", "Ma structure", outlet_page),
    "gouvernance": ("page_governance", "Gouvernance", governance_page),
    "coordination": ("page_coordination", "Coordination", coordination_page),
    "financeur": ("page_funder", "Financement", funder_page),
    "foyer": ("page_household", "Mon compte", household_page),
    "controle": ("page_audit", "Contrôle", audit_page),
}
MAIN_PAGE_BY_ROLE: tuple[tuple[Role, str], ...] = (
    (Role.HOUSEHOLD, "foyer"), (Role.AUDITOR, "controle"), (Role.PRODUCER, "producteur"),
    (Role.PLATFORM, "plateforme"), (Role.OUTLET, "structure"), (Role.FUNDER, "financeur"),
    (Role.COORDINATOR, "coordination"), (Role.VOTER, "gouvernance"))


def pages_for(caller: Caller) -> list[tuple[str, str]]:
    """The pages the policy table opens to the caller: (slug, title), main page first."""
    allowed = [(slug, title) for slug, (name, title, _) in PAGES.items()
               if (access := POLICY.get(name)) is not None
               and caller.scope_for(access) is not None]
    main = main_page(caller)
    return sorted(allowed, key=lambda item: item[0] != main)


def main_page(caller: Caller) -> str | None:
    """The page a caller lands on."""
    for role, slug in MAIN_PAGE_BY_ROLE:
        if role in caller.roles:
            return slug
    return None
