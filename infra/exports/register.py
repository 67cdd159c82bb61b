"""One step back, one step forward (EU Regulation 178/2002, art. 18), per member and period.

For one member, over a period of business days (both included, Europe/Paris): every lot it
received and from whom (one step back), every lot it passed on and to whom (one step
forward), and, to tie the two together, every lot it made from other lots (splits, merges,
transformations, with the lots used). A producer's "step back" is its own harvest (the
field); an outlet's "step forward" to people is its distribution by channel, counted in
kilograms only: the ledger never names households. Losses are listed so each lot's mass
balances.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

from infra.exports.errors import HistoryError
from infra.exports.french import PARIS
from infra.exports.history import History, Party, TrackingEvent, TrackingKind, load_history
from infra.exports.output import render
from infra.exports.tables import CellValue, Column, Format, Kind, Language, Table
from infra.exports.trace import (
    CHANNEL_LABELS,
    REFERENCE_LABELS,
    UNIT,
    label,
    location_text,
    product_text,
    related_text,
)
from infra.reader import StreamReader


class Direction:
    """Why a row is in the register (French, English)."""

    HARVESTED = ("Récolté", "Harvested")
    RECEIVED = ("Reçu de", "Received from")
    SENT = ("Expédié à", "Sent to")
    MADE = ("Lot fabriqué", "Lot made")
    DISTRIBUTED = ("Distribué", "Distributed")
    LOST = ("Perdu", "Lost")


COLUMNS = (
    Column("direction", "Sens", "Direction"),
    Column("occurred_at", "Date (heure de Paris)", "Date (Paris time)", Kind.DATETIME),
    Column("lot_code", "Code lot", "Lot code"),
    Column("product", "Produit", "Product"),
    Column("quantity_g", "Quantité", "Quantity", Kind.GRAMS_AS_KG),
    Column("unit", "Unité", "Unit"),
    Column("counterparty", "Fournisseur ou destinataire", "Supplier or recipient"),
    Column("counterparty_id", "Identifiant du partenaire", "Counterparty id"),
    Column("location", "Lieu", "Location"),
    Column("reference", "Document de référence", "Reference document"),
    Column("related_lots", "Lots utilisés", "Lots used"),
    Column("stored_event", "Événement enregistré (flux:version)", "Stored event (stream:version)"),
    Column("notification_id", "N° de notification", "Notification id", Kind.INTEGER),
)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """``[start 00:00, end+1 00:00)`` in Europe/Paris: both days included, as the people
    who keep the register count their days."""
    if end < start:
        raise HistoryError("the period ends ({end}) before it starts ({start})", end=end,
                           start=start)
    return (datetime.combine(start, time.min, tzinfo=PARIS),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=PARIS))


def register_entries(history: History, member_id: UUID, start: date, end: date
                     ) -> list[tuple[tuple[str, str], TrackingEvent, UUID | None]]:
    """The member's register entries: (direction, tracking event, counterparty)."""
    low, high = period_bounds(start, end)
    entries: list[tuple[tuple[str, str], TrackingEvent, UUID | None]] = []
    for event in history.events:
        if not low <= event.occurred_at < high:
            continue
        entry = _entry(event, member_id)
        if entry is not None:
            direction, counterparty = entry
            entries.append((direction, event, counterparty))
    entries.sort(key=lambda item: (item[1].occurred_at, item[1].notification_id))
    return entries


def _entry(event: TrackingEvent, member_id: UUID
           ) -> tuple[tuple[str, str], UUID | None] | None:
    kind = event.kind
    if kind == TrackingKind.OFFERED and event.from_party_id == member_id:
        return Direction.HARVESTED, None
    if kind in {TrackingKind.RECEIVED, TrackingKind.DELIVERED}:
        if event.to_party_id == member_id:
            return Direction.RECEIVED, event.from_party_id
        if event.from_party_id == member_id and kind == TrackingKind.RECEIVED:
            return Direction.SENT, event.to_party_id
    if kind == TrackingKind.SHIPPED and event.from_party_id == member_id:
        return Direction.SENT, event.to_party_id
    if kind == TrackingKind.DERIVED and event.from_party_id == member_id:
        return Direction.MADE, None
    if kind == TrackingKind.DISTRIBUTED and event.from_party_id == member_id:
        return Direction.DISTRIBUTED, None
    if kind == TrackingKind.LOST and event.from_party_id == member_id:
        return Direction.LOST, None
    return None


def register_table(history: History, member: Party, start: date, end: date,
                   language: Language) -> Table:
    """The register as one table."""
    french = language == Language.FR
    rows: list[dict[str, CellValue]] = []
    for direction, event, counterparty in register_entries(history, member.id, start, end):
        lot = history.lots[event.lot_id]
        if counterparty is not None:
            counterparty_name = history.party_name(counterparty)
        elif event.kind == TrackingKind.OFFERED:
            counterparty_name = lot.origin or ("récolte propre" if french else "own harvest")
        elif event.kind == TrackingKind.DISTRIBUTED:
            people = "bénéficiaires" if french else "people served"
            counterparty_name = f"{people} ({label(CHANNEL_LABELS, event.detail, language)})"
        else:
            counterparty_name = event.detail if event.kind == TrackingKind.LOST else ""
        rows.append({
            "direction": direction[0] if french else direction[1],
            "occurred_at": event.occurred_at,
            "lot_code": lot.code,
            "product": product_text(lot),
            "quantity_g": event.quantity_g,
            "unit": UNIT,
            "counterparty": counterparty_name,
            "counterparty_id": str(counterparty) if counterparty else "",
            "location": location_text(history, event),
            "reference": f"{label(REFERENCE_LABELS, event.reference_kind, language)} "
                         f"{event.reference_id}",
            "related_lots": related_text(history, event, language)
            if event.kind == TrackingKind.DERIVED else "",
            "stored_event": event.event_ref,
            "notification_id": event.notification_id,
        })
    return Table(
        title_fr=f"Registre amont-aval {member.name} {start} au {end}",
        title_en=f"One up one down {member.name} {start} to {end}",
        columns=COLUMNS, rows=rows)


def export_register(ledger: StreamReader, member: str, start: date, end: date,
                    output_format: Format, language: Language = Language.FR) -> bytes:
    """The register of ``member`` (id or exact name) as CSV, XLSX or PDF bytes."""
    history = load_history(ledger)
    party = history.member(member)
    return render([register_table(history, party, start, end, language)], output_format,
                  language)
