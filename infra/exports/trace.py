"""The recall spreadsheet: everything about one lot, one row per tracking event (FSMA 204).

FSMA 204 asks a firm to hand the authority, within 24 hours, an electronic sortable
spreadsheet with the key data elements of every critical tracking event of the lots
concerned. Here the lots concerned are the lot asked for, every lot it was made from and
every lot made from it (splits, merges, transformations, at any depth). Each row gives the
traceability lot code, product, quantity and unit, location, date, reference document and
the lot code's source (who assigned it, where), plus the parties, related lots, harvest
and best-before dates, and the stored event the row comes from, so that an auditor can
check any row against the ledger (``cocagne verify`` names events the same way).
"""

from __future__ import annotations

from domain.lots import Channel
from infra.exports.history import History, LotInfo, TrackingEvent, TrackingKind, load_history
from infra.exports.output import render
from infra.exports.tables import (
    CellValue,
    Column,
    Format,
    Kind,
    Language,
    Table,
    csv_text,
)
from infra.reader import StreamReader

UNIT = "kg"

KIND_LABELS: dict[str, tuple[str, str]] = {
    TrackingKind.OFFERED: ("Récolte (offre)", "Harvest (offer)"),
    TrackingKind.ACCEPTED: ("Offre acceptée", "Offer accepted"),
    TrackingKind.DECLINED: ("Offre refusée", "Offer declined"),
    TrackingKind.RECEIVED: ("Réception", "Receiving"),
    TrackingKind.SPLIT: ("Division (entrée)", "Split (input)"),
    TrackingKind.MERGED: ("Fusion (entrée)", "Merge (input)"),
    TrackingKind.TRANSFORMED: ("Transformation (entrée)", "Transformation (input)"),
    TrackingKind.DERIVED: ("Création de lot (sortie)", "Lot created (output)"),
    TrackingKind.SHIPPED: ("Expédition", "Shipping"),
    TrackingKind.DELIVERED: ("Réception au point de distribution", "Receiving at outlet"),
    TrackingKind.LOST: ("Perte", "Loss"),
    TrackingKind.DISTRIBUTED: ("Distribution", "Distribution"),
    TrackingKind.RECALLED: ("Rappel", "Recall"),
}
REFERENCE_LABELS: dict[str, tuple[str, str]] = {
    "delivery": ("Livraison", "Delivery"),
    "transformation": ("Transformation", "Transformation"),
    "round": ("Tour d'allocation", "Allocation round"),
    "command": ("Commande", "Command"),
}
PROCESS_LABELS: dict[str, tuple[str, str]] = {
    "split": ("division", "split"),
    "merge": ("fusion", "merge"),
    "transform": ("transformation", "transformation"),
    "sort": ("tri", "sorting"),
}
CHANNEL_LABELS: dict[str, tuple[str, str]] = {
    Channel.FOOD_AID: ("aide alimentaire", "food aid"),
    Channel.BASKET: ("panier solidaire", "solidarity basket"),
    Channel.CANTEEN: ("restauration collective", "canteen"),
}

COLUMNS = (
    Column("event", "Événement", "Event"),
    Column("occurred_at", "Date (heure de Paris)", "Date (Paris time)", Kind.DATETIME),
    Column("lot_code", "Code lot", "Traceability lot code"),
    Column("product", "Produit", "Product"),
    Column("quantity_g", "Quantité", "Quantity", Kind.GRAMS_AS_KG),
    Column("unit", "Unité", "Unit of measure"),
    Column("location", "Lieu", "Location"),
    Column("from_party", "Expéditeur", "From"),
    Column("to_party", "Destinataire", "To"),
    Column("reference", "Document de référence", "Reference document"),
    Column("lot_code_source", "Source du code lot", "Traceability lot code source"),
    Column("related_lots", "Lots liés", "Related lots"),
    Column("harvest_date", "Date de récolte", "Harvest date", Kind.DATE),
    Column("best_before", "À consommer de préférence avant", "Best before", Kind.DATE),
    Column("detail", "Détail", "Detail"),
    Column("stored_event", "Événement enregistré (flux:version)", "Stored event (stream:version)"),
    Column("notification_id", "N° de notification", "Notification id", Kind.INTEGER),
)


def label(labels: dict[str, tuple[str, str]], key: str, language: Language) -> str:
    """The French or English label of ``key`` (the key itself when unknown)."""
    pair = labels.get(key)
    if pair is None:
        return key
    french, english = pair
    return french if language == Language.FR else english


def product_text(lot: LotInfo) -> str:
    """``carrot — Nantaise``."""
    return f"{lot.product} — {lot.variety}" if lot.variety else lot.product


