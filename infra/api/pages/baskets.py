"""The « Paniers solidaires » section of an outlet's page: enrol a household, make up its
basket of the week from the lots held here, hand it out or cancel it, erase a household."""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from markupsafe import Markup

from infra.api.pages import french
from infra.api.pages.html import Column, Field, Form, Option, section, table
from infra.api.pages.page import OPTIONS_MAX, ROWS_MAX, Page, week_of

BASKET_LINES_SHOWN = 3  # Lots offered per basket form: a weekly basket mixes two or three.
ERASE_CONFIRMATION = ("Je confirme l’effacement : le nom et le contact de ce foyer deviennent "
                      "illisibles pour toujours ; son historique reste, sous sa référence.")


def baskets_section(page: Page) -> Markup:
    """Enrol households; prepare, hand out and cancel the baskets of this collection point;
    erase a household this outlet referred."""
    if not any(page.may(command) for command in ("enrol_household", "prepare_basket",
                                                  "collect_basket", "erase_household")):
        return Markup("")
    me = page.caller.member_id
    programmes = [Option(str(entry.programme_id), entry.name)
                  for entry in list(page.directory.programmes.values())]
    enrol = Form("enrol_household", "Inscrire un foyer", [
        Field("programme_id", "Programme", kind="uuid", options=programmes,
              value=programmes[0].value if len(programmes) == 1 else ""),
        Field("reference", "Référence (pseudonyme)", help="Lettres, chiffres, tirets : "
              "jamais un nom"),
        Field("name", "Nom (scellé, jamais dans le journal)"),
        Field("contact", "Contact (scellé)", required=False),
        Field("share_bp", "Part payée par le foyer (%)", kind="percent", required=False,
              help="Vide : le plafond en vigueur (30 % au plus)"),
    ], submit="Inscrire")
    waiting = sorted((basket for basket in list(page.directory.baskets.values())
                      if basket.collection_point_id == me and basket.status == "prepared"),
                     key=lambda basket: (basket.week, page.name(basket.household_id)))
    rows = [[page.name(basket.household_id), french.iso_week_fr(basket.week),
             french.euros(basket.household_cents),
             page.forms(Form("collect_basket", f"Panier récupéré — "
                                               f"{page.name(basket.household_id)}",
                             fixed={"basket_id": str(basket.basket_id)}, compact=True,
                             submit="Récupéré"))]
            for basket in waiting[:ROWS_MAX]]
    cancel = Form("cancel_basket", "Annuler un panier non récupéré", [
        Field("basket_id", "Panier", kind="uuid", options=[
            Option(str(basket.basket_id), f"{page.name(basket.household_id)} — "
                                          f"{french.iso_week_fr(basket.week)}")
            for basket in waiting[:OPTIONS_MAX]]),
        Field("reason", "Motif", value="Panier non récupéré"),
    ], submit="Annuler ce panier",
        confirm="Je confirme l’annulation : les parts réservées du foyer et des financeurs "
                "sont rendues.") if waiting else None
    referred = sorted((entry for entry in list(page.directory.households.values())
                       if entry.referrer_id == me and not entry.erased),
                      key=lambda entry: entry.reference)
    erase = Form("erase_household", "Effacer les données d’un foyer", [
        Field("household_id", "Foyer", kind="uuid", options=[
            Option(str(entry.household_id), f"Foyer {entry.reference}")
            for entry in referred[:OPTIONS_MAX]]),
        Field("reason", "Motif", value="Demande du foyer (RGPD, article 17)"),
    ], submit="Effacer", confirm=ERASE_CONFIRMATION) if referred else None
    return section(
        "paniers", "Paniers solidaires", page.forms(enrol, prepare_form(page)),
        table("Paniers préparés à remettre", [Column("Foyer"), Column("Semaine"),
                                              Column("Part du foyer"), Column("Action")],
              rows, table_id="table-paniers", empty="Aucun panier en attente ici."),
        page.forms(cancel, erase))


def prepare_form(page: Page) -> Form | None:
    """Make up a household's basket of a week from the lots this collection point holds."""
    me = page.caller.member_id
    served = {entry.programme_id for entry in list(page.directory.programmes.values())
              if me in entry.collection_point_ids}
    if not served:
        return None
    households = sorted((entry for entry in list(page.directory.households.values())
                         if entry.programme_id in served and not entry.erased),
                        key=lambda entry: entry.reference)
    holdings = [holding for holding in page.view("stock").outlet_holdings(outlet_id=str(me))
                if not holding.recalled][:OPTIONS_MAX]
    lots = [Option(holding.lot_id, f"{holding.code} — {holding.product}, "
                                   f"{french.kg(holding.held_g)}") for holding in holdings]
    lines: list[Field] = []
    for index in range(BASKET_LINES_SHOWN):
        first = index == 0
        lines += [Field("lot_id", f"Lot {index + 1}", kind="uuid", options=lots,
                        required=first, list_name="lines", item={}),
                  Field("quantity_g", f"Quantité du lot {index + 1} (kg)", kind="kg",
                        required=first, list_name="lines", item={})]
    return Form("prepare_basket", "Préparer le panier d’un foyer", [
        Field("household_id", "Foyer", kind="uuid", options=[
            Option(str(entry.household_id), f"Foyer {entry.reference}")
            for entry in households[:OPTIONS_MAX]]),
        Field("week", "Semaine (AAAA-Snn)", kind="week", value=week_of(page.today),
              help="Par exemple 2026-S07 ou 2026-W07"),
        *lines,
    ], submit="Préparer le panier",
        intro="Les lots viennent de ce que vous détenez ; le prix et les parts suivent les "
              "conditions en vigueur.")
