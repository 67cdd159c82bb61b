"""EPCIS 2.0 export of a recall: valid against GS1's schema, faithful to the stored events.

The recall story's EPCIS document must validate against ``EPCIS-JSON-Schema.json`` with
format checking on (URIs and date-times really checked), and every quantity and party in it
must be the one of the stored event it names in ``cocagne:storedEvent``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import UUID

import jsonschema
import pytest

from domain.base import Event
from domain.lots import Lot
from infra.demo.territory import generate_demo
from infra.exports.epcis import export_epcis, lot_class_uri, party_uri
from infra.exports.history import load_history
from infra.ledger.ledger import Ledger
from infra.store import StoreLocation, sqlite_location
from tests.audit_export_scenario import Scenario, build_recall_scenario
from tests.builders import DEMO_END

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "fixtures/epcis/EPCIS-JSON-Schema.json"
"""GS1's schema, copied from shared/reference/epcis (see fixtures/epcis/README.md)."""
EVENT_PREFIX = "https://id.cocagne-ledger.example/event/"


def validator() -> jsonschema.Draft7Validator:
    """GS1's schema with URI and date-time format checking really on."""
    checker = jsonschema.FormatChecker()
    # Without rfc3987 (or rfc3986-validator) and rfc3339-validator installed, jsonschema
    # silently skips these formats; insist they are checked.
    assert {"uri", "date-time"} <= set(checker.checkers)
    schema = json.loads(SCHEMA_PATH.read_text())
    return jsonschema.Draft7Validator(schema, format_checker=checker)


def errors_of(document: dict[str, Any]) -> list[str]:
    """Every schema violation, as text."""
    return [f"{list(error.absolute_path)}: {error.message}"
            for error in validator().iter_errors(document)]


@pytest.fixture(scope="module")
def recall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Ledger, Scenario]]:
    """The recall story in an SQLite file, written once for the module (tests only read)."""
    ledger = Ledger(sqlite_location(tmp_path_factory.mktemp("recall") / "ledger.db"))
    try:
        yield ledger, build_recall_scenario(ledger)
    finally:
        ledger.close()


def document_of(ledger: Ledger, **selection: Any) -> dict[str, Any]:
    """The exported document, parsed with exact decimals."""
    parsed: dict[str, Any] = json.loads(export_epcis(ledger, **selection), parse_float=Decimal)
    return parsed


def stored(ledger: Ledger, uri: str) -> Event:
    """The stored event an EPCIS event names."""
    stream, version = uri.removeprefix(EVENT_PREFIX).split("/")
    [record] = ledger.recorder.select_events(UUID(stream), gt=int(version) - 1,
                                             lte=int(version))
    event: Event = ledger.mapper.to_domain_event(record)
    return event


def lot_of(ledger: Ledger, lot_id: UUID) -> Lot:
    """A lot aggregate."""
    lot = ledger.repository.get(lot_id)
    assert isinstance(lot, Lot)
    return lot


def grams(quantity: dict[str, Any]) -> int:
    """Exact grams of a quantity element in kilograms."""
    assert quantity["uom"] == "KGM"
    value = Decimal(quantity["quantity"]) * 1000
    assert value == value.to_integral_value()
    return int(value)


def parties(event: dict[str, Any], side: str, kind: str) -> list[str]:
    """The parties of one type in the source or destination list."""
    key = "source" if side == "sourceList" else "destination"
    return [entry[key] for entry in event.get(side, []) if entry["type"] == kind]


def test_the_recall_export_validates_against_the_gs1_schema(ledger: Ledger) -> None:
    """The lot's document, and the whole history's, are valid EPCIS 2.0 (on both stores)."""
    scenario = build_recall_scenario(ledger)
    for selection in ({"lot_code": scenario.code(ledger, scenario.carrots_a)}, {}):
        document = json.loads(export_epcis(ledger, **selection))
        assert errors_of(document) == []
        assert document["schemaVersion"] == "2.0"


def test_format_checking_is_really_on(recall: tuple[Ledger, Scenario]) -> None:
    """A class identifier that is not a URI is refused: the URI format is checked."""
    ledger, scenario = recall
    document = json.loads(export_epcis(ledger, lot_code=scenario.code(ledger, scenario.squash)))
    document["epcisBody"]["eventList"][0]["quantityList"][0]["epcClass"] = "not a uri"
    assert any("not a uri" in error for error in errors_of(document))


