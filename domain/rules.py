"""The rules a decision can set, and the rule book that says which one is in force when.

A proposal carries one typed payload (a msgspec tagged union, tag field ``kind``):

- standing rules, which stay in force from their effective date until a later decision
  replaces them: ``SetAllocationKey``, ``SetBasketTerms`` (per basket programme),
  ``SetPriceGrid`` (the prices paid to producers and who finances them) and
  ``SetBackdatingWindow`` (how far back members may date their acts, see
  ``domain.business_time``), ``SetReplayWeeks`` (how many past weeks a what-if simulation
  replays, see ``domain.whatif``);
- ``SetStockRules`` (``domain.stock_rules``): shelf lives, DDM grace, remaining life at
  dispatch and cold-chain ranges, with defaults in force until a first decision;
- ``SetReferencePrices`` (``domain.reference_prices``): what donated food is worth per kg
  when its donor declares no value;
- one-off acts, carried out once when the proposal is adopted: ``AdmitMember`` (seat a
  member in a college) and ``CommitBudget`` (move a funder's money into a budget).

Adopted standing rules are written to the single ``RuleBook`` stream. "Which rule was in
force on day D, and which decision set it?" is ``RuleBook.in_force(kind, D, scope_id)``: of
the enactments of that kind and scope whose effective date is on or before D, the one with
the latest effective date wins; two with the same date are ordered by enactment.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta
from typing import Annotated, ClassVar, Literal
from uuid import UUID

import msgspec

from domain.allocation_keys import PROPORTIONAL_TO_NEEDS
from domain.base import Aggregate, Context, Created, Event
from domain.business_time import (
    BACKDATING_WINDOW_DEFAULT,
    BACKDATING_WINDOW_MAX,
    BACKDATING_WINDOW_MIN,
)
from domain.errors import InvalidCommand
from domain.fields import (
    EXAMPLE_FUNDER_ID,
    EXAMPLE_MEMBER_ID,
    EXAMPLE_PROGRAMME_ID,
    BasisPoints,
    Cents,
    PricePerKg,
    Text,
    described,
)
from domain.governance import BASIS_POINTS, College
from domain.ids import name_id
from domain.reference_prices import (
    SetReferencePrices,
    check_reference_prices,
    normalised_reference_prices,
)
from domain.stock_rules import (
    DEFAULT_STOCK_RULES,
    SetStockRules,
    check_stock_rules,
    normalised_stock_rules,
)

PROPORTIONAL_TO_HOUSEHOLDS = "proportional_to_households"
"""Allocation key: proportional to the households each outlet serves."""
AllocationKeyName = Literal["proportional_to_needs", "proportional_to_households"]

MINIMUM_SHARE_BP_MAX = 5_000
"""A minimum share above half of the stock per outlet would leave nothing to share."""
DEFAULT_HOUSEHOLD_SHARE_CAP_BP = 3_000
"""A household pays at most 30 % of a basket's price (Paniers Solidaires' rule)."""
HOUSEHOLD_SHARE_CAP_BP_MAX = 3_000
"""DESIGN.md: the household share cap is at most 30 %; a decision may only lower it."""
BASKET_PRICE_CENTS_MAX = 100_000  # 1,000 EUR: no weekly vegetable basket costs that much.
PRICE_CENTS_PER_KG_MAX = 100_000  # Same bound as a lot's offer price.
PRICES_MAX = 500  # Products on one price grid: a garden grows a few dozen.
FUNDERS_MAX = 20  # Co-financers of one programme: the network and a handful of partners.
AMOUNT_CENTS_MAX = 10_000_000_000
"""100 million EUR: far above the basket programme's yearly 335 k EUR; larger is a typo."""
ENACTMENTS_MAX = 10_000  # Rules enacted over the ledger's life: a few a month for decades.
PRODUCT_LENGTH_MAX = 200  # As a lot's product (domain.input_bounds.TEXT_LENGTH_MAX).

# The bounds below (msgspec Meta) also apply when stored events holding these structs are
# decoded: each is no tighter than what check_payload and check_funder_shares refused before
# any event was recorded, so every stored event still decodes. Unknown fields are refused at
# the edge (infra.api.bodies), not here: a reader of an older version must still decode an
# event to which a newer one added a field with a default.
REPLAY_WEEKS_DEFAULT = 8
"""Past weeks a what-if simulation replays until the cooperative decides otherwise."""
REPLAY_WEEKS_MAX = 52
"""A year of weekly rounds: beyond that the territory has changed more than the rule."""


