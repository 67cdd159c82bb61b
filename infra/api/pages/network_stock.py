"""The network's stock on the auditor's page « Contrôle »: totals per site and product in
every state, what is on the road, the held and recalled lots, and the chart — now or at the
end of a past day."""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from infra.api.pages import french
from infra.api.pages.chart import chart_html, stock_history
from infra.api.pages.holds import held_table
from infra.api.pages.html import Column, section, table
from infra.api.pages.page import ROWS_MAX, Page
from infra.api.pages.stock_states import (
    as_of_caption,
    as_of_form,
    stock_figures,
    transit_table,
)
from projections.stock_lines import totals_of

STATE_COLUMNS = (("En stock (kg)", "on_hand_g"), ("Réservé (kg)", "reserved_g"),
                 ("Disponible (kg)", "available_g"), ("En route (kg)", "in_transit_g"),
                 ("Bloqué (kg)", "on_hold_g"), ("Rappelé (kg)", "recalled_g"),
                 ("Périmé (kg)", "expired_g"), ("À consommer vite (kg)", "expiring_soon_g"))


def totals_table(totals: Sequence[Any], *, caption: str, table_id: str) -> Markup:
    """Per site and product: lots, and the grams in each state."""
    shown = list(totals)[:ROWS_MAX]
    return table(caption, [Column("Site"), Column("Produit"), Column("Lots", number=True),
                           *(Column(heading, number=True) for heading, _ in STATE_COLUMNS)],
                 [[total.site_name, total.product, french.count(total.lots),
                   *(french.kg_number(getattr(total, name)) for _, name in STATE_COLUMNS)]
                  for total in shown], table_id=table_id,
                 sort_keys=[[total.site_name, total.product, total.lots,
                             *(getattr(total, name) for _, name in STATE_COLUMNS)]
                            for total in shown])


def network_stock_section(page: Page, slug: str) -> Markup:
    """Every site's stock, in every state, now or at the end of the day the page shows (kept
    until the store moves)."""
    return page.kept(("stock-reseau", slug, page.as_of_day), lambda: _section(page, slug))


def _section(page: Page, slug: str) -> Markup:
    stock = page.view("stock")
    lines = stock.lines(as_of=page.as_of)
    transit = stock.in_transit(as_of=page.as_of)
    history = stock_history(stock, page.services.views.position("stock"), None, page.today)
    return section(
        "stock", "Stock du réseau",
        stock_figures(lines, transit, prefix="reseau"), as_of_form(page, slug),
        totals_table(totals_of(lines),
                     caption=as_of_caption(page, "Stock par site et produit"),
                     table_id="table-stock-reseau"),
        transit_table(page, transit, caption=as_of_caption(page, "En route"),
                      table_id="table-en-route-reseau"),
        held_table(page, lines, table_id="table-bloques-reseau"),
        chart_html(history, title="Stock du réseau", table_id="table-historique"),
        intro="Chaque gramme est dans un seul état : rappelé, sinon bloqué, sinon périmé, "
              "sinon à consommer vite, sinon frais ; ni un lot rappelé ni un lot bloqué n’est "
              "compté disponible.")
