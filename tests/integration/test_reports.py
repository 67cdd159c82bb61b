"""The reports of issue 13 tell the story of ``tests.reports_story`` exactly as its events do.

Each figure is compared with a recount made straight from the stored events
(``tests.report_recount``), on SQLite and on PostgreSQL: the CASF register of the platform
and of an outlet, a donor's attestation, the funder's organic and labelled food, the basket
programme's activity, and the money a recall puts at stake. The PDFs are read back
(PDFium's text extraction) and are A4; the workbooks print landscape, fitted to the width,
with the header repeated; a CSV holds one table.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pypdfium2
import pytest

from infra.exports.activity import activity, export_activity
from infra.exports.casf import Movement, casf_register, export_casf_register
from infra.exports.donations import attestation, export_donation_attestation, reference_decisions
from infra.exports.facts import load_facts
from infra.exports.funder import funder_report
from infra.exports.funder_layout import export_funder_report, millicents_to_cents
from infra.exports.recall_money import recall_money
from infra.exports.tables import Format, Language
from infra.ledger.ledger import Ledger
from tests.report_recount import (
    activity_recount,
    casf_recount,
    donations_recount,
    quality_recount,
    recall_transfers_recount,
)
from tests.reports_story import PERIOD, YEAR, Story, tell

A4_POINTS = (595.2756, 841.8898)
MADE_AT = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)


@pytest.fixture
def story(ledger: Ledger) -> Story:
    """The story, on SQLite and on PostgreSQL."""
    return tell(ledger)


def pdf_text(data: bytes) -> tuple[str, list[tuple[float, float]]]:
    """All the text of a PDF and the size of each page, in points."""
    document = pypdfium2.PdfDocument(data)
    try:
        pages = [document[index] for index in range(len(document))]
        text = "\n".join(page.get_textpage().get_text_range() for page in pages)
        return text, [tuple(sorted(page.get_size())) for page in pages]  # type: ignore[misc]
    finally:
        document.close()


def assert_a4(sizes: list[tuple[float, float]]) -> None:
    """Every page is A4 (portrait or landscape)."""
    assert sizes
    for width, height in sizes:
        assert (round(width, 1), round(height, 1)) == (round(A4_POINTS[0], 1),
                                                       round(A4_POINTS[1], 1))


def assert_print_ready(data: bytes) -> openpyxl.Workbook:
    """Every sheet prints A4 landscape, one page wide, its header row on every page."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows == "$1:$1"
    return workbook


def csv_rows(data: bytes) -> list[list[str]]:
    """The rows of a French CSV export."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


# ---------------------------------------------------------------------- CASF register


@pytest.mark.parametrize("who", ["platform", "first outlet"])
def test_the_casf_register_equals_a_recount_from_the_events(story: Story, who: str) -> None:
    """Lines, kilograms and euros per movement are the events' own, and stock balances."""
    base = story.gov.base
    organisation = base.platform_id if who == "platform" else base.outlet_ids[0]
    facts = load_facts(story.ledger)
    party = facts.history.members[organisation]
    register = casf_register(facts.history, facts, party, *PERIOD)
    totals = {str(movement): figures for movement, figures in register.totals().items()}
    assert totals == casf_recount(story.ledger, organisation, *PERIOD)
    assert register.balance_g() == 0
    if who == "platform":
        assert totals["received"][:2] == (7, 235_000)
        assert totals["made"][1] == 100_000 + 35_000  # Two split parts, the soup.
    else:
        assert totals[str(Movement.DELIVERED_IN)][1] == 108_000
        assert totals[str(Movement.DISTRIBUTED)][1] == 30_000


def test_the_casf_register_in_three_formats(story: Story) -> None:
    """CSV: the lines alone, French headers; XLSX print-ready; PDF A4 with the steps."""
    platform = str(story.gov.base.platform_id)
    rows = csv_rows(export_casf_register(story.ledger, platform, *PERIOD, Format.CSV))
    assert rows[0][:4] == ["Étape", "Mouvement", "Sens", "Date (heure de Paris)"]
    assert {row[0] for row in rows[1:]} == {"Réception", "Transformation", "Stockage",
                                            "Distribution"}
    assert all(len(row) == len(rows[0]) for row in rows)
    summary = csv_rows(export_casf_register(story.ledger, platform, *PERIOD, Format.CSV,
                                            table_key="summary"))
    assert summary[-1][:2] == ["Contrôle", "stock début + entrées - sorties - stock fin"]
    assert summary[-1][4] == "0,000"
    workbook = assert_print_ready(export_casf_register(story.ledger, platform, *PERIOD,
                                                       Format.XLSX))
    assert len(workbook.worksheets) == 2
    text, sizes = pdf_text(export_casf_register(story.ledger, platform, *PERIOD, Format.PDF,
                                                generated_at=MADE_AT))
    assert_a4(sizes)
    text = " ".join(text.split())
    for words in ("Registre de traçabilité (CASF art. L266-2)", "Réception", "Transformation",
                  "Stockage", "Distribution", "Banque Alimentaire du Doubs",
                  "don de Jardin de Cocagne de Vesoul", "07/12/2026 09:30 (heure de Paris)"):
        assert words in text, words


