"""One step back, one step forward: each member's register, read back and checked.

For the food bank, an outlet and a garden over March 2026, the register must list exactly
what each received and from whom, what each passed on and to whom, and (for the food bank)
which lots it made from which, each row matching the stored event it names.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import openpyxl
import pytest

from domain.base import Event
from domain.lots import Lot
from infra.exports.register import export_register
from infra.exports.tables import Format, Language
from infra.ledger.ledger import Ledger
from infra.store import sqlite_location
from tests.audit_export_scenario import Scenario, build_recall_scenario

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture(scope="module")
def recall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Ledger, Scenario]]:
    """The recall story in an SQLite file, written once for the module (tests only read)."""
    ledger = Ledger(sqlite_location(tmp_path_factory.mktemp("register") / "ledger.db"))
    try:
        yield ledger, build_recall_scenario(ledger)
    finally:
        ledger.close()


def read_xlsx(data: bytes) -> list[dict[str, Any]]:
    """The sheet's rows as dicts keyed by header."""
    [sheet] = openpyxl.load_workbook(io.BytesIO(data)).worksheets
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def every_lot_event(ledger: Ledger) -> list[Event]:
    """Every lot event in the store, from the notification log."""
    events = []
    for notification in ledger.recorder.select_notifications(1, 10_000):
        event = ledger.mapper.to_domain_event(notification)
        if type(event).__qualname__.startswith("Lot."):
            events.append(event)
    return events


def lot_of(ledger: Ledger, lot_id: UUID) -> Lot:
    """A lot aggregate."""
    aggregate = ledger.repository.get(lot_id)
    assert isinstance(aggregate, Lot)
    return aggregate


def expected_register(ledger: Ledger, member: UUID) -> set[tuple[str, str, int, str]]:
    """(direction, stream:version, grams, counterparty id) the register must hold."""
    expected = set()
    for event in every_lot_event(ledger):
        lot = lot_of(ledger, event.originator_id)
        ref = f"{event.originator_id}:{event.originator_version}"
        if isinstance(event, Lot.Offered) and event.producer_id == member:
            expected.add(("Harvested", ref, event.quantity_g, ""))
        elif isinstance(event, Lot.Received):
            if lot.platform_id == member:
                expected.add(("Received from", ref, event.measured_g, str(lot.producer_id)))
            if lot.producer_id == member:
                expected.add(("Sent to", ref, event.measured_g, str(lot.platform_id)))
        elif isinstance(event, Lot.Delivered) and event.outlet_id == member:
            expected.add(("Received from", ref, event.received_g, str(lot.platform_id)))
        elif isinstance(event, Lot.Dispatched) and lot.platform_id == member:
            expected.add(("Sent to", ref, event.quantity_g, str(event.outlet_id)))
        elif isinstance(event, Lot.Derived) and event.platform_id == member:
            expected.add(("Lot made", ref, event.quantity_g, ""))
        elif isinstance(event, Lot.Distributed) and event.outlet_id == member:
            expected.add(("Distributed", ref, event.quantity_g, ""))
        elif isinstance(event, Lot.Lost) and event.holder_id == member:
            expected.add(("Lost", ref, event.quantity_g, ""))
    return expected


def as_set(rows: list[dict[str, Any]]) -> set[tuple[str, str, int, str]]:
    """The register rows in the shape of ``expected_register``."""
    return {(row["Direction"], row["Stored event (stream:version)"],
             int(Decimal(str(row["Quantity"])) * 1000), row["Counterparty id"] or "")
            for row in rows}


@pytest.mark.parametrize("who", ["platform", "outlet_1", "outlet_2", "garden_a", "garden_b"])
def test_every_register_row_matches_the_stored_events(recall: tuple[Ledger, Scenario],
                                                      who: str) -> None:
    """Read back from XLSX, each member's register is exactly its events, step back and forward."""
    ledger, scenario = recall
    member: UUID = getattr(scenario, who)
    rows = read_xlsx(export_register(ledger, str(member), *MARCH, Format.XLSX, Language.EN))
    assert rows
    assert as_set(rows) == expected_register(ledger, member)
    assert len(rows) == len(as_set(rows))


def test_the_food_bank_register_names_suppliers_recipients_and_lots_used(
        recall: tuple[Ledger, Scenario]) -> None:
    """Suppliers and recipients by name; a made lot lists the lots it was made from."""
    ledger, _scenario = recall
    rows = read_xlsx(export_register(ledger, "Banque alimentaire", *MARCH, Format.XLSX,
                                     Language.FR))
    suppliers = {row["Fournisseur ou destinataire"] for row in rows if row["Sens"] == "Reçu de"}
    recipients = {row["Fournisseur ou destinataire"] for row in rows
                  if row["Sens"] == "Expédié à"}
    assert suppliers == {"Jardin de Chalon", "Jardin de Lens"}
    assert recipients == {"Épicerie solidaire", "Restos du quartier"}
    [merged] = [row for row in rows if row["Code lot"] == "MIX-0306"
                and row["Sens"] == "Lot fabriqué"]
    assert merged["Lots utilisés"] == "CHA-0302-C-2 (30,000 kg) / LEN-0302-C (50,000 kg)"


def test_the_period_bounds_are_business_dates_included(
        recall: tuple[Ledger, Scenario]) -> None:
    """9 March only: the outlet's receipt that day, not its distribution on the 10th."""
    ledger, scenario = recall
    data = export_register(ledger, str(scenario.outlet_1), date(2026, 3, 9), date(2026, 3, 9),
                           Format.CSV, Language.FR)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert {row["Sens"] for row in rows} == {"Reçu de"}
    assert sorted(row["Quantité"] for row in rows) == ["20,000", "39,000"]
    assert {row["Fournisseur ou destinataire"] for row in rows} == {"Banque alimentaire"}


def test_an_outlet_register_counts_people_served_without_naming_them(
        recall: tuple[Ledger, Scenario]) -> None:
    """Distribution rows say the channel, never a household."""
    ledger, scenario = recall
    rows = read_xlsx(export_register(ledger, str(scenario.outlet_2), *MARCH, Format.XLSX,
                                     Language.FR))
    [distributed] = [row for row in rows if row["Sens"] == "Distribué"]
    assert distributed["Fournisseur ou destinataire"] == "bénéficiaires (panier solidaire)"
    assert distributed["Identifiant du partenaire"] in {None, ""}
