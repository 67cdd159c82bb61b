"""One entry point for every tabular export: CSV (one table), XLSX (a sheet per table) or
PDF (a section per table), as the reader asked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from infra.exports.pdf import render_pdf, tables_document
from infra.exports.tables import Format, Language, Table, chosen_table, render_csv, render_xlsx


def render(tables: Sequence[Table], output_format: Format, language: Language, *,
           title: str = "", table_key: str | None = None, subtitle: Sequence[str] = (),
           generated_at: datetime | None = None) -> bytes:
    """The tables in ``output_format``; CSV holds the table ``table_key`` (default the
    first), PDF is titled ``title`` (default the first table's title)."""
    if output_format == Format.CSV:
        return render_csv(chosen_table(tables, table_key), language)
    if output_format == Format.XLSX:
        return render_xlsx(tables, language)
    heading = title or (tables[0].title(language) if tables else "")
    return render_pdf(tables_document(heading, tables, language, subtitle=subtitle,
                                      generated_at=generated_at), language)
