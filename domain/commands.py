"""Commands: what people ask the ledger to do, as typed msgspec structs.

Every command carries a client-chosen ``command_id`` (sending it twice has the effect of
once), the acting member, and optional correlation and causation ids and business time.
Shapes are validated by msgspec at the edge; invariants by the aggregates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar
from uuid import UUID

import msgspec

from domain.base import Role
from domain.dates import DateKind
from domain.lots import Channel, OutOfRange
from domain.members import MemberKind
from domain.sites import SiteKind

CommandId = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Grams = Annotated[int, msgspec.Meta(ge=0, le=50_000_000)]
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
TemperatureDc = Annotated[int, msgspec.Meta(ge=-500, le=600)]
"""Tenths of a degree Celsius, -50 °C to +60 °C: beyond any freezer or loading dock."""


class Command(msgspec.Struct, frozen=True, kw_only=True):
    """Fields every command carries."""

    NAME: ClassVar[str] = ""

    command_id: CommandId
    actor_id: UUID
    correlation_id: str = ""
    """Groups the commands of one business flow; defaults to the command id."""
    causation_id: str = ""
    """The command or event that caused this one; defaults to the command id."""
    occurred_at: datetime | None = None
    """Business time of the act; defaults to now."""


class FoundCooperative(msgspec.Struct, frozen=True, kw_only=True):
    """Start the ledger: the cooperative and its first coordinator (once only)."""

    NAME: ClassVar[str] = "found_cooperative"
    command_id: CommandId
    name: ShortText
    coordinator_name: ShortText
    correlation_id: str = ""
    occurred_at: datetime | None = None


class RegisterMember(Command, frozen=True, kw_only=True):
    """Register a member (coordinator)."""

    NAME: ClassVar[str] = "register_member"
    name: ShortText
    kind: MemberKind
    roles: list[Role] | None = None
    households_served: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 0


class GrantRole(Command, frozen=True, kw_only=True):
    """Give a member a role (coordinator)."""

    NAME: ClassVar[str] = "grant_role"
    member_id: UUID
    role: Role


class RevokeRole(Command, frozen=True, kw_only=True):
    """Take a role from a member (coordinator)."""

    NAME: ClassVar[str] = "revoke_role"
    member_id: UUID
    role: Role
    reason: ShortText


class SuspendMember(Command, frozen=True, kw_only=True):
    """Stop a member from acting (coordinator)."""

    NAME: ClassVar[str] = "suspend_member"
    member_id: UUID
    reason: ShortText


class RegisterSite(Command, frozen=True, kw_only=True):
    """Register a site operated by a member (coordinator)."""

    NAME: ClassVar[str] = "register_site"
    name: ShortText
    kind: SiteKind
    operator_id: UUID
    city: ShortText = ""


class OfferLot(Command, frozen=True, kw_only=True):
    """A producer offers a harvested lot (its own)."""

    NAME: ClassVar[str] = "offer_lot"
    product: ShortText
    variety: ShortText = ""
    quantity_g: Grams
    price_cents_per_kg: Annotated[int, msgspec.Meta(ge=0)]
    harvest_date: date
    best_before: date | None = None
    """The lot's date; without one, the product's governed shelf life suggests it."""
    date_kind: DateKind | None = None
    """DLC, DDM or none (a suggested date); without one, the product's usual kind."""
    organic_certificate: ShortText = ""
    origin: ShortText = ""
    code: str = ""
    """The producer's traceability lot code; generated when empty."""


class AcceptOffer(Command, frozen=True, kw_only=True):
    """A platform accepts all or part of an offer, to be received at one of its sites."""

    NAME: ClassVar[str] = "accept_offer"
    lot_id: UUID
    site_id: UUID
    accepted_g: Grams


class DeclineOffer(Command, frozen=True, kw_only=True):
    """A platform declines an offer."""

    NAME: ClassVar[str] = "decline_offer"
    lot_id: UUID
    reason: ShortText


