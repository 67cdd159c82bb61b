"""Stock states on the work pages: on hand, reserved, available, in transit, held, recalled,
expired and expiring soon, said in words and figures, now or as of a past day.

Every figure comes from the stock view (``projections/stock.py``), which puts each gram on
hand in one compartment (recalled, else held, else expired, else expiring soon, else fresh)
and counts a held, recalled, unsorted or date-blocked lot as available for nothing. A state
is never told by colour alone: each highlighted row has a badge that says it (« Bloqué :
analyse en cours », « Périmé », « En route »), and the key figures repeat it in numbers.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from markupsafe import Markup

from infra.api.download_names import download_name
from infra.api.pages import french
from infra.api.pages.html import Column, figures, join, short_link, table, tag
from infra.api.pages.page import ROWS_MAX, Page

DATE_KIND_WORDS = {"dlc": "DLC", "ddm": "DDM", "none": "date conseillée"}
"""The kind of a lot's date, as a label reads it (docs/stock.md)."""
DATE_KIND_CHOICES = (("dlc", "DLC — à consommer jusqu’au"),
                     ("ddm", "DDM — à consommer de préférence avant"),
                     ("none", "Date conseillée (produit frais, sans date légale)"))


def dated(best_before: str | date | None, date_kind: str) -> str:
    """``DLC 12/12/2026``, ``DDM 03/01/2027``, ``date conseillée 10/12/2026``."""
    if not best_before:
        return ""
    return f"{DATE_KIND_WORDS.get(date_kind, date_kind)} {french.day(best_before)}"


def _badge(text: str, state: str) -> Markup:
    return tag("span", text, class_=f"badge {state}")


def badges(line: Any) -> Markup:
    """What a stock line's state is, in words (a held lot says why and since when)."""
    parts: list[Markup] = []
    if line.recalled:
        parts.append(_badge("Rappelé : ne pas distribuer", "rappele"))
    if line.on_hold:
        since = f" depuis le {french.day(line.held_since)}" if line.held_since else ""
        parts.append(_badge(f"Bloqué{since} : {line.hold_reason}", "bloque"))
    if line.expiry == "expired":
        text = ("Périmé : DLC dépassée, ne pas distribuer" if line.blocked_by_date
                and line.date_kind == "dlc" else "Périmé : DDM dépassée au-delà de la "
                "tolérance" if line.blocked_by_date else "Date dépassée")
        parts.append(_badge(text, "perime"))
    if line.expiring_soon:
        days = int(line.days_left)
        parts.append(_badge("À consommer vite : aujourd’hui" if days <= 0 else
                            f"À consommer vite : {days} j", "expirant"))
    if line.bulk:
        parts.append(_badge("Vrac à trier", "vrac"))
    if line.in_transit_g:
        parts.append(_badge(f"En route : {french.kg(line.in_transit_g)}", "en-route"))
    return join(parts) if parts else join(["Disponible" if line.available_g else "—"])


def row_class(line: Any) -> str:
    """The row's highlight, first state first (recalled, held, expired, in transit…)."""
    if line.recalled:
        return "etat-rappele"
    if line.on_hold:
        return "etat-bloque"
    if line.expiry == "expired":
        return "etat-perime"
    if line.expiring_soon:
        return "etat-expirant"
    if line.on_hand_g == 0 and line.in_transit_g:
        return "etat-en-route"
    return ""


def state_key(line: Any) -> str:
    """A sort key for the state column: the most urgent first."""
    return {"etat-rappele": "1", "etat-bloque": "2", "etat-perime": "3",
            "etat-expirant": "4", "etat-en-route": "5"}.get(row_class(line), "9")


def stock_figures(lines: Sequence[Any], transit: Sequence[Any], *, prefix: str) -> Markup:
    """The key figures of some lines: on hand … expiring soon (ids ``{prefix}-…`` carry the
    grams, for scripts and tests)."""
    sums = {name: sum(int(getattr(line, name)) for line in lines)
            for name in ("on_hand_g", "reserved_g", "available_g", "on_hold_g", "recalled_g",
                         "expired_g", "expiring_soon_g")}
    sums["in_transit_g"] = sum(int(line.quantity_g) for line in transit)
    labels = (("En stock", "on_hand_g", "en-stock"), ("Réservé", "reserved_g", "reserve"),
              ("Disponible", "available_g", "disponible"),
              ("En route", "in_transit_g", "en-route"), ("Bloqué", "on_hold_g", "bloque"),
              ("Rappelé", "recalled_g", "rappele"), ("Périmé", "expired_g", "perime"),
              ("À consommer vite", "expiring_soon_g", "expirant"))
    return figures([(label, french.kg(sums[key]), {"id": f"{prefix}-{slug}",
                                                   "data_grammes": str(sums[key])})
                    for label, key, slug in labels])


def more_note(count: int) -> Markup:
    """What a bounded table left out, and where it all is."""
    if count <= ROWS_MAX:
        return Markup("")
    return tag("p", f"Les {french.count(ROWS_MAX)} premières lignes sur {french.count(count)} : "
                    "le tableau de bord et les exports les montrent toutes.", class_="intro")


