"""Lot labels: what a crate on a shelf carries, several per A4 sheet, in HTML and PDF.

Each label shows the product, the lot code, the date and its kind, the producer (or the
donor), the organic certificate, the quantity and the site, a banner when the lot is held
or recalled, and a QR code leading to the lot's trace: a GS1 Digital Link address
``{base}/01/{GTIN}/10/{lot}`` when the product has a GTIN, else the lot's own address
``{base}/lot/{lot}``. The server answers both with the lot's trace page.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from datetime import date
from urllib.parse import quote

import msgspec
import segno
from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from domain.dates import DATE_KIND_SHORT, DateKind
from infra.formats import for_pdf
from infra.printing.french import day, kilograms

LABEL_COLUMNS, LABEL_ROWS = 2, 4
LABELS_PER_SHEET = LABEL_COLUMNS * LABEL_ROWS
"""Eight labels of 105 x 74 mm per A4 sheet: the usual crate-label sheet."""
LABELS_MAX = 2_000  # One printout: a warehouse's whole stock is a few hundred lots.
QR_ERROR_LEVEL = "m"
"""15 % of the code can be damaged (a scratched crate) and it still reads."""
QR_SIZE_MM = 30  # Readable by a phone at arm's length; leaves 60 mm of text beside it.
PADDING_MM = 5

DATE_KIND_HINTS = {DateKind.USE_BY: "à consommer jusqu'au",
                   DateKind.BEST_BEFORE: "à consommer de préférence avant",
                   DateKind.NONE: "produit frais, date conseillée"}


class LabelData(msgspec.Struct, frozen=True, kw_only=True):
    """What one label shows."""

    lot_id: str
    code: str
    product: str
    variety: str
    best_before: date
    date_kind: DateKind
    producer: str
    """The producer, or the donor of a sorted bulk donation (``don : …``)."""
    organic_certificate: str
    quantity_g: int
    site: str
    address: str
    """What the QR code encodes (see :func:`lot_address`)."""
    state: str = ""
    """A banner: ``BLOQUÉ — reason`` or ``RAPPELÉ``; empty for a lot in good standing."""


def lot_address(base_url: str, code: str, gtin: str = "") -> str:
    """The address a lot's QR code leads to: GS1 Digital Link when the product has a GTIN
    (padded to 14 digits, as the standard writes it), else the lot's own page."""
    base = base_url.rstrip("/")
    lot = quote(code, safe="")
    if gtin:
        return f"{base}/01/{gtin.zfill(14)}/10/{lot}"
    return f"{base}/lot/{lot}"


def _checked(labels: Sequence[LabelData]) -> Sequence[LabelData]:
    if len(labels) > LABELS_MAX:
        raise ValueError(f"at most {LABELS_MAX} labels per printout, got {len(labels)}")
    return labels


def _title(label: LabelData) -> str:
    product = label.product[:1].upper() + label.product[1:]
    return f"{product} — {label.variety}" if label.variety else product


def _certificate(label: LabelData) -> str:
    return (f"Bio : {label.organic_certificate}" if label.organic_certificate
            else "Non certifié bio")


# -------------------------------------------------------------------------- HTML

_STYLE = """
@page { size: A4; margin: 0; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "DejaVu Sans", Arial, sans-serif; color: #111; }
.outils { padding: 1rem; font-size: 1rem; }
.feuille { width: 210mm; height: 297mm; display: grid;
  grid-template-columns: repeat(2, 105mm); grid-template-rows: repeat(4, 74.25mm);
  break-after: page; page-break-after: always; }
.etiquette { padding: 5mm; border: 0.2mm dashed #bbb; display: flex; gap: 3mm;
  overflow: hidden; }
.texte { flex: 1; min-width: 0; display: flex; flex-direction: column; gap: 1.2mm;
  font-size: 9pt; }
.produit { font-size: 15pt; font-weight: bold; line-height: 1.1; }
.lot { font-family: "DejaVu Sans Mono", monospace; font-weight: bold; font-size: 11pt; }
.date { font-size: 13pt; font-weight: bold; }
.indication { font-size: 8pt; color: #444; }
.etat { background: #b00020; color: #fff; font-weight: bold; padding: 1mm 2mm; }
.qr { width: 30mm; flex: none; text-align: center; font-size: 5pt; word-break: break-all; }
.qr svg { width: 30mm; height: 30mm; }
@media print { .outils { display: none; } .etiquette { border: none; } }
"""


def _label_html(label: LabelData) -> str:
    qr = segno.make(label.address, error=QR_ERROR_LEVEL)
    state = f'<div class="etat">{html.escape(label.state)}</div>' if label.state else ""
    return (
        '<div class="etiquette"><div class="texte">'
        f'<div class="produit">{html.escape(_title(label))}</div>'
        f'<div class="lot">Lot {html.escape(label.code)}</div>'
        f'<div class="date">{DATE_KIND_SHORT[label.date_kind]} : '
        f'{day(label.best_before)}</div>'
        f'<div class="indication">{DATE_KIND_HINTS[label.date_kind]}</div>'
        f"<div>Producteur : {html.escape(label.producer)}</div>"
        f"<div>{html.escape(_certificate(label))}</div>"
        f"<div>{kilograms(label.quantity_g)} — {html.escape(label.site)}</div>"
        f"{state}</div>"
        f'<div class="qr">{qr.svg_inline(scale=4, border=2)}'
        f"<div>{html.escape(label.address)}</div></div></div>")


