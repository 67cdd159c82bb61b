"""The coordinator's page « Coordination »: members and sites, the sum of balances."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from markupsafe import Markup

from infra.api.pages import french
from infra.api.pages.downloads import downloads
from infra.api.pages.html import Column, Field, Form, Option, figures, join, section, table
from infra.api.pages.page import MEMBER_KINDS, ROWS_MAX, SITE_KINDS, Page, word


def coordination_page(page: Page) -> Markup:
    """Register members and sites; the directory."""
    members = sorted(page.directory.members.items(), key=lambda item: item[1][0].lower())
    operators = [Option(str(member_id), name) for member_id, (name, kind) in members
                 if kind in {"platform", "producer", "outlet"}]
    register_member = Form("register_member", "Inscrire un membre", [
        Field("name", "Nom"),
        Field("kind", "Sorte de membre", kind="choice",
              options=[Option(value, label) for value, label in MEMBER_KINDS]),
        Field("households_served", "Foyers servis par semaine (structures)", kind="int",
              required=False, value="0"),
    ], submit="Inscrire")
    register_site = Form("register_site", "Enregistrer un site", [
        Field("name", "Nom du site"),
        Field("kind", "Sorte de site", kind="choice",
              options=[Option(value, label) for value, label in SITE_KINDS]),
        Field("operator_id", "Exploité par", kind="uuid", options=operators),
        Field("city", "Commune", required=False),
    ], submit="Enregistrer")
    balances = page.view("balances")
    total = int(balances.total_cents()) if balances is not None else 0
    open_to_close = sum(1 for proposal_id in list(page.directory.proposal_ids)
                        if _closable(page, proposal_id))
    return join([
        figures([("Membres", french.count(len(members)), {"id": "nombre-membres"}),
                 ("Sites", french.count(len(page.directory.sites)), {}),
                 ("Somme de tous les soldes", french.euros(total),
                  {"data_centimes": str(total)}),
                 ("Votes à clore", french.count(open_to_close), {})]),
        section("inscrire", "Inscrire", page.forms(register_member, register_site)),
        section("membres", "Membres", table(
            "Membres de la coopérative", [Column("Nom"), Column("Sorte")],
            [[name, word(kind)] for _, (name, kind) in members][:ROWS_MAX * 5],
            table_id="table-membres")),
        section("sites", "Sites", table(
            "Sites", [Column("Nom"), Column("Sorte"), Column("Exploitant"), Column("Commune")],
            [[site[0], word(site[1]), page.name(site[2]), site[3]]
             for site in sorted(page.directory.sites.values(), key=lambda site: site[0])],
            table_id="table-sites")),
        downloads(page),
    ])


def _closable(page: Page, proposal_id: UUID) -> bool:
    proposal: Any = page.services.ledger.repository.get(proposal_id)
    closes_at = proposal.closes_at if proposal.closes_at.tzinfo else proposal.closes_at.replace(
        tzinfo=UTC)
    return str(proposal.status) == "open" and datetime.now(tz=UTC) >= closes_at
