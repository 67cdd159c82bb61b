"""The page « Gouvernance »: proposals and their terms, votes, tallies, rules in force."""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import Markup

from domain.base import Role
from domain.governance import College, Colleges
from domain.proposals import participation
from infra.api.pages import french
from infra.api.pages.html import Column, Field, Form, Option, join, section, table, tag
from infra.api.pages.page import ALLOCATION_KEYS, MEMBER_KINDS, PROPOSALS_SHOWN_MAX, Page, word
from infra.api.whatif_html import proposal_section

SIMULATED_KINDS = frozenset({"set_allocation_key", "set_price_grid", "set_basket_terms"})
"""Proposals whose page shows what their rule would have given (``infra.whatif``)."""


def governance_page(page: Page) -> Markup:
    """Proposals with their terms, vote and change one's vote, tallies, rules in force."""
    me = page.caller.member_id
    now = datetime.now(tz=UTC)
    colleges: Any = None
    try:
        colleges = page.streams.get(Colleges.ID)
    except Exception:
        colleges = None
    seated = colleges is not None and me in getattr(colleges, "members", {})
    blocks: list[Any] = []
    for proposal_id in list(reversed(page.directory.proposal_ids))[:PROPOSALS_SHOWN_MAX]:
        proposal: Any = page.streams.get(proposal_id)
        blocks.append(_proposal_block(page, proposal, now))
    rules = _rules_table(page)
    parts = [section("propositions", "Propositions", join(blocks) if blocks else
                     tag("p", "Aucune proposition."))]
    secretariat = Role.COORDINATOR in page.caller.roles
    if seated or secretariat:
        parts.append(section(
            "proposer-vote", "Proposer", page.forms(*proposal_forms(page, colleges)),
            intro="Le secrétariat soumet au nom de la coopérative sans siéger dans un "
                  "collège." if secretariat and not seated else ""))
    if not seated:
        parts.append(tag("p", "Vous ne siégez dans aucun collège : vous suivez les votes sans "
                              "y prendre part.", class_="intro"))
    parts.append(section("regles", "Règles en vigueur", rules))
    return join(parts)


def proposal_forms(page: Page, colleges: Any) -> list[Form]:
    """One form per kind of proposal the page offers, each with the vote's terms."""
    closes = french.paris(datetime.now(tz=UTC) + timedelta(days=7))

    def vote_terms() -> list[Field]:
        return [Field("closes_at", "Fin du vote (heure de Paris)", kind="datetime",
                      value=closes.strftime("%Y-%m-%dT%H:%M")),
                Field("quorum_bp", "Quorum (%)", kind="percent", value="30"),
                Field("threshold_bp", "Seuil d’adoption (%)", kind="percent", value="50",
                      help="Adoptée si le oui pondéré dépasse ce seuil")]

    def kind(name: str) -> dict[str, Any]:
        return {"payload": {"kind": name}}

    funders = page.directory.members_of_kind("funder")
    programmes = [Option(str(entry.programme_id), entry.name)
                  for entry in list(page.directory.programmes.values())]
    college_names = sorted(getattr(colleges, "weights", {}) or [str(c) for c in College])
    seated = getattr(colleges, "members", {})
    members = page.directory.members_of_kind(*(kind for kind, _ in MEMBER_KINDS))
    return [
        Form("submit_proposal", "Proposer une clé de répartition", [
            Field("title", "Titre"),
            Field("payload.key", "Clé proposée", kind="choice",
                  options=[Option(value, label) for value, label in ALLOCATION_KEYS]),
            Field("payload.minimum_share_bp", "Minimum par structure (%)", kind="percent",
                  value="0"),
            *vote_terms()], fixed=kind("set_allocation_key"), submit="Soumettre au vote"),
        Form("submit_proposal", "Proposer les conditions des paniers", [
            Field("title", "Titre"),
            Field("payload.programme_id", "Programme", kind="uuid", options=programmes,
                  value=programmes[0].value if len(programmes) == 1 else ""),
            Field("payload.basket_price_cents", "Prix du panier (€)", kind="euros",
                  help="Par exemple 12,50"),
            Field("payload.household_share_cap_bp", "Part des foyers au plus (%)",
                  kind="percent", value="30", help="30 % au plus"),
            *(Field("share_bp", f"Part de {name} (%)", kind="percent", required=False,
                    list_name="payload.funders", item={"funder_id": str(funder_id)})
              for funder_id, name in funders),
            *vote_terms()], fixed=kind("set_basket_terms"), submit="Soumettre au vote",
            intro="Les parts des financeurs se partagent ce que les foyers ne paient pas "
                  "et font 100 % ensemble."),
        Form("submit_proposal", "Proposer l’admission d’un membre", [
            Field("title", "Titre"),
            Field("payload.member_id", "Membre", kind="uuid", options=[
                Option(str(member_id), name) for member_id, name in members
                if member_id not in seated]),
            Field("payload.college", "Collège", kind="choice",
                  options=[Option(name, word(name)) for name in college_names]),
            *vote_terms()], fixed=kind("admit_member"), submit="Soumettre au vote"),
    ]


