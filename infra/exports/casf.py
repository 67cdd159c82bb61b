"""The traceability register of an organisation authorised for food aid (CASF art. L266-2).

French law asks such organisations to keep the physical and accounting traceability of
the food they handle at every step: reception, transformation, storage, distribution. For
one organisation (a platform with its sites, or an outlet) and a period of Paris days, the
register lists, from the events alone:

- **Réception**: lots received at its sites from producers or donors (``lot.received``),
  deliveries it signed for (``lot.delivered``);
- **Transformation**: what it took from lots to split, merge or transform them, and the
  lots it made (``lot.split``, ``lot.merged_into``, ``lot.transformed_into``,
  ``lot.derived``);
- **Stockage**: what it held of each lot at the start and at the end of the period, and
  what it lost (``lot.lost``);
- **Distribution**: what it sent to outlets (``lot.dispatched``) and handed to people, by
  channel (``lot.distributed``; a count of kilograms, never a person).

Each line has its quantity, its value (``infra.exports.facts``: the offer price, the
donation's value, or what its inputs were worth) and the stored event it comes from, so a
controller can check any line against the ledger. Per lot, stock at the start + what came
in - what went out = stock at the end: the summary shows that check, which is zero.

Formats: CSV (the lines, one table), XLSX (lines and summary) and PDF (A4, by step).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from infra.exports import french
from infra.exports.facts import LotFacts, load_facts
from infra.exports.history import History, Party, TrackingEvent, TrackingKind
from infra.exports.output import render
from infra.exports.pdf import Document, Section, render_pdf
from infra.exports.register import period_bounds
from infra.exports.tables import CellValue, Column, Format, Kind, Language, Table
from infra.exports.trace import CHANNEL_LABELS, PROCESS_LABELS, label, location_text, product_text
from infra.reader import StreamReader


class Step(enum.StrEnum):
    """The steps CASF art. L266-2 names."""

    RECEPTION = "reception"
    TRANSFORMATION = "transformation"
    STORAGE = "storage"
    DISTRIBUTION = "distribution"


class Movement(enum.StrEnum):
    """What a line records, and its direction for the organisation's stock."""

    RECEIVED = "received"
    DELIVERED_IN = "delivered_in"
    USED = "used"
    MADE = "made"
    STOCK_START = "stock_start"
    LOST = "lost"
    STOCK_END = "stock_end"
    SHIPPED = "shipped"
    DISTRIBUTED = "distributed"


STEP_OF = {
    Movement.RECEIVED: Step.RECEPTION, Movement.DELIVERED_IN: Step.RECEPTION,
    Movement.USED: Step.TRANSFORMATION, Movement.MADE: Step.TRANSFORMATION,
    Movement.STOCK_START: Step.STORAGE, Movement.LOST: Step.STORAGE,
    Movement.STOCK_END: Step.STORAGE,
    Movement.SHIPPED: Step.DISTRIBUTION, Movement.DISTRIBUTED: Step.DISTRIBUTION,
}
SIGN = {Movement.RECEIVED: 1, Movement.DELIVERED_IN: 1, Movement.MADE: 1,
        Movement.USED: -1, Movement.LOST: -1, Movement.SHIPPED: -1, Movement.DISTRIBUTED: -1,
        Movement.STOCK_START: 0, Movement.STOCK_END: 0}
STEP_LABELS = {Step.RECEPTION: ("Réception", "Reception"),
               Step.TRANSFORMATION: ("Transformation", "Transformation"),
               Step.STORAGE: ("Stockage", "Storage"),
               Step.DISTRIBUTION: ("Distribution", "Distribution")}
MOVEMENT_LABELS = {
    Movement.RECEIVED: ("Réception d'un fournisseur", "Received from a supplier"),
    Movement.DELIVERED_IN: ("Réception d'une livraison", "Delivery received"),
    Movement.USED: ("Lot utilisé", "Lot used"),
    Movement.MADE: ("Lot fabriqué", "Lot made"),
    Movement.STOCK_START: ("Stock au début de la période", "Stock at the start"),
    Movement.LOST: ("Perte", "Loss"),
    Movement.STOCK_END: ("Stock à la fin de la période", "Stock at the end"),
    Movement.SHIPPED: ("Expédition à un point de distribution", "Shipped to an outlet"),
    Movement.DISTRIBUTED: ("Distribution aux personnes", "Handed to people"),
}
DIRECTION_LABELS = {1: ("entrée", "in"), -1: ("sortie", "out"), 0: ("stock", "stock")}


