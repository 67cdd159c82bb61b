"""The platform's page « Entrepôt »: offers, receptions, the stock of its sites and the
forms that move it (split, merge, transform, reserve, release, loss)."""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from markupsafe import Markup

from infra.api.pages import french
from infra.api.pages.chart import chart_html, stock_history
from infra.api.pages.downloads import downloads
from infra.api.pages.html import Column, Field, Form, Option, join, section, table
from infra.api.pages.page import OPTIONS_MAX, Page, lot_label, lot_rows
from infra.api.pages.rounds import deliveries_section, rounds_section


def platform_page(page: Page) -> Markup:
    """Offers, receptions, stock and its history, rounds and deliveries of a platform."""
    me = page.caller.member_id
    stock, trace = page.view("stock"), page.view("trace")
    my_sites = page.directory.sites_of(me)
    site_options = [Option(str(site_id), name) for site_id, name in my_sites]
    offers = lot_rows(stock, "status = 'offered'", [])
    offered = trace.lots([row[0] for row in offers]) if offers else {}
    offer_options = [Option(row[0], f"{lot_label(row, offered[row[0]].quantity_g)} "
                                    f"({page.name(row[11])})",
                            {"kg": french.kg_number(offered[row[0]].quantity_g)})
                     for row in offers if row[0] in offered]
    accept = Form("accept_offer", "Accepter une offre", [
        Field("lot_id", "Offre", kind="uuid", options=offer_options, fills="accepted_g"),
        Field("site_id", "Site de réception", kind="uuid", options=site_options,
              value=site_options[0].value if len(site_options) == 1 else ""),
        Field("accepted_g", "Quantité acceptée (kg)", kind="kg",
              help="Toute l’offre ou une partie"),
    ], submit="Accepter")
    decline = Form("decline_offer", "Refuser une offre", [
        Field("lot_id", "Offre", kind="uuid", options=offer_options),
        Field("reason", "Motif"),
    ], submit="Refuser")
    awaited = lot_rows(stock, "status = 'accepted' AND platform_id = ?", [str(me)])
    awaited_lots = trace.lots([row[0] for row in awaited]) if awaited else {}
    receive = Form("receive_lot", "Recevoir et peser un lot", [
        Field("lot_id", "Lot attendu", kind="uuid",
              options=[Option(row[0], f"{row[1]} — {row[2]} ({page.name(row[11])})",
                              {"site": row[5] or ""}) for row in awaited]),
        Field("site_id", "Site", kind="uuid", options=site_options,
              value=site_options[0].value if len(site_options) == 1 else ""),
        Field("measured_g", "Poids mesuré (kg)", kind="kg",
              help="L’écart avec la quantité acceptée est enregistré"),
    ], submit="Enregistrer la réception")
    site_ids = [str(site_id) for site_id, _ in my_sites]
    in_stock = lot_rows(stock, f"site_id IN ({', '.join('?' for _ in site_ids)}) AND "
                        "on_hand_g > 0", site_ids) if site_ids else []
    stock_options = [Option(row[0], lot_label(row, int(row[7]) - int(row[8])),
                            {"kg": french.kg_number(int(row[7]) - int(row[8]))})
                     for row in in_stock if not row[10]][:OPTIONS_MAX]
    outlets = [Option(str(member_id), name)
               for member_id, name in page.directory.members_of_kind("outlet")]
    stock_forms = page.forms(
        Form("split_lot", "Diviser un lot", [
            Field("lot_id", "Lot", kind="uuid", options=stock_options),
            Field("parts_g", "Parts (kg, séparées par ;)", kind="kg_list",
                  help="Par exemple 10 ; 12,5 — elles doivent faire tout le disponible"),
        ], submit="Diviser"),
        Form("reserve_lot", "Réserver pour une structure", [
            Field("lot_id", "Lot", kind="uuid", options=stock_options),
            Field("outlet_id", "Structure", kind="uuid", options=outlets),
            Field("quantity_g", "Quantité (kg)", kind="kg"),
        ], submit="Réserver"),
        Form("release_reservation", "Libérer une réservation", [
            Field("lot_id", "Lot", kind="uuid", options=stock_options),
            Field("outlet_id", "Structure", kind="uuid", options=outlets),
            Field("quantity_g", "Quantité (kg)", kind="kg"),
            Field("reason", "Motif"),
        ], submit="Libérer"),
        Form("merge_lots", "Regrouper deux lots", [
            Field("lot_id", "Premier lot", kind="uuid", options=stock_options,
                  list_name="parents", item={}),
            Field("quantity_g", "Quantité du premier (kg)", kind="kg", list_name="parents",
                  item={}),
            Field("lot_id", "Second lot", kind="uuid", options=stock_options,
                  list_name="parents", item={}),
            Field("quantity_g", "Quantité du second (kg)", kind="kg", list_name="parents",
                  item={}),
        ], submit="Regrouper"),
        Form("transform_lots", "Transformer un lot", [
            Field("lot_id", "Lot utilisé", kind="uuid", options=stock_options,
                  list_name="inputs", item={}),
            Field("quantity_g", "Quantité utilisée (kg)", kind="kg", list_name="inputs",
                  item={}),
            Field("product", "Produit obtenu", list_name="outputs", item={}),
            Field("quantity_g", "Quantité obtenue (kg)", kind="kg", list_name="outputs",
                  item={}),
            Field("loss_g", "Perte (kg)", kind="kg", help="Utilisé = obtenu + perte"),
        ], submit="Transformer"),
        Form("record_loss", "Déclarer une perte", [
            Field("lot_id", "Lot", kind="uuid", options=stock_options),
            Field("quantity_g", "Quantité perdue (kg)", kind="kg"),
            Field("reason", "Motif"),
        ], submit="Déclarer la perte"),
    )
    stock_table = table(
        "Lots en stock sur mes sites",
        [Column("Lot"), Column("Produit"), Column("Site"), Column("À consommer avant"),
         Column("En main (kg)", number=True), Column("Réservé (kg)", number=True),
         Column("Disponible (kg)", number=True)],
        [[row[1], f"{row[2]} {row[3]}".strip(), page.name(row[5]), french.day(row[6]),
          french.kg_number(int(row[7])), french.kg_number(int(row[8])),
          french.kg_number(int(row[7]) - int(row[8]))] for row in in_stock],
        table_id="table-stock-plateforme",
        sort_keys=[[row[1], row[2], "", row[6], int(row[7]), int(row[8]),
                    int(row[7]) - int(row[8])] for row in in_stock])
    history = stock_history(stock, page.services.views.position("stock"), site_ids,
                            page.today)
    pending_table = table(
        "Offres en attente",
        [Column("Lot"), Column("Produit"), Column("Producteur"), Column("Proposé (kg)",
                                                                        number=True)],
        [[row[1], f"{row[2]} {row[3]}".strip(), page.name(row[11]),
          french.kg_number(offered[row[0]].quantity_g)] for row in offers if row[0] in offered],
        table_id="table-offres")
    awaited_table = table(
        "Lots acceptés à recevoir",
        [Column("Lot"), Column("Produit"), Column("Producteur"), Column("Site")],
        [[row[1], row[2], page.name(row[11]), page.name(row[5])] for row in awaited
         if row[0] in awaited_lots], table_id="table-a-recevoir")
    return join([
        section("offres", "Offres des producteurs", pending_table, page.forms(accept, decline)),
        section("reception", "Réception", awaited_table, page.forms(receive)),
        section("stock", "Stock de mes sites", stock_table,
                chart_html(history, title="Stock de mes sites", table_id="table-historique")),
        section("gestes", "Diviser, regrouper, transformer, réserver", stock_forms),
        rounds_section(page, my_sites),
        deliveries_section(page),
        downloads(page),
    ])
