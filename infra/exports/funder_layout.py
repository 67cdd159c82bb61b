"""A funder's report laid out: its tables (summary, per outlet and producer, organic and
labelled food per outlet and month, co-financed operations), its PDF, and the export in
any format. The figures come from ``infra.exports.funder``."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from domain.governance import BASIS_POINTS
from infra.exports import french
from infra.exports.funder import (
    GRAMS_PER_KG,
    SOURCE_LABELS,
    STATUS_LABELS,
    FunderReport,
    Quality,
    funder_report,
)
from infra.exports.history import Party
from infra.exports.output import render
from infra.exports.pdf import Document, Section, render_pdf
from infra.exports.tables import CellValue, Column, Format, Kind, Language, Table
from infra.reader import StreamReader


def millicents_to_cents(millicents: int) -> int:
    """Cents, rounded half up (as producers are paid)."""
    return (millicents + GRAMS_PER_KG // 2) // GRAMS_PER_KG


def share_bp(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` in basis points, rounded half up (None when nothing)."""
    return (part * BASIS_POINTS * 2 + whole) // (2 * whole) if whole else None


SUMMARY_COLUMNS = (
    Column("item", "Rubrique", "Item"),
    Column("amount_cents", "Montant (€)", "Amount (EUR)", Kind.CENTS_AS_EUROS),
    Column("count", "Nombre", "Count", Kind.INTEGER),
)
DETAIL_COLUMNS = (
    Column("outlet", "Point de distribution", "Outlet"),
    Column("producer", "Producteur", "Producer"),
    Column("delivery_g", "Livraisons cofinancées (kg)", "Deliveries co-financed (kg)",
           Kind.GRAMS_AS_KG),
    Column("delivery_cents", "Part des livraisons (€)", "Share of deliveries (EUR)",
           Kind.CENTS_AS_EUROS),
    Column("baskets", "Paniers cofinancés", "Baskets co-financed", Kind.INTEGER),
    Column("basket_g", "Paniers (kg)", "Baskets (kg)", Kind.GRAMS_AS_KG),
    Column("basket_cents", "Part des paniers (€)", "Share of baskets (EUR)",
           Kind.CENTS_AS_EUROS),
)
QUALITY_COLUMNS = (
    Column("month", "Mois", "Month", Kind.MONTH),
    Column("outlet", "Point de distribution", "Outlet"),
    Column("source", "Cofinancement", "Co-financed"),
    Column("total_g", "Denrées (kg)", "Food (kg)", Kind.GRAMS_AS_KG),
    Column("organic_g", "dont bio (kg)", "organic (kg)", Kind.GRAMS_AS_KG),
    Column("labelled_g", "dont sous signe de qualité (kg)", "quality label (kg)",
           Kind.GRAMS_AS_KG),
    Column("either_g", "bio ou sous signe (kg)", "organic or label (kg)", Kind.GRAMS_AS_KG),
    Column("either_g_bp", "Part bio ou sous signe, en kg (%)", "Share, kg (%)",
           Kind.BASIS_POINTS_AS_PERCENT),
    Column("total_cents", "Valeur (€)", "Value (EUR)", Kind.CENTS_AS_EUROS),
    Column("organic_cents", "dont bio (€)", "organic (EUR)", Kind.CENTS_AS_EUROS),
    Column("labelled_cents", "dont sous signe de qualité (€)", "quality label (EUR)",
           Kind.CENTS_AS_EUROS),
    Column("either_cents", "bio ou sous signe (€)", "organic or label (EUR)",
           Kind.CENTS_AS_EUROS),
    Column("either_cents_bp", "Part bio ou sous signe, en € (%)", "Share, EUR (%)",
           Kind.BASIS_POINTS_AS_PERCENT),
)
OPERATION_COLUMNS = (
    Column("occurred_at", "Date (heure de Paris)", "Date (Paris time)", Kind.DATETIME),
    Column("source", "Opération", "Operation"),
    Column("reference", "Référence", "Reference"),
    Column("outlet", "Point de distribution", "Outlet"),
    Column("producer", "Producteur", "Producer"),
    Column("quantity_g", "Quantité (kg)", "Quantity (kg)", Kind.GRAMS_AS_KG),
    Column("value_cents", "Valeur (€)", "Value (EUR)", Kind.CENTS_AS_EUROS),
    Column("funder_cents", "Part du financeur (€)", "Funder's share (EUR)",
           Kind.CENTS_AS_EUROS),
    Column("status", "État", "Status"),
    Column("posted_cents", "Versé (€)", "Posted (EUR)", Kind.CENTS_AS_EUROS),
)


def quality_row(quality: Quality) -> dict[str, CellValue]:
    """The kilograms, euros and shares of one line of the quality table."""
    cents = {name: millicents_to_cents(getattr(quality, f"{name}_millicents"))
             for name in ("total", "organic", "labelled", "either")}
    return {"total_g": quality.total_g, "organic_g": quality.organic_g,
            "labelled_g": quality.labelled_g, "either_g": quality.either_g,
            "either_g_bp": share_bp(quality.either_g, quality.total_g),
            "total_cents": cents["total"], "organic_cents": cents["organic"],
            "labelled_cents": cents["labelled"], "either_cents": cents["either"],
            "either_cents_bp": share_bp(cents["either"], cents["total"])}