class ReceiveLot(Command, frozen=True, kw_only=True):
    """A platform receives and weighs an accepted lot at its site."""

    NAME: ClassVar[str] = "receive_lot"
    lot_id: UUID
    site_id: UUID
    measured_g: Grams
    temperature_dc: TemperatureDc | None = None
    """Measured temperature, in tenths of a degree: required for chilled and frozen food."""
    if_out_of_range: OutOfRange | None = None
    """Outside the product's range: ``refuse`` the lot or accept it under ``hold``; without
    a choice, the reception is refused with the temperature and the range."""
    best_before: date | None = None
    """The receiver's correction of the lot's date."""
    date_kind: DateKind | None = None
    """The receiver's correction of the kind of date."""


class ReceiveDonation(Command, frozen=True, kw_only=True):
    """A platform receives an unsorted bulk donation at its site, weighed as one lot."""

    NAME: ClassVar[str] = "receive_donation"
    site_id: UUID
    donor_id: UUID
    description: ShortText
    quantity_g: Grams
    best_before: date | None = None
    """The day it should be sorted by; the bulk shelf life suggests it (the next day)."""
    organic_certificate: ShortText = ""
    code: str = ""
    """Generated when empty."""


class SortedOutput(msgspec.Struct, frozen=True, kw_only=True):
    """A product lot sorted out of a bulk donation."""

    product: ShortText
    variety: ShortText = ""
    quantity_g: Grams
    date_kind: DateKind | None = None
    best_before: date | None = None
    """Without a date, the product's shelf life from the sorting day suggests one."""
    code: str = ""
    """The product lot's code; ``{donation code}-{n}`` when empty."""


class SortDonation(Command, frozen=True, kw_only=True):
    """A platform sorts a bulk donation into product lots: outputs + waste = the donation."""

    NAME: ClassVar[str] = "sort_donation"
    lot_id: UUID
    outputs: list[SortedOutput]
    waste_g: Grams = 0


class HoldLot(Command, frozen=True, kw_only=True):
    """Block a lot pending an analysis or a check (its platform, or a coordinator)."""

    NAME: ClassVar[str] = "hold_lot"
    lot_id: UUID
    reason: ShortText


class ReleaseHold(Command, frozen=True, kw_only=True):
    """Lift a lot's hold, saying why (its platform, or a coordinator)."""

    NAME: ClassVar[str] = "release_hold"
    lot_id: UUID
    reason: ShortText


class SplitLot(Command, frozen=True, kw_only=True):
    """A platform divides a lot's available stock into new lots."""

    NAME: ClassVar[str] = "split_lot"
    lot_id: UUID
    parts_g: list[Grams]


class ParentPart(msgspec.Struct, frozen=True):
    """How much of a lot goes into a merge or transformation."""

    lot_id: UUID
    quantity_g: Grams


class MergeLots(Command, frozen=True, kw_only=True):
    """A platform merges parts of lots of one product at one site into a new lot."""

    NAME: ClassVar[str] = "merge_lots"
    parents: list[ParentPart]
    code: str = ""


class TransformOutput(msgspec.Struct, frozen=True, kw_only=True):
    """A lot produced by a transformation."""

    product: ShortText
    variety: ShortText = ""
    quantity_g: Grams
    best_before: date | None = None
    """Without a date, the product's shelf life from the day it is made suggests one."""
    date_kind: DateKind | None = None
    """Without a kind, the product's usual kind (a soup has a DLC)."""
    code: str = ""
    """The output's lot code; generated when empty."""


class TransformLots(Command, frozen=True, kw_only=True):
    """A platform transforms lots into new products: outputs + loss = inputs."""

    NAME: ClassVar[str] = "transform_lots"
    inputs: list[ParentPart]
    outputs: list[TransformOutput]
    loss_g: Grams = 0


class ReserveLot(Command, frozen=True, kw_only=True):
    """A platform sets stock aside for an outlet."""

    NAME: ClassVar[str] = "reserve_lot"
    lot_id: UUID
    outlet_id: UUID
    quantity_g: Grams


