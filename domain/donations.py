"""Donation stream: a received lot that a donor gave, and what it is worth.

A shop, a farm or a garden gives food to a platform. Once the lot is received at one of its
sites, the platform records the donation (``Donation.Recorded``): who gave it, how much of
the lot, on which day, and its value, either

- declared by the donor (``Valuation.DECLARED``: the value on the donor's delivery note), or
- at the cooperative's reference price for the product in force that day
  (``Valuation.REFERENCE_PRICE``: ``domain.reference_prices``, adopted by vote; the event's
  context names that decision).

One donation per lot (the stream id derives from the lot's), so a lot is never counted
twice in a donor's attestation. A donation recorded by mistake is cancelled with a reason
(``Donation.Cancelled``); it then counts nowhere, and its history stays. A donated lot, and
everything made from it, is never paid to a producer (``infra.ledger.settlement``).

The donor's yearly attestation (``infra.exports.donations``) lists these events.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import ClassVar
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec

from domain.base import Aggregate, Context, Created, Event
from domain.errors import DomainError, InvalidCommand, InvalidState, RoleRequired
from domain.ids import name_id
from domain.input_bounds import check_quantity, check_text
from domain.reference_prices import SetReferencePrices, reference_price
from domain.rules import check_amount
from domain.transfers import payment_cents

PARIS = ZoneInfo("Europe/Paris")
"""The cooperative's days: a donation given at 23:30 UTC in winter belongs to the next day."""


class Valuation(enum.StrEnum):
    """How a donation's value was set."""

    DECLARED = "declared"
    REFERENCE_PRICE = "reference_price"


class NoReferencePrice(DomainError):
    """No value was declared and no reference price in force covers the product."""

    code = "no_reference_price"


class DonationValue(msgspec.Struct, frozen=True, kw_only=True):
    """A donation's value and how it was set."""

    valuation: Valuation
    price_cents_per_kg: int
    """The reference price applied (0 for a declared value)."""
    value_cents: int
    decision_id: UUID | None
    """The decision that set the reference price (None for a declared value)."""


def paris_day(moment: datetime) -> date:
    """The day of ``moment`` in Europe/Paris."""
    return moment.astimezone(PARIS).date()


def value_donation(*, product: str, quantity_g: int, donated_on: date,
                   declared_value_cents: int | None,
                   reference: tuple[SetReferencePrices, UUID] | None) -> DonationValue:
    """The donation's value: the declared one, else quantity x the reference price in force.

    A reference value is rounded half up to the cent once, on the whole quantity.
    """
    if declared_value_cents is not None:
        check_amount(declared_value_cents, what="declared value")
        return DonationValue(valuation=Valuation.DECLARED, price_cents_per_kg=0,
                             value_cents=declared_value_cents, decision_id=None)
    price = None if reference is None else reference_price(reference[0], product)
    if reference is None or price is None:
        raise NoReferencePrice(
            f"donation of {quantity_g} g of {product} refused: no value declared and no "
            f"reference price for {product} in force on {donated_on:%d/%m/%Y} "
            "(declare the donor's value, or have reference prices adopted)",
            reason="no_reference_price", quantity_g=quantity_g, product=product,
            donated_date=donated_on.isoformat())
    value_cents = payment_cents(quantity_g * price)
    if value_cents == 0:
        raise NoReferencePrice(f"donation of {quantity_g} g of {product} is worth less than "
                               f"a cent at {price} cents/kg: declare its value",
                               reason="donation_worth_less_than_a_cent", quantity_g=quantity_g,
                               product=product, price_cents=price)
    return DonationValue(valuation=Valuation.REFERENCE_PRICE, price_cents_per_kg=price,
                         value_cents=value_cents, decision_id=reference[1])


def donation_id(lot_id: UUID) -> UUID:
    """The donation stream of a lot (one per lot)."""
    return name_id("donation", str(lot_id))