# --------------------------------------------------------------------------- donations


def test_a_donors_attestation_equals_a_recount_and_reads_back(story: Story) -> None:
    """The garden gave lot E (declared value); its cancelled donation is not counted."""
    facts = load_facts(story.ledger)
    donor = facts.history.members[story.garden]
    found = attestation(facts, reference_decisions(story.ledger), donor, YEAR)
    count, grams, cents = donations_recount(story.ledger, story.garden, YEAR)
    assert (sum(len(items) for items in found.donations.values()), found.total_g(),
            found.total_cents()) == (count, grams, cents) == (1, 30_000, 4_500)
    text, sizes = pdf_text(export_donation_attestation(story.ledger, str(story.garden), YEAR,
                                                       generated_at=MADE_AT))
    assert_a4(sizes)
    [fact] = found.donations[story.gov.base.platform_id]
    for words in ("Attestation de dons en nature — année 2026", "Donateur : Jardin des Dons",
                  "Banque Alimentaire du Doubs atteste avoir reçu de Jardin des Dons",
                  "30 kg", "45,00", "valeur déclarée par le donateur", "16/03/2026",
                  "ne tient pas lieu de reçu fiscal"):
        assert words in text.replace("\u00a0", " "), words
    assert fact.event_ref.split(":")[0][:8] in text


def test_a_donation_at_the_reference_price_names_its_decision(story: Story) -> None:
    """The producer's 20 kg of carrots at 1.50 EUR/kg: 30.00 EUR, as the vote decided."""
    producer = story.gov.base.producer_id
    assert donations_recount(story.ledger, producer, YEAR) == (1, 20_000, 3_000)
    text, _ = pdf_text(export_donation_attestation(story.ledger, str(producer), YEAR))
    words = " ".join(text.replace("\u00a0", " ").split())
    assert "prix de référence 1,50 €/kg (décision « Prix de référence des dons »" in words
    rows = csv_rows(export_donation_attestation(story.ledger, str(producer), YEAR,
                                                Format.CSV))
    assert rows[0][0] == "Date du don"
    assert rows[1][5] == "20,000"
    assert rows[1][7] == "30,00"


# ------------------------------------------------------------------------------ funders


def test_the_funders_organic_and_labelled_share_equals_a_recount(story: Story) -> None:
    """Kilograms and euros of organic, labelled and all food co-financed, to the gram."""
    funder = story.gov.funder_ids[0]
    report, _ = funder_report(story.ledger, str(funder), *PERIOD)
    total = report.quality_total()
    recount = quality_recount(story.ledger, funder, *PERIOD)
    assert (total.total_g, total.organic_g, total.labelled_g) == (
        recount["total_g"], recount["organic_g"], recount["labelled_g"])
    assert (total.total_millicents, total.organic_millicents, total.labelled_millicents) == (
        recount["total_millicents"], recount["organic_millicents"],
        recount["labelled_millicents"])
    assert total.labelled_g == 50_000  # The AOP leeks, all received.
    assert {operation.status for operation in report.operations} >= {"posted", "voided",
                                                                        "reserved"}
    rows = csv_rows(export_funder_report(story.ledger, str(funder), *PERIOD, Format.CSV,
                                         table_key="quality"))
    assert rows[0][:3] == ["Mois", "Point de distribution", "Cofinancement"]
    shown = sum(int(row[8].replace(",", "")) for row in rows[1:])
    assert abs(shown - millicents_to_cents(total.total_millicents)) <= len(rows)
    text, sizes = pdf_text(export_funder_report(story.ledger, str(funder), *PERIOD,
                                                Format.PDF, generated_at=MADE_AT))
    assert_a4(sizes)
    assert "Bio et sous signe de qualité" in text
    assert "mars 2026" in text
    assert len(assert_print_ready(export_funder_report(
        story.ledger, str(funder), *PERIOD, Format.XLSX)).worksheets) == 4


