"""Tables as CSV for French spreadsheets, or as XLSX (PDF: ``infra.exports.pdf``).

CSV is UTF-8 with a byte-order mark (so Excel reads the accents right) and ``;`` between
fields (the separator French Excel expects, since ``,`` is its decimal mark); numbers use a
decimal comma in French and a point in English, without thousands separators so every
spreadsheet parses them as numbers; dates are ISO 8601 so they sort as text too. A CSV file
holds one table: a report of several tables writes the one asked for (``Table.key``).
XLSX holds real numbers and dates with display formats (French: ``# ##0,000`` grouping as
the reader's locale shows it), a bold frozen header row and an autofilter, so the sheet
is sortable as FSMA 204 asks; each sheet prints on A4 landscape, fitted to the page width,
with its header row repeated on every page.

Text a member typed is never read as a formula (OWASP's "CSV injection"): in CSV a text
beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'``
(``=HYPERLINK(...)`` is shown, not followed); in XLSX every text is a text cell, never a
formula (openpyxl would write ``=...`` as one) nor an error value (``#N/A``). Numbers stay
numbers: a negative balance is written as a number in both.

Times are shown in Europe/Paris, where the people reading them are (the headers say so).
Quantities arrive as integer grams, money as integer cents and shares as basis points; they
become kilograms, euros and percents only here, exactly, through ``Decimal``.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from infra.exports.errors import HistoryError
from infra.exports.french import paris

SHEET_TITLE_LENGTH_MAX = 31  # Excel refuses longer sheet names.
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")  # Characters Excel refuses in them.
COLUMN_WIDTH_MAX = 60  # Characters: wider columns only push the rest off screen.
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Control characters XML 1.0 cannot hold (openpyxl refuses them): a text stored before the
doors refused them shows U+FFFD in their place instead of failing the whole workbook."""
ROWS_MAX = 1_000_000  # Excel's sheet holds 1,048,576 rows; more is not a spreadsheet.

