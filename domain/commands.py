"""Commands: what people ask the ledger to do, as typed msgspec structs.

Every command carries a client-chosen ``command_id`` (sending it twice has the effect of
once), the acting member, and optional correlation and causation ids and business time.
Shapes are validated by msgspec at the edge, strictly and within the bounds of
``domain.fields`` (which also describe every field for the OpenAPI document); invariants
by the aggregates.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar
from uuid import UUID

import msgspec

from domain.base import Role
from domain.dates import DateKind
from domain.fields import (
    EXAMPLE_LOT_ID,
    EXAMPLE_OTHER_LOT_ID,
    EXAMPLE_OUTLET_ID,
    EXAMPLE_SITE_ID,
    HOUSEHOLDS_SERVED_MAX,
    LIST_ITEMS_MAX,
    NEEDS_LINES_MAX,
    ROLES_MAX,
    SPLIT_PARTS_MAX,
    STOPS_MAX,
    ActorId,
    AnyDate,
    BackdatingReason,
    CausationId,
    CommandId,
    CorrelationId,
    DeliveryId,
    Grams,
    LotCode,
    LotId,
    MemberId,
    OccurredAt,
    OutletId,
    PricePerKg,
    Product,
    Reason,
    RoundId,
    SiteId,
    Text,
    Week,
    described,
)
from domain.lots import Channel, OutOfRange
from domain.members import MemberKind
from domain.sites import SiteKind

ShortText = Text
"""A free text of at most 200 characters (older name, kept for the modules importing it)."""
TemperatureDc = Annotated[int, msgspec.Meta(ge=-500, le=600)]
"""Tenths of a degree Celsius, -50 °C to +60 °C: beyond any freezer or loading dock."""


class Command(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fields every command carries."""

    NAME: ClassVar[str] = ""

    command_id: CommandId
    actor_id: ActorId
    correlation_id: CorrelationId = ""
    """Groups the commands of one business flow; defaults to the command id."""
    causation_id: CausationId = ""
    """The command or event that caused this one; defaults to the command id."""
    occurred_at: OccurredAt | None = None
    """Business time of the act; defaults to now."""
    backdating_reason: BackdatingReason = ""
    """Why a coordinator dates the act before the back-dating window (recorded in it)."""