# ----------------------------------------------------------------------------- activity


def test_the_programme_activity_equals_a_recount(story: Story) -> None:
    """Baskets, households (a count), kilograms per channel and garden, workshops."""
    facts = load_facts(story.ledger)
    found = activity(story.ledger, facts, YEAR, str(story.programme))
    [programme] = found.programmes
    recount = activity_recount(story.ledger, story.programme,
                               set(programme.collection_point_ids), YEAR)
    assert programme.baskets_distributed == recount.baskets_distributed == 2
    assert len(programme.households_served) == len(recount.households) == 2
    assert programme.basket_g == recount.basket_g == 6_000
    assert (programme.baskets_prepared, programme.baskets_cancelled) == (4, 1)
    assert {(channel, origin): grams for (channel, origin), (grams, _) in
            found.channels.items()} == recount.channels
    assert {str(kind): figures for kind, figures in found.workshops_by_kind().items()} == \
        recount.workshops == {"cooking": (1, 12), "gardening": (1, 8)}
    text, sizes = pdf_text(export_activity(story.ledger, YEAR, Format.PDF,
                                           programme="Paniers Solidaires",
                                           generated_at=MADE_AT))
    assert_a4(sizes)
    for words in ("Rapport d'activité 2026 — Paniers Solidaires", "2 paniers distribués à 2 "
                  "foyers", "cuisine", "jardinage", "Foyers servis", "panier solidaire"):
        assert words in text.replace("\u00a0", " "), words
    assert "CCAS-0001" not in text
    assert "Foyer Martin" not in text


def test_the_network_activity_counts_every_workshop(story: Story) -> None:
    """Without a programme: every programme and every workshop, the outlet's included."""
    rows = csv_rows(export_activity(story.ledger, YEAR, Format.CSV, table_key="workshops"))
    assert sorted(row[1] for row in rows[1:]) == ["cuisine", "jardinage", "nutrition"]
    assert_print_ready(export_activity(story.ledger, YEAR, Format.XLSX))


# --------------------------------------------------------------------------- recall money


def test_recall_money_equals_the_transfers_found_from_the_events(story: Story) -> None:
    """Lot L went to the collection point (priced) and into four baskets: every transfer
    paying for it is found, and their sums per status are the events'."""
    money = recall_money(story.ledger, str(story.lots["L"]))
    recount = recall_transfers_recount(story.ledger)
    assert money.totals.pending_cents == recount["pending"]
    assert money.totals.posted_cents == recount["posted"]
    assert money.totals.transfers == len(money.transfers) == recount["transfers"]
    assert {line.status for line in money.transfers} == {"pending", "posted", "voided"}
    assert money.baskets == 4
    assert money.deliveries == 1
    # The delivery paid L (20 kg at 2.00) and M (10 kg at 1.20) in one payment of 52.00 EUR:
    # L's part is 40.00 EUR, split among the outlet and the funders like the payment.
    delivery = [line for line in money.transfers if line.cause == "delivery"]
    assert sum(line.posted_cents for line in delivery) == 5_200
    assert sum(line.at_stake_cents for line in delivery) == 4_000
    # Each basket (15.00 EUR) holds 2 kg of L and 1 kg of M: 10.00 EUR of it is at stake.
    collected = [line for line in money.transfers
                 if line.cause == "basket" and line.status == "posted"]
    assert sum(line.at_stake_cents for line in collected) == 2 * 1_000
    assert money.by_payer["household"].transfers == 4  # One per basket, the voided one too.


def test_recall_money_of_a_lot_not_paid_for_is_zero(story: Story) -> None:
    """The donated carrots were never paid: nothing at stake, no transfer."""
    money = recall_money(story.ledger, str(story.lots["C"]))
    assert money.transfers == []
    assert money.totals.posted_cents == 0


def test_a_report_in_english_keeps_its_numbers(story: Story) -> None:
    """English headers, same figures: the language changes words, never values."""
    french = csv_rows(export_casf_register(story.ledger, str(story.gov.base.platform_id),
                                           *PERIOD, Format.CSV, table_key="summary"))
    english = csv_rows(export_casf_register(story.ledger, str(story.gov.base.platform_id),
                                            *PERIOD, Format.CSV, Language.EN,
                                            table_key="summary"))
    assert [row[3:] for row in french[1:]] == [
        [cell.replace(".", ",") for cell in row[3:]] for row in english[1:]]
