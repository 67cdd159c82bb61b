"""Solidarity baskets ("Paniers Solidaires"): programmes, enrolled households, baskets.

Streams:

- ``BasketProgramme``: opened by the coordinator with its producer, its basket price, the
  household share cap (30 % by default; a decision may lower it) and the funders' split of
  the rest, and the collection points (outlets) where baskets are made up and collected.
  Later terms come from decisions (``domain.rules.SetBasketTerms``), in force from a date.
- ``Household``: enrolled in one programme by a referring organisation under a pseudonymous
  reference; its name and contact are sealed (``domain.personal_data``). Erasing it leaves
  the stream, its baskets and every balance intact.
- ``HouseholdReference``: index stream reserving a reference within a programme.
- ``Basket``: one household's basket of one week, prepared from lots held by the collection
  point (each lot records ``Lot.Distributed`` with channel ``basket`` in the same save), then
  collected (the pending transfers are posted) or cancelled (they are voided).

Who pays what, and the rounding rule (``basket_shares``):

1. The household pays ``floor(price * share_bp / 10000)`` cents, where ``share_bp`` is the
   household's own share if it has one, never more than the cap in force: rounding down
   means a household never pays more than the cap.
2. The funders pay the rest, split by their shares with the largest-remainder method: each
   funder gets the floor of its exact share and the leftover cents (fewer than the number of
   funders) go one each to the largest remainders, ties to the funder listed first. The parts
   always add up to the basket price: no cent is lost or created.

Amounts are fixed when the basket is prepared (the terms in force that day, whose decision
the event's context names) and reserved as pending transfers; collecting posts exactly them.
"""

from __future__ import annotations

import enum
import re
from datetime import date
from typing import ClassVar
from uuid import UUID

import msgspec

from domain.base import Aggregate, Context, Created, Event
from domain.errors import InvalidCommand, InvalidState
from domain.governance import BASIS_POINTS
from domain.ids import name_id
from domain.personal_data import check_sealed
from domain.rules import FunderShare, RuleBook, basket_terms_in_force, check_basket_terms
from domain.transfers import split_by_shares

NAME_LENGTH_MAX = 200
REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""A pseudonymous reference: letters, digits, dots, dashes; never a person's name."""
COLLECTION_POINTS_MAX = 50  # A garden's pick-up points: a handful per programme.
BASKET_LINES_MAX = 30  # Products in one weekly basket: a dozen at most in practice.
WEEK_PATTERN = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")
REASON_LENGTH_MAX = 200


class BasketTerms(msgspec.Struct, frozen=True, kw_only=True):
    """A programme's terms: price, household share cap, funders' split of the rest."""

    basket_price_cents: int
    household_share_cap_bp: int
    funders: list[FunderShare]


class FunderPayment(msgspec.Struct, frozen=True, kw_only=True):
    """A funder's part of one basket, reserved then posted through one transfer."""

    funder_id: UUID
    account_id: UUID
    amount_cents: int
    transfer_id: UUID


class BasketLine(msgspec.Struct, frozen=True):
    """So many grams of a lot in a basket."""

    lot_id: UUID
    quantity_g: int


def basket_shares(price_cents: int, household_share_bp: int,
                  funders: list[FunderShare]) -> tuple[int, list[tuple[UUID, int]]]:
    """The household's cents and each funder's cents for one basket (see the module doc)."""
    household_cents = price_cents * household_share_bp // BASIS_POINTS
    rest_cents = price_cents - household_cents
    funder_cents = split_by_shares(rest_cents, [(funder.funder_id, funder.share_bp)
                                                for funder in funders])
    return household_cents, funder_cents


def terms_in_force(book: RuleBook | None, programme_id: UUID, opening_terms: BasketTerms,
                   at: date) -> tuple[BasketTerms, UUID | None]:
    """A programme's terms on day ``at`` and the decision that set them (None: its own).

    The terms a decision set for the programme, in force that day, else those it opened with.
    """
    decided = basket_terms_in_force(book, programme_id, at)
    if decided is None:
        return opening_terms, None
    rule, decision_id = decided
    return BasketTerms(basket_price_cents=rule.basket_price_cents,
                       household_share_cap_bp=rule.household_share_cap_bp,
                       funders=list(rule.funders)), decision_id


def share_under(own_share_bp: int | None, cap_bp: int) -> int:
    """A household's share under a cap: its own share (the cap when it has none), never more."""
    return cap_bp if own_share_bp is None else min(own_share_bp, cap_bp)


