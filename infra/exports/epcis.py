"""GS1 EPCIS 2.0 export: the traceability history as a JSON-LD EPCIS document.

Lots are identified at class level (a quantity of a lot, never individual items): each lot's
``epcClass`` is a project-owned URI ``https://id.cocagne-ledger.example/lot/{product}/{code}``
standing where an LGTIN would (the cooperative has no GS1 company prefix), and quantities
are kilograms (``uom`` ``KGM``), converted exactly from the stored grams.

How stored lot events map (CBV terms where the CBV has one, project-owned URIs under
``https://id.cocagne-ledger.example/voc/`` where it has none):

================================  ===================  ==================================
stored event                      EPCIS event          bizStep / disposition
================================  ===================  ==================================
lot.offered (harvest)             ObjectEvent ADD      creating_class_instance / active,
                                                       ``ilmd`` best-before, harvest dates
lot.offer_accepted / declined     ObjectEvent OBSERVE  project ``BizStep-offer_accepted``
                                                       / ``-offer_declined``
lot.received                      ObjectEvent OBSERVE  receiving / in_progress
lot.split                         TransformationEvent  repackaging / active
lot.derived (merge)               TransformationEvent  project ``BizStep-merging``
lot.transformed_into (grouped)    TransformationEvent  project ``BizStep-processing``
lot.dispatched                    ObjectEvent OBSERVE  shipping / in_transit
lot.delivered                     ObjectEvent OBSERVE  receiving / in_progress (at outlet)
lot.lost                          ObjectEvent OBSERVE  project ``BizStep-recording_loss``
                                                       / non_sellable_other
lot.distributed                   ObjectEvent OBSERVE  project ``BizStep-distributing``
                                                       / dispensed
lot.recalled                      ObjectEvent OBSERVE  project ``BizStep-recalling`` /
                                                       recalled (also set as persistent)
================================  ===================  ==================================

Owners and holders appear in ``sourceList`` / ``destinationList`` as ``owning_party`` and
``possessing_party`` (member URIs) and ``location`` (site URIs). Each EPCIS event carries
``cocagne:storedEvent``: the URI of the stored event(s) it comes from, so any line can be
checked against the ledger and ``cocagne verify``. Names of sites, members and lots travel
once, in the header's master data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from uuid import UUID, uuid4, uuid5

import msgspec

from domain.ids import LEDGER_NAMESPACE
from infra.exports.history import History, LotInfo, TrackingEvent, TrackingKind, load_history
from infra.exports.tables import grams_to_kg
from infra.reader import StreamReader

BASE_URI = "https://id.cocagne-ledger.example"
VOCABULARY_URI = f"{BASE_URI}/voc/"
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
CONTEXT: list[Any] = [EPCIS_CONTEXT, {"cocagne": VOCABULARY_URI}]
KILOGRAM = "KGM"  # UN/ECE recommendation 20 code for kilogram, as EPCIS asks.
MASTER_DATA_NAME = "urn:epcglobal:cbv:mda#name"
MASTER_DATA_DESCRIPTION = "urn:epcglobal:cbv:mda#descriptionShort"
PARTY_VOCABULARY = f"{VOCABULARY_URI}Party"
"""No CBV vocabulary type names parties in master data, so this one is the project's."""


def biz_step(name: str) -> str:
    """A project-owned business step URI, for steps the CBV has no term for."""
    return f"{VOCABULARY_URI}BizStep-{name}"


def lot_class_uri(lot: LotInfo) -> str:
    """The lot's class-level identifier (an LGTIN stand-in)."""
    return f"{BASE_URI}/lot/{quote(lot.product, safe='')}/{quote(lot.code, safe='')}"


def party_uri(member_id: UUID) -> str:
    """A member as a party."""
    return f"{BASE_URI}/party/{member_id}"


def premises_uri(member_id: UUID) -> str:
    """A member's own premises (a garden's fields, an outlet's shop) as a location."""
    return f"{BASE_URI}/party/{member_id}/premises"


def site_uri(site_id: UUID) -> str:
    """A registered site as a location."""
    return f"{BASE_URI}/site/{site_id}"


def stored_event_uri(event: TrackingEvent) -> str:
    """The stored event an EPCIS event comes from."""
    return f"{BASE_URI}/event/{event.stream_id}/{event.version}"