class Donation(Aggregate):
    """A donated lot, its donor and its value."""

    lot_id: UUID
    lot_code: str
    donor_id: UUID
    organisation_id: UUID
    quantity_g: int
    value_cents: int
    cancelled: bool

    ORDERED_IN_BUSINESS_TIME: ClassVar[bool] = True  # Cancelled only after recorded.

    def business_time_label(self) -> tuple[str, str]:
        """The donation by its lot's code, in a refusal of an act dated too early."""
        return "donation", self.lot_code

    class Recorded(Created, frozen=True, kw_only=True):
        """A platform recorded that a lot it received was given by a donor."""

        TOPIC: ClassVar[str] = "donation.recorded"
        lot_id: UUID
        lot_code: str
        donor_id: UUID
        organisation_id: UUID
        """The platform that received the donation (and issues the attestation)."""
        site_id: UUID
        product: str
        nature: str
        """What was given, as the attestation words it (product and variety, or the
        donor's description of a bulk donation)."""
        organic_certificate: str
        quantity_g: int
        donated_on: date
        """The day of the gift (Europe/Paris)."""
        valuation: Valuation
        price_cents_per_kg: int
        value_cents: int
        note: str = ""

        def apply(self, donation: Donation) -> None:
            donation.lot_id = self.lot_id
            donation.lot_code = self.lot_code
            donation.donor_id = self.donor_id
            donation.organisation_id = self.organisation_id
            donation.quantity_g = self.quantity_g
            donation.value_cents = self.value_cents
            donation.cancelled = False

    class Cancelled(Event, frozen=True, kw_only=True):
        """The donation was recorded by mistake: it counts nowhere any more."""

        TOPIC: ClassVar[str] = "donation.cancelled"
        reason: str

        def apply(self, donation: Donation) -> None:
            donation.cancelled = True

    @classmethod
    def record(cls, context: Context, *, lot_id: UUID, lot_code: str, donor_id: UUID,
               site_id: UUID, product: str, nature: str, organic_certificate: str,
               quantity_g: int, on_hand_g: int, donated_on: date, value: DonationValue,
               note: str = "") -> Donation:
        """Record the donation of ``quantity_g`` of a lot the acting platform holds.

        ``on_hand_g`` is what the platform holds of the lot: a donation is recorded when the
        lot is received, before any of it is split, sent or lost.
        """
        check_quantity("donated quantity", quantity_g)
        if quantity_g > on_hand_g:
            raise InvalidCommand(
                f"donation of {quantity_g} g refused: lot {lot_code} has {on_hand_g} g on "
                "hand (record a donation when the lot is received)",
                reason="donation_more_than_on_hand", quantity_g=quantity_g, lot=lot_code,
                on_hand_g=on_hand_g)
        act_day = paris_day(context.occurred_at)
        if donated_on > act_day:
            raise InvalidCommand(f"a donation given on {donated_on:%d/%m/%Y} cannot be "
                                 f"recorded on {act_day:%d/%m/%Y}, before it",
                                 reason="donated_after_recording",
                                 donated_date=donated_on.isoformat(),
                                 act_date=act_day.isoformat())
        return cls._create(
            cls.Recorded, donation_id(lot_id), context=context, lot_id=lot_id,
            lot_code=lot_code, donor_id=donor_id, organisation_id=context.member_id,
            site_id=site_id, product=product, nature=check_text("nature", nature),
            organic_certificate=organic_certificate, quantity_g=quantity_g,
            donated_on=donated_on, valuation=value.valuation,
            price_cents_per_kg=value.price_cents_per_kg, value_cents=value.value_cents,
            note=check_text("note", note, required=False))

    def cancel(self, context: Context, reason: str) -> None:
        """Withdraw a donation recorded by mistake."""
        if self.cancelled:
            raise InvalidState(f"the donation of lot {self.lot_id} is already cancelled",
                               reason="donation_already_cancelled")
        if context.member_id != self.organisation_id:
            raise RoleRequired("only the platform that recorded a donation may cancel it",
                               reason="donation_of_another_platform")
        self._trigger(self.Cancelled, context=context, reason=check_text("reason", reason))


Donation.Recorded.AGGREGATE = Donation
