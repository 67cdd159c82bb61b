"""Commands of governance, funding and solidarity baskets, as typed msgspec structs.

They follow ``domain.commands``: a client-chosen ``command_id`` (idempotency), the acting
member, optional correlation and causation ids and business time (``occurred_at``, which is
what opening and closing times and effective dates are compared with). Every field is
bounded and described with the types of ``domain.fields``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar
from uuid import UUID

import msgspec

from domain.commands import Command
from domain.fields import (
    BASKET_LINES_MAX,
    COLLECTION_POINTS_MAX,
    COLLEGES_MAX,
    CONTACT_LENGTH_MAX,
    EXAMPLE_FUNDER_ID,
    EXAMPLE_LOT_ID,
    EXAMPLE_MEMBER_ID,
    EXAMPLE_OUTLET_ID,
    EXAMPLE_PRODUCER_ID,
    EXAMPLE_PROGRAMME_ID,
    FUNDERS_MAX,
    REFERENCE_PATTERN,
    AccountId,
    BasisPoints,
    BasketId,
    Cents,
    Grams,
    HouseholdId,
    LotId,
    MemberId,
    ProgrammeId,
    ProposalId,
    Reason,
    Text,
    TransferId,
    Week,
    described,
)
from domain.governance import College, CollegeWeight
from domain.preferences import BasketSize
from domain.proposals import Choice
from domain.rules import DEFAULT_HOUSEHOLD_SHARE_CAP_BP, FunderShare, Payload
from domain.transfers import AccountKind

FUNDER_SHARES_EXAMPLE = [{"funder_id": EXAMPLE_FUNDER_ID, "share_bp": 10_000}]
ProductName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
SeasonLabel = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}-(spring|summer|autumn|winter)$")]


class ConstituteColleges(Command, frozen=True, kw_only=True):
    """Set up the colleges and their weights, once (coordinator)."""

    NAME: ClassVar[str] = "constitute_colleges"
    weights: Annotated[list[CollegeWeight], msgspec.Meta(
        max_length=COLLEGES_MAX, description="Each college's weight (10 % to 50 %, 100 % in all)",
        examples=[[{"college": "producers", "weight_bp": 3_000},
                   {"college": "outlets", "weight_bp": 3_000},
                   {"college": "households", "weight_bp": 2_000},
                   {"college": "funders", "weight_bp": 1_000},
                   {"college": "employees", "weight_bp": 1_000}]])]


class SeatMember(Command, frozen=True, kw_only=True):
    """Seat a founding member in a college (coordinator; later admissions are voted)."""

    NAME: ClassVar[str] = "seat_member"
    member_id: Annotated[MemberId, described("The member seated", EXAMPLE_MEMBER_ID)]
    college: Annotated[College, described("Its college", "producers")]


class UnseatMember(Command, frozen=True, kw_only=True):
    """Take a member off the roll (coordinator)."""

    NAME: ClassVar[str] = "unseat_member"
    member_id: Annotated[MemberId, described("The member taken off the roll",
                                             EXAMPLE_MEMBER_ID)]
    reason: Reason


class SubmitProposal(Command, frozen=True, kw_only=True):
    """Put a proposal to the vote (a voter on the roll)."""

    NAME: ClassVar[str] = "submit_proposal"
    title: Annotated[Text, described("What is proposed, in a line",
                                     "Clé de répartition au prorata des foyers")]
    payload: Annotated[Payload, described(
        "The rule or act proposed, tagged by kind",
        {"kind": "set_allocation_key", "key": "proportional_to_households",
         "minimum_share_bp": 500})]
    closes_at: Annotated[datetime, described("When the vote closes (at most 90 days after "
                                             "it opens)", "2026-01-20T18:00:00+01:00")]
    opens_at: Annotated[datetime, described("When the vote opens (absent: the submission's "
                                            "business time)", "2026-01-06T09:00:00+01:00"),
                        ] | None = None
    """Defaults to the business time of the submission."""
    quorum_bp: Annotated[BasisPoints, described("Weighted share of the roll that must vote, "
                                                "in basis points", 2_500)] = 0
    threshold_bp: Annotated[BasisPoints, described(
        "Adopted when the weighted yes share is strictly above this, in basis points "
        "(5 000: a majority)", 5_000)] = 5_000
    """Adopted when the weighted yes share is strictly above this (5 000: a majority)."""
    effective_from: Annotated[date, described("For standing rules: first day in force "
                                              "(absent: the day after closing)",
                                              "2026-01-26")] | None = None
    """For standing rules: first day in force (default: the day after closing)."""


class CastVote(Command, frozen=True, kw_only=True):
    """Vote yes, no or abstain, or change one's vote, until closing (a voter on the roll)."""

    NAME: ClassVar[str] = "cast_vote"
    proposal_id: ProposalId
    choice: Annotated[Choice, described("The vote", "yes")]