class FunderShare(msgspec.Struct, frozen=True):
    """A funder and its share (in basis points) of what it co-finances."""

    funder_id: Annotated[UUID, described("The funder", EXAMPLE_FUNDER_ID)]
    share_bp: Annotated[BasisPoints, described("Its share, in basis points", 10_000)]


class ProductPrice(msgspec.Struct, frozen=True):
    """The price paid to producers for a product."""

    product: Annotated[Text, described("The product", "poireau")]
    price_cents_per_kg: Annotated[PricePerKg, described("Euro cents paid per kg", 240)]


class SetAllocationKey(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind",
                       tag="set_allocation_key"):
    """How platforms share stock among outlets in allocation rounds."""

    key: Annotated[AllocationKeyName, described("The allocation key",
                                                "proportional_to_households")]
    minimum_share_bp: Annotated[BasisPoints, described(
        "Each outlet with a need first gets at least this share of a product's stock, in "
        "basis points (at most 5 000)", 500)] = 0
    """Each outlet with a need first gets at least this share of a product's stock."""


class SetBasketTerms(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind",
                     tag="set_basket_terms"):
    """A basket programme's price, household share cap and funders' split of the rest."""

    programme_id: Annotated[UUID, described("The basket programme", EXAMPLE_PROGRAMME_ID)]
    basket_price_cents: Annotated[Cents, described("A basket's price in euro cents (at most "
                                                   "100 000)", 1_200)]
    household_share_cap_bp: Annotated[BasisPoints, described(
        "Most a household pays, in basis points (at most 3 000)",
        3_000)] = DEFAULT_HOUSEHOLD_SHARE_CAP_BP
    funders: Annotated[list[FunderShare], msgspec.Meta(
        max_length=FUNDERS_MAX, description="Who co-finances the rest, in which shares",
        examples=[[{"funder_id": EXAMPLE_FUNDER_ID, "share_bp": 10_000}]])]


class SetPriceGrid(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind",
                   tag="set_price_grid"):
    """What producers are paid for delivered produce, and who pays it.

    Products not on the grid are paid at their lot's offer price. The receiving outlet pays
    ``outlet_share_bp`` of each payment; the funders split the rest.
    """

    prices: Annotated[list[ProductPrice], msgspec.Meta(
        max_length=PRICES_MAX, description="Price per product",
        examples=[[{"product": "poireau", "price_cents_per_kg": 240}]],
    )] = msgspec.field(default_factory=list)
    outlet_share_bp: Annotated[BasisPoints, described(
        "Share of each payment the receiving outlet pays, in basis points", 2_000)] = 0
    funders: Annotated[list[FunderShare], msgspec.Meta(
        max_length=FUNDERS_MAX, description="Who pays the rest, in which shares (none when "
                                            "outlets pay 100 %)",
        examples=[[{"funder_id": EXAMPLE_FUNDER_ID, "share_bp": 10_000}]],
    )] = msgspec.field(default_factory=list)


class SetBackdatingWindow(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind",
                          tag="set_backdating_window"):
    """How many days back a member may date an act (a coordinator may go further, saying
    why); absent any decision, ``domain.business_time.BACKDATING_WINDOW_DEFAULT``."""

    days: Annotated[int, msgspec.Meta(
        ge=BACKDATING_WINDOW_MIN.days, le=BACKDATING_WINDOW_MAX.days,
        description="Days back an act may be dated", examples=[14])]


class SetReplayWeeks(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind",
                     tag="set_replay_weeks"):
    """How many past weeks a what-if simulation of a proposal replays (8 until decided)."""

    weeks: Annotated[int, msgspec.Meta(
        ge=1, le=REPLAY_WEEKS_MAX, description="Past weeks a simulation replays",
        examples=[12])]


class AdmitMember(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind",
                  tag="admit_member"):
    """Admit a registered member into a college."""

    member_id: Annotated[UUID, described("The member admitted", EXAMPLE_MEMBER_ID)]
    college: Annotated[College, described("Its college", "households")]


class CommitBudget(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind",
                   tag="commit_budget"):
    """Move money from a funder into its budget (for deliveries) or a programme's fund."""

    funder_id: Annotated[UUID, described("The funder", EXAMPLE_FUNDER_ID)]
    amount_cents: Annotated[Cents, described("Euro cents moved", 1_500_000)]
    programme_id: Annotated[UUID, described("The programme whose fund receives it (absent: "
                                            "the delivery budget)", EXAMPLE_PROGRAMME_ID),
                            ] | None = None


