"""No export turns a member's text into a spreadsheet formula (CSV / formula injection).

A product, variety, name, reason or title a member typed may begin with ``=``, ``+``, ``-``
or ``@``: a spreadsheet reads such a CSV cell as a formula (``=HYPERLINK(...)`` leaks data,
``+cmd|...`` runs a command in old Excel), and openpyxl writes a text beginning with ``=``
as a formula. The reports' story is told on a real store, then a producer named like a
formula offers, gives and delivers a lot whose texts are formulas; every export that shows
them is read back: in CSV each such text is prefixed with ``'`` (OWASP), in XLSX its cell is
a text cell showing the text as typed, and numbers (negative ones too) stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest

from domain import commands as c
from domain import reporting_commands as r
from domain.lots import Lot
from domain.members import MemberKind
from domain.workshops import WorkshopKind
from infra.exports.activity import export_activity
from infra.exports.casf import export_casf_register
from infra.exports.donations import export_donation_attestation
from infra.exports.funder_layout import export_funder_report
from infra.exports.register import export_register
from infra.exports.tables import Column, Format, Kind, Language, Table, csv_text, render_xlsx
from infra.exports.trace import export_trace
from infra.ledger.ledger import Ledger
from infra.store import StoreLocation
from tests.reports_story import DAY, PERIOD, YEAR, Story, tell, when

HYPERLINK = '=HYPERLINK("http://x","y")'
COMMAND = "+cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?[0-9]+(,[0-9]+)?")
"""A number as the French CSV writes it (decimal comma, no grouping)."""


class Hostile:
    """The formula-named producer, its lot and the texts the story gave them."""

    def __init__(self, story: Story) -> None:
        gov, base = story.gov, story.gov.base
        run = gov.run
        self.producer = base.register_member(HYPERLINK, MemberKind.PRODUCER)
        self.lot = run(c.OfferLot, actor_id=self.producer, product=COMMAND, variety=AT,
                       quantity_g=10_000, price_cents_per_kg=180,
                       harvest_date=DAY + timedelta(days=5),
                       best_before=DAY + timedelta(days=30), organic_certificate="",
                       origin="parcelle", occurred_at=when(6, 7)).stream_id
        run(c.AcceptOffer, actor_id=base.platform_id, lot_id=self.lot, site_id=base.site_id,
            accepted_g=10_000, occurred_at=when(6, 8))
        run(c.ReceiveLot, actor_id=base.platform_id, lot_id=self.lot, site_id=base.site_id,
            measured_g=10_000, occurred_at=when(6, 9))
        run(r.RecordDonation, actor_id=base.platform_id, lot_id=self.lot,
            donor_id=self.producer, declared_value_cents=1_000, occurred_at=when(6, 10))
        first = base.outlet_ids[0]
        delivery = run(c.PlanDelivery, actor_id=base.platform_id, from_site_id=base.site_id,
                       planned_for=DAY + timedelta(days=7),
                       stops=[c.PlannedStop(first, [c.PlannedLine(self.lot, 10_000)])],
                       occurred_at=when(6, 11)).stream_id
        run(c.DispatchDelivery, actor_id=base.platform_id, delivery_id=delivery,
            occurred_at=when(7, 8))
        run(c.ReceiveDelivery, actor_id=first, delivery_id=delivery,
            lines=[c.ReceiptLine(self.lot, 10_000)], signer=MINUS, occurred_at=when(7, 10))
        run(c.RecordLoss, actor_id=first, lot_id=self.lot, quantity_g=1_000, reason=MINUS,
            occurred_at=when(7, 11))
        run(r.RecordWorkshop, actor_id=gov.collection_point_id, programme_id=story.programme,
            kind=WorkshopKind.COOKING, held_on=DAY + timedelta(days=7), attendance_count=5,
            title=AT, occurred_at=when(7, 19))
        lot = gov.ledger.repository.get(self.lot)
        assert isinstance(lot, Lot)
        self.code = lot.code
        self.texts = {HYPERLINK, lot.product, lot.variety, MINUS, AT}
        """As stored (the domain writes products in lower case)."""


@pytest.fixture(scope="module")
def told(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Story, Hostile]]:
    """The story and the hostile producer's acts, on one SQLite store for the module."""
    location = StoreLocation(kind="sqlite",
                             sqlite_path=tmp_path_factory.mktemp("injection") / "ledger.db")
    ledger = Ledger(location)
    try:
        story = tell(ledger)
        yield story, Hostile(story)
    finally:
        ledger.close()


