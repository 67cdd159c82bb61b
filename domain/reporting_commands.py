"""Commands recording the facts the cooperative reports on, beyond the flow of lots:
donations received, quality labels on lots, workshops held.

They follow ``domain.commands``: a client-chosen ``command_id``, the acting member, optional
correlation and causation ids and business time (``occurred_at``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar
from uuid import UUID

import msgspec

from domain.commands import Command, Grams, ShortText
from domain.governance_commands import Cents
from domain.quality_labels import QualityLabel
from domain.workshops import ATTENDANCE_MAX, WorkshopKind


class RecordDonation(Command, frozen=True, kw_only=True):
    """Record that a lot received at one of the platform's sites was given by a donor."""

    NAME: ClassVar[str] = "record_donation"
    lot_id: UUID
    donor_id: UUID
    declared_value_cents: Cents | None = None
    """The donor's declared value; without it, the reference price in force applies."""
    quantity_g: Grams | None = None
    """How much of the lot was given (default: all the lot holds on hand)."""
    donated_on: date | None = None
    """The day of the gift (default: the act's own day, in Europe/Paris)."""
    nature: ShortText = ""
    """How the attestation words what was given (default: the lot's product and variety)."""
    note: ShortText = ""


class CancelDonation(Command, frozen=True, kw_only=True):
    """Withdraw a donation recorded by mistake (the platform that recorded it)."""

    NAME: ClassVar[str] = "cancel_donation"
    lot_id: UUID
    reason: ShortText


class DeclareQualityLabel(Command, frozen=True, kw_only=True):
    """Declare an official quality label on a lot (its producer, or the platform holding it)."""

    NAME: ClassVar[str] = "declare_quality_label"
    lot_id: UUID
    label: QualityLabel
    certificate: ShortText


class WithdrawQualityLabel(Command, frozen=True, kw_only=True):
    """Withdraw a quality label declared wrongly on a lot."""

    NAME: ClassVar[str] = "withdraw_quality_label"
    lot_id: UUID
    label: QualityLabel
    reason: ShortText


class RecordWorkshop(Command, frozen=True, kw_only=True):
    """Record a cooking, gardening or nutrition workshop the outlet or garden held."""

    NAME: ClassVar[str] = "record_workshop"
    kind: WorkshopKind
    held_on: date
    attendance_count: Annotated[int, msgspec.Meta(ge=1, le=ATTENDANCE_MAX)]
    """People who attended (a count, never names)."""
    programme_id: UUID | None = None
    """The basket programme it belongs to, if any."""
    title: ShortText = ""


class CancelWorkshop(Command, frozen=True, kw_only=True):
    """Withdraw a workshop recorded by mistake (the member that recorded it)."""

    NAME: ClassVar[str] = "cancel_workshop"
    workshop_id: UUID
    reason: ShortText