def check_reference(reference: str) -> str:
    """A pseudonymous reference: short, no spaces, so that it cannot hold a full name."""
    reference = reference.strip()
    if not REFERENCE_PATTERN.match(reference):
        raise InvalidCommand(f"reference {reference!r} must be 1 to 64 letters, digits, dots "
                             "or dashes (a pseudonym, never a name)",
                             reason="reference_format", reference=reference[:80])
    return reference


def check_reason(reason: str) -> str:
    """A required, bounded reason."""
    reason = reason.strip()
    if not reason or len(reason) > REASON_LENGTH_MAX:
        raise InvalidCommand(f"a reason is 1 to {REASON_LENGTH_MAX} characters",
                             reason="text_length", field="reason", length=len(reason),
                             maximum=REASON_LENGTH_MAX)
    return reason


class BasketProgramme(Aggregate):
    """A solidarity basket programme run by one producer."""

    name: str
    producer_id: UUID
    terms: BasketTerms
    collection_point_ids: list[UUID]

    class Opened(Created, frozen=True, kw_only=True):
        """The coordinator opened a programme with its first terms."""

        TOPIC: ClassVar[str] = "basket_programme.opened"
        name: str
        producer_id: UUID
        terms: BasketTerms
        collection_point_ids: list[UUID]

        def apply(self, programme: BasketProgramme) -> None:
            programme.name = self.name
            programme.producer_id = self.producer_id
            programme.terms = self.terms
            programme.collection_point_ids = list(self.collection_point_ids)

    @classmethod
    def open(cls, programme_id: UUID, context: Context, *, name: str, producer_id: UUID,
             terms: BasketTerms, collection_point_ids: list[UUID]) -> BasketProgramme:
        """Open a programme (callers check the members named exist in their roles)."""
        name = name.strip()
        if not name or len(name) > NAME_LENGTH_MAX:
            raise InvalidCommand(f"a programme's name is 1 to {NAME_LENGTH_MAX} characters",
                                 reason="text_length", field="programme name",
                                 length=len(name), maximum=NAME_LENGTH_MAX)
        check_basket_terms(terms.basket_price_cents, terms.household_share_cap_bp,
                           terms.funders)
        if not 1 <= len(collection_point_ids) <= COLLECTION_POINTS_MAX:
            raise InvalidCommand(f"a programme has 1 to {COLLECTION_POINTS_MAX} collection "
                                 "points", reason="collection_points_count",
                                 count=len(collection_point_ids),
                                 maximum=COLLECTION_POINTS_MAX)
        if len(set(collection_point_ids)) != len(collection_point_ids):
            raise InvalidCommand("a collection point is listed twice",
                                 reason="collection_point_twice")
        return cls._create(cls.Opened, programme_id, context=context, name=name,
                           producer_id=producer_id, terms=terms,
                           collection_point_ids=collection_point_ids)

    def check_collection_point(self, outlet_id: UUID) -> None:
        """Refuse outlets that are not collection points of the programme."""
        if outlet_id not in self.collection_point_ids:
            raise InvalidCommand(f"outlet {outlet_id} is not a collection point of "
                                 f"programme {self.name}", reason="not_a_collection_point",
                                 outlet_id=str(outlet_id), programme=self.name)


BasketProgramme.Opened.AGGREGATE = BasketProgramme


class Household(Aggregate):
    """A household enrolled in a basket programme, known by a pseudonymous reference."""

    programme_id: UUID
    reference: str
    referrer_id: UUID
    share_bp: int | None
    sealed_personal_data: bytes
    erased: bool

    class Enrolled(Created, frozen=True, kw_only=True):
        """A referring organisation enrolled a household."""

        TOPIC: ClassVar[str] = "household.enrolled"
        programme_id: UUID
        reference: str
        referrer_id: UUID
        share_bp: int | None
        """The household's own share of the price (None: the cap in force)."""
        sealed_personal_data: bytes
        """Name and contact, encrypted under the household's own key (never in clear)."""

        def apply(self, household: Household) -> None:
            household.programme_id = self.programme_id
            household.reference = self.reference
            household.referrer_id = self.referrer_id
            household.share_bp = self.share_bp
            household.sealed_personal_data = self.sealed_personal_data
            household.erased = False

    class Erased(Event, frozen=True, kw_only=True):
        """The household's key was destroyed: its personal data can no longer be read."""

        TOPIC: ClassVar[str] = "household.erased"
        reason: str

        def apply(self, household: Household) -> None:
            household.erased = True

    @classmethod
    def enrol(cls, household_id: UUID, context: Context, *, programme_id: UUID, reference: str,
              share_bp: int | None, sealed_personal_data: bytes) -> Household:
        """Enrol a household (the referrer is the acting member)."""
        if share_bp is not None and not 0 <= share_bp <= BASIS_POINTS:
            raise InvalidCommand(f"a household's share is 0 to {BASIS_POINTS} bp, "
                                 f"got {share_bp}", reason="household_share_range",
                                 share_bp=share_bp, maximum_bp=BASIS_POINTS)
        check_sealed(sealed_personal_data)
        return cls._create(cls.Enrolled, household_id, context=context,
                           programme_id=programme_id, reference=check_reference(reference),
                           referrer_id=context.member_id, share_bp=share_bp,
                           sealed_personal_data=sealed_personal_data)

    def check_active(self, act: str) -> None:
        """Refuse acts on an erased household."""
        if self.erased:
            raise InvalidState(f"cannot {act} household {self.reference}: it was erased",
                               reason="household_erased", act=act, reference=self.reference)

    def erase(self, context: Context, reason: str) -> None:
        """Record that the household's personal data was made unreadable."""
        self.check_active("erase")
        self._trigger(self.Erased, context=context, reason=check_reason(reason))

    def share_under(self, cap_bp: int) -> int:
        """The share this household pays under a cap: its own share, never above the cap."""
        return share_under(self.share_bp, cap_bp)