def holding_change(event: TrackingEvent, organisation_id: UUID) -> tuple[Movement, int] | None:
    """How a tracking event changes what the organisation holds of its lot, in grams."""
    quantity_g = event.quantity_g or 0
    kind = event.kind
    if kind == TrackingKind.RECEIVED and event.to_party_id == organisation_id:
        return Movement.RECEIVED, quantity_g
    if kind == TrackingKind.DELIVERED and event.to_party_id == organisation_id:
        return Movement.DELIVERED_IN, quantity_g
    if kind == TrackingKind.DERIVED and event.from_party_id == organisation_id:
        return Movement.MADE, quantity_g
    if event.from_party_id != organisation_id:
        return None
    if kind in {TrackingKind.SPLIT, TrackingKind.MERGED, TrackingKind.TRANSFORMED}:
        return Movement.USED, -quantity_g
    if kind == TrackingKind.SHIPPED:
        return Movement.SHIPPED, -quantity_g
    if kind == TrackingKind.LOST:
        return Movement.LOST, -quantity_g
    if kind == TrackingKind.DISTRIBUTED:
        return Movement.DISTRIBUTED, -quantity_g
    return None


@dataclass
class Line:
    """One line of the register."""

    movement: Movement
    occurred_at: datetime
    lot_id: UUID
    quantity_g: int
    """Always positive; ``SIGN`` gives the direction."""
    value_cents: int
    event: TrackingEvent | None
    """The stored event (None for the stock lines, which are computed)."""
    place: str = ""


@dataclass
class CasfRegister:
    """The register's lines and the stock check."""

    organisation: Party
    start: date
    end: date
    lines: list[Line] = field(default_factory=list)

    def totals(self) -> dict[Movement, tuple[int, int, int]]:
        """Per movement: (lines, grams, cents)."""
        totals: dict[Movement, tuple[int, int, int]] = {}
        for line in self.lines:
            count, grams, cents = totals.get(line.movement, (0, 0, 0))
            totals[line.movement] = (count + 1, grams + line.quantity_g,
                                     cents + line.value_cents)
        return totals

    def balance_g(self) -> int:
        """Stock at the start + in - out - stock at the end: zero when the register holds."""
        totals = self.totals()

        def grams(movement: Movement) -> int:
            return totals.get(movement, (0, 0, 0))[1]

        moved = sum(SIGN[movement] * grams(movement) for movement in Movement)
        return grams(Movement.STOCK_START) + moved - grams(Movement.STOCK_END)


def casf_register(history: History, facts: LotFacts, organisation: Party, start: date,
                  end: date) -> CasfRegister:
    """The register of ``organisation`` over ``start``..``end`` (Paris days, included)."""
    low, high = period_bounds(start, end)
    register = CasfRegister(organisation=organisation, start=start, end=end)
    held_at_start: dict[UUID, int] = {}
    held_at_end: dict[UUID, int] = {}
    places: dict[UUID, str] = {}
    for event in history.events:
        change = holding_change(event, organisation.id)
        if change is None or event.occurred_at >= high:
            continue
        movement, grams = change
        places[event.lot_id] = location_text(history, event)
        held_at_end[event.lot_id] = held_at_end.get(event.lot_id, 0) + grams
        if event.occurred_at < low:
            held_at_start[event.lot_id] = held_at_start.get(event.lot_id, 0) + grams
            continue
        register.lines.append(Line(movement=movement, occurred_at=event.occurred_at,
                                   lot_id=event.lot_id, quantity_g=abs(grams),
                                   value_cents=facts.value_cents(event.lot_id, abs(grams)),
                                   event=event, place=places[event.lot_id]))
    for movement, moment, held in ((Movement.STOCK_START, low, held_at_start),
                                   (Movement.STOCK_END, high, held_at_end)):
        for lot_id, grams in held.items():
            if grams:
                register.lines.append(Line(
                    movement=movement, occurred_at=moment, lot_id=lot_id, quantity_g=grams,
                    value_cents=facts.value_cents(lot_id, grams), event=None,
                    place=places.get(lot_id, "")))
    order = list(Movement)
    register.lines.sort(key=lambda line: (
        line.occurred_at, order.index(line.movement),
        line.event.notification_id if line.event else 0, history.lots[line.lot_id].code))
    return register