class CloseProposal(Command, frozen=True, kw_only=True):
    """Tally a proposal at or after its closing time (a voter or the coordinator)."""

    NAME: ClassVar[str] = "close_proposal"
    proposal_id: ProposalId


class CommitBudget(Command, frozen=True, kw_only=True):
    """A funder commits its own money to its delivery budget or a programme's fund."""

    NAME: ClassVar[str] = "commit_budget"
    amount_cents: Annotated[Cents, described("Euro cents committed", 1_500_000)]
    programme_id: Annotated[ProgrammeId, described(
        "The basket programme whose fund receives it (absent: the funder's delivery budget)",
        EXAMPLE_PROGRAMME_ID)] | None = None


class TransferFunds(Command, frozen=True, kw_only=True):
    """Move money between two existing accounts, posted or pending (coordinator)."""

    NAME: ClassVar[str] = "transfer_funds"
    debit_account_id: Annotated[AccountId, described("The account debited",
                                                     "0192f0c8-a0db-74a1-95c7-3c4d5e6f7081")]
    credit_account_id: Annotated[AccountId, described("The account credited",
                                                      "0192f0c8-b1ec-75b2-a6d8-4d5e6f708192")]
    amount_cents: Annotated[Cents, described("Euro cents moved", 25_000)]
    pending: Annotated[bool, described("Reserve now, post or void later", False)] = False
    memo: Annotated[Text, described("What the transfer is for",
                                    "avance sur les livraisons de janvier")] = ""


class PostTransfer(Command, frozen=True, kw_only=True):
    """Post a pending transfer, wholly or for less (coordinator)."""

    NAME: ClassVar[str] = "post_transfer"
    transfer_id: TransferId
    amount_cents: Annotated[Cents, described("Euro cents posted, at most the pending amount "
                                             "(absent: all of it)", 20_000)] | None = None


class VoidTransfer(Command, frozen=True, kw_only=True):
    """Void a pending transfer (coordinator)."""

    NAME: ClassVar[str] = "void_transfer"
    transfer_id: TransferId
    reason: Reason


class OpenBasketProgramme(Command, frozen=True, kw_only=True):
    """Open a solidarity basket programme (coordinator)."""

    NAME: ClassVar[str] = "open_basket_programme"
    name: Annotated[Text, described("The programme's name", "Paniers solidaires de Chalon")]
    producer_id: Annotated[MemberId, described("The garden making the baskets",
                                               EXAMPLE_PRODUCER_ID)]
    basket_price_cents: Annotated[Cents, described("A basket's price in euro cents", 1_200)]
    household_share_cap_bp: Annotated[BasisPoints, described(
        "Most a household pays of the price, in basis points (at most 3 000: 30 %)",
        3_000)] = DEFAULT_HOUSEHOLD_SHARE_CAP_BP
    funders: Annotated[list[FunderShare], msgspec.Meta(
        max_length=FUNDERS_MAX, description="Who co-finances the rest, and in which shares "
                                            "(basis points summing to 10 000)",
        examples=[FUNDER_SHARES_EXAMPLE])]
    collection_point_ids: Annotated[list[UUID], msgspec.Meta(
        max_length=COLLECTION_POINTS_MAX,
        description="Outlets where households collect their baskets",
        examples=[[EXAMPLE_OUTLET_ID]])]


