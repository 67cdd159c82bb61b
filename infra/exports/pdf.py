"""Reports as PDF: A4, French formats, tables that repeat their header row on every page.

A ``Document`` is a title, a few lines under it, sections (a heading, paragraphs, a table
and its totals row) and closing paragraphs; ``render_pdf`` lays it out with ReportLab's
platypus (the library the stock printouts use). Pages are A4: portrait, or landscape when a
table has more columns than a portrait page holds legibly. Every page carries the title,
its number out of the total, and when the document was made, in Europe/Paris time.

Fonts are ReportLab's standard Helvetica, whose WinAnsi encoding covers French (é, œ, €,
« »); the rare character outside it (Babel's narrow no-break space) is replaced
(``infra.formats.for_pdf``). Values are formatted by column kind as people read them:
``1 234,5`` kg, ``12,30`` €, ``12,5 %``, ``07/12/2026``, ``07/12/2026 09:30``, ``mars 2026``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from infra.exports import french
from infra.exports.tables import CellValue, Column, Kind, Language
from infra.exports.tables import Table as DataTable
from infra.formats import for_pdf

PORTRAIT_COLUMNS_MAX = 7
"""More columns than this and the page turns landscape (still A4)."""
MARGIN = 12 * mm
FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
CELL_FONT_SIZE = 7.5
CELL_PADDING = 2.5
WIDTH_SAMPLE_ROWS = 300  # Rows measured to size the columns: enough to see the long values.
CELL_WIDTH_CHARACTERS_MAX = 45  # A wider text wraps rather than squeezing the other columns.
WORD_WIDTH_MAX = 80.0  # Points: a longer word (an id, a code) may break across lines.
RIGHT_ALIGNED = frozenset({Kind.GRAMS_AS_KG, Kind.CENTS_AS_EUROS, Kind.INTEGER,
                           Kind.BASIS_POINTS_AS_PERCENT})


@dataclass(frozen=True)
class Section:
    """A heading, paragraphs, and optionally a table with a totals row."""

    heading: str
    paragraphs: Sequence[str] = ()
    table: DataTable | None = None
    totals: dict[str, CellValue] | None = None
    """A last row in bold (its first column's value is usually ``Total``)."""


@dataclass(frozen=True)
class Document:
    """What a PDF report shows."""

    title: str
    subtitle: Sequence[str] = ()
    sections: Sequence[Section] = ()
    closing: Sequence[str] = ()
    landscape: bool | None = None
    """None: landscape when a table has more than ``PORTRAIT_COLUMNS_MAX`` columns."""
    generated_at: datetime | None = None
    """Shown in the footer (Europe/Paris); None: no date (reproducible bytes in tests)."""
    author: str = "cocagne-ledger"
    keywords: Sequence[str] = field(default_factory=tuple)


def cell_text(column: Column, value: CellValue) -> str:
    """A value as a person reads it in the PDF (French formats)."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        if column.kind == Kind.GRAMS_AS_KG:
            return french.kilograms(value, unit=False)
        if column.kind == Kind.CENTS_AS_EUROS:
            return french.euros(value, unit=False)
        if column.kind == Kind.BASIS_POINTS_AS_PERCENT:
            return french.percent(value)
        if column.kind == Kind.INTEGER:
            return french.integer(value)
    if isinstance(value, datetime):
        return french.moment(value)
    if isinstance(value, date):
        return french.month(value) if column.kind == Kind.MONTH else french.day(value)
    return str(value)


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=sheet["Title"], fontName=FONT_BOLD,
                                fontSize=15, leading=18, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=sheet["Normal"], fontName=FONT,
                                   fontSize=9.5, leading=12),
        "heading": ParagraphStyle("heading", parent=sheet["Heading2"], fontName=FONT_BOLD,
                                  fontSize=11.5, leading=14, spaceBefore=8, spaceAfter=4),
        "body": ParagraphStyle("body", parent=sheet["Normal"], fontName=FONT, fontSize=9.5,
                               leading=12.5, spaceAfter=4),
        "cell": ParagraphStyle("cell", parent=sheet["Normal"], fontName=FONT,
                               fontSize=CELL_FONT_SIZE, leading=CELL_FONT_SIZE + 1.5),
        "cell_right": ParagraphStyle("cell_right", parent=sheet["Normal"], fontName=FONT,
                                     fontSize=CELL_FONT_SIZE, leading=CELL_FONT_SIZE + 1.5,
                                     alignment=2),
        "header": ParagraphStyle("header", parent=sheet["Normal"], fontName=FONT_BOLD,
                                 fontSize=CELL_FONT_SIZE, leading=CELL_FONT_SIZE + 1.5),
    }


def _paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(for_pdf(text)), style)


def _column_widths(table: DataTable, language: Language, texts: list[list[str]],
                   available: float) -> list[float]:
    """Widths in points that fill ``available``.

    Each column gets at least its longest word (so words are not cut, up to
    ``WORD_WIDTH_MAX``: ids and codes may break) and, as far as the page allows, its
    longest text (sampled, up to ``CELL_WIDTH_CHARACTERS_MAX`` characters).
    """
    padding = 2 * CELL_PADDING + 1
    least, wanted = [], []
    for index, column in enumerate(table.columns):
        words = column.header(language).split() or [""]
        word = max(stringWidth(item, FONT_BOLD, CELL_FONT_SIZE) for item in words)
        whole = word
        for row in texts[:WIDTH_SAMPLE_ROWS]:
            text = row[index]
            whole = max(whole, stringWidth(text[:CELL_WIDTH_CHARACTERS_MAX], FONT,
                                           CELL_FONT_SIZE))
            word = max([word, *(stringWidth(item, FONT, CELL_FONT_SIZE)
                                for item in text.split())])
        least.append(min(word, WORD_WIDTH_MAX) + padding)
        wanted.append(max(whole, least[-1] - padding) + padding)
    if sum(wanted) <= available:
        return [width * available / sum(wanted) for width in wanted]
    if sum(least) >= available:
        return [width * available / sum(least) for width in least]
    spare = available - sum(least)
    extra = [want - low for want, low in zip(wanted, least, strict=True)]
    return [low + more * spare / sum(extra) for low, more in zip(least, extra, strict=True)]


def _table(table: DataTable, totals: dict[str, CellValue] | None, language: Language,
           available: float, styles: dict[str, ParagraphStyle]) -> Table:
    texts = [[cell_text(column, row.get(column.key)) for column in table.columns]
             for row in table.rows]
    total_texts = ([cell_text(column, totals.get(column.key)) for column in table.columns]
                   if totals is not None else None)
    widths = _column_widths(table, language, texts + ([total_texts] if total_texts else []),
                            available)

    def row_cells(values: list[str], bold: bool = False) -> list[Paragraph]:
        cells = []
        for column, text in zip(table.columns, values, strict=True):
            style = styles["cell_right"] if column.kind in RIGHT_ALIGNED else styles["cell"]
            shown = f"<b>{escape(for_pdf(text))}</b>" if bold else escape(
                for_pdf(text))
            cells.append(Paragraph(shown, style))
        return cells

    data: list[list[Any]] = [[_paragraph(column.header(language), styles["header"])
                              for column in table.columns]]
    data += [row_cells(values) for values in texts]
    if total_texts is not None:
        data.append(row_cells(total_texts, bold=True))
    style: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.91, 0.86)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    if total_texts is not None:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.Color(0.95, 0.95, 0.95)))
    flowable = Table(data, colWidths=widths, repeatRows=1)
    flowable.setStyle(TableStyle(style))
    return flowable


def _is_landscape(document: Document) -> bool:
    if document.landscape is not None:
        return document.landscape
    return any(section.table is not None
               and len(section.table.columns) > PORTRAIT_COLUMNS_MAX
               for section in document.sections)


def _canvas_with_footer(document: Document) -> type[Canvas]:
    """A canvas that writes ``title — page N / M — made on …`` at the foot of each page."""
    made = (f" — édité le {french.moment(document.generated_at)} (heure de Paris)"
            if document.generated_at is not None else "")

    class FooterCanvas(Canvas):
        def __init__(self, *arguments: Any, **keywords: Any) -> None:
            super().__init__(*arguments, **keywords)
            self._pages: list[dict[str, Any]] = []
            self._width = float(keywords.get("pagesize", A4)[0])

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name.
            # Keep the page and start a fresh one; the footers are drawn on save, when the
            # number of pages is known (ReportLab's own numbered-canvas recipe).
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # ReportLab's, not in the stubs.

        def save(self) -> None:
            count = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                width = self._width
                self.setFont(FONT, 7)
                self.setFillColor(colors.grey)
                text = for_pdf(f"{document.title} — page {number} / {count}{made}")
                self.drawCentredString(width / 2, MARGIN / 2, text)
                super().showPage()
            super().save()

    return FooterCanvas


def render_pdf(document: Document, language: Language = Language.FR) -> bytes:
    """The document as A4 PDF bytes."""
    buffer = io.BytesIO()
    pagesize = landscape(A4) if _is_landscape(document) else A4
    template = SimpleDocTemplate(
        buffer, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN,
        topMargin=MARGIN, bottomMargin=MARGIN, title=for_pdf(document.title),
        author=document.author, subject=for_pdf(" ".join(document.subtitle)),
        keywords=list(document.keywords), lang="fr-FR" if language == Language.FR else "en")
    styles = _styles()
    story: list[Flowable] = [_paragraph(document.title, styles["title"])]
    story += [_paragraph(line, styles["subtitle"]) for line in document.subtitle]
    story.append(Spacer(1, 4 * mm))
    available = pagesize[0] - 2 * MARGIN
    for section in document.sections:
        story.append(_paragraph(section.heading, styles["heading"]))
        story += [_paragraph(text, styles["body"]) for text in section.paragraphs]
        if section.table is not None:
            if section.table.rows or section.totals is not None:
                story.append(_table(section.table, section.totals, language, available,
                                    styles))
            else:
                story.append(_paragraph("Aucune ligne pour cette période."
                                        if language == Language.FR
                                        else "Nothing in this period.", styles["body"]))
    if document.closing:
        story.append(Spacer(1, 6 * mm))
        story += [_paragraph(text, styles["body"]) for text in document.closing]
    template.build(story, canvasmaker=_canvas_with_footer(document))
    return buffer.getvalue()


def tables_document(title: str, tables: Sequence[DataTable], language: Language,
                    subtitle: Sequence[str] = (), generated_at: datetime | None = None
                    ) -> Document:
    """A document of one section per table (any tabular export as PDF)."""
    return Document(title=title, subtitle=subtitle, generated_at=generated_at,
                    sections=[Section(heading=table.title(language), table=table)
                              for table in tables])
