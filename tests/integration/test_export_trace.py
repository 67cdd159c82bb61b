"""The FSMA 204 recall spreadsheet: every row read back and checked against the ledger.

The spreadsheet of the recalled carrot lot must hold one row per tracking event of that lot,
of every lot it came from and of every lot made from it, and nothing else; each row's lot
code, quantity, date and parties must be those of the stored event it names.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import openpyxl
import pytest

from domain.base import Event
from domain.lots import Lot
from infra.cli.main import main as cli_main
from infra.exports.french import PARIS
from infra.exports.tables import Format, Language
from infra.exports.trace import COLUMNS, export_trace
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.store import StoreLocation, sqlite_location
from tests.audit_export_scenario import Scenario, build_recall_scenario

NOT_TRACKED = (Lot.Reserved, Lot.ReservationReleased)
"""Reservations move no food: the spreadsheet leaves them out."""
QUANTITY_FIELD = {
    Lot.Offered: "quantity_g", Lot.Derived: "quantity_g", Lot.OfferAccepted: "accepted_g",
    Lot.Received: "measured_g", Lot.Split: "used_g", Lot.MergedInto: "used_g",
    Lot.TransformedInto: "used_g", Lot.Dispatched: "quantity_g", Lot.Delivered: "received_g",
    Lot.Lost: "quantity_g", Lot.Distributed: "quantity_g",
}


@pytest.fixture(scope="module")
def recall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Ledger, Scenario]]:
    """The recall story in an SQLite file, written once for the module (tests only read)."""
    location = sqlite_location(tmp_path_factory.mktemp("trace") / "ledger.db")
    ledger = Ledger(location)
    try:
        yield ledger, build_recall_scenario(ledger)
    finally:
        ledger.close()


def read_xlsx(data: bytes) -> list[dict[str, Any]]:
    """The sheet's rows as dicts keyed by header."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    [sheet] = workbook.worksheets
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def stored(ledger: Ledger, reference: str) -> Event:
    """The stored event named ``stream:version``."""
    stream, version = reference.split(":")
    [record] = ledger.recorder.select_events(UUID(stream), gt=int(version) - 1,
                                             lte=int(version))
    event: Event = ledger.mapper.to_domain_event(record)
    return event


def lot(ledger: Ledger, lot_id: UUID) -> Lot:
    """A lot aggregate."""
    aggregate = ledger.repository.get(lot_id)
    assert isinstance(aggregate, Lot)
    return aggregate


def lineage(ledger: Ledger, lot_id: UUID) -> set[UUID]:
    """The lot, its ancestors and its descendants, walked on the aggregates themselves."""
    found = {lot_id}
    for step in (lambda item: [share.lot_id for share in item.parents],
                 lambda item: list(item.children)):
        queue = [lot_id]
        while queue:  # Bounded by the story's handful of lots.
            current = lot(ledger, queue.pop())
            for other in step(current):
                if other not in found:
                    found.add(other)
                    queue.append(other)
    return found


def expected_events(ledger: Ledger, lot_id: UUID) -> set[str]:
    """``stream:version`` of every tracked event of the lot's lineage, from the store."""
    expected = set()
    for member in lineage(ledger, lot_id):
        for record in ledger.recorder.select_events(member):
            event = ledger.mapper.to_domain_event(record)
            if not isinstance(event, NOT_TRACKED):
                expected.add(f"{event.originator_id}:{event.originator_version}")
    return expected


def test_every_xlsx_row_matches_its_stored_event(recall: tuple[Ledger, Scenario]) -> None:
    """Read back: one row per tracked event of the lineage, each row's facts from its event."""
    ledger, scenario = recall
    code = scenario.code(ledger, scenario.carrots_a)
    rows = read_xlsx(export_trace(ledger, code, Format.XLSX, Language.EN))
    references = [row["Stored event (stream:version)"] for row in rows]
    assert len(references) == len(set(references))
    assert set(references) == expected_events(ledger, scenario.carrots_a)
    names = {scenario.garden_a: "Jardin de Chalon", scenario.platform: "Banque alimentaire",
             scenario.outlet_1: "Épicerie solidaire", scenario.outlet_2: "Restos du quartier"}
    for row in rows:
        event = stored(ledger, row["Stored event (stream:version)"])
        aggregate = lot(ledger, event.originator_id)
        assert row["Traceability lot code"] == aggregate.code
        assert row["Product"].startswith(aggregate.product)
        assert row["Date (Paris time)"] == event.context.occurred_at.astimezone(PARIS).replace(
            tzinfo=None)
        assert row["Best before"].date() == aggregate.best_before
        field = QUANTITY_FIELD.get(type(event))
        if field is None:
            assert isinstance(event, Lot.Recalled)
            assert row["Quantity"] is None
        else:
            assert Decimal(str(row["Quantity"])) * 1000 == getattr(event, field)
            assert row["Unit of measure"] == "kg"
        if isinstance(event, Lot.Dispatched | Lot.Delivered):
            assert row["From"] == names[scenario.platform]
            assert row["To"] == names[event.outlet_id]
            assert row["Reference document"] == f"Delivery {event.delivery_id}"
        if isinstance(event, Lot.Received):
            assert (row["From"], row["To"]) == (names[scenario.garden_a],
                                                names[scenario.platform])
            assert row["Location"] == "Entrepôt, Dijon"
        if aggregate.id == scenario.carrots_a:
            assert row["Traceability lot code source"] == "Jardin de Chalon (Parcelle 3)"
        elif aggregate.id == scenario.merged:
            assert row["Traceability lot code source"] == "Banque alimentaire — Entrepôt"
    dates = [row["Date (Paris time)"] for row in rows]
    assert dates == sorted(dates)