def funder_tables(report: FunderReport, members: dict[UUID, Party],
                  language: Language) -> list[Table]:
    """The summary, the per-outlet and per-producer detail, the quality of the food per
    outlet and month, and every co-financed operation."""
    french_labels = language == Language.FR

    def name(member_id: UUID) -> str:
        party = members.get(member_id)
        return party.name if party else str(member_id)

    def pick(labels: tuple[str, str]) -> str:
        return labels[0] if french_labels else labels[1]

    summary: list[dict[str, CellValue]] = [
        {"item": "Engagé" if french_labels else "Committed",
         "amount_cents": report.committed_cents},
        {"item": "Versé" if french_labels else "Posted", "amount_cents": report.posted_cents},
        {"item": "En attente" if french_labels else "Pending",
         "amount_cents": report.pending_cents},
        {"item": "Paniers cofinancés" if french_labels else "Baskets co-financed",
         "count": sum(line.baskets for line in report.financed.values())},
        {"item": "Ménages touchés (paniers)" if french_labels
         else "Households reached (baskets)", "count": len(report.households)},
        {"item": "Ménages servis déclarés par les points cofinancés" if french_labels
         else "Households served declared by co-financed outlets",
         "count": report.outlets_households_served},
    ]
    detail: list[dict[str, CellValue]] = [
        {"outlet": name(outlet), "producer": name(producer), "delivery_g": line.delivery_g,
         "delivery_cents": line.delivery_cents, "baskets": line.baskets,
         "basket_g": line.basket_g, "basket_cents": line.basket_cents}
        for (outlet, producer), line in sorted(
            report.financed.items(), key=lambda item: (name(item[0][0]), name(item[0][1])))]
    quality: list[dict[str, CellValue]] = [
        {"month": month, "outlet": name(outlet), "source": pick(SOURCE_LABELS[source]),
         **quality_row(line)}
        for (month, outlet, source), line in sorted(
            report.quality.items(), key=lambda item: (item[0][0], name(item[0][1]),
                                                      item[0][2]))]
    operations: list[dict[str, CellValue]] = [
        {"occurred_at": operation.occurred_at, "source": pick(SOURCE_LABELS[operation.source]),
         "reference": operation.reference, "outlet": name(operation.outlet_id),
         "producer": name(operation.producer_id), "quantity_g": operation.quantity_g,
         "value_cents": operation.value_cents, "funder_cents": operation.funder_cents,
         "status": pick(STATUS_LABELS[operation.status]),
         "posted_cents": operation.posted_cents}
        for operation in report.operations]
    period = (f"{french.day(report.start)} au {french.day(report.end)}" if french_labels
              else f"{report.start} to {report.end}")
    return [
        Table(title_fr=f"Synthèse {report.funder.name} {period}",
              title_en=f"Summary {report.funder.name} {period}",
              columns=SUMMARY_COLUMNS, rows=summary, key="summary"),
        Table(title_fr="Par point et producteur", title_en="By outlet and producer",
              columns=DETAIL_COLUMNS, rows=detail, key="outlets"),
        Table(title_fr="Bio et sous signe de qualité", title_en="Organic and quality labels",
              columns=QUALITY_COLUMNS, rows=quality, key="quality"),
        Table(title_fr="Opérations cofinancées", title_en="Co-financed operations",
              columns=OPERATION_COLUMNS, rows=operations, key="operations"),
    ]


def funder_document(report: FunderReport, members: dict[UUID, Party], language: Language,
                    generated_at: datetime | None = None) -> Document:
    """The report as a PDF document, with totals under the quality and operations tables."""
    summary, outlets, quality, operations = funder_tables(report, members, language)
    french_labels = language == Language.FR
    total_word = "Total"  # The same word in both languages.
    total = report.quality_total()
    return Document(
        title=(f"Rapport financeur — {report.funder.name}" if french_labels
               else f"Funder report — {report.funder.name}"),
        subtitle=[f"Période du {french.day(report.start)} au {french.day(report.end)} "
                  "(jours en heure de Paris)" if french_labels
                  else f"Period {report.start} to {report.end} (Europe/Paris days)"],
        generated_at=generated_at,
        sections=[
            Section(heading=summary.title(language), table=summary),
            Section(heading=outlets.title(language), table=outlets),
            Section(heading=quality.title(language),
                    paragraphs=["Denrées des livraisons et paniers cofinancés : bio (lot "
                                "certifié), sous signe officiel de qualité (Label Rouge, AOP, "
                                "IGP, STG, HVE) ; livraisons au prix payé au producteur, "
                                "paniers au prix du panier réparti au poids."]
                    if french_labels else [],
                    table=quality,
                    totals={"outlet": total_word, **quality_row(total)}),
            Section(heading=operations.title(language), table=operations,
                    totals={"source": total_word,
                            "quantity_g": sum(o.quantity_g for o in report.operations),
                            "value_cents": sum(o.value_cents for o in report.operations),
                            "funder_cents": sum(o.funder_cents for o in report.operations),
                            "posted_cents": sum(o.posted_cents for o in report.operations)}),
        ])


def export_funder_report(ledger: StreamReader, funder: str, start: date, end: date,
                         output_format: Format, language: Language = Language.FR, *,
                         table_key: str | None = None,
                         generated_at: datetime | None = None) -> bytes:
    """The funder report as CSV (one table, the summary unless ``table_key`` says which),
    XLSX (a sheet per table) or PDF."""
    report, members = funder_report(ledger, funder, start, end)
    if output_format == Format.PDF:
        return render_pdf(funder_document(report, members, language, generated_at), language)
    return render(funder_tables(report, members, language), output_format, language,
                  table_key=table_key)
