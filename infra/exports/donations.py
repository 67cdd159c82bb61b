"""A donor's yearly attestation: what it gave to which organisation, when, how much, worth
what, and the events each line rests on.

For one donor and one calendar year (Paris days), every donation in force
(``donation.recorded`` not followed by ``donation.cancelled``) grouped by the organisation
that received it: the day, the lot, the nature of the food, its organic certificate, the
quantity, how it was valued (the donor's declared value, or the reference price in force
that day and the decision that adopted it) and the value; the totals; and, per line, the
stored event (``stream:version`` and notification id) an auditor can check with
``cocagne verify``. As PDF (A4, the attestation), or its lines as CSV or XLSX.

The attestation sums up what the ledger records; it is not a tax receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from domain.donations import Valuation
from domain.rules import RuleBook
from infra.exports import french
from infra.exports.events import scan
from infra.exports.facts import DonationFact, LotFacts, load_facts
from infra.exports.history import History, HistoryError, Party
from infra.exports.output import render
from infra.exports.pdf import Document, Section, render_pdf
from infra.exports.tables import CellValue, Column, Format, Kind, Language, Table
from infra.reader import StreamReader

YEAR_MIN, YEAR_MAX = 2000, 2100  # Attestations for years a ledger can hold.


@dataclass(frozen=True)
class Decision:
    """The decision that adopted the reference prices a donation was valued at."""

    title: str
    effective_from: date


@dataclass
class Attestation:
    """A donor's donations of one year, per receiving organisation."""

    donor: Party
    year: int
    donations: dict[UUID, list[DonationFact]]
    """By organisation, in the order they were given."""
    decisions: dict[UUID, Decision]

    def total_g(self, organisation_id: UUID | None = None) -> int:
        """Grams given (to one organisation, or to all)."""
        return sum(fact.quantity_g for fact in self._facts(organisation_id))

    def total_cents(self, organisation_id: UUID | None = None) -> int:
        """Value given (to one organisation, or to all)."""
        return sum(fact.value_cents for fact in self._facts(organisation_id))

    def _facts(self, organisation_id: UUID | None) -> list[DonationFact]:
        if organisation_id is not None:
            return self.donations.get(organisation_id, [])
        return [fact for facts in self.donations.values() for fact in facts]


def reference_decisions(reader: StreamReader) -> dict[UUID, Decision]:
    """Every adopted rule's decision, with its title and first day in force."""
    return {event.enactment.decision_id: Decision(title=event.enactment.title,
                                                  effective_from=event.enactment.effective_from)
            for _, event in scan(reader, RuleBook.RuleEnacted)
            if isinstance(event, RuleBook.RuleEnacted)}


