"""Labels and pick lists as printed: French text, a print stylesheet, eight labels per A4
sheet, and QR codes that read back (rendered with PDFium, decoded with zxing-cpp)."""

from __future__ import annotations

from datetime import date

import pypdfium2
import zxingcpp

from domain.dates import DateKind
from domain.deliveries import DeliveryLine, Stop
from domain.picking import pick_list
from domain.stock_rules import DEFAULT_STOCK_RULES
from infra.printing.french import kilograms
from infra.printing.labels import LabelData, labels_html, labels_pdf, lot_address
from infra.printing.picklists import pick_list_data, pick_list_html, pick_list_pdf
from tests.unit.test_lot_dates_holds_domain import MONDAY, OUTLET, SITE, context, new_id, stocked

BASE = "http://127.0.0.1:8000"


def label(index: int, gtin: str = "", state: str = "") -> LabelData:
    """A label for lot ``L-{index}``."""
    code = f"L261207-{index:04d}"
    return LabelData(lot_id=str(index), code=code, product="soupe de courge",
                     variety="Butternut", best_before=date(2026, 12, 12),
                     date_kind=DateKind.USE_BY, producer="Jardins du Cœur de Lens",
                     organic_certificate="FR-BIO-01-AB12", quantity_g=1_234_500,
                     site="Entrepôt", address=lot_address(BASE, code, gtin), state=state)


def pdf_pages(pdf: bytes) -> list[pypdfium2.PdfPage]:
    """The pages of a PDF."""
    return list(pypdfium2.PdfDocument(pdf))


def page_text(page: pypdfium2.PdfPage) -> str:
    """The text of a PDF page (no-break spaces as plain ones, as PDFium reads them)."""
    return str(page.get_textpage().get_text_range()).replace("\u00a0", " ")


def test_addresses_follow_gs1_digital_link_or_the_lot_page() -> None:
    """A GTIN is padded to 14 digits; a lot code is escaped."""
    assert lot_address(BASE + "/", "L 1/2", "3769999000015") == (
        f"{BASE}/01/03769999000015/10/L%201%2F2")
    assert lot_address(BASE, "L261207-0001") == f"{BASE}/lot/L261207-0001"


def test_french_quantities() -> None:
    """Kilograms with a comma and grouped thousands."""
    assert kilograms(1_234_500) == "1\u202f234,5 kg"
    assert (kilograms(500), kilograms(0)) == ("0,5 kg", "0 kg")


def test_a_sheet_of_labels_reads_back() -> None:
    """Ten labels make two A4 pages; every QR code on the first decodes to its address."""
    labels = [label(index, gtin="3769999000015" if index % 2 else "",
                    state="BLOQUÉ — analyse de résidus en cours" if index == 3 else "")
              for index in range(10)]
    pdf = labels_pdf(labels)
    pages = pdf_pages(pdf)
    assert len(pages) == 2
    width, height = pages[0].get_size()
    assert (round(width), round(height)) == (595, 842)
    image = pages[0].render(scale=300 / 72).to_pil()
    decoded = sorted(barcode.text for barcode in zxingcpp.read_barcodes(image))
    assert decoded == sorted(item.address for item in labels[:8])
    text = page_text(pages[0])
    for expected in ("Soupe de courge", "Lot L261207-0000", "DLC : 12/12/2026",
                     "à consommer jusqu'au", "Jardins du Cœur de Lens", "Bio : FR-BIO-01-AB12",
                     "1 234,5 kg", "BLOQUÉ"):
        assert expected in text, expected


def test_labels_as_html_print_eight_per_sheet() -> None:
    """Two sheets for nine labels, an A4 print stylesheet, inline SVG QR codes."""
    page = labels_html([label(index) for index in range(9)])
    assert page.count('<section class="feuille">') == 2
    assert page.count("<svg") == 9
    assert "@page { size: A4; margin: 0; }" in page
    assert "@media print" in page
    assert '<html lang="fr">' in page
    assert "DLC : 12/12/2026" in page


def test_a_pick_list_prints_with_skipped_lines_in_french() -> None:
    """Lines FEFO with their quantities; a held lot listed apart with its reason."""
    fresh = stocked("carotte", best_before=date(2026, 12, 20))
    early = stocked("carotte", best_before=date(2026, 12, 10), quantity_g=30_000)
    held = stocked("poireau", best_before=date(2026, 12, 15))
    held.hold(context(), reason="analyse de résidus")
    spare = stocked("poireau", best_before=date(2026, 12, 18), quantity_g=4_000)
    lots = {lot.id: lot for lot in (fresh, early, held, spare)}
    listed = pick_list(
        delivery_id=new_id(), site_id=SITE, planned_for=date(2026, 12, 7),
        stops=[Stop(OUTLET, [DeliveryLine(fresh.id, 12_500), DeliveryLine(held.id, 5_000),
                             DeliveryLine(early.id, 20_000)])],
        lots=lots, site_lots=list(lots.values()), moment=MONDAY, rules=DEFAULT_STOCK_RULES)
    data = pick_list_data(listed, site="Entrepôt de Thise",
                          outlet_names={OUTLET: "Épicerie solidaire Planoise"})
    page = pick_list_html(data)
    assert "Arrêt 1 : Épicerie solidaire Planoise — 32,5 kg" in page
    assert page.index(early.code) < page.index(fresh.code)
    assert "Lot bloqué : analyse de résidus" in page
    assert f"{spare.code} (date conseillée 18/12/2026) : 4 kg" in page
    assert "@media print" in page
    [pdf_page] = pdf_pages(pick_list_pdf(data))
    text = page_text(pdf_page)
    for expected in ("Liste de préparation", "livraison du 07/12/2026", "Arrêt 1",
                     early.code, "20 kg", "12,5 kg", "À ne pas prélever",
                     "Lot bloqué : analyse de résidus"):
        assert expected in text, expected
