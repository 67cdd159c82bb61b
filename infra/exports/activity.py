"""A basket programme's activity for a year, as the network reports it.

Per programme (or for every programme of the network) and calendar year (Paris days), from
the events alone:

- baskets made up, distributed (collected) and not collected (cancelled); households
  enrolled and households served (a count of distinct pseudonymous households that
  collected at least one basket: never a name, never a reference); the kilograms and value
  of the baskets distributed, and what households and funders paid for them;
- the same per month;
- kilograms handed to people per channel (food aid, basket, canteen) and per garden (or
  donor) the food came from, at the programme's collection points (every outlet, for the
  network);
- the workshops held (cooking, gardening, nutrition): how many and how many people
  attended, per kind, and the list.

Events read: ``basket_programme.opened``, ``household.enrolled``, ``basket.*``,
``workshop.*`` and the lots' history (distributions, origins, values).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from domain.baskets import Basket, BasketProgramme, Household
from domain.workshops import Workshop, WorkshopKind
from infra.exports import french
from infra.exports.events import scan
from infra.exports.facts import LotFacts, load_facts
from infra.exports.history import History, HistoryError, TrackingKind
from infra.exports.output import render
from infra.exports.pdf import Document, Section, render_pdf
from infra.exports.register import period_bounds
from infra.exports.tables import CellValue, Column, Format, Kind, Language, Table
from infra.exports.trace import CHANNEL_LABELS, label
from infra.reader import StreamReader

WORKSHOP_LABELS = {WorkshopKind.COOKING: ("cuisine", "cooking"),
                   WorkshopKind.GARDENING: ("jardinage", "gardening"),
                   WorkshopKind.NUTRITION: ("nutrition", "nutrition")}
YEAR_MIN, YEAR_MAX = 2000, 2100


@dataclass
class Month:
    """One month of a programme."""

    baskets: int = 0
    households: set[UUID] = field(default_factory=set)
    grams: int = 0


@dataclass
class ProgrammeActivity:
    """One programme's year."""

    programme_id: UUID
    name: str
    producer_id: UUID
    collection_point_ids: list[UUID]
    baskets_prepared: int = 0
    baskets_distributed: int = 0
    baskets_cancelled: int = 0
    households_enrolled: int = 0
    households_served: set[UUID] = field(default_factory=set)
    basket_g: int = 0
    basket_cents: int = 0
    household_cents: int = 0
    funders_cents: int = 0
    months: dict[date, Month] = field(default_factory=dict)


@dataclass(frozen=True)
class WorkshopFact:
    """A workshop held (not cancelled)."""

    workshop_id: UUID
    organiser_id: UUID
    programme_id: UUID | None
    kind: WorkshopKind
    held_on: date
    attendance_count: int
    title: str
    event_ref: str


@dataclass
class Activity:
    """A year of activity of one programme, or of them all."""

    year: int
    scope: str
    """The programme's name, or the network's."""
    programmes: list[ProgrammeActivity]
    channels: dict[tuple[str, UUID | None], tuple[int, int]] = field(default_factory=dict)
    """(channel, garden or donor) -> (grams, cents) handed to people."""
    workshops: list[WorkshopFact] = field(default_factory=list)

    def workshops_by_kind(self) -> dict[WorkshopKind, tuple[int, int]]:
        """Per kind: (workshops, people attending)."""
        totals: dict[WorkshopKind, tuple[int, int]] = {}
        for workshop in self.workshops:
            count, people = totals.get(workshop.kind, (0, 0))
            totals[workshop.kind] = (count + 1, people + workshop.attendance_count)
        return totals


@dataclass
class _Baskets:
    """A basket's facts as the scan finds them."""

    prepared: Basket.Prepared
    collected_at: datetime | None = None
    collected: Basket.Collected | None = None
    cancelled: bool = False