Payload = (SetAllocationKey | SetBasketTerms | SetPriceGrid | SetReplayWeeks
           | SetReferencePrices | SetStockRules | SetBackdatingWindow | AdmitMember
           | CommitBudget)
StandingRule = (SetAllocationKey | SetBasketTerms | SetPriceGrid | SetReplayWeeks
                | SetReferencePrices | SetStockRules | SetBackdatingWindow)


class RuleKind(enum.StrEnum):
    """The standing rules the rule book keeps."""

    ALLOCATION_KEY = "allocation_key"
    BASKET_TERMS = "basket_terms"
    PRICE_GRID = "price_grid"
    BACKDATING_WINDOW = "backdating_window"
    REPLAY_WEEKS = "replay_weeks"
    REFERENCE_PRICES = "reference_prices"
    STOCK_RULES = "stock_rules"


def rule_kind(payload: Payload) -> RuleKind | None:
    """The standing rule a payload sets, or None for a one-off act."""
    if isinstance(payload, SetAllocationKey):
        return RuleKind.ALLOCATION_KEY
    if isinstance(payload, SetBasketTerms):
        return RuleKind.BASKET_TERMS
    if isinstance(payload, SetPriceGrid):
        return RuleKind.PRICE_GRID
    if isinstance(payload, SetBackdatingWindow):
        return RuleKind.BACKDATING_WINDOW
    if isinstance(payload, SetReplayWeeks):
        return RuleKind.REPLAY_WEEKS
    if isinstance(payload, SetReferencePrices):
        return RuleKind.REFERENCE_PRICES
    if isinstance(payload, SetStockRules):
        return RuleKind.STOCK_RULES
    return None


def rule_scope(payload: Payload) -> UUID | None:
    """The stream a standing rule applies to (a basket programme), None when global."""
    if isinstance(payload, SetBasketTerms):
        return payload.programme_id
    return None


def check_funder_shares(funders: list[FunderShare], *, what: str) -> None:
    """Funders listed once each, each share positive, the shares summing to 100 %."""
    if not 1 <= len(funders) <= FUNDERS_MAX:
        raise InvalidCommand(f"{what} names 1 to {FUNDERS_MAX} funders, got {len(funders)}",
                             reason="funders_count", field=what, count=len(funders),
                             maximum=FUNDERS_MAX)
    ids = [funder.funder_id for funder in funders]
    if len(set(ids)) != len(ids):
        raise InvalidCommand(f"{what} lists a funder twice", reason="funder_twice", field=what)
    for funder in funders:
        if not 0 < funder.share_bp <= BASIS_POINTS:
            raise InvalidCommand(f"{what}: funder {funder.funder_id} has a share of "
                                 f"{funder.share_bp} bp; shares are 1 to {BASIS_POINTS} bp",
                                 reason="funder_share_range", field=what,
                                 funder_id=str(funder.funder_id), share_bp=funder.share_bp,
                                 maximum_bp=BASIS_POINTS)
    total_bp = sum(funder.share_bp for funder in funders)
    if total_bp != BASIS_POINTS:
        raise InvalidCommand(f"{what}: funders' shares sum to {total_bp} bp, "
                             f"not {BASIS_POINTS} bp", reason="funder_shares_sum",
                             field=what, total_bp=total_bp, expected_bp=BASIS_POINTS)


def check_basket_terms(basket_price_cents: int, household_share_cap_bp: int,
                       funders: list[FunderShare]) -> None:
    """Refuse basket terms with a price out of range, a cap above 30 %, or a bad split."""
    if not 0 < basket_price_cents <= BASKET_PRICE_CENTS_MAX:
        raise InvalidCommand(f"basket price must be 1 to {BASKET_PRICE_CENTS_MAX} cents, "
                             f"got {basket_price_cents}", reason="basket_price_range",
                             price_cents=basket_price_cents,
                             maximum_cents=BASKET_PRICE_CENTS_MAX)
    if not 0 <= household_share_cap_bp <= HOUSEHOLD_SHARE_CAP_BP_MAX:
        raise InvalidCommand(f"household share cap must be 0 to {HOUSEHOLD_SHARE_CAP_BP_MAX} "
                             f"bp (30 %), got {household_share_cap_bp} bp",
                             reason="household_cap_range", cap_bp=household_share_cap_bp,
                             maximum_bp=HOUSEHOLD_SHARE_CAP_BP_MAX)
    check_funder_shares(funders, what="basket terms")


