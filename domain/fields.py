"""The edge's vocabulary: bounded, described types for every field a command carries.

A command is validated at the edge by msgspec (strict: no ``"1000"`` for ``1000``) against
these types, and the OpenAPI document is generated from the same annotations, so what the
document promises is what the server accepts:

- every integer is bounded below and above (grams, cents, basis points, counts), by the
  domain's own limits where it has one (``domain.input_bounds.QUANTITY_G_MAX``…);
- every string has a maximum length (and a pattern or a format where it has a shape);
- every list has a maximum number of items;
- every field has a description and an example (``described``).

Types shared with stored events (``FunderShare``, ``CollegeWeight``, rule payloads) only get
bounds that the domain already enforced before recording any event, so every stored event
still decodes.

A field says what it is with ``Annotated[<bounded type>, described("…", example)]``; the
bounded types below carry no description of their own, so the field's wins.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

# ---------------------------------------------------------------------------------------------
# Limits (the domain's where it has one; each says why)

COMMAND_ID_LENGTH_MAX = 128
"""A UUID (36) or a client's own scheme with a prefix: 128 leaves room, bounds the index."""
TEXT_LENGTH_MAX = 200
"""Names, products, reasons, signers: as the domain's ``TEXT_LENGTH_MAX`` and name limits."""
CONTACT_LENGTH_MAX = 300  # As domain.personal_data.CONTACT_LENGTH_MAX: an address and a phone.
LOT_CODE_LENGTH_MAX = 64  # As domain.input_bounds.CODE_LENGTH_MAX.
QUANTITY_G_MAX = 50_000_000  # As domain.input_bounds.QUANTITY_G_MAX: 50 tonnes.
PRICE_CENTS_PER_KG_MAX = 100_000  # As domain.input_bounds.PRICE_CENTS_PER_KG_MAX: 1,000 EUR/kg.
AMOUNT_CENTS_MAX = 10_000_000_000  # As domain.rules.AMOUNT_CENTS_MAX: 100 million EUR.
BASIS_POINTS_MAX = 10_000  # 100 %.
HOUSEHOLDS_SERVED_MAX = 1_000_000  # A national network's whole public, not one outlet's.
LIST_ITEMS_MAX = 200
"""Items of any list in a command without a tighter domain limit (a delivery stop's lines:
``domain.deliveries.LINES_MAX``)."""
ROLES_MAX = 8  # Every role of domain.base.Role once.
SPLIT_PARTS_MAX = 100  # As domain.lot_state.PARTS_MAX.
STOPS_MAX = 50  # As domain.deliveries.STOPS_MAX.
FUNDERS_MAX = 20  # As domain.rules.FUNDERS_MAX.
PRICES_MAX = 500  # As domain.rules.PRICES_MAX.
COLLEGES_MAX = 5  # One weight per college (domain.governance.College).
COLLECTION_POINTS_MAX = 50  # As domain.baskets.COLLECTION_POINTS_MAX.
BASKET_LINES_MAX = 30  # As domain.baskets.BASKET_LINES_MAX.
NEEDS_LINES_MAX = 1_000  # As domain.allocations.NEEDS_MAX: lines of one round.
WEEK_PATTERN = r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"
r"""An ISO week, ``2026-W02``: as domain.allocations.WEEK_PATTERN, with ``[0-9]`` for ``\d``
(in Python's regular expressions ``\d`` also matches other scripts' digits; patterns here
read the same in every engine a client may check them with)."""
REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
"""A household's pseudonymous reference: as domain.baskets.REFERENCE_PATTERN."""
LOT_CODE_PATTERN = r"^[!-~]*$"
r"""A lot code is printable ASCII without spaces: GS1 batch/lot numbers use a subset of it
(``\S`` would differ between regular expression engines on control characters)."""

# Examples shared by many fields: the same ids in every example make a readable story.
EXAMPLE_MEMBER_ID = "0192f0c4-5e2a-7b3c-9d41-6a8e2f1b7c30"
EXAMPLE_PRODUCER_ID = "0192f0c4-61b0-7d22-8e57-1c9a4b3d2e10"
EXAMPLE_OUTLET_ID = "0192f0c4-6f13-7a0e-b2c4-5d6e7f809a12"
EXAMPLE_FUNDER_ID = "0192f0c4-7a55-7c61-a0b9-2e3f4a5b6c7d"
EXAMPLE_SITE_ID = "0192f0c4-8c21-7e44-9f10-3b4c5d6e7f80"
EXAMPLE_LOT_ID = "0192f0c5-1d42-7b18-8c3e-4f5a6b7c8d9e"
EXAMPLE_OTHER_LOT_ID = "0192f0c5-2e53-7c29-9d4f-5a6b7c8d9e0f"
EXAMPLE_ROUND_ID = "0192f0c6-3f64-7d3a-ae50-6b7c8d9e0f1a"
EXAMPLE_DELIVERY_ID = "0192f0c6-4a75-7e4b-bf61-7c8d9e0f1a2b"
EXAMPLE_PROPOSAL_ID = "0192f0c7-5b86-7f5c-8072-8d9e0f1a2b3c"
EXAMPLE_PROGRAMME_ID = "0192f0c7-6c97-706d-9183-9e0f1a2b3c4d"
EXAMPLE_HOUSEHOLD_ID = "0192f0c7-7da8-717e-a294-0f1a2b3c4d5e"
EXAMPLE_BASKET_ID = "0192f0c8-8eb9-728f-b3a5-1a2b3c4d5e6f"
EXAMPLE_TRANSFER_ID = "0192f0c8-9fca-7390-84b6-2b3c4d5e6f70"
EXAMPLE_ACCOUNT_ID = "0192f0c8-a0db-74a1-95c7-3c4d5e6f7081"