def activity(reader: StreamReader, facts: LotFacts, year: int,
             programme: str | None = None) -> Activity:
    """The activity of ``programme`` (id or exact name; None: every programme) in ``year``."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise HistoryError("year {year} is outside {low}..{high}", year=year, low=YEAR_MIN,
                           high=YEAR_MAX)
    low, high = period_bounds(date(year, 1, 1), date(year, 12, 31))
    programmes: dict[UUID, ProgrammeActivity] = {}
    baskets: dict[UUID, _Baskets] = {}
    workshops: dict[UUID, WorkshopFact] = {}
    enrolled: list[tuple[UUID, datetime]] = []
    for _, event in scan(reader, BasketProgramme.Opened, Household.Enrolled, Basket.Prepared,
                         Basket.Collected, Basket.Cancelled, Workshop.Held,
                         Workshop.Cancelled):
        if isinstance(event, BasketProgramme.Opened):
            programmes[event.originator_id] = ProgrammeActivity(
                programme_id=event.originator_id, name=event.name,
                producer_id=event.producer_id,
                collection_point_ids=list(event.collection_point_ids))
        elif isinstance(event, Household.Enrolled):
            enrolled.append((event.programme_id, event.context.occurred_at))
        elif isinstance(event, Basket.Prepared):
            baskets[event.originator_id] = _Baskets(prepared=event)
        elif isinstance(event, Basket.Collected):
            found = baskets[event.originator_id]
            found.collected, found.collected_at = event, event.context.occurred_at
        elif isinstance(event, Basket.Cancelled):
            baskets[event.originator_id].cancelled = True
        elif isinstance(event, Workshop.Held):
            workshops[event.originator_id] = WorkshopFact(
                workshop_id=event.originator_id, organiser_id=event.organiser_id,
                programme_id=event.programme_id, kind=event.kind, held_on=event.held_on,
                attendance_count=event.attendance_count, title=event.title,
                event_ref=f"{event.originator_id}:{event.originator_version}")
        elif isinstance(event, Workshop.Cancelled):
            workshops.pop(event.originator_id, None)
    chosen = _chosen(programmes, programme)
    for programme_id, moment in enrolled:
        if programme_id in chosen and moment < high:
            chosen[programme_id].households_enrolled += 1
    for found in baskets.values():
        _count_basket(chosen, found, low, high)
    scope = (next(iter(chosen.values())).name if programme is not None
             else "Réseau (tous les programmes)")
    result = Activity(year=year, scope=scope, programmes=list(chosen.values()))
    outlets = ({point for item in chosen.values() for point in item.collection_point_ids}
               if programme is not None else None)
    _count_channels(result, facts, outlets, low, high)
    result.workshops = sorted(
        (workshop for workshop in workshops.values()
         if workshop.held_on.year == year
         and (programme is None or workshop.programme_id in chosen)),
        key=lambda workshop: (workshop.held_on, workshop.event_ref))
    return result


def _chosen(programmes: dict[UUID, ProgrammeActivity],
            programme: str | None) -> dict[UUID, ProgrammeActivity]:
    if programme is None:
        return programmes
    try:
        found = programmes.get(UUID(programme))
    except ValueError:
        found = None
    if found is None:
        matches = [item for item in programmes.values() if item.name == programme]
        if not matches:
            raise HistoryError("no basket programme is named {name!r}", name=programme)
        if len(matches) > 1:
            raise HistoryError("{count} basket programmes are named {name!r}: give the "
                               "programme id", count=len(matches), name=programme)
        found = matches[0]
    return {found.programme_id: found}


def _count_basket(chosen: dict[UUID, ProgrammeActivity], found: _Baskets, low: datetime,
                  high: datetime) -> None:
    prepared = found.prepared
    programme = chosen.get(prepared.programme_id)
    if programme is None:
        return
    if low <= prepared.context.occurred_at < high:
        programme.baskets_prepared += 1
        programme.baskets_cancelled += int(found.cancelled)
    if found.collected is None or found.collected_at is None or not (
            low <= found.collected_at < high):
        return
    grams = sum(line.quantity_g for line in prepared.lines)
    programme.baskets_distributed += 1
    programme.households_served.add(prepared.household_id)
    programme.basket_g += grams
    programme.basket_cents += prepared.price_cents
    programme.household_cents += found.collected.household_cents
    programme.funders_cents += found.collected.funders_cents
    month = programme.months.setdefault(french.paris_day(found.collected_at).replace(day=1),
                                        Month())
    month.baskets += 1
    month.households.add(prepared.household_id)
    month.grams += grams


def _count_channels(result: Activity, facts: LotFacts, outlets: set[UUID] | None,
                    low: datetime, high: datetime) -> None:
    for event in facts.history.events:
        if event.kind != TrackingKind.DISTRIBUTED or not low <= event.occurred_at < high:
            continue
        if outlets is not None and event.from_party_id not in outlets:
            continue
        grams = event.quantity_g or 0
        key = (event.detail, facts.origin(event.lot_id))
        total_g, total_cents = result.channels.get(key, (0, 0))
        result.channels[key] = (total_g + grams,
                                total_cents + facts.value_cents(event.lot_id, grams))


PROGRAMME_COLUMNS = (
    Column("programme", "Programme", "Programme"),
    Column("garden", "Jardin", "Garden"),
    Column("baskets_prepared", "Paniers préparés", "Baskets made up", Kind.INTEGER),
    Column("baskets_distributed", "Paniers distribués", "Baskets distributed", Kind.INTEGER),
    Column("baskets_cancelled", "Paniers non retirés", "Baskets not collected", Kind.INTEGER),
    Column("households_enrolled", "Foyers inscrits", "Households enrolled", Kind.INTEGER),
    Column("households_served", "Foyers servis", "Households served", Kind.INTEGER),
    Column("basket_g", "Denrées distribuées (kg)", "Food distributed (kg)", Kind.GRAMS_AS_KG),
    Column("basket_cents", "Valeur des paniers (€)", "Value of baskets (EUR)",
           Kind.CENTS_AS_EUROS),
    Column("household_cents", "Payé par les foyers (€)", "Paid by households (EUR)",
           Kind.CENTS_AS_EUROS),
    Column("funders_cents", "Payé par les financeurs (€)", "Paid by funders (EUR)",
           Kind.CENTS_AS_EUROS),
    Column("workshops", "Ateliers", "Workshops", Kind.INTEGER),
    Column("attendance", "Participants aux ateliers", "Workshop attendance", Kind.INTEGER),
)
MONTH_COLUMNS = (
    Column("month", "Mois", "Month", Kind.MONTH),
    Column("programme", "Programme", "Programme"),
    Column("baskets", "Paniers distribués", "Baskets distributed", Kind.INTEGER),
    Column("households", "Foyers servis", "Households served", Kind.INTEGER),
    Column("grams", "Denrées (kg)", "Food (kg)", Kind.GRAMS_AS_KG),
)
CHANNEL_COLUMNS = (
    Column("channel", "Canal", "Channel"),
    Column("origin", "Jardin ou donateur", "Garden or donor"),
    Column("grams", "Quantité distribuée (kg)", "Quantity handed out (kg)", Kind.GRAMS_AS_KG),
    Column("cents", "Valeur (€)", "Value (EUR)", Kind.CENTS_AS_EUROS),
)
KIND_COLUMNS = (
    Column("kind", "Type d'atelier", "Kind of workshop"),
    Column("workshops", "Ateliers", "Workshops", Kind.INTEGER),
    Column("attendance", "Participants", "People attending", Kind.INTEGER),
)
WORKSHOP_COLUMNS = (
    Column("held_on", "Date", "Date", Kind.DATE),
    Column("kind", "Type", "Kind"),
    Column("organiser", "Organisé par", "Held by"),
    Column("programme", "Programme", "Programme"),
    Column("attendance", "Participants", "People attending", Kind.INTEGER),
    Column("title", "Intitulé", "Title"),
    Column("stored_event", "Événement (flux:version)", "Stored event (stream:version)"),
)


def _pick(labels: tuple[str, str], language: Language) -> str:
    return labels[0] if language == Language.FR else labels[1]


def activity_tables(history: History, found: Activity, language: Language) -> list[Table]:
    """Programmes, months, channels and gardens, workshops per kind, workshops."""
    names = {item.programme_id: item.name for item in found.programmes}
    programme_rows: list[dict[str, CellValue]] = []
    for item in found.programmes:
        held = [workshop for workshop in found.workshops
                if workshop.programme_id == item.programme_id]
        programme_rows.append({
            "programme": item.name, "garden": history.party_name(item.producer_id),
            "baskets_prepared": item.baskets_prepared,
            "baskets_distributed": item.baskets_distributed,
            "baskets_cancelled": item.baskets_cancelled,
            "households_enrolled": item.households_enrolled,
            "households_served": len(item.households_served), "basket_g": item.basket_g,
            "basket_cents": item.basket_cents, "household_cents": item.household_cents,
            "funders_cents": item.funders_cents, "workshops": len(held),
            "attendance": sum(workshop.attendance_count for workshop in held)})
    month_rows: list[dict[str, CellValue]] = [
        {"month": month, "programme": item.name, "baskets": line.baskets,
         "households": len(line.households), "grams": line.grams}
        for item in found.programmes for month, line in sorted(item.months.items())]
    several = "plusieurs producteurs" if language == Language.FR else "several producers"
    channel_rows: list[dict[str, CellValue]] = [
        {"channel": label(CHANNEL_LABELS, channel, language),
         "origin": history.party_name(origin) if origin else several,
         "grams": grams, "cents": cents}
        for (channel, origin), (grams, cents) in sorted(
            found.channels.items(),
            key=lambda item: (item[0][0], history.party_name(item[0][1])))]
    kinds = found.workshops_by_kind()
    kind_rows: list[dict[str, CellValue]] = [
        {"kind": _pick(WORKSHOP_LABELS[kind], language), "workshops": kinds[kind][0],
         "attendance": kinds[kind][1]} for kind in WorkshopKind if kind in kinds]
    workshop_rows: list[dict[str, CellValue]] = [
        {"held_on": workshop.held_on, "kind": _pick(WORKSHOP_LABELS[workshop.kind], language),
         "organiser": history.party_name(workshop.organiser_id),
         "programme": names.get(workshop.programme_id, "") if workshop.programme_id else "",
         "attendance": workshop.attendance_count, "title": workshop.title,
         "stored_event": workshop.event_ref} for workshop in found.workshops]
    french_words = language == Language.FR
    return [
        Table(title_fr=f"Programmes {found.year}", title_en=f"Programmes {found.year}",
              columns=PROGRAMME_COLUMNS, rows=programme_rows, key="programmes"),
        Table(title_fr="Par mois", title_en="Per month", columns=MONTH_COLUMNS,
              rows=month_rows, key="months"),
        Table(title_fr="Par canal et par jardin", title_en="Per channel and garden",
              columns=CHANNEL_COLUMNS, rows=channel_rows, key="channels"),
        Table(title_fr="Ateliers par type" if french_words else "Workshops per kind",
              title_en="Workshops per kind", columns=KIND_COLUMNS, rows=kind_rows,
              key="workshop-kinds"),
        Table(title_fr="Ateliers", title_en="Workshops", columns=WORKSHOP_COLUMNS,
              rows=workshop_rows, key="workshops"),
    ]


def activity_document(history: History, found: Activity, language: Language,
                      generated_at: datetime | None = None) -> Document:
    """The activity report as an A4 document."""
    tables = activity_tables(history, found, language)
    programmes, months, channels, kinds, workshops = tables
    served = sum(len(item.households_served) for item in found.programmes)
    distributed = sum(item.baskets_distributed for item in found.programmes)
    channel_totals = (sum(grams for grams, _ in found.channels.values()),
                      sum(cents for _, cents in found.channels.values()))
    if language == Language.FR:
        title = f"Rapport d'activité {found.year} — {found.scope}"
        subtitle = [f"Année {found.year} (jours en heure de Paris) : {french.integer(distributed)} "
                    f"paniers distribués à {french.integer(served)} foyers, "
                    f"{french.integer(len(found.workshops))} ateliers.",
                    "Les foyers sont comptés, jamais nommés."]
    else:
        title = f"Activity report {found.year} — {found.scope}"
        subtitle = [f"{distributed} baskets to {served} households, "
                    f"{len(found.workshops)} workshops.",
                    "Households are counted, never named."]
    return Document(title=title, subtitle=subtitle, generated_at=generated_at, sections=[
        Section(heading=programmes.title(language), table=programmes),
        Section(heading=months.title(language), table=months),
        Section(heading=channels.title(language), table=channels,
                totals={"channel": "Total", "grams": channel_totals[0],
                        "cents": channel_totals[1]}),
        Section(heading=kinds.title(language), table=kinds,
                totals={"kind": "Total", "workshops": len(found.workshops),
                        "attendance": sum(w.attendance_count for w in found.workshops)}),
        Section(heading=workshops.title(language), table=workshops),
    ])


def export_activity(ledger: StreamReader, year: int, output_format: Format,
                    language: Language = Language.FR, *, programme: str | None = None,
                    table_key: str | None = None,
                    generated_at: datetime | None = None) -> bytes:
    """The activity of ``programme`` (id or name; None: the network) in ``year``, as CSV (one
    table: ``programmes`` unless ``table_key`` names another), XLSX or PDF."""
    facts = load_facts(ledger)
    found = activity(ledger, facts, year, programme)
    if output_format == Format.PDF:
        return render_pdf(activity_document(facts.history, found, language, generated_at),
                          language)
    return render(activity_tables(facts.history, found, language), output_format, language,
                  table_key=table_key)