def attestation(facts: LotFacts, decisions: dict[UUID, Decision], donor: Party, year: int,
                organisation: Party | None = None) -> Attestation:
    """The donations ``donor`` gave in ``year`` (to ``organisation`` only, when given)."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise HistoryError("year {year} is outside {low}..{high}", year=year, low=YEAR_MIN,
                           high=YEAR_MAX)
    chosen: dict[UUID, list[DonationFact]] = {}
    for fact in sorted(facts.donations.values(),
                       key=lambda fact: (fact.donated_on, fact.notification_id)):
        if fact.cancelled or fact.donor_id != donor.id or fact.donated_on.year != year:
            continue
        if organisation is not None and fact.organisation_id != organisation.id:
            continue
        chosen.setdefault(fact.organisation_id, []).append(fact)
    return Attestation(donor=donor, year=year, donations=chosen, decisions=decisions)


COLUMNS = (
    Column("donated_on", "Date du don", "Date given", Kind.DATE),
    Column("organisation", "Organisme bénéficiaire", "Receiving organisation"),
    Column("lot_code", "Lot", "Lot"),
    Column("nature", "Nature des denrées", "Nature of the food"),
    Column("organic", "Certificat bio", "Organic certificate"),
    Column("quantity_g", "Quantité (kg)", "Quantity (kg)", Kind.GRAMS_AS_KG),
    Column("valuation", "Valorisation", "Valued at"),
    Column("value_cents", "Valeur (€)", "Value (EUR)", Kind.CENTS_AS_EUROS),
    Column("place", "Lieu de réception", "Received at"),
    Column("stored_event", "Événement (flux:version)", "Stored event (stream:version)"),
    Column("notification_id", "N° de notification", "Notification id", Kind.INTEGER),
)


def valuation_text(fact: DonationFact, decisions: dict[UUID, Decision],
                   language: Language) -> str:
    """``prix de référence 1,80 €/kg (décision « … », en vigueur le 05/01/2026)``."""
    if fact.valuation == Valuation.DECLARED:
        return "valeur déclarée par le donateur" if language == Language.FR \
            else "declared by the donor"
    price = french.euros(fact.price_cents_per_kg)
    decision = decisions.get(fact.decision_id) if fact.decision_id else None
    if language == Language.FR:
        where = (f" (décision « {decision.title} », en vigueur le "
                 f"{french.day(decision.effective_from)})" if decision else "")
        return f"prix de référence {price}/kg{where}"
    where = f" (decision '{decision.title}', from {decision.effective_from})" if decision else ""
    return f"reference price {price}/kg{where}"


def attestation_rows(history: History, found: Attestation, language: Language,
                     organisation_id: UUID | None = None) -> list[dict[str, CellValue]]:
    """The lines (of one organisation, or all)."""
    rows: list[dict[str, CellValue]] = []
    for organisation, facts in found.donations.items():
        if organisation_id is not None and organisation != organisation_id:
            continue
        for fact in facts:
            rows.append({
                "donated_on": fact.donated_on, "organisation": history.party_name(organisation),
                "lot_code": fact.lot_code, "nature": fact.nature,
                "organic": fact.organic_certificate, "quantity_g": fact.quantity_g,
                "valuation": valuation_text(fact, found.decisions, language),
                "value_cents": fact.value_cents, "place": history.site_name(fact.site_id),
                "stored_event": fact.event_ref, "notification_id": fact.notification_id})
    return rows


def attestation_document(history: History, found: Attestation, language: Language,
                         generated_at: datetime | None = None) -> Document:
    """The attestation: one section per receiving organisation, with its totals."""
    donor = found.donor.name
    sections = []
    for organisation_id in found.donations:
        organisation = history.party_name(organisation_id)
        kilograms = french.kilograms(found.total_g(organisation_id))
        value = french.euros(found.total_cents(organisation_id))
        if language == Language.FR:
            heading = f"Organisme bénéficiaire : {organisation}"
            text = (f"{organisation} atteste avoir reçu de {donor}, au cours de l'année "
                    f"{found.year}, les dons en nature décrits ci-dessous : {kilograms} de "
                    f"denrées, d'une valeur totale de {value}.")
        else:
            heading = f"Receiving organisation: {organisation}"
            text = (f"{organisation} certifies it received from {donor} in {found.year} the "
                    f"donations in kind below: {kilograms} of food worth {value} in all.")
        sections.append(Section(
            heading=heading, paragraphs=[text],
            table=Table("", "", COLUMNS, attestation_rows(history, found, language,
                                                          organisation_id)),
            totals={"donated_on": None, "organisation": "Total",
                    "quantity_g": found.total_g(organisation_id),
                    "value_cents": found.total_cents(organisation_id)}))
    if not sections:
        sections.append(Section(
            heading="Aucun don" if language == Language.FR else "No donation",
            paragraphs=[f"Aucun don de {donor} n'est enregistré pour {found.year}."
                        if language == Language.FR
                        else f"No donation from {donor} is recorded for {found.year}."]))
    if language == Language.FR:
        title = f"Attestation de dons en nature — année {found.year}"
        subtitle = [f"Donateur : {donor}",
                    f"Total de l'année : {french.kilograms(found.total_g())}, "
                    f"{french.euros(found.total_cents())}"]
        closing = [
            "Valorisation : la valeur déclarée par le donateur, ou à défaut la quantité au "
            "prix de référence adopté par la coopérative et en vigueur le jour du don.",
            "Établie à partir des seuls événements enregistrés dans le registre partagé de la "
            "coopérative : chaque ligne renvoie à l'événement qui la fonde, que tout membre "
            "peut vérifier (cocagne verify). Ce récapitulatif ne tient pas lieu de reçu "
            "fiscal.",
        ]
    else:
        title = f"Attestation of donations in kind — {found.year}"
        subtitle = [f"Donor: {donor}", f"Year's total: {french.kilograms(found.total_g())}, "
                                       f"{french.euros(found.total_cents())}"]
        closing = ["Valued at the donor's declared value, else at the reference price the "
                   "cooperative adopted, in force on the day of the gift.",
                   "Made from the stored events alone; each line names the event it rests on. "
                   "This summary is not a tax receipt."]
    return Document(title=title, subtitle=subtitle, sections=sections, closing=closing,
                    generated_at=generated_at, landscape=True)


def _party(history: History, reference: str, what: str) -> Party:
    try:
        return history.member(reference)
    except HistoryError as error:  # ``member`` found none, or several.
        if "count" in error.fields:
            raise HistoryError("{what}: {count} members are named {name!r}: give the member "
                               "id", what=what, **error.fields) from error
        raise HistoryError("{what}: no member is named {name!r}", what=what,
                           **error.fields) from error


def export_donation_attestation(ledger: StreamReader, donor: str, year: int,
                                output_format: Format = Format.PDF,
                                language: Language = Language.FR, *,
                                organisation: str | None = None,
                                generated_at: datetime | None = None) -> bytes:
    """The attestation of ``donor`` (member id or exact name) for ``year``, as PDF, or its
    lines as CSV or XLSX."""
    facts = load_facts(ledger)
    history = facts.history
    found = attestation(facts, reference_decisions(ledger), _party(history, donor, "donor"),
                        year, _party(history, organisation, "organisation")
                        if organisation else None)
    if output_format == Format.PDF:
        return render_pdf(attestation_document(history, found, language, generated_at),
                          language)
    table = Table(title_fr=f"Dons {found.donor.name} {year}",
                  title_en=f"Donations {found.donor.name} {year}", columns=COLUMNS,
                  rows=attestation_rows(history, found, language), key="donations")
    return render([table], output_format, language)