LINE_COLUMNS = (
    Column("step", "Étape", "Step"),
    Column("movement", "Mouvement", "Movement"),
    Column("direction", "Sens", "Direction"),
    Column("occurred_at", "Date (heure de Paris)", "Date (Paris time)", Kind.DATETIME),
    Column("lot_code", "Lot", "Lot"),
    Column("product", "Produit", "Product"),
    Column("quantity_g", "Quantité (kg)", "Quantity (kg)", Kind.GRAMS_AS_KG),
    Column("unit_value_cents", "Valeur unitaire (€/kg)", "Unit value (EUR/kg)",
           Kind.CENTS_AS_EUROS),
    Column("value_cents", "Valeur (€)", "Value (EUR)", Kind.CENTS_AS_EUROS),
    Column("organic", "Certificat bio", "Organic certificate"),
    Column("counterparty", "Provenance ou destination", "From or to"),
    Column("place", "Lieu", "Place"),
    Column("detail", "Détail", "Detail"),
    Column("stored_event", "Justificatif (événement flux:version)",
           "Evidence (stored event stream:version)"),
    Column("notification_id", "N° de notification", "Notification id", Kind.INTEGER),
)
PDF_LINE_COLUMNS = tuple(column for column in LINE_COLUMNS
                         if column.key not in {"step", "direction", "notification_id"})
"""In the PDF, the lines come under their step's heading."""
SUMMARY_COLUMNS = (
    Column("step", "Étape", "Step"),
    Column("movement", "Mouvement", "Movement"),
    Column("direction", "Sens", "Direction"),
    Column("lines", "Lignes", "Lines", Kind.INTEGER),
    Column("quantity_g", "Quantité (kg)", "Quantity (kg)", Kind.GRAMS_AS_KG),
    Column("value_cents", "Valeur (€)", "Value (EUR)", Kind.CENTS_AS_EUROS),
)


def _pick(labels: tuple[str, str], language: Language) -> str:
    return labels[0] if language == Language.FR else labels[1]


def _counterparty(history: History, facts: LotFacts, line: Line, language: Language) -> str:
    event = line.event
    french_words = language == Language.FR
    if event is None:
        return ""
    if line.movement == Movement.RECEIVED:
        donation = facts.donation_of(line.lot_id)
        if donation is not None:
            gift = "don de" if french_words else "donation from"
            return f"{gift} {history.party_name(donation.donor_id)}"
        return history.party_name(event.from_party_id)
    if line.movement == Movement.DELIVERED_IN:
        return history.party_name(event.from_party_id)
    if line.movement == Movement.SHIPPED:
        return history.party_name(event.to_party_id)
    if line.movement == Movement.DISTRIBUTED:
        people = "personnes accueillies" if french_words else "people served"
        return f"{people} ({label(CHANNEL_LABELS, event.detail, language)})"
    if line.movement in {Movement.USED, Movement.MADE}:
        codes = [history.lots[lot_id].code for lot_id, _ in event.related
                 if lot_id in history.lots]
        arrow = "→" if line.movement == Movement.USED else "←"
        return f"{arrow} {', '.join(codes)}"
    return ""


def _detail(line: Line, language: Language) -> str:
    event = line.event
    if event is None:
        return ""
    french_words = language == Language.FR
    if line.movement == Movement.LOST:
        return event.detail
    if line.movement == Movement.MADE:
        return label(PROCESS_LABELS, event.detail, language)
    if event.kind == TrackingKind.TRANSFORMED:
        loss = french.kilograms(event.loss_g)
        return f"perte de transformation {loss}" if french_words else f"{loss} lost"
    if event.discrepancy_g:
        gap = french.kilograms(event.discrepancy_g)
        return f"écart {gap}" if french_words else f"discrepancy {gap}"
    return ""


def register_rows(history: History, facts: LotFacts, register: CasfRegister,
                  language: Language) -> list[dict[str, CellValue]]:
    """The register's lines as table rows."""
    rows: list[dict[str, CellValue]] = []
    for line in register.lines:
        lot = history.lots[line.lot_id]
        unit = facts.per_gram(line.lot_id) * 1_000
        rows.append({
            "step": _pick(STEP_LABELS[STEP_OF[line.movement]], language),
            "movement": _pick(MOVEMENT_LABELS[line.movement], language),
            "direction": _pick(DIRECTION_LABELS[SIGN[line.movement]], language),
            "occurred_at": line.occurred_at,
            "lot_code": lot.code,
            "product": product_text(lot),
            "quantity_g": line.quantity_g,
            "unit_value_cents": round(unit),
            "value_cents": line.value_cents,
            "organic": lot.organic_certificate,
            "counterparty": _counterparty(history, facts, line, language),
            "place": line.place,
            "detail": _detail(line, language),
            "stored_event": line.event.event_ref if line.event else "",
            "notification_id": line.event.notification_id if line.event else None,
        })
    return rows