def _event_id(event: TrackingEvent) -> str:
    # Stable across exports: derived from the stored event, not from the export run.
    return f"urn:uuid:{uuid5(LEDGER_NAMESPACE, f'epcis:{event.stream_id}:{event.version}')}"


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def _quantity(lot: LotInfo, quantity_g: int | None) -> dict[str, Any]:
    element: dict[str, Any] = {"epcClass": lot_class_uri(lot)}
    if quantity_g is not None:
        element["quantity"] = grams_to_kg(quantity_g)
        element["uom"] = KILOGRAM
    return element


def _ilmd(lot: LotInfo) -> dict[str, Any]:
    ilmd: dict[str, Any] = {"cbvmda:bestBeforeDate": lot.best_before.isoformat(),
                            "cbvmda:lotNumber": lot.code}
    if lot.harvest_date is not None:
        ilmd["cbvmda:harvestStartDate"] = lot.harvest_date.isoformat()
        ilmd["cbvmda:harvestEndDate"] = lot.harvest_date.isoformat()
    if lot.organic_certificate:
        ilmd["cocagne:organicCertificate"] = lot.organic_certificate
    if lot.origin:
        ilmd["cocagne:origin"] = lot.origin
    return ilmd


class _Parties:
    """Sources and destinations of one event."""

    def __init__(self) -> None:
        self.sources: list[dict[str, str]] = []
        self.destinations: list[dict[str, str]] = []

    def source(self, kind: str, uri: str) -> None:
        self.sources.append({"type": kind, "source": uri})

    def destination(self, kind: str, uri: str) -> None:
        self.destinations.append({"type": kind, "destination": uri})

    def transfer(self, from_party: UUID | None, to_party: UUID | None,
                 from_location: str | None, to_location: str | None) -> None:
        """Ownership and possession pass from one member to another."""
        if from_party is not None:
            self.source("owning_party", party_uri(from_party))
            self.source("possessing_party", party_uri(from_party))
        if from_location is not None:
            self.source("location", from_location)
        if to_party is not None:
            self.destination("owning_party", party_uri(to_party))
            self.destination("possessing_party", party_uri(to_party))
        if to_location is not None:
            self.destination("location", to_location)

    def into(self, document_event: dict[str, Any]) -> None:
        if self.sources:
            document_event["sourceList"] = self.sources
        if self.destinations:
            document_event["destinationList"] = self.destinations