def exports(story: Story, hostile: Hostile) -> dict[str, Callable[[Format], bytes]]:
    """Every export built from tables, by name, for one format."""
    ledger, base = story.ledger, story.gov.base
    first = str(base.outlet_ids[0])
    return {
        "trace": lambda fmt: export_trace(ledger, hostile.code, fmt),
        "register of the producer": lambda fmt: export_register(
            ledger, str(hostile.producer), *PERIOD, fmt),
        "register of the platform": lambda fmt: export_register(
            ledger, str(base.platform_id), *PERIOD, fmt),
        "CASF register of the platform": lambda fmt: export_casf_register(
            ledger, str(base.platform_id), *PERIOD, fmt),
        "CASF register of the outlet": lambda fmt: export_casf_register(
            ledger, first, *PERIOD, fmt),
        "funder report": lambda fmt: export_funder_report(
            ledger, str(story.gov.funder_ids[0]), *PERIOD, fmt, table_key="operations"),
        "donation attestation": lambda fmt: export_donation_attestation(
            ledger, str(hostile.producer), YEAR, fmt),
        "activity": lambda fmt: export_activity(ledger, YEAR, fmt, table_key="workshops"),
    }


EXPORT_NAMES = ["trace", "register of the producer", "register of the platform",
                "CASF register of the platform", "CASF register of the outlet",
                "funder report", "donation attestation", "activity"]
SHOWING_HOSTILE_TEXT = {"trace", "register of the producer", "register of the platform",
                        "CASF register of the platform", "CASF register of the outlet",
                        "donation attestation", "activity"}
"""The exports where the formula-named producer's texts show (the funder report shows only
what funders co-financed, which its lot is not: it is checked for formulas all the same)."""


def csv_cells(data: bytes) -> list[str]:
    """Every cell of a French CSV export but its header row."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    return [cell for row in rows[1:] for cell in row]


@pytest.mark.parametrize("name", EXPORT_NAMES)
def test_csv_cells_never_start_a_formula(told: tuple[Story, Hostile], name: str) -> None:
    story, hostile = told
    cells = csv_cells(exports(story, hostile)[name](Format.CSV))
    starting = [cell for cell in cells if cell.startswith(FORMULA_START)]
    assert [cell for cell in starting if not NUMBER.fullmatch(cell)] == [], name
    if name in SHOWING_HOSTILE_TEXT:
        shown = [cell for cell in cells if cell.startswith("'")
                 and any(text in cell for text in hostile.texts)]
        assert shown, f"{name}: none of the formula texts shows, neutralised, in {cells}"


@pytest.mark.parametrize("name", EXPORT_NAMES)
def test_xlsx_cells_are_never_formulas(told: tuple[Story, Hostile], name: str) -> None:
    story, hostile = told
    workbook = openpyxl.load_workbook(io.BytesIO(exports(story, hostile)[name](Format.XLSX)))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows()
             for cell in row if cell.value is not None]
    assert [(cell.coordinate, cell.value) for cell in cells if cell.data_type == "f"] == []
    texts = [cell for cell in cells if isinstance(cell.value, str)]
    assert {cell.data_type for cell in texts} <= {"s"}
    if name in SHOWING_HOSTILE_TEXT:
        shown = [cell.value for cell in texts if cell.value.startswith(FORMULA_START)
                 and any(text in cell.value for text in hostile.texts)]
        assert shown, f"{name}: none of the formula texts shows as typed"


def test_numbers_stay_numbers_and_texts_are_neutralised_at_every_dangerous_start() -> None:
    """A negative balance is a number in CSV and XLSX; a text beginning with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return is prefixed in CSV and a text cell in XLSX."""
    columns = [Column("text", "Texte", "Text"), Column("euros", "Solde", "Balance",
                                                       Kind.CENTS_AS_EUROS),
               Column("count", "Nombre", "Count", Kind.INTEGER),
               Column("kg", "Poids", "Weight", Kind.GRAMS_AS_KG)]
    starts = ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "#N/A", "plain -1", "nul\x00"]
    rows: list[dict[str, object]] = [{"text": text, "euros": -1_250, "count": -3,
                                      "kg": -500} for text in starts]
    for text in starts:
        written = csv_text(columns[0], text, Language.FR)
        assert written == (f"'{text}" if text.startswith(FORMULA_START) else text)
    assert csv_text(columns[1], -1_250, Language.FR) == "-12,50"
    assert csv_text(columns[2], -3, Language.FR) == "-3"
    assert csv_text(columns[3], -500, Language.FR) == "-0,500"
    data = render_xlsx([Table("T", "T", columns, rows)], Language.FR)  # type: ignore[arg-type]
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    for index, row in enumerate(sheet.iter_rows(min_row=2), start=0):
        text, euros, count, kg = row
        # XML reads a carriage return back as a line feed, and cannot hold a NUL.
        shown = starts[index].replace("\r", "\n").replace("\x00", "\ufffd")
        assert (text.data_type, text.value) == ("s", shown)
        assert (euros.data_type, euros.value) == ("n", Decimal("-12.5"))
        assert (count.data_type, count.value) == ("n", -3)
        assert (kg.data_type, kg.value) == ("n", Decimal("-0.5"))

