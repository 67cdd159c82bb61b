"""The outlet's page « Ma structure »: needs, receipts, distributions and losses, baskets."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from infra.api.pages import french
from infra.api.pages.baskets import baskets_section
from infra.api.pages.downloads import downloads
from infra.api.pages.html import Column, Field, Form, Option, join, section, table, tag
from infra.api.pages.page import CHANNELS, OPTIONS_MAX, ROWS_MAX, Page
from infra.api.pages.preferences import outlet_preferences_section


def outlet_page(page: Page) -> Markup:
    """Needs, receipts, distributions and losses, baskets of an outlet."""
    me = page.caller.member_id
    open_rounds = [entry for entry in list(page.directory.rounds.values())
                   if entry.status == "open"]
    need = Form("declare_need", "Déclarer un besoin", [
        Field("round_id", "Répartition", kind="uuid", options=[
            Option(str(entry.round_id), f"{page.name(entry.site_id)} — "
                                        f"{french.iso_week_fr(entry.week)}")
            for entry in sorted(open_rounds, key=lambda entry: entry.position)],
            value=str(open_rounds[0].round_id) if len(open_rounds) == 1 else ""),
        Field("product", "Produit"),
        Field("quantity_g", "Quantité souhaitée (kg)", kind="kg"),
    ], submit="Déclarer")
    stops = [entry for entry in list(page.directory.deliveries.values())
             if entry.status == "dispatched" and me in entry.outlet_ids
             and me not in entry.received_outlets]
    receipts: list[Any] = []
    for entry in sorted(stops, key=lambda entry: entry.position):
        delivery: Any = page.services.ledger.repository.get(entry.delivery_id)
        stop = delivery.stop_for(me)
        lots = page.view("trace").lots([str(line.lot_id) for line in stop.lines])
        receipts.append(Form("receive_delivery", f"Livraison du "
                                                 f"{french.day(entry.planned_for)} depuis "
                                                 f"{page.name(entry.site_id)}", [
            *(Field("received_g", f"{lots[str(line.lot_id)].product} "
                                  f"{lots[str(line.lot_id)].code} — expédié "
                                  f"{french.kg(line.quantity_g)} ; reçu (kg)",
                    kind="kg", value=french.kg_number(line.quantity_g), list_name="lines",
                    item={"lot_id": str(line.lot_id)})
              for line in stop.lines if str(line.lot_id) in lots),
            Field("signer", "Signé par (nom)"),
        ], fixed={"delivery_id": str(entry.delivery_id)}, submit="Signer la réception"))
    stock = page.view("stock")
    holdings = stock.outlet_holdings(outlet_id=str(me))
    holding_options = [Option(holding.lot_id, f"{holding.code} — {holding.product}, "
                                              f"{french.kg(holding.held_g)}",
                              {"kg": french.kg_number(holding.held_g)})
                       for holding in holdings if not holding.recalled][:OPTIONS_MAX]
    distribute = Form("record_distribution", "Enregistrer une distribution", [
        Field("lot_id", "Lot", kind="uuid", options=holding_options, fills="quantity_g"),
        Field("quantity_g", "Quantité distribuée (kg)", kind="kg"),
        Field("channel", "Canal", kind="choice",
              options=[Option(value, label) for value, label in CHANNELS], value="food_aid"),
    ], submit="Enregistrer la distribution")
    loss = Form("record_loss", "Déclarer une perte", [
        Field("lot_id", "Lot", kind="uuid", options=holding_options),
        Field("quantity_g", "Quantité perdue (kg)", kind="kg"),
        Field("reason", "Motif", value="Produits abîmés"),
    ], submit="Déclarer la perte")
    holdings_table = table(
        "Ce que je détiens", [Column("Lot"), Column("Produit"), Column("Détenu (kg)",
                                                                       number=True),
                              Column("État")],
        [[holding.code, holding.product, french.kg_number(holding.held_g),
          "rappelé : ne pas distribuer" if holding.recalled else "à distribuer"]
         for holding in holdings][:ROWS_MAX], table_id="table-detenu",
        sort_keys=[[holding.code, holding.product, holding.held_g, ""]
                   for holding in holdings][:ROWS_MAX])
    return join([
        section("besoins", "Besoins de la semaine", page.forms(need)),
        outlet_preferences_section(page),
        section("receptions", "Livraisons à signer",
                page.forms(*receipts) if receipts else tag("p", "Aucune livraison en route "
                                                                "vers vous.")),
        section("distributions", "Distributions et pertes", holdings_table,
                page.forms(distribute, loss)),
        baskets_section(page),
        downloads(page),
    ])