Household.Enrolled.AGGREGATE = Household


def household_reference_id(programme_id: UUID, reference: str) -> UUID:
    """The index stream reserving a reference within a programme."""
    return name_id("household-reference", f"{programme_id}:{reference}")


class HouseholdReference(Aggregate):
    """Index stream: a reference is used by one household per programme."""

    household_id: UUID

    class Claimed(Created, frozen=True, kw_only=True):
        """A reference was taken by a household."""

        TOPIC: ClassVar[str] = "household_reference.claimed"
        programme_id: UUID
        reference: str
        household_id: UUID

        def apply(self, index: HouseholdReference) -> None:
            index.household_id = self.household_id

    @classmethod
    def claim(cls, context: Context, *, programme_id: UUID, reference: str,
              household_id: UUID) -> HouseholdReference:
        """Reserve ``reference`` in ``programme_id`` for ``household_id``."""
        return cls._create(cls.Claimed, household_reference_id(programme_id, reference),
                           context=context, programme_id=programme_id, reference=reference,
                           household_id=household_id)


HouseholdReference.Claimed.AGGREGATE = HouseholdReference


class BasketStatus(enum.StrEnum):
    """Where a basket is."""

    PREPARED = "prepared"
    COLLECTED = "collected"
    CANCELLED = "cancelled"


def basket_id(household_id: UUID, week: str) -> UUID:
    """One basket per household and ISO week."""
    return name_id("basket", f"{household_id}:{week}")