class EnrolHousehold(Command, frozen=True, kw_only=True):
    """A referring organisation (outlet) enrols a household under a pseudonymous reference.

    ``name`` and ``contact`` are sealed before anything is recorded; they never appear in an
    event (only the command's digest is kept, in the command record).
    """

    NAME: ClassVar[str] = "enrol_household"
    PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("name", "contact")
    programme_id: ProgrammeId
    reference: Annotated[str, msgspec.Meta(
        max_length=64, pattern=REFERENCE_PATTERN,
        description="The household's pseudonymous reference (letters, digits, . _ -)",
        examples=["CHALON-0042"])]
    name: Annotated[Text, described("The household's name (sealed, never in an event)",
                                    "Famille Martin")]
    contact: Annotated[str, msgspec.Meta(
        max_length=CONTACT_LENGTH_MAX,
        description="An address or phone number (sealed, never in an event)",
        examples=["06 12 34 56 78"])] = ""
    share_bp: Annotated[BasisPoints, described(
        "The household's share of a basket's price, in basis points (absent: the cap)",
        1_500)] | None = None


class EraseHousehold(Command, frozen=True, kw_only=True):
    """Make a household's personal data unreadable, for good (coordinator or its referrer)."""

    NAME: ClassVar[str] = "erase_household"
    household_id: HouseholdId
    reason: Reason


class StateBasketPreferences(Command, frozen=True, kw_only=True):
    """A household says what its basket should hold or avoid, and its size, for a season.

    Sent by the household itself (``actor_id`` is then its own household id, as its own page
    signs in) or by the outlet that referred it.
    """

    NAME: ClassVar[str] = "state_basket_preferences"
    household_id: HouseholdId
    basket_size: Annotated[BasketSize, described("The basket's size", "medium")]
    wanted: Annotated[list[ProductName], msgspec.Meta(
        max_length=20, description="Products the household would like (at most 20)",
        examples=[["poireau", "carotte"]])] = msgspec.field(default_factory=list)
    avoided: Annotated[list[ProductName], msgspec.Meta(
        max_length=20, description="Products the household would rather not get (at most 20)",
        examples=[["céleri"]])] = msgspec.field(default_factory=list)
    season: Annotated[SeasonLabel, described(
        "The season, ``2026-spring`` … (absent: the season of the act's business day)",
        "2026-spring")] | None = None
    """``2026-spring`` …; defaults to the season of the act's business day."""


class BasketLineInput(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """So many grams of a lot for a basket."""

    lot_id: Annotated[LotId, described("A lot the collection point holds", EXAMPLE_LOT_ID)]
    quantity_g: Annotated[Grams, described("Grams of it in the basket", 1_500)]


class PrepareBasket(Command, frozen=True, kw_only=True):
    """A collection point makes up a household's basket for a week from lots it holds."""

    NAME: ClassVar[str] = "prepare_basket"
    household_id: HouseholdId
    week: Annotated[Week, described("The ISO week of the basket", "2026-W02")]
    lines: Annotated[list[BasketLineInput], msgspec.Meta(
        max_length=BASKET_LINES_MAX, description="What the basket holds",
        examples=[[{"lot_id": EXAMPLE_LOT_ID, "quantity_g": 1_500}]])]


class CollectBasket(Command, frozen=True, kw_only=True):
    """The household collected its basket (recorded by the collection point)."""

    NAME: ClassVar[str] = "collect_basket"
    basket_id: BasketId


class CancelBasket(Command, frozen=True, kw_only=True):
    """A basket was not collected (recorded by the collection point)."""

    NAME: ClassVar[str] = "cancel_basket"
    basket_id: BasketId
    reason: Reason


class OpenAccount(Command, frozen=True, kw_only=True):
    """Open an account ahead of its first transfer (coordinator)."""

    NAME: ClassVar[str] = "open_account"
    kind: Annotated[AccountKind, described("What the account holds", "outlet")]
    owner_id: Annotated[MemberId, described("The member owning it", EXAMPLE_OUTLET_ID)]
    scope_id: Annotated[UUID, described("What it is kept for, where its kind has a scope (a "
                                        "programme for a programme fund)",
                                        EXAMPLE_PROGRAMME_ID)] | None = None
