"""Households' basket preferences on the work pages, in French.

- On a household's own page (``/espace/foyer``): what it asked for this season, and the form
  to say what its basket should hold or avoid and its size (``state_basket_preferences``,
  its own household id fixed).
- On an outlet's page (``/espace/structure``): what the households it referred asked for, as
  counts only (the counts its need declarations carry), and the form to record a referred
  household's wishes for it (households chosen by their pseudonymous reference).

The season shown is that of the open allocation round's week when there is one (the counts
its needs will carry), else today's.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from markupsafe import Markup

from domain.allocations import week_monday
from domain.preferences import BasketSize, SeasonPlan, season_of, season_plan_id
from infra import decision_words as words
from infra.api.access import Caller
from infra.api.pages import french
from infra.api.pages.directory import Directory
from infra.api.pages.html import Column, Field, Form, Option, join, section, table, tag
from infra.api.services import Services
from infra.reader import find_stream


class Page(Protocol):
    """What these sections read of a page (``infra.api.pages.roles.Page``)."""

    services: Services
    caller: Caller
    directory: Directory
    today: date

    def may(self, name: str) -> bool:
        """Whether the policy table lets the caller use this route."""
        ...

    def forms(self, *specs: Form | None) -> Markup:
        """The forms the caller may send."""
        ...

SIZE_OPTIONS = [Option(str(size), words.SIZES[size]) for size in BasketSize]
PRODUCTS_HELP = "Séparez les produits par des virgules : carotte, poireau"


def _season(page: Page) -> str:
    open_rounds = sorted((entry for entry in list(page.directory.rounds.values())
                          if entry.status == "open"), key=lambda entry: entry.position)
    if open_rounds:
        return season_of(week_monday(open_rounds[-1].week))
    return season_of(page.today)


def _plan(page: Page, outlet_id: Any, season: str) -> SeasonPlan | None:
    found = find_stream(page.services.ledger, season_plan_id(outlet_id, season))
    return found if isinstance(found, SeasonPlan) else None


def _fields(season: str) -> list[Field]:
    return [Field("basket_size", "Taille du panier", kind="choice", options=SIZE_OPTIONS,
                  value=str(BasketSize.MEDIUM)),
            Field("wanted", "À mettre dans le panier", kind="words", required=False,
                  help=PRODUCTS_HELP),
            Field("avoided", "À éviter", kind="words", required=False, help=PRODUCTS_HELP),
            Field("season", "Saison", kind="choice", options=[
                Option(season, words.season(season))], value=season)]


def household_preferences_section(page: Page) -> Markup:
    """A household's own wishes for the season, and the form to change them."""
    me = page.caller.member_id
    entry = page.directory.households.get(me)
    if entry is None or not page.may("state_basket_preferences"):
        return Markup("")
    season = _season(page)
    plan = _plan(page, entry.referrer_id, season)
    mine = plan.by_household.get(me) if plan is not None else None
    said = (tag("p", f"Pour {words.season(season)} : panier {words.SIZES[mine.basket_size]}"
                     f" ; à mettre : {', '.join(mine.wanted) or 'rien de particulier'} ; "
                     f"à éviter : {', '.join(mine.avoided) or 'rien'}.", id="mes-preferences")
            if mine is not None else
            tag("p", f"Vous n’avez rien demandé pour {words.season(season)}.",
                id="mes-preferences"))
    form = Form("state_basket_preferences", "Dire ce que mon panier doit contenir",
                _fields(season), fixed={"household_id": str(me)}, submit="Enregistrer")
    return section("mes-preferences-panier", "Mon panier cette saison", said, page.forms(form),
                   intro="Votre structure voit seulement combien de foyers demandent chaque "
                         "produit, jamais qui.")


def outlet_preferences_section(page: Page) -> Markup:
    """The counts an outlet's households gave, and the form to record one's wishes."""
    me = page.caller.member_id
    referred = sorted((entry for entry in list(page.directory.households.values())
                       if entry.referrer_id == me and not entry.erased),
                      key=lambda entry: entry.reference)
    if not referred:
        return Markup("")
    season = _season(page)
    plan = _plan(page, me, season)
    stated = list(plan.by_household.values()) if plan is not None else []
    sizes = [preferences.basket_size for preferences in stated]
    products = plan.products() if plan is not None else []
    counts = [plan.counts(product) for product in products] if plan is not None else []
    by_size = ", ".join(f"{words.SIZES[size]} {sizes.count(size)}" for size in BasketSize)
    said = "a dit ses" if len(stated) < 2 else "ont dit leurs"
    summary = tag("p", f"{words.season(season).capitalize()} : "
                       f"{french.plural(len(stated), 'foyer')} sur {len(referred)} {said} "
                       f"souhaits — paniers {by_size}.",
                  id="souhaits-foyers")
    counted = table(f"Souhaits des foyers — {words.season(season)}",
                    [Column("Produit"), Column("Le veulent", number=True),
                     Column("À éviter", number=True)],
                    [[product, item.wanting, item.avoiding]
                     for product, item in zip(products, counts, strict=True)],
                    table_id="table-souhaits", empty="Aucun souhait pour cette saison.")
    form = Form("state_basket_preferences", "Noter les souhaits d’un foyer", [
        Field("household_id", "Foyer", kind="uuid", options=[
            Option(str(entry.household_id), entry.reference) for entry in referred]),
        *_fields(season)], submit="Enregistrer")
    return section("souhaits", "Ce que vos foyers demandent", join([summary, counted]),
                   page.forms(form),
                   intro="Ces nombres accompagnent vos besoins déclarés dans la répartition ; "
                         "aucun foyer n’y est nommé.")