CellValue = str | int | date | datetime | None
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet reads as the start of a formula in a CSV cell (OWASP's list)."""


class Kind(enum.StrEnum):
    """How a column's values are written."""

    TEXT = "text"
    GRAMS_AS_KG = "kg"
    """Integer grams shown as kilograms with three decimals."""
    CENTS_AS_EUROS = "euros"
    """Integer cents shown as euros with two decimals."""
    INTEGER = "integer"
    BASIS_POINTS_AS_PERCENT = "percent"
    """Integer basis points shown as a percent with one decimal."""
    DATE = "date"
    MONTH = "month"
    """The first day of a month, shown as the month."""
    DATETIME = "datetime"
    """Timezone-aware; written in Europe/Paris time (Excel cells hold no time zone)."""


class Language(enum.StrEnum):
    """Header language."""

    FR = "fr"
    EN = "en"


class Format(enum.StrEnum):
    """Output format."""

    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"


@dataclass(frozen=True)
class Column:
    """A column: its key in the rows, its headers, how to write its values."""

    key: str
    fr: str
    en: str
    kind: Kind = Kind.TEXT

    def header(self, language: Language) -> str:
        """The header in ``language``."""
        return self.fr if language == Language.FR else self.en


@dataclass(frozen=True)
class Table:
    """A titled table (a sheet in XLSX, a section in PDF, a whole CSV file)."""

    title_fr: str
    title_en: str
    columns: Sequence[Column]
    rows: Sequence[dict[str, CellValue]]
    key: str = "table"
    """How a client names the table to get it alone as CSV (``?table=``)."""

    def title(self, language: Language) -> str:
        """The title in ``language``."""
        return self.title_fr if language == Language.FR else self.title_en


def grams_to_kg(grams: int) -> Decimal:
    """Exact kilograms."""
    return Decimal(grams).scaleb(-3)


def cents_to_euros(cents: int) -> Decimal:
    """Exact euros."""
    return Decimal(cents).scaleb(-2)


def _decimal_text(value: Decimal, places: int, language: Language) -> str:
    text = f"{value:.{places}f}"
    return text.replace(".", ",") if language == Language.FR else text


def paris_naive(value: datetime) -> datetime:
    """The wall-clock time in Europe/Paris, without its zone (as a spreadsheet cell)."""
    return paris(value).replace(tzinfo=None)


def basis_points_to_percent(share_bp: int) -> Decimal:
    """Exact percent."""
    return Decimal(share_bp).scaleb(-2)


def csv_text(column: Column, value: CellValue, language: Language) -> str:
    """A value as written in CSV."""
    if value is None:
        return ""
    if column.kind == Kind.GRAMS_AS_KG and isinstance(value, int):
        return _decimal_text(grams_to_kg(value), 3, language)
    if column.kind == Kind.CENTS_AS_EUROS and isinstance(value, int):
        return _decimal_text(cents_to_euros(value), 2, language)
    if column.kind == Kind.BASIS_POINTS_AS_PERCENT and isinstance(value, int):
        return _decimal_text(basis_points_to_percent(value), 2, language)
    if isinstance(value, datetime):
        return paris_naive(value).isoformat(sep=" ", timespec="seconds")
    if column.kind == Kind.MONTH and isinstance(value, date):
        return f"{value:%Y-%m}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralised(value)
    return str(value)


def neutralised(text: str) -> str:
    """A text as a CSV cell: prefixed with ``'`` when a spreadsheet would read it as a
    formula (only texts: numbers are written by the kinds above)."""
    return f"'{text}" if text.startswith(FORMULA_START) else text


def render_csv(table: Table, language: Language) -> bytes:
    """One table as UTF-8 with BOM, ``;``-separated, its header row first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    _check_size(table)
    writer.writerow([column.header(language) for column in table.columns])
    for row in table.rows:
        writer.writerow([csv_text(column, row.get(column.key), language)
                         for column in table.columns])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def chosen_table(tables: Sequence[Table], key: str | None) -> Table:
    """The table named ``key`` (the first when no key is given)."""
    if not tables:
        raise HistoryError("the report has no table")
    if key is None:
        return tables[0]
    for table in tables:
        if table.key == key:
            return table
    keys = ", ".join(table.key for table in tables)
    raise HistoryError("the report has no table {key!r} (it has: {keys})", key=key, keys=keys)


def _check_size(table: Table) -> None:
    if len(table.rows) > ROWS_MAX:
        raise HistoryError("table {title!r} has {rows} rows, more than a spreadsheet's "
                           "{limit}: narrow the period", title=table.title_en,
                           rows=len(table.rows), limit=ROWS_MAX)


_NUMBER_FORMATS = {
    (Kind.GRAMS_AS_KG, Language.FR): "#,##0.000",
    (Kind.GRAMS_AS_KG, Language.EN): "#,##0.000",
    (Kind.CENTS_AS_EUROS, Language.FR): '#,##0.00\\ "€"',
    (Kind.CENTS_AS_EUROS, Language.EN): '"€"#,##0.00',
    (Kind.INTEGER, Language.FR): "#,##0",
    (Kind.INTEGER, Language.EN): "#,##0",
    (Kind.BASIS_POINTS_AS_PERCENT, Language.FR): "0.0%",
    (Kind.BASIS_POINTS_AS_PERCENT, Language.EN): "0.0%",
    (Kind.MONTH, Language.FR): "MM/YYYY",
    (Kind.MONTH, Language.EN): "YYYY-MM",
    (Kind.DATE, Language.FR): "DD/MM/YYYY",
    (Kind.DATE, Language.EN): "YYYY-MM-DD",
    (Kind.DATETIME, Language.FR): "DD/MM/YYYY HH:MM:SS",
    (Kind.DATETIME, Language.EN): "YYYY-MM-DD HH:MM:SS",
}
"""Excel's format codes are locale-neutral: ``,`` groups and ``.`` marks decimals in the
code, and a French Excel shows them as a space and a comma."""


def xlsx_value(column: Column, value: CellValue) -> str | int | Decimal | date | datetime | None:
    """A value as stored in an XLSX cell."""
    if value is None:
        return None
    if column.kind == Kind.GRAMS_AS_KG and isinstance(value, int):
        return grams_to_kg(value)
    if column.kind == Kind.CENTS_AS_EUROS and isinstance(value, int):
        return cents_to_euros(value)
    if column.kind == Kind.BASIS_POINTS_AS_PERCENT and isinstance(value, int):
        return Decimal(value).scaleb(-4)
    if isinstance(value, datetime):
        return paris_naive(value)
    if isinstance(value, str):
        return XLSX_ILLEGAL.sub("\ufffd", value)
    return value


def sheet_title(title: str) -> str:
    """A title Excel accepts: none of ``[]:*?/\\``, at most 31 characters."""
    return SHEET_TITLE_FORBIDDEN.sub("-", title)[:SHEET_TITLE_LENGTH_MAX] or "-"


def set_up_printing(sheet: Worksheet) -> None:
    """A4 landscape, fitted to the page width (as many pages down as needed), the header
    row repeated on every printed page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = "1:1"
    sheet.print_options.gridLines = True


def render_xlsx(tables: Sequence[Table], language: Language) -> bytes:
    """One sheet per table: bold frozen header, autofilter, number and date formats,
    printed A4 landscape fitted to the width with the header on every page."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for table in tables:
        _check_size(table)
        sheet = workbook.create_sheet(sheet_title(table.title(language)))
        sheet.append([column.header(language) for column in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [len(column.header(language)) for column in table.columns]
        for number, row in enumerate(table.rows, start=2):
            values = [xlsx_value(column, row.get(column.key)) for column in table.columns]
            sheet.append(values)
            for index, value in enumerate(values, start=1):
                if isinstance(value, str):  # openpyxl made "=..." a formula, "#N/A" an error.
                    sheet.cell(row=number, column=index).data_type = "s"
            for index, column in enumerate(table.columns):
                widths[index] = max(widths[index],
                                    len(csv_text(column, row.get(column.key), language)))
        for index, column in enumerate(table.columns, start=1):
            number_format = _NUMBER_FORMATS.get((column.kind, language))
            if number_format is not None:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = number_format
            sheet.column_dimensions[get_column_letter(index)].width = min(
                widths[index - 1] + 2, COLUMN_WIDTH_MAX)
        sheet.freeze_panes = "A2"
        set_up_printing(sheet)
        if table.columns:
            sheet.auto_filter.ref = (f"A1:{get_column_letter(len(table.columns))}"
                                     f"{max(len(table.rows) + 1, 1)}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


