"""Commands of governance, funding and solidarity baskets, as typed msgspec structs.

They follow ``domain.commands``: a client-chosen ``command_id`` (idempotency), the acting
member, optional correlation and causation ids and business time (``occurred_at``, which is
what opening and closing times and effective dates are compared with).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar
from uuid import UUID

import msgspec

from domain.commands import Command, Grams, ShortText
from domain.governance import College, CollegeWeight
from domain.preferences import BasketSize
from domain.proposals import Choice
from domain.rules import DEFAULT_HOUSEHOLD_SHARE_CAP_BP, FunderShare, Payload
from domain.transfers import AccountKind

BasisPoints = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
Cents = Annotated[int, msgspec.Meta(ge=0, le=10_000_000_000)]
Week = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-W\d{2}$")]
ProductName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
SeasonLabel = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-(spring|summer|autumn|winter)$")]


class ConstituteColleges(Command, frozen=True, kw_only=True):
    """Set up the colleges and their weights, once (coordinator)."""

    NAME: ClassVar[str] = "constitute_colleges"
    weights: list[CollegeWeight]


class SeatMember(Command, frozen=True, kw_only=True):
    """Seat a founding member in a college (coordinator; later admissions are voted)."""

    NAME: ClassVar[str] = "seat_member"
    member_id: UUID
    college: College


class UnseatMember(Command, frozen=True, kw_only=True):
    """Take a member off the roll (coordinator)."""

    NAME: ClassVar[str] = "unseat_member"
    member_id: UUID
    reason: ShortText


class SubmitProposal(Command, frozen=True, kw_only=True):
    """Put a proposal to the vote (a voter on the roll)."""

    NAME: ClassVar[str] = "submit_proposal"
    title: ShortText
    payload: Payload
    closes_at: datetime
    opens_at: datetime | None = None
    """Defaults to the business time of the submission."""
    quorum_bp: BasisPoints = 0
    threshold_bp: BasisPoints = 5_000
    """Adopted when the weighted yes share is strictly above this (5 000: a majority)."""
    effective_from: date | None = None
    """For standing rules: first day in force (default: the day after closing)."""


class CastVote(Command, frozen=True, kw_only=True):
    """Vote yes, no or abstain, or change one's vote, until closing (a voter on the roll)."""

    NAME: ClassVar[str] = "cast_vote"
    proposal_id: UUID
    choice: Choice


class CloseProposal(Command, frozen=True, kw_only=True):
    """Tally a proposal at or after its closing time (a voter or the coordinator)."""

    NAME: ClassVar[str] = "close_proposal"
    proposal_id: UUID


class CommitBudget(Command, frozen=True, kw_only=True):
    """A funder commits its own money to its delivery budget or a programme's fund."""

    NAME: ClassVar[str] = "commit_budget"
    amount_cents: Cents
    programme_id: UUID | None = None


class TransferFunds(Command, frozen=True, kw_only=True):
    """Move money between two existing accounts, posted or pending (coordinator)."""

    NAME: ClassVar[str] = "transfer_funds"
    debit_account_id: UUID
    credit_account_id: UUID
    amount_cents: Cents
    pending: bool = False
    memo: ShortText = ""


class PostTransfer(Command, frozen=True, kw_only=True):
    """Post a pending transfer, wholly or for less (coordinator)."""

    NAME: ClassVar[str] = "post_transfer"
    transfer_id: UUID
    amount_cents: Cents | None = None


class VoidTransfer(Command, frozen=True, kw_only=True):
    """Void a pending transfer (coordinator)."""

    NAME: ClassVar[str] = "void_transfer"
    transfer_id: UUID
    reason: ShortText


class OpenBasketProgramme(Command, frozen=True, kw_only=True):
    """Open a solidarity basket programme (coordinator)."""

    NAME: ClassVar[str] = "open_basket_programme"
    name: ShortText
    producer_id: UUID
    basket_price_cents: Cents
    household_share_cap_bp: BasisPoints = DEFAULT_HOUSEHOLD_SHARE_CAP_BP
    funders: list[FunderShare]
    collection_point_ids: list[UUID]


class EnrolHousehold(Command, frozen=True, kw_only=True):
    """A referring organisation (outlet) enrols a household under a pseudonymous reference.

    ``name`` and ``contact`` are sealed before anything is recorded; they never appear in an
    event (only the command's digest is kept, in the command record).
    """

    NAME: ClassVar[str] = "enrol_household"
    PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ("name", "contact")
    programme_id: UUID
    reference: ShortText
    name: ShortText
    contact: Annotated[str, msgspec.Meta(max_length=300)] = ""
    share_bp: BasisPoints | None = None


class EraseHousehold(Command, frozen=True, kw_only=True):
    """Make a household's personal data unreadable, for good (coordinator or its referrer)."""

    NAME: ClassVar[str] = "erase_household"
    household_id: UUID
    reason: ShortText


class StateBasketPreferences(Command, frozen=True, kw_only=True):
    """A household says what its basket should hold or avoid, and its size, for a season.

    Sent by the household itself (``actor_id`` is then its own household id, as its own page
    signs in) or by the outlet that referred it.
    """

    NAME: ClassVar[str] = "state_basket_preferences"
    household_id: UUID
    basket_size: BasketSize
    wanted: Annotated[list[ProductName], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=list)
    avoided: Annotated[list[ProductName], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=list)
    season: SeasonLabel | None = None
    """``2026-spring`` …; defaults to the season of the act's business day."""


class BasketLineInput(msgspec.Struct, frozen=True):
    """So many grams of a lot for a basket."""

    lot_id: UUID
    quantity_g: Grams


class PrepareBasket(Command, frozen=True, kw_only=True):
    """A collection point makes up a household's basket for a week from lots it holds."""

    NAME: ClassVar[str] = "prepare_basket"
    household_id: UUID
    week: Week
    lines: list[BasketLineInput]


class CollectBasket(Command, frozen=True, kw_only=True):
    """The household collected its basket (recorded by the collection point)."""

    NAME: ClassVar[str] = "collect_basket"
    basket_id: UUID


class CancelBasket(Command, frozen=True, kw_only=True):
    """A basket was not collected (recorded by the collection point)."""

    NAME: ClassVar[str] = "cancel_basket"
    basket_id: UUID
    reason: ShortText


class OpenAccount(Command, frozen=True, kw_only=True):
    """Open an account ahead of its first transfer (coordinator)."""

    NAME: ClassVar[str] = "open_account"
    kind: AccountKind
    owner_id: UUID
    scope_id: UUID | None = None
