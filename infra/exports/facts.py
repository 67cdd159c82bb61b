"""What the reports know about each lot beyond its movements: its value, whether it was
given and by whom, its organic certificate and quality labels, where it came from.

Built from the traceability ``History`` (``infra.exports.history``) plus the donation and
quality-label streams (``donation.*``, ``lot_label.*``), read from the store with a topic
filter. Values follow ``domain.valuation``: exact per gram, rounded once per movement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from uuid import UUID

from domain.donations import Donation, Valuation
from domain.quality_labels import LotLabel, QualityLabel, labels_of_derived
from domain.valuation import (
    ZERO,
    derived_per_gram,
    donated_per_gram,
    movement_value_cents,
    per_gram,
)
from infra.exports.events import scan
from infra.exports.history import History, TrackingKind, load_history
from infra.reader import StreamReader


@dataclass
class DonationFact:
    """A recorded donation, as the attestation shows it."""

    donation_id: UUID
    lot_id: UUID
    lot_code: str
    donor_id: UUID
    organisation_id: UUID
    site_id: UUID
    product: str
    nature: str
    organic_certificate: str
    quantity_g: int
    donated_on: date
    valuation: Valuation
    price_cents_per_kg: int
    value_cents: int
    decision_id: UUID | None
    note: str
    occurred_at: datetime
    recorded_at: datetime
    event_ref: str
    """``stream:version`` of ``Donation.Recorded`` (as ``cocagne verify`` names events)."""
    notification_id: int
    cancelled: bool = False
    cancel_reason: str = ""


@dataclass
class LotFacts:
    """Values, donations, labels and origins of every lot of a history."""

    history: History
    donations: dict[UUID, DonationFact] = field(default_factory=dict)
    """By lot id, cancelled ones included (flagged)."""
    declared_labels: dict[UUID, set[QualityLabel]] = field(default_factory=dict)
    transformations: dict[UUID, tuple[int, int]] = field(default_factory=dict)
    """Transformation id -> (grams of all its inputs, grams it lost)."""
    _per_gram: dict[UUID, Fraction] = field(default_factory=dict)
    _labels: dict[UUID, frozenset[QualityLabel]] = field(default_factory=dict)
    _donor: dict[UUID, UUID | None] = field(default_factory=dict)

    def donation_of(self, lot_id: UUID) -> DonationFact | None:
        """The lot's own donation in force (not cancelled), if any."""
        found = self.donations.get(lot_id)
        return found if found is not None and not found.cancelled else None

    def per_gram(self, lot_id: UUID) -> Fraction:
        """The lot's value in cents per gram (``domain.valuation``)."""
        self._compute()
        return self._per_gram.get(lot_id, ZERO)

    def value_cents(self, lot_id: UUID, quantity_g: int) -> int:
        """What ``quantity_g`` of the lot is worth, rounded half up to the cent."""
        return movement_value_cents(quantity_g, self.per_gram(lot_id))

    def labels(self, lot_id: UUID) -> frozenset[QualityLabel]:
        """The quality labels the lot carries (declared, or carried by all its parents)."""
        self._compute()
        return self._labels.get(lot_id, frozenset())

    def organic(self, lot_id: UUID) -> bool:
        """Whether the lot is certified organic."""
        lot = self.history.lots.get(lot_id)
        return bool(lot is not None and lot.organic_certificate)

    def donor(self, lot_id: UUID) -> UUID | None:
        """Who gave the lot (or the lots it was made from, when one donor gave them all)."""
        self._compute()
        return self._donor.get(lot_id)

    def origin(self, lot_id: UUID) -> UUID | None:
        """The garden or donor the food came from (None when several)."""
        lot = self.history.lots.get(lot_id)
        donor = self.donor(lot_id)
        if donor is not None:
            return donor
        return lot.producer_id if lot is not None else None

    def _compute(self) -> None:
        """Values, labels and donors of every lot, parents before children (the history
        keeps lots in the order they were created, so a parent always comes first)."""
        if len(self._per_gram) == len(self.history.lots):
            return
        for lot_id, lot in self.history.lots.items():
            if lot_id in self._per_gram:
                continue
            parents = [(parent, grams) for parent, grams in lot.parents
                       if parent in self._per_gram]
            donation = self.donation_of(lot_id)
            if donation is not None:
                value = donated_per_gram(donation.value_cents, donation.quantity_g)
            elif lot.process == "harvest":
                value = per_gram(lot.price_cents_per_kg)
            else:
                inputs_total_g, loss_g = self.transformations.get(
                    lot.transformation_id, (0, 0)) if lot.transformation_id else (0, 0)
                value = derived_per_gram([(self._per_gram[parent], grams)
                                          for parent, grams in parents],
                                         inputs_total_g=inputs_total_g, loss_g=loss_g)
            self._per_gram[lot_id] = value
            declared = frozenset(self.declared_labels.get(lot_id, set()))
            inherited = (labels_of_derived(self._labels[parent] for parent, _ in parents)
                         if parents else frozenset())
            self._labels[lot_id] = declared | inherited
            donors = {self._donor[parent] for parent, _ in parents}
            self._donor[lot_id] = (donation.donor_id if donation is not None
                                   else donors.pop() if len(donors) == 1 else None)


def load_facts(reader: StreamReader, history: History | None = None) -> LotFacts:
    """The facts of every lot of the store (reading the history unless given)."""
    facts = LotFacts(history=history if history is not None else load_history(reader))
    for tracked in facts.history.events:
        if tracked.kind == TrackingKind.TRANSFORMED:
            facts.transformations[UUID(tracked.reference_id)] = (tracked.inputs_total_g,
                                                                 tracked.loss_g)
    label_streams: dict[UUID, tuple[UUID, QualityLabel]] = {}
    donation_lots: dict[UUID, UUID] = {}
    for notification_id, event in scan(reader, Donation.Recorded, Donation.Cancelled,
                                       LotLabel.Declared, LotLabel.Withdrawn):
        if isinstance(event, Donation.Recorded):
            facts.donations[event.lot_id] = DonationFact(
                donation_id=event.originator_id, lot_id=event.lot_id, lot_code=event.lot_code,
                donor_id=event.donor_id, organisation_id=event.organisation_id,
                site_id=event.site_id, product=event.product, nature=event.nature,
                organic_certificate=event.organic_certificate, quantity_g=event.quantity_g,
                donated_on=event.donated_on, valuation=event.valuation,
                price_cents_per_kg=event.price_cents_per_kg, value_cents=event.value_cents,
                decision_id=event.context.decision_id, note=event.note,
                occurred_at=event.context.occurred_at, recorded_at=event.timestamp,
                event_ref=f"{event.originator_id}:{event.originator_version}",
                notification_id=notification_id)
            donation_lots[event.originator_id] = event.lot_id
        elif isinstance(event, Donation.Cancelled):
            fact = facts.donations[donation_lots[event.originator_id]]
            fact.cancelled, fact.cancel_reason = True, event.reason
        elif isinstance(event, LotLabel.Declared):
            facts.declared_labels.setdefault(event.lot_id, set()).add(event.label)
            label_streams[event.originator_id] = (event.lot_id, event.label)
        elif isinstance(event, LotLabel.Withdrawn):
            lot_id, label = label_streams[event.originator_id]
            facts.declared_labels.get(lot_id, set()).discard(label)
    return facts