class _Builder:
    """Turns tracking events into EPCIS events, collecting the master data they use."""

    def __init__(self, history: History) -> None:
        self.history = history
        self.locations: dict[str, str] = {}
        self.parties: dict[str, str] = {}
        self.classes: dict[str, LotInfo] = {}
        self.done_transformations: set[str] = set()

    def location_of(self, event: TrackingEvent) -> str | None:
        if event.site_id is not None:
            uri = site_uri(event.site_id)
            self.locations[uri] = self.history.site_name(event.site_id)
            return uri
        if event.location_party_id is not None:
            uri = premises_uri(event.location_party_id)
            self.locations[uri] = self.history.party_name(event.location_party_id)
            return uri
        return None

    def remember_parties(self, *member_ids: UUID | None) -> None:
        for member_id in member_ids:
            if member_id is not None:
                self.parties[party_uri(member_id)] = self.history.party_name(member_id)

    def base(self, event: TrackingEvent, kind: str, stored: list[str] | None = None
             ) -> dict[str, Any]:
        document_event: dict[str, Any] = {
            "type": kind,
            "eventTime": _time(event.occurred_at),
            "recordTime": _time(event.recorded_at),
            "eventTimeZoneOffset": "+00:00",
            "eventID": _event_id(event),
        }
        location = self.location_of(event)
        if location is not None:
            document_event["readPoint"] = {"id": location}
            document_event["bizLocation"] = {"id": location}
        document_event["cocagne:storedEvent"] = stored or [stored_event_uri(event)]
        return document_event

    def lot(self, lot_id: UUID) -> LotInfo:
        lot = self.history.lots[lot_id]
        self.classes[lot_class_uri(lot)] = lot
        return lot

    def build(self, event: TrackingEvent) -> dict[str, Any] | None:
        """The EPCIS event for ``event`` (None when another event already covers it)."""
        kind = event.kind
        if kind in {TrackingKind.SPLIT, TrackingKind.TRANSFORMED, TrackingKind.DERIVED,
                    TrackingKind.MERGED}:
            return self.transformation(event)
        return self.object_event(event)

    def object_event(self, event: TrackingEvent) -> dict[str, Any]:
        lot = self.lot(event.lot_id)
        kind = event.kind
        document_event = self.base(event, "ObjectEvent")
        document_event["action"] = "ADD" if kind == TrackingKind.OFFERED else "OBSERVE"
        document_event["quantityList"] = [_quantity(lot, event.quantity_g)]
        parties = _Parties()
        self.remember_parties(event.from_party_id, event.to_party_id)
        location = document_event.get("readPoint", {}).get("id")
        if kind == TrackingKind.OFFERED:
            document_event["bizStep"] = "creating_class_instance"
            document_event["disposition"] = "active"
            if event.from_party_id is not None:
                parties.source("owning_party", party_uri(event.from_party_id))
            document_event["ilmd"] = _ilmd(lot)
        elif kind == TrackingKind.ACCEPTED:
            document_event["bizStep"] = biz_step("offer_accepted")
            parties.transfer(event.from_party_id, event.to_party_id, None, None)
        elif kind == TrackingKind.DECLINED:
            document_event["bizStep"] = biz_step("offer_declined")
            document_event["cocagne:reason"] = event.detail
        elif kind == TrackingKind.RECEIVED:
            document_event["bizStep"] = "receiving"
            document_event["disposition"] = "in_progress"
            parties.transfer(event.from_party_id, event.to_party_id, None, location)
            if event.discrepancy_g:
                document_event["cocagne:discrepancyKg"] = grams_to_kg(event.discrepancy_g)
        elif kind == TrackingKind.SHIPPED:
            document_event["bizStep"] = "shipping"
            document_event["disposition"] = "in_transit"
            destination = premises_uri(event.to_party_id) if event.to_party_id else None
            if destination is not None:
                self.locations[destination] = self.history.party_name(event.to_party_id)
            parties.transfer(event.from_party_id, event.to_party_id, location, destination)
            document_event["bizTransactionList"] = [self.delivery(event)]
        elif kind == TrackingKind.DELIVERED:
            document_event["bizStep"] = "receiving"
            document_event["disposition"] = "in_progress"
            lot_site = site_uri(lot.site_id) if lot.site_id else None
            parties.transfer(event.from_party_id, event.to_party_id, lot_site, location)
            document_event["bizTransactionList"] = [self.delivery(event)]
            if event.discrepancy_g:
                document_event["cocagne:discrepancyKg"] = grams_to_kg(event.discrepancy_g)
        elif kind == TrackingKind.LOST:
            document_event["bizStep"] = biz_step("recording_loss")
            document_event["disposition"] = "non_sellable_other"
            document_event["cocagne:reason"] = event.detail
        elif kind == TrackingKind.DISTRIBUTED:
            document_event["bizStep"] = biz_step("distributing")
            document_event["disposition"] = "dispensed"
            document_event["cocagne:channel"] = f"{VOCABULARY_URI}Channel-{event.detail}"
        elif kind == TrackingKind.RECALLED:
            document_event["bizStep"] = biz_step("recalling")
            document_event["disposition"] = "recalled"
            document_event["persistentDisposition"] = {"set": ["recalled"]}
            document_event["cocagne:reason"] = event.detail
            for origin_id, _ in event.related:
                document_event["cocagne:recallOrigin"] = lot_class_uri(self.lot(origin_id))
        parties.into(document_event)
        return document_event

    def delivery(self, event: TrackingEvent) -> dict[str, str]:
        return {"type": "desadv",
                "bizTransaction": f"{BASE_URI}/delivery/{event.reference_id}"}

    def transformation(self, event: TrackingEvent) -> dict[str, Any] | None:
        """Splits from the parent's event; merges from the child's; transformations once
        per transformation id, from the first input's event (the others are folded in)."""
        kind = event.kind
        if kind == TrackingKind.SPLIT:
            inputs = [(event.lot_id, event.quantity_g or 0)]
            outputs = list(event.related)
            stored = [stored_event_uri(event)]
            step = "repackaging"
        elif kind == TrackingKind.DERIVED and event.detail == "merge":
            inputs = list(event.related)
            outputs = [(event.lot_id, event.quantity_g or 0)]
            stored = [stored_event_uri(event)]
            step = biz_step("merging")
        elif kind == TrackingKind.TRANSFORMED:
            if event.reference_id in self.done_transformations:
                return None
            self.done_transformations.add(event.reference_id)
            siblings = [other for other in self.history.events
                        if other.kind == TrackingKind.TRANSFORMED
                        and other.reference_id == event.reference_id]
            inputs = [(other.lot_id, other.quantity_g or 0) for other in siblings]
            outputs = list(event.related)
            stored = [stored_event_uri(other) for other in siblings]
            step = biz_step("processing")
        else:
            # Split outputs and merge inputs are covered by the event above; transformation
            # outputs by their inputs' events.
            return None
        document_event = self.base(event, "TransformationEvent", stored)
        document_event["inputQuantityList"] = [_quantity(self.lot(lot_id), quantity_g)
                                               for lot_id, quantity_g in inputs]
        document_event["outputQuantityList"] = [_quantity(self.lot(lot_id), quantity_g)
                                                for lot_id, quantity_g in outputs]
        if kind == TrackingKind.TRANSFORMED:
            document_event["transformationID"] = f"{BASE_URI}/transformation/{event.reference_id}"
        document_event["bizStep"] = step
        document_event["disposition"] = "active"
        first_output = self.lot(outputs[0][0])
        document_event["ilmd"] = _ilmd(first_output)
        self.remember_parties(event.from_party_id)
        parties = _Parties()
        if event.from_party_id is not None:
            # The platform owns both what goes in and what comes out.
            parties.source("owning_party", party_uri(event.from_party_id))
            parties.destination("owning_party", party_uri(event.from_party_id))
        parties.into(document_event)
        return document_event

    def master_data(self) -> dict[str, Any]:
        def vocabulary(kind: str, names: dict[str, str], attribute: str) -> dict[str, Any]:
            return {"type": kind, "vocabularyElementList": [
                {"id": uri, "attributes": [{"id": attribute, "attribute": name}]}
                for uri, name in sorted(names.items())]}

        classes = {uri: f"{lot.product} {lot.variety}".strip() + f" — lot {lot.code}"
                   for uri, lot in self.classes.items()}
        return {"epcisMasterData": {"vocabularyList": [
            vocabulary("urn:epcglobal:epcis:vtype:BusinessLocation", self.locations,
                       MASTER_DATA_NAME),
            vocabulary("urn:epcglobal:epcis:vtype:EPCClass", classes, MASTER_DATA_DESCRIPTION),
            vocabulary(PARTY_VOCABULARY, self.parties, MASTER_DATA_NAME),
        ]}}