class Basket(Aggregate):
    """One household's basket of one week."""

    programme_id: UUID
    household_id: UUID
    producer_id: UUID
    collection_point_id: UUID
    week: str
    price_cents: int
    household_cents: int
    household_account_id: UUID
    household_transfer_id: UUID | None
    funder_payments: list[FunderPayment]
    status: BasketStatus

    ORDERED_IN_BUSINESS_TIME: ClassVar[bool] = True  # Collected or cancelled once prepared.

    def business_time_label(self) -> tuple[str, str]:
        """The basket by its week, in a refusal of an act dated too early."""
        return "basket", self.week

    class Prepared(Created, frozen=True, kw_only=True):
        """A collection point made up a basket from lots and reserved its payments."""

        TOPIC: ClassVar[str] = "basket.prepared"
        programme_id: UUID
        household_id: UUID
        producer_id: UUID
        collection_point_id: UUID
        week: str
        prepared_on: date
        lines: list[BasketLine]
        price_cents: int
        household_share_cap_bp: int
        household_share_bp: int
        household_cents: int
        household_account_id: UUID
        household_transfer_id: UUID | None
        """None when the household's share is zero cents."""
        funder_payments: list[FunderPayment]

        def apply(self, basket: Basket) -> None:
            basket.programme_id = self.programme_id
            basket.household_id = self.household_id
            basket.producer_id = self.producer_id
            basket.collection_point_id = self.collection_point_id
            basket.week = self.week
            basket.price_cents = self.price_cents
            basket.household_cents = self.household_cents
            basket.household_account_id = self.household_account_id
            basket.household_transfer_id = self.household_transfer_id
            basket.funder_payments = list(self.funder_payments)
            basket.status = BasketStatus.PREPARED

    class Collected(Event, frozen=True, kw_only=True):
        """The household collected its basket: the household and funders paid the producer."""

        TOPIC: ClassVar[str] = "basket.collected"
        household_cents: int
        funders_cents: int

        def apply(self, basket: Basket) -> None:
            basket.status = BasketStatus.COLLECTED

    class Cancelled(Event, frozen=True, kw_only=True):
        """The basket was not collected: its reserved payments were voided."""

        TOPIC: ClassVar[str] = "basket.cancelled"
        reason: str

        def apply(self, basket: Basket) -> None:
            basket.status = BasketStatus.CANCELLED

    @classmethod
    def prepare(cls, context: Context, *, programme: BasketProgramme, household: Household,
                week: str, lines: list[BasketLine], terms: BasketTerms,
                household_account_id: UUID, household_transfer_id: UUID | None,
                funder_payments: list[FunderPayment]) -> Basket:
        """Record a prepared basket (callers compute the shares with ``basket_shares``)."""
        if not WEEK_PATTERN.match(week):
            raise InvalidCommand(f"week {week!r} is not an ISO week like 2026-W07",
                                 reason="week_format", week_text=week)
        household.check_active("prepare a basket for")
        if household.programme_id != programme.id:
            raise InvalidCommand(f"household {household.reference} is not enrolled in "
                                 f"programme {programme.name}",
                                 reason="household_of_other_programme",
                                 reference=household.reference, programme=programme.name)
        programme.check_collection_point(context.member_id)
        check_basket_lines(lines)
        share_bp = household.share_under(terms.household_share_cap_bp)
        household_cents, funder_cents = basket_shares(terms.basket_price_cents, share_bp,
                                                      terms.funders)
        planned = [(payment.funder_id, payment.amount_cents) for payment in funder_payments]
        if planned != [(funder_id, cents) for funder_id, cents in funder_cents if cents]:
            raise InvalidCommand("funders' payments do not follow the programme's terms",
                                 reason="funder_payments_off_terms")
        if (household_transfer_id is None) != (household_cents == 0):
            raise InvalidCommand("a household transfer is needed exactly when it pays",
                                 reason="household_transfer_mismatch",
                                 household_cents=household_cents)
        return cls._create(
            cls.Prepared, basket_id(household.id, week), context=context,
            programme_id=programme.id, household_id=household.id,
            producer_id=programme.producer_id, collection_point_id=context.member_id,
            week=week, prepared_on=context.occurred_at.date(), lines=lines,
            price_cents=terms.basket_price_cents,
            household_share_cap_bp=terms.household_share_cap_bp, household_share_bp=share_bp,
            household_cents=household_cents, household_account_id=household_account_id,
            household_transfer_id=household_transfer_id, funder_payments=funder_payments)

    def check_prepared(self, act: str) -> None:
        """Refuse unless the basket waits to be collected."""
        if self.status != BasketStatus.PREPARED:
            raise InvalidState(f"cannot {act} the basket of week {self.week}: it is "
                               f"{self.status}", reason="basket_not_prepared", act=act,
                               week=self.week, status=str(self.status))

    def collect(self, context: Context) -> None:
        """Record the collection (callers post the pending transfers in the same save)."""
        self.check_prepared("collect")
        self._trigger(self.Collected, context=context, household_cents=self.household_cents,
                      funders_cents=sum(payment.amount_cents
                                        for payment in self.funder_payments))

    def cancel(self, context: Context, reason: str) -> None:
        """Record a basket not collected (callers void the pending transfers)."""
        self.check_prepared("cancel")
        self._trigger(self.Cancelled, context=context, reason=check_reason(reason))

    def transfer_ids(self) -> list[UUID]:
        """Every transfer of the basket: the household's first, then the funders'."""
        ids = [self.household_transfer_id] if self.household_transfer_id else []
        return ids + [payment.transfer_id for payment in self.funder_payments]


Basket.Prepared.AGGREGATE = Basket


def check_basket_lines(lines: list[BasketLine]) -> None:
    """A basket holds 1 to ``BASKET_LINES_MAX`` positive lines, each lot once."""
    if not 1 <= len(lines) <= BASKET_LINES_MAX:
        raise InvalidCommand(f"a basket holds 1 to {BASKET_LINES_MAX} lot lines, "
                             f"got {len(lines)}", reason="basket_lines_count",
                             count=len(lines), maximum=BASKET_LINES_MAX)
    lots = [line.lot_id for line in lines]
    if len(set(lots)) != len(lots):
        raise InvalidCommand("a basket lists a lot twice", reason="lot_listed_twice")
    for line in lines:
        if line.quantity_g <= 0:
            raise InvalidCommand(f"basket line for lot {line.lot_id} must be > 0 g",
                                 reason="line_not_positive", quantity_g=line.quantity_g,
                                 lot_id=str(line.lot_id))
