"""Stock over time per product: kg on hand per day over the last weeks, as SVG and as a table.

Computed by the server from the stock view's journal (``stock_changes``: one row per event
that changed a quantity, with its business time): the on-hand change of each product per
day, summed, then accumulated from what was on hand before the first day shown. The chart
ends on the last day with a change (or today, if earlier): a demo history that stopped in
March still shows its last weeks. Days are calendar days in UTC, as the journal stores
microseconds since the epoch.

The figures are cached per (sites, view position): a page reloaded while nothing changed
costs a dictionary lookup, and a new event costs one grouped query.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from markupsafe import Markup, escape

from infra.api.pages import french
from infra.api.pages.html import Column, join, table, tag

DAYS_SHOWN = 42  # Six weeks: two allocation cycles each side of a change, readable at 390 px.
PRODUCTS_SHOWN_MAX = 5  # More lines than five cannot be told apart on a phone.
US_PER_DAY = 86_400_000_000
CACHE_ENTRIES_MAX = 256  # One entry per platform's set of sites; a network has tens.
WIDTH, HEIGHT, MARGIN_LEFT, MARGIN_BOTTOM = 340, 180, 46, 22
COLOURS = ("#24502f", "#1a4d8f", "#8b1111", "#6b4100", "#5a2d82")


@dataclass(frozen=True)
class Series:
    """Kilograms on hand of one product on each day shown."""

    product: str
    grams: list[int]


@dataclass(frozen=True)
class StockHistory:
    """The days shown and a series per product."""

    days: list[date]
    series: list[Series]


_cache: dict[tuple[tuple[str, ...], int], StockHistory] = {}
_cache_lock = threading.Lock()


def stock_history(stock_view: Any, position: int, site_ids: list[str] | None,
                  today: date | None = None) -> StockHistory:
    """The history of the sites' stock (every site when None), cached per view position."""
    key = (tuple(sorted(site_ids)) if site_ids is not None else ("*",), position)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    computed = _compute(stock_view, site_ids, today or datetime.now(tz=UTC).date())
    with _cache_lock:
        if len(_cache) >= CACHE_ENTRIES_MAX:
            _cache.clear()
        _cache[key] = computed
    return computed


def _compute(stock_view: Any, site_ids: list[str] | None, today: date) -> StockHistory:
    changes, lots = stock_view.table("stock_changes"), stock_view.table("stock_lots")
    where, params = "", []
    if site_ids is not None:
        if not site_ids:
            return StockHistory(days=[], series=[])
        where = f" AND l.site_id IN ({', '.join('?' for _ in site_ids)})"
        params = list(site_ids)
    rows = stock_view.database.query(
        f"SELECT l.product, c.occurred_at_us / {US_PER_DAY}, SUM(c.on_hand_delta_g) "
        f"FROM {changes} c JOIN {lots} l ON l.lot_id = c.lot_id "
        f"WHERE c.on_hand_delta_g <> 0{where} "
        f"GROUP BY l.product, c.occurred_at_us / {US_PER_DAY}", params)
    if not rows:
        return StockHistory(days=[], series=[])
    epoch = date(1970, 1, 1)
    last_day = min(today, epoch + timedelta(days=max(int(row[1]) for row in rows)))
    first_day = last_day - timedelta(days=DAYS_SHOWN - 1)
    by_product: dict[str, list[int]] = {}
    opening: dict[str, int] = {}
    for product, day_number, delta_g in rows:
        day = epoch + timedelta(days=int(day_number))
        if day < first_day:
            opening[product] = opening.get(product, 0) + int(delta_g)
        elif day <= last_day:
            by_product.setdefault(product, [0] * DAYS_SHOWN)[(day - first_day).days] += int(
                delta_g)
    series = []
    for product in set(by_product) | set(opening):
        running = opening.get(product, 0)
        daily = []
        for delta_g in by_product.get(product, [0] * DAYS_SHOWN):
            running += delta_g
            daily.append(running)
        series.append(Series(product, daily))
    series.sort(key=lambda item: (-max(item.grams), item.product))
    days = [first_day + timedelta(days=offset) for offset in range(DAYS_SHOWN)]
    return StockHistory(days=days, series=series[:PRODUCTS_SHOWN_MAX])


def chart_html(history: StockHistory, *, title: str, table_id: str) -> Markup:
    """The SVG chart and, beside it, the table of the same figures."""
    if not history.series:
        return tag("p", "Pas encore de mouvement de stock à montrer.")
    peak_g = max(max(series.grams) for series in history.series) or 1
    plot_width, plot_height = WIDTH - MARGIN_LEFT - 6, HEIGHT - MARGIN_BOTTOM - 8
    step = plot_width / max(1, len(history.days) - 1)
    lines, legend = [], []
    for index, series in enumerate(history.series):
        colour = COLOURS[index % len(COLOURS)]
        points = " ".join(
            f"{MARGIN_LEFT + day_index * step:.1f},"
            f"{8 + plot_height - grams * plot_height / peak_g:.1f}"
            for day_index, grams in enumerate(series.grams))
        lines.append(Markup(f'<polyline class="serie" points="{points}" stroke="{colour}" '  # noqa: S704 - values are escaped
                            f'fill="none" stroke-width="2"/>'))
        legend.append(tag("li", join([tag("span", "", class_="pastille",
                                          data_couleur=str(index)),
                                      escape(series.product)])))
    axis = Markup(  # noqa: S704 - values are escaped
        f'<line x1="{MARGIN_LEFT}" y1="{8 + plot_height}" x2="{WIDTH - 6}" '
        f'y2="{8 + plot_height}" class="axe"/>'
        f'<line x1="{MARGIN_LEFT}" y1="8" x2="{MARGIN_LEFT}" y2="{8 + plot_height}" class="axe"/>'
        f'<text x="{MARGIN_LEFT - 4}" y="14" text-anchor="end">{escape(french.kg_number(peak_g))}'
        f'</text><text x="{MARGIN_LEFT - 4}" y="{8 + plot_height}" text-anchor="end">0</text>'
        f'<text x="{MARGIN_LEFT}" y="{HEIGHT - 4}">{escape(french.day(history.days[0]))}</text>'
        f'<text x="{WIDTH - 6}" y="{HEIGHT - 4}" text-anchor="end">'
        f'{escape(french.day(history.days[-1]))}</text>')
    title_id = f"{table_id}-titre-graphe"
    summary = ", ".join(f"{series.product} {french.kg(series.grams[-1])}"
                        for series in history.series)
    svg = Markup(  # noqa: S704 - values are escaped
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{title_id}" class="courbes">'
        f'<title id="{title_id}">{escape(title)} : kg en stock par jour du '
        f'{escape(french.day(history.days[0]))} au {escape(french.day(history.days[-1]))} ; '
        f'dernier jour : {escape(summary)}</title>{axis}{join(lines)}</svg>')
    columns = [Column("Jour"), *(Column(f"{series.product} (kg)", number=True)
                                 for series in history.series)]
    rows = [[french.day(day), *(french.kg_number(series.grams[index])
                                for series in history.series)]
            for index, day in reversed(list(enumerate(history.days)))]
    keys = [[day.isoformat(), *(series.grams[index] for series in history.series)]
            for index, day in reversed(list(enumerate(history.days)))]
    return tag("div", join([
        tag("figure", join([svg, tag("ul", join(legend), class_="legende-courbes"),
                            tag("figcaption", title)]), class_="graphique"),
        table(f"{title} (kg par jour)", columns, rows, table_id=table_id, sort_keys=keys)]),
        class_="graphique-et-table")