def test_quantities_and_parties_are_those_of_the_stored_events(
        recall: tuple[Ledger, Scenario]) -> None:
    """Every object event's kilograms and parties equal its stored event's grams and members."""
    ledger, _scenario = recall
    document = document_of(ledger)
    checked: set[type[Event]] = set()
    for event in document["epcisBody"]["eventList"]:
        if event["type"] != "ObjectEvent":
            continue
        [uri] = event["cocagne:storedEvent"]
        source = stored(ledger, uri)
        lot = lot_of(ledger, source.originator_id)
        [quantity] = event["quantityList"]
        assert quantity["epcClass"] == lot_class_uri(load_history(ledger).lots[lot.id])
        assert quantity["epcClass"].endswith("/" + quote(lot.code, safe=""))
        checked.add(type(source))
        expected_grams = {
            Lot.Offered: "quantity_g", Lot.OfferAccepted: "accepted_g",
            Lot.Received: "measured_g", Lot.Dispatched: "quantity_g",
            Lot.Delivered: "received_g", Lot.Lost: "quantity_g", Lot.Distributed: "quantity_g",
        }.get(type(source))
        if expected_grams is None:
            assert isinstance(source, Lot.Recalled | Lot.OfferDeclined)
            assert "quantity" not in quantity
        else:
            assert grams(quantity) == getattr(source, expected_grams)
        if isinstance(source, Lot.Received):
            assert parties(event, "sourceList", "owning_party") == [party_uri(lot.producer_id)]  # type: ignore[arg-type]
            assert parties(event, "destinationList", "owning_party") == [
                party_uri(lot.platform_id)]  # type: ignore[arg-type]
            assert event["bizStep"] == "receiving"
        if isinstance(source, Lot.Dispatched | Lot.Delivered):
            assert parties(event, "sourceList", "owning_party") == [party_uri(lot.platform_id)]  # type: ignore[arg-type]
            assert parties(event, "destinationList", "possessing_party") == [
                party_uri(source.outlet_id)]
            assert event["bizTransactionList"][0]["bizTransaction"].endswith(
                str(source.delivery_id))
        if isinstance(source, Lot.Offered):
            assert parties(event, "sourceList", "owning_party") == [party_uri(source.producer_id)]
            assert event["ilmd"]["cbvmda:bestBeforeDate"] == source.best_before.isoformat()
            assert event["ilmd"]["cbvmda:harvestStartDate"] == source.harvest_date.isoformat()
            assert event["action"] == "ADD"
    assert checked >= {Lot.Offered, Lot.OfferAccepted, Lot.Received, Lot.Dispatched,
                       Lot.Delivered, Lot.Lost, Lot.Distributed, Lot.Recalled}


def test_splits_merges_and_transformations_are_transformation_events(
        recall: tuple[Ledger, Scenario]) -> None:
    """Inputs and outputs of each transformation event are the stored parents and children."""
    ledger, scenario = recall
    document = document_of(ledger)
    history = load_history(ledger)
    transformations = [event for event in document["epcisBody"]["eventList"]
                       if event["type"] == "TransformationEvent"]
    by_step = {event["bizStep"].rsplit("-", 1)[-1] if event["bizStep"].startswith("https")
               else event["bizStep"]: event for event in transformations}
    assert set(by_step) == {"repackaging", "merging", "processing"}

    def listed(event: dict[str, Any], key: str) -> dict[str, int]:
        return {element["epcClass"]: grams(element) for element in event[key]}

    def uri(lot_id: UUID) -> str:
        return lot_class_uri(history.lots[lot_id])

    assert listed(by_step["repackaging"], "inputQuantityList") == {uri(scenario.carrots_a): 98_000}
    assert listed(by_step["repackaging"], "outputQuantityList") == {
        uri(scenario.crate_1): 48_000, uri(scenario.crate_2): 50_000}
    assert listed(by_step["merging"], "inputQuantityList") == {
        uri(scenario.crate_2): 30_000, uri(scenario.carrots_b): 50_000}
    assert listed(by_step["merging"], "outputQuantityList") == {uri(scenario.merged): 80_000}
    assert listed(by_step["processing"], "inputQuantityList") == {uri(scenario.squash): 40_000}
    assert listed(by_step["processing"], "outputQuantityList") == {
        uri(scenario.soup): 20_000, uri(scenario.puree): 15_000}
    assert by_step["processing"]["transformationID"].startswith("https://")
    for event in transformations:
        for stored_uri in event["cocagne:storedEvent"]:
            assert stored(ledger, stored_uri).context.occurred_at.isoformat().startswith(
                event["eventTime"][:19])


def test_the_recall_is_a_recalled_disposition_on_every_lot_it_reached(
        recall: tuple[Ledger, Scenario]) -> None:
    """The recalled lot and everything made from it carry the ``recalled`` disposition."""
    ledger, scenario = recall
    document = document_of(ledger, lot_code=scenario.code(ledger, scenario.carrots_a))
    history = load_history(ledger)
    recalled = {event["quantityList"][0]["epcClass"]
                for event in document["epcisBody"]["eventList"]
                if event.get("disposition") == "recalled"}
    assert recalled == {lot_class_uri(history.lots[lot_id]) for lot_id in
                        (scenario.carrots_a, scenario.crate_1, scenario.crate_2, scenario.merged)}