def select_events(history: History, *, lot_code: str | None = None,
                  start: datetime | None = None, end: datetime | None = None
                  ) -> list[TrackingEvent]:
    """The tracking events to export: one lot's genealogy, or a period ``[start, end)``."""
    if lot_code is not None:
        lot = history.lot_by_code(lot_code)
        events = history.events_of(set(history.genealogy(lot.id)))
    else:
        events = sorted(history.events,
                        key=lambda event: (event.occurred_at, event.notification_id))
    return [event for event in events
            if (start is None or event.occurred_at >= start)
            and (end is None or event.occurred_at < end)]


def epcis_document(history: History, events: list[TrackingEvent],
                   created_at: datetime | None = None) -> dict[str, Any]:
    """The EPCIS document of ``events`` (quantities as exact ``Decimal`` kilograms)."""
    builder = _Builder(history)
    event_list = [document_event for event in events
                  if (document_event := builder.build(event)) is not None]
    return {
        "@context": CONTEXT,
        "id": f"urn:uuid:{uuid4()}",
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _time(created_at or datetime.now(tz=UTC)),
        "epcisHeader": builder.master_data(),
        "epcisBody": {"eventList": event_list},
    }


_encoder = msgspec.json.Encoder(decimal_format="number")


def encode_document(document: dict[str, Any]) -> bytes:
    """JSON with kilograms written as exact decimal numbers, indented for people."""
    return msgspec.json.format(_encoder.encode(document), indent=2) + b"\n"


def export_epcis(ledger: StreamReader, *, lot_code: str | None = None,
                 start: datetime | None = None, end: datetime | None = None) -> bytes:
    """The EPCIS 2.0 JSON-LD document for a lot's genealogy or a period."""
    history = load_history(ledger)
    return encode_document(epcis_document(
        history, select_events(history, lot_code=lot_code, start=start, end=end)))


def parse_instant(text: str, *, end: bool = False) -> datetime:
    """``2026-03-01`` (the day's start, or the next day's start when ``end``) or an ISO
    date-time (UTC when no offset is given)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    moment = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    return moment + timedelta(days=1) if end else moment