def described(description: str, example: Any) -> msgspec.Meta:
    """A field's description and example, for the OpenAPI document and its readers."""
    return msgspec.Meta(description=description, examples=[example])


# ---------------------------------------------------------------------------------------------
# Bounded types (no description: the field using one says what it is)

Text = Annotated[str, msgspec.Meta(max_length=TEXT_LENGTH_MAX)]
Grams = Annotated[int, msgspec.Meta(ge=0, le=QUANTITY_G_MAX)]
Cents = Annotated[int, msgspec.Meta(ge=0, le=AMOUNT_CENTS_MAX)]
PricePerKg = Annotated[int, msgspec.Meta(ge=0, le=PRICE_CENTS_PER_KG_MAX)]
BasisPoints = Annotated[int, msgspec.Meta(ge=0, le=BASIS_POINTS_MAX)]
Week = Annotated[str, msgspec.Meta(pattern=WEEK_PATTERN, max_length=8)]


# ---------------------------------------------------------------------------------------------
# Fields every command carries

CommandId = Annotated[str, msgspec.Meta(
    min_length=1, max_length=COMMAND_ID_LENGTH_MAX,
    description="The client-chosen id that makes the command idempotent: sent again, the "
                "command answers the same and writes nothing more",
    examples=["offer-2026-01-05-jardin-chalon-42"])]
ActorId = Annotated[UUID, described(
    "The acting member (over HTTP: the token's member; a body may only repeat it)",
    EXAMPLE_MEMBER_ID)]
CorrelationId = Annotated[str, msgspec.Meta(
    max_length=COMMAND_ID_LENGTH_MAX,
    description="Groups the commands of one business flow (empty: the command id)",
    examples=["week-2026-W02-round"])]
CausationId = Annotated[str, msgspec.Meta(
    max_length=COMMAND_ID_LENGTH_MAX,
    description="The command or event that caused this one (empty: the command id)",
    examples=["offer-2026-01-05-jardin-chalon-42"])]
BackdatingReason = Annotated[Text, described(
    "Why the act is dated before the back-dating window (a week unless the cooperative voted "
    "another): only a coordinator may, and only with a reason, recorded in the act",
    "registre papier de janvier saisi en mars")]
OccurredAt = Annotated[datetime, described(
    "Business time: when the act happened in the world (ISO 8601; without an offset it is "
    "read as UTC; absent: now)", "2026-01-05T09:30:00+01:00")]


# ---------------------------------------------------------------------------------------------
# Ids of the streams commands name

MemberId = Annotated[UUID, described("A member", EXAMPLE_MEMBER_ID)]
SiteId = Annotated[UUID, described("A site (warehouse, hub, garden or outlet)",
                                   EXAMPLE_SITE_ID)]
LotId = Annotated[UUID, described("A lot", EXAMPLE_LOT_ID)]
OutletId = Annotated[UUID, described("An outlet (a member with the outlet role)",
                                     EXAMPLE_OUTLET_ID)]
ProducerId = Annotated[UUID, described("A producer (a member with the producer role)",
                                       EXAMPLE_PRODUCER_ID)]
FunderId = Annotated[UUID, described("A funder (a member with the funder role)",
                                     EXAMPLE_FUNDER_ID)]
RoundId = Annotated[UUID, described("An allocation round", EXAMPLE_ROUND_ID)]
DeliveryId = Annotated[UUID, described("A delivery", EXAMPLE_DELIVERY_ID)]
ProposalId = Annotated[UUID, described("A proposal", EXAMPLE_PROPOSAL_ID)]
ProgrammeId = Annotated[UUID, described("A solidarity basket programme",
                                        EXAMPLE_PROGRAMME_ID)]
HouseholdId = Annotated[UUID, described("A household enrolled in a basket programme",
                                        EXAMPLE_HOUSEHOLD_ID)]
BasketId = Annotated[UUID, described("A prepared basket", EXAMPLE_BASKET_ID)]
TransferId = Annotated[UUID, described("A transfer between two accounts",
                                       EXAMPLE_TRANSFER_ID)]
AccountId = Annotated[UUID, described("An account", EXAMPLE_ACCOUNT_ID)]

# ---------------------------------------------------------------------------------------------
# Common values

Reason = Annotated[Text, described("Why, in a few words (kept in the event)",
                                   "cagettes abîmées pendant le transport")]
Product = Annotated[Text, described("The product, as the cooperative names it (stored "
                                    "trimmed and lower-cased)", "poireau")]
LotCode = Annotated[str, msgspec.Meta(
    max_length=LOT_CODE_LENGTH_MAX, pattern=LOT_CODE_PATTERN,
    description="The producer's traceability lot code: printable ASCII, no spaces (empty: "
                "generated)",
    examples=["L260105-CHALON-42"])]
AnyDate = Annotated[date, described("A calendar day (YYYY-MM-DD)", "2026-01-05")]