def test_a_period_export_keeps_only_that_period(recall: tuple[Ledger, Scenario]) -> None:
    """``--from 2026-03-09 --to 2026-03-09``: only the delivery day's shipping and receipts."""
    ledger, _ = recall
    from infra.exports.epcis import parse_instant  # noqa: PLC0415

    document = json.loads(export_epcis(ledger, start=parse_instant("2026-03-09"),
                                       end=parse_instant("2026-03-09", end=True)))
    steps = [event["bizStep"] for event in document["epcisBody"]["eventList"]]
    assert sorted(set(steps)) == ["receiving", "shipping"]
    assert steps.count("shipping") == 4
    assert all(event["eventTime"].startswith("2026-03-09")
               for event in document["epcisBody"]["eventList"])
    assert errors_of(document) == []


def test_the_demo_recall_validates(sqlite_store: StoreLocation, tmp_path: Path) -> None:
    """The demo's recalled lot, exported from the command line, is valid EPCIS 2.0."""
    from infra.cli.main import main  # noqa: PLC0415
    from infra.logs import configure_logging  # noqa: PLC0415

    ledger = Ledger(sqlite_store)
    summary = generate_demo(ledger, weeks=2, seed=7, with_governance=False,
                            end=DEMO_END)
    ledger.close()
    [code] = summary.recalled_lot_codes
    out = tmp_path / "recall.jsonld"
    try:
        assert main(["--log-level", "warning", "export", "epcis", "--db",
                     str(sqlite_store.sqlite_path), "--lot", code, "--out", str(out)]) == 0
    finally:
        configure_logging("warning")
    document = json.loads(out.read_text())
    assert errors_of(document) == []
    assert any(event.get("disposition") == "recalled"
               for event in document["epcisBody"]["eventList"])


def test_quantities_and_parties_match_the_trace_view(recall: tuple[Ledger, Scenario]) -> None:
    """Per lot and outlet, what EPCIS says was received, distributed and lost is what the
    traceability view says; every object event's grams equal the view's movement."""
    from infra.projections_wiring import open_projections  # noqa: PLC0415

    ledger, scenario = recall
    document = document_of(ledger, lot_code=scenario.code(ledger, scenario.carrots_a))
    history = load_history(ledger)
    positions = {(str(notification.originator_id), notification.originator_version):
                 notification.id
                 for notification in ledger.recorder.select_notifications(1, 10_000)}
    projections = open_projections(ledger, names=["trace"])
    try:
        projections.catch_up()
        view = projections.trace
        forward = view.forward(str(scenario.carrots_a))
        assert forward is not None
        lot_ids = [str(scenario.carrots_a)] + [lot.lot_id for lot in forward.descendants]
        movements = {movement.position: movement for movement in view.movements(lot_ids)}
    finally:
        projections.close()
    class_of = {lot_class_uri(lot): str(lot.id) for lot in history.lots.values()}
    received: dict[tuple[str, str], int] = {}
    distributed: dict[tuple[str, str], int] = {}
    for event in document["epcisBody"]["eventList"]:
        if event["type"] != "ObjectEvent":
            continue
        [uri] = event["cocagne:storedEvent"]
        stream, version = uri.removeprefix(EVENT_PREFIX).split("/")
        movement = movements.get(positions[(stream, int(version))])
        if movement is None:  # An ancestor's event: checked by the backward trace below.
            continue
        [quantity] = event["quantityList"]
        assert class_of[quantity["epcClass"]] == movement.lot_id
        if "quantity" in quantity:
            assert grams(quantity) == movement.quantity_g
        else:  # A recall or a declined offer moves nothing; the view records 0 g.
            assert movement.quantity_g == 0
        lot_id = movement.lot_id
        if event["bizStep"] == "receiving" and movement.kind == "delivered":
            [outlet] = parties(event, "destinationList", "possessing_party")
            assert outlet == party_uri(UUID(movement.holder_id or ""))
            received[(lot_id, outlet)] = received.get((lot_id, outlet), 0) + grams(quantity)
        if event.get("disposition") == "dispensed":
            outlet = party_uri(UUID(movement.holder_id or ""))
            distributed[(lot_id, outlet)] = distributed.get((lot_id, outlet), 0) + grams(quantity)
        if event["bizStep"] == "shipping":
            assert parties(event, "destinationList", "owning_party") == [
                party_uri(UUID(movement.holder_id or ""))]
    assert received == {(reach.lot_id, party_uri(UUID(reach.party_id))): reach.quantity_g
                        for reach in forward.deliveries}
    assert distributed == {(reach.lot_id, party_uri(UUID(reach.party_id))): reach.quantity_g
                           for reach in forward.distributions}
    assert received
