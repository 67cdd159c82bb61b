"""A funder's report: its totals equal the balances view's, and it counts, never names.

Two funders co-finance a basket programme (70 % / 30 % of what households do not pay).
Three households are enrolled; four baskets are made up: two collected, one cancelled, one
still waiting. The first funder's report for the whole period must show what it committed,
what was posted and what is still pending exactly as the balances view has them, the
baskets and kilograms per collection point and producer, and three households reached.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from domain import governance_commands as g
from infra.exports.funder import funder_report
from infra.exports.funder_layout import export_funder_report
from infra.exports.history import HistoryError
from infra.exports.tables import Format, Language
from infra.ledger.ledger import Ledger
from infra.projections_wiring import open_projections
from tests.governance_support import Governed, at, governed_territory

WHOLE = (date(2020, 1, 1), date(2030, 12, 31))


@pytest.fixture
def funded(ledger: Ledger) -> Governed:
    """The basket story, on SQLite and on PostgreSQL."""
    gov = governed_territory(ledger)
    programme_id = gov.open_programme(price_cents=1_500)
    gov.commit(gov.funder_ids[0], 100_000, programme_id)
    gov.commit(gov.funder_ids[1], 50_000, programme_id)
    lot_id = gov.basket_stock(20_000)
    households = [gov.enrol(programme_id, f"CCAS-000{index}") for index in range(1, 4)]
    collected = [gov.prepare(households[0], lot_id, quantity_g=2_500),
                 gov.prepare(households[1], lot_id, quantity_g=3_000)]
    for basket_id in collected:
        gov.collect(basket_id)
    cancelled = gov.prepare(households[2], lot_id, quantity_g=2_000)
    gov.run(g.CancelBasket, actor_id=gov.collection_point_id, basket_id=cancelled,
            reason="pas venu", occurred_at=at(4, 12))
    gov.prepare(households[2], lot_id, week="2026-W11", quantity_g=1_000, when=at(8, 10))
    return gov


def view_totals(gov: Governed) -> dict[str, int]:
    """Committed, posted and pending cents of the first funder, from the balances view."""
    projections = open_projections(gov.ledger, names=["balances"])
    try:
        projections.catch_up()
        accounts = projections.balances.accounts(owner_id=str(gov.funder_ids[0]))
    finally:
        projections.close()
    guarded = [account for account in accounts
               if account.kind in {"funder_budget", "programme_fund"}]
    [own] = [account for account in accounts if account.kind == "funder"]
    return {"committed": -own.balance_cents,
            "posted": sum(account.debits_posted_cents for account in guarded),
            "pending": sum(account.debits_pending_cents for account in guarded)}


def test_the_report_totals_equal_the_balances_view(funded: Governed) -> None:
    """Committed, posted and pending are the balances view's figures, to the cent."""
    report, _ = funder_report(funded.ledger, str(funded.funder_ids[0]), *WHOLE)
    assert {"committed": report.committed_cents, "posted": report.posted_cents,
            "pending": report.pending_cents} == view_totals(funded)
    assert report.committed_cents == 100_000
    assert report.posted_cents == 2 * 735  # 70 % of the 10.50 EUR funders pay, twice.
    assert report.pending_cents == 735


def test_the_xlsx_reads_back_with_counts_and_kilograms(funded: Governed) -> None:
    """The first two sheets: the summary (euros and counts) and baskets per outlet and
    producer (the quality and operations sheets follow)."""
    data = export_funder_report(funded.ledger, "Réseau Cocagne — fonds national", *WHOLE,
                                Format.XLSX, Language.FR)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    summary_sheet, detail_sheet, *_ = workbook.worksheets

    def rows(sheet: Any) -> list[dict[str, Any]]:
        values = list(sheet.iter_rows(values_only=True))
        return [dict(zip(values[0], row, strict=True)) for row in values[1:]]

    summary = {row["Rubrique"]: row for row in rows(summary_sheet)}
    totals = view_totals(funded)
    assert Decimal(str(summary["Engagé"]["Montant (€)"])) * 100 == totals["committed"]
    assert Decimal(str(summary["Versé"]["Montant (€)"])) * 100 == totals["posted"]
    assert Decimal(str(summary["En attente"]["Montant (€)"])) * 100 == totals["pending"]
    assert summary["Ménages touchés (paniers)"]["Nombre"] == 3
    assert summary["Paniers cofinancés"]["Nombre"] == 3
    [detail] = rows(detail_sheet)
    assert detail["Point de distribution"] == "Point relais Planoise"
    assert (detail["Paniers cofinancés"], Decimal(str(detail["Paniers (kg)"]))) == (
        3, Decimal("6.5"))
    assert Decimal(str(detail["Part des paniers (€)"])) == Decimal("22.05")
    assert summary_sheet["B2"].number_format.endswith('"€"')


def test_the_csv_uses_french_numbers_and_a_period(funded: Governed) -> None:
    """CSV: the summary table, decimal commas; a period before the baskets shows only
    money."""
    data = export_funder_report(funded.ledger, str(funded.funder_ids[0]), *WHOLE, Format.CSV)
    text = data.decode("utf-8-sig")
    assert "Engagé;1000,00;" in text
    assert "Versé;14,70;" in text
    before = export_funder_report(funded.ledger, str(funded.funder_ids[0]),
                                  date(2026, 3, 2), date(2026, 3, 2), Format.CSV)
    lines = list(csv.reader(io.StringIO(before.decode("utf-8-sig")), delimiter=";"))
    assert ["Engagé", "1000,00", ""] in lines
    assert ["Paniers cofinancés", "", "0"] in lines


def test_only_a_funder_gets_a_funder_report(funded: Governed) -> None:
    """Asking for an outlet's funder report is an error that says why."""
    with pytest.raises(HistoryError, match="not a funder"):
        funder_report(funded.ledger, "Point relais Planoise", *WHOLE)
