"""Commands recording the facts the cooperative reports on, beyond the flow of lots:
donations received, quality labels on lots, workshops held.

They follow ``domain.commands``: a client-chosen ``command_id``, the acting member, optional
correlation and causation ids and business time (``occurred_at``). Every field is bounded
and described with the types of ``domain.fields``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar
from uuid import UUID

import msgspec

from domain.commands import Command
from domain.fields import (
    EXAMPLE_LOT_ID,
    EXAMPLE_MEMBER_ID,
    EXAMPLE_PROGRAMME_ID,
    Cents,
    Grams,
    LotId,
    Reason,
    Text,
    described,
)
from domain.quality_labels import QualityLabel
from domain.workshops import ATTENDANCE_MAX, WorkshopKind


class RecordDonation(Command, frozen=True, kw_only=True):
    """Record that a lot received at one of the platform's sites was given by a donor."""

    NAME: ClassVar[str] = "record_donation"
    lot_id: Annotated[LotId, described("The lot received from the donor", EXAMPLE_LOT_ID)]
    donor_id: Annotated[UUID, described("The donor (a member)", EXAMPLE_MEMBER_ID)]
    declared_value_cents: Annotated[Cents, described(
        "The donor's declared value in euro cents (absent: the reference price in force)",
        4_500)] | None = None
    """The donor's declared value; without it, the reference price in force applies."""
    quantity_g: Annotated[Grams, described(
        "Grams given (absent: all the lot holds on hand)", 25_000)] | None = None
    """How much of the lot was given (default: all the lot holds on hand)."""
    donated_on: Annotated[date, described(
        "The day of the gift (absent: the act's own day, Europe/Paris)",
        "2026-01-07")] | None = None
    """The day of the gift (default: the act's own day, in Europe/Paris)."""
    nature: Annotated[Text, described(
        "How the attestation words the gift (empty: the lot's product and variety)",
        "légumes frais biologiques")] = ""
    """How the attestation words what was given (default: the lot's product and variety)."""
    note: Annotated[Text, described("A note for the platform", "collecte du marché")] = ""


class CancelDonation(Command, frozen=True, kw_only=True):
    """Withdraw a donation recorded by mistake (the platform that recorded it)."""

    NAME: ClassVar[str] = "cancel_donation"
    lot_id: Annotated[LotId, described("The lot whose donation is withdrawn", EXAMPLE_LOT_ID)]
    reason: Reason


class DeclareQualityLabel(Command, frozen=True, kw_only=True):
    """Declare an official quality label on a lot (its producer, or the platform holding it)."""

    NAME: ClassVar[str] = "declare_quality_label"
    lot_id: Annotated[LotId, described("The lot", EXAMPLE_LOT_ID)]
    label: Annotated[QualityLabel, described("The official quality label", "label_rouge")]
    certificate: Annotated[Text, described("The certificate's reference",
                                           "LR-2026-00417")]


class WithdrawQualityLabel(Command, frozen=True, kw_only=True):
    """Withdraw a quality label declared wrongly on a lot."""

    NAME: ClassVar[str] = "withdraw_quality_label"
    lot_id: Annotated[LotId, described("The lot", EXAMPLE_LOT_ID)]
    label: Annotated[QualityLabel, described("The label withdrawn", "label_rouge")]
    reason: Reason


class RecordWorkshop(Command, frozen=True, kw_only=True):
    """Record a cooking, gardening or nutrition workshop the outlet or garden held."""

    NAME: ClassVar[str] = "record_workshop"
    kind: Annotated[WorkshopKind, described("What the workshop was about", "cooking")]
    held_on: Annotated[date, described("The day it was held", "2026-01-14")]
    attendance_count: Annotated[int, msgspec.Meta(
        ge=1, le=ATTENDANCE_MAX, description="People who attended (a count, never names)",
        examples=[12])]
    """People who attended (a count, never names)."""
    programme_id: Annotated[UUID, described("The basket programme it belongs to, if any",
                                            EXAMPLE_PROGRAMME_ID)] | None = None
    """The basket programme it belongs to, if any."""
    title: Annotated[Text, described("Its title", "Cuisiner les courges")] = ""


class CancelWorkshop(Command, frozen=True, kw_only=True):
    """Withdraw a workshop recorded by mistake (the member that recorded it)."""

    NAME: ClassVar[str] = "cancel_workshop"
    workshop_id: Annotated[UUID, described("The workshop withdrawn",
                                           "0192f0c9-b2ec-75b2-a6d8-4d5e6f708192")]
    reason: Reason