def check_amount(amount_cents: int, *, what: str = "amount") -> None:
    """Refuse amounts that are not positive or absurdly large."""
    if not 0 < amount_cents <= AMOUNT_CENTS_MAX:
        raise InvalidCommand(f"{what} must be 1 to {AMOUNT_CENTS_MAX} cents, "
                             f"got {amount_cents}", reason="amount_out_of_range",
                             amount_cents=amount_cents, maximum_cents=AMOUNT_CENTS_MAX)


def check_payload(payload: Payload) -> None:
    """Check a payload's own values (references to streams are checked by the handler)."""
    if isinstance(payload, SetAllocationKey):
        if not 0 <= payload.minimum_share_bp <= MINIMUM_SHARE_BP_MAX:
            raise InvalidCommand(f"minimum share must be 0 to {MINIMUM_SHARE_BP_MAX} bp, "
                                 f"got {payload.minimum_share_bp} bp",
                                 reason="minimum_share_range",
                                 minimum_share_bp=payload.minimum_share_bp,
                                 maximum_bp=MINIMUM_SHARE_BP_MAX)
    elif isinstance(payload, SetBasketTerms):
        check_basket_terms(payload.basket_price_cents, payload.household_share_cap_bp,
                           payload.funders)
    elif isinstance(payload, SetPriceGrid):
        if len(payload.prices) > PRICES_MAX:
            raise InvalidCommand(f"a price grid lists at most {PRICES_MAX} products",
                                 reason="price_grid_size", count=len(payload.prices),
                                 maximum=PRICES_MAX)
        products = [price.product.strip().lower() for price in payload.prices]
        if len(set(products)) != len(products) or "" in products:
            raise InvalidCommand("a price grid names each product once, none empty",
                                 reason="price_grid_products")
        too_long = [product for product in products if len(product) > PRODUCT_LENGTH_MAX]
        if too_long:
            raise InvalidCommand(f"a product name is at most {PRODUCT_LENGTH_MAX} characters, "
                                 f"got {len(too_long[0])}", reason="product_too_long",
                                 length=len(too_long[0]), maximum=PRODUCT_LENGTH_MAX)
        for price in payload.prices:
            if not 0 <= price.price_cents_per_kg <= PRICE_CENTS_PER_KG_MAX:
                raise InvalidCommand(f"price of {price.product} must be 0 to "
                                     f"{PRICE_CENTS_PER_KG_MAX} cents/kg, "
                                     f"got {price.price_cents_per_kg}", reason="price_range",
                                     price_cents=price.price_cents_per_kg,
                                     maximum_cents=PRICE_CENTS_PER_KG_MAX,
                                     product=price.product)
        if not 0 <= payload.outlet_share_bp <= BASIS_POINTS:
            raise InvalidCommand(f"outlet share must be 0 to {BASIS_POINTS} bp, "
                                 f"got {payload.outlet_share_bp} bp", reason="outlet_share_range",
                                 outlet_share_bp=payload.outlet_share_bp,
                                 maximum_bp=BASIS_POINTS)
        if payload.outlet_share_bp < BASIS_POINTS:
            check_funder_shares(payload.funders, what="price grid")
        elif payload.funders:
            raise InvalidCommand("a price grid where outlets pay 100 % names no funders",
                                 reason="price_grid_funders_unneeded")
    elif isinstance(payload, SetReplayWeeks):
        if not 1 <= payload.weeks <= REPLAY_WEEKS_MAX:
            raise InvalidCommand(f"a simulation replays 1 to {REPLAY_WEEKS_MAX} weeks, "
                                 f"got {payload.weeks}", reason="replay_weeks_out_of_range",
                                 weeks=payload.weeks, weeks_max=REPLAY_WEEKS_MAX)
    elif isinstance(payload, SetReferencePrices):
        check_reference_prices(payload)
    elif isinstance(payload, SetStockRules):
        check_stock_rules(payload)
    elif isinstance(payload, CommitBudget):
        check_amount(payload.amount_cents, what="budget commitment")
    elif isinstance(payload, SetBackdatingWindow):
        low, high = BACKDATING_WINDOW_MIN.days, BACKDATING_WINDOW_MAX.days
        if not low <= payload.days <= high:
            raise InvalidCommand(f"a back-dating window is {low} to {high} days, "
                                 f"got {payload.days}", reason="backdating_window_range",
                                 days=payload.days, maximum=high)