class ReleaseReservation(Command, frozen=True, kw_only=True):
    """A platform gives reserved stock back."""

    NAME: ClassVar[str] = "release_reservation"
    lot_id: UUID
    outlet_id: UUID
    quantity_g: Grams
    reason: ShortText


class RecordLoss(Command, frozen=True, kw_only=True):
    """The holder (platform at its site, or outlet) records a loss."""

    NAME: ClassVar[str] = "record_loss"
    lot_id: UUID
    quantity_g: Grams
    reason: ShortText


class RecordDistribution(Command, frozen=True, kw_only=True):
    """An outlet records food passed on to people."""

    NAME: ClassVar[str] = "record_distribution"
    lot_id: UUID
    quantity_g: Grams
    channel: Channel


class RecallLot(Command, frozen=True, kw_only=True):
    """Recall a lot and every lot made from it (its producer, a platform or coordinator)."""

    NAME: ClassVar[str] = "recall_lot"
    lot_id: UUID
    reason: ShortText


class OpenRound(Command, frozen=True, kw_only=True):
    """A platform opens its allocation round for a week."""

    NAME: ClassVar[str] = "open_round"
    site_id: UUID
    week: str


class DeclareNeed(Command, frozen=True, kw_only=True):
    """An outlet declares its need for a product in a round."""

    NAME: ClassVar[str] = "declare_need"
    round_id: UUID
    product: ShortText
    quantity_g: Grams


class ComputeRound(Command, frozen=True, kw_only=True):
    """A platform computes the round's lines with the allocation key in force."""

    NAME: ClassVar[str] = "compute_round"
    round_id: UUID


class AdjustedLine(msgspec.Struct, frozen=True):
    """A line set by hand."""

    lot_id: UUID
    outlet_id: UUID
    quantity_g: Grams


class AdjustRound(Command, frozen=True, kw_only=True):
    """A platform replaces the computed lines, saying why."""

    NAME: ClassVar[str] = "adjust_round"
    round_id: UUID
    lines: list[AdjustedLine]
    reason: ShortText


class ConfirmRound(Command, frozen=True, kw_only=True):
    """A platform confirms the round: its lines' stock is reserved."""

    NAME: ClassVar[str] = "confirm_round"
    round_id: UUID


class PlannedLine(msgspec.Struct, frozen=True):
    """So many grams of a lot for a stop."""

    lot_id: UUID
    quantity_g: Grams


class PlannedStop(msgspec.Struct, frozen=True):
    """An outlet and its lines."""

    outlet_id: UUID
    lines: list[PlannedLine]


class PlanDelivery(Command, frozen=True, kw_only=True):
    """A platform plans a delivery run from one of its sites."""

    NAME: ClassVar[str] = "plan_delivery"
    from_site_id: UUID
    planned_for: date
    stops: list[PlannedStop]


class DispatchDelivery(Command, frozen=True, kw_only=True):
    """A platform dispatches a planned delivery."""

    NAME: ClassVar[str] = "dispatch_delivery"
    delivery_id: UUID


class ReceiptLine(msgspec.Struct, frozen=True):
    """What arrived of a lot."""

    lot_id: UUID
    received_g: Grams


class ReceiveDelivery(Command, frozen=True, kw_only=True):
    """An outlet signs for its stop of a delivery."""

    NAME: ClassVar[str] = "receive_delivery"
    delivery_id: UUID
    lines: list[ReceiptLine]
    signer: ShortText


class CancelDelivery(Command, frozen=True, kw_only=True):
    """A platform cancels a delivery before dispatch."""

    NAME: ClassVar[str] = "cancel_delivery"
    delivery_id: UUID
    reason: ShortText


class CommandResult(msgspec.Struct, frozen=True, kw_only=True):
    """What a command answers; the same again when the command is replayed."""

    command_id: str
    command_type: str
    stream_id: UUID
    """The main stream created or changed."""
    stream_ids: list[UUID]
    events_written: int
    notification_id: int | None = None
    """Position of the command's last event in the log (read-your-writes); None on replay."""
    replayed: bool = False
