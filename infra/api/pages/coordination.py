"""The coordinator's page « Coordination »: register members and sites, give and take roles,
suspend a member, open a basket programme, erase a household, hold any lot and lift a hold;
the directory and the sum of all balances."""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from markupsafe import Markup

from infra.api.pages import french
from infra.api.pages.baskets import ERASE_CONFIRMATION
from infra.api.pages.downloads import downloads
from infra.api.pages.holds import holds_section
from infra.api.pages.html import Column, Field, Form, Option, figures, join, section, table
from infra.api.pages.page import MEMBER_KINDS, OPTIONS_MAX, ROWS_MAX, SITE_KINDS, Page, word
from infra.api.pages.words import ROLE_WORDS

ROLES = ("producer", "platform", "outlet", "funder", "voter", "auditor", "coordinator")
"""Roles the coordinator gives or takes (a household's role comes with its enrolment)."""


def coordination_page(page: Page) -> Markup:
    """Register members and sites, give and take roles, suspend; programmes and erasure;
    the directory with roles and states. All but the votes to close (which the clock
    decides) is kept until the store moves: the page lists every member several times."""
    members, sites, total, body = page.kept(("coordination", page.caller),
                                            lambda: _sections(page))
    open_to_close = page.directory.proposals_to_close(datetime.now(tz=UTC))
    return join([
        figures([("Membres", french.count(members), {"id": "nombre-membres"}),
                 ("Sites", french.count(sites), {}),
                 ("Somme de tous les soldes", french.euros(total),
                  {"data_centimes": str(total)}),
                 ("Votes à clore", french.count(open_to_close), {})]),
        body,
    ])


def _sections(page: Page) -> tuple[int, int, int, Markup]:
    """The counts of members and sites, the sum of all balances, and every section."""
    members = sorted(page.directory.members.items(), key=lambda item: item[1][0].lower())
    role_forms = _role_forms(page, members)
    balances = page.view("balances")
    total = int(balances.total_cents()) if balances is not None else 0
    return len(members), len(page.directory.sites), total, join([
        section("inscrire", "Inscrire", page.forms(*_register_forms(members))),
        section("membres", "Membres", table(
            "Membres de la coopérative", [Column("Nom"), Column("Sorte"), Column("Rôles"),
                                          Column("État")],
            [[name, word(kind), ", ".join(ROLE_WORDS.get(role, role) for role in sorted(
                page.directory.roles.get(member_id, ()))),
              "suspendu·e" if member_id in page.directory.suspended else "actif"]
             for member_id, (name, kind) in members][:ROWS_MAX * 5],
            table_id="table-membres"), role_forms),
        section("programmes", "Programmes de paniers et foyers",
                page.forms(programme_form(members), erase_form(page))),
        holds_section(page, page.view("stock").lines(), table_id="table-blocages-reseau"),
        section("sites", "Sites", table(
            "Sites", [Column("Nom"), Column("Sorte"), Column("Exploitant"), Column("Commune")],
            [[site[0], word(site[1]), page.name(site[2]), site[3]]
             for site in sorted(page.directory.sites.values(), key=lambda site: site[0])],
            table_id="table-sites")),
        downloads(page),
    ])


def _register_forms(members: list[tuple[UUID, tuple[str, str]]]) -> tuple[Form, Form]:
    """Register a member; register a site and its operator."""
    operators = [Option(str(member_id), name) for member_id, (name, kind) in members
                 if kind in {"platform", "producer", "outlet"}]
    return Form("register_member", "Inscrire un membre", [
        Field("name", "Nom"),
        Field("kind", "Sorte de membre", kind="choice",
              options=[Option(value, label) for value, label in MEMBER_KINDS]),
        Field("households_served", "Foyers servis par semaine (structures)", kind="int",
              required=False, value="0"),
    ], submit="Inscrire"), Form("register_site", "Enregistrer un site", [
        Field("name", "Nom du site"),
        Field("kind", "Sorte de site", kind="choice",
              options=[Option(value, label) for value, label in SITE_KINDS]),
        Field("operator_id", "Exploité par", kind="uuid", options=operators),
        Field("city", "Commune", required=False),
    ], submit="Enregistrer")


def _role_forms(page: Page, members: list[tuple[UUID, tuple[str, str]]]) -> Markup:
    """Give a role, take it back, suspend a member."""
    member_options = [Option(str(member_id), name) for member_id, (name, _) in members]
    roles = [Option(role, ROLE_WORDS.get(role, role)) for role in ROLES]
    active = [Option(str(member_id), name) for member_id, (name, _) in members
              if member_id not in page.directory.suspended]
    return page.forms(
        Form("grant_role", "Donner un rôle", [
            Field("member_id", "Membre", kind="uuid", options=member_options),
            Field("role", "Rôle", kind="choice", options=roles),
        ], submit="Donner ce rôle"),
        Form("revoke_role", "Retirer un rôle", [
            Field("member_id", "Membre", kind="uuid", options=member_options),
            Field("role", "Rôle", kind="choice", options=roles),
            Field("reason", "Motif"),
        ], submit="Retirer ce rôle"),
        Form("suspend_member", "Suspendre un membre", [
            Field("member_id", "Membre", kind="uuid", options=active),
            Field("reason", "Motif"),
        ], submit="Suspendre",
            confirm="Je confirme la suspension : ce membre ne pourra plus agir ni ouvrir ses "
                    "pages, jusqu’à nouvel ordre."))


def programme_form(members: list[tuple[UUID, tuple[str, str]]]) -> Form:
    """Open a basket programme: its garden, price, household cap, funders and points."""
    funders = [(member_id, name) for member_id, (name, kind) in members if kind == "funder"]
    return Form("open_basket_programme", "Ouvrir un programme de paniers", [
        Field("name", "Nom du programme"),
        Field("producer_id", "Jardin qui prépare les paniers", kind="uuid", options=[
            Option(str(member_id), name) for member_id, (name, kind) in members
            if kind == "producer"]),
        Field("basket_price_cents", "Prix du panier (€)", kind="euros",
              help="Par exemple 12,50"),
        Field("household_share_cap_bp", "Part des foyers au plus (%)", kind="percent",
              value="30", help="30 % au plus"),
        *(Field("share_bp", f"Part de {name} (%)", kind="percent", required=False,
                list_name="funders", item={"funder_id": str(member_id)})
          for member_id, name in funders),
        Field("collection_point_ids", "Points de retrait", kind="uuid_set", options=[
            Option(str(member_id), name) for member_id, (name, kind) in members
            if kind == "outlet"]),
    ], submit="Ouvrir le programme",
        intro="Les parts des financeurs se partagent ce que les foyers ne paient pas et font "
              "100 % ensemble.")


def erase_form(page: Page) -> Form:
    """Erase any household's personal data (the coordinator may, as its referrer may)."""
    households = sorted((entry for entry in list(page.directory.households.values())
                         if not entry.erased), key=lambda entry: entry.reference)
    return Form("erase_household", "Effacer les données d’un foyer", [
        Field("household_id", "Foyer", kind="uuid", options=[
            Option(str(entry.household_id), f"Foyer {entry.reference}")
            for entry in households[:OPTIONS_MAX]]),
        Field("reason", "Motif", value="Demande du foyer (RGPD, article 17)"),
    ], submit="Effacer", confirm=ERASE_CONFIRMATION)
