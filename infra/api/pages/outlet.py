"""The outlet's page « Ma structure »: needs, what is on the road to it and the receipts to
sign, what it holds in every state (held, recalled, past its date), distributions and losses,
baskets, workshops."""



from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from infra.api.pages import french
from infra.api.pages.baskets import baskets_section
from infra.api.pages.downloads import downloads
from infra.api.pages.html import Column, Field, Form, Option, join, section, table, tag
from infra.api.pages.page import CHANNELS, OPTIONS_MAX, ROWS_MAX, Page
from infra.api.pages.preferences import outlet_preferences_section
from infra.api.pages.stock_states import dated, transit_table
from infra.api.pages.workshops import workshops_section


def outlet_page(page: Page) -> Markup:
    """Needs, receipts, distributions and losses, baskets and workshops of an outlet."""
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
    stock = page.view("stock")
    transit = [item for item in stock.in_transit() if item.outlet_id == str(me)]
    receipts = _receipt_forms(page)
    return join([
        section("besoins", "Besoins de la semaine", page.forms(need)),
        outlet_preferences_section(page),
        section("receptions", "Livraisons à signer",
                transit_table(page, transit, caption="En route vers ma structure",
                              table_id="table-vers-moi", to_whom=False),
                page.forms(*receipts) if receipts else tag("p", "Aucune livraison en route "
                                                                "vers vous.")),
        _holdings_section(page, stock.outlet_holdings(outlet_id=str(me))),
        baskets_section(page),
        workshops_section(page),
        downloads(page),
    ])


def _receipt_forms(page: Page) -> list[Form]:
    """One form per dispatched delivery with a stop here, not yet signed for."""
    me = page.caller.member_id
    stops = [entry for entry in list(page.directory.deliveries.values())
             if entry.status == "dispatched" and me in entry.outlet_ids
             and me not in entry.received_outlets]
    receipts: list[Form] = []
    for entry in sorted(stops, key=lambda entry: entry.position):
        delivery: Any = page.streams.get(entry.delivery_id)
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
        ], fixed={"delivery_id": str(entry.delivery_id)}, submit="Signer la réception",
            dated=True))
    return receipts


def holding_state(holding: Any) -> tuple[str, str]:
    """What may be done with a lot the outlet holds: (words, row class)."""
    if holding.recalled:
        return "Rappelé : ne pas distribuer", "etat-rappele"
    if holding.on_hold:
        return "Bloqué : ne pas distribuer", "etat-bloque"
    if holding.blocked_by_date:
        return "Périmé : date dépassée, ne pas distribuer", "etat-perime"
    if holding.expiry == "expired":
        return "Date dépassée : à vérifier", "etat-perime"
    if holding.expiry == "expiring_soon":
        return "À consommer vite", "etat-expirant"
    return "À distribuer", ""


def _holdings_section(page: Page, holdings: Sequence[Any]) -> Markup:
    """What the outlet holds, with its state, and the distribution and loss forms."""
    usable = [Option(holding.lot_id, f"{holding.code} — {holding.product}, "
                                     f"{french.kg(holding.held_g)}",
                     {"kg": french.kg_number(holding.held_g)})
              for holding in holdings if not (holding.recalled or holding.on_hold
                                              or holding.blocked_by_date)][:OPTIONS_MAX]
    every = [Option(holding.lot_id, f"{holding.code} — {holding.product}, "
                                    f"{french.kg(holding.held_g)}")
             for holding in holdings][:OPTIONS_MAX]
    distribute = Form("record_distribution", "Enregistrer une distribution", [
        Field("lot_id", "Lot", kind="uuid", options=usable, fills="quantity_g"),
        Field("quantity_g", "Quantité distribuée (kg)", kind="kg"),
        Field("channel", "Canal", kind="choice",
              options=[Option(value, label) for value, label in CHANNELS], value="food_aid"),
    ], submit="Enregistrer la distribution", dated=True)
    loss = Form("record_loss", "Déclarer une perte", [
        Field("lot_id", "Lot", kind="uuid", options=every),
        Field("quantity_g", "Quantité perdue (kg)", kind="kg"),
        Field("reason", "Motif", value="Produits abîmés"),
    ], submit="Déclarer la perte", dated=True)
    shown = list(holdings)[:ROWS_MAX]
    states = [holding_state(holding) for holding in shown]
    holdings_table = table(
        "Ce que je détiens", [Column("Lot"), Column("Produit"), Column("État"),
                              Column("Date"), Column("Détenu (kg)", number=True)],
        [[holding.code, holding.product, tag("span", words, class_="badge " + (
            css.removeprefix("etat-") if css else "disponible")),
          dated(holding.best_before, holding.date_kind), french.kg_number(holding.held_g)]
         for holding, (words, css) in zip(shown, states, strict=True)],
        table_id="table-detenu", row_classes=[css for _, css in states],
        sort_keys=[[holding.code, holding.product, css or "z", holding.best_before,
                    holding.held_g] for holding, (_, css) in zip(shown, states, strict=True)])
    return section("distributions", "Distributions et pertes", holdings_table,
                   page.forms(distribute, loss),
                   intro="Un lot rappelé, bloqué ou dont la DLC est passée ne se distribue "
                         "pas ; il peut être déclaré perdu.")