def location_text(history: History, event: TrackingEvent) -> str:
    """The site (with its city) or the member's premises where the event happened."""
    if event.site_id is not None:
        place = history.sites.get(event.site_id)
        if place is not None:
            return f"{place.name}, {place.city}" if place.city else place.name
        return str(event.site_id)
    lot = history.lots[event.lot_id]
    if event.kind == TrackingKind.OFFERED and lot.origin:
        return f"{history.party_name(event.location_party_id)} ({lot.origin})"
    return history.party_name(event.location_party_id)


def lot_code_source_text(history: History, lot: LotInfo) -> str:
    """Who assigned the lot code, and where."""
    who = history.party_name(lot.code_source_id)
    if lot.code_source_site_id is not None:
        return f"{who} — {history.site_name(lot.code_source_site_id)}"
    if lot.origin:
        return f"{who} ({lot.origin})"
    return who


def related_text(history: History, event: TrackingEvent, language: Language) -> str:
    """``CODE (12,000 kg); …`` for the lots an event links."""
    parts = []
    quantity_column = COLUMNS[4]
    for lot_id, quantity_g in event.related:
        lot = history.lots.get(lot_id)
        code = lot.code if lot else str(lot_id)
        if quantity_g:
            parts.append(f"{code} ({csv_text(quantity_column, quantity_g, language)} {UNIT})")
        else:
            parts.append(code)
    return " / ".join(parts)


def _kg(grams: int, language: Language) -> str:
    return f"{csv_text(COLUMNS[4], grams, language)} {UNIT}"


def detail_text(event: TrackingEvent, language: Language) -> str:
    """The event's detail in ``language``: discrepancy, loss, channel, process or reason."""
    french = language == Language.FR
    if event.kind in {TrackingKind.RECEIVED, TrackingKind.DELIVERED}:
        if not event.discrepancy_g:
            return ""
        sign = "+" if event.discrepancy_g > 0 else "-"
        amount = _kg(abs(event.discrepancy_g), language)
        return f"écart {sign}{amount}" if french else f"discrepancy {sign}{amount}"
    if event.kind == TrackingKind.TRANSFORMED:
        loss, inputs = _kg(event.loss_g, language), _kg(event.inputs_total_g, language)
        return (f"perte {loss} sur {inputs} entrés" if french
                else f"{loss} lost of {inputs} of inputs")
    if event.kind == TrackingKind.DISTRIBUTED:
        return label(CHANNEL_LABELS, event.detail, language)
    if event.kind == TrackingKind.DERIVED:
        return label(PROCESS_LABELS, event.detail, language)
    return event.detail


def tracking_row(history: History, event: TrackingEvent,
                 language: Language) -> dict[str, CellValue]:
    """One spreadsheet row."""
    lot = history.lots[event.lot_id]
    reference = f"{label(REFERENCE_LABELS, event.reference_kind, language)} {event.reference_id}"
    return {
        "event": label(KIND_LABELS, event.kind, language),
        "occurred_at": event.occurred_at,
        "lot_code": lot.code,
        "product": product_text(lot),
        "quantity_g": event.quantity_g,
        "unit": UNIT if event.quantity_g is not None else "",
        "location": location_text(history, event),
        "from_party": history.party_name(event.from_party_id),
        "to_party": history.party_name(event.to_party_id),
        "reference": reference,
        "lot_code_source": lot_code_source_text(history, lot),
        "related_lots": related_text(history, event, language),
        "harvest_date": lot.harvest_date,
        "best_before": lot.best_before,
        "detail": detail_text(event, language),
        "stored_event": event.event_ref,
        "notification_id": event.notification_id,
    }


def trace_events(history: History, lot_code: str) -> list[TrackingEvent]:
    """The tracking events of the lot, its ancestors and its descendants, by date."""
    lot = history.lot_by_code(lot_code)
    return history.events_of(set(history.genealogy(lot.id)))


def trace_table(history: History, lot_code: str, language: Language) -> Table:
    """The recall spreadsheet's table."""
    rows = [tracking_row(history, event, language)
            for event in trace_events(history, lot_code)]
    return Table(title_fr=f"Traçabilité {lot_code}", title_en=f"Trace {lot_code}",
                 columns=COLUMNS, rows=rows)


def export_trace(ledger: StreamReader, lot_code: str, output_format: Format,
                 language: Language = Language.FR) -> bytes:
    """The recall spreadsheet of ``lot_code`` as CSV, XLSX or PDF bytes."""
    history = load_history(ledger)
    return render([trace_table(history, lot_code, language)], output_format, language,
                  title=f"Traçabilité du lot {lot_code}" if language == Language.FR
                  else f"Trace of lot {lot_code}")