def normalised_payload(payload: Payload) -> Payload:
    """The payload with product names trimmed and lower-cased, as lots store them."""
    if isinstance(payload, SetPriceGrid):
        prices = sorted((ProductPrice(price.product.strip().lower(), price.price_cents_per_kg)
                         for price in payload.prices), key=lambda price: price.product)
        return msgspec.structs.replace(payload, prices=prices)
    if isinstance(payload, SetReferencePrices):
        return normalised_reference_prices(payload)
    if isinstance(payload, SetStockRules):
        return normalised_stock_rules(payload)
    return payload


def allocation_parameters(rule: SetAllocationKey) -> tuple[str, dict[str, int]]:
    """The key name and parameters an allocation round records and computes with."""
    by_households = rule.key == PROPORTIONAL_TO_HOUSEHOLDS
    parameters = {"by_households": int(by_households),
                  "minimum_share_bp": rule.minimum_share_bp}
    return (PROPORTIONAL_TO_HOUSEHOLDS if by_households else PROPORTIONAL_TO_NEEDS), parameters


def grid_price(grid: SetPriceGrid, product: str) -> int | None:
    """The grid's price for a product, or None when the grid does not list it."""
    for price in grid.prices:
        if price.product == product:
            return price.price_cents_per_kg
    return None


def earliest_effective_date(requested: date, closed_on: date) -> date:
    """When an adopted rule takes effect: as decided, but never before the day after closing.

    A rule applies to whole days, so a vote closed during day D cannot change what was done
    earlier on D: its rule starts on D + 1 at the earliest, even if closing came late.
    """
    return max(requested, closed_on + timedelta(days=1))


class Enactment(msgspec.Struct, frozen=True, kw_only=True):
    """A standing rule adopted by a decision, in force from a date."""

    sequence: int
    """Order of enactment in the rule book (1, 2, ...): breaks ties between same dates."""
    kind: RuleKind
    scope_id: UUID | None
    rule: StandingRule
    effective_from: date
    decision_id: UUID
    title: str


def in_force(enactments: list[Enactment], kind: RuleKind, at: date,
             scope_id: UUID | None = None) -> Enactment | None:
    """The enactment in force on day ``at`` (a pure fold, usable by any reader)."""
    best: Enactment | None = None
    for enactment in enactments:
        if enactment.kind != kind or enactment.scope_id != scope_id:
            continue
        if enactment.effective_from > at:
            continue
        if best is None or (enactment.effective_from, enactment.sequence) > (
                best.effective_from, best.sequence):
            best = enactment
    return best


def stock_rules_at(enactments: list[Enactment], at: date) -> tuple[SetStockRules, UUID | None]:
    """The stock rules in force on day ``at`` and the decision that set them.

    Until a proposal sets them, the defaults apply and no decision is named.
    """
    enactment = in_force(enactments, RuleKind.STOCK_RULES, at)
    if enactment is None:
        return DEFAULT_STOCK_RULES, None
    assert isinstance(enactment.rule, SetStockRules)
    return enactment.rule, enactment.decision_id


class RuleBook(Aggregate):
    """Every standing rule adopted by the cooperative, with its effective date."""

    ID: ClassVar[UUID] = name_id("rule-book", "singleton")

    enactments: list[Enactment]

    class Opened(Created, frozen=True, kw_only=True):
        """The rule book was opened (with the first rule ever adopted)."""

        TOPIC: ClassVar[str] = "rule_book.opened"

        def apply(self, book: RuleBook) -> None:
            book.enactments = []

    class RuleEnacted(Event, frozen=True, kw_only=True):
        """An adopted decision set a standing rule from a date."""

        TOPIC: ClassVar[str] = "rule_book.rule_enacted"
        enactment: Enactment

        def apply(self, book: RuleBook) -> None:
            book.enactments.append(self.enactment)

    @classmethod
    def open(cls, context: Context) -> RuleBook:
        """Open the rule book."""
        return cls._create(cls.Opened, cls.ID, context=context)

    def enact(self, context: Context, *, rule: StandingRule, effective_from: date,
              decision_id: UUID, title: str) -> Enactment:
        """Record an adopted rule."""
        kind = rule_kind(rule)
        assert kind is not None
        if len(self.enactments) >= ENACTMENTS_MAX:
            raise InvalidCommand(f"the rule book holds at most {ENACTMENTS_MAX} enactments",
                                 reason="rule_book_full", maximum=ENACTMENTS_MAX)
        enactment = Enactment(sequence=len(self.enactments) + 1, kind=kind,
                              scope_id=rule_scope(rule), rule=rule,
                              effective_from=effective_from, decision_id=decision_id,
                              title=title)
        self._trigger(self.RuleEnacted, context=context, enactment=enactment)
        return enactment

    def in_force(self, kind: RuleKind, at: date, scope_id: UUID | None = None) -> Enactment | None:
        """The enactment of ``kind`` (and scope) in force on day ``at``, if any."""
        return in_force(self.enactments, kind, at, scope_id)