def _proposal_block(page: Page, proposal: Any, now: datetime) -> Markup:
    kind = str(type(proposal.payload).__struct_config__.tag or "")
    status = str(proposal.status)
    closes_at = proposal.closes_at if proposal.closes_at.tzinfo else proposal.closes_at.replace(
        tzinfo=UTC)
    heading = tag("h3", proposal.title)
    facts = [f"{word(kind)} · proposée par {page.name(proposal.proposer_id)}",
             f"vote du {french.moment(proposal.opens_at)} au {french.moment(proposal.closes_at)}",
             f"quorum {french.percent(proposal.quorum_bp)}, seuil "
             f"{french.percent(proposal.threshold_bp)}"]
    state = {"open": "ouverte", "adopted": "adoptée", "rejected": "rejetée"}.get(status, status)
    lines: list[Any] = [heading, tag("p", " · ".join(facts)),
                        tag("p", join(["État : ", tag("strong", state,
                                                      class_=f"etat-{status}")]))]
    terms = _terms(page, proposal.payload)
    if terms:
        lines.append(tag("p", f"Termes : {terms}"))
    tally = proposal.outcome if proposal.outcome is not None else proposal.count()
    turnout = {item.college: item for item in participation(tally)}
    lines.append(table(
        ("Décompte par collège" if status != "open" else "Décompte provisoire par collège")
        + f" — {proposal.title}",
        [Column("Collège"), Column("Poids", number=True), Column("Membres", number=True),
         Column("Pour", number=True), Column("Contre", number=True),
         Column("Abstention", number=True), Column("Votants", number=True)],
        [[word(str(college.college)), french.percent(college.weight_bp), college.members,
          college.yes, college.no, college.abstain,
          f"{turnout[college.college].voters}/{college.members}"]
         for college in tally.colleges],
        table_id=f"decompte-{proposal.id}"))
    if status != "open":
        lines.append(tag("p", f"Participation {french.percent(tally.participation_bp)}, "
                              f"pour {french.percent(tally.yes_share_bp)} : {state}."))
    if kind in SIMULATED_KINDS and page.may("simulation_fragment"):
        # What the rule would have given over past weeks, beside what happened: open while
        # the vote is, folded away after (infra.api.whatif_html).
        lines.append(proposal_section(page.services.ledger, proposal.id,
                                      open_vote=status == "open"))
    my_vote = proposal.ballots.get(page.caller.member_id)
    if status == "open" and now < closes_at and page.caller.member_id in proposal.roll:
        if my_vote is not None:
            lines.append(tag("p", f"Votre vote : {word(str(my_vote))} (modifiable jusqu’à la "
                                  "clôture)", class_="mon-vote"))
        lines.append(page.forms(Form("cast_vote", f"Voter — {proposal.title}", [
            Field("choice", "Mon vote", kind="choice",
                  options=[Option("yes", "Pour"), Option("no", "Contre"),
                           Option("abstain", "Abstention")],
                  value=str(my_vote) if my_vote is not None else ""),
        ], fixed={"proposal_id": str(proposal.id)},
            submit="Changer mon vote" if my_vote is not None else "Voter")))
    if status == "open" and now >= closes_at:
        lines.append(page.forms(Form("close_proposal", f"Clore le vote — {proposal.title}",
                                     fixed={"proposal_id": str(proposal.id)}, compact=True,
                                     submit="Clore et dépouiller")))
    return tag("article", join(lines), class_="proposition", data_statut=status)


def _terms(page: Page, payload: Any) -> str:
    kind = str(type(payload).__struct_config__.tag or "")
    if kind == "set_allocation_key":
        return (f"{word(str(payload.key))}, minimum "
                f"{french.percent(payload.minimum_share_bp)} par structure")
    if kind == "set_price_grid":
        prices = ", ".join(f"{price.product} {french.euros(price.price_cents_per_kg)}/kg"
                           for price in payload.prices)
        return (f"{prices} ; part des structures {french.percent(payload.outlet_share_bp)} ; "
                + ", ".join(f"{page.name(funder.funder_id)} {french.percent(funder.share_bp)}"
                            for funder in payload.funders))
    if kind == "set_basket_terms":
        return (f"panier {french.euros(payload.basket_price_cents)}, part des foyers au plus "
                f"{french.percent(payload.household_share_cap_bp)}")
    if kind == "commit_budget":
        return f"{page.name(payload.funder_id)} engage {french.euros(payload.amount_cents)}"
    if kind == "admit_member":
        return f"admission de {page.name(payload.member_id)} ({word(str(payload.college))})"
    return ""


def _rules_table(page: Page) -> Markup:
    enactments = page.streams.rules_in_force(page.today)
    return table("Règles en vigueur aujourd’hui",
                 [Column("Règle"), Column("Termes"), Column("Depuis"), Column("Décidée par")],
                 [[word(str(enactment.kind)), _terms(page, enactment.rule),
                   french.day(enactment.effective_from), enactment.title]
                  for enactment in enactments], table_id="table-regles",
                 empty="Aucune règle votée : les règles par défaut s’appliquent.")
