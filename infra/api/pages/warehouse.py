"""The platform's page « Entrepôt »: offers, receptions (temperature, dates, bulk donations
and their sorting), the stock of its sites in every state (now or at the end of a past day),
holds, the forms that move stock, donations and quality labels, rounds, deliveries with their
pick lists, labels and downloads."""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from markupsafe import Markup

from infra.api.download_names import download_name
from infra.api.pages import french
from infra.api.pages.chart import chart_html, stock_history
from infra.api.pages.donations import donations_section
from infra.api.pages.downloads import downloads
from infra.api.pages.holds import holds_section
from infra.api.pages.html import (
    Column,
    Field,
    Form,
    Option,
    contents,
    join,
    section,
    table,
    tag,
)
from infra.api.pages.page import Page, lot_label, lot_rows
from infra.api.pages.reception import reception_section
from infra.api.pages.rounds import deliveries_section, rounds_section
from infra.api.pages.stock_forms import gestures_section
from infra.api.pages.stock_states import (
    as_of_caption,
    as_of_form,
    lines_table,
    stock_figures,
    transit_table,
)


def platform_page(page: Page) -> Markup:
    """Offers, receptions, stock and its states, holds, rounds and deliveries of a platform
    (kept until the store moves: nothing on it depends on the time of day)."""
    return page.kept(("plateforme", page.caller, page.as_of_day), lambda: _platform(page))


def _platform(page: Page) -> Markup:
    my_sites = page.directory.sites_of(page.caller.member_id)
    site_ids = [str(site_id) for site_id, _ in my_sites]
    site_options = [Option(str(site_id), name) for site_id, name in my_sites]
    live = site_lines(page, site_ids, live=True)
    shown = live if page.as_of is None else site_lines(page, site_ids, live=False)
    in_stock = lot_rows(page.view("stock"), f"site_id IN ({', '.join('?' for _ in site_ids)}) "
                        "AND on_hand_g > 0 AND status = 'received'", site_ids) if site_ids else []
    return join([
        contents([("offres", "Offres"), ("reception", "Réception"), ("stock", "Stock"),
                  ("blocages", "Blocages"), ("gestes", "Diviser, réserver"),
                  ("dons", "Dons et signes"), ("repartition", "Répartition"),
                  ("livraisons", "Livraisons"), ("telechargements", "Télécharger")]),
        offers_section(page, site_options),
        reception_section(page, site_options, [line for line in live
                                               if line.bulk and line.on_hand_g > 0]),
        stock_section(page, my_sites, shown),
        holds_section(page, live, table_id="table-blocages"),
        gestures_section(page, live),
        donations_section(page, in_stock),
        rounds_section(page, my_sites),
        deliveries_section(page),
        downloads(page),
    ])


def site_lines(page: Page, site_ids: Sequence[str], *, live: bool) -> list[Any]:
    """The stock lines of the sites, now or at the end of the day the page shows."""
    stock = page.view("stock")
    as_of = None if live else page.as_of
    return [line for site_id in site_ids
            for line in stock.lines(site_id=site_id, as_of=as_of)]


def site_transit(page: Page, site_ids: Sequence[str]) -> list[Any]:
    """What left the sites and is on the road (at the moment the page shows)."""
    stock = page.view("stock")
    return [item for site_id in site_ids
            for item in stock.in_transit(site_id=site_id, as_of=page.as_of)]


def offers_section(page: Page, site_options: list[Option]) -> Markup:
    """Producers' pending offers: accept all or part, or decline."""
    offers = lot_rows(page.view("stock"), "status = 'offered'", [])
    offered = page.view("trace").lots([row[0] for row in offers]) if offers else {}
    pending = [row for row in offers if row[0] in offered]
    options = [Option(row[0], f"{lot_label(row, offered[row[0]].quantity_g)} "
                              f"({page.name(row[11])})",
                      {"kg": french.kg_number(offered[row[0]].quantity_g)}) for row in pending]
    accept = Form("accept_offer", "Accepter une offre", [
        Field("lot_id", "Offre", kind="uuid", options=options, fills="accepted_g"),
        Field("site_id", "Site de réception", kind="uuid", options=site_options,
              value=site_options[0].value if len(site_options) == 1 else ""),
        Field("accepted_g", "Quantité acceptée (kg)", kind="kg",
              help="Toute l’offre ou une partie"),
    ], submit="Accepter")
    decline = Form("decline_offer", "Refuser une offre", [
        Field("lot_id", "Offre", kind="uuid", options=options),
        Field("reason", "Motif"),
    ], submit="Refuser")
    pending_table = table(
        "Offres en attente",
        [Column("Lot"), Column("Produit"), Column("Producteur"),
         Column("Proposé (kg)", number=True)],
        [[row[1], f"{row[2]} {row[3]}".strip(), page.name(row[11]),
          french.kg_number(offered[row[0]].quantity_g)] for row in pending],
        table_id="table-offres")
    return section("offres", "Offres des producteurs", pending_table,
                   page.forms(accept, decline))


def stock_section(page: Page, my_sites: list[tuple[UUID, str]], lines: Sequence[Any],
                  ) -> Markup:
    """Figures, every lot with its state (and its label), what is on the road, the chart."""
    site_ids = [str(site_id) for site_id, _ in my_sites]
    transit = site_transit(page, site_ids)
    history = stock_history(page.view("stock"), page.services.views.position("stock"),
                            site_ids, page.today)
    sheets: Any = ""
    if page.may("site_labels_pdf") and page.as_of is None:
        sheets = tag("ul", join(
            tag("li", tag("a", f"Étiquettes de tout le stock du site « {name} » (PDF)",
                          href=f"/api/sites/{site_id}/labels.pdf", class_="bouton",
                          download=download_name(f"étiquettes-{name}", "pdf")))
            for site_id, name in my_sites), class_="telechargements")
    return section(
        "stock", "Stock de mes sites",
        stock_figures(lines, transit, prefix="stock"), as_of_form(page, "plateforme"),
        lines_table(page, lines, caption=as_of_caption(page, "Lots en stock sur mes sites"),
                    table_id="table-stock-plateforme", labels=page.as_of is None),
        sheets,
        transit_table(page, transit, caption=as_of_caption(page, "En route depuis mes sites"),
                      table_id="table-en-route"),
        chart_html(history, title="Stock de mes sites", table_id="table-historique"),
        intro="Un lot bloqué, rappelé, en vrac à trier ou interdit par sa date n’est jamais "
              "compté disponible.")