class FoundCooperative(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Start the ledger: the cooperative and its first coordinator (once only)."""

    NAME: ClassVar[str] = "found_cooperative"
    command_id: CommandId
    name: Annotated[Text, described("The cooperative's name", "Coopérative des Jardins")]
    coordinator_name: Annotated[Text, described("Its first coordinator (the secretariat)",
                                                "Secrétariat du réseau")]
    correlation_id: CorrelationId = ""
    occurred_at: OccurredAt | None = None


class RegisterMember(Command, frozen=True, kw_only=True):
    """Register a member (coordinator)."""

    NAME: ClassVar[str] = "register_member"
    name: Annotated[Text, described("The member's name (an organisation, or a household's "
                                    "pseudonym)", "Jardin de Cocagne de Chalon")]
    kind: Annotated[MemberKind, described("What sort of member it is", "producer")]
    roles: Annotated[list[Role], msgspec.Meta(
        max_length=ROLES_MAX,
        description="The roles it holds (absent: the default roles of its kind)",
        examples=[["producer", "voter"]])] | None = None
    households_served: Annotated[int, msgspec.Meta(
        ge=0, le=HOUSEHOLDS_SERVED_MAX,
        description="Households an outlet serves (allocation keys may weigh by it)",
        examples=[120])] = 0


class GrantRole(Command, frozen=True, kw_only=True):
    """Give a member a role (coordinator)."""

    NAME: ClassVar[str] = "grant_role"
    member_id: Annotated[MemberId, described("The member given the role", EXAMPLE_OUTLET_ID)]
    role: Annotated[Role, described("The role given", "outlet")]


class RevokeRole(Command, frozen=True, kw_only=True):
    """Take a role from a member (coordinator)."""

    NAME: ClassVar[str] = "revoke_role"
    member_id: Annotated[MemberId, described("The member losing the role", EXAMPLE_OUTLET_ID)]
    role: Annotated[Role, described("The role taken away", "outlet")]
    reason: Reason


class SuspendMember(Command, frozen=True, kw_only=True):
    """Stop a member from acting (coordinator)."""

    NAME: ClassVar[str] = "suspend_member"
    member_id: Annotated[MemberId, described("The member suspended", EXAMPLE_OUTLET_ID)]
    reason: Reason


class RegisterSite(Command, frozen=True, kw_only=True):
    """Register a site operated by a member (coordinator)."""

    NAME: ClassVar[str] = "register_site"
    name: Annotated[Text, described("The site's name", "Entrepôt de Dijon")]
    kind: Annotated[SiteKind, described("What the site is used for", "warehouse")]
    operator_id: Annotated[MemberId, described("The member operating the site (a platform "
                                               "for a warehouse or hub)", EXAMPLE_OUTLET_ID)]
    city: Annotated[Text, described("Where it is", "Dijon")] = ""


class OfferLot(Command, frozen=True, kw_only=True):
    """A producer offers a harvested lot (its own)."""

    NAME: ClassVar[str] = "offer_lot"
    product: Product
    variety: Annotated[Text, described("The variety, if known", "Bleu de Solaise")] = ""
    quantity_g: Annotated[Grams, described("Grams offered", 120_000)]
    price_cents_per_kg: Annotated[PricePerKg, described("Price asked, in euro cents per kg",
                                                        260)]
    harvest_date: Annotated[date, described("Day of harvest (YYYY-MM-DD)", "2026-01-04")]
    best_before: Annotated[date, described(
        "The lot's date (absent: the product's governed shelf life from the harvest suggests "
        "it)", "2026-01-18")] | None = None
    """The lot's date; without one, the product's governed shelf life suggests it."""
    date_kind: Annotated[DateKind, described(
        "DLC (use-by), DDM (best-before) or none (a suggested date); absent: the product's "
        "usual kind", "ddm")] | None = None
    """DLC, DDM or none (a suggested date); without one, the product's usual kind."""
    organic_certificate: Annotated[Text, described("The organic certificate's reference",
                                                   "FR-BIO-01-2026-0042")] = ""
    origin: Annotated[Text, described("Field or plot the lot comes from",
                                      "parcelle 3, Chalon-sur-Saône")] = ""
    code: LotCode = ""
    """The producer's traceability lot code; generated when empty."""


class AcceptOffer(Command, frozen=True, kw_only=True):
    """A platform accepts all or part of an offer, to be received at one of its sites."""

    NAME: ClassVar[str] = "accept_offer"
    lot_id: Annotated[LotId, described("The offered lot", EXAMPLE_LOT_ID)]
    site_id: Annotated[SiteId, described("The platform's site that will receive it",
                                         EXAMPLE_SITE_ID)]
    accepted_g: Annotated[Grams, described("Grams accepted (at most the grams offered)",
                                           100_000)]


class DeclineOffer(Command, frozen=True, kw_only=True):
    """A platform declines an offer."""

    NAME: ClassVar[str] = "decline_offer"
    lot_id: Annotated[LotId, described("The offered lot", EXAMPLE_LOT_ID)]
    reason: Reason


class ReceiveLot(Command, frozen=True, kw_only=True):
    """A platform receives and weighs an accepted lot at its site."""

    NAME: ClassVar[str] = "receive_lot"
    lot_id: Annotated[LotId, described("The accepted lot", EXAMPLE_LOT_ID)]
    site_id: Annotated[SiteId, described("The site where it arrived (the one named on "
                                         "acceptance)", EXAMPLE_SITE_ID)]
    measured_g: Annotated[Grams, described("Grams weighed on arrival", 98_500)]
    temperature_dc: Annotated[TemperatureDc, described(
        "Measured temperature in tenths of a degree Celsius (required for chilled and frozen "
        "food)", 35)] | None = None
    """Measured temperature, in tenths of a degree: required for chilled and frozen food."""
    if_out_of_range: Annotated[OutOfRange, described(
        "Outside the product's range: refuse the lot, or accept it under hold (absent: the "
        "reception is refused with the temperature and the range)", "hold")] | None = None
    """Outside the product's range: ``refuse`` the lot or accept it under ``hold``; without
    a choice, the reception is refused with the temperature and the range."""
    best_before: Annotated[date, described("The receiver's correction of the lot's date",
                                           "2026-01-16")] | None = None
    """The receiver's correction of the lot's date."""
    date_kind: Annotated[DateKind, described("The receiver's correction of the kind of date",
                                             "dlc")] | None = None
    """The receiver's correction of the kind of date."""


class ReceiveDonation(Command, frozen=True, kw_only=True):
    """A platform receives an unsorted bulk donation at its site, weighed as one lot."""

    NAME: ClassVar[str] = "receive_donation"
    site_id: Annotated[SiteId, described("The platform's site where it arrived",
                                         EXAMPLE_SITE_ID)]
    donor_id: Annotated[MemberId, described("The donor (a member)", EXAMPLE_OUTLET_ID)]
    description: Annotated[Text, described("What arrived, as the donor described it",
                                           "cagettes de légumes mélangés")]
    quantity_g: Annotated[Grams, described("Grams weighed on arrival", 85_000)]
    best_before: Annotated[date, described(
        "The day it should be sorted by (absent: the bulk shelf life suggests the next day)",
        "2026-01-06")] | None = None
    """The day it should be sorted by; the bulk shelf life suggests it (the next day)."""
    organic_certificate: Annotated[Text, described("The organic certificate's reference, if "
                                                   "any", "FR-BIO-01-2026-0042")] = ""
    code: LotCode = ""
    """Generated when empty."""


class SortedOutput(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A product lot sorted out of a bulk donation."""

    product: Product
    variety: Annotated[Text, described("The variety, if known", "Nantaise")] = ""
    quantity_g: Annotated[Grams, described("Grams of this product", 20_000)]
    date_kind: Annotated[DateKind, described("DLC, DDM or none (absent: the product's usual "
                                             "kind)", "ddm")] | None = None
    best_before: Annotated[date, described(
        "Its date (absent: the product's shelf life from the sorting day suggests one)",
        "2026-01-12")] | None = None
    """Without a date, the product's shelf life from the sorting day suggests one."""
    code: LotCode = ""
    """The product lot's code; ``{donation code}-{n}`` when empty."""


class SortDonation(Command, frozen=True, kw_only=True):
    """A platform sorts a bulk donation into product lots: outputs + waste = the donation."""

    NAME: ClassVar[str] = "sort_donation"
    lot_id: Annotated[LotId, described("The bulk donation's lot", EXAMPLE_LOT_ID)]
    outputs: Annotated[list[SortedOutput], msgspec.Meta(
        max_length=LIST_ITEMS_MAX, description="The product lots sorted out",
        examples=[[{"product": "carotte", "quantity_g": 20_000}]])]
    waste_g: Annotated[Grams, described("Grams thrown away", 3_000)] = 0


class HoldLot(Command, frozen=True, kw_only=True):
    """Block a lot pending an analysis or a check (its platform, or a coordinator)."""

    NAME: ClassVar[str] = "hold_lot"
    lot_id: Annotated[LotId, described("The lot blocked", EXAMPLE_LOT_ID)]
    reason: Reason


class ReleaseHold(Command, frozen=True, kw_only=True):
    """Lift a lot's hold, saying why (its platform, or a coordinator)."""

    NAME: ClassVar[str] = "release_hold"
    lot_id: Annotated[LotId, described("The lot released", EXAMPLE_LOT_ID)]
    reason: Reason


class SplitLot(Command, frozen=True, kw_only=True):
    """A platform divides a lot's available stock into new lots."""

    NAME: ClassVar[str] = "split_lot"
    lot_id: Annotated[LotId, described("The lot divided", EXAMPLE_LOT_ID)]
    parts_g: Annotated[list[Grams], msgspec.Meta(
        max_length=SPLIT_PARTS_MAX,
        description="Grams of each new lot (2 or more; together at most what is available)",
        examples=[[40_000, 30_000]])]


class ParentPart(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How much of a lot goes into a merge or transformation."""

    lot_id: Annotated[LotId, described("A lot used", EXAMPLE_LOT_ID)]
    quantity_g: Annotated[Grams, described("Grams of it used", 20_000)]


class MergeLots(Command, frozen=True, kw_only=True):
    """A platform merges parts of lots of one product at one site into a new lot."""

    NAME: ClassVar[str] = "merge_lots"
    parents: Annotated[list[ParentPart], msgspec.Meta(
        max_length=LIST_ITEMS_MAX, description="The lots merged and how much of each",
        examples=[[{"lot_id": EXAMPLE_LOT_ID, "quantity_g": 20_000},
                   {"lot_id": EXAMPLE_OTHER_LOT_ID, "quantity_g": 15_000}]])]
    code: LotCode = ""


class TransformOutput(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A lot produced by a transformation."""

    product: Annotated[Text, described("The new product", "soupe de poireaux")]
    variety: Annotated[Text, described("Its variety, if any", "")] = ""
    quantity_g: Annotated[Grams, described("Grams produced", 18_000)]
    best_before: Annotated[date, described(
        "Its date (absent: the product's shelf life from the day it is made suggests one)",
        "2026-02-01")] | None = None
    """Without a date, the product's shelf life from the day it is made suggests one."""
    date_kind: Annotated[DateKind, described("DLC, DDM or none (absent: the product's usual "
                                             "kind; a soup has a DLC)", "dlc")] | None = None
    """Without a kind, the product's usual kind (a soup has a DLC)."""
    code: LotCode = ""
    """The output's lot code; generated when empty."""


class TransformLots(Command, frozen=True, kw_only=True):
    """A platform transforms lots into new products: outputs + loss = inputs."""

    NAME: ClassVar[str] = "transform_lots"
    inputs: Annotated[list[ParentPart], msgspec.Meta(
        max_length=LIST_ITEMS_MAX, description="The lots used and how much of each",
        examples=[[{"lot_id": EXAMPLE_LOT_ID, "quantity_g": 20_000}]])]
    outputs: Annotated[list[TransformOutput], msgspec.Meta(
        max_length=LIST_ITEMS_MAX, description="The lots made",
        examples=[[{"product": "soupe de poireaux", "quantity_g": 18_000}]])]
    loss_g: Annotated[Grams, described("Grams lost in the process (peelings, water)",
                                       2_000)] = 0


class ReserveLot(Command, frozen=True, kw_only=True):
    """A platform sets stock aside for an outlet."""

    NAME: ClassVar[str] = "reserve_lot"
    lot_id: Annotated[LotId, described("The lot reserved from", EXAMPLE_LOT_ID)]
    outlet_id: Annotated[OutletId, described("The outlet it is set aside for",
                                             EXAMPLE_OUTLET_ID)]
    quantity_g: Annotated[Grams, described("Grams reserved (at most those available)",
                                           12_000)]


class ReleaseReservation(Command, frozen=True, kw_only=True):
    """A platform gives reserved stock back."""

    NAME: ClassVar[str] = "release_reservation"
    lot_id: Annotated[LotId, described("The lot", EXAMPLE_LOT_ID)]
    outlet_id: Annotated[OutletId, described("The outlet it was reserved for",
                                             EXAMPLE_OUTLET_ID)]
    quantity_g: Annotated[Grams, described("Grams released", 2_000)]
    reason: Reason


class RecordLoss(Command, frozen=True, kw_only=True):
    """The holder (platform at its site, or outlet) records a loss."""

    NAME: ClassVar[str] = "record_loss"
    lot_id: Annotated[LotId, described("The lot", EXAMPLE_LOT_ID)]
    quantity_g: Annotated[Grams, described("Grams lost", 1_500)]
    reason: Reason


class RecordDistribution(Command, frozen=True, kw_only=True):
    """An outlet records food passed on to people."""

    NAME: ClassVar[str] = "record_distribution"
    lot_id: Annotated[LotId, described("The lot", EXAMPLE_LOT_ID)]
    quantity_g: Annotated[Grams, described("Grams passed on", 8_000)]
    channel: Annotated[Channel, described("How it was passed on", "food_aid")]


class RecallLot(Command, frozen=True, kw_only=True):
    """Recall a lot and every lot made from it (its producer, a platform or coordinator)."""

    NAME: ClassVar[str] = "recall_lot"
    lot_id: Annotated[LotId, described("The lot recalled (with every lot made from it)",
                                       EXAMPLE_LOT_ID)]
    reason: Reason


class OpenRound(Command, frozen=True, kw_only=True):
    """A platform opens its allocation round for a week."""

    NAME: ClassVar[str] = "open_round"
    site_id: Annotated[SiteId, described("The platform's site whose stock is shared",
                                         EXAMPLE_SITE_ID)]
    week: Annotated[Week, described("The ISO week of the round", "2026-W02")]


class DeclareNeed(Command, frozen=True, kw_only=True):
    """An outlet declares its need for a product in a round."""

    NAME: ClassVar[str] = "declare_need"
    round_id: RoundId
    product: Product
    quantity_g: Annotated[Grams, described("Grams needed this week", 25_000)]


class ComputeRound(Command, frozen=True, kw_only=True):
    """A platform computes the round's lines with the allocation key in force."""

    NAME: ClassVar[str] = "compute_round"
    round_id: RoundId


class AdjustedLine(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A line set by hand."""

    lot_id: Annotated[LotId, described("The lot", EXAMPLE_LOT_ID)]
    outlet_id: Annotated[OutletId, described("The outlet", EXAMPLE_OUTLET_ID)]
    quantity_g: Annotated[Grams, described("Grams allocated", 10_000)]


class AdjustRound(Command, frozen=True, kw_only=True):
    """A platform replaces the computed lines, saying why."""

    NAME: ClassVar[str] = "adjust_round"
    round_id: RoundId
    lines: Annotated[list[AdjustedLine], msgspec.Meta(
        max_length=NEEDS_LINES_MAX, description="The round's lines, replacing the computed ones",
        examples=[[{"lot_id": EXAMPLE_LOT_ID, "outlet_id": EXAMPLE_OUTLET_ID,
                    "quantity_g": 10_000}]])]
    reason: Reason


class ConfirmRound(Command, frozen=True, kw_only=True):
    """A platform confirms the round: its lines' stock is reserved."""

    NAME: ClassVar[str] = "confirm_round"
    round_id: RoundId


class PlannedLine(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """So many grams of a lot for a stop."""

    lot_id: Annotated[LotId, described("The lot loaded", EXAMPLE_LOT_ID)]
    quantity_g: Annotated[Grams, described("Grams for this stop", 20_000)]


class PlannedStop(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An outlet and its lines."""

    outlet_id: Annotated[OutletId, described("The outlet delivered", EXAMPLE_OUTLET_ID)]
    lines: Annotated[list[PlannedLine], msgspec.Meta(
        max_length=LIST_ITEMS_MAX, description="What it receives",
        examples=[[{"lot_id": EXAMPLE_LOT_ID, "quantity_g": 20_000}]])]


class PlanDelivery(Command, frozen=True, kw_only=True):
    """A platform plans a delivery run from one of its sites."""

    NAME: ClassVar[str] = "plan_delivery"
    from_site_id: Annotated[SiteId, described("The platform's site the van leaves from",
                                              EXAMPLE_SITE_ID)]
    planned_for: Annotated[AnyDate, described("The day of the run", "2026-01-08")]
    stops: Annotated[list[PlannedStop], msgspec.Meta(
        max_length=STOPS_MAX, description="The stops, in order",
        examples=[[{"outlet_id": EXAMPLE_OUTLET_ID,
                    "lines": [{"lot_id": EXAMPLE_LOT_ID, "quantity_g": 20_000}]}]])]


class DispatchDelivery(Command, frozen=True, kw_only=True):
    """A platform dispatches a planned delivery."""

    NAME: ClassVar[str] = "dispatch_delivery"
    delivery_id: DeliveryId


class ReceiptLine(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What arrived of a lot."""

    lot_id: Annotated[LotId, described("The lot", EXAMPLE_LOT_ID)]
    received_g: Annotated[Grams, described("Grams that arrived", 19_800)]


class ReceiveDelivery(Command, frozen=True, kw_only=True):
    """An outlet signs for its stop of a delivery."""

    NAME: ClassVar[str] = "receive_delivery"
    delivery_id: DeliveryId
    lines: Annotated[list[ReceiptLine], msgspec.Meta(
        max_length=LIST_ITEMS_MAX, description="What arrived, per lot",
        examples=[[{"lot_id": EXAMPLE_LOT_ID, "received_g": 19_800}]])]
    signer: Annotated[Text, described("Who signed for it", "Marie, bénévole")]


class CancelDelivery(Command, frozen=True, kw_only=True):
    """A platform cancels a delivery before dispatch."""

    NAME: ClassVar[str] = "cancel_delivery"
    delivery_id: DeliveryId
    reason: Reason


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