def test_the_transformation_rows_link_the_lots(recall: tuple[Ledger, Scenario]) -> None:
    """The squash's spreadsheet shows its transformation into soup and purée, with grams."""
    ledger, scenario = recall
    rows = read_xlsx(export_trace(ledger, "CHA-0302-S", Format.XLSX, Language.FR))
    [used] = [row for row in rows if row["Événement"] == "Transformation (entrée)"]
    soup, puree = scenario.code(ledger, scenario.soup), scenario.code(ledger, scenario.puree)
    assert used["Lots liés"] == f"{soup} (20,000 kg) / {puree} (15,000 kg)"
    assert used["Détail"] == "perte 5,000 kg sur 40,000 kg entrés"
    made = {row["Code lot"] for row in rows if row["Événement"] == "Création de lot (sortie)"}
    assert made == {soup, puree}
    assert {row["Document de référence"] for row in rows
            if row["Événement"] in {"Transformation (entrée)", "Création de lot (sortie)"}} == {
        used["Document de référence"]}


def test_csv_is_french_by_default_with_bom_and_semicolons(
        recall: tuple[Ledger, Scenario]) -> None:
    """CSV: UTF-8 with BOM, ``;``, French headers and decimal commas; ``en`` switches both."""
    ledger, scenario = recall
    code = scenario.code(ledger, scenario.carrots_a)
    data = export_trace(ledger, code, Format.CSV)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == [column.fr for column in COLUMNS]
    received = next(row for row in rows if row[0] == "Réception")
    assert received[4:6] == ["98,000", "kg"]
    assert received[14] == "écart -2,000 kg"
    english = list(csv.reader(io.StringIO(export_trace(ledger, code, Format.CSV, Language.EN)
                                          .decode("utf-8-sig")), delimiter=";"))
    assert english[0] == [column.en for column in COLUMNS]
    assert next(row for row in english if row[0] == "Receiving")[4] == "98.000"
    assert len(english) == len(rows)


def test_the_command_line_writes_the_spreadsheet(recall: tuple[Ledger, Scenario],
                                                 tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """``cocagne export trace LOT --format xlsx`` writes it; an unknown lot is an error."""
    ledger, _scenario = recall
    location: StoreLocation | None = ledger.location
    assert location is not None
    out = tmp_path / "recall.xlsx"
    try:
        assert cli_main(["--log-level", "warning", "export", "trace", "--db",
                         str(location.sqlite_path), "MIX-0306", "--format", "xlsx", "--out",
                         str(out)]) == 0
        assert cli_main(["--log-level", "warning", "export", "trace", "--db",
                         str(location.sqlite_path), "NO-SUCH-LOT"]) == 2
    finally:
        configure_logging("warning")
    assert "aucun lot n'a le code 'NO-SUCH-LOT'" in capsys.readouterr().err
    rows = read_xlsx(out.read_bytes())
    assert {row["Code lot"] for row in rows} >= {"MIX-0306", "LEN-0302-C", "CHA-0302-C"}
    assert all(isinstance(row["Date (heure de Paris)"], datetime) for row in rows)


def test_every_xlsx_row_matches_the_trace_view(recall: tuple[Ledger, Scenario]) -> None:
    """The spreadsheet holds exactly the trace view's movements of the lineage, fact by fact."""
    from infra.projections_wiring import open_projections  # noqa: PLC0415

    ledger, scenario = recall
    projections = open_projections(ledger, names=["trace"])
    try:
        projections.catch_up()
        view = projections.trace
        lot_id = str(scenario.carrots_a)
        backward, forward = view.backward(lot_id), view.forward(lot_id)
        assert backward is not None
        assert forward is not None
        lineage_ids = {lot_id} | {item.lot_id for item in backward.ancestors} | {
            item.lot_id for item in forward.descendants}
        movements = {movement.position: movement for movement in view.movements(
            sorted(lineage_ids)) if movement.kind not in {"reserved", "released"}}
    finally:
        projections.close()
    rows = read_xlsx(export_trace(ledger, "CHA-0302-C", Format.XLSX, Language.EN))
    assert {row["Notification id"] for row in rows} == set(movements)
    for row in rows:
        movement = movements[row["Notification id"]]
        assert row["Traceability lot code"] == movement.code
        paris_time = movement.occurred_at.astimezone(PARIS).replace(tzinfo=None)
        assert row["Date (Paris time)"] == paris_time
        quantity_g = 0 if row["Quantity"] is None else int(Decimal(str(row["Quantity"])) * 1000)
        assert quantity_g == movement.quantity_g
        if movement.kind in {"dispatched", "delivered"}:
            assert row["To"] == movement.holder_name
        if movement.kind in {"received", "derived", "split", "merged", "transformed"}:
            assert row["Location"].split(",")[0] == movement.site_name