def summary_rows(register: CasfRegister, language: Language,
                 steps: Iterable[Step] = tuple(Step)) -> list[dict[str, CellValue]]:
    """Lines, kilograms and euros per step and movement, and the stock check."""
    totals = register.totals()
    rows: list[dict[str, CellValue]] = []
    chosen = set(steps)
    for movement in Movement:
        if STEP_OF[movement] not in chosen:
            continue
        count, grams, cents = totals.get(movement, (0, 0, 0))
        rows.append({"step": _pick(STEP_LABELS[STEP_OF[movement]], language),
                     "movement": _pick(MOVEMENT_LABELS[movement], language),
                     "direction": _pick(DIRECTION_LABELS[SIGN[movement]], language),
                     "lines": count, "quantity_g": grams, "value_cents": cents})
    return rows


def _titles(register: CasfRegister, language: Language) -> tuple[str, str]:
    if language == Language.FR:
        return (f"Registre de traçabilité (CASF art. L266-2) — {register.organisation.name}",
                f"du {french.day(register.start)} au {french.day(register.end)}")
    return (f"Traceability register (CASF art. L266-2) — {register.organisation.name}",
            f"{register.start} to {register.end}")


def casf_tables(history: History, facts: LotFacts, register: CasfRegister,
                language: Language) -> list[Table]:
    """The lines (one table: the CSV) and the summary per step and movement."""
    _, period = _titles(register, language)
    check: dict[str, CellValue] = {"step": "Contrôle" if language == Language.FR else "Check",
             "movement": ("stock début + entrées - sorties - stock fin"
                          if language == Language.FR else "start + in - out - end"),
             "quantity_g": register.balance_g()}
    return [
        Table(title_fr=f"Registre {period}", title_en=f"Register {period}",
              columns=LINE_COLUMNS, rows=register_rows(history, facts, register, language),
              key="lines"),
        Table(title_fr="Synthèse par étape", title_en="Summary per step",
              columns=SUMMARY_COLUMNS, rows=[*summary_rows(register, language), check],
              key="summary"),
    ]


def casf_document(history: History, facts: LotFacts, register: CasfRegister,
                  language: Language, generated_at: datetime | None = None) -> Document:
    """The register as an A4 document: the summary, then the lines step by step."""
    title, period = _titles(register, language)
    rows = register_rows(history, facts, register, language)
    sections = [Section(
        heading="Synthèse par étape" if language == Language.FR else "Summary per step",
        paragraphs=[("Stock au début + entrées - sorties - stock à la fin = "
                     f"{french.kilograms(register.balance_g())} (contrôle des masses)")
                    if language == Language.FR else
                    f"Start + in - out - end = {french.kilograms(register.balance_g())}"],
        table=Table("", "", SUMMARY_COLUMNS, summary_rows(register, language)))]
    for step in Step:
        chosen = [row for line, row in zip(register.lines, rows, strict=True)
                  if STEP_OF[line.movement] == step]
        sections.append(Section(heading=_pick(STEP_LABELS[step], language),
                                table=Table("", "", PDF_LINE_COLUMNS, chosen, key=str(step))))
    return Document(title=title, subtitle=[
        f"Période {period} (jours en heure de Paris)" if language == Language.FR
        else f"Period {period} (Europe/Paris days)",
        "Établi à partir des seuls événements enregistrés dans le registre partagé ; chaque "
        "ligne renvoie à l'événement qui la fonde." if language == Language.FR
        else "Made from the stored events alone; each line names the event it rests on."],
        sections=sections, generated_at=generated_at, landscape=True)


def export_casf_register(ledger: StreamReader, organisation: str, start: date, end: date,
                         output_format: Format, language: Language = Language.FR, *,
                         table_key: str | None = None,
                         generated_at: datetime | None = None) -> bytes:
    """The register of ``organisation`` (member id or exact name) as CSV (the lines, or the
    summary with ``table_key="summary"``), XLSX or PDF."""
    facts = load_facts(ledger)
    history = facts.history
    party = history.member(organisation)
    register = casf_register(history, facts, party, start, end)
    if output_format == Format.PDF:
        return render_pdf(casf_document(history, facts, register, language, generated_at),
                          language)
    return render(casf_tables(history, facts, register, language), output_format, language,
                  table_key=table_key)