RuleBook.Opened.AGGREGATE = RuleBook


def standing_rules(book: RuleBook | None, at: date) -> list[Enactment]:
    """Every standing rule in force on day ``at``: one per kind and scope, in a stable order."""
    if book is None:
        return []
    scopes = {(enactment.kind, enactment.scope_id) for enactment in book.enactments}
    found = [book.in_force(kind, at, scope) for kind, scope in scopes]
    return sorted((enactment for enactment in found if enactment is not None),
                  key=lambda enactment: (enactment.kind, str(enactment.scope_id)))


def allocation_rule(book: RuleBook | None, at: date) -> tuple[str, dict[str, int], UUID | None]:
    """The allocation key in force on day ``at``: its name, parameters and deciding proposal.

    Until the cooperative votes a key, rounds allocate in proportion to declared needs.
    """
    enactment = None if book is None else book.in_force(RuleKind.ALLOCATION_KEY, at)
    if enactment is None:
        return PROPORTIONAL_TO_NEEDS, {}, None
    rule = enactment.rule
    assert isinstance(rule, SetAllocationKey)
    key, parameters = allocation_parameters(rule)
    return key, parameters, enactment.decision_id


def basket_terms_in_force(book: RuleBook | None, scope_id: UUID, at: date
                          ) -> tuple[SetBasketTerms, UUID] | None:
    """The basket terms a decision set for a programme, in force on day ``at``, if any."""
    enactment = None if book is None else book.in_force(RuleKind.BASKET_TERMS, at, scope_id)
    if enactment is None:
        return None
    rule = enactment.rule
    assert isinstance(rule, SetBasketTerms)
    return rule, enactment.decision_id


def backdating_window_in_force(book: RuleBook | None, at: date,
                               ) -> tuple[timedelta, UUID | None]:
    """How far back acts may be dated on day ``at``, and the decision that set it (None:
    the default, ``BACKDATING_WINDOW_DEFAULT``)."""
    enactment = None if book is None else book.in_force(RuleKind.BACKDATING_WINDOW, at)
    if enactment is None:
        return BACKDATING_WINDOW_DEFAULT, None
    rule = enactment.rule
    assert isinstance(rule, SetBackdatingWindow)
    return timedelta(days=rule.days), enactment.decision_id


def price_grid_in_force(book: RuleBook | None, at: date) -> tuple[SetPriceGrid, UUID] | None:
    """The price grid in force on day ``at`` and the decision that set it, if any."""
    enactment = None if book is None else book.in_force(RuleKind.PRICE_GRID, at)
    if enactment is None:
        return None
    rule = enactment.rule
    assert isinstance(rule, SetPriceGrid)
    return rule, enactment.decision_id


def replay_weeks_in_force(book: RuleBook | None, at: date) -> tuple[int, UUID | None]:
    """How many weeks a what-if simulation replays on day ``at``, and who decided it."""
    enactment = None if book is None else book.in_force(RuleKind.REPLAY_WEEKS, at)
    if enactment is None:
        return REPLAY_WEEKS_DEFAULT, None
    rule = enactment.rule
    assert isinstance(rule, SetReplayWeeks)
    return rule.weeks, enactment.decision_id


def reference_prices_in_force(book: RuleBook | None, at: date
                              ) -> tuple[SetReferencePrices, UUID] | None:
    """The reference prices in force on day ``at`` and the decision that set them, if any."""
    enactment = None if book is None else book.in_force(RuleKind.REFERENCE_PRICES, at)
    if enactment is None:
        return None
    rule = enactment.rule
    assert isinstance(rule, SetReferencePrices)
    return rule, enactment.decision_id
