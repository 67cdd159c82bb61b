"""Pick lists as the warehouse prints them: per stop, what to take, first expired first out.

From a ``domain.picking.PickList`` and the names of the site and outlets: one section per
stop with the lots to pick (order, lot, product, date and its kind, quantity, a check to
make, a box to tick), then the planned lines not to pick with the reason in French and what
could replace them. HTML with a print stylesheet, and PDF.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping
from datetime import date
from uuid import UUID

import msgspec
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from domain.dates import DATE_KIND_SHORT, DateKind
from domain.picking import PickLine, PickList, SkippedLine
from infra.formats import for_pdf
from infra.printing.french import day, kilograms


class PickRow(msgspec.Struct, frozen=True, kw_only=True):
    """A line of the printout."""

    code: str
    product: str
    date_kind: DateKind
    best_before: date
    quantity_g: int
    check: str = ""
    """What the picker checks (a date passed within its tolerance)."""


class SkippedRow(msgspec.Struct, frozen=True, kw_only=True):
    """A planned line not to pick."""

    code: str
    product: str
    quantity_g: int
    reason: str
    substitutes: list[PickRow]


class StopSheet(msgspec.Struct, frozen=True, kw_only=True):
    """One stop."""

    outlet: str
    rows: list[PickRow]
    skipped: list[SkippedRow]

    @property
    def quantity_g(self) -> int:
        """Grams to pick for the stop."""
        return sum(row.quantity_g for row in self.rows)


class PickListData(msgspec.Struct, frozen=True, kw_only=True):
    """What a pick list printout shows."""

    delivery_id: str
    site: str
    planned_for: date
    picking_day: date
    stops: list[StopSheet]


def reason_in_french(line: SkippedLine) -> str:
    """Why a line is not picked, as a picker reads it, with the numbers."""
    facts = line.facts
    dated = f"{DATE_KIND_SHORT[line.date_kind]} {day(line.best_before)}"
    if line.code_of_refusal == "lot_held":
        return f"Lot bloqué : {facts.get('hold_reason', '')}"
    if line.code_of_refusal == "recalled":
        return "Lot rappelé : ne pas distribuer"
    if line.code_of_refusal == "use_by_date_passed":
        return f"{dated} dépassée"
    if line.code_of_refusal == "remaining_life_too_short":
        return (f"{dated} trop proche : {facts.get('remaining_hours')} h restantes, "
                f"{facts.get('minimum_hours')} h au moins")
    if line.code_of_refusal == "best_before_grace_exceeded":
        return (f"{dated} dépassée de {facts.get('past_days')} jours, au-delà de la "
                f"tolérance de {facts.get('grace_days')} jours")
    if line.code_of_refusal == "bulk_not_sorted":
        return "Vrac non trié : à trier d'abord"
    if line.code_of_refusal == "insufficient_stock":
        return "Stock insuffisant pour cette ligne"
    return "Lot indisponible (non réceptionné ou sorti du stock)"


def _row(line: PickLine) -> PickRow:
    check = ""
    if line.past_date_days:
        kind = ("DDM dépassée" if line.date_kind == DateKind.BEST_BEFORE
                else "date conseillée dépassée")
        check = f"{kind} de {line.past_date_days} j : vérifier"
    return PickRow(code=line.code, product=line.product, date_kind=line.date_kind,
                   best_before=line.best_before, quantity_g=line.quantity_g, check=check)


def pick_list_data(pick: PickList, *, site: str,
                   outlet_names: Mapping[UUID, str]) -> PickListData:
    """The printout of a pick list, with names."""
    return PickListData(
        delivery_id=str(pick.delivery_id), site=site, planned_for=pick.planned_for,
        picking_day=pick.picking_day,
        stops=[StopSheet(outlet=outlet_names.get(stop.outlet_id, str(stop.outlet_id)),
                         rows=[_row(line) for line in stop.lines],
                         skipped=[SkippedRow(code=line.code, product=line.product,
                                             quantity_g=line.quantity_g,
                                             reason=reason_in_french(line),
                                             substitutes=[_row(sub)
                                                          for sub in line.substitutes])
                                  for line in stop.skipped])
               for stop in pick.stops])


def _heading(data: PickListData) -> str:
    return (f"Liste de préparation — livraison du {day(data.planned_for)} — {data.site}")


# -------------------------------------------------------------------------- HTML

_STYLE = """
@page { size: A4; margin: 12mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #111; margin: 1rem; }
h1 { font-size: 1.3rem; } h2 { font-size: 1.1rem; margin-top: 1.2rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
th, td { border: 1px solid #999; padding: .25rem .4rem; text-align: left; }
td.nombre { text-align: right; white-space: nowrap; } td.case { width: 1.5rem; }
.lot { font-family: "DejaVu Sans Mono", monospace; font-weight: bold; }
.a-verifier { color: #8a4b00; font-weight: bold; }
.ne-pas { background: #fde8ea; }
.outils { margin-bottom: 1rem; }
section.arret { break-inside: avoid; page-break-inside: avoid; }
@media print { .outils { display: none; } body { margin: 0; } }
@media screen and (max-width: 40rem) { table { display: block; overflow-x: auto; }
  th, td { padding: .2rem .25rem; } }
"""


def _rows_html(rows: list[PickRow]) -> str:
    return "".join(
        f"<tr><td>{index}</td><td class=\"lot\">{html.escape(row.code)}</td>"
        f"<td>{html.escape(row.product)}</td>"
        f"<td>{DATE_KIND_SHORT[row.date_kind]} {day(row.best_before)}</td>"
        f'<td class="nombre">{kilograms(row.quantity_g)}</td>'
        f'<td class="a-verifier">{html.escape(row.check)}</td><td class="case">☐</td></tr>'
        for index, row in enumerate(rows, start=1))


def pick_list_html(data: PickListData) -> str:
    """The pick list as a printable page."""
    sections = []
    for number, stop in enumerate(data.stops, start=1):
        body = (f'<table><thead><tr><th>Ordre</th><th>Lot</th><th>Produit</th><th>Date</th>'
                f"<th>Quantité</th><th>Contrôle</th><th>Prélevé</th></tr></thead>"
                f"<tbody>{_rows_html(stop.rows)}</tbody></table>") if stop.rows else (
                "<p>Rien à prélever.</p>")
        skipped = "".join(
            f'<tr class="ne-pas"><td class="lot">{html.escape(line.code)}</td>'
            f"<td>{html.escape(line.product)}</td>"
            f'<td class="nombre">{kilograms(line.quantity_g)}</td>'
            f"<td>{html.escape(line.reason)}</td><td>"
            + ("<br>".join(f"{html.escape(sub.code)} ({DATE_KIND_SHORT[sub.date_kind]} "
                           f"{day(sub.best_before)}) : {kilograms(sub.quantity_g)}"
                           for sub in line.substitutes) or "aucun")
            + "</td></tr>"
            for line in stop.skipped)
        if skipped:
            skipped = ("<h3>À ne pas prélever</h3><table><thead><tr><th>Lot</th>"
                       "<th>Produit</th><th>Quantité prévue</th><th>Motif</th>"
                       f"<th>Remplacer par</th></tr></thead><tbody>{skipped}</tbody></table>")
        sections.append(
            f'<section class="arret"><h2>Arrêt {number} : {html.escape(stop.outlet)} — '
            f"{kilograms(stop.quantity_g)}</h2>{body}{skipped}</section>")
    return (f'<!doctype html><html lang="fr"><head><meta charset="utf-8">'
            f"<title>{html.escape(_heading(data))}</title>"
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{_STYLE}</style></head><body>"
            f'<p class="outils"><button onclick="window.print()">Imprimer</button></p>'
            f"<h1>{html.escape(_heading(data))}</h1>"
            f"<p>Préparée le {day(data.picking_day)} — premier périmé, premier sorti.</p>"
            f"{''.join(sections)}</body></html>")


# --------------------------------------------------------------------------- PDF


def pick_list_pdf(data: PickListData) -> bytes:
    """The pick list as PDF (A4, one table per stop)."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=12 * mm,
                                 rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
                                 title=for_pdf(_heading(data)), author="cocagne-ledger")
    styles = getSampleStyleSheet()
    cell = ParagraphStyle("cellule", parent=styles["BodyText"], fontSize=8, leading=10)
    lot = ParagraphStyle("lot", parent=cell, fontName="Courier-Bold")

    def text(value: str, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(html.escape(for_pdf(value)), style)

    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                       ("VALIGN", (0, 0), (-1, -1), "TOP")])
    story: list[object] = [
        Paragraph(html.escape(for_pdf(_heading(data))), styles["Title"]),
        text(f"Préparée le {day(data.picking_day)} — premier périmé, premier sorti."),
    ]
    for number, stop in enumerate(data.stops, start=1):
        story.append(Paragraph(html.escape(for_pdf(
            f"Arrêt {number} : {stop.outlet} — {kilograms(stop.quantity_g)}")),
            styles["Heading2"]))
        if stop.rows:
            table = [[text(header) for header in ("Ordre", "Lot", "Produit", "Date",
                                                  "Quantité", "Contrôle", "Prélevé")]]
            table += [[text(str(index)), text(row.code, lot), text(row.product),
                       text(f"{DATE_KIND_SHORT[row.date_kind]} {day(row.best_before)}"),
                       text(kilograms(row.quantity_g)), text(row.check), text("")]
                      for index, row in enumerate(stop.rows, start=1)]
            story.append(Table(table, colWidths=[12 * mm, 38 * mm, 36 * mm, 32 * mm,
                                                 22 * mm, 32 * mm, 14 * mm],
                               style=grid, repeatRows=1))
        else:
            story.append(text("Rien à prélever."))
        if stop.skipped:
            story.append(Spacer(1, 2 * mm))
            story.append(text("À ne pas prélever :", ParagraphStyle(
                "titre", parent=cell, fontName="Helvetica-Bold", fontSize=9)))
            table = [[text(header) for header in ("Lot", "Produit", "Quantité prévue",
                                                  "Motif", "Remplacer par")]]
            for line in stop.skipped:
                replacements = "; ".join(
                    f"{sub.code} ({DATE_KIND_SHORT[sub.date_kind]} {day(sub.best_before)}) : "
                    f"{kilograms(sub.quantity_g)}" for sub in line.substitutes) or "aucun"
                table.append([text(line.code, lot), text(line.product),
                              text(kilograms(line.quantity_g)), text(line.reason),
                              text(replacements)])
            skipped_style = TableStyle([*grid.getCommands(),
                                        ("BACKGROUND", (0, 1), (-1, -1),
                                         colors.HexColor("#fde8ea"))])
            story.append(Table(table, colWidths=[34 * mm, 30 * mm, 24 * mm, 50 * mm,
                                                 48 * mm], style=skipped_style, repeatRows=1))
    document.build(story)  # type: ignore[arg-type]
    return buffer.getvalue()