def lines_table(page: Page, lines: Sequence[Any], *, caption: str, table_id: str,
                labels: bool = False) -> Markup:
    """Each lot's stock and state (the first ``ROWS_MAX``, the most urgent first); with
    ``labels``, a link to print its label."""
    count = len(lines)
    if count > ROWS_MAX:
        lines = sorted(lines, key=state_key)[:ROWS_MAX]
    columns = [Column("Lot"), Column("Produit"), Column("État"), Column("Date"),
               Column("En stock (kg)", number=True), Column("Réservé (kg)", number=True),
               Column("Disponible (kg)", number=True), Column("Site")]
    printable = labels and page.may("lot_label_pdf")
    if printable:
        columns.append(Column("Étiquette"))
    rows, keys = [], []
    for line in lines:
        row: list[Any] = [line.code, f"{line.product} {line.variety}".strip(), badges(line),
                          dated(line.best_before, line.date_kind),
                          french.kg_number(line.on_hand_g), french.kg_number(line.reserved_g),
                          french.kg_number(line.available_g), page.name(line.site_id)]
        key: list[Any] = [line.code, line.product, state_key(line), line.best_before,
                          line.on_hand_g, line.reserved_g, line.available_g, None]
        if printable:
            row.append(short_link("PDF", f"étiquette du lot {line.code}",
                                  f"/api/lots/{line.lot_id}/label.pdf",
                                  download=download_name(f"étiquette-{line.code}", "pdf")))
            key.append(None)
        rows.append(row)
        keys.append(key)
    return join([table(caption, columns, rows, table_id=table_id, sort_keys=keys,
                       row_classes=[row_class(line) for line in lines],
                       empty="Aucun lot en stock."), more_note(count)])


def transit_table(page: Page, transit: Sequence[Any], *, caption: str, table_id: str,
                  to_whom: bool = True) -> Markup:
    """What is on the road, per delivery line: from where, to whom (unless the page is the
    outlet's own), since when (the first ``ROWS_MAX``)."""
    count = len(transit)
    transit = list(transit)[:ROWS_MAX]
    columns = [Column("Lot"), Column("Produit"), Column("Depuis"), Column("Vers"),
               Column("Parti le"), Column("En route (kg)", number=True), Column("État")]
    rows = [[item.code, item.product, page.name(item.site_id), page.name(item.outlet_id),
             french.moment(_moment(item.since)), french.kg_number(item.quantity_g),
             _transit_state(item)] for item in transit]
    keys = [[item.code, item.product, None, None, _moment(item.since).isoformat(),
             item.quantity_g, None] for item in transit]
    if not to_whom:  # Drop the « Vers » column: every line goes to the page's outlet.
        columns = [*columns[:3], *columns[4:]]
        rows = [[*row[:3], *row[4:]] for row in rows]
        keys = [[*key[:3], *key[4:]] for key in keys]
    return join([table(caption, columns, rows, table_id=table_id, sort_keys=keys,
                       row_classes=["etat-en-route"] * len(rows), empty="Rien en route."),
                 more_note(count)])


def _transit_state(item: Any) -> Markup:
    if item.recalled:
        return _badge("Rappelé : ne pas distribuer", "rappele")
    if item.on_hold:
        return _badge("Bloqué", "bloque")
    return _badge("En route", "en-route")


def _moment(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def as_of_form(page: Page, slug: str) -> Markup:
    """A plain GET form that shows the stock as it was at the end of a past day (works
    without a script), with the way back to today when a past day is shown."""
    chosen = page.as_of_day.isoformat() if page.as_of_day else ""
    parts: list[Any] = [
        tag("label", "Voir le stock au soir du", for_=f"au-{slug}"),
        Markup('<input type="date" id="au-{}" name="au" value="{}" max="{}">').format(
            slug, chosen, page.today.isoformat()),
        tag("button", "Afficher", type="submit")]
    if page.as_of_day is not None:
        parts.append(tag("a", "Revenir à aujourd’hui", href=f"/espace/{slug}"))
    return tag("form", join(parts), class_="filtres au-jour", method="get",
               action=f"/espace/{slug}", aria_label="Stock à une date passée")


def as_of_caption(page: Page, caption: str) -> str:
    """``Lots en stock — au soir du 03/12/2026`` when a past day is shown."""
    if page.as_of_day is None:
        return caption
    return f"{caption} — au soir du {french.day(page.as_of_day)}"


def holds_now(page: Page, lot_ids: Sequence[str]) -> dict[str, str]:
    """The reason each of the lots is held for now (lots not held are absent)."""
    if not lot_ids:
        return {}
    stock = page.view("stock")
    rows = stock.database.query_in(
        f"SELECT lot_id, reason FROM {stock.table('stock_holds')} "
        "WHERE lot_id IN ({in_list}) AND released_recorded_us IS NULL", list(lot_ids))
    return {str(row[0]): str(row[1]) for row in rows}