def labels_html(labels: Sequence[LabelData], *, title: str = "Étiquettes de lots") -> str:
    """A printable page of labels, eight per A4 sheet (print at 100 %, no margins)."""
    sheets = []
    checked = _checked(labels)
    for start in range(0, len(checked), LABELS_PER_SHEET):
        cells = "".join(_label_html(label)
                        for label in checked[start:start + LABELS_PER_SHEET])
        sheets.append(f'<section class="feuille">{cells}</section>')
    return (f'<!doctype html><html lang="fr"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title>"
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{_STYLE}</style></head><body>"
            f'<p class="outils">{len(checked)} étiquette(s) — imprimer en A4, échelle 100 %, '
            f'sans marges. <button onclick="window.print()">Imprimer</button></p>'
            f"{''.join(sheets)}</body></html>")


# --------------------------------------------------------------------------- PDF

def _draw_qr(canvas: Canvas, address: str, x: float, y: float, size: float) -> None:
    """The QR code as black squares on white, with its quiet zone, ``size`` wide."""
    qr = segno.make(address, error=QR_ERROR_LEVEL)
    border = 2  # Modules of quiet zone: the label's white margin supplies the rest.
    matrix = list(qr.matrix)
    modules = len(matrix) + 2 * border
    module = size / modules
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(black)
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + border + 1) * module
        for column_index, dark in enumerate(row):
            if dark:
                canvas.rect(x + (column_index + border) * module, top, module, module,
                            stroke=0, fill=1)


def _cut(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` cut anywhere into pieces no wider than ``width`` (an address has no spaces
    to wrap at)."""
    pieces, current = [], ""
    for character in text:
        if current and stringWidth(current + character, font, size) > width:
            pieces.append(current)
            current = ""
        current += character
    return [*pieces, current] if current else pieces


def _lines(canvas: Canvas, x: float, y: float, width: float,
           rows: Sequence[tuple[str, str, float]]) -> float:
    """Write wrapped rows ``(text, font, size)`` downwards from ``y``; the y reached."""
    for text, font, size in rows:
        canvas.setFont(font, size)
        for line in simpleSplit(for_pdf(text), font, size, width)[:3]:
            y -= size * 1.2
            canvas.drawString(x, y, line)
        y -= 1.2 * mm
    return y


def _draw_label(canvas: Canvas, label: LabelData, x: float, y: float, width: float,
                height: float) -> None:
    padding, qr_size = PADDING_MM * mm, QR_SIZE_MM * mm
    canvas.setStrokeColor(HexColor("#bbbbbb"))
    canvas.setDash(2, 2)
    canvas.rect(x, y, width, height, stroke=1, fill=0)
    canvas.setDash()
    _draw_qr(canvas, label.address, x + width - padding - qr_size,
             y + height - padding - qr_size, qr_size)
    canvas.setFillColor(black)
    canvas.setFont("Helvetica", 5)
    for index, part in enumerate(_cut(label.address, "Helvetica", 5, qr_size)[:4]):
        canvas.drawString(x + width - padding - qr_size, y + height - padding - qr_size
                          - (index + 1) * 6, part)
    text_width = width - 2 * padding - qr_size - 3 * mm
    top = y + height - padding
    reached = _lines(canvas, x + padding, top, text_width, [
        (_title(label), "Helvetica-Bold", 14),
        (f"Lot {label.code}", "Courier-Bold", 11),
        (f"{DATE_KIND_SHORT[label.date_kind]} : {day(label.best_before)}", "Helvetica-Bold",
         13),
        (DATE_KIND_HINTS[label.date_kind], "Helvetica", 7),
        (f"Producteur : {label.producer}", "Helvetica", 8),
        (_certificate(label), "Helvetica", 8),
        (f"{kilograms(label.quantity_g)} — {label.site}", "Helvetica", 8),
    ])
    if label.state:
        lines = simpleSplit(for_pdf(label.state), "Helvetica-Bold", 8, text_width - 4)[:2]
        banner = (2 + 4 * len(lines)) * mm
        bottom = max(y + padding, min(reached, y + padding + banner) - banner)
        canvas.setFillColor(HexColor("#b00020"))
        canvas.rect(x + padding, bottom, text_width, banner, stroke=0, fill=1)
        canvas.setFillColor(white)
        canvas.setFont("Helvetica-Bold", 8)
        for index, line in enumerate(lines):
            canvas.drawString(x + padding + 2, bottom + banner - (index + 1) * 4 * mm + 1,
                              line)
        canvas.setFillColor(black)


def labels_pdf(labels: Sequence[LabelData], *, title: str = "Étiquettes de lots") -> bytes:
    """Labels as PDF, eight per A4 page, in the order given."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("cocagne-ledger")
    page_width, page_height = A4
    width, height = page_width / LABEL_COLUMNS, page_height / LABEL_ROWS
    checked = _checked(labels)
    for index, label in enumerate(checked):
        slot = index % LABELS_PER_SHEET
        if index and slot == 0:
            canvas.showPage()
        column, row = slot % LABEL_COLUMNS, slot // LABEL_COLUMNS
        _draw_label(canvas, label, column * width, page_height - (row + 1) * height, width,
                    height)
    if not checked:
        canvas.setFont("Helvetica", 12)
        canvas.drawString(20 * mm, page_height - 20 * mm, "Aucune étiquette.")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
